//! lazyfuse's code generator: kernel plans → LLVM IR → CPU JIT or NVPTX; runtime
//! buffers, the kernel cache and ahead-of-time export.
//!
//! This crate is laid out by the foundation issue; its backends arrive with the CPU
//! codegen issue. LLVM (inkwell) and cudarc are used only inside this crate.
#![warn(missing_docs)]
