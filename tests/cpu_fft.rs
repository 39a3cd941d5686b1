//! FFT kernels (`fft`, `ifft`, `rfft`, `irfft` along an axis) compiled against the
//! reference interpreter's direct sums: every kind in both precisions, on each axis of a
//! 3-d operand, lane lengths that take rustfft's different algorithms (1, 2, powers of
//! two, primes small and large, composites), transposed and reversed operands, NaN
//! lanes, and 1 and 3 threads; the plan's text round trips.

use lazyfuse::ir::kernel::KernelPlan;
use lazyfuse::ir::{interpret, Program, Scalar, Value};
use lazyfuse_codegen::CpuExecutor;
use lazyfuse_optimizer::{plan, FusionOptions};
use ndarray::{ArrayD, IxDyn};
use num_complex::Complex64;

fn data(shape: &[usize], complex: bool, seed: usize) -> Value {
    let n: usize = shape.iter().product();
    let x = |i: usize| (((i * 7919 + seed * 104729) % 1009) as f64 / 1009.0 - 0.5) * 3.0;
    if complex {
        let v = (0..n)
            .map(|i| Complex64::new(x(i), x(i + 5 * n + 1)))
            .collect();
        Value::from_array(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
    } else {
        Value::from_array(ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(x).collect()).unwrap())
    }
}

/// Each element within `tol` of the reference, relative to the lane sum of magnitudes
/// (an FFT's error bound scales with it). Where the reference (a direct sum) has NaN,
/// anything: an FFT's butterflies leave some outputs of a NaN lane finite, as NumPy's
/// do (`strided_operands_and_nan_lanes` checks that the lane does hold NaN).
fn close(want: &Value, got: &Value, tol: f64, scale: f64) -> bool {
    want.ty() == got.ty()
        && want
            .to_scalars()
            .iter()
            .zip(got.to_scalars())
            .all(|(w, g)| {
                let parts = |s: &Scalar| match s {
                    Scalar::C64(c) => (c.re as f64, c.im as f64),
                    Scalar::C128(c) => (c.re, c.im),
                    other => (other.as_f64(), 0.0),
                };
                let ((wr, wi), (gr, gi)) = (parts(w), parts(&g));
                let near = |a: f64, b: f64| a.is_nan() || (a - b).abs() <= tol * scale;
                near(wr, gr) && near(wi, gi)
            })
}

fn check(text: &str, input: Value, kernel: &str, tol: f64, what: &str) {
    let program: Program = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let inputs = [input];
    let want = interpret(&program, &inputs).unwrap();
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    let shown = kernel_plan.to_string();
    assert!(shown.contains(kernel), "{what}: no {kernel} in\n{shown}");
    let reparsed: KernelPlan = shown
        .parse()
        .unwrap_or_else(|e| panic!("{what}: {e}\n{shown}"));
    assert_eq!(reparsed, kernel_plan, "{what}: text round trip");
    let scale = inputs[0]
        .to_scalars()
        .iter()
        .map(|s| match s {
            Scalar::C128(c) => c.norm(),
            other => other.as_f64().abs(),
        })
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max)
        * 64.0;
    for threads in [1, 3] {
        let got = CpuExecutor::new(threads)
            .run(&kernel_plan, &inputs)
            .unwrap();
        assert!(
            close(&want[0], &got[0], tol, scale),
            "{what} on {threads} threads:\n{:?}\n{:?}",
            want[0].to_scalars(),
            got[0].to_scalars()
        );
    }
}

fn dims(d: &[usize]) -> String {
    d.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn transforms_match_the_direct_sums() {
    for lane in [1usize, 2, 5, 8, 12, 31, 64, 97] {
        for axis in 0..3 {
            let mut shape = vec![3, 4, 2];
            shape[axis] = lane;
            for (name, complex) in [
                ("fft", true),
                ("ifft", true),
                ("rfft", false),
                ("irfft", true),
            ] {
                for wide in [true, false] {
                    let (real_t, complex_t) = if wide {
                        ("f64", "c128")
                    } else {
                        ("f32", "c64")
                    };
                    let tol = if wide { 1e-13 } else { 2e-6 };
                    let mut in_shape = shape.clone();
                    let mut out_shape = shape.clone();
                    let (op, in_t, out_t) = match name {
                        "rfft" => {
                            out_shape[axis] = lane / 2 + 1;
                            (
                                format!("rfft[axis={axis}, scale=1/sqrt(n)]"),
                                real_t,
                                complex_t,
                            )
                        }
                        "irfft" => {
                            in_shape[axis] = lane / 2 + 1;
                            (
                                format!("irfft[axis={axis}, n={lane}, scale=1/n]"),
                                complex_t,
                                real_t,
                            )
                        }
                        "ifft" => (
                            format!("ifft[axis={axis}, scale=1/n]"),
                            complex_t,
                            complex_t,
                        ),
                        _ => (format!("{name}[axis={axis}]"), complex_t, complex_t),
                    };
                    let source = if complex { "c128" } else { "f64" };
                    let text = format!(
                        "program(a: {source}[{i}]) {{\n  v: {in_t}[{i}] = cast[{in_t}] a\n  w: {out_t}[{o}] = {op} v\n  return w\n}}",
                        i = dims(&in_shape),
                        o = dims(&out_shape),
                    );
                    let what = format!("{op} {in_t} lane {lane}");
                    check(
                        &text,
                        data(&in_shape, complex, lane + axis),
                        &op,
                        tol,
                        &what,
                    );
                }
            }
        }
    }
}

#[test]
fn strided_operands_and_nan_lanes() {
    // A transposed and reversed operand, read through its view.
    let text = "program(a: c128[6,33]) {\n  t: c128[33,6] = transpose[perm=(1,0)] a\n  r: c128[33,6] = slice[starts=(32,5), steps=(-1,-1), lens=(33,6)] t\n  w: c128[33,6] = fft[axis=0] r\n  return w\n}";
    check(
        text,
        data(&[6, 33], true, 3),
        "fft[axis=0]",
        1e-13,
        "reversed transpose",
    );
    // A NaN makes its lane NaN and leaves the others alone.
    let mut x = data(&[4, 16], false, 9).into_array::<f64>().unwrap();
    x[[2, 5]] = f64::NAN;
    let text = "program(a: f64[4,16]) {\n  w: c128[4,9] = rfft[axis=1] a\n  return w\n}";
    let input = Value::from_array(x);
    check(text, input.clone(), "rfft[axis=1]", 1e-13, "NaN lane");
    let program: Program = text.parse().unwrap();
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    let got = CpuExecutor::new(1).run(&kernel_plan, &[input]).unwrap();
    let nan_rows: Vec<bool> = got[0]
        .to_scalars()
        .chunks(9)
        .map(|row| {
            row.iter()
                .any(|s| matches!(s, Scalar::C128(c) if c.re.is_nan()))
        })
        .collect();
    assert_eq!(nan_rows, [false, false, true, false]);
}

#[test]
fn bad_lengths_and_dtypes_are_type_errors() {
    for text in [
        "program(a: f64[4]) {\n  w: c128[4] = fft[axis=0] a\n  return w\n}",
        "program(a: c128[0]) {\n  w: c128[0] = fft[axis=0] a\n  return w\n}",
        "program(a: c128[3]) {\n  w: f64[8] = irfft[axis=0, n=8] a\n  return w\n}",
        "program(a: i64[4]) {\n  w: c128[3] = rfft[axis=0] a\n  return w\n}",
    ] {
        assert!(text.parse::<Program>().is_err(), "{text}");
    }
}
