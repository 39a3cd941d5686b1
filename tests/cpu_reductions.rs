//! Reductions compiled for the CPU against the interpreter and NumPy's algorithms:
//! the bits of float extrema and arg-reductions, sums' accuracy against NumPy's
//! pairwise summation, complex and chunked whole-array reductions, and reductions
//! along a strided axis run a block of output points at a time.

mod common;

use lazyfuse::ir::{interpret, Program, Scalar, Value};
use lazyfuse_codegen::CpuExecutor;
use lazyfuse_optimizer::{plan, FusionOptions};

/// Float max and min reductions (vectorised with LLVM's maximum/minimum, a zero result
/// folded again by NumPy's rule) give the interpreter's bits: the sign of a zero result
/// is the first zero's, a NaN anywhere propagates, infinities and -0.0 included, over
/// rows long enough to run the vector loop, in f32 and f64, whole-array and per row;
/// arg-reductions (two vectorised passes) the interpreter's positions: the first of
/// ties, -0.0 and 0.0 equal, the first NaN.
#[test]
fn float_extrema_keep_the_interpreters_bits() {
    let rows: Vec<Vec<f64>> = vec![
        [vec![-0.0; 37], vec![0.0; 40]].concat(),
        [vec![0.0; 40], vec![-0.0; 37]].concat(),
        [vec![-1.0; 20], vec![-0.0; 3], vec![0.0; 54]].concat(),
        [vec![1.0; 30], vec![f64::NAN], vec![5.0; 46]].concat(),
        vec![f64::NEG_INFINITY; 77],
        vec![f64::INFINITY; 77],
        (0..77).map(|i| ((i * 37 % 11) as f64) - 5.5).collect(),
        [vec![-3.0; 76], vec![-0.0]].concat(),
        [
            vec![2.0; 10],
            vec![f64::NAN],
            vec![9.0; 20],
            vec![f64::NAN],
            vec![9.0; 45],
        ]
        .concat(),
        (0..77)
            .map(|i| if i % 19 == 7 { 4.0 } else { -(i as f64) })
            .collect(),
    ];
    let n = rows[0].len();
    let flat: Vec<f64> = rows.concat();
    for dtype in ["f64", "f32"] {
        for op in ["reduce_max", "reduce_min", "reduce_argmax", "reduce_argmin"] {
            for axes in ["(1)", "(0,1)"] {
                let arg = op.contains("arg");
                if arg && axes != "(1)" {
                    continue; // arg-reductions take one axis
                }
                let elem = if arg { "i64" } else { dtype };
                let out = if axes == "(1)" {
                    format!("{elem}[{}]", rows.len())
                } else {
                    format!("{elem}[]")
                };
                let text = format!(
                    "program(a: {dtype}[{},{n}]) {{\n  b: {out} = {op}[axes={axes}] a\n  return b\n}}",
                    rows.len()
                );
                let program: Program = text.parse().unwrap();
                let input = Value::from_array(
                    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[rows.len(), n]), flat.clone())
                        .unwrap(),
                )
                .cast(program.inputs()[0].dtype);
                let want = interpret(&program, std::slice::from_ref(&input)).unwrap();
                let plan = plan(&program, &FusionOptions::default()).unwrap();
                let got = CpuExecutor::global().run(&plan, &[input]).unwrap();
                let bits = |v: &Value| -> Vec<Option<u64>> {
                    v.to_scalars()
                        .iter()
                        .map(|s| match s {
                            Scalar::F64(x) => (!x.is_nan()).then_some(x.to_bits()),
                            Scalar::F32(x) => (!x.is_nan()).then_some(x.to_bits() as u64),
                            Scalar::I64(i) => Some(*i as u64),
                            other => panic!("{other:?}"),
                        })
                        .collect()
                };
                assert_eq!(bits(&want[0]), bits(&got[0]), "{program}");
            }
        }
    }
}

