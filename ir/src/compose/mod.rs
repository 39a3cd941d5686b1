//! NumPy functions that are compositions of primitive ops, with NumPy's argument
//! conventions (negative axes, `-1` in reshape, `None` for "all axes").
//!
//! Keeping these out of [`Op`] keeps the IR small: the optimizer and code generators
//! see only primitives (`stack` is `expand_dims` + `concat`, `expand_dims` and `squeeze`
//! are reshapes, `full` is a broadcast constant, `dot` is `matmul` after reshapes).

use crate::dtype::{promote, DType};
use crate::error::IrError;
use crate::node::Node;
use crate::op::{Op, ReduceOp, SliceAxis};
use crate::scalar::Scalar;
use crate::shape::{normalize_axes, normalize_axis, Shape};

mod index;
mod stats;

pub use index::{index, IndexItem};
pub use stats::{std, var};

/// An array of `shape` filled with `value` (a broadcast 0-d constant: no data).
pub fn full(shape: &[usize], value: Scalar) -> Result<Node, IrError> {
    let c = Node::constant(value);
    if shape.is_empty() {
        return Ok(c);
    }
    Node::apply(Op::BroadcastTo(Shape::from(shape)), vec![c])
}

/// NumPy `arange(start, stop, step)`: `ceil((stop - start) / step)` values of the
/// promoted dtype of the three arguments.
pub fn arange(start: Scalar, stop: Scalar, step: Scalar) -> Result<Node, IrError> {
    let dtype = promote(promote(start.dtype(), stop.dtype()), step.dtype());
    if dtype == DType::Bool {
        return Err(IrError::dtype(
            "arange",
            &[dtype],
            "use an integer or float range",
        ));
    }
    let len = if dtype.is_float() {
        let (a, b, s) = (start.as_f64(), stop.as_f64(), step.as_f64());
        if s == 0.0 || !s.is_finite() || !a.is_finite() || !b.is_finite() {
            return Err(IrError::invalid(
                "arange",
                "start, stop and step must be finite and step non-zero",
            ));
        }
        ((b - a) / s).ceil().max(0.0)
    } else {
        let (a, b, s) = (
            start.as_i64() as i128,
            stop.as_i64() as i128,
            step.as_i64() as i128,
        );
        if s == 0 {
            return Err(IrError::invalid("arange", "step cannot be zero"));
        }
        // ceil(span / s): `/` truncates toward zero, which is the ceiling for a
        // negative quotient; a positive one with a remainder rounds up.
        let span = b - a;
        let (q, r) = (span / s, span % s);
        let n = if r != 0 && (span < 0) == (s < 0) {
            q + 1
        } else {
            q
        };
        n.max(0) as f64
    };
    if len > (isize::MAX as f64) / 8.0 {
        return Err(IrError::invalid("arange", "Maximum allowed size exceeded"));
    }
    ramp(start.cast(dtype), step.cast(dtype), len as usize)
}

/// `start, start + step, ...` (`len` values) in `start`'s dtype, each `start + i * step`
/// computed in that dtype (integers wrap): NumPy's `arange` once it has fixed its
/// length and its first two values.
pub fn ramp(start: Scalar, step: Scalar, len: usize) -> Result<Node, IrError> {
    let dtype = start.dtype();
    if len
        .checked_mul(8)
        .is_none_or(|bytes| bytes > isize::MAX as usize)
    {
        return Err(IrError::invalid("arange", "Maximum allowed size exceeded"));
    }
    Node::apply(
        Op::Arange {
            start,
            step: step.cast(dtype),
            len,
        },
        vec![],
    )
}

