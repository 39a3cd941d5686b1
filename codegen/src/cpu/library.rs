//! Kernels run by library routines rather than compiled loops: matrix products (BLAS,
//! else the reference implementation on gathered operands); the routines along one
//! axis (scans, sorts) are in `lanes.rs`.

use lazyfuse_ir::kernel::{IndexMap, MatMulKernel};
use lazyfuse_ir::{evaluate_op, Op, Value};

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
