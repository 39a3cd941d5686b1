//! lazyfuse's optimizer: Program → egg e-graph → rewrites under budgets → cost-model
//! extraction → fusion planning into `ir::kernel::KernelPlan`s.
//!
//! This crate is laid out by the foundation issue; its passes arrive with the optimizer
//! issue. Until then the frontend evaluates Programs as they were built.
#![warn(missing_docs)]
