//! Kernels run by library routines rather than compiled loops: matrix products (BLAS,
//! else the reference implementation on gathered operands) and running folds (scans).

use lazyfuse_ir::kernel::{AxisKernel, IndexMap, MatMulKernel};
use lazyfuse_ir::{evaluate_op, Op, ReduceOp, Value};

use super::{gemm, Memory};
use crate::error::CodegenError;

/// An operand of a matmul kernel, gathered into a C-ordered copy through the
/// same bounds-checked strided view as the GEMM path.
pub(super) fn operand(
    memory: &mut Memory,
    access: &(lazyfuse_ir::kernel::BufferId, IndexMap),
    ty: &lazyfuse_ir::TensorType,
) -> Result<Value, CodegenError> {
    let v = gemm::view(memory, access, ty)?;
    let pointers = memory.pointers();
    // SAFETY: `view` checked the whole range against the buffer.
    Ok(unsafe {
        Value::gather(
            pointers.0[v.base],
            ty.dtype,
            v.offset,
            &v.strides,
            ty.shape.dims(),
        )
    })
}

/// Stores a library routine's result as the output's storage root: a shared root is
/// only ever seen through pointers as C-contiguous elements of this dtype and count.
pub(super) fn store_result(memory: &mut Memory, out: lazyfuse_ir::kernel::BufferId, value: Value) {
    let root = memory.root[out.0 as usize];
    memory.values[root] = Some(value);
}

/// A matrix product: float operands of the result's dtype go to a blocked, threaded
/// GEMM reading the operands in place (any strides, transposes included); other dtype
/// mixes use the reference matmul on gathered copies.
pub(super) fn matmul(
    m: &MatMulKernel,
    memory: &mut Memory,
    threads: usize,
) -> Result<(), CodegenError> {
    if let Some(result) = gemm::float_matmul(m, memory, threads) {
        return result;
    }
    let a = operand(memory, &m.a, &m.a_ty)?;
    let b = operand(memory, &m.b, &m.b_ty)?;
    let product = evaluate_op(&Op::MatMul, &[a, b])?;
    store_result(memory, m.out, product);
    Ok(())
}

/// A running fold along an axis (`cumsum`, `cumprod`, `cummax`, `cummin`): the operand
/// gathered in C order and cast to the result dtype, then each row i of the axis folds
/// row i - 1's results with its elements, the lanes after the axis contiguous (so the
/// step vectorises when the axis is not the last). Each element's order of operations
/// is NumPy's `ufunc.accumulate`'s, so results are its bits: sums and products wrap for
/// integers and round at every step for floats (float16 included), and the extremes
/// keep a NaN and take the element of equal values (NumPy's x86 loops). Complex values
/// take the reference interpreter's path, and so do sorts (a stable sort of each lane,
/// NaN last).
pub(super) fn axis(c: &AxisKernel, memory: &mut Memory) -> Result<(), CodegenError> {
    let (op, axis) = match c.op {
        Op::Scan { op, axis } => (op, axis),
        Op::Sort { .. } => {
            // The reference's stable sort of each lane (NaN last).
            let x = operand(memory, &c.x, &c.x_ty)?;
            store_result(memory, c.out, evaluate_op(&c.op, &[x])?);
            return Ok(());
        }
        _ => {
            return Err(CodegenError::Internal(format!(
                "no library routine for {}",
                c.op
            )))
        }
    };
    let out_dtype = memory.values[memory.root[c.out.0 as usize]]
        .as_ref()
        .map(|v| v.dtype())
        .ok_or_else(|| CodegenError::Internal("scan output has no storage".into()))?;
    let x = operand(memory, &c.x, &c.x_ty)?.cast(out_dtype);
    let result = if out_dtype.is_complex() {
        evaluate_op(&c.op, &[x])?
    } else {
        let dims = c.x_ty.shape.dims();
        let (n, lanes) = (dims[axis], dims[axis + 1..].iter().product::<usize>());
        lazyfuse_ir::with_dtype!(out_dtype, T => {
            let mut data = x.into_array::<T>()?;
            let flat = data
                .as_slice_mut()
                .ok_or_else(|| CodegenError::Internal("scan operand not contiguous".into()))?;
            let fold = <T as ScanElement>::fold(op)
                .ok_or_else(|| CodegenError::Internal(format!("scan {op:?} of {out_dtype}")))?;
            if n > 1 && lanes > 0 {
                for block in flat.chunks_exact_mut(n * lanes) {
                    for i in 1..n {
                        let (done, rest) = block.split_at_mut(i * lanes);
                        let previous = &done[(i - 1) * lanes..];
                        for (x, &p) in rest[..lanes].iter_mut().zip(previous) {
                            *x = fold(p, *x);
                        }
                    }
                }
            }
            Value::from_array(data)
        })
    };
    store_result(memory, c.out, result);
    Ok(())
}

/// The fold of one step of a scan, per element type: NumPy's binary loop for the op.
trait ScanElement: Copy {
    fn fold(op: ReduceOp) -> Option<fn(Self, Self) -> Self>;
}

macro_rules! int_scan {
    ($($t:ty),*) => {$(
        impl ScanElement for $t {
            fn fold(op: ReduceOp) -> Option<fn($t, $t) -> $t> {
                Some(match op {
                    ReduceOp::Sum => <$t>::wrapping_add,
                    ReduceOp::Prod => <$t>::wrapping_mul,
                    ReduceOp::Max => |a: $t, b: $t| a.max(b),
                    ReduceOp::Min => |a: $t, b: $t| a.min(b),
                    _ => return None,
                })
            }
        }
    )*};
}
int_scan!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_scan {
    ($($t:ty),*) => {$(
        impl ScanElement for $t {
            fn fold(op: ReduceOp) -> Option<fn($t, $t) -> $t> {
                // NumPy's x86 loops: a NaN accumulator stays, a NaN element is taken,
                // and of equal values the element (maximum(0.0, -0.0) is -0.0).
                Some(match op {
                    ReduceOp::Sum => |a: $t, b: $t| a + b,
                    ReduceOp::Prod => |a: $t, b: $t| a * b,
                    ReduceOp::Max => |a: $t, b: $t| if !a.is_nan() && (b >= a || b.is_nan()) { b } else { a },
                    ReduceOp::Min => |a: $t, b: $t| if !a.is_nan() && (b <= a || b.is_nan()) { b } else { a },
                    _ => return None,
                })
            }
        }
    )*};
}
float_scan!(f32, f64, lazyfuse_ir::half::f16);

impl ScanElement for bool {
    fn fold(op: ReduceOp) -> Option<fn(bool, bool) -> bool> {
        Some(match op {
            ReduceOp::Max => |a, b| a | b,
            ReduceOp::Min => |a, b| a & b,
            _ => return None,
        })
    }
}

impl ScanElement for lazyfuse_ir::num_complex::Complex32 {
    fn fold(_: ReduceOp) -> Option<fn(Self, Self) -> Self> {
        None // (complex scans take the interpreter's path)
    }
}

impl ScanElement for lazyfuse_ir::num_complex::Complex64 {
    fn fold(_: ReduceOp) -> Option<fn(Self, Self) -> Self> {
        None
    }
}
