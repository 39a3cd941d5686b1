//! Elementwise ops: unary, binary (with broadcasting) and `where`.

use ndarray::{ArcArray, IxDyn, Zip};

use super::internal;
use super::scalar::{compare, Arith};
use crate::dtype::{is_signed_with_u64, promote, DType};
use crate::error::IrError;
use crate::op::{BinaryOp, UnaryOp};
use crate::shape::TensorType;
use crate::value::{Element, Value};
use crate::with_value;

fn map<T: Element, R: Element>(a: &ArcArray<T, IxDyn>, f: impl Fn(T) -> R) -> Value {
    Value::from_array(a.mapv(f))
}

fn zip2<A: Element, B: Element, R: Element>(
    a: &ArcArray<A, IxDyn>,
    b: &ArcArray<B, IxDyn>,
    shape: &[usize],
    f: impl Fn(A, B) -> R,
) -> Result<Value, IrError> {
    let a = a
        .broadcast(IxDyn(shape))
        .ok_or_else(|| internal("broadcast"))?;
    let b = b
        .broadcast(IxDyn(shape))
        .ok_or_else(|| internal("broadcast"))?;
    Ok(Value::from_array(
        Zip::from(&a).and(&b).map_collect(|&x, &y| f(x, y)),
    ))
}

/// A unary op; the operand is first converted to the result's dtype (ints to float for
/// float-valued functions), except for the bool-valued predicates.
pub(super) fn unary(op: UnaryOp, x: &Value, ty: &TensorType) -> Value {
    use UnaryOp::*;
    let parts = |v: crate::Scalar| v.parts();
    match op {
        IsNan => with_value!(x, a => map(a, |v| {
            let (re, im) = parts(v.to_scalar());
            re.is_nan() || im.is_nan()
        })),
        IsInf => with_value!(x, a => map(a, |v| {
            let (re, im) = parts(v.to_scalar());
            re.is_infinite() || im.is_infinite()
        })),
        IsFinite => with_value!(x, a => map(a, |v| {
            let (re, im) = parts(v.to_scalar());
            re.is_finite() && im.is_finite()
        })),
        // Complex to real: a part, or the magnitude.
        Real | Imag | Abs if x.dtype().is_complex() => super::complex::to_real(op, x),
        LogicalNot => with_value!(x, a => map(a, |v| !v.to_scalar().truthy())),
        // The sign bit: of the float, or of a negative integer (NumPy casts to float).
        Signbit => with_value!(x, a => map(a, |v| match v.to_scalar() {
            crate::Scalar::F16(f) => f.is_sign_negative(),
            crate::Scalar::F32(f) => f.is_sign_negative(),
            crate::Scalar::F64(f) => f.is_sign_negative(),
            s => s.as_f64() < 0.0,
        })),
        _ => with_value!(&x.cast(ty.dtype), a => map(a, Arith::unary(op))),
    }
}

/// A binary op with broadcasting. Comparisons compare in the promoted dtype; logical
/// ops look at truthiness; arithmetic computes in the result dtype.
pub(super) fn binary(
    op: BinaryOp,
    a: &Value,
    b: &Value,
    ty: &TensorType,
) -> Result<Value, IrError> {
    use BinaryOp::*;
    let shape = ty.shape.dims();
    match op {
        Eq | Ne | Lt | Le | Gt | Ge if is_signed_with_u64(a.dtype(), b.dtype()) => {
            // Exactly, as NumPy 2 does (not in float64, the promoted type).
            let cmp = compare::<i128>(op);
            let (s, u, swapped) = if a.dtype().is_signed() {
                (a.cast(DType::I64), b, false)
            } else {
                (b.cast(DType::I64), a, true)
            };
            zip2(s.as_array::<i64>()?, u.as_array::<u64>()?, shape, |s, u| {
                let (s, u) = (i128::from(s), i128::from(u));
                if swapped {
                    cmp(u, s)
                } else {
                    cmp(s, u)
                }
            })
        }
        Eq | Ne | Lt | Le | Gt | Ge => {
            let common = promote(a.dtype(), b.dtype());
            let (x, y) = (a.cast(common), b.cast(common));
            with_value!(&x, xa => zip2(xa, y.as_array()?, shape, Arith::compare(op)))
        }
        LogicalAnd | LogicalOr | LogicalXor => {
            let (Value::Bool(x), Value::Bool(y)) = (a.cast(DType::Bool), b.cast(DType::Bool))
            else {
                return Err(internal("cast to bool"));
            };
            let f: fn(bool, bool) -> bool = match op {
                LogicalAnd => |p, q| p && q,
                LogicalOr => |p, q| p || q,
                _ => |p, q| p != q,
            };
            zip2(&x, &y, shape, f)
        }
        _ => {
            let (x, y) = (a.cast(ty.dtype), b.cast(ty.dtype));
            with_value!(&x, xa => zip2(xa, y.as_array()?, shape, Arith::binary(op)))
        }
    }
}

/// `where(cond, a, b)` with three-way broadcasting.
pub(super) fn select(
    cond: &Value,
    a: &Value,
    b: &Value,
    ty: &TensorType,
) -> Result<Value, IrError> {
    let Value::Bool(c) = cond.cast(DType::Bool) else {
        return Err(internal("cast to bool"));
    };
    fn pick<T: Element>(
        c: &ArcArray<bool, IxDyn>,
        a: &Value,
        b: &Value,
        shape: &[usize],
    ) -> Result<Value, IrError> {
        let bad = || internal("broadcast");
        let c = c.broadcast(IxDyn(shape)).ok_or_else(bad)?;
        let a = a.as_array::<T>()?.broadcast(IxDyn(shape)).ok_or_else(bad)?;
        let b = b.as_array::<T>()?.broadcast(IxDyn(shape)).ok_or_else(bad)?;
        Ok(Value::from_array(
            Zip::from(&c)
                .and(&a)
                .and(&b)
                .map_collect(|&c, &x, &y| if c { x } else { y }),
        ))
    }
    let (a, b, shape) = (a.cast(ty.dtype), b.cast(ty.dtype), ty.shape.dims());
    crate::with_dtype!(ty.dtype, T => pick::<T>(&c, &a, &b, shape))
}
