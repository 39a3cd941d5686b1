//! The code generator's error type.

use lazyfuse_ir::IrError;

/// Errors of compilation and execution.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodegenError {
    /// LLVM refused something (target set-up, pass pipeline, JIT).
    #[error("LLVM: {0}")]
    Llvm(String),
    /// Input values do not match the plan's input slots.
    #[error("input binding: {0}")]
    Binding(String),
    /// An invalid plan or program.
    #[error(transparent)]
    Ir(#[from] IrError),
    /// An allocation for a result or temporary failed.
    #[error("unable to allocate {} for an array", human_bytes(*bytes))]
    OutOfMemory {
        /// The size asked for.
        bytes: usize,
    },
    /// A function that cannot be exported as asked (a name that is not a C identifier,
    /// an unknown target CPU, no C compiler, something exports do not support yet).
    #[error("{0}")]
    Export(String),
    /// The CUDA target cannot run: no driver, no device, a missing toolkit piece, a
    /// driver call that failed, or a kernel the GPU backend does not lower yet.
    #[error("cuda: {0}")]
    Device(String),
    /// A kernel calls a function the GPU has no implementation of (C's complex
    /// functions, which CUDA's libdevice lacks): the CUDA executor runs such a plan on
    /// the CPU instead.
    #[error("cuda: no GPU implementation of {0}")]
    NoGpuLowering(String),
    /// A broken invariant of the code generator: a bug, reported with what failed.
    #[error("internal code generation error: {0}")]
    Internal(String),
}

impl From<inkwell::builder::BuilderError> for CodegenError {
    fn from(e: inkwell::builder::BuilderError) -> CodegenError {
        CodegenError::Internal(format!("IR builder: {e}"))
    }
}

/// `8.00 TiB`, as NumPy's MemoryError says sizes.
fn human_bytes(bytes: usize) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", units[unit])
}
