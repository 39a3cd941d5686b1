//! Rewrite rules, one file per family. Each rule is named after the identity it
//! implements, states it in a comment, and declares its tier.
//!
//! Rules are Rust functions from an e-node to replacement candidates ([`Build`]s).
//! Guards read the analysis (types, known uniform values), never syntax alone. Every
//! candidate is type-checked before it is added: one whose type differs from the
//! matched class's (a broadcast that changes the shape, an int that becomes a float) is
//! dropped, so no rule can change a program's types.

mod arithmetic;
mod distribution;
mod layout;
mod linalg;
mod reductions;
mod strength;
mod transcendental;

use egg::Id;
use lazyfuse_ir::{BinaryOp, Op, Scalar, Shape, TensorType, UnaryOp};

use crate::analysis::{node_type, LfEGraph};
use crate::lang::ENode;

/// How much a rule may change results (the design's float semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Bitwise-identical results.
    Strict,
    /// Identities of real arithmetic: results within rounding tolerance wherever the
    /// original does not overflow; never NaN or inf turned into a finite value by
    /// anything but an overflow of the original.
    Algebraic,
}

/// A rewrite rule.
pub struct Rule {
    /// Named after the identity, e.g. `mul-one`.
    pub name: &'static str,
    /// Its family (the file it lives in).
    pub family: &'static str,
    /// Its tier.
    pub tier: Tier,
    /// Whether the identity holds for complex values too; if not, the rule is never
    /// applied to an e-node whose value or operands are complex.
    pub complex: bool,
    /// Candidates equal to the matched e-node's class.
    pub apply: fn(&LfEGraph, &ENode) -> Vec<Build>,
}

/// A replacement expression: existing e-classes and new ops over them.
#[derive(Clone, Debug, PartialEq)]
pub enum Build {
    /// An existing e-class.
    Class(Id),
    /// A new e-node over built operands.
    Node(Op, Vec<Build>),
}

impl Build {
    /// The type this expression would have, or `None` if an op rejects its operands.
    pub fn ty(&self, egraph: &LfEGraph) -> Option<TensorType> {
        match self {
            Build::Class(id) => Some(egraph[*id].data.ty.clone()),
            Build::Node(op, args) => {
                let types = args
                    .iter()
                    .map(|a| a.ty(egraph))
                    .collect::<Option<Vec<_>>>()?;
                op.infer(&types.iter().collect::<Vec<_>>()).ok()
            }
        }
    }

    /// Adds the expression's e-nodes; returns its class. Call only after [`Build::ty`].
    pub fn add(&self, egraph: &mut LfEGraph) -> Id {
        match self {
            Build::Class(id) => egraph.find(*id),
            Build::Node(op, args) => {
                let children = args.iter().map(|a| a.add(egraph)).collect();
                let node = ENode::new(op.clone(), children);
                debug_assert!(node_type(egraph, &node).is_some());
                egraph.add(node)
            }
        }
    }
}

/// Every rule of every family, in a fixed order.
pub fn all_rules() -> Vec<Rule> {
    let mut rules = Vec::new();
    rules.extend(arithmetic::rules());
    rules.extend(strength::rules());
    rules.extend(transcendental::rules());
    rules.extend(distribution::rules());
    rules.extend(reductions::rules());
    rules.extend(layout::rules());
    rules.extend(linalg::rules());
    rules
}

// Helpers for rule writers.

pub(crate) fn class(id: Id) -> Build {
    Build::Class(id)
}

pub(crate) fn unary(op: UnaryOp, x: Build) -> Build {
    Build::Node(Op::Unary(op), vec![x])
}

pub(crate) fn binary(op: BinaryOp, a: Build, b: Build) -> Build {
    Build::Node(Op::Binary(op), vec![a, b])
}

pub(crate) fn constant(value: Scalar) -> Build {
    Build::Node(Op::Const(value), vec![])
}

/// The constant `value` (converted to `like`'s dtype) with `like`'s shape.
/// `value` + 0.0 where `dtype` is a float or complex type: for a rewrite of an
/// expression that is never -0.0 (a float sum starts from +0.0; log(1) is +0.0) into
/// one that may be (a product, log1p(-0.0)). The sum turns -0.0 into +0.0 and leaves
/// every other value as it is.
pub(crate) fn plus_zero(value: Build, dtype: lazyfuse_ir::DType) -> Build {
    if !dtype.is_inexact() {
        return value;
    }
    let scalar = TensorType::new(dtype, Shape::scalar());
    binary(BinaryOp::Add, value, constant_like(0.0, &scalar))
}

pub(crate) fn constant_like(value: f64, like: &TensorType) -> Build {
    let c = constant(Scalar::F64(value).cast(like.dtype));
    if like.shape.ndim() == 0 {
        c
    } else {
        Build::Node(Op::BroadcastTo(like.shape.clone()), vec![c])
    }
}

pub(crate) fn ty(egraph: &LfEGraph, id: Id) -> &TensorType {
    &egraph[id].data.ty
}

pub(crate) fn shape(egraph: &LfEGraph, id: Id) -> &Shape {
    &egraph[id].data.ty.shape
}

/// The value every element of the class equals, if known.
pub(crate) fn uniform(egraph: &LfEGraph, id: Id) -> Option<Scalar> {
    egraph[id].data.uniform
}

/// Whether the class is uniformly `value` with its sign: `-0.0` and `0.0` differ (an
/// integer or bool zero is `+0.0`).
pub(crate) fn is_exactly(egraph: &LfEGraph, id: Id, value: f64) -> bool {
    match uniform(egraph, id) {
        // By bits: `false` is +0.0, not -0.0 (x + false is not x for x = -0.0).
        Some(Scalar::Bool(b)) => (b as u8 as f64).to_bits() == value.to_bits(),
        Some(s) => {
            let (re, im) = s.parts();
            re.to_bits() == value.to_bits() && im.to_bits() == 0
        }
        None => false,
    }
}

/// Whether every element of the class is known to equal `value` numerically
/// (bool counts as 0 or 1; -0.0 equals 0.0).
pub(crate) fn is_value(egraph: &LfEGraph, id: Id, value: f64) -> bool {
    match uniform(egraph, id) {
        Some(Scalar::Bool(b)) => b as u8 as f64 == value,
        Some(s) => s.parts() == (value, 0.0),
        None => false,
    }
}

/// The operand classes of the class's e-nodes applying `op`.
pub(crate) fn operands_of<'a>(
    egraph: &'a LfEGraph,
    id: Id,
    op: Op,
) -> impl Iterator<Item = &'a [Id]> + 'a {
    egraph[id]
        .nodes
        .iter()
        .filter(move |n| n.op == op)
        .map(|n| n.children.as_slice())
}
