//! lazyfuse's intermediate representation.
//!
//! * [`DType`], [`Scalar`] and NumPy 2 promotion ([`promote`], [`promote_weak`]);
//! * [`Shape`], [`TensorType`] and broadcasting;
//! * [`Op`]: every operation, its type rule ([`Op::infer`]) and its text form;
//! * [`Node`]: the shared expression DAG that array calls build;
//! * [`Program`]: a typed petgraph DAG over input slots, with a canonical hash, a text
//!   printer and parser that round-trip, and DOT export;
//! * [`interpret`]: the reference interpreter, the oracle of the project;
//! * [`kernel`]: `KernelPlan`, a program cut into fused loop kernels, and its interpreter;
//! * [`compose`]: NumPy functions expressed with the primitive ops (`expand_dims`,
//!   `squeeze`, `stack`, `dot`, `full`, reshape with `-1`).
//!
//! ```
//! use lazyfuse_ir::{interpret, BinaryOp, Node, Op, Program, UnaryOp, Value};
//! use ndarray::array;
//!
//! let x = Node::data(Value::from_array(array![[1.0, 2.0], [3.0, 4.0]].into_dyn()));
//! let y = Node::apply(Op::Binary(BinaryOp::Mul), vec![x.clone(), x])?;
//! let z = Node::apply(Op::Unary(UnaryOp::Sqrt), vec![y])?;
//! let (program, leaves) = Program::from_outputs(&[z])?;
//! assert_eq!(program.to_string().parse::<Program>()?, program);
//! let inputs: Vec<Value> = leaves
//!     .into_iter()
//!     .map(|l| l.into_value().expect("data leaves"))
//!     .collect();
//! let out = interpret(&program, &inputs)?;
//! assert_eq!(out[0].clone().into_array::<f64>()?, array![[1.0, 2.0], [3.0, 4.0]].into_dyn());
//! # Ok::<(), lazyfuse_ir::IrError>(())
//! ```
#![warn(missing_docs)]

pub mod autodiff;
pub mod batching;
pub mod compose;
mod dot;
mod dtype;
mod error;
mod external;
pub mod idhash;
mod infer;
pub mod interp;
pub mod kernel;
mod node;
mod op;
pub mod philox;
mod program;
mod scalar;
mod shape;
mod text;
mod value;

pub use dot::DotCluster;
pub use dtype::{is_signed_with_u64, promote, promote_weak, DType, WeakKind};
pub use error::IrError;
pub use external::{BufferCell, External, SnapshotError};
/// The `f16` type of float16 data (re-exported so callers name the same type).
pub use half;
pub use infer::{accumulator_dtype, binary_dtype, reduce_dtype, unary_dtype};
pub use interp::{evaluate_op, interpret};
pub use node::{Leaf, Node};
pub use num_complex;
pub use op::{BinaryOp, FftKind, FftScale, LinalgOp, Op, ReduceOp, SliceAxis, UnaryOp, SCAN_NAMES};
pub use program::{
    post_order, shared_intermediates, shared_intermediates_in, Instr, NodeId, Program,
    ProgramBuilder, ProgramHash,
};
pub use scalar::{int_range, Scalar};
pub use shape::{
    broadcast_shapes, can_broadcast_to, normalize_axes, normalize_axis, Shape, TensorType,
};
pub use text::node_name;
pub use value::{Element, Value};
