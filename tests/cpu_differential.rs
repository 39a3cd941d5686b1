//! The compiled CPU backend against the interpreter on random programs: every op
//! family, every dtype, 0-d, zero-size, broadcast, transposed, strided and reversed
//! inputs, NaN, ±inf and integer extremes; fused and unfused plans.

mod common;

use common::agree::{agree, agree_within, magnitude, tainted_outputs};
use common::programs::{build, case_strategy};
use lazyfuse::ir::DType;
use lazyfuse::ir::{interpret, Program, Value};
use lazyfuse_codegen::{CpuExecutor, InputView};
use lazyfuse_optimizer::{plan, FusionOptions};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 250, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn compiled_kernels_match_the_interpreter(case in case_strategy(14)) {
        let (_, pool) = build(&case);
        let (program, leaves) = Program::from_outputs(&pool[pool.len().saturating_sub(3)..]).unwrap();
        let inputs: Vec<Value> = leaves.into_iter().map(|l| l.into_value().expect("data leaves only")).collect();
        let want = interpret(&program, &inputs).unwrap();
        let scale = magnitude(&want).max(magnitude(&inputs)) * 64.0;
        for fusion in [true, false] {
            let plan = plan(&program, &FusionOptions { enabled: fusion, ..Default::default() }).unwrap();
            let got = CpuExecutor::global().run(&plan, &inputs).map_err(|e| TestCaseError::fail(format!("{e}\n{program}\n{plan}")))?;
            let tainted = tainted_outputs(&program);
            for ((w, g), &(t, chaotic)) in want.iter().zip(&got).zip(&tainted) {
                let ok = chaotic || agree_within(w, g, scale, t);
                prop_assert!(ok, "fusion {}: compiled result differs\n{}\n{}\nwant {:?}\ngot  {:?}", fusion, program, plan, w, g);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, failure_persistence: None, ..ProptestConfig::default() })]

    /// A frame (a small plan's call prepared once, `PreparedPlan::frame`) gives the bits
    /// a run gives, on the same strided, reversed and broadcast inputs, its outputs
    /// starting as garbage; and a frame is refused for other strides.
    #[test]
    fn frames_give_the_bits_of_a_run(case in case_strategy(14)) {
        let (_, pool) = build(&case);
        let (program, leaves) = Program::from_outputs(&pool[pool.len().saturating_sub(3)..]).unwrap();
        let inputs: Vec<Value> = leaves.into_iter().map(|l| l.into_value().expect("data leaves only")).collect();
        let plan = std::sync::Arc::new(plan(&program, &FusionOptions::default()).unwrap());
        let prepared = CpuExecutor::global().prepare(plan.clone()).unwrap();
        let views: Vec<InputView<'_>> = inputs.iter().map(InputView::of).collect();
        prop_assert!(prepared.frame(&views).is_none(), "a frame before any run\n{plan}");
        let want = prepared.run_views(&views).unwrap();
        let Some(frame) = prepared.frame(&views) else {
            return Ok(()); // matmul, gathers, outputs that are views or inputs
        };
        for (w, got) in want.iter().zip(frame_outputs(&frame, &views)) {
            prop_assert!(got == elements_as_bytes(w), "frame differs from run\n{}\n{}\nwant {:?}", program, plan, w);
        }
        let moved: Vec<Value> = inputs.iter().map(c_order_copy).collect();
        let moved_views: Vec<InputView<'_>> = moved.iter().map(InputView::of).collect();
        if moved_views.iter().zip(&views).any(|(m, v)| m.strides() != v.strides()) {
            prop_assert!(prepared.frame(&moved_views).is_none());
        }
    }
}

