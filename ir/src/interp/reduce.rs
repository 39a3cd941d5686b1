//! Reductions over any set of axes.
//!
//! The operand is transposed so the kept axes come first and the reduced ones last,
//! laid out in C order and viewed as rows (one per output element); each row is then
//! folded. The reduced axes keep their order, so an arg-reduction's index is the
//! position in the C-order flattening of the reduced axes.

use ndarray::{ArcArray, ArrayD, IxDyn};

use num_complex::Complex;

use super::complex;
use super::scalar::Arith;
use crate::dtype::DType;
use crate::error::IrError;
use crate::op::ReduceOp;
use crate::shape::TensorType;
use crate::value::{Element, Value};
use crate::with_value;

/// Element types the row folds work on.
trait Reducible: Arith {
    fn is_nan(self) -> bool;
    /// `self > other` in the order max and argmax use.
    fn greater(self, other: Self) -> bool;
    /// `self < other` in the order min and argmin use.
    fn less(self, other: Self) -> bool;
    /// Sum, product or mean of a row (in the accumulator type the rule chose).
    fn accumulate(op: ReduceOp, row: &[Self]) -> Self;
}

/// `greater` and `less` from the type's own order.
macro_rules! ordered {
    () => {
        fn greater(self, other: Self) -> bool {
            self > other
        }
        fn less(self, other: Self) -> bool {
            self < other
        }
    };
}

impl Reducible for bool {
    ordered!();
    fn is_nan(self) -> bool {
        false
    }
    fn accumulate(_: ReduceOp, _: &[bool]) -> bool {
        unreachable!("booleans are summed as int64")
    }
}

macro_rules! reducible_int {
    ($($t:ty),*) => {$(
        impl Reducible for $t {
            ordered!();
            fn is_nan(self) -> bool {
                false
            }
            fn accumulate(op: ReduceOp, row: &[$t]) -> $t {
                // Wrapping, as NumPy's integer sums and products are.
                match op {
                    ReduceOp::Sum => row.iter().fold(0, |acc: $t, &v| acc.wrapping_add(v)),
                    ReduceOp::Prod => row.iter().fold(1, |acc: $t, &v| acc.wrapping_mul(v)),
                    _ => unreachable!("integers are averaged as float64"),
                }
            }
        }
    )*};
}

reducible_int!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! reducible_float {
    ($($t:ty),*) => {$(
        impl Reducible for $t {
            ordered!();
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn accumulate(op: ReduceOp, row: &[$t]) -> $t {
                float_fold(op, row)
            }
        }
    )*};
}

reducible_float!(f32, f64);

/// NumPy sums, multiplies and averages float16 in float32, rounding once at the end.
impl Reducible for half::f16 {
    ordered!();
    fn is_nan(self) -> bool {
        half::f16::is_nan(self)
    }
    fn accumulate(op: ReduceOp, row: &[half::f16]) -> half::f16 {
        let wide: Vec<f32> = row.iter().map(|v| v.to_f32()).collect();
        half::f16::from_f32(float_fold(op, &wide))
    }
}

/// Complex values: pairwise sums, NumPy's products, the mean as the sum divided by the
/// count (as a complex division), order lexicographic (real part first).
impl<T: complex::Part> Reducible for Complex<T>
where
    Complex<T>: Element,
{
    fn is_nan(self) -> bool {
        complex::has_nan(self)
    }
    fn greater(self, other: Self) -> bool {
        self.re > other.re || (self.re == other.re && self.im > other.im)
    }
    fn less(self, other: Self) -> bool {
        self.re < other.re || (self.re == other.re && self.im < other.im)
    }
    fn accumulate(op: ReduceOp, row: &[Self]) -> Self {
        let sum = || pairwise_sum(row);
        match op {
            ReduceOp::Sum => sum(),
            ReduceOp::Prod => row
                .iter()
                .fold(Complex::new(T::one(), T::zero()), |acc, &v| {
                    complex::mul_plain(acc, v)
                }),
            ReduceOp::Mean => {
                let n = T::from(row.len()).expect("row length fits a float");
                complex::div(sum(), Complex::new(n, T::zero()))
            }
            _ => unreachable!("accumulate handles sum, prod and mean"),
        }
    }
}

