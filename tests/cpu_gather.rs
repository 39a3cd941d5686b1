//! Gathers fused into compiled loops (fancy indexing): data-dependent reads of strided,
//! reversed, broadcast and empty sources, in elementwise kernels and in reductions
//! split across threads, and positions out of bounds (an error, never a read outside
//! the buffer).

use lazyfuse::ir::kernel::{interpret_plan, KernelPlan};
use lazyfuse::ir::{interpret, Program, Value};
use lazyfuse_codegen::CpuExecutor;
use lazyfuse_optimizer::{plan, FusionOptions};
use ndarray::{ArrayD, IxDyn};

fn f64s(shape: &[usize], f: impl Fn(usize) -> f64) -> ArrayD<f64> {
    let n = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(f).collect()).unwrap()
}

fn i64s(shape: &[usize], data: Vec<i64>) -> Value {
    Value::from_array(ArrayD::from_shape_vec(IxDyn(shape), data).unwrap())
}

/// The program planned (fused) and run compiled, against the reference interpreter.
fn check(text: &str, inputs: &[Value], tolerance: f64) {
    let program: Program = text.parse().unwrap();
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    let gathers_fused = kernel_plan.to_string().contains("gather %");
    assert!(gathers_fused, "no fused gather in\n{kernel_plan}");
    let want = interpret(&program, inputs).unwrap();
    let got = CpuExecutor::new(2).run(&kernel_plan, inputs).unwrap();
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(w.ty(), g.ty());
        for (a, b) in w.to_scalars().iter().zip(g.to_scalars()) {
            let (a, b) = (a.as_f64(), b.as_f64());
            assert!(
                (a - b).abs() <= tolerance * a.abs().max(1.0) || (a.is_nan() && b.is_nan()),
                "{a} vs {b} for\n{text}"
            );
        }
    }
}

#[test]
fn gathers_read_strided_reversed_and_broadcast_inputs_in_logical_order() {
    let text = "program(a: f64[3,4], q: i64[5]) {\n  g: f64[5] = gather a q\n  h: f64[5] = mul g g\n  return h\n}";
    let q = i64s(&[5], vec![11, 0, 5, 5, 7]);
    let base = f64s(&[4, 3], |i| i as f64 * 0.5 - 2.0);
    // Transposed, reversed and broadcast views of memory as the input.
    let transposed = Value::from(base.clone().into_shared().reversed_axes());
    let mut reversed = f64s(&[3, 4], |i| i as f64).into_shared();
    reversed.invert_axis(ndarray::Axis(1));
    let broadcast = Value::from(
        f64s(&[4], |i| i as f64 + 1.0)
            .into_shared()
            .broadcast(IxDyn(&[3, 4]))
            .unwrap()
            .to_shared(),
    );
    for a in [transposed, Value::from(reversed), broadcast] {
        check(text, &[a, q.clone()], 0.0);
    }
}

#[test]
fn a_gathered_reduction_splits_across_threads_as_computed_alone() {
    // 2^20 positions scattered over 2^16 elements: the sum is chunked and threaded.
    let n = 1 << 16;
    let m = 1 << 20;
    let text = format!(
        "program(x: f64[{n}], q: i64[{m}]) {{\n  e: f64[{n}] = exp x\n  g: f64[{m}] = gather e q\n  s: f64[] = reduce_sum[axes=(0)] g\n  return s\n}}"
    );
    let x = Value::from_array(f64s(&[n], |i| ((i * 37) % 101) as f64 / 50.0 - 1.0));
    let q = i64s(&[m], (0..m as i64).map(|i| (i * 7919) % n as i64).collect());
    check(&text, &[x, q], 1e-9);
}

#[test]
fn positions_out_of_bounds_are_an_error_not_a_read_outside() {
    let plan: KernelPlan = "plan {
  %0: f64[4] (input 0)
  %1: i64[3] (input 1)
  %2: f64[3] (temp)
  kernel 0: loop outer [3] inner []
    phase 0: per outer point
      r0: i64 = load %1[i0]
      r1: f64 = gather %0 r0
      store %2[i0] = r1
  return %2
}"
    .parse()
    .unwrap();
    plan.verify().unwrap();
    let x = Value::from_array(f64s(&[4], |i| i as f64));
    let ok = i64s(&[3], vec![3, 0, 2]);
    let want = interpret_plan(&plan, &[x.clone(), ok.clone()]).unwrap();
    let got = CpuExecutor::global().run(&plan, &[x.clone(), ok]).unwrap();
    assert_eq!(want[0].to_scalars(), got[0].to_scalars());
    for bad in [vec![0, 4, 1], vec![-1, 0, 0], vec![i64::MIN, 0, i64::MAX]] {
        let q = i64s(&[3], bad);
        let interpreted = interpret_plan(&plan, &[x.clone(), q.clone()]).unwrap_err();
        let compiled = CpuExecutor::global()
            .run(&plan, &[x.clone(), q])
            .unwrap_err();
        for e in [interpreted.to_string(), compiled.to_string()] {
            assert!(e.contains("out of bounds"), "{e}");
        }
    }
    // An empty source: no position is in bounds, and none is read.
    let empty = Value::from_array(f64s(&[0], |_| 0.0));
    let plan_empty: KernelPlan = plan
        .to_string()
        .replace("f64[4]", "f64[0]")
        .parse()
        .unwrap();
    let e = CpuExecutor::global()
        .run(&plan_empty, &[empty, i64s(&[3], vec![0, 0, 0])])
        .unwrap_err();
    assert!(e.to_string().contains("out of bounds"), "{e}");
}

#[test]
fn no_positions_read_nothing_even_from_an_empty_source() {
    let text = "program(a: f64[0,3], q: i64[0]) {\n  g: f64[0] = gather a q\n  h: f64[0] = add g g\n  return h\n}";
    let program: Program = text.parse().unwrap();
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    let a = Value::from_array(f64s(&[0, 3], |_| 0.0));
    let got = CpuExecutor::global()
        .run(&kernel_plan, &[a, i64s(&[0], vec![])])
        .unwrap();
    assert_eq!(got[0].shape(), &[0]);
}
