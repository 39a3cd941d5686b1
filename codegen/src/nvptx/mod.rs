//! The GPU backend: loop kernels lowered to PTX by LLVM's NVPTX target (`ptx.rs`) and run
//! on an NVIDIA GPU through the CUDA driver, which cudarc loads at run time (`device.rs`):
//! lazyfuse builds, and runs on the CPU, where there is no CUDA.
//!
//! A plan runs with every buffer in device memory: inputs copied there (C-ordered),
//! temporaries allocated there, outputs copied back. Loop kernels run as compiled GPU
//! kernels, and so do matrix products of one float or integer dtype (as folds:
//! `matmul.rs`); other products and the routines along an axis (scans, sorts, FFTs) run
//! on the host through the reference implementation, their operands copied back and
//! forth.

mod device;
mod matmul;
mod ptx;
mod ptx_cache;
pub mod toolkit;

pub use device::{devices, CudaExecutor, CudaTiming};

/// The loop kernel a matrix product runs as on the GPU (`out` its result's type), where
/// its operands and result share one float or integer dtype.
pub fn matmul_as_loop(
    m: &lazyfuse_ir::kernel::MatMulKernel,
    out: &lazyfuse_ir::TensorType,
) -> Option<LoopKernel> {
    matmul::matmul_loop(m, out)
}

use lazyfuse_ir::kernel::LoopKernel;
use lazyfuse_ir::DType;

use crate::error::CodegenError;

/// The GPU architecture PTX is compiled for when none is named: Ampere (sm_80), which
/// every newer GPU runs (the driver compiles PTX for the device it loads on).
pub const DEFAULT_ARCH: &str = "sm_80";

/// At most this many words (pointers and parameters) travel as a launch's own arguments
/// (CUDA takes 4 KiB of them); a kernel with more reads them from device memory.
const MAX_INLINE_WORDS: usize = 480;

/// Whether a launch's table of `table` pointers and `params` parameters travels as its
/// arguments (else as a copy in device memory).
fn inline_words(table: usize, params: usize) -> bool {
    table + params <= MAX_INLINE_WORDS
}

/// Threads of the block that folds one row together ([`Variant::Blocks`]).
pub const ROW_BLOCK: u32 = 256;

/// How a kernel's work is shared among GPU threads: the compiled variants of one kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// A thread per element (elementwise kernels) or per row: any kernel.
    Threads,
    /// A block of [`ROW_BLOCK`] threads per chunk of a whole-array fold, partials
    /// combined on the host.
    Chunked,
    /// A block of [`ROW_BLOCK`] threads per row, folding it together.
    Blocks,
}

/// The PTX of one loop kernel for architecture `sm` (`sm_80`, `sm_90`, ...), as the GPU
/// backend compiles it (buffers renumbered in order of first use, as for the CPU); needs
/// no GPU. A `Device` error where the kernel has no such variant.
pub fn kernel_ptx(
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
    sm: &str,
    variant: Variant,
) -> Result<String, CodegenError> {
    let (canonical, order) = crate::runtime::keys::canonical_buffers(kernel);
    let dtypes: Vec<DType> = order.iter().map(|&b| buffer_dtypes[b]).collect();
    canonical_ptx(&canonical, &dtypes, sm, variant)
}

/// [`kernel_ptx`] of a kernel whose buffers are already numbered canonically.
pub(crate) fn canonical_ptx(
    canonical: &LoopKernel,
    dtypes: &[DType],
    sm: &str,
    variant: Variant,
) -> Result<String, CodegenError> {
    let none = |what: &str| Err(CodegenError::Device(format!("this kernel {what}")));
    match variant {
        Variant::Threads => ptx::kernel_ptx(canonical, dtypes, sm, ptx::Mode::Threads),
        Variant::Chunked => match chunk_outputs(canonical) {
            Some(outputs) => ptx::kernel_ptx(
                canonical,
                dtypes,
                sm,
                ptx::Mode::Chunked(&outputs, ROW_BLOCK),
            ),
            None => none("is not a whole-array fold that runs in chunks"),
        },
        Variant::Blocks if crate::llvm::kernel::cooperative(canonical) => {
            ptx::kernel_ptx(canonical, dtypes, sm, ptx::Mode::Blocks(ROW_BLOCK))
        }
        Variant::Blocks => none("has no rows that a block of threads folds together"),
    }
}

/// The folds of a whole-array fold whose chunks' partials combine (the CPU backend's
/// rule, whatever the kernel's sizes).
fn chunk_folds(kernel: &LoopKernel) -> Option<crate::runtime::folds::Folds> {
    // The CPU's test also asks for a long axis; the structure is what matters here.
    let mut long = kernel.clone();
    long.outer.iter_mut().for_each(|d| *d = 1);
    if let Some(first) = long.inner.first_mut() {
        *first = usize::MAX / 4;
    }
    crate::runtime::folds::chunkable_folds(&long)
}

/// The buffers (kernel numbering) of a whole-array fold's results, if the kernel is one
/// whose chunks' partials combine ([`chunk_folds`]).
fn chunk_outputs(kernel: &LoopKernel) -> Option<Vec<usize>> {
    use lazyfuse_ir::kernel::Phase;
    chunk_folds(kernel)?;
    let Some(Phase::Outer { stores, .. }) = kernel.phases.last() else {
        return None;
    };
    Some(stores.iter().map(|s| s.buffer.0 as usize).collect())
}