pub(super) fn reduce(
    op: ReduceOp,
    axes: &[usize],
    x: &Value,
    ty: &TensorType,
) -> Result<Value, IrError> {
    use ReduceOp::*;
    let shape = &ty.shape;
    let folded = match op {
        Sum | Prod | Mean => {
            let x = x.cast(ty.dtype);
            with_value!(&x, a => rows(a, axes, shape).fold(|row| Reducible::accumulate(op, row)))
        }
        Max | Min => with_value!(x, a => rows(a, axes, shape).fold(|row| extreme(op, row))),
        ArgMax | ArgMin => {
            with_value!(x, a => rows(a, axes, shape).fold(|row| arg_extreme(op, row)))
        }
        Any | All => {
            let x = x.cast(DType::Bool);
            rows(x.as_array::<bool>()?, axes, shape).fold(|row| {
                if op == Any {
                    row.iter().any(|&v| v)
                } else {
                    row.iter().all(|&v| v)
                }
            })
        }
    };
    Ok(folded.finish(ty))
}

/// Each lane along `axis` sorted (or its sorting positions, `arg`): NumPy's order, NaN
/// last, equal elements in their order (a stable sort).
pub(super) fn sort(axis: usize, arg: bool, x: &Value) -> Value {
    fn lanes<T: Reducible>(a: &ArcArray<T, IxDyn>, axis: usize, arg: bool) -> Value {
        let mut values = a.to_owned();
        let mut positions = ArrayD::<i64>::zeros(a.raw_dim());
        let axis = ndarray::Axis(axis);
        let outputs = values
            .lanes_mut(axis)
            .into_iter()
            .zip(positions.lanes_mut(axis));
        for (lane, (mut sorted, mut order_out)) in a.lanes(axis).into_iter().zip(outputs) {
            let lane: Vec<T> = lane.iter().copied().collect();
            let mut order: Vec<usize> = (0..lane.len()).collect();
            order.sort_by(|&i, &j| numpy_order(lane[i], lane[j]));
            for (k, &i) in order.iter().enumerate() {
                sorted[k] = lane[i];
                order_out[k] = i as i64;
            }
        }
        if arg {
            Value::from_array(positions)
        } else {
            Value::from_array(values)
        }
    }
    with_value!(x, a => lanes(a, axis, arg))
}

/// For each element of `v`, its insertion position in the sorted `a` (NumPy's order, NaN
/// last): the number of elements of `a` before it (`right`: not after it), by binary
/// search.
pub(super) fn searchsorted(right: bool, a: &Value, v: &Value) -> Value {
    fn search<T: Reducible>(a: &ArcArray<T, IxDyn>, v: &Value, right: bool) -> Value {
        let sorted: Vec<T> = a.iter().copied().collect();
        let v = v.as_array::<T>().expect("one dtype (type rule)");
        Value::from_array(v.map(|&key| {
            let before = |x: T| match numpy_order(x, key) {
                std::cmp::Ordering::Less => true,
                std::cmp::Ordering::Equal => right,
                std::cmp::Ordering::Greater => false,
            };
            sorted.partition_point(|&x| before(x)) as i64
        }))
    }
    with_value!(a, x => search(x, v, right))
}

/// NumPy's sort order: ascending, NaN after everything.
fn numpy_order<T: Reducible>(a: T, b: T) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Equal,
        (true, false) => Greater,
        (false, true) => Less,
        _ if a.less(b) => Less,
        _ if b.less(a) => Greater,
        _ => Equal,
    }
}

/// The operand as a matrix whose rows are the groups of elements each output reduces.
struct RowMatrix<T> {
    data: Vec<T>,
    n_rows: usize,
    row_len: usize,
}

