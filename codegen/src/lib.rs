//! lazyfuse's code generator: kernel plans → LLVM IR → CPU JIT or NVPTX; runtime
//! buffers, the kernel cache and ahead-of-time export. LLVM (inkwell) and cudarc are
//! used only inside this crate.
//!
//! So far: LLVM 19 target set-up ([`host`], [`nvptx`]) and the CPU backend
//! ([`CpuExecutor`]): loop kernels of a `KernelPlan` compiled by LLVM's JIT for the host
//! CPU, shape-generic (sizes and strides are run-time parameters) and cached, run on
//! several threads; transcendental functions emitted as vectorisable LLVM IR (no libm
//! call); float matmul through OpenBLAS where operands have a unit stride
//! (`matrixmultiply` otherwise); whole-array reductions in chunks combined pairwise in a
//! fixed order; ahead-of-time export as C libraries ([`export_plan`],
//! [`export_dynamic`]); the GPU backend ([`nvptx::CudaExecutor`]): the same loop kernels lowered to
//! PTX and run through cudarc, loaded at run time. Both are [`Executor`]s.
#![warn(missing_docs)]

mod block_cache;
mod cpu;
mod error;
mod executor;
mod export;
mod llvm;
pub mod nvptx;
mod runtime;
mod target;

pub use block_cache::BlockCache;
pub use cpu::{
    blas_in_use, vector_math_stats, CacheStats, CpuExecutor, DiskCache, Frame, FrameInput,
    FrameOutput, InputView, PreparedPlan,
};
pub use error::CodegenError;
pub use executor::{executor, Executor, TargetKind};
pub use export::{
    check_offsets, export_dynamic, export_plan, grid_offsets, ExportOptions, ExportTarget,
    Exported, PlanInstance, SizeSymbol, SlotSource, MAX_SIZES,
};
pub use runtime::storage::storage_roots;
pub use target::{host, llvm_version, nvptx, TargetError, TargetInfo};
