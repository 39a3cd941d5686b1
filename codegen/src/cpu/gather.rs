//! The `gather` call kernel: x's elements at flat C-order positions. x is read in place
//! when its view is C-contiguous (a temporary, most inputs): no copy of x is made, as
//! the general call path would make.

use lazyfuse_ir::kernel::CallKernel;
use lazyfuse_ir::{with_dtype, Element, IrError, Value};
use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

use super::library::{operand, store_result};
use super::{contiguous_strides, gemm, Memory};
use crate::error::CodegenError;

/// x's element pointer, shared by the threads reading it (reads only).
#[derive(Clone, Copy)]
struct SendPtr<T>(*const T);
// SAFETY: the threads only read x's elements, which nothing writes during the kernel.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}

impl<T: Copy> SendPtr<T> {
    /// The element `at` elements on.
    ///
    /// # Safety
    /// That element must be readable.
    unsafe fn read(&self, at: isize) -> T {
        // SAFETY: forwarded from the caller.
        unsafe { *self.0.offset(at) }
    }
}

/// `Some(result)` when x's view is C-contiguous (the in-place path); `None` otherwise.
pub(super) fn gather(c: &CallKernel, memory: &mut Memory) -> Option<Result<(), CodegenError>> {
    let (x_access, x_ty) = &c.args[0];
    let view = match gemm::view(memory, x_access, x_ty) {
        Ok(v) => v,
        Err(e) => return Some(Err(e)),
    };
    let shape = x_ty.shape.dims();
    let dense = contiguous_strides(shape);
    // Strides of extent-1 axes never move: they need not match.
    let contiguous = (0..shape.len()).all(|k| shape[k] == 1 || view.strides[k] == dense[k]);
    if !contiguous {
        return None;
    }
    let (pos_access, pos_ty) = &c.args[1];
    Some((|| {
        // The positions in place when C-contiguous (the frontend's always are), else a
        // C-ordered copy.
        let pos_view = gemm::view(memory, pos_access, pos_ty)?;
        let pos_dense = contiguous_strides(pos_ty.shape.dims());
        let in_place = (0..pos_ty.shape.ndim())
            .all(|k| pos_ty.shape[k] == 1 || pos_view.strides[k] == pos_dense[k]);
        let copied;
        let positions: &[i64] = if in_place {
            let ptr = memory.pointers().0[pos_view.base] as *const i64;
            // SAFETY: `view` checked the positions' elements lie in their buffer; they
            // are C-contiguous from `offset` and nothing writes them during the kernel.
            unsafe { std::slice::from_raw_parts(ptr.offset(pos_view.offset), pos_ty.shape.numel()) }
        } else {
            copied = operand(memory, pos_access, pos_ty)?;
            copied
                .as_array::<i64>()?
                .as_slice()
                .ok_or_else(|| CodegenError::Internal("gather: positions copy".into()))?
        };
        let size = x_ty.shape.numel();
        let base = memory.pointers().0[view.base];
        fn read<T: Element>(
            base: *const u8,
            offset: isize,
            size: usize,
            positions_slice: &[i64],
            shape: &[usize],
        ) -> Result<Value, CodegenError> {
            let mut out = vec![T::default(); positions_slice.len()];
            let x = SendPtr(base as *const T);
            // Chunks of the output in parallel on the kernel pool (each a disjoint range).
            let chunk =
                (positions_slice.len() / (4 * super::pool().current_num_threads())).max(1 << 14);
            let bad = super::pool().install(|| {
                out.par_chunks_mut(chunk)
                    .zip(positions_slice.par_chunks(chunk))
                    .map(|(dst, src)| {
                        for (d, &p) in dst.iter_mut().zip(src) {
                            match usize::try_from(p).ok().filter(|&p| p < size) {
                                // SAFETY: `view` checked x's elements lie in the buffer;
                                // `at` is one of them (C-contiguous from `offset`).
                                Some(at) => *d = unsafe { x.read(offset + at as isize) },
                                None => return Some(p),
                            }
                        }
                        None
                    })
                    .find_any(|p| p.is_some())
                    .flatten()
            });
            if let Some(p) = bad {
                return Err(IrError::index(format!(
                    "gather: index {p} is out of bounds for size {size}"
                ))
                .into());
            }
            let array = ArrayD::from_shape_vec(IxDyn(shape), out)
                .map_err(|_| CodegenError::Internal("gather: output shape".into()))?;
            Ok(Value::from_array(array))
        }
        let result = with_dtype!(x_ty.dtype, T => read::<T>(base, view.offset, size, positions, pos_ty.shape.dims()))?;
        store_result(memory, c.out, result);
        Ok(())
    })())
}