/// Bool arg-reductions (any/all, then the first position of the answer) give the
/// interpreter's positions: the first true (argmax) or false (argmin), 0 when there is
/// none, over rows long enough to run the vector loop.
#[test]
fn bool_arg_reductions_find_the_first() {
    let n = 203;
    let rows: Vec<Vec<bool>> = vec![
        vec![false; n],
        vec![true; n],
        (0..n).map(|i| i == 150).collect(),
        (0..n).map(|i| i >= 3).collect(),
        (0..n).map(|i| i % 64 == 63).collect(),
        (0..n).map(|i| i != 200).collect(),
        (0..n).map(|i| i == n - 1).collect(),
    ];
    for op in ["reduce_argmax", "reduce_argmin"] {
        let text = format!(
            "program(a: bool[{},{n}]) {{\n  b: i64[{}] = {op}[axes=(1)] a\n  return b\n}}",
            rows.len(),
            rows.len()
        );
        let program: Program = text.parse().unwrap();
        let input = Value::from_array(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[rows.len(), n]), rows.concat())
                .unwrap(),
        );
        let want = interpret(&program, std::slice::from_ref(&input)).unwrap();
        let plan = plan(&program, &FusionOptions::default()).unwrap();
        let got = CpuExecutor::global().run(&plan, &[input]).unwrap();
        assert_eq!(want[0].to_scalars(), got[0].to_scalars(), "{program}");
    }
}

