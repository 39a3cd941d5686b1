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
    /// A broken invariant of the code generator: a bug, reported with what failed.
    #[error("internal code generation error: {0}")]
    Internal(String),
}

impl From<inkwell::builder::BuilderError> for CodegenError {
    fn from(e: inkwell::builder::BuilderError) -> CodegenError {
        CodegenError::Internal(format!("IR builder: {e}"))
    }
}
