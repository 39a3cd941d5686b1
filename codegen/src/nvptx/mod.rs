//! The GPU backend: loop kernels lowered to PTX by LLVM's NVPTX target (`ptx.rs`) and run
//! on an NVIDIA GPU through the CUDA driver, which cudarc loads at run time (`device.rs`):
//! lazyfuse builds, and runs on the CPU, where there is no CUDA.
//!
//! A plan runs with every buffer in device memory: inputs copied there (C-ordered),
//! temporaries allocated there, outputs copied back. Loop kernels run as compiled GPU
//! kernels; matrix products and the routines along an axis (scans, sorts, FFTs) run on
//! the host through the reference implementation, their operands copied back and forth.

mod device;
mod ptx;
pub mod toolkit;

pub use device::{devices, CudaExecutor, CudaTiming};

use lazyfuse_ir::kernel::LoopKernel;
use lazyfuse_ir::DType;

use crate::error::CodegenError;

/// The GPU architecture PTX is compiled for when none is named: Ampere (sm_80), which
/// every newer GPU runs (the driver compiles PTX for the device it loads on).
pub const DEFAULT_ARCH: &str = "sm_80";

/// The PTX of one loop kernel for architecture `sm` (`sm_80`, `sm_90`, ...), as the GPU
/// backend compiles it (buffers renumbered in order of first use, as for the CPU); needs
/// no GPU. `chunked` gives the variant that runs a long whole-array fold in chunks.
pub fn kernel_ptx(
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
    sm: &str,
    chunked: bool,
) -> Result<String, CodegenError> {
    let (canonical, order) = crate::cpu::shared::canonical_buffers(kernel);
    let dtypes: Vec<DType> = order.iter().map(|&b| buffer_dtypes[b]).collect();
    let outputs = chunked.then(|| chunk_outputs(&canonical)).flatten();
    if chunked && outputs.is_none() {
        return Err(CodegenError::Device(
            "this kernel is not a whole-array fold that runs in chunks".into(),
        ));
    }
    ptx::kernel_ptx(&canonical, &dtypes, sm, outputs.as_deref())
}

/// The buffers (kernel numbering) of a whole-array fold's results, if the kernel is one
/// whose chunks' partials combine (the CPU backend's rule, whatever its sizes).
fn chunk_outputs(kernel: &LoopKernel) -> Option<Vec<usize>> {
    use lazyfuse_ir::kernel::Phase;
    // The CPU's test also asks for a long axis; the structure is what matters here.
    let mut long = kernel.clone();
    long.outer.iter_mut().for_each(|d| *d = 1);
    if let Some(first) = long.inner.first_mut() {
        *first = usize::MAX / 4;
    }
    crate::cpu::shared::chunkable_folds(&long)?;
    let Some(Phase::Outer { stores, .. }) = kernel.phases.last() else {
        return None;
    };
    Some(stores.iter().map(|s| s.buffer.0 as usize).collect())
}