/// The folded rows, in output order.
struct Folded(Value);

impl Folded {
    fn finish(self, ty: &TensorType) -> Value {
        // The rows are in C order of the kept axes, which is also the output's C order
        // with or without the kept extent-1 axes.
        with_value!(self.0, a => reshape(a.into_owned(), ty))
    }
}

fn reshape<T: Element>(a: ArrayD<T>, ty: &TensorType) -> Value {
    // Through a C-ordered copy only when needed: the storage of `a` may hold more than
    // its elements (an offset slice), so its raw vector is not used.
    let a = if a.is_standard_layout() {
        a
    } else {
        a.as_standard_layout().into_owned()
    };
    Value::from_array(
        a.into_shape_with_order(IxDyn(&ty.shape))
            .expect("one value per output element"),
    )
}

impl<T: Element> RowMatrix<T> {
    fn fold<R: Element>(&self, f: impl Fn(&[T]) -> R) -> Folded {
        let out: Vec<R> = if self.row_len == 0 {
            (0..self.n_rows).map(|_| f(&[])).collect()
        } else {
            self.data.chunks(self.row_len).map(f).collect()
        };
        Folded(Value::from_array(
            ArrayD::from_shape_vec(IxDyn(&[self.n_rows]), out).expect("1-d"),
        ))
    }
}

/// The rows of `a` that reduce over `axes` into an output of `out_shape`.
fn rows<T: Element>(a: &ArcArray<T, IxDyn>, axes: &[usize], out_shape: &[usize]) -> RowMatrix<T> {
    let ndim = a.ndim();
    let mut perm: Vec<usize> = (0..ndim).filter(|k| !axes.contains(k)).collect();
    perm.extend_from_slice(axes);
    let row_len: usize = axes.iter().map(|&k| a.shape()[k]).product();
    let data: Vec<T> = a
        .view()
        .permuted_axes(IxDyn(&perm))
        .iter()
        .copied()
        .collect();
    RowMatrix {
        data,
        n_rows: out_shape.iter().product(),
        row_len,
    }
}

/// Pairwise summation: error grows like O(log n) ulps, as NumPy's does.
fn pairwise_sum<T: Copy + num_traits::Zero>(row: &[T]) -> T {
    const BLOCK: usize = 8;
    if row.len() <= BLOCK {
        return row.iter().fold(T::zero(), |acc, &v| acc + v);
    }
    let mid = row.len() / 2;
    pairwise_sum(&row[..mid]) + pairwise_sum(&row[mid..])
}

fn float_fold<T: num_traits::Float>(op: ReduceOp, row: &[T]) -> T {
    match op {
        ReduceOp::Sum => pairwise_sum(row),
        ReduceOp::Prod => row.iter().fold(T::one(), |acc, &v| acc * v),
        ReduceOp::Mean => pairwise_sum(row) / T::from(row.len()).expect("row length fits a float"),
        _ => unreachable!("float_fold handles sum, prod and mean"),
    }
}

/// NaN-propagating max or min of a non-empty row.
fn extreme<T: Reducible>(op: ReduceOp, row: &[T]) -> T {
    let mut best = row[0];
    for &v in &row[1..] {
        if best.is_nan() {
            break;
        }
        let better = if op == ReduceOp::Max {
            v.greater(best)
        } else {
            v.less(best)
        };
        if v.is_nan() || better {
            best = v;
        }
    }
    best
}

/// Index of the first max or min of a non-empty row; the first NaN wins.
fn arg_extreme<T: Reducible>(op: ReduceOp, row: &[T]) -> i64 {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if row[best].is_nan() {
            break;
        }
        let better = if op == ReduceOp::ArgMax {
            v.greater(row[best])
        } else {
            v.less(row[best])
        };
        if v.is_nan() || better {
            best = i;
        }
    }
    best as i64
}
