//! The ir crate's one error type: every invalid construction is one of these kinds.

use crate::dtype::DType;
use crate::shape::Shape;

/// An invalid construction, a parse failure or a wrong input binding.
///
/// Messages name the operation and the shapes or dtypes involved, so the frontend can
/// show them to users as they are.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IrError {
    /// Operand shapes cannot be broadcast or combined.
    #[error("{op}: operands could not be broadcast together with shapes {lhs} {rhs}")]
    ShapeMismatch {
        /// The operation.
        op: &'static str,
        /// The first shape.
        lhs: Shape,
        /// The second shape.
        rhs: Shape,
    },
    /// The contracted (core) dimensions of a matrix product differ; the message is
    /// NumPy's for the operation.
    #[error("{op}: {message}")]
    CoreDimension {
        /// The operation (`matmul`, `dot`).
        op: &'static str,
        /// NumPy's message, with both shapes.
        message: String,
    },
    /// An axis is outside `-ndim..ndim`.
    #[error("{op}: axis {axis} is out of bounds for array of dimension {ndim}")]
    AxisOutOfRange {
        /// The operation.
        op: &'static str,
        /// The axis as given.
        axis: i64,
        /// The number of dimensions it indexes.
        ndim: usize,
    },
    /// A reshape whose target has another number of elements, or an invalid `-1`.
    #[error("reshape: cannot reshape array of shape {from} (size {size}) into shape {to}")]
    InvalidReshape {
        /// The source shape.
        from: Shape,
        /// Its number of elements.
        size: usize,
        /// The requested shape, as given (may hold -1).
        to: String,
    },
    /// A linear-algebra routine failed on its values (a singular matrix, one not
    /// positive definite, no convergence): NumPy's LinAlgError.
    #[error("{op}: {message}")]
    LinAlg {
        /// The operation.
        op: &'static str,
        /// NumPy's message ("Singular matrix", ...).
        message: String,
    },
    /// The operation has no meaning for these dtypes.
    #[error("{op}: not supported for dtype {}{}", display_dtypes(.dtypes), if .hint.is_empty() { String::new() } else { format!(" ({})", .hint) })]
    UnsupportedDType {
        /// The operation.
        op: &'static str,
        /// The operand dtypes.
        dtypes: Vec<DType>,
        /// Why, or what to do instead; may be empty.
        hint: String,
    },
    /// A scalar that does not fit the dtype it must take.
    #[error("{op}: Python integer {value} out of bounds for {}", dtype.numpy_name())]
    Overflow {
        /// The operation.
        op: &'static str,
        /// The value, as written.
        value: String,
        /// The dtype it would take.
        dtype: DType,
    },
    /// Any other invalid argument (bad permutation, empty list, zero step ...).
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The operation.
        op: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The textual IR could not be parsed.
    #[error("parse error at line {line}: {message}")]
    Parse {
        /// 1-based line number (0 when not tied to a line).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A value bound to an input slot does not have the slot's type, or a count is off.
    #[error("input binding: {message}")]
    Binding {
        /// What is wrong.
        message: String,
    },
    /// An index out of bounds, too many indices, or an index of a type that is not one.
    #[error("{message}")]
    Index {
        /// NumPy's message.
        message: String,
    },
    /// A broken invariant (a planner or interpreter bug), never the user's input.
    #[error("internal error: {message}")]
    Internal {
        /// What broke, with the program or plan involved.
        message: String,
    },
}

impl IrError {
    pub(crate) fn invalid(op: &'static str, message: impl Into<String>) -> IrError {
        IrError::InvalidArgument {
            op,
            message: message.into(),
        }
    }

    /// An IndexError with NumPy's message.
    pub fn index(message: impl Into<String>) -> IrError {
        IrError::Index {
            message: message.into(),
        }
    }

    /// A broken invariant: a bug, reported with what failed.
    pub fn internal(message: impl Into<String>) -> IrError {
        IrError::Internal {
            message: message.into(),
        }
    }

    pub(crate) fn parse(line: usize, message: impl Into<String>) -> IrError {
        IrError::Parse {
            line,
            message: message.into(),
        }
    }

    pub(crate) fn dtype(op: &'static str, dtypes: &[DType], hint: impl Into<String>) -> IrError {
        IrError::UnsupportedDType {
            op,
            dtypes: dtypes.to_vec(),
            hint: hint.into(),
        }
    }
}

fn display_dtypes(dtypes: &[DType]) -> String {
    let names: Vec<&str> = dtypes.iter().map(|d| d.numpy_name()).collect();
    names.join(", ")
}
