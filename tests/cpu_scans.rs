//! Library kernels along an axis: running folds (`cumsum`, `cumprod`, `cummax`,
//! `cummin`) against the reference interpreter, bit for bit, over every dtype and axis,
//! strided and reversed operands, NaN, -0.0, infinities and wrapping integers; sorts
//! (values and positions: stable, NaN last); the plan's text form round trips.

use lazyfuse::ir::kernel::KernelPlan;
use lazyfuse::ir::{interpret, DType, Program, Value};
use lazyfuse_codegen::CpuExecutor;
use lazyfuse_optimizer::{plan, FusionOptions};
use ndarray::{ArrayD, IxDyn};

fn values(shape: &[usize], f: impl Fn(usize) -> f64) -> ArrayD<f64> {
    let n = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(f).collect()).unwrap()
}

/// Bitwise equality with NaN equal to NaN (a NaN's payload is not compared).
fn same_bits(a: &Value, b: &Value) -> bool {
    a.ty() == b.ty()
        && a.to_scalars()
            .iter()
            .zip(b.to_scalars())
            .all(|(x, y)| x == &y || (x.as_f64().is_nan() && y.as_f64().is_nan()))
}

/// The program planned (its axis kernel `kernel` in the plan, whose text round trips)
/// and run compiled on 1 and 3 threads: each run the interpreter's, bit for bit.
fn check(text: &str, data: &ArrayD<f64>, kernel: &str, what: &str) {
    let program: Program = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let inputs = [Value::from(data.clone().into_shared())];
    let want = interpret(&program, &inputs).unwrap();
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    assert!(
        kernel_plan.to_string().contains(kernel),
        "{what}: no {kernel}"
    );
    let reparsed: KernelPlan = kernel_plan.to_string().parse().unwrap();
    assert_eq!(reparsed, kernel_plan, "{what}: text round trip");
    for threads in [1, 3] {
        let got = CpuExecutor::new(threads)
            .run(&kernel_plan, &inputs)
            .unwrap();
        assert!(
            same_bits(&want[0], &got[0]),
            "{what} on {threads} threads:\n{:?}\n{:?}",
            want[0].to_scalars(),
            got[0].to_scalars()
        );
    }
}

#[test]
fn scans_match_the_interpreter_bit_for_bit() {
    let specials = [
        f64::NAN,
        -0.0,
        0.0,
        f64::INFINITY,
        -1.5,
        1e300,
        -1e300,
        3.25,
    ];
    let data = values(&[5, 7, 6], |i| {
        if i % 11 == 3 {
            specials[i % specials.len()]
        } else {
            ((i * 37 % 23) as f64 - 11.0) * 0.37
        }
    });
    let dtypes = [
        DType::F64,
        DType::F32,
        DType::F16,
        DType::I64,
        DType::I32,
        DType::I8,
        DType::U8,
        DType::U64,
        DType::Bool,
        DType::C128,
    ];
    for dtype in dtypes {
        for name in ["cumsum", "cumprod", "cummax", "cummin"] {
            for axis in 0..3 {
                let layouts: &[&str] = if matches!(dtype, DType::F64 | DType::I32) {
                    &["plain", "transposed", "reversed"]
                } else {
                    &["plain"]
                };
                for &layout in layouts {
                    let view = match layout {
                        "plain" => "  v = cast[D] a\n".to_string(),
                        "transposed" => "  t: f64[6,7,5] = transpose[perm=(2,1,0)] a\n  u: f64[5,7,6] = transpose[perm=(2,1,0)] t\n  v = cast[D] u\n".to_string(),
                        _ => "  r: f64[5,7,6] = slice[starts=(4,0,5), steps=(-1,1,-1), lens=(5,7,6)] a\n  v = cast[D] r\n".to_string(),
                    };
                    let text = format!(
                        "program(a: f64[5,7,6]) {{\n{view}  w = {name}[axis={axis}] v\n  return w\n}}"
                    )
                    .replace("cast[D]", &format!("cast[{}]", dtype.name()));
                    let text = annotate(&text, dtype, name);
                    check(
                        &text,
                        &data,
                        &format!("{name}[axis={axis}]"),
                        &format!("{name} {dtype:?} axis {axis} {layout}"),
                    );
                }
            }
        }
    }
}

/// The textual IR needs each node's type: the cast's is the dtype, the scan's the
/// type rule's (sums and products of integers and bool in 64 bits).
fn annotate(text: &str, dtype: DType, name: &str) -> String {
    let out = if matches!(name, "cumsum" | "cumprod") {
        lazyfuse::ir::reduce_dtype(lazyfuse::ir::ReduceOp::Sum, dtype)
    } else {
        dtype
    };
    text.replace("  v = ", &format!("  v: {}[5,7,6] = ", dtype.name()))
        .replace("  w = ", &format!("  w: {}[5,7,6] = ", out.name()))
}

