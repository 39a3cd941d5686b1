//! Fusion decisions are data: kernel counts and phases, checked without running
//! anything; and each plan computes what its program computes (plan interpreter).

use lazyfuse_ir::kernel::{interpret_plan, Kernel, KernelPlan, LoopKind, Phase, ScalarOp};
use lazyfuse_ir::{interpret, Program, Value};
use lazyfuse_optimizer::{plan, FusionOptions};
use ndarray::{ArrayD, IxDyn};

fn inputs(program: &Program) -> Vec<Value> {
    program
        .inputs()
        .iter()
        .enumerate()
        .map(|(s, ty)| {
            let n = ty.shape.numel();
            let data: Vec<f64> = (0..n)
                .map(|i| ((i * 7 + s * 13) % 23) as f64 / 7.0 - 1.5)
                .collect();
            let v =
                Value::from_array(ArrayD::from_shape_vec(IxDyn(ty.shape.dims()), data).unwrap());
            v.cast(ty.dtype)
        })
        .collect()
}

fn planned(text: &str, options: &FusionOptions) -> (Program, KernelPlan) {
    let program: Program = text.parse().unwrap();
    let plan = plan(&program, options).unwrap();
    // The plan computes the program's values.
    let inputs = inputs(&program);
    let want = interpret(&program, &inputs).unwrap();
    let got = interpret_plan(&plan, &inputs).unwrap();
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(w.ty(), g.ty());
        for (a, b) in w.to_scalars().iter().zip(g.to_scalars()) {
            let (a, b) = (a.as_f64(), b.as_f64());
            assert!(
                (a - b).abs() <= 1e-9 * (1.0 + a.abs()) || (a.is_nan() && b.is_nan()),
                "{a} vs {b}\n{program}\n{plan}"
            );
        }
    }
    (program, plan)
}

const SOFTMAX: &str = "program(a: f64[40,25]) {
  b: f64[40,1]  = reduce_max[axes=(1), keepdims] a
  c: f64[40,25] = sub a b
  d: f64[40,25] = exp c
  e: f64[40,1]  = reduce_sum[axes=(1), keepdims] d
  f: f64[40,25] = div d e
  return f
}";

#[test]
fn a_ten_op_elementwise_chain_is_one_kernel() {
    let text = "program(a: f64[30,20], b: f64[20]) {
  c: f64[30,20] = mul a b
  d: f64[30,20] = sin c
  e: f64[]      = const[2.0]
  f: f64[30,20] = add d e
  g: f64[30,20] = exp f
  h: f64[30,20] = sub g a
  i: f64[20,30] = transpose[perm=(1,0)] h
  j: f64[20,30] = sqrt i
  k: f64[20,30] = abs j
  l: f64[20,30] = tanh k
  m: f64[20,30] = mul l e
  return m
}";
    let (_, fused) = planned(text, &FusionOptions::default());
    assert_eq!(fused.kernel_count(), 1, "{fused}");
    let (_, unfused) = planned(
        text,
        &FusionOptions {
            enabled: false,
            ..FusionOptions::default()
        },
    );
    assert_eq!(
        unfused.kernel_count(),
        9,
        "one per non-view op without fusion:\n{unfused}"
    );
}

#[test]
fn row_softmax_is_one_kernel_with_three_phases() {
    let (_, plan) = planned(SOFTMAX, &FusionOptions::default());
    assert_eq!(plan.kernel_count(), 1, "{plan}");
    let Kernel::Loop(l) = &plan.kernels[0] else {
        panic!("{plan}")
    };
    assert_eq!(
        (l.outer.as_slice(), l.inner.as_slice()),
        (&[40][..], &[25][..])
    );
    let kinds: Vec<&str> = l
        .phases
        .iter()
        .map(|p| match p {
            Phase::Reduce { .. } => "reduce",
            Phase::Map { .. } => "map",
            Phase::Outer { .. } => "outer",
        })
        .collect();
    assert_eq!(kinds, ["reduce", "reduce", "map"], "{plan}");
    // The row maximum and sum live in registers: the output is the only temporary.
    let temps = plan
        .buffers
        .iter()
        .filter(|b| b.kind == lazyfuse_ir::kernel::BufferKind::Temp)
        .count();
    assert_eq!(temps, 1, "{plan}");
}

