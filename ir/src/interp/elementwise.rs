//! Elementwise ops: unary, binary (with broadcasting) and `where`.

use ndarray::{ArcArray, IxDyn, Zip};

use super::internal;
use super::scalar::{bool_binary, compare, float_binary, float_unary, int_binary, int_unary};
use crate::dtype::{promote, DType};
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
    match op {
        IsNan => with_value!(x, a => map(a, |v| v.to_scalar().as_f64().is_nan())),
        IsInf => with_value!(x, a => map(a, |v| v.to_scalar().as_f64().is_infinite())),
        IsFinite => with_value!(x, a => map(a, |v| v.to_scalar().as_f64().is_finite())),
        LogicalNot => with_value!(x, a => map(a, |v| !v.to_scalar().truthy())),
        _ => match x.cast(ty.dtype) {
            Value::F64(a) => map(&a, float_unary::<f64>(op)),
            Value::F32(a) => map(&a, float_unary::<f32>(op)),
            Value::I64(a) => map(&a, int_unary::<i64>(op)),
            Value::I32(a) => map(&a, int_unary::<i32>(op)),
            // Only the rounding functions and abs accept bool; all are the identity.
            Value::Bool(a) => map(&a, |v: bool| v),
        },
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
        Eq | Ne | Lt | Le | Gt | Ge => {
            let common = promote(a.dtype(), b.dtype());
            match (a.cast(common), b.cast(common)) {
                (Value::Bool(x), Value::Bool(y)) => zip2(&x, &y, shape, compare::<bool>(op)),
                (Value::I32(x), Value::I32(y)) => zip2(&x, &y, shape, compare::<i32>(op)),
                (Value::I64(x), Value::I64(y)) => zip2(&x, &y, shape, compare::<i64>(op)),
                (Value::F32(x), Value::F32(y)) => zip2(&x, &y, shape, compare::<f32>(op)),
                (Value::F64(x), Value::F64(y)) => zip2(&x, &y, shape, compare::<f64>(op)),
                _ => Err(internal("comparison operands differ in dtype")),
            }
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
        _ => match (a.cast(ty.dtype), b.cast(ty.dtype)) {
            (Value::F64(x), Value::F64(y)) => zip2(&x, &y, shape, float_binary::<f64>(op)),
            (Value::F32(x), Value::F32(y)) => zip2(&x, &y, shape, float_binary::<f32>(op)),
            (Value::I64(x), Value::I64(y)) => zip2(&x, &y, shape, int_binary::<i64>(op)),
            (Value::I32(x), Value::I32(y)) => zip2(&x, &y, shape, int_binary::<i32>(op)),
            (Value::Bool(x), Value::Bool(y)) => zip2(&x, &y, shape, bool_binary(op)),
            _ => Err(internal("arithmetic operands differ in dtype")),
        },
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
    match ty.dtype {
        DType::Bool => pick::<bool>(&c, &a, &b, shape),
        DType::I32 => pick::<i32>(&c, &a, &b, shape),
        DType::I64 => pick::<i64>(&c, &a, &b, shape),
        DType::F32 => pick::<f32>(&c, &a, &b, shape),
        DType::F64 => pick::<f64>(&c, &a, &b, shape),
    }
}