#[test]
fn integer_sums_wrap_and_empty_axes_scan_to_nothing() {
    let text = "program(a: i64[4]) {\n  s: i64[4] = cumsum[axis=0] a\n  p: i64[4] = cumprod[axis=0] a\n  return s, p\n}";
    let program: Program = text.parse().unwrap();
    let a = Value::from_array(ndarray::arr1(&[i64::MAX, 1, i64::MIN, 3]).into_dyn());
    let got = CpuExecutor::new(2)
        .run(
            &plan(&program, &FusionOptions::default()).unwrap(),
            std::slice::from_ref(&a),
        )
        .unwrap();
    let want = interpret(&program, &[a]).unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert!(same_bits(g, w));
    }
    assert_eq!(got[0].get(&[1]).unwrap().as_f64(), i64::MIN as f64);
    let empty = "program(a: f64[3,0]) {\n  s: f64[3,0] = cumsum[axis=1] a\n  return s\n}";
    let program: Program = empty.parse().unwrap();
    let a = Value::from_array(ArrayD::<f64>::zeros(IxDyn(&[3, 0])));
    let got = CpuExecutor::new(2)
        .run(&plan(&program, &FusionOptions::default()).unwrap(), &[a])
        .unwrap();
    assert_eq!(got[0].ty().shape.dims(), &[3, 0]);
}

#[test]
fn sorts_are_stable_with_nan_last() {
    let data = values(&[4, 9], |i| {
        [
            2.0,
            f64::NAN,
            -1.0,
            2.0,
            0.0,
            -0.0,
            f64::NEG_INFINITY,
            2.0,
            7.5,
        ][i % 9]
            * if i >= 18 { -1.0 } else { 1.0 }
    });
    for (name, dtype) in [("sort", DType::F64), ("argsort", DType::I64)] {
        for axis in 0..2 {
            for source in ["f64", "i32", "f32", "bool"] {
                let out = if name == "sort" {
                    DType::from_name(source).unwrap()
                } else {
                    dtype
                };
                let text = format!(
                    "program(a: f64[4,9]) {{\n  v: {source}[4,9] = cast[{source}] a\n  \
                     w: {}[4,9] = {name}[axis={axis}] v\n  return w\n}}",
                    out.name()
                );
                check(
                    &text,
                    &data,
                    &format!("{name}[axis={axis}]"),
                    &format!("{name} of {source} axis {axis}"),
                );
            }
        }
    }
    // The reference itself: ties keep their order, NaN goes last.
    let text = "program(a: f64[6]) {\n  w: i64[6] = argsort[axis=0] a\n  return w\n}";
    let program: Program = text.parse().unwrap();
    let a = Value::from_array(ndarray::arr1(&[3.0, f64::NAN, 1.0, 3.0, -0.0, 0.0]).into_dyn());
    let got = interpret(&program, &[a]).unwrap()[0].to_scalars();
    let got: Vec<f64> = got.iter().map(|s| s.as_f64()).collect();
    assert_eq!(got, vec![4.0, 5.0, 2.0, 0.0, 3.0, 1.0]);
}

/// Past the parallel threshold, lanes run on the pool's threads: the interpreter's
/// values on 1 and 3 threads, for scans and sorts along either axis.
#[test]
fn large_lanes_run_in_parallel_with_the_same_results() {
    let data = values(&[300, 200], |i| ((i * 7919 % 1009) as f64 - 500.0) * 0.013);
    for op in ["cumsum", "cummax", "sort", "argsort"] {
        for axis in 0..2 {
            let out = if op == "argsort" { "i64" } else { "f64" };
            let text = format!(
                "program(a: f64[300,200]) {{\n  w: {out}[300,200] = {op}[axis={axis}] a\n  return w\n}}"
            );
            check(
                &text,
                &data,
                &format!("{op}[axis={axis}]"),
                &format!("{op} axis {axis}"),
            );
        }
    }
}

/// Scans along the contiguous last axis (one running value per row) in each split of
/// the work: one long integer row (the parallel scan and its carries), many short rows
/// grouped into tasks, rows longer than a task, and a cast of the input first; the
/// interpreter's bits on 1 and 3 threads.
#[test]
fn contiguous_axis_scans_match_in_every_split() {
    let wave = |i: usize| ((i * 7919 % 1009) as f64 - 504.0) * 0.013;
    let shapes: [&[usize]; 4] = [&[40_000], &[3000, 20], &[12, 5000], &[7, 1]];
    for shape in shapes {
        let data = values(shape, wave);
        let dims = shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let axis = shape.len() - 1;
        for (op, dtype, source) in [
            ("cumsum", "i64", "i64"),
            ("cumprod", "i64", "i32"),
            ("cummax", "i16", "i16"),
            ("cummin", "f64", "f64"),
            ("cumsum", "f32", "f32"),
            ("cumsum", "i64", "i8"),
        ] {
            let text = format!(
                "program(a: f64[{dims}]) {{\n  v: {source}[{dims}] = cast[{source}] a\n  \
                 w: {dtype}[{dims}] = {op}[axis={axis}] v\n  return w\n}}"
            );
            check(
                &text,
                &data,
                &format!("{op}[axis={axis}]"),
                &format!("{op} of {source} as {dtype}, shape {shape:?}"),
            );
        }
    }
}

