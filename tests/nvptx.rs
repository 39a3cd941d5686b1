//! The GPU backend: every loop kernel of random programs (every op family and dtype,
//! fused and unfused, the chunked variant of whole-array folds) lowered to PTX and
//! assembled by ptxas for sm_80 and sm_90; a few properties of the PTX of simple
//! kernels; and, where a CUDA device is present, the compiled results against the
//! interpreter.
//!
//! ptxas comes from the pip wheel nvidia-cuda-nvcc-cu12 that `make test` installs;
//! `LAZYFUSE_REQUIRE_PTXAS=1` (set by `make test`) makes its absence a failure, and
//! `LAZYFUSE_REQUIRE_GPU=1` (set by `scripts/gpu_check.sh`) that of a device.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::agree::{agree_within, magnitude, tainted_outputs};
use common::programs::{build, case_strategy};
use lazyfuse::ir::kernel::{Kernel, KernelPlan};
use lazyfuse::ir::{interpret, Program, Value};
use lazyfuse_codegen::nvptx::{kernel_ptx, toolkit, CudaExecutor, Variant};
use lazyfuse_codegen::CodegenError;
use lazyfuse_optimizer::{plan, FusionOptions};
use proptest::prelude::*;

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

fn ptxas() -> Option<PathBuf> {
    let found = toolkit::ptxas();
    assert!(
        found.is_some() || !required("LAZYFUSE_REQUIRE_PTXAS"),
        "ptxas not found (pip install nvidia-cuda-nvcc-cu12, or set LAZYFUSE_CUDA_HOME)"
    );
    found
}

/// Assembles `ptx` for `arch`; ptxas's complaint on failure.
fn assemble(ptxas: &PathBuf, ptx: &str, arch: &str) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("lazyfuse-ptx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let file = dir.join(format!(
        "k{}.ptx",
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&file, ptx).map_err(|e| e.to_string())?;
    let out = Command::new(ptxas)
        .args(["-arch", arch, "-v", "-o", "/dev/null"])
        .arg(&file)
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&file);
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        Ok(log)
    } else {
        Err(log)
    }
}

/// Every loop kernel's PTX, in every variant it has (a thread per element or row
/// always; a chunked whole-array fold, a block per row where the kernel allows).
fn plan_ptx(plan: &KernelPlan) -> Vec<String> {
    let dtypes: Vec<_> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
    let mut out = Vec::new();
    for kernel in &plan.kernels {
        if let Kernel::Loop(l) = kernel {
            match kernel_ptx(l, &dtypes, "sm_80", Variant::Threads) {
                Ok(ptx) => out.push(ptx),
                // C's complex functions have no GPU lowering (libdevice lacks them): the
                // executor runs such plans on the CPU.
                Err(CodegenError::NoGpuLowering(names)) => {
                    assert!(names.split(", ").all(c_complex), "{names}\n{plan}");
                    continue;
                }
                Err(e) => panic!("{e}\n{plan}"),
            }
            for variant in [Variant::Chunked, Variant::Blocks] {
                if let Ok(ptx) = kernel_ptx(l, &dtypes, "sm_80", variant) {
                    out.push(ptx);
                }
            }
        }
    }
    out
}

/// A function of C's complex library (`cexpf`, `clog`, ...).
fn c_complex(name: &str) -> bool {
    let base = name.strip_suffix('f').unwrap_or(name);
    [
        "cexp", "clog", "cpow", "csqrt", "csin", "ccos", "ctan", "csinh", "ccosh", "ctanh",
        "casin", "cacos", "catan", "casinh", "cacosh", "catanh",
    ]
    .contains(&base)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_program_kernels_assemble_for_sm80_and_sm90(case in case_strategy(14)) {
        let (_, pool) = build(&case);
        let (program, _) = Program::from_outputs(&pool[pool.len().saturating_sub(3)..]).unwrap();
        let ptxas = ptxas();
        for fusion in [true, false] {
            let plan = plan(&program, &FusionOptions { enabled: fusion, ..Default::default() }).unwrap();
            for ptx in plan_ptx(&plan) {
                prop_assert!(ptx.contains(".entry lazyfuse_kernel"), "{ptx}");
                if let Some(p) = &ptxas {
                    for arch in ["sm_80", "sm_90"] {
                        let r = assemble(p, &ptx, arch);
                        prop_assert!(r.is_ok(), "ptxas -arch {arch}: {}\n{program}\n{plan}\n{ptx}", r.unwrap_err());
                    }
                }
            }
        }
    }
}

