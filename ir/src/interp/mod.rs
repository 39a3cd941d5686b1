//! The reference interpreter: evaluates any Program on ndarray, op by op.
//!
//! It is the oracle every compiled path is tested against, so it is written for
//! clarity, not speed: each op is computed in the dtype its type rule names, with the
//! scalar semantics of `scalar.rs`.

pub mod complex;
mod decompose;
mod eigen;
mod elementwise;
mod fft;
mod linalg;
mod orthogonal;
mod reduce;
pub(crate) mod scalar;

use ndarray::{ArrayD, IxDyn, Slice};

use crate::error::IrError;
use crate::op::{Op, SliceAxis};
use crate::program::Program;
use crate::scalar::Scalar;
use crate::shape::TensorType;
use crate::value::{Element, Value};
use crate::with_value;

/// Evaluates `program` on `inputs` (one value per input slot, of the slot's type).
///
/// Returns one value per output. Intermediate values are dropped as soon as their last
/// user has run.
pub fn interpret(program: &Program, inputs: &[Value]) -> Result<Vec<Value>, IrError> {
    check_bindings(program, inputs)?;
    let mut remaining = program.use_counts();
    let mut values: Vec<Option<Value>> = vec![None; program.len()];
    for id in program.ids() {
        let instr = program.instr(id);
        let value = {
            let args: Vec<&Value> = instr
                .args
                .iter()
                .map(|a| {
                    values[a.index()]
                        .as_ref()
                        .ok_or_else(|| internal("operand freed too early"))
                })
                .collect::<Result<_, _>>()?;
            eval_op(&instr.op, &args, &instr.ty, inputs)?
        };
        debug_assert_eq!(value.ty(), instr.ty, "{} produced the wrong type", instr.op);
        values[id.index()] = Some(value);
        for a in &instr.args {
            remaining[a.index()] -= 1;
            if remaining[a.index()] == 0 {
                values[a.index()] = None;
            }
        }
    }
    program
        .outputs()
        .iter()
        .map(|o| {
            values[o.index()]
                .clone()
                .ok_or_else(|| internal("output missing"))
        })
        .collect()
}

/// Evaluates one op on concrete operand values (constant folding uses this, so folded
/// results are exactly what the interpreter computes). `Input` is not an op here.
pub fn evaluate_op(op: &Op, args: &[Value]) -> Result<Value, IrError> {
    if let Op::Input(_) = op {
        return Err(IrError::invalid(
            "input",
            "inputs have no value of their own",
        ));
    }
    let types: Vec<TensorType> = args.iter().map(|a| a.ty()).collect();
    let ty = op.infer(&types.iter().collect::<Vec<_>>())?;
    let refs: Vec<&Value> = args.iter().collect();
    eval_op(op, &refs, &ty, &[])
}

fn check_bindings(program: &Program, inputs: &[Value]) -> Result<(), IrError> {
    if inputs.len() != program.inputs().len() {
        return Err(IrError::Binding {
            message: format!(
                "the program has {} input(s), {} given",
                program.inputs().len(),
                inputs.len()
            ),
        });
    }
    for (slot, (ty, value)) in program.inputs().iter().zip(inputs).enumerate() {
        if value.ty() != *ty {
            return Err(IrError::Binding {
                message: format!("slot {slot} expects {ty}, got {}", value.ty()),
            });
        }
    }
    Ok(())
}

pub(crate) fn internal(what: &str) -> IrError {
    IrError::internal(format!("interpret: {what}"))
}