/// exp(x - max) is computed once per element: the sum phase stores it into the output,
/// the map phase reads it back and divides. A cheap shared intermediate (layer norm's
/// `x - mean`) is recomputed instead.
#[test]
fn softmax_computes_its_exponential_once() {
    let (_, plan) = planned(SOFTMAX, &FusionOptions::default());
    let Kernel::Loop(l) = &plan.kernels[0] else {
        panic!("{plan}")
    };
    let exps = |body: &lazyfuse_ir::kernel::Body| {
        body.instrs
            .iter()
            .filter(|i| {
                matches!(
                    &i.op,
                    ScalarOp::Apply(
                        lazyfuse_ir::kernel::ElementwiseOp::Unary(lazyfuse_ir::UnaryOp::Exp),
                        _
                    )
                )
            })
            .count()
    };
    let per_phase: Vec<(usize, usize)> = l
        .phases
        .iter()
        .map(|p| (exps(p.body_and_stores().0), p.body_and_stores().1.len()))
        .collect();
    assert_eq!(per_phase, [(0, 0), (1, 1), (0, 1)], "{plan}");

    let layer_norm = "program(a: f64[40,25]) {
  b: f64[40,1]  = reduce_mean[axes=(1), keepdims] a
  c: f64[40,25] = sub a b
  d: f64[40,25] = square c
  e: f64[40,1]  = reduce_mean[axes=(1), keepdims] d
  f: f64[40,25] = div c e
  return f
}";
    let (_, plan) = planned(layer_norm, &FusionOptions::default());
    let Kernel::Loop(l) = &plan.kernels[0] else {
        panic!("{plan}")
    };
    assert!(
        l.phases.iter().all(|p| match p {
            Phase::Reduce { stores, .. } => stores.is_empty(),
            _ => true,
        }),
        "{plan}"
    );
}

#[test]
fn softmax_over_columns_is_one_kernel_too() {
    let text = "program(a: f64[40,25]) {
  b: f64[1,25]  = reduce_max[axes=(0), keepdims] a
  c: f64[40,25] = sub a b
  d: f64[40,25] = exp c
  e: f64[1,25]  = reduce_sum[axes=(0), keepdims] d
  f: f64[40,25] = div d e
  return f
}";
    let (_, plan) = planned(text, &FusionOptions::default());
    assert_eq!(plan.kernel_count(), 1, "{plan}");
}

#[test]
fn logsumexp_fuses_its_epilogue() {
    let text = "program(a: f64[40,25]) {
  b: f64[40,1]  = reduce_max[axes=(1), keepdims] a
  c: f64[40,25] = sub a b
  d: f64[40,25] = exp c
  e: f64[40,1]  = reduce_sum[axes=(1), keepdims] d
  f: f64[40,1]  = log e
  g: f64[40,1]  = add b f
  return g
}";
    let (_, plan) = planned(text, &FusionOptions::default());
    assert_eq!(plan.kernel_count(), 1, "{plan}");
}

#[test]
fn layer_normalisation_is_one_kernel() {
    let text = "program(a: f64[16,64], w: f64[64], b: f64[64]) {
  m: f64[16,1]  = reduce_mean[axes=(1), keepdims] a
  c: f64[16,64] = sub a m
  d: f64[16,64] = square c
  v: f64[16,1]  = reduce_mean[axes=(1), keepdims] d
  e: f64[]      = const[1e-5]
  f: f64[16,1]  = add v e
  g: f64[16,1]  = sqrt f
  h: f64[16,64] = div c g
  i: f64[16,64] = mul h w
  j: f64[16,64] = add i b
  return j
}";
    let (_, plan) = planned(text, &FusionOptions::default());
    assert_eq!(plan.kernel_count(), 1, "{plan}");
}

#[test]
fn outputs_sharing_a_space_form_one_kernel() {
    let text = "program(a: f64[50], b: f64[50]) {
  c: f64[50] = add a b
  d: f64[50] = mul a b
  e: f64[]   = reduce_sum[axes=(0)] a
  f: f64[]   = reduce_max[axes=(0)] b
  return c, d, e, f
}";
    let (_, plan) = planned(text, &FusionOptions::default());
    assert_eq!(plan.kernel_count(), 2, "{plan}");
}

