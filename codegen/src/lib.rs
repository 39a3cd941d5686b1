//! lazyfuse's code generator: kernel plans → LLVM IR → CPU JIT or NVPTX; runtime
//! buffers, the kernel cache and ahead-of-time export. LLVM (inkwell) and cudarc are
//! used only inside this crate.
//!
//! So far: LLVM 19 target set-up ([`host`], [`nvptx`]), which the CPU and GPU backends
//! build on. The backends themselves arrive with the CPU codegen issue.
#![warn(missing_docs)]

mod target;

pub use target::{host, llvm_version, nvptx, TargetError, TargetInfo};