#[test]
fn frames_run_plans_that_write_buffers_in_parts_and_refuse_others() {
    let cases = [
        "program(a: f64[3,4], b: f64[2,4]) {\n  c: f64[3,4] = exp a\n  d: f64[5,4] = concat[axis=0] c b\n  return d\n}",
        "program(a: f64[3,4], b: f64[3,2]) {\n  c: f64[3,6] = concat[axis=1] a b\n  d: f64[3,6] = neg c\n  e: f64[3] = reduce_sum[axes=(1)] d\n  return e, c\n}",
        "program(a: f64[3,4], b: f64[3,2]) {\n  c: f64[3,6] = concat[axis=1] a b\n  d: f64[3,6] = sin c\n  e: f64[3,1] = reduce_max[axes=(1), keepdims] d\n  f: f64[3,6] = sub d e\n  return f\n}",
    ];
    for text in cases {
        let program: Program = text.parse().unwrap();
        let plan = std::sync::Arc::new(plan(&program, &FusionOptions::default()).unwrap());
        let prepared = CpuExecutor::global().prepare(plan.clone()).unwrap();
        let inputs: Vec<Value> = program
            .inputs()
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let dims = t.shape.dims().to_vec();
                let n: usize = dims.iter().product();
                Value::from_array(
                    ndarray::ArrayD::from_shape_vec(
                        dims,
                        (0..n).map(|i| i as f64 * 0.25 - k as f64).collect(),
                    )
                    .unwrap(),
                )
            })
            .collect();
        let views: Vec<InputView<'_>> = inputs.iter().map(InputView::of).collect();
        let want = prepared.run_views(&views).unwrap();
        let frame = prepared.frame(&views).expect("a frame");
        for (w, got) in want.iter().zip(frame_outputs(&frame, &views)) {
            assert!(
                got == elements_as_bytes(w),
                "frame differs from run\n{text}\n{plan}\nwant {w:?}"
            );
        }
    }
    let refused = [
        "program(a: f64[6,6]) {\n  b: f64[6,6] = matmul a a\n  return b\n}",
        "program(a: f64[6,6]) {\n  return a\n}",
        "program(a: f64[6,6]) {\n  b: f64[6,6] = exp a\n  return b, b\n}",
        "program(a: f64[300000]) {\n  b: f64[300000] = exp a\n  return b\n}",
    ];
    let exec = CpuExecutor::new(2);
    for text in refused {
        let program: Program = text.parse().unwrap();
        let plan = std::sync::Arc::new(plan(&program, &FusionOptions::default()).unwrap());
        let prepared = exec.prepare(plan.clone()).unwrap();
        let a = Value::from_array(ndarray::ArrayD::<f64>::zeros(
            program.inputs()[0].shape.dims(),
        ));
        let views = [InputView::of(&a)];
        prepared.run_views(&views).unwrap();
        assert!(prepared.frame(&views).is_none(), "{text}\n{plan}");
    }
}