#[test]
fn cheap_shared_intermediates_are_recomputed_and_expensive_ones_stored() {
    let cheap = "program(a: f64[50]) {
  b: f64[50] = neg a
  c: f64[]   = reduce_sum[axes=(0)] b
  d: f64[]   = reduce_max[axes=(0)] b
  e: f64[50] = abs b
  return c, d, e
}";
    let (_, plan) = planned(cheap, &FusionOptions::default());
    let temps = plan
        .buffers
        .iter()
        .filter(|b| b.kind == lazyfuse_ir::kernel::BufferKind::Temp)
        .count();
    assert_eq!(temps, 3, "only the outputs are stored:\n{plan}");
    let expensive = "program(a: f64[50]) {
  b: f64[50] = sin a
  c: f64[50] = cos b
  d: f64[50] = tan c
  e: f64[]   = reduce_sum[axes=(0)] d
  f: f64[50] = exp d
  return e, f
}";
    let (_, plan) = planned(expensive, &FusionOptions::default());
    let temps = plan
        .buffers
        .iter()
        .filter(|b| b.kind == lazyfuse_ir::kernel::BufferKind::Temp)
        .count();
    assert_eq!(temps, 3, "tan(cos(sin a)) is stored once:\n{plan}");
}

#[test]
fn matmul_is_its_own_kernel_and_reads_transposes_in_place() {
    let text = "program(a: f64[8,6], b: f64[8,5]) {
  c: f64[6,8] = transpose[perm=(1,0)] a
  d: f64[6,5] = matmul c b
  e: f64[6,5] = exp d
  return e
}";
    let (_, plan) = planned(text, &FusionOptions::default());
    assert_eq!(plan.kernel_count(), 2, "{plan}");
    let Kernel::MatMul(m) = &plan.kernels[0] else {
        panic!("{plan}")
    };
    assert_eq!(
        m.a.0,
        lazyfuse_ir::kernel::BufferId(0),
        "reads input a through a transposed map:\n{plan}"
    );
}

#[test]
fn views_concat_reshape_and_arange_plan_correctly() {
    let text = "program(a: f64[4,6], b: i32[3,6]) {
  c: f64[6,4]  = transpose[perm=(1,0)] a
  d: f64[24]   = reshape[shape=(24)] c
  e: f64[2,12] = reshape[shape=(2,12)] d
  f: f64[7,6]  = concat[axis=0] a b
  g: f64[7]    = arange[start=0.0, step=0.5, len=7]
  h: f64[7,1]  = reshape[shape=(7,1)] g
  i: f64[7,6]  = mul f h
  j: f64[7,6]  = slice[starts=(6,5), steps=(-1,-1), lens=(7,6)] i
  return e, j
}";
    planned(text, &FusionOptions::default());
    planned(
        text,
        &FusionOptions {
            enabled: false,
            ..FusionOptions::default()
        },
    );
}

#[test]
fn explain_shows_every_stage_and_stages_can_be_switched_off() {
    use lazyfuse_optimizer::{explain, Options};
    let text = "program(a: f64[40,25]) {
  b: f64[]      = const[2.0]
  c: f64[40,25] = pow a b
  d: f64[40,25] = exp a
  e: f64[40,25] = exp c
  f: f64[40,25] = mul d e
  g: f64[40,1]  = reduce_max[axes=(1), keepdims] f
  h: f64[40,25] = sub f g
  return h
}";
    let program: Program = text.parse().unwrap();
    let e = explain(&program, &Options::default()).unwrap();
    assert_eq!(e.before, program.to_string());
    assert!(
        e.rewrites.iter().any(|r| r.starts_with("exp-mul-exp")),
        "{e}"
    );
    assert!(
        e.rewrites
            .iter()
            .any(|r| r.starts_with("output 0:") && r.contains("exp-mul-exp")),
        "{e}"
    );
    assert_eq!(e.kernels.len(), 1, "{e}");
    let shown = e.to_string();
    if std::env::var("SHOW").is_ok() {
        eprintln!("{shown}");
    }
    for section in [
        "== before ==",
        "== after ==",
        "== rewrites ==",
        "== kernels (1) ==",
    ] {
        assert!(shown.contains(section), "{shown}");
    }
    // Controls: no rewriting keeps the program; no fusion gives one kernel per op.
    let off = explain(
        &program,
        &Options {
            rewrite: false,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(off.after, off.before);
    assert!(off.rewrites.is_empty());
    let unfused = Options {
        rewrite: false,
        fusion: FusionOptions {
            enabled: false,
            ..FusionOptions::default()
        },
        ..Options::default()
    };
    assert_eq!(explain(&program, &unfused).unwrap().kernels.len(), 6);
}

#[test]
fn regression_zero_d_intermediate_read_back_through_a_broadcast() {
    // Found by tests/cpu_differential.rs: a 0-d reshape inside a broadcast lost the loop
    // count of its index map.
    let text = "program(a: bool[1]) {
  b: f64[1] = cast[f64] a
  c: f64[1] = neg b
  d: f64[]  = reshape[shape=()] c
  e: f64[]  = neg d
  f: f64[1] = add c e
  return f
}";
    planned(text, &FusionOptions::default());
}

