//! lazyfuse: a lazy array expression compiler.
//!
//! This crate re-exports the Rust API of `lazyfuse-frontend`; see [`Array`]. The
//! intermediate representation is available as [`ir`].
#![warn(missing_docs)]

pub use lazyfuse_frontend::*;

/// The intermediate representation (dtypes, ops, Programs, the reference interpreter).
pub use lazyfuse_ir as ir;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