/// Runs `frame` twice on `views` (its outputs starting as garbage: NaN or -1 bytes,
/// `true` for bool) and returns each output's bytes after the second call.
fn frame_outputs(frame: &lazyfuse_codegen::Frame, views: &[InputView<'_>]) -> Vec<Vec<u8>> {
    let mut outputs: Vec<Vec<u64>> = frame
        .outputs()
        .iter()
        .map(|o| {
            let bytes = o.shape.iter().product::<usize>() * o.dtype.size_bytes();
            let fill = if o.dtype == DType::Bool {
                0x0101_0101_0101_0101
            } else {
                u64::MAX
            };
            vec![fill; bytes.div_ceil(8).max(1)]
        })
        .collect();
    let ins: Vec<*const u8> = views.iter().map(|v| v.ptr()).collect();
    let outs: Vec<*mut u8> = outputs
        .iter_mut()
        .map(|o| o.as_mut_ptr().cast::<u8>())
        .collect();
    for _ in 0..2 {
        // SAFETY: the inputs are views of the layout the frame was made for; each output
        // holds its array's bytes, 8-byte aligned, apart from the others.
        assert!(
            unsafe { frame.run(&ins, &outs) },
            "the temporaries were locked"
        );
    }
    outputs
        .iter()
        .zip(frame.outputs())
        .map(|(out, o)| {
            let bytes = o.shape.iter().product::<usize>() * o.dtype.size_bytes();
            // SAFETY: the vector holds at least the array's bytes.
            unsafe { std::slice::from_raw_parts(out.as_ptr().cast::<u8>(), bytes) }.to_vec()
        })
        .collect()
}

/// A C-contiguous copy.
fn c_order_copy(v: &Value) -> Value {
    lazyfuse::ir::with_value!(v, a => Value::from_array(
        ndarray::ArrayD::from_shape_vec(a.shape(), a.iter().copied().collect()).unwrap()
    ))
}

/// Each element's bytes in C order.
fn elements_as_bytes(v: &Value) -> Vec<u8> {
    lazyfuse::ir::with_value!(v, a => a
        .iter()
        .flat_map(|x| {
            // SAFETY: a plain element's own bytes.
            unsafe { std::slice::from_raw_parts(std::ptr::from_ref(x).cast::<u8>(), std::mem::size_of_val(x)) }.iter().copied()
        })
        .collect())
}

#[test]
fn a_new_size_reuses_the_compiled_kernel() {
    let exec = CpuExecutor::new(2);
    let text = |n: usize| {
        format!("program(a: f64[{n}], b: f64[{n}]) {{\n  c: f64[{n}] = mul a b\n  d: f64[{n}] = sqrt c\n  return d\n}}")
    };
    for (i, n) in [10usize, 1000, 7].into_iter().enumerate() {
        let program: Program = text(n).parse().unwrap();
        let plan = plan(&program, &FusionOptions::default()).unwrap();
        let a = Value::from_array(ndarray::Array1::from_shape_fn(n, |i| i as f64 * 0.1).into_dyn());
        let out = exec.run(&plan, &[a.clone(), a.clone()]).unwrap();
        assert_eq!(
            out[0].to_scalars(),
            interpret(&program, &[a.clone(), a]).unwrap()[0].to_scalars()
        );
        assert_eq!(exec.stats().compiles, 1, "size {n} compiled again");
        assert_eq!(exec.stats().hits, i as u64);
    }
}

/// A kernel's first contiguous call compiles only its unit-stride loops; a call with
/// other strides (a reversed and a transposed operand) compiles the general code once,
/// and contiguous calls keep the first code; a first call with other strides compiles
/// only the general code. Every call agrees with the interpreter.
#[test]
fn strided_calls_compile_the_general_kernel_once() {
    let exec = CpuExecutor::new(1);
    let text = "program(a: f64[40,30], b: f64[40,30]) {\n  c: f64[40,30] = mul a b\n  d: f64[40,30] = exp c\n  e: f64[40] = reduce_sum[axes=(1)] d\n  return d, e\n}";
    let program: Program = text.parse().unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let base =
        ndarray::Array2::from_shape_fn((40, 30), |(i, j)| ((i * 30 + j) as f64 * 0.01).sin());
    let wide = ndarray::Array2::from_shape_fn((30, 40), |(i, j)| (i as f64 - j as f64) * 0.02);
    let contiguous = Value::from_array(base.clone().into_dyn());
    let reversed = base.clone().slice_move(ndarray::s![.., ..;-1]);
    assert_eq!(reversed.strides(), &[30, -1]);
    let transposed = wide.reversed_axes();
    assert_eq!(transposed.strides(), &[1, 40]);
    let cases = [
        contiguous.clone(),
        Value::from_array(reversed.into_dyn()),
        Value::from_array(transposed.into_dyn()),
        contiguous.clone(),
    ];
    let mut compiles = Vec::new();
    for (i, b) in cases.into_iter().enumerate() {
        let inputs = [contiguous.clone(), b];
        let got = exec.run(&plan, &inputs).unwrap();
        let want = interpret(&program, &inputs).unwrap();
        for k in 0..2 {
            assert!(agree(&want[k], &got[k], 8.0), "case {i}, output {k}");
        }
        compiles.push(exec.stats().compiles);
    }
    assert!(
        compiles[1] > compiles[0],
        "the general code compiled: {compiles:?}"
    );
    assert_eq!(
        compiles[1..],
        [compiles[1]; 3],
        "and only once: {compiles:?}"
    );
    // A first call with other strides compiles the general code alone.
    let fresh = CpuExecutor::new(1);
    let reversed = base.slice_move(ndarray::s![.., ..;-1]);
    fresh
        .run(&plan, &[contiguous, Value::from_array(reversed.into_dyn())])
        .unwrap();
    assert_eq!(fresh.stats().compiles, compiles[0]);
}

#[test]
fn large_elementwise_kernels_split_across_threads_deterministically() {
    let exec = CpuExecutor::new(4);
    let text = "program(a: f64[700,1000]) {\n  b: f64[700,1000] = exp a\n  c: f64[700] = reduce_sum[axes=(1)] b\n  return b, c\n}";
    let program: Program = text.parse().unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let a = Value::from_array(
        ndarray::Array2::from_shape_fn((700, 1000), |(i, j)| ((i * 1000 + j) as f64).sin())
            .into_dyn(),
    );
    let first = exec.run(&plan, std::slice::from_ref(&a)).unwrap();
    let second = exec.run(&plan, std::slice::from_ref(&a)).unwrap();
    let want = interpret(&program, &[a]).unwrap();
    for k in 0..2 {
        assert_eq!(
            first[k].to_scalars(),
            second[k].to_scalars(),
            "bitwise identical run to run"
        );
        assert!(agree(&want[k], &first[k], 1000.0));
    }
}

/// The program parsed from `text` and the optimised LLVM IR of its plan's first
/// (loop) kernel.
fn first_kernel_ir(text: &str) -> (Program, String) {
    let program: Program = text.parse().unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let lazyfuse::ir::kernel::Kernel::Loop(kernel) = &plan.kernels[0] else {
        panic!("{plan}")
    };
    let dtypes: Vec<_> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
    let ir = CpuExecutor::global()
        .kernel_ir(kernel, &dtypes, true)
        .unwrap();
    (program, ir)
}

/// A row kernel's later pairwise-sum phase prefetches the next row (one prefetch per
/// cache line of each block, outside the vectorised loop); a one-phase row reduction
/// and an elementwise kernel do not.
#[test]
fn multi_pass_row_kernels_prefetch_the_next_row() {
    let softmax = "program(a: f64[64,256]) {\n  b: f64[64,1] = reduce_max[axes=(1), keepdims] a\n  c: f64[64,256] = sub a b\n  d: f64[64,256] = exp c\n  e: f64[64,1] = reduce_sum[axes=(1), keepdims] d\n  f: f64[64,256] = div d e\n  return f\n}";
    let (_, ir) = first_kernel_ir(softmax);
    let prefetches = ir
        .lines()
        .filter(|l| l.contains("call void @llvm.prefetch"))
        .count();
    // 128 float64 per block, 8 per 64-byte line.
    assert_eq!(prefetches, 16, "{ir}");
    for single in [
        "program(a: f64[64,256]) {\n  b: f64[64] = reduce_sum[axes=(1)] a\n  return b\n}",
        "program(a: f64[64,256]) {\n  b: f64[64,256] = exp a\n  return b\n}",
    ] {
        let (_, ir) = first_kernel_ir(single);
        assert!(!ir.contains("call void @llvm.prefetch"), "{ir}");
    }
}

/// A kernel's only loop, over inlined float vector math, asks LLVM for two vectors
/// per iteration (`loop_hints::calls_inline_float_math`); loops without such math, and
/// loops over rows (whose remainders would grow), do not. Checked in the IR as
/// emitted, before LLVM's passes read the hint.
#[test]
fn loops_over_inlined_float_math_interleave_two_vectors() {
    let emitted = |text: &str| {
        let program: Program = text.parse().unwrap();
        let plan = plan(&program, &FusionOptions::default()).unwrap();
        let lazyfuse::ir::kernel::Kernel::Loop(kernel) = &plan.kernels[0] else {
            panic!("{plan}")
        };
        let dtypes: Vec<_> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
        CpuExecutor::global()
            .kernel_ir(kernel, &dtypes, false)
            .unwrap()
    };
    let hint = "!\"llvm.loop.interleave.count\", i32 2}";
    for (f, t) in [
        ("exp", "f64"),
        ("tanh", "f64"),
        ("expm1", "f32"),
        ("exp", "f32"),
    ] {
        let ir = emitted(&format!(
            "program(a: {t}[16384]) {{\n  b: {t}[16384] = {f} a\n  return b\n}}"
        ));
        assert!(ir.contains(hint), "{f} {t}: {ir}");
    }
    let sum_of_exp = "program(a: f64[16384]) {\n  b: f64[16384] = exp a\n  c: f64[] = reduce_sum[axes=(0)] b\n  return c\n}";
    assert!(emitted(sum_of_exp).contains(hint));
    for text in [
        "program(a: f64[16384]) {\n  b: f64[16384] = mul a a\n  return b\n}",
        "program(a: f32[16384]) {\n  b: f32[16384] = sqrt a\n  return b\n}",
        "program(a: f64[64,256]) {\n  b: f64[64,256] = exp a\n  return b\n}",
        "program(a: f64[64,256]) {\n  b: f64[64,256] = exp a\n  c: f64[64] = reduce_sum[axes=(1)] b\n  return c\n}",
    ] {
        let ir = emitted(text);
        assert!(!ir.contains(hint), "{text}\n{ir}");
    }
}

#[test]
fn elementwise_and_reduction_loops_are_vectorised() {
    let cases = [
        "program(a: f64[64,256], b: f64[256]) {\n  c: f64[64,256] = mul a b\n  d: f64[] = const[2.0]\n  e: f64[64,256] = add c d\n  return e\n}",
        "program(a: i32[64,256]) {\n  b: i64[64] = reduce_sum[axes=(1)] a\n  return b\n}",
        "program(a: f32[64,256]) {\n  b: f32[64,256] = sqrt a\n  c: f32[64,256] = maximum a b\n  return c\n}",
    ];
    for text in cases {
        let (program, ir) = first_kernel_ir(text);
        let vector = ["<2 x", "<4 x", "<8 x", "<16 x"]
            .iter()
            .any(|w| ir.contains(w));
        assert!(vector, "no vector instructions for\n{program}\n{ir}");
    }
}

#[test]
fn outputs_are_64_byte_aligned() {
    for dtype in ["f64", "f32", "i32", "i64", "bool"] {
        for n in [1usize, 3, 17, 1000, 1 << 20] {
            let text = format!(
                "program(a: {dtype}[{n}]) {{\n  b: {dtype}[{n}] = maximum a a\n  return b\n}}"
            );
            let program: Program = text.parse().unwrap();
            let plan = plan(&program, &FusionOptions::default()).unwrap();
            let input = interpret(
                &format!("program() {{\n  a: i64[{n}] = arange[start=0, step=1, len={n}]\n  b: {dtype}[{n}] = cast[{dtype}] a\n  return b\n}}")
                    .parse::<Program>()
                    .unwrap(),
                &[],
            );
            let input = input.unwrap().remove(0);
            let out = CpuExecutor::global()
                .run(&plan, std::slice::from_ref(&input))
                .unwrap()
                .remove(0);
            let ptr = lazyfuse::ir::with_value!(&out, a => a.as_ptr() as usize);
            assert_eq!(ptr % 64, 0, "{dtype}[{n}] output at {ptr:#x}");
            assert_eq!(out.to_scalars(), input.to_scalars());
        }
    }
}

/// Temporaries with disjoint lifetimes share storage; the result is unchanged.
#[test]
fn temporaries_with_disjoint_lifetimes_share_storage() {
    let text = "program(a: f64[64,64]) {
  b: f64[64,64] = matmul a a
  c: f64[64,64] = exp b
  d: f64[64,64] = matmul c a
  e: f64[64,64] = tanh d
  f: f64[64,64] = matmul e a
  return f
}";
    let program: Program = text.parse().unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let roots = lazyfuse_codegen::storage_roots(&plan);
    let temps: Vec<usize> = plan
        .buffers
        .iter()
        .enumerate()
        .filter(|(i, b)| {
            matches!(b.kind, lazyfuse::ir::kernel::BufferKind::Temp)
                && !plan.outputs.iter().any(|o| o.0 as usize == *i)
        })
        .map(|(i, _)| i)
        .collect();
    let mut owners: Vec<usize> = temps.iter().map(|&t| roots[t]).collect();
    owners.sort();
    owners.dedup();
    assert_eq!(temps.len(), 4, "{plan}");
    assert_eq!(
        owners.len(),
        2,
        "four temporaries in two storages: {roots:?}\n{plan}"
    );
    let a = Value::from_array(
        ndarray::Array2::from_shape_fn((64, 64), |(i, j)| ((i * 7 + j * 3) % 11) as f64 * 0.01)
            .into_dyn(),
    );
    let want = interpret(&program, std::slice::from_ref(&a)).unwrap();
    let got = CpuExecutor::global().run(&plan, &[a]).unwrap();
    let (w, g) = (want[0].to_scalars(), got[0].to_scalars());
    assert!(
        agree(&want[0], &got[0], 1e3),
        "{:?}\n{:?}",
        &w[..4],
        &g[..4]
    );
}

