//! The `gather` call kernel: x's elements at flat C-order positions. x is read in place
//! when its view is C-contiguous (a temporary, most inputs): no copy of x is made, as
//! the general call path would make.

use lazyfuse_ir::kernel::CallKernel;
use lazyfuse_ir::{with_dtype, Element, IrError, Value};
use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

use super::{contiguous_strides, gemm, operand, store_result, Memory};
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
        let positions = operand(memory, pos_access, pos_ty)?;
        let positions = positions.as_array::<i64>()?;
        let size = x_ty.shape.numel();
        let base = memory.pointers().0[view.base];
        fn read<T: Element>(
            base: *const u8,
            offset: isize,
            size: usize,
            positions: &ndarray::ArcArray<i64, IxDyn>,
        ) -> Result<Value, CodegenError> {
            let flat: Vec<i64>;
            let positions_slice = match positions.as_slice() {
                Some(s) => s,
                None => {
                    flat = positions.iter().copied().collect();
                    &flat
                }
            };
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
            let array = ArrayD::from_shape_vec(IxDyn(positions.shape()), out)
                .map_err(|_| CodegenError::Internal("gather: output shape".into()))?;
            Ok(Value::from_array(array))
        }
        let result = with_dtype!(x_ty.dtype, T => read::<T>(base, view.offset, size, positions))?;
        store_result(memory, c.out, result);
        Ok(())
    })())
}