fn first_loop_ptx(text: &str, variant: Variant) -> String {
    let program: Program = text.parse().unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let dtypes: Vec<_> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
    let kernel = plan
        .kernels
        .iter()
        .find_map(|k| match k {
            Kernel::Loop(l) => Some(l.clone()),
            _ => None,
        })
        .expect("a loop kernel");
    kernel_ptx(&kernel, &dtypes, "sm_90", variant).unwrap()
}

#[test]
fn simple_kernels_spill_nothing_and_call_nothing() {
    let programs = [
        "program(a: f64[1000], b: f64[1000], c: f64[1000]) {\n  d: f64[1000] = mul a b\n  e: f64[1000] = add d c\n  return e\n}",
        "program(a: f32[64,256]) {\n  b: f32[64,256] = exp a\n  c: f32[64] = reduce_sum[axes=(1)] b\n  return c\n}",
        "program(a: f64[1000]) {\n  b: f64[1000] = tanh a\n  return b\n}",
    ];
    let ptxas = ptxas();
    for text in programs {
        let ptx = first_loop_ptx(text, Variant::Threads);
        assert!(
            !ptx.contains("call.uni"),
            "a call left in the kernel:\n{ptx}"
        );
        if let Some(p) = &ptxas {
            let log = assemble(p, &ptx, "sm_90").unwrap();
            // A float reduction's pairwise-sum partials live in a stack array.
            let folds = text.contains("reduce_");
            assert!(
                folds || log.contains(" 0 bytes stack frame"),
                "{text}\n{log}"
            );
            assert!(log.contains(" 0 bytes spill stores"), "{text}\n{log}");
        }
    }
}

