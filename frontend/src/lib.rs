//! lazyfuse's Rust API: lazy [`Array`] handles that build an expression graph, and
//! evaluation of that graph on a [`Backend`].
//!
//! ```
//! use lazyfuse_frontend::{Array, DType};
//! use ndarray::array;
//!
//! let x = Array::from(array![[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]);
//! // A row softmax: nothing is computed until `to_ndarray`.
//! let e = (&x - x.max_axes(&[1], true)).exp();
//! let softmax = &e / e.sum_axes(&[1], true);
//! assert_eq!(softmax.dtype()?, DType::F64);
//! let rows = softmax.to_ndarray::<f64>()?.sum_axis(ndarray::Axis(1));
//! assert!(rows.iter().all(|s| (s - 1.0).abs() < 1e-12));
//! # Ok::<(), lazyfuse_frontend::Error>(())
//! ```
#![warn(missing_docs)]

mod array;
mod autodiff;
mod batching;
mod elementwise;
mod error;
mod eval;
mod export;
mod functions;
#[cfg(feature = "python")]
mod python;
mod structural;
mod warnings;

pub use array::Array;
pub use autodiff::{
    grad, hessian, jacfwd, jacrev, jvp, jvp_custom, value_and_grad, vjp, vjp_custom, Custom,
    CustomRuleFn,
};
pub use batching::vmap;
pub use elementwise::binary_fns::*;
pub use elementwise::unary_fns::*;
pub use elementwise::{Operand, WeakScalar};
pub use error::{Error, ErrorKind, Result};
pub use eval::{cuda_ptx, eval, eval_into, eval_with, explain, program, Backend};
pub use export::{
    export, export_instances, export_traced, export_with, plan_instances, plan_traced,
    size_symbols, ExportOptions, ExportTarget, Exported,
};
pub use functions::*;
pub use lazyfuse_ir::{DType, Element, Program, Scalar, Value};
pub use lazyfuse_optimizer::{Explanation, FloatMode, FusionOptions, Options as OptimizerOptions};
pub use structural::{concatenate, stack, SliceSpec};
pub use warnings::{take_warnings, Warning};

/// NumPy `where(cond, a, b)`.
pub fn where_(cond: &Array, a: impl Into<Operand>, b: impl Into<Operand>) -> Array {
    Array::select(cond, a, b)
}