/// Every function of the vector math library inlines into a loop that vectorises (a
/// call to a host library or a scalar-only construct would stop that). sin, cos and
/// tan are instead called through their vector forms (`lazyfuse.sin.f32.v16` and
/// friends, see `vmath_variants.rs`): a call taking and returning a vector.
#[test]
fn transcendental_loops_are_vectorised() {
    let unary = [
        "exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "tanh", "sigmoid",
        "erf", "arctan", "arcsin", "arccos", "sinh", "cosh",
    ];
    for dtype in ["f64", "f32"] {
        let texts = unary
            .iter()
            .map(|f| format!("program(a: {dtype}[1024]) {{\n  b: {dtype}[1024] = {f} a\n  return b\n}}"))
            .chain(["pow", "arctan2"].iter().map(|f| {
                format!("program(a: {dtype}[1024], b: {dtype}[1024]) {{\n  c: {dtype}[1024] = {f} a b\n  return c\n}}")
            }));
        for text in texts {
            let (program, ir) = first_kernel_ir(&text);
            let vectorised = ir.lines().any(|l| {
                l.contains("fmul <") && (l.contains(" x double>") || l.contains(" x float>"))
            });
            assert!(vectorised, "no vector float multiply for\n{program}");
            let host_call = ir.lines().any(|l| {
                l.contains("call ")
                    && l.contains(" @")
                    && !l.contains("@llvm.")
                    && !l.contains("@lazyfuse.")
            });
            assert!(!host_call, "a host library call left in\n{program}\n{ir}");
            if ["sin", "cos", "tan"]
                .iter()
                .any(|f| text.contains(&format!("= {f} a")))
            {
                let vector_call = ir
                    .lines()
                    .any(|l| l.contains("call <") && l.contains("@lazyfuse.") && l.contains(".v"));
                assert!(vector_call, "no call of a vector form for\n{program}\n{ir}");
            }
        }
    }
}