fn loop_kinds(plan: &KernelPlan) -> Vec<LoopKind> {
    plan.kernels
        .iter()
        .filter_map(|k| match k {
            Kernel::Loop(l) => Some(l.kind()),
            Kernel::MatMul(_) | Kernel::Axis(_) => None,
        })
        .collect()
}

#[test]
fn loop_kinds_name_what_each_kernel_computes() {
    let options = FusionOptions::default();
    let (_, map) = planned(
        "program(a: f64[30,20]) {\n  b: f64[30,20] = exp a\n  return b\n}",
        &options,
    );
    assert_eq!(loop_kinds(&map), [LoopKind::Elementwise]);
    let (_, sum) = planned(
        "program(a: f64[30,20]) {\n  b: f64[30,20] = exp a\n  c: f64[] = reduce_sum[axes=(0, 1)] b\n  return c\n}",
        &options,
    );
    assert_eq!(
        loop_kinds(&sum),
        [LoopKind::Reduction {
            combiner: lazyfuse_ir::ReduceOp::Sum,
            dtype: lazyfuse_ir::DType::F64
        }]
    );
    let (_, softmax) = planned(SOFTMAX, &options);
    assert_eq!(loop_kinds(&softmax), [LoopKind::Phased]);
}

#[test]
fn verify_rejects_an_elementwise_op_with_the_wrong_operand_count() {
    let (_, mut plan) = planned(
        "program(a: f64[30,20]) {\n  b: f64[30,20] = exp a\n  return b\n}",
        &FusionOptions::default(),
    );
    let Kernel::Loop(k) = &mut plan.kernels[0] else {
        panic!("a loop kernel")
    };
    let (body, _) = k.phases[0].body_and_stores_mut();
    let at = body
        .instrs
        .iter()
        .position(|i| matches!(i.op, ScalarOp::Apply(..)))
        .unwrap();
    let ScalarOp::Apply(_, args) = &body.instrs[at].op else {
        unreachable!()
    };
    body.instrs[at].op = ScalarOp::Apply(
        lazyfuse_ir::kernel::ElementwiseOp::Binary(lazyfuse_ir::BinaryOp::Add),
        args.clone(),
    );
    let err = plan.verify().unwrap_err().to_string();
    assert!(err.contains("add takes 2 operands"), "{err}");
}

#[test]
fn explain_draws_each_kernel_as_a_cluster_of_the_nodes_it_computes() {
    let program: Program = SOFTMAX.parse().unwrap();
    let e = lazyfuse_optimizer::explain(&program, &lazyfuse_optimizer::Options::default()).unwrap();
    assert_eq!(e.kernel_nodes.len(), 1);
    // Every non-input node of the optimised softmax is computed by its one kernel.
    assert_eq!(e.kernel_nodes[0].len(), e.optimized.len() - 1);
    let dot = e.to_dot();
    assert!(dot.contains("subgraph cluster_before") && dot.contains("label=\"after: 1 kernel\""));
    assert_eq!(dot.matches("subgraph cluster_a_kernel").count(), 1, "{dot}");
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());

    // Without fusion each op is its own kernel: one cluster per kernel that computes a node.
    let options = lazyfuse_optimizer::Options {
        fusion: FusionOptions {
            enabled: false,
            ..FusionOptions::default()
        },
        ..lazyfuse_optimizer::Options::default()
    };
    let e = lazyfuse_optimizer::explain(&program, &options).unwrap();
    assert_eq!(e.kernel_nodes.len(), e.plan.kernel_count());
    assert!(e.plan.kernel_count() >= 4, "{}", e.plan);
    let clusters = e.to_dot().matches("subgraph cluster_a_kernel").count();
    assert_eq!(clusters, e.plan.kernel_count());
    // A concatenation is one kernel per operand.
    let concat: Program = "program(a: f64[3], b: f64[2]) {
  c: f64[3] = exp a
  d: f64[5] = concat[axis=0] c b
  return d
}"
    .parse()
    .unwrap();
    let e = lazyfuse_optimizer::explain(&concat, &lazyfuse_optimizer::Options::default()).unwrap();
    assert_eq!(e.kernel_nodes.len(), e.plan.kernel_count());
    assert!(e
        .kernel_nodes
        .iter()
        .flatten()
        .any(|n| e.optimized.instr(*n).op.name() == "exp"));
}
