//! Statistics composed from reductions: `var` and `std`, as NumPy computes them
//! (mean, squared deviations, sum, divided by `max(n - ddof, 0)`).

use crate::dtype::DType;
use crate::error::IrError;
use crate::node::Node;
use crate::op::{BinaryOp, Op, ReduceOp, UnaryOp};
use crate::scalar::Scalar;
use crate::shape::normalize_axes;

use super::reduce;

/// NumPy `var(x, axis, ddof=ddof, keepdims=keepdims)`; integer and bool inputs are
/// computed in float64 as NumPy does.
pub fn var(x: &Node, axes: Option<&[i64]>, ddof: f64, keepdims: bool) -> Result<Node, IrError> {
    let x = if x.dtype().is_inexact() {
        x.clone()
    } else {
        Node::apply(Op::Cast(DType::F64), vec![x.clone()])?
    };
    let ndim = x.shape().ndim();
    let reduced = match axes {
        Some(a) => normalize_axes("var", a, ndim)?,
        None => (0..ndim).collect(),
    };
    let count: usize = reduced.iter().map(|&k| x.shape()[k]).product();
    let mean = reduce(ReduceOp::Mean, &x, axes, true)?;
    let centered = Node::apply(Op::Binary(BinaryOp::Sub), vec![x.clone(), mean])?;
    // |x - mean|^2: for complex values the real part of (x - mean) conj(x - mean), as
    // NumPy computes it (a real result).
    let squared = if x.dtype().is_complex() {
        let conj = Node::apply(Op::Unary(UnaryOp::Conj), vec![centered.clone()])?;
        let product = Node::apply(Op::Binary(BinaryOp::Mul), vec![centered, conj])?;
        Node::apply(Op::Unary(UnaryOp::Real), vec![product])?
    } else {
        Node::apply(Op::Binary(BinaryOp::Mul), vec![centered.clone(), centered])?
    };
    let total = reduce(ReduceOp::Sum, &squared, axes, keepdims)?;
    // NumPy divides by max(n - ddof, 0): 0 gives inf or NaN, as in NumPy.
    let divisor = Node::apply(
        Op::Cast(x.dtype().real_part()),
        vec![Node::constant(Scalar::F64((count as f64 - ddof).max(0.0)))],
    )?;
    Node::apply(Op::Binary(BinaryOp::Div), vec![total, divisor])
}

/// NumPy `std`: the square root of [`var`].
pub fn std(x: &Node, axes: Option<&[i64]>, ddof: f64, keepdims: bool) -> Result<Node, IrError> {
    Node::apply(
        Op::Unary(UnaryOp::Sqrt),
        vec![var(x, axes, ddof, keepdims)?],
    )
}