#[test]
fn gemm_handles_transposes_batches_vectors_and_dtype_mixes() {
    let cases = [
        "program(a: f64[37,29], b: f64[29,41]) {\n  c: f64[37,41] = matmul a b\n  return c\n}",
        "program(a: f32[29,37], b: f32[41,29]) {\n  c: f32[37,29] = transpose[perm=(1,0)] a\n  d: f32[29,41] = transpose[perm=(1,0)] b\n  e: f32[37,41] = matmul c d\n  return e\n}",
        "program(a: f64[3,1,5,6], b: f64[4,6,2]) {\n  c: f64[3,4,5,2] = matmul a b\n  return c\n}",
        "program(a: f64[6], b: f64[2,6,3]) {\n  c: f64[2,3] = matmul a b\n  return c\n}",
        "program(a: f64[2,5,6], b: f64[6]) {\n  c: f64[2,5] = matmul a b\n  return c\n}",
        "program(a: f64[6], b: f64[6]) {\n  c: f64[] = matmul a b\n  return c\n}",
        "program(a: f64[4,0], b: f64[0,3]) {\n  c: f64[4,3] = matmul a b\n  return c\n}",
        "program(a: i32[5,6], b: f64[6,3]) {\n  c: f64[5,3] = matmul a b\n  return c\n}",
        "program(a: f64[8,6], b: f64[6,5]) {\n  c: f64[8,6] = slice[starts=(7,5), steps=(-1,-1), lens=(8,6)] a\n  d: f64[8,5] = matmul c b\n  return d\n}",
        // Matrix-vector products (BLAS gemv): plain, transposed, a stepped vector, a
        // reversed vector (negative stride: not BLAS), a row vector on the left, f32.
        "program(a: f64[9,7], b: f64[7]) {\n  c: f64[9] = matmul a b\n  return c\n}",
        "program(a: f64[7,9], b: f64[7]) {\n  c: f64[9,7] = transpose[perm=(1,0)] a\n  d: f64[9] = matmul c b\n  return d\n}",
        "program(a: f64[9,7], b: f64[14]) {\n  c: f64[7] = slice[starts=(0), steps=(2), lens=(7)] b\n  d: f64[9] = matmul a c\n  return d\n}",
        "program(a: f64[9,7], b: f64[7]) {\n  c: f64[7] = slice[starts=(6), steps=(-1), lens=(7)] b\n  d: f64[9] = matmul a c\n  return d\n}",
        "program(a: f32[7], b: f32[7,9]) {\n  c: f32[9] = matmul a b\n  return c\n}",
        "program(a: f64[7], b: f64[9,7]) {\n  c: f64[7,9] = transpose[perm=(1,0)] b\n  d: f64[9] = matmul a c\n  return d\n}",
        "program(a: f64[1,7], b: f64[7,9]) {\n  c: f64[1,9] = matmul a b\n  return c\n}",
        "program(a: f64[9,7], b: f64[7,1]) {\n  c: f64[9,1] = matmul a b\n  return c\n}",
        // Dot products (BLAS dot): plain, stepped, reversed (not BLAS), f32, batched.
        "program(a: f64[14], b: f64[7]) {\n  c: f64[7] = slice[starts=(0), steps=(2), lens=(7)] a\n  d: f64[] = matmul c b\n  return d\n}",
        "program(a: f64[7], b: f64[7]) {\n  c: f64[7] = slice[starts=(6), steps=(-1), lens=(7)] b\n  d: f64[] = matmul a c\n  return d\n}",
        "program(a: f32[7], b: f32[7]) {\n  c: f32[] = matmul a b\n  return c\n}",
        "program(a: f64[3,1,7], b: f64[7,1]) {\n  c: f64[3,1,1] = matmul a b\n  return c\n}",
    ];
    for text in cases {
        let program: Program = text.parse().unwrap();
        let inputs: Vec<Value> = program
            .inputs()
            .iter()
            .map(|ty| {
                let n = ty.shape.numel();
                let v = Value::from_array(
                    ndarray::ArrayD::from_shape_vec(
                        ndarray::IxDyn(ty.shape.dims()),
                        (0..n).map(|i| ((i * 37 % 11) as f64) - 5.0).collect(),
                    )
                    .unwrap(),
                );
                v.cast(ty.dtype)
            })
            .collect();
        let want = interpret(&program, &inputs).unwrap();
        let plan = plan(&program, &FusionOptions::default()).unwrap();
        let got = CpuExecutor::global().run(&plan, &inputs).unwrap();
        assert!(
            agree(&want[0], &got[0], 1e3),
            "{program}\nwant {:?}\ngot {:?}",
            want[0],
            got[0]
        );
    }
}

