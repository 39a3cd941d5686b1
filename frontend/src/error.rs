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