fn eval_op(op: &Op, args: &[&Value], ty: &TensorType, inputs: &[Value]) -> Result<Value, IrError> {
    Ok(match op {
        Op::Input(slot) => inputs[*slot].clone(),
        Op::Const(v) => Value::from_scalar(*v),
        Op::Arange { start, step, len } => arange(*start, *step, *len),
        Op::Unary(u) => elementwise::unary(*u, args[0], ty),
        Op::Binary(b) => elementwise::binary(*b, args[0], args[1], ty)?,
        Op::Where => elementwise::select(args[0], args[1], args[2], ty)?,
        Op::Cast(to) => args[0].cast(*to),
        Op::Reshape(shape) => with_value!(args[0], a => {
            let data: Vec<_> = a.iter().copied().collect();
            Value::from_array(ArrayD::from_shape_vec(IxDyn(shape), data).map_err(|_| internal("reshape"))?)
        }),
        Op::Transpose(perm) => {
            with_value!(args[0], a => Value::from(a.clone().permuted_axes(IxDyn(perm))))
        }
        Op::BroadcastTo(shape) => with_value!(args[0], a => {
            let view = a.broadcast(IxDyn(shape)).ok_or_else(|| internal("broadcast_to"))?;
            Value::from_array(view.to_owned())
        }),
        Op::Slice(axes) => with_value!(args[0], a => {
            let mut view = a.clone();
            view.slice_each_axis_inplace(|ax| to_ndarray_slice(axes[ax.axis.index()]));
            Value::from(view)
        }),
        Op::Reduce { op, axes, .. } => reduce::reduce(*op, axes, args[0], ty)?,
        Op::MatMul => linalg::matmul(args[0], args[1], ty)?,
        Op::Concat { axis } => concat(*axis, args, ty)?,
        Op::Gather => gather(args[0], args[1])?,
        Op::Scan { op, axis } => scan(*op, *axis, args[0], ty)?,
        Op::Sort { axis, arg } => reduce::sort(*axis, *arg, args[0]),
        Op::Fft { axis, kind, scale } => fft::fft(*axis, *kind, *scale, args[0], ty)?,
        Op::Linalg(l) => decompose::linalg(*l, args[0], ty)?,
        Op::SearchSorted { right } => reduce::searchsorted(*right, args[0], args[1]),
    })
}

/// A running fold along `axis` as NumPy's `ufunc.accumulate` computes it: the operand
/// cast to the result dtype, then element i of each lane is the binary op of element
/// i - 1's result and x's element i (the op's own scalar semantics: wrapping integers,
/// float16 rounded at every step, NaN-propagating extremes).
fn scan(op: crate::ReduceOp, axis: usize, x: &Value, ty: &TensorType) -> Result<Value, IrError> {
    use crate::{BinaryOp, ReduceOp};
    let binary = match op {
        ReduceOp::Sum => BinaryOp::Add,
        ReduceOp::Prod => BinaryOp::Mul,
        ReduceOp::Max => BinaryOp::Maximum,
        ReduceOp::Min => BinaryOp::Minimum,
        _ => return Err(internal("scan of an arg-reduction")),
    };
    let x = x.cast(ty.dtype);
    let mut lane_shape = ty.shape.dims().to_vec();
    let n = lane_shape.remove(axis);
    let lane_ty = TensorType::new(ty.dtype, lane_shape);
    let mut parts: Vec<Value> = Vec::with_capacity(n);
    for i in 0..n {
        let xi = with_value!(&x, a => Value::from_array(a.index_axis(ndarray::Axis(axis), i).to_owned()));
        let next = match parts.last() {
            None => xi,
            Some(previous)
                if matches!(op, ReduceOp::Max | ReduceOp::Min) && !ty.dtype.is_complex() =>
            {
                extreme_step(op, previous, &xi, &lane_ty)?
            }
            Some(previous) => elementwise::binary(binary, previous, &xi, &lane_ty)?,
        };
        parts.push(next);
    }
    if n == 0 {
        return Ok(x);
    }
    crate::with_dtype!(ty.dtype, T => {
        let views: Vec<_> = parts
            .iter()
            .map(|p| p.as_array::<T>().map(|a| a.view()))
            .collect::<Result<_, _>>()?;
        let stacked = ndarray::stack(ndarray::Axis(axis), &views).map_err(|_| internal("scan"))?;
        Ok(Value::from_array(stacked))
    })
}

/// One step of a running maximum or minimum as NumPy's x86 loops take it: a NaN
/// accumulator stays, a NaN element is taken, and of equal values the element (so
/// `maximum.accumulate([0.0, -0.0])` ends in -0.0, as NumPy's does).
fn extreme_step(
    op: crate::ReduceOp,
    acc: &Value,
    x: &Value,
    ty: &TensorType,
) -> Result<Value, IrError> {
    use crate::{BinaryOp, DType, UnaryOp};
    let bools = TensorType::new(DType::Bool, ty.shape.clone());
    let order = if op == crate::ReduceOp::Max {
        BinaryOp::Ge
    } else {
        BinaryOp::Le
    };
    let take_x = elementwise::binary(order, x, acc, &bools)?;
    let x_nan = elementwise::unary(UnaryOp::IsNan, x, &bools);
    let take_x = elementwise::binary(BinaryOp::LogicalOr, &take_x, &x_nan, &bools)?;
    let step = elementwise::select(&take_x, x, acc, ty)?;
    let acc_nan = elementwise::unary(UnaryOp::IsNan, acc, &bools);
    elementwise::select(&acc_nan, acc, &step, ty)
}