/// Inputs for `program`'s slots: small values with fractions, and in the first
/// (the matrix) an infinity and a NaN, which meet zero and non-zero vector elements.
fn inputs_with_non_finite_matrix(program: &Program) -> Vec<Value> {
    program
        .inputs()
        .iter()
        .enumerate()
        .map(|(slot, ty)| {
            let n = ty.shape.numel();
            let values = (0..n).map(|i| match (slot, i) {
                (0, 3) => f64::INFINITY,
                (0, 10) => f64::NAN,
                _ => ((i * 37 % 11) as f64) - 5.0 + (i % 7) as f64 * 0.125,
            });
            Value::from_array(
                ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(ty.shape.dims()), values.collect())
                    .unwrap(),
            )
            .cast(ty.dtype)
        })
        .collect()
}

/// Two products of one matrix in a row (BiCG's `A @ p` and `A.T @ r`) run in one pass
/// over it: both results agree with the interpreter's, at sizes that run on one thread
/// and on several, with stepped vectors, f32, a matrix stored transposed, non-finite
/// elements, and a second product reading the first's result (not paired).
#[test]
fn matrix_vector_pairs_agree_with_the_interpreter() {
    let pair = |t: &str, m: usize, n: usize| {
        format!(
            "program(a: {t}[{m},{n}], r: {t}[{m}], p: {t}[{n}]) {{\n  at: {t}[{n},{m}] = transpose[perm=(1,0)] a\n  s: {t}[{n}] = matmul at r\n  q: {t}[{m}] = matmul a p\n  return s, q\n}}"
        )
    };
    let mut cases = vec![
        pair("f64", 9, 7),
        pair("f64", 1, 1),
        pair("f32", 13, 33),
        pair("f64", 1100, 1000),
        pair("f32", 1030, 1100),
        // Row vector on the left for one of them.
        "program(a: f64[300,17], r: f64[300], p: f64[17]) {\n  s: f64[17] = matmul r a\n  q: f64[300] = matmul a p\n  return q, s\n}".to_string(),
        // A stepped vector.
        "program(a: f64[40,30], r: f64[80], p: f64[30]) {\n  rr: f64[40] = slice[starts=(0), steps=(2), lens=(40)] r\n  s: f64[30] = matmul rr a\n  q: f64[40] = matmul a p\n  return s, q\n}".to_string(),
        // The matrix stored transposed: both products read it the other way round.
        "program(b: f64[30,40], r: f64[40], p: f64[30]) {\n  a: f64[40,30] = transpose[perm=(1,0)] b\n  q: f64[40] = matmul a p\n  s: f64[30] = matmul r a\n  return q, s\n}".to_string(),
        // The second reads the first's result: two passes.
        "program(a: f64[40,40], p: f64[40]) {\n  q: f64[40] = matmul a p\n  s: f64[40] = matmul q a\n  return q, s\n}".to_string(),
    ];
    cases.push(pair("f64", 600, 700));
    for text in &cases {
        let program: Program = text.parse().unwrap();
        let inputs = inputs_with_non_finite_matrix(&program);
        let want = interpret(&program, &inputs).unwrap();
        let plan = plan(&program, &FusionOptions::default()).unwrap();
        let got = CpuExecutor::global().run(&plan, &inputs).unwrap();
        for (w, g) in want.iter().zip(&got) {
            assert!(agree(w, g, 1e3), "{program}\nwant {w:?}\ngot {g:?}");
        }
    }
}