/// Shewchuk's exactly rounded sum (the algorithm of Python's `math.fsum`).
fn exact_sum(values: &[f64]) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for &x in values {
        let mut x = x;
        let mut kept = 0;
        for i in 0..partials.len() {
            let y = partials[i];
            let (hi, lo) = if x.abs() < y.abs() { (y, x) } else { (x, y) };
            let sum = hi + lo;
            let err = lo - (sum - hi);
            if err != 0.0 {
                partials[kept] = err;
                kept += 1;
            }
            x = sum;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    partials.iter().rev().fold(0.0, |acc, &p| acc + p)
}

#[test]
fn whole_array_sums_are_as_accurate_as_pairwise_and_thread_count_independent() {
    let n = 10_000_000;
    let mut rng = common::Rng(99);
    let data: Vec<f64> = (0..n)
        .map(|_| (rng.unit() - 0.5) * 10f64.powi((rng.below(7) as i32) - 3))
        .collect();
    let exact = exact_sum(&data);
    let x = Value::from_array(ndarray::Array1::from(data).into_dyn());
    let program: Program =
        format!("program(a: f64[{n}]) {{\n  b: f64[] = reduce_sum[axes=(0)] a\n  return b\n}}")
            .parse()
            .unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let pairwise = interpret(&program, std::slice::from_ref(&x)).unwrap()[0]
        .get(&[])
        .unwrap()
        .as_f64();
    let results: Vec<f64> = [1, 2, 3]
        .into_iter()
        .map(|t| {
            CpuExecutor::new(t)
                .run(&plan, std::slice::from_ref(&x))
                .unwrap()[0]
                .get(&[])
                .unwrap()
                .as_f64()
        })
        .collect();
    assert!(
        results.iter().all(|r| r.to_bits() == results[0].to_bits()),
        "thread count changed the sum: {results:?}"
    );
    let (ours, theirs) = ((results[0] - exact).abs(), (pairwise - exact).abs());
    eprintln!("sum of 10M: compiled error {ours:e}, pairwise error {theirs:e} (exact {exact:e})");
    assert!(
        ours <= (4.0 * theirs).max(2.0 * f64::EPSILON * exact.abs()),
        "compiled {ours:e} vs pairwise {theirs:e}"
    );
}

/// A kernel of several independent whole-array folds (the optimizer's
/// `sum(a + b) = sum(a) + sum(b)`, and a max and an integer sum beside them) runs in
/// chunks across threads like a single fold, one pass for all: the interpreter's values
/// within rounding, bitwise the same on 1, 2 and 3 threads, each fold with its own
/// combiner and dtype.
#[test]
fn several_whole_array_folds_split_into_chunks_together() {
    use lazyfuse::ir::kernel::{Kernel, Phase};
    let n = 300_001;
    let text = format!(
        "program(a: f64[{n}], b: f64[{n}], c: i32[{n}]) {{\n  \
         s: f64[] = reduce_sum[axes=(0)] a\n  t: f64[] = reduce_sum[axes=(0)] b\n  \
         m: f64[] = reduce_max[axes=(0)] b\n  k: i64[] = reduce_sum[axes=(0)] c\n  \
         return s, t, m, k\n}}"
    );
    let program: Program = text.parse().unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let Kernel::Loop(kernel) = &plan.kernels[0] else {
        panic!("{plan}")
    };
    let folds = kernel
        .phases
        .iter()
        .filter(|p| matches!(p, Phase::Reduce { .. }))
        .count();
    assert!(folds >= 2, "expected one kernel of several folds:\n{plan}");
    let mut rng = common::Rng(5);
    let mut column =
        |scale: f64| -> Vec<f64> { (0..n).map(|_| (rng.unit() - 0.5) * scale).collect() };
    let (a, mut b) = (column(1e3), column(1.0));
    b[n - 3] = 7.5; // the max, in the last chunk
    let c: Vec<i32> = (0..n as i32).map(|i| i % 1000 - 400).collect();
    let inputs = [
        Value::from_array(ndarray::Array1::from(a).into_dyn()),
        Value::from_array(ndarray::Array1::from(b).into_dyn()),
        Value::from_array(ndarray::Array1::from(c).into_dyn()),
    ];
    let want = interpret(&program, &inputs).unwrap();
    let runs: Vec<Vec<Scalar>> = [1, 2, 3]
        .into_iter()
        .map(|t| {
            let out = CpuExecutor::new(t).run(&plan, &inputs).unwrap();
            out.iter().map(|v| v.get(&[]).unwrap()).collect()
        })
        .collect();
    for run in &runs[1..] {
        assert_eq!(run, &runs[0], "thread count changed a fold");
    }
    let got = &runs[0];
    for (k, w) in want.iter().enumerate() {
        let (w, g) = (w.get(&[]).unwrap().as_f64(), got[k].as_f64());
        assert!(
            (w - g).abs() <= 1e-9 * w.abs().max(1.0),
            "output {k}: {w} vs {g}"
        );
    }
    assert_eq!(got[2], Scalar::F64(7.5));
    assert_eq!(got[3], want[3].get(&[]).unwrap());
}

/// Complex whole-array reductions split into chunks like real ones (16-byte partial
/// slots): the same values on 1 and 3 threads, and the interpreter's within rounding.
#[test]
fn complex_reductions_split_across_threads() {
    let n = 100_000;
    for (dtype, tol) in [("c128", 1e-12), ("c64", 1e-4)] {
        for op in ["reduce_sum", "reduce_prod", "reduce_max", "reduce_min"] {
            let text = format!(
                "program(a: f64[{n}], b: f64[{n}]) {{\n  c: {dtype}[{n}] = cast[{dtype}] a\n  d: {dtype}[{n}] = cast[{dtype}] b\n  j: {dtype}[] = const[0+1j]\n  e: {dtype}[{n}] = mul d j\n  f: {dtype}[{n}] = add c e\n  g: {dtype}[] = {op}[axes=(0)] f\n  return g\n}}"
            );
            let program: Program = text.parse().unwrap();
            let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
            // Products of values near the unit circle stay finite.
            let re: Vec<f64> = (0..n)
                .map(|i| ((i * 37 % 101) as f64 / 101.0 - 0.5) * 0.02 + 1.0)
                .collect();
            let im: Vec<f64> = (0..n)
                .map(|i| ((i * 53 % 97) as f64 / 97.0 - 0.5) * 0.002)
                .collect();
            let inputs = [
                Value::from_array(ndarray::Array1::from(re).into_dyn()),
                Value::from_array(ndarray::Array1::from(im).into_dyn()),
            ];
            let want = interpret(&program, &inputs).unwrap()[0]
                .get(&[])
                .unwrap()
                .parts();
            let got: Vec<(f64, f64)> = [1, 3]
                .into_iter()
                .map(|t| {
                    CpuExecutor::new(t).run(&kernel_plan, &inputs).unwrap()[0]
                        .get(&[])
                        .unwrap()
                        .parts()
                })
                .collect();
            assert_eq!(
                got[0], got[1],
                "{op} {dtype}: thread count changed the result"
            );
            let close = |a: f64, b: f64| (a - b).abs() <= tol * a.abs().max(1.0);
            assert!(
                close(want.0, got[0].0) && close(want.1, got[0].1),
                "{op} {dtype}: {want:?} vs {:?}",
                got[0]
            );
        }
    }
}

/// An element type of the summation test: f64 or f32, summed in its own precision.
trait SumElem: Copy + Default + std::ops::Add<Output = Self> + std::ops::AddAssign {
    const NAME: &'static str;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn value(v: &[Self]) -> Value;
    fn value2(v: &[Self], rows: usize, cols: usize) -> Value;
}

macro_rules! sum_elem {
    ($t:ty, $name:literal) => {
        impl SumElem for $t {
            const NAME: &'static str = $name;
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn value(v: &[Self]) -> Value {
                Value::from_array(ndarray::Array1::from(v.to_vec()).into_dyn())
            }
            fn value2(v: &[Self], rows: usize, cols: usize) -> Value {
                let a = ndarray::Array2::from_shape_vec((rows, cols), v.to_vec()).unwrap();
                Value::from_array(a.into_dyn())
            }
        }
    };
}
sum_elem!(f64, "f64");
sum_elem!(f32, "f32");

/// NumPy's pairwise summation (numpy/_core/src/umath/loops_utils.h.src): blocks of at
/// most 128 elements summed with 8 partial sums, halves summed recursively.
fn numpy_pairwise<T: SumElem>(a: &[T]) -> T {
    let n = a.len();
    if n < 8 {
        a.iter().fold(T::default(), |s, &v| s + v)
    } else if n <= 128 {
        let mut r: [T; 8] = a[..8].try_into().unwrap();
        let full = n - n % 8;
        for i in (8..full).step_by(8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[full..] {
            res += v;
        }
        res
    } else {
        let half = (n / 2) & !7;
        numpy_pairwise(&a[..half]) + numpy_pairwise(&a[half..])
    }
}

#[test]
fn float_sums_are_as_accurate_as_numpys_pairwise_on_cancelling_data() {
    // Large values cancelling in pairs (a random walk of partial sums): whole-array
    // sums, sums of a fused product (exact: the factors are powers of two) and row
    // sums, in float64 and float32. The median error over trials is compared with
    // NumPy's algorithm on the same data; before the reduce loops summed pairwise
    // (blocks of 128, then a tree), a kernel not split into chunks was about 7x less
    // accurate.
    check_sums::<f64>();
    check_sums::<f32>();
}

fn check_sums<T: SumElem>() {
    let (rows, cols) = (40, 2_500);
    let n = rows * cols;
    let d = T::NAME;
    let program: Program = format!(
        "program(a: {d}[{n}], b: {d}[{n}], c: {d}[{rows},{cols}]) {{\n  d: {d}[] = reduce_sum[axes=(0)] a\n  e: {d}[{n}] = mul a b\n  f: {d}[] = reduce_sum[axes=(0)] e\n  g: {d}[{rows}] = reduce_sum[axes=(1)] c\n  return d, f, g\n}}"
    )
    .parse()
    .unwrap();
    let plan = plan(&program, &FusionOptions::default()).unwrap();
    let mut rng = common::Rng(7);
    let (mut ours, mut numpys) = (vec![Vec::new(); 3], vec![Vec::new(); 3]);
    let exact = |v: &[T]| exact_sum(&v.iter().map(|x| x.to_f64()).collect::<Vec<_>>());
    for _ in 0..15 {
        let half: Vec<f64> = (0..n / 2).map(|_| (rng.unit() - 0.5) * 2e8).collect();
        let mut a: Vec<T> = half.iter().map(|&v| T::from_f64(v)).collect();
        a.extend(half.iter().map(|&v| T::from_f64(-v + (rng.unit() - 0.5))));
        for i in (1..n).rev() {
            a.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let b: Vec<T> = (0..n)
            .map(|_| T::from_f64([0.5, 1.0, 2.0, 4.0][rng.below(4) as usize]))
            .collect();
        let ab: Vec<T> = a
            .iter()
            .zip(&b)
            .map(|(x, y)| T::from_f64(x.to_f64() * y.to_f64()))
            .collect();
        let got = CpuExecutor::global()
            .run(
                &plan,
                &[T::value(&a), T::value(&b), T::value2(&a, rows, cols)],
            )
            .unwrap();
        let scalar = |v: &Value, i: &[usize]| v.get(i).unwrap().as_f64();
        let err = |x: f64, want: f64| (x - want).abs();
        let row = |k: usize| &a[k * cols..(k + 1) * cols];
        ours[0].push(err(scalar(&got[0], &[]), exact(&a)));
        numpys[0].push(err(numpy_pairwise(&a).to_f64(), exact(&a)));
        ours[1].push(err(scalar(&got[1], &[]), exact(&ab)));
        numpys[1].push(err(numpy_pairwise(&ab).to_f64(), exact(&ab)));
        let worst = |f: &dyn Fn(usize) -> f64| (0..rows).map(f).fold(0.0, f64::max);
        ours[2].push(worst(&|k| err(scalar(&got[2], &[k]), exact(row(k)))));
        numpys[2].push(worst(&|k| {
            err(numpy_pairwise(row(k)).to_f64(), exact(row(k)))
        }));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|x, y| x.total_cmp(y));
        v[v.len() / 2]
    };
    for (form, (o, p)) in ["sum", "sum of a product", "row sums"]
        .iter()
        .zip(ours.iter_mut().zip(numpys.iter_mut()))
    {
        let (o, p) = (median(o), median(p));
        eprintln!("{d} {form}: median error {o:e}, NumPy's pairwise {p:e}");
        assert!(
            o <= 2.0 * p,
            "{d} {form}: median error {o:e} against NumPy's {p:e}"
        );
    }
}

/// Reductions along a strided axis (`x.sum(axis=0)` of a C-ordered array, the middle
/// axis of a 3-d one, several leading axes) run a block of output points at a time
/// when the strides allow it. Every combiner gives the interpreter's answer: bit for
/// bit for extrema, positions, integers and bools (NaN, -0.0, ties), float sums and
/// products within rounding, and a C-ordered float64 column sum bit for bit NumPy's
/// (sequential down the column). Widths below, at and above the block; layouts that
/// take the blocked loop and layouts that do not (reversed, every other element,
/// transposed storage).
#[test]
fn strided_axis_reductions_match_the_interpreter() {
    use ndarray::{ArrayD, IxDyn, Slice};
    let special = [
        f64::NAN,
        -0.0,
        0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        3.0,
        3.0,
    ];
    let mut rng = common::Rng(11);
    // (shape, reduced axes)
    let cases: &[(&[usize], &str)] = &[
        (&[300, 257], "(0)"),
        (&[7, 600], "(0)"),
        (&[40, 256], "(0)"),
        (&[5, 3], "(0)"),
        (&[3, 45, 300], "(1)"),
        (&[4, 9, 70], "(0,1)"),
    ];
    for &(shape, axes) in cases {
        let n: usize = shape.iter().product();
        let raw: Vec<f64> = (0..(n << shape.len()))
            .map(|_| {
                if rng.below(9) == 0 {
                    special[rng.below(special.len() as u64) as usize]
                } else {
                    (rng.below(21) as f64 - 10.0) * 0.1
                }
            })
            .collect();
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let reduced: Vec<usize> = axes
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(|a| a.parse().unwrap())
            .collect();
        let out_dims: Vec<String> = (0..shape.len())
            .filter(|a| !reduced.contains(a))
            .map(|a| shape[a].to_string())
            .collect();
        for dtype in ["f64", "f32", "i64", "bool"] {
            let ops: &[&str] = match dtype {
                "bool" => &["reduce_any", "reduce_all", "reduce_argmax", "reduce_argmin"],
                _ => &[
                    "reduce_sum",
                    "reduce_prod",
                    "reduce_max",
                    "reduce_min",
                    "reduce_argmax",
                    "reduce_argmin",
                    "reduce_mean",
                ],
            };
            for op in ops {
                let arg = op.contains("arg");
                if arg && reduced.len() > 1 {
                    continue; // arg-reductions take one axis
                }
                let in_dtype: lazyfuse::ir::DType = dtype.parse().unwrap();
                let reduce_op = lazyfuse::ir::ReduceOp::ALL
                    .iter()
                    .copied()
                    .find(|r| r.name() == *op)
                    .unwrap();
                let out = lazyfuse::ir::reduce_dtype(reduce_op, in_dtype);
                let text = format!(
                    "program(a: {dtype}[{}]) {{\n  b: {out}[{}] = {op}[axes={axes}] a\n  return b\n}}",
                    dims.join(","),
                    out_dims.join(",")
                );
                let program: Program = text.parse().unwrap();
                let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
                // 0 C order (blocked), 1 reversed, 2 every other element, 3 stored
                // transposed.
                for layout in 0..4 {
                    let alloc: Vec<usize> = match layout {
                        2 => shape.iter().map(|d| d * 2).collect(),
                        3 => shape.iter().rev().copied().collect(),
                        _ => shape.to_vec(),
                    };
                    let count: usize = alloc.iter().product();
                    let base = ArrayD::from_shape_vec(IxDyn(&alloc), raw[..count].to_vec())
                        .unwrap()
                        .into_shared();
                    let view = match layout {
                        1 => {
                            let mut v = base;
                            v.slice_each_axis_inplace(|_| Slice::new(0, None, -1));
                            v
                        }
                        2 => {
                            let mut v = base;
                            v.slice_each_axis_inplace(|_| Slice::new(0, None, 2));
                            v
                        }
                        3 => base.reversed_axes(),
                        _ => base,
                    };
                    let input = Value::from(view).cast(in_dtype);
                    let want = interpret(&program, std::slice::from_ref(&input)).unwrap();
                    let got = CpuExecutor::global()
                        .run(&kernel_plan, std::slice::from_ref(&input))
                        .unwrap();
                    let (w, g) = (want[0].to_scalars(), got[0].to_scalars());
                    assert_eq!(w.len(), g.len());
                    let rounds = out.is_float()
                        && matches!(*op, "reduce_sum" | "reduce_prod" | "reduce_mean");
                    for (x, y) in w.iter().zip(&g) {
                        let same = match (x, y) {
                            (Scalar::F64(x), Scalar::F64(y)) if rounds => {
                                x.to_bits() == y.to_bits()
                                    || (x.is_nan() && y.is_nan())
                                    || (x - y).abs() <= 1e-12 * x.abs().max(1.0)
                            }
                            (Scalar::F32(x), Scalar::F32(y)) if rounds => {
                                x.to_bits() == y.to_bits()
                                    || (x.is_nan() && y.is_nan())
                                    || (x - y).abs() <= 1e-5 * x.abs().max(1.0)
                            }
                            (Scalar::F64(x), Scalar::F64(y)) => {
                                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
                            }
                            (Scalar::F32(x), Scalar::F32(y)) => {
                                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
                            }
                            (x, y) => x == y,
                        };
                        assert!(same, "layout {layout}: {x:?} vs {y:?}\n{program}");
                    }
                    if layout == 0 && dtype == "f64" && *op == "reduce_sum" && axes == "(0)" {
                        // NumPy's order down a C-ordered column: one running sum.
                        let cols = shape[1];
                        for (j, y) in g.iter().enumerate() {
                            let column = (0..shape[0]).map(|i| raw[i * cols + j]);
                            let sequential = column.fold(0.0, |s, v| s + v);
                            let Scalar::F64(y) = y else { unreachable!() };
                            assert!(
                                y.to_bits() == sequential.to_bits()
                                    || (y.is_nan() && sequential.is_nan()),
                                "column {j}: {y} vs NumPy's {sequential}"
                            );
                        }
                    }
                }
            }
        }
    }
}