/// The elements of `x` at flat C-order `positions` (an error for one out of range).
fn gather(x: &Value, positions: &Value) -> Result<Value, IrError> {
    let positions = positions.as_array::<i64>()?;
    with_value!(x, a => {
        let flat: Vec<_> = a.iter().copied().collect();
        let mut out = Vec::with_capacity(positions.len());
        for &p in positions.iter() {
            let v = usize::try_from(p).ok().and_then(|p| flat.get(p)).ok_or_else(|| {
                IrError::index(format!(
                    "gather: index {p} is out of bounds for size {}",
                    flat.len()
                ))
            })?;
            out.push(*v);
        }
        Ok(Value::from_array(
            ArrayD::from_shape_vec(IxDyn(positions.shape()), out).map_err(|_| internal("gather"))?,
        ))
    })
}

/// Our normalised slice as ndarray's (which slices `start..end`, then steps from the end
/// when the step is negative).
fn to_ndarray_slice(s: SliceAxis) -> Slice {
    if s.len == 0 {
        return Slice::new(0, Some(0), 1);
    }
    let last = s.start as isize + s.step as isize * (s.len as isize - 1);
    if s.step > 0 {
        Slice::new(s.start as isize, Some(last + 1), s.step as isize)
    } else {
        Slice::new(last, Some(s.start as isize + 1), s.step as isize)
    }
}

fn arange(start: Scalar, step: Scalar, len: usize) -> Value {
    fn fill<T: Element>(len: usize, f: impl Fn(usize) -> T) -> Value {
        Value::from_array(ArrayD::from_shape_fn(IxDyn(&[len]), |i| f(i[0])))
    }
    match (start, step) {
        (Scalar::F32(s), Scalar::F32(d)) => fill(len, |i| s + d * i as f32),
        (Scalar::F64(s), Scalar::F64(d)) => fill(len, |i| s + d * i as f64),
        // start + step * i with each op rounded to half, as the compiled ramp does.
        (Scalar::F16(s), Scalar::F16(d)) => fill(len, |i| {
            let step = half::f16::from_f32(d.to_f32() * half::f16::from_f32(i as f32).to_f32());
            half::f16::from_f32(s.to_f32() + step.to_f32())
        }),
        (Scalar::Bool(s), Scalar::Bool(d)) => fill(len, |i| if i == 0 { s } else { s || d }),
        // Integers: start + i * step, wrapping in the dtype (computed in i128, which
        // holds every product of a 64-bit value and an index; wrapping modulo 2^64
        // first and then to the dtype's width is wrapping modulo the width).
        (s, d) => {
            let (s0, d0) = (s.as_i64() as i128, d.as_i64() as i128);
            let dtype = s.dtype();
            crate::with_dtype!(dtype, T => fill(len, |i| {
                let v = s0.wrapping_add(d0.wrapping_mul(i as i128)) as i64;
                T::from_scalar(Scalar::I64(v).cast(dtype))
            }))
        }
    }
}

fn concat(axis: usize, args: &[&Value], ty: &TensorType) -> Result<Value, IrError> {
    let cast: Vec<Value> = args.iter().map(|a| a.cast(ty.dtype)).collect();
    fn join<T: Element>(axis: usize, values: &[Value]) -> Result<Value, IrError> {
        let views: Vec<_> = values
            .iter()
            .map(|v| v.as_array::<T>().map(|a| a.view()))
            .collect::<Result<_, _>>()?;
        let joined =
            ndarray::concatenate(ndarray::Axis(axis), &views).map_err(|_| internal("concat"))?;
        Ok(Value::from_array(joined))
    }
    crate::with_dtype!(ty.dtype, T => join::<T>(axis, &cast))
}