/// A whole-array fold over a matrix followed by a matrix-vector product over it (the
/// expanded square's `sum(X * X)` and `u @ X`) runs in one pass over the matrix: the
/// results agree with the interpreter's and are bitwise the same on one thread and on
/// two, for `u @ X` and `X @ p`, f32, several folds, non-finite elements; a matrix
/// stored transposed (the fold's rows are not the product's) runs as two passes.
#[test]
fn folds_beside_matrix_vector_products_agree_with_the_interpreter() {
    let square_and_product = |t: &str, m: usize, n: usize, left: bool| {
        let product = if left {
            format!("  y: {t}[{n}] = matmul u x\n")
        } else {
            format!("  y: {t}[{m}] = matmul x p\n")
        };
        format!(
            "program(x: {t}[{m},{n}], u: {t}[{m}], p: {t}[{n}]) {{\n  xx: {t}[{m},{n}] = mul x x\n  s: {t}[] = reduce_sum[axes=(0,1)] xx\n{product}  return s, y\n}}"
        )
    };
    let cases = [
        (square_and_product("f64", 300, 70, true), true),
        (square_and_product("f64", 300, 70, false), true),
        (square_and_product("f64", 1100, 1000, true), true),
        (square_and_product("f32", 1030, 1100, true), true),
        (square_and_product("f32", 9000, 3, false), true),
        // Two folds (sum and max) beside the product.
        ("program(x: f64[700,90], u: f64[700]) {\n  s: f64[] = reduce_sum[axes=(0,1)] x\n  mx: f64[] = reduce_max[axes=(0,1)] x\n  y: f64[90] = matmul u x\n  return s, mx, y\n}".to_string(), true),
        // The matrix stored transposed: the fold runs over the stored rows.
        ("program(b: f64[90,700], u: f64[700]) {\n  x: f64[700,90] = transpose[perm=(1,0)] b\n  xx: f64[700,90] = mul x x\n  s: f64[] = reduce_sum[axes=(0,1)] xx\n  y: f64[90] = matmul u x\n  return s, y\n}".to_string(), false),
    ];
    for (text, one_pass) in &cases {
        let program: Program = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        let inputs = inputs_with_non_finite_matrix(&program);
        let want = interpret(&program, &inputs).unwrap();
        let plan = std::sync::Arc::new(plan(&program, &FusionOptions::default()).unwrap());
        let mut runs = Vec::new();
        for threads in [1, 2] {
            let prepared = CpuExecutor::new(threads).prepare(plan.clone()).unwrap();
            let got = prepared.run(&inputs).unwrap();
            for (w, g) in want.iter().zip(&got) {
                assert!(agree(w, g, 1e3), "{program}\nwant {w:?}\ngot {g:?}");
            }
            assert_eq!(
                prepared.one_pass_products() > 0,
                *one_pass,
                "{program}\n{plan}"
            );
            runs.push(got);
        }
        for (one, two) in runs[0].iter().zip(&runs[1]) {
            let (one, two) = (
                format!("{:?}", one.to_scalars()),
                format!("{:?}", two.to_scalars()),
            );
            assert_eq!(one, two, "{program}: one thread against two");
        }
    }
}

