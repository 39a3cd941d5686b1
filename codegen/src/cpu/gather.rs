//! The executor's side of gathers fused into loop kernels (`ScalarOp::Gather`): a
//! kernel reads its sources at data-dependent flat positions, so each source must be
//! C-contiguous and readable at element 0, and the kernel reports positions out of
//! bounds through a status word passed after its buffer pointers.

use std::sync::atomic::{AtomicI64, Ordering};

use lazyfuse_ir::kernel::{BufferId, LoopKernel, ScalarOp};
use lazyfuse_ir::{IrError, Value};

use super::{contiguous_strides, Memory, Pointers};
use crate::error::CodegenError;

/// A readable element for sources with none: an out-of-bounds position reads element
/// 0 (and raises the flag), which an empty buffer does not have. 16 bytes fit every
/// dtype, complex128 included.
static EMPTY_SOURCE: [u128; 1] = [0];

/// The buffers a kernel gathers from.
fn sources(kernel: &LoopKernel) -> Vec<BufferId> {
    let mut out: Vec<BufferId> = kernel
        .phases
        .iter()
        .flat_map(|p| p.body_and_stores().0.instrs.iter())
        .filter_map(|i| match i.op {
            ScalarOp::Gather { buffer, .. } => Some(buffer),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Makes every source C-contiguous: a strided or broadcast input (the only buffers
/// that may not be) is copied once, and the plan's later kernels read the copy too.
pub(super) fn contiguous_sources(
    kernel: &LoopKernel,
    memory: &mut Memory,
) -> Result<(), CodegenError> {
    for b in sources(kernel) {
        let b = b.0 as usize;
        let shape = memory.shapes[b].clone();
        let dense = contiguous_strides(&shape);
        let strides = &memory.strides[b];
        // Strides of extent-1 axes never move: they need not match.
        let contiguous = (0..shape.len()).all(|k| shape[k] == 1 || strides[k] == dense[k]);
        if contiguous || shape.contains(&0) {
            continue;
        }
        let input = memory.inputs[b];
        if input.is_null() {
            return Err(CodegenError::Internal(format!(
                "gather source %{b} is a strided temporary"
            )));
        }
        let dtype = memory.dtype(b);
        // SAFETY: an input view's elements are readable for the run (InputView).
        let copy = unsafe { Value::gather(input, dtype, 0, strides, &shape) };
        memory.values[b] = Some(copy);
        memory.inputs[b] = std::ptr::null();
        memory.strides[b] = dense;
    }
    Ok(())
}

/// The status word a gathering kernel sets when a position is out of bounds.
#[derive(Default)]
pub(super) struct Status(AtomicI64);

impl Status {
    /// Appends the status word's address to a launch's pointers (after the buffers, as
    /// the kernel reads it) and points empty sources at a readable dummy element.
    pub(super) fn bind(
        &self,
        kernel: &LoopKernel,
        order: &[usize],
        memory: &Memory,
        pointers: &mut Pointers,
    ) {
        for b in sources(kernel) {
            let b = b.0 as usize;
            if memory.shapes[b].contains(&0) {
                if let Some(slot) = order.iter().position(|&o| o == b) {
                    pointers.0[slot] = EMPTY_SOURCE.as_ptr() as *mut u8;
                }
            }
        }
        pointers.0.push(self.0.as_ptr().cast::<u8>());
    }

    /// An IndexError if a position was out of bounds.
    pub(super) fn check(&self, kernel: &LoopKernel, memory: &Memory) -> Result<(), CodegenError> {
        if self.0.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        let sizes: Vec<String> = sources(kernel)
            .iter()
            .map(|b| {
                memory.shapes[b.0 as usize]
                    .iter()
                    .product::<usize>()
                    .to_string()
            })
            .collect();
        Err(IrError::index(format!(
            "gather: an index is out of bounds for size {}",
            sizes.join(" or ")
        ))
        .into())
    }
}