/// NumPy `reshape`: at most one extent may be `-1` and is inferred.
pub fn reshape(x: &Node, shape: &[i64]) -> Result<Node, IrError> {
    let size = x.shape().numel();
    let invalid = || IrError::InvalidReshape {
        from: x.shape().clone(),
        size,
        to: format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    let unknown: Vec<usize> = (0..shape.len()).filter(|&i| shape[i] == -1).collect();
    if unknown.len() > 1 || shape.iter().any(|&d| d < -1) {
        return Err(invalid());
    }
    let known = shape
        .iter()
        .filter(|&&d| d != -1)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .ok_or_else(invalid)?;
    let mut dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(&i) = unknown.first() {
        if known == 0 || !size.is_multiple_of(known) {
            return Err(invalid());
        }
        dims[i] = size / known;
    }
    Node::apply(Op::Reshape(Shape(dims)), vec![x.clone()])
}

/// NumPy `expand_dims`: inserts extent-1 axes at `axes` (positions in the result).
pub fn expand_dims(x: &Node, axes: &[i64]) -> Result<Node, IrError> {
    let out_ndim = x.shape().ndim() + axes.len();
    let axes = normalize_axes("expand_dims", axes, out_ndim)?;
    let mut rest = x.shape().iter();
    let dims: Vec<usize> = (0..out_ndim)
        .map(|k| {
            if axes.contains(&k) {
                1
            } else {
                *rest.next().expect("counted")
            }
        })
        .collect();
    Node::apply(Op::Reshape(Shape(dims)), vec![x.clone()])
}

/// NumPy `squeeze`: removes the given extent-1 axes, or all of them for `None`.
pub fn squeeze(x: &Node, axes: Option<&[i64]>) -> Result<Node, IrError> {
    let shape = x.shape();
    let axes = match axes {
        Some(axes) => {
            let axes = normalize_axes("squeeze", axes, shape.ndim())?;
            if let Some(&bad) = axes.iter().find(|&&a| shape[a] != 1) {
                return Err(IrError::invalid(
                    "squeeze",
                    format!("cannot select an axis to squeeze out which has size not equal to one (axis {bad} of shape {shape})"),
                ));
            }
            axes
        }
        None => (0..shape.ndim()).filter(|&k| shape[k] == 1).collect(),
    };
    let dims: Vec<usize> = (0..shape.ndim())
        .filter(|k| !axes.contains(k))
        .map(|k| shape[k])
        .collect();
    Node::apply(Op::Reshape(Shape(dims)), vec![x.clone()])
}

/// NumPy `transpose`: `None` reverses the axes; negative axes count from the end.
pub fn transpose(x: &Node, perm: Option<&[i64]>) -> Result<Node, IrError> {
    let ndim = x.shape().ndim();
    let perm: Vec<usize> = match perm {
        None => (0..ndim).rev().collect(),
        Some(p) => {
            if p.len() != ndim {
                return Err(IrError::invalid(
                    "transpose",
                    format!("axes {p:?} don't match array of dimension {ndim}"),
                ));
            }
            p.iter()
                .map(|&a| normalize_axis("transpose", a, ndim))
                .collect::<Result<_, _>>()?
        }
    };
    Node::apply(Op::Transpose(perm), vec![x.clone()])
}

/// NumPy `swapaxes`.
pub fn swapaxes(x: &Node, a: i64, b: i64) -> Result<Node, IrError> {
    let ndim = x.shape().ndim();
    let (a, b) = (
        normalize_axis("swapaxes", a, ndim)?,
        normalize_axis("swapaxes", b, ndim)?,
    );
    let mut perm: Vec<usize> = (0..ndim).collect();
    perm.swap(a, b);
    Node::apply(Op::Transpose(perm), vec![x.clone()])
}

/// NumPy `moveaxis`: the axes `source` moved to positions `destination`, the others
/// kept in order.
pub fn moveaxis(x: &Node, source: &[i64], destination: &[i64]) -> Result<Node, IrError> {
    let ndim = x.shape().ndim();
    if source.len() != destination.len() {
        return Err(IrError::invalid(
            "moveaxis",
            "`source` and `destination` arguments must have the same number of elements",
        ));
    }
    let normalize = |axes: &[i64], what: &str| -> Result<Vec<usize>, IrError> {
        let out = axes
            .iter()
            .map(|&a| normalize_axis("moveaxis", a, ndim))
            .collect::<Result<Vec<_>, _>>()?;
        let mut sorted = out.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != out.len() {
            return Err(IrError::invalid(
                "moveaxis",
                format!("repeated axis in `{what}` argument"),
            ));
        }
        Ok(out)
    };
    let source = normalize(source, "source")?;
    let destination = normalize(destination, "destination")?;
    let mut perm: Vec<usize> = (0..ndim).filter(|k| !source.contains(k)).collect();
    let mut moves: Vec<(usize, usize)> = destination.into_iter().zip(source).collect();
    moves.sort_unstable();
    for (dst, src) in moves {
        perm.insert(dst, src);
    }
    Node::apply(Op::Transpose(perm), vec![x.clone()])
}

/// Basic slicing with Python `start:stop:step` per leading axis; missing trailing axes
/// are taken whole.
pub fn slice(
    x: &Node,
    slices: &[(Option<i64>, Option<i64>, Option<i64>)],
) -> Result<Node, IrError> {
    let shape = x.shape();
    if slices.len() > shape.ndim() {
        return Err(IrError::index(format!(
            "too many indices for array: array is {}-dimensional, but {} were indexed",
            shape.ndim(),
            slices.len()
        )));
    }
    let axes = (0..shape.ndim())
        .map(|k| match slices.get(k) {
            Some(&(start, stop, step)) => SliceAxis::from_python(start, stop, step, shape[k]),
            None => Ok(SliceAxis::full(shape[k])),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Node::apply(Op::Slice(axes), vec![x.clone()])
}

/// A reduction over `axes` (`None`: all axes), NumPy-style.
pub fn reduce(
    op: ReduceOp,
    x: &Node,
    axes: Option<&[i64]>,
    keepdims: bool,
) -> Result<Node, IrError> {
    let ndim = x.shape().ndim();
    let axes = match axes {
        Some(a) => normalize_axes(op.name(), a, ndim)?,
        None => (0..ndim).collect(),
    };
    if op == ReduceOp::Mean {
        return mean(x, axes, keepdims);
    }
    Node::apply(Op::Reduce { op, axes, keepdims }, vec![x.clone()])
}

/// NumPy's `mean`, as NumPy computes it: the sum (in float64 for integers and bool)
/// divided by the count. Kept as a sum and a division (not one `reduce_mean`) so a
/// whole-array sum is a plain reduction the executor splits into chunks summed
/// pairwise: a float32 mean of 10M values accumulated in one pass was 0.3% off.
fn mean(x: &Node, axes: Vec<usize>, keepdims: bool) -> Result<Node, IrError> {
    // float16: summed and divided in float32, the quotient rounded to half (NumPy's
    // `_mean`), not a half sum divided in half.
    if x.dtype() == DType::F16 {
        let wide = Node::apply(Op::Cast(DType::F32), vec![x.clone()])?;
        let m = mean(&wide, axes, keepdims)?;
        return Node::apply(Op::Cast(DType::F16), vec![m]);
    }
    let x = if x.dtype().is_inexact() {
        x.clone()
    } else {
        Node::apply(Op::Cast(DType::F64), vec![x.clone()])?
    };
    let count: usize = axes.iter().map(|&k| x.shape()[k]).product();
    let sum = Node::apply(
        Op::Reduce {
            op: ReduceOp::Sum,
            axes,
            keepdims,
        },
        vec![x.clone()],
    )?;
    let count = Node::constant(Scalar::F64(count as f64).cast(x.dtype()));
    Node::apply(Op::Binary(crate::op::BinaryOp::Div), vec![sum, count])
}

/// NumPy `concatenate` along `axis` (negative counts from the end).
pub fn concatenate(xs: &[Node], axis: i64) -> Result<Node, IrError> {
    let first = xs
        .first()
        .ok_or_else(|| IrError::invalid("concatenate", "need at least one array to concatenate"))?;
    if first.shape().ndim() == 0 {
        return Err(IrError::invalid(
            "concatenate",
            "zero-dimensional arrays cannot be concatenated",
        ));
    }
    let axis = normalize_axis("concatenate", axis, first.shape().ndim())?;
    Node::apply(Op::Concat { axis }, xs.to_vec())
}

/// NumPy `stack`: joins equal-shaped arrays along a new axis.
pub fn stack(xs: &[Node], axis: i64) -> Result<Node, IrError> {
    let first = xs
        .first()
        .ok_or_else(|| IrError::invalid("stack", "need at least one array to stack"))?;
    if let Some(other) = xs.iter().find(|x| x.shape() != first.shape()) {
        return Err(IrError::ShapeMismatch {
            op: "stack",
            lhs: first.shape().clone(),
            rhs: other.shape().clone(),
        });
    }
    let axis = normalize_axis("stack", axis, first.shape().ndim() + 1)?;
    let expanded = xs
        .iter()
        .map(|x| expand_dims(x, &[axis as i64]))
        .collect::<Result<Vec<_>, _>>()?;
    Node::apply(Op::Concat { axis }, expanded)
}

/// NumPy `dot`: a product for 0-d operands, `matmul` when either is at most 2-d or `b`
/// is 1-d, and otherwise the sum over the last axis of `a` and the second-to-last of
/// `b` (result shape `a[:-1] + b[:-2] + b[-1:]`).
pub fn dot(a: &Node, b: &Node) -> Result<Node, IrError> {
    let (sa, sb) = (a.shape().clone(), b.shape().clone());
    if sa.ndim() == 0 || sb.ndim() == 0 {
        return Node::apply(
            Op::Binary(crate::op::BinaryOp::Mul),
            vec![a.clone(), b.clone()],
        );
    }
    let k = sa[sa.ndim() - 1];
    let b_axis = sb.ndim().saturating_sub(2);
    if sb[b_axis] != k {
        // NumPy's message, shapes written as NumPy writes them.
        let numpy = |s: &Shape| {
            let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
            if dims.len() == 1 {
                format!("({},)", dims[0])
            } else {
                format!("({})", dims.join(","))
            }
        };
        return Err(IrError::CoreDimension {
            op: "dot",
            message: format!(
                "shapes {} and {} not aligned: {k} (dim {}) != {} (dim {b_axis})",
                numpy(&sa),
                numpy(&sb),
                sa.ndim() - 1,
                sb[b_axis]
            ),
        });
    }
    if sb.ndim() == 1 || sa.ndim() == 1 || (sa.ndim() == 2 && sb.ndim() == 2) {
        return Node::apply(Op::MatMul, vec![a.clone(), b.clone()]).map_err(|e| rename(e, "dot"));
    }
    // b's contracted axis to the front, then b as a (k, rest) matrix.
    let mb = sb.ndim();
    let mut perm = vec![mb - 2];
    perm.extend(0..mb - 2);
    perm.push(mb - 1);
    let bt = Node::apply(Op::Transpose(perm), vec![b.clone()])?;
    let b2 = reshape(&bt, &[k as i64, -1])?;
    let a2 = reshape(a, &[-1, k as i64])?;
    let product = Node::apply(Op::MatMul, vec![a2, b2])?;
    let out: Vec<i64> = sa[..sa.ndim() - 1]
        .iter()
        .chain(&sb[..mb - 2])
        .chain(&sb[mb - 1..])
        .map(|&d| d as i64)
        .collect();
    reshape(&product, &out)
}

fn rename(e: IrError, op: &'static str) -> IrError {
    match e {
        IrError::ShapeMismatch { lhs, rhs, .. } => IrError::ShapeMismatch { op, lhs, rhs },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use ndarray::ArrayD;

    fn zeros(dims: &[usize]) -> Node {
        Node::data(Value::from_array(ArrayD::<f64>::zeros(dims)))
    }

    #[test]
    fn reshape_infers_minus_one() {
        let x = zeros(&[4, 6]);
        assert_eq!(reshape(&x, &[3, -1]).unwrap().shape().dims(), &[3, 8]);
        assert!(reshape(&x, &[5, -1]).is_err());
        assert!(reshape(&x, &[-1, -1]).is_err());
        assert_eq!(
            reshape(&zeros(&[0, 3]), &[3, 0]).unwrap().shape().dims(),
            &[3, 0]
        );
        assert!(reshape(&zeros(&[0, 3]), &[-1, 0]).is_err());
    }

    #[test]
    fn expand_squeeze_stack_shapes() {
        let x = zeros(&[2, 3]);
        assert_eq!(
            expand_dims(&x, &[0, -1]).unwrap().shape().dims(),
            &[1, 2, 3, 1]
        );
        let y = zeros(&[1, 3, 1]);
        assert_eq!(squeeze(&y, None).unwrap().shape().dims(), &[3]);
        assert_eq!(squeeze(&y, Some(&[-1])).unwrap().shape().dims(), &[1, 3]);
        assert!(squeeze(&y, Some(&[1])).is_err());
        assert_eq!(
            stack(&[x.clone(), x.clone()], -1).unwrap().shape().dims(),
            &[2, 3, 2]
        );
        assert!(stack(&[x, y], 0).is_err());
    }

    #[test]
    fn moveaxis_follows_numpy() {
        let x = zeros(&[2, 3, 4, 5]);
        let dims = |s: &[i64], d: &[i64]| moveaxis(&x, s, d).unwrap().shape().dims().to_vec();
        assert_eq!(dims(&[0], &[-1]), [3, 4, 5, 2]);
        assert_eq!(dims(&[-1], &[0]), [5, 2, 3, 4]);
        assert_eq!(dims(&[0, 1], &[-1, -2]), [4, 5, 3, 2]);
        assert_eq!(dims(&[3, 0], &[0, 3]), [5, 3, 4, 2]);
        assert!(matches!(
            moveaxis(&x, &[4], &[0]),
            Err(IrError::AxisOutOfRange { .. })
        ));
        assert!(moveaxis(&x, &[0, 0], &[1, 2]).is_err());
        assert!(moveaxis(&x, &[0], &[1, 2]).is_err());
    }

    #[test]
    fn dot_shapes_follow_numpy() {
        let d = dot(&zeros(&[2, 3, 4]), &zeros(&[5, 4, 6])).unwrap();
        assert_eq!(d.shape().dims(), &[2, 3, 5, 6]);
        assert_eq!(
            dot(&zeros(&[2, 3]), &zeros(&[3])).unwrap().shape().dims(),
            &[2]
        );
        assert_eq!(dot(&zeros(&[]), &zeros(&[3])).unwrap().shape().dims(), &[3]);
        assert!(dot(&zeros(&[2, 3]), &zeros(&[2, 3])).is_err());
    }

    #[test]
    fn arange_lengths_follow_numpy() {
        let len = |a: Scalar, b: Scalar, s: Scalar| arange(a, b, s).unwrap().shape()[0];
        assert_eq!(len(Scalar::I64(0), Scalar::I64(10), Scalar::I64(3)), 4);
        assert_eq!(len(Scalar::I64(10), Scalar::I64(0), Scalar::I64(-3)), 4);
        // Regression: a negative step dividing the span exactly gave one value too many.
        assert_eq!(len(Scalar::I64(10), Scalar::I64(0), Scalar::I64(-2)), 5);
        assert_eq!(len(Scalar::I64(0), Scalar::I64(10), Scalar::I64(2)), 5);
        assert_eq!(len(Scalar::I64(-3), Scalar::I64(4), Scalar::I64(3)), 3);
        assert_eq!(len(Scalar::I64(4), Scalar::I64(-3), Scalar::I64(-3)), 3);
        assert_eq!(len(Scalar::I64(0), Scalar::I64(-5), Scalar::I64(1)), 0);
        assert_eq!(
            len(Scalar::F64(0.0), Scalar::F64(1.0), Scalar::F64(0.1)),
            10
        );
        assert!(arange(Scalar::I64(0), Scalar::I64(1), Scalar::I64(0)).is_err());
    }
}