/// Kernels of different structures compile at once on several threads (each in its
/// own LLVM context) and compute what the interpreter does.
#[test]
fn distinct_kernels_compile_concurrently() {
    use lazyfuse::ir::UnaryOp;
    let ops = [
        UnaryOp::Exp,
        UnaryOp::Sin,
        UnaryOp::Tanh,
        UnaryOp::Log1p,
        UnaryOp::Sqrt,
        UnaryOp::Cos,
        UnaryOp::Arctan,
        UnaryOp::Expm1,
    ];
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let exec = CpuExecutor::new(2);
                for (i, a) in ops.iter().enumerate() {
                    let b = ops[(i + t + 1) % ops.len()];
                    let text = format!(
                        "program(x: f64[{n}]) {{\n  a: f64[{n}] = abs x\n  b: f64[{n}] = {} a\n  c: f64[{n}] = {} b\n  d: f64[] = reduce_sum[axes=(0)] c\n  return c, d\n}}",
                        a.name(),
                        b.name(),
                        n = 3000 + t
                    );
                    let program: Program = text.parse().unwrap();
                    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
                    let x = Value::from_array(ndarray::Array1::from_shape_fn(3000 + t, |k| {
                        (k as f64 * 0.001).sin()
                    }).into_dyn());
                    let want = interpret(&program, std::slice::from_ref(&x)).unwrap();
                    let got = exec.run(&kernel_plan, &[x]).unwrap();
                    let scale = magnitude(&want);
                    for (w, g) in want.iter().zip(&got) {
                        assert!(agree(w, g, scale), "{text}");
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn several_threads_evaluate_at_once() {
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..20 {
                    let n = 1000 + 37 * (t * 20 + i);
                    let x = lazyfuse::Array::from(ndarray::Array1::from_shape_fn(n, |k| {
                        (k as f64 * 0.01).sin()
                    }));
                    let y = ((&x * (t as f64 + 1.0)).exp() - &x).tanh().sum();
                    let got = y.eval().unwrap().get(&[]).unwrap().as_f64();
                    let want = y
                        .eval_with(lazyfuse::Backend::Interpreter)
                        .unwrap()
                        .get(&[])
                        .unwrap()
                        .as_f64();
                    assert!(
                        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                        "thread {t}: {got} vs {want}"
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// Codegen tests can start from a plan's text (KernelPlan parses back from its print):
/// a hand-written row-wise kernel with a reversed read and a ramp, run compiled and by
/// the plan interpreter.
#[test]
fn a_plan_written_as_text_runs_compiled_as_interpreted() {
    let plan: lazyfuse::ir::kernel::KernelPlan = "plan {
  %0: f64[3,5] (input 0)
  %1: f64[3] (temp)
  %2: f64[3,5] (temp)
  kernel 0: loop outer [3] inner [5]
    phase 0: reduce reduce_max r0 (f64) over inner
      r0: f64 = load %0[i0, -i1+4]
    phase 1: map over inner
      r0: f64 = load %0[i0, i1]
      r1: f64 = reduced 0
      r2: f64 = sub r0 r1
      r3: f64 = ramp 0.5 + 0.25 * (5*i0+i1)
      r4: f64 = mul r2 r3
      store %2[i0, i1] = r4
    phase 2: per outer point
      r0: f64 = reduced 0
      store %1[i0] = r0
  return %1, %2
}"
    .parse()
    .unwrap();
    plan.verify().unwrap();
    let x = Value::from_array(
        ndarray::ArrayD::from_shape_vec(
            ndarray::IxDyn(&[3, 5]),
            (0..15).map(|i| ((i * 7) % 11) as f64 - 4.0).collect(),
        )
        .unwrap(),
    );
    let want = lazyfuse::ir::kernel::interpret_plan(&plan, std::slice::from_ref(&x)).unwrap();
    let got = CpuExecutor::global().run(&plan, &[x]).unwrap();
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(w.to_scalars(), g.to_scalars());
        assert_eq!(w.ty(), g.ty());
    }
}

/// Regressions: a kernel must not load, through a reshape alias, a buffer it is still
/// storing (a transposed reshape of an elementwise result; a row reduction's epilogue
/// reading other rows' results through a reshape).
#[test]
fn reads_through_reshape_aliases_wait_for_their_buffer() {
    let exec = CpuExecutor::new(2);
    let cases = [
        "program(a: f64[3,2]) {\n  c: f64[3,2] = exp a\n  d: f64[2,3] = reshape[shape=(2,3)] c\n  e: f64[3,2] = transpose[perm=(1,0)] d\n  f: f64[3,2] = neg a\n  return e, f\n}",
        "program(a: f64[2,3,2]) {\n  f: f64[2,3,2] = expm1 a\n  g: f64[2,3,1] = reduce_max[axes=(2), keepdims] f\n  h: f64[1,3,2] = reshape[shape=(1,3,2)] g\n  j: f64[2,3,2] = add a h\n  return j\n}",
    ];
    for text in cases {
        let program: Program = text.parse().unwrap();
        let plan = plan(&program, &FusionOptions::default()).unwrap();
        let n: usize = program.inputs()[0].shape.dims().iter().product();
        let dims = program.inputs()[0].shape.dims().to_vec();
        let a = Value::from_array(
            ndarray::ArrayD::from_shape_vec(dims, (0..n).map(|i| i as f64 * 0.37 - 1.0).collect())
                .unwrap(),
        );
        let got = exec.run(&plan, std::slice::from_ref(&a)).unwrap();
        let want = interpret(&program, &[a]).unwrap();
        for (w, g) in want.iter().zip(&got) {
            assert!(agree(w, g, 10.0), "{text}\n{plan}\nwant {w:?}\ngot {g:?}");
        }
    }
}
