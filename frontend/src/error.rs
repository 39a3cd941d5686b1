//! The frontend's error type.

use lazyfuse_ir::{DType, IrError};

/// Everything that can go wrong building or evaluating lazy arrays.
///
/// Errors raised while building an expression are kept in the resulting [`crate::Array`]
/// and reported by the first call that needs a value (`eval`, `shape`, ...), so
/// operator chains such as `(&a + &b) * 2.0` never panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// An invalid construction or program (shapes, axes, dtypes ...).
    #[error(transparent)]
    Ir(#[from] IrError),
    /// A result was requested as a Rust element type it does not have.
    #[error("the result has dtype {found}, not {expected}")]
    DTypeMismatch {
        /// The requested dtype.
        expected: DType,
        /// The result's dtype.
        found: DType,
    },
    /// The optimizer failed (an invalid program, or an internal error it reports).
    #[error(transparent)]
    Optimize(#[from] lazyfuse_optimizer::OptimizeError),
    /// Compiling or running kernels failed.
    #[error(transparent)]
    Codegen(#[from] lazyfuse_codegen::CodegenError),
    /// A traced parameter was evaluated without a value bound to it.
    #[error("parameter {0} has no value: parameters are placeholders for tracing")]
    UnboundParameter(usize),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is. The Python module raises one exception class
/// per kind (`lazyfuse.errors`), each also the builtin class NumPy raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Shapes that do not broadcast or combine, an invalid reshape.
    Shape,
    /// An operation with no meaning for a dtype, or a result read as another dtype.
    DType,
    /// An axis out of range.
    Axis,
    /// A Python/Rust integer that does not fit the dtype it must take.
    Overflow,
    /// An index out of bounds, too many indices, or something that is not an index.
    Index,
    /// Any other invalid argument.
    InvalidArgument,
    /// A linear-algebra routine failed on its values (NumPy's LinAlgError).
    LinAlg,
    /// Program text that does not parse.
    Parse,
    /// Values bound to a program that do not match its inputs, or a missing parameter.
    Binding,
    /// LLVM refused to compile or load a kernel.
    Compile,
    /// The CUDA target cannot run (no driver, no device, a missing toolkit piece, a
    /// kernel the GPU backend does not lower yet).
    Device,
    /// Memory for a result or temporary could not be allocated.
    Memory,
    /// A bug: a broken invariant in the optimizer, planner, interpreter or codegen.
    Internal,
}

impl Error {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        use lazyfuse_codegen::CodegenError;
        use lazyfuse_optimizer::OptimizeError;
        match self {
            Error::Ir(e) | Error::Optimize(OptimizeError::Ir(e) | OptimizeError::Plan(e)) => {
                ir_error_kind(e)
            }
            Error::Codegen(CodegenError::Ir(e)) => ir_error_kind(e),
            Error::DTypeMismatch { .. } => ErrorKind::DType,
            Error::Optimize(OptimizeError::Internal { .. }) => ErrorKind::Internal,
            Error::Codegen(CodegenError::Llvm(_)) => ErrorKind::Compile,
            Error::Codegen(CodegenError::Binding(_)) | Error::UnboundParameter(_) => {
                ErrorKind::Binding
            }
            Error::Codegen(CodegenError::Internal(_)) => ErrorKind::Internal,
            Error::Codegen(CodegenError::Export(_)) => ErrorKind::InvalidArgument,
            Error::Codegen(CodegenError::Device(_) | CodegenError::NoGpuLowering(_)) => {
                ErrorKind::Device
            }
            Error::Codegen(CodegenError::OutOfMemory { .. }) => ErrorKind::Memory,
        }
    }
}

fn ir_error_kind(e: &IrError) -> ErrorKind {
    match e {
        IrError::ShapeMismatch { .. }
        | IrError::CoreDimension { .. }
        | IrError::InvalidReshape { .. } => ErrorKind::Shape,
        IrError::AxisOutOfRange { .. } => ErrorKind::Axis,
        IrError::UnsupportedDType { .. } => ErrorKind::DType,
        IrError::Overflow { .. } => ErrorKind::Overflow,
        IrError::InvalidArgument { .. } => ErrorKind::InvalidArgument,
        IrError::LinAlg { .. } => ErrorKind::LinAlg,
        IrError::Parse { .. } => ErrorKind::Parse,
        IrError::Binding { .. } => ErrorKind::Binding,
        IrError::Index { .. } => ErrorKind::Index,
        IrError::Internal { .. } => ErrorKind::Internal,
    }
}