/// A kernel calling C's complex functions has no GPU lowering, and says so.
#[test]
fn complex_library_calls_have_no_gpu_lowering() {
    let program: Program = "program(a: c64[10]) {\n  b: c64[10] = exp a\n  return b\n}"
        .parse()
        .unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let dtypes: Vec<_> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
    let Kernel::Loop(l) = &plan.kernels[0] else {
        panic!("{plan}")
    };
    match kernel_ptx(l, &dtypes, "sm_90", Variant::Threads) {
        Err(CodegenError::NoGpuLowering(names)) => assert_eq!(names, "cexpf"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn functions_from_libdevice_are_linked_in() {
    let ptx = first_loop_ptx(
        "program(a: f64[100]) {\n  b: f64[100] = arcsinh a\n  return b\n}",
        Variant::Threads,
    );
    assert!(!ptx.contains(".extern .func"), "{ptx}");
    if let Some(p) = ptxas() {
        assemble(&p, &ptx, "sm_90").unwrap();
    }
}

#[test]
fn whole_array_folds_have_a_chunked_variant() {
    let ptx = first_loop_ptx(
        "program(a: f64[100000]) {\n  b: f64[] = reduce_sum[axes=(0)] a\n  return b\n}",
        Variant::Chunked,
    );
    assert!(ptx.contains(".entry lazyfuse_kernel"), "{ptx}");
}

/// A block per row: shared memory for the partials, barriers between the steps of
/// their tree, no spills.
#[test]
fn rows_folded_by_a_block_use_shared_memory_and_barriers() {
    let softmax = "program(x: f32[100,1000]) {\n  m: f32[100,1] = reduce_max[axes=(1), keepdims] x\n  mb: f32[100,1000] = broadcast_to[shape=(100,1000)] m\n  d: f32[100,1000] = sub x mb\n  e: f32[100,1000] = exp d\n  s: f32[100] = reduce_sum[axes=(1)] e\n  return s\n}";
    let ptx = first_loop_ptx(softmax, Variant::Blocks);
    assert!(ptx.contains(".shared"), "{ptx}");
    assert!(ptx.contains("bar.sync"), "{ptx}");
    if let Some(p) = ptxas() {
        let log = assemble(&p, &ptx, "sm_90").unwrap();
        assert!(log.contains(" 0 bytes spill stores"), "{log}");
    }
}

/// The CUDA executor, where a device is present (else the test has nothing to run).
fn device() -> Option<&'static CudaExecutor> {
    match CudaExecutor::global() {
        Ok(e) => Some(e),
        Err(e) => {
            assert!(!required("LAZYFUSE_REQUIRE_GPU"), "{e}");
            eprintln!("no CUDA device: {e}");
            None
        }
    }
}

/// A second executor whose kernels all take their cooperative variants (a block per
/// row, whole-array folds in chunks), which the small random arrays would not reach.
fn eager_device() -> Option<&'static CudaExecutor> {
    static EAGER: std::sync::OnceLock<Option<CudaExecutor>> = std::sync::OnceLock::new();
    device()?;
    EAGER
        .get_or_init(|| {
            CudaExecutor::new(0)
                .ok()
                .map(CudaExecutor::with_eager_variants)
        })
        .as_ref()
}

/// Both backends behind one trait: the CPU's runs a plan as its executor does; the
/// CUDA one is there where a device is, else a `Device` error saying what is missing.
#[test]
fn executors_are_found_by_target() {
    use lazyfuse_codegen::{executor, TargetKind};
    let text = "program(a: f64[5]) {\n  b: f64[5] = exp a\n  c: f64[] = reduce_sum[axes=(0)] b\n  return b, c\n}";
    let program: Program = text.parse().unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let a =
        Value::from_array(ndarray::Array1::from_vec(vec![0.0, -1.0, 2.5, -0.0, 1e-3]).into_dyn());
    let cpu = executor(TargetKind::Cpu).unwrap();
    assert_eq!(cpu.target(), TargetKind::Cpu);
    let got = cpu.run(&plan, std::slice::from_ref(&a)).unwrap();
    let want = lazyfuse_codegen::CpuExecutor::global()
        .run(&plan, std::slice::from_ref(&a))
        .unwrap();
    assert_eq!(got[0].to_scalars(), want[0].to_scalars());
    assert_eq!(got[1].to_scalars(), want[1].to_scalars());
    match executor(TargetKind::Cuda) {
        Ok(cuda) => assert_eq!(cuda.target(), TargetKind::Cuda),
        Err(e) => {
            assert!(matches!(e, CodegenError::Device(_)), "{e:?}");
            assert!(!required("LAZYFUSE_REQUIRE_GPU"), "{e}");
        }
    }
}

#[test]
fn without_a_device_the_error_says_what_is_missing() {
    if let Err(e) = CudaExecutor::global() {
        let text = e.to_string();
        assert!(text.starts_with("cuda: "), "{text}");
        assert!(text.contains("driver") || text.contains("device"), "{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random programs' matrix products as the GPU runs them (loop kernels), run by the
    /// CPU backend against the interpreter: no GPU needed.
    #[test]
    fn random_matrix_products_as_loops_match_the_interpreter(case in case_strategy(14)) {
        use lazyfuse_codegen::nvptx::matmul_as_loop;
        let (_, pool) = build(&case);
        let (program, leaves) = Program::from_outputs(&pool[pool.len().saturating_sub(3)..]).unwrap();
        let inputs: Vec<Value> = leaves.into_iter().map(|l| l.into_value().expect("data leaves only")).collect();
        let want = interpret(&program, &inputs).unwrap();
        let scale = magnitude(&want).max(magnitude(&inputs)) * 64.0;
        let mut kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
        let types: Vec<_> = kernel_plan.buffers.iter().map(|b| b.ty.clone()).collect();
        for k in &mut kernel_plan.kernels {
            if let Kernel::MatMul(m) = k {
                if let Some(looped) = matmul_as_loop(m, &types[m.out.0 as usize]) {
                    *k = Kernel::Loop(looped);
                }
            }
        }
        let got = lazyfuse_codegen::CpuExecutor::global()
            .run(&kernel_plan, &inputs)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{program}\n{kernel_plan}")))?;
        for ((w, g), &(t, chaotic)) in want.iter().zip(&got).zip(&tainted_outputs(&program)) {
            prop_assert!(chaotic || agree_within(w, g, scale, t), "{}\n{}\nwant {:?}\ngot  {:?}", program, kernel_plan, w, g);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn gpu_results_match_the_interpreter(case in case_strategy(14)) {
        let (Some(exec), Some(eager)) = (device(), eager_device()) else { return Ok(()) };
        let (_, pool) = build(&case);
        let (program, leaves) = Program::from_outputs(&pool[pool.len().saturating_sub(3)..]).unwrap();
        let inputs: Vec<Value> = leaves.into_iter().map(|l| l.into_value().expect("data leaves only")).collect();
        let want = interpret(&program, &inputs).unwrap();
        let scale = magnitude(&want).max(magnitude(&inputs)) * 64.0;
        for (fusion, exec) in [(true, exec), (false, exec), (true, eager)] {
            let plan = plan(&program, &FusionOptions { enabled: fusion, ..Default::default() }).unwrap();
            let got = exec.run(&plan, &inputs).map_err(|e| TestCaseError::fail(format!("{e}\n{program}\n{plan}")))?;
            let tainted = tainted_outputs(&program);
            for ((w, g), &(t, chaotic)) in want.iter().zip(&got).zip(&tainted) {
                let ok = chaotic || agree_within(w, g, scale, t);
                prop_assert!(ok, "fusion {}: GPU result differs\n{}\n{}\nwant {:?}\ngot  {:?}", fusion, program, plan, w, g);
            }
        }
    }
}

/// Matrix products as the GPU runs them (loop kernels composed from the operands' index
/// maps) give the interpreter's results when the CPU backend runs those loops: vectors,
/// matrices, broadcast batches, transposed and sliced operands.
#[test]
fn matrix_products_as_loop_kernels_match_the_interpreter() {
    use lazyfuse_codegen::nvptx::matmul_as_loop;
    use lazyfuse_codegen::CpuExecutor;
    let cases = [
        "program(a: f64[5], b: f64[5]) {\n  c: f64[] = matmul a b\n  return c\n}",
        "program(a: f64[3,5], b: f64[5]) {\n  c: f64[3] = matmul a b\n  return c\n}",
        "program(a: f64[5], b: f64[5,4]) {\n  c: f64[4] = matmul a b\n  return c\n}",
        "program(a: f32[3,5], b: f32[5,4]) {\n  c: f32[3,4] = matmul a b\n  return c\n}",
        "program(a: f64[2,3,5], b: f64[5,4]) {\n  c: f64[2,3,4] = matmul a b\n  return c\n}",
        "program(a: f64[3,5], b: f64[2,1,5,4]) {\n  c: f64[2,1,3,4] = matmul a b\n  return c\n}",
        "program(a: f64[1,3,5], b: f64[2,5,4]) {\n  c: f64[2,3,4] = matmul a b\n  return c\n}",
        "program(a: i64[1,1,1], b: i64[2,1,1]) {\n  c: i64[2,1,1] = matmul a b\n  return c\n}",
        "program(a: i64[3,5], b: i64[5,3]) {\n  t: i64[3,5] = transpose[perm=(1,0)] b\n  c: i64[3,3] = matmul a b\n  d: i64[5,5] = matmul b t\n  return c, d\n}",
        "program(a: f64[6,5], b: f64[5,0]) {\n  c: f64[6,0] = matmul a b\n  return c\n}",
        "program(a: f64[6,0], b: f64[0,4]) {\n  c: f64[6,4] = matmul a b\n  return c\n}",
    ];
    for text in cases {
        let program: Program = text.parse().unwrap();
        let inputs: Vec<Value> = program
            .inputs()
            .iter()
            .enumerate()
            .map(|(i, ty)| {
                let mut rng = common::Rng(100 + i as u64);
                let n = ty.shape.dims().iter().product::<usize>();
                let data: Vec<lazyfuse::ir::Scalar> = (0..n)
                    .map(|_| lazyfuse::ir::Scalar::F64((rng.unit() - 0.5) * 8.0).cast(ty.dtype))
                    .collect();
                Value::from_scalars(ty, &data).unwrap()
            })
            .collect();
        let want = interpret(&program, &inputs).unwrap();
        let mut kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
        let mut replaced = 0;
        let types: Vec<_> = kernel_plan.buffers.iter().map(|b| b.ty.clone()).collect();
        for k in &mut kernel_plan.kernels {
            if let Kernel::MatMul(m) = k {
                let looped = matmul_as_loop(m, &types[m.out.0 as usize]).expect("one dtype");
                *k = Kernel::Loop(looped);
                replaced += 1;
            }
        }
        assert!(replaced > 0, "{kernel_plan}");
        let got = CpuExecutor::new(1).run(&kernel_plan, &inputs).unwrap();
        for (w, g) in want.iter().zip(&got) {
            assert!(
                agree_within(w, g, magnitude(&want) * 64.0, true),
                "{text}\nwant {w:?}\ngot {g:?}"
            );
        }
    }
}

/// An elementwise kernel's loop reads global memory and keeps its parameters in
/// registers (the table and parameters are read-only and unaliased).
#[test]
fn elementwise_loops_load_globals_and_no_parameters() {
    let ptx = first_loop_ptx(
        "program(a: f64[1000], b: f64[1000], c: f64[1000]) {\n  d: f64[1000] = mul a b\n  e: f64[1000] = add d c\n  return e\n}",
        Variant::Threads,
    );
    assert!(
        ptx.contains("ld.global.f64") || ptx.contains("ld.global.nc.f64"),
        "{ptx}"
    );
    assert!(ptx.contains("st.global.f64"), "{ptx}");
    if std::env::var("LAZYFUSE_SHOW_PTX").is_ok() {
        println!("{ptx}");
    }
}

/// A kernel with more pointers and parameters than a launch's arguments hold reads them
/// from device memory instead.
#[test]
fn kernels_with_very_many_operands_read_their_table_from_memory() {
    use lazyfuse::ir::kernel::{
        Affine, Body, BufferId, ElementwiseOp, IndexMap, LoopKernel, Phase, ScalarInstr, ScalarOp,
        Store,
    };
    use lazyfuse::ir::{BinaryOp, DType};
    // `out = x0 + x1 + ... + x(n-1)` over four loops: five words per operand.
    let kernel_of = |n: usize| {
        let loops = 4;
        let map = IndexMap((0..loops).map(|k| Affine::index(k, loops)).collect());
        let f64_instr = |op| ScalarInstr {
            op,
            dtype: DType::F64,
        };
        let mut instrs: Vec<ScalarInstr> = (0..n)
            .map(|b| f64_instr(ScalarOp::Load(BufferId(b as u32), map.clone())))
            .collect();
        let mut acc = 0;
        for b in 1..n {
            instrs.push(f64_instr(ScalarOp::Apply(
                ElementwiseOp::Binary(BinaryOp::Add),
                vec![acc, b],
            )));
            acc = instrs.len() - 1;
        }
        let kernel = LoopKernel {
            outer: vec![2, 3, 2, 3],
            inner: vec![],
            phases: vec![Phase::Outer {
                body: Body { instrs },
                stores: vec![Store {
                    buffer: BufferId(n as u32),
                    index: map,
                    value: acc,
                }],
            }],
        };
        (kernel, vec![DType::F64; n + 1])
    };
    let (many, dtypes) = kernel_of(100);
    let ptx = kernel_ptx(&many, &dtypes, "sm_90", Variant::Threads).unwrap();
    // Two pointer parameters, then rows, columns and chunk.
    assert!(ptx.contains("lazyfuse_kernel_param_4"), "{}", &ptx[..2000]);
    assert!(!ptx.contains("lazyfuse_kernel_param_5"), "{}", &ptx[..2000]);
    if let Some(p) = ptxas() {
        assemble(&p, &ptx, "sm_90").unwrap();
    }
    let (few, dtypes) = kernel_of(4);
    let small = kernel_ptx(&few, &dtypes, "sm_90", Variant::Threads).unwrap();
    assert!(small.contains("lazyfuse_kernel_param_5"), "{small}");
}