/// Lanes past the radix threshold (512) are radix sorted: the interpreter's stable
/// positions and its values for floats with NaN, infinities, signed zeros and ties, and
/// for negative and unsigned integers.
#[test]
fn long_lanes_sort_by_radix_like_the_interpreter() {
    let specials = [
        f64::NAN,
        -0.0,
        0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1e-300,
        1e300,
    ];
    let data = values(&[3, 1500], |i| {
        if i % 97 == 5 {
            specials[i % specials.len()]
        } else {
            ((i * 7919 % 211) as f64 - 105.0) * 0.5
        }
    });
    for source in ["f64", "f32", "f16", "i64", "i16", "u8", "u32", "bool"] {
        for op in ["sort", "argsort"] {
            let out = if op == "argsort" { "i64" } else { source };
            let text = format!(
                "program(a: f64[3,1500]) {{\n  v: {source}[3,1500] = cast[{source}] a\n  \
                 w: {out}[3,1500] = {op}[axis=1] v\n  return w\n}}"
            );
            check(
                &text,
                &data,
                &format!("{op}[axis=1]"),
                &format!("{op} of {source}"),
            );
        }
    }
}

#[test]
fn searchsorted_matches_the_interpreter() {
    // The first 24 values sorted (NaN last, ties) are searched for the last 20 (NaN,
    // -0.0, infinities, ties), both sides, in several dtypes.
    let specials = [
        f64::NAN,
        -0.0,
        0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1.5,
        1.5,
        -2.0,
    ];
    let data = values(&[44], |i| {
        if i % 5 == 0 {
            specials[(i / 5) % specials.len()]
        } else {
            ((i * 17 % 13) as f64 - 6.0) * 0.5
        }
    });
    for dtype in [DType::F64, DType::F32, DType::I32, DType::U8] {
        for side in ["left", "right"] {
            let d = dtype.name();
            let text = format!(
                "program(a: f64[44]) {{\n  c: {d}[44] = cast[{d}] a\n  s: {d}[24] = slice[starts=(0), steps=(1), lens=(24)] c\n  t: {d}[24] = sort[axis=0] s\n  u: {d}[20] = slice[starts=(24), steps=(1), lens=(20)] c\n  v: {d}[4,5] = reshape[shape=(4,5)] u\n  w: i64[4,5] = searchsorted[side={side}] t v\n  return w\n}}"
            );
            check(
                &text,
                &data,
                &format!("searchsorted[side={side}]"),
                &format!("searchsorted {d} {side}"),
            );
        }
    }
}

#[test]
fn long_integer_scans_run_in_parallel_chunks_with_the_sequential_bits() {
    // One block (a 1-d array, or axis 0 of a matrix) long enough for the parallel scan;
    // wrapping sums and products, and extremes, as the interpreter's sequential fold.
    let data = values(&[40_003], |i| ((i * 7919) % 201) as f64 - 100.0);
    for dtype in [DType::I64, DType::I32, DType::U8, DType::Bool] {
        for name in ["cumsum", "cumprod", "cummax", "cummin"] {
            let d = dtype.name();
            let out = annotate_dtype(dtype, name);
            let text = format!(
                "program(a: f64[40003]) {{\n  v: {d}[40003] = cast[{d}] a\n  w: {out}[40003] = {name}[axis=0] v\n  return w\n}}"
            );
            check(
                &text,
                &data,
                &format!("{name}[axis=0]"),
                &format!("{name} {d} 1-d"),
            );
        }
    }
    let data = values(&[20_001, 3], |i| ((i * 31) % 7) as f64 - 3.0);
    let text = "program(a: f64[20001,3]) {\n  v: i64[20001,3] = cast[i64] a\n  w: i64[20001,3] = cumsum[axis=0] v\n  return w\n}";
    check(text, &data, "cumsum[axis=0]", "cumsum i64 axis 0");
}

/// The dtype of a scan's result (sums and products of integers and bool in 64 bits).
fn annotate_dtype(dtype: DType, name: &str) -> &'static str {
    if matches!(name, "cumsum" | "cumprod") {
        lazyfuse::ir::reduce_dtype(lazyfuse::ir::ReduceOp::Sum, dtype).name()
    } else {
        dtype.name()
    }
}
