//! Reductions over any set of axes.
//!
//! The operand is transposed so the kept axes come first and the reduced ones last,
//! laid out in C order and viewed as rows (one per output element); each row is then
//! folded. The reduced axes keep their order, so an arg-reduction's index is the
//! position in the C-order flattening of the reduced axes.

use ndarray::{ArrayD, IxDyn};

use super::internal;
use crate::dtype::DType;
use crate::error::IrError;
use crate::op::ReduceOp;
use crate::shape::TensorType;
use crate::value::{Element, Value};

/// Element types the row folds work on.
trait Reducible: Element + PartialOrd {
    fn is_nan(self) -> bool;
}

impl Reducible for bool {
    fn is_nan(self) -> bool {
        false
    }
}
impl Reducible for i32 {
    fn is_nan(self) -> bool {
        false
    }
}
impl Reducible for i64 {
    fn is_nan(self) -> bool {
        false
    }
}
impl Reducible for f32 {
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
}
impl Reducible for f64 {
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
}

pub(super) fn reduce(
    op: ReduceOp,
    axes: &[usize],
    x: &Value,
    ty: &TensorType,
) -> Result<Value, IrError> {
    use ReduceOp::*;
    let rows = |v: Value| Rows::new(v, axes, &ty.shape);
    Ok(match op {
        Sum | Prod | Mean => match rows(x.cast(ty.dtype))? {
            Rows::F64(r) => r.fold(|row| float_fold(op, row)),
            Rows::F32(r) => r.fold(|row| float_fold(op, row)),
            Rows::I64(r) => r.fold(|row| int_fold(op, row)),
            _ => return Err(internal("sum/prod accumulate in int64 or a float")),
        },
        Max | Min => match rows(x.clone())? {
            Rows::Bool(r) => r.fold(|row| extreme(op, row)),
            Rows::I32(r) => r.fold(|row| extreme(op, row)),
            Rows::I64(r) => r.fold(|row| extreme(op, row)),
            Rows::F32(r) => r.fold(|row| extreme(op, row)),
            Rows::F64(r) => r.fold(|row| extreme(op, row)),
        },
        ArgMax | ArgMin => match rows(x.clone())? {
            Rows::Bool(r) => r.fold(|row| arg_extreme(op, row)),
            Rows::I32(r) => r.fold(|row| arg_extreme(op, row)),
            Rows::I64(r) => r.fold(|row| arg_extreme(op, row)),
            Rows::F32(r) => r.fold(|row| arg_extreme(op, row)),
            Rows::F64(r) => r.fold(|row| arg_extreme(op, row)),
        },
        Any | All => match rows(x.cast(DType::Bool))? {
            Rows::Bool(r) => r.fold(|row| {
                if op == Any {
                    row.iter().any(|&v| v)
                } else {
                    row.iter().all(|&v| v)
                }
            }),
            _ => return Err(internal("any/all work on bool")),
        },
    }
    .finish(ty))
}

/// The operand as a matrix whose rows are the groups of elements each output reduces.
enum Rows {
    Bool(RowMatrix<bool>),
    I32(RowMatrix<i32>),
    I64(RowMatrix<i64>),
    F32(RowMatrix<f32>),
    F64(RowMatrix<f64>),
}

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
        match self.0 {
            Value::Bool(a) => reshape(a.into_owned(), ty),
            Value::I32(a) => reshape(a.into_owned(), ty),
            Value::I64(a) => reshape(a.into_owned(), ty),
            Value::F32(a) => reshape(a.into_owned(), ty),
            Value::F64(a) => reshape(a.into_owned(), ty),
        }
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

impl Rows {
    fn new(x: Value, axes: &[usize], out_shape: &[usize]) -> Result<Rows, IrError> {
        fn build<T: Element>(
            x: &Value,
            axes: &[usize],
            n_rows: usize,
        ) -> Result<RowMatrix<T>, IrError> {
            let a = x.as_array::<T>()?;
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
            Ok(RowMatrix {
                data,
                n_rows,
                row_len,
            })
        }
        let n_rows: usize = out_shape.iter().product();
        Ok(match x.dtype() {
            DType::Bool => Rows::Bool(build(&x, axes, n_rows)?),
            DType::I32 => Rows::I32(build(&x, axes, n_rows)?),
            DType::I64 => Rows::I64(build(&x, axes, n_rows)?),
            DType::F32 => Rows::F32(build(&x, axes, n_rows)?),
            DType::F64 => Rows::F64(build(&x, axes, n_rows)?),
        })
    }
}

/// Pairwise summation: error grows like O(log n) ulps, as NumPy's does.
fn pairwise_sum<T: num_traits::Float>(row: &[T]) -> T {
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

fn int_fold(op: ReduceOp, row: &[i64]) -> i64 {
    match op {
        ReduceOp::Sum => row.iter().fold(0i64, |acc, &v| acc.wrapping_add(v)),
        ReduceOp::Prod => row.iter().fold(1i64, |acc, &v| acc.wrapping_mul(v)),
        _ => unreachable!("int_fold handles sum and prod"),
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
            v > best
        } else {
            v < best
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
            v > row[best]
        } else {
            v < row[best]
        };
        if v.is_nan() || better {
            best = i;
        }
    }
    best as i64
}
