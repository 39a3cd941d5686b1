//! Batching (`vmap`): a graph written for one example, rewritten for a batch.
//!
//! [`vmap`] takes output nodes computed from per-example placeholder nodes and the
//! batched values to put in their place (the mapped axis first), and rebuilds every node
//! that depends on a placeholder with a leading batch axis; nodes that do not depend on
//! one are shared unchanged. Each op's batching rule is one arm of an exhaustive match
//! ([`batch_node`]). The walk is iterative and visits each node once.

use std::collections::HashMap;

use crate::error::IrError;
use crate::node::Node;
use crate::op::{BinaryOp, Op, SliceAxis};
use crate::scalar::Scalar;
use crate::shape::Shape;

/// `outputs` rebuilt with each placeholder `substitutions[i].0` replaced by the batched
/// value `substitutions[i].1` (the placeholder's shape with a leading axis of `size`):
/// every output gets a leading batch axis of `size` (an output that depends on no
/// placeholder is broadcast).
pub fn vmap(
    outputs: &[Node],
    substitutions: &[(Node, Node)],
    size: usize,
) -> Result<Vec<Node>, IrError> {
    let mut batched: HashMap<usize, Node> = HashMap::new();
    for (placeholder, value) in substitutions {
        let want: Vec<usize> = std::iter::once(size)
            .chain(placeholder.shape().iter().copied())
            .collect();
        if value.shape().dims() != want.as_slice() || value.dtype() != placeholder.dtype() {
            return Err(IrError::invalid(
                "vmap",
                format!(
                    "a batched value of {} {} for an example of {} {} and batch size {size}",
                    value.dtype().numpy_name(),
                    value.shape(),
                    placeholder.dtype().numpy_name(),
                    placeholder.shape()
                ),
            ));
        }
        batched.insert(placeholder.identity(), value.clone());
    }
    // Post-order over the graph, not entering placeholders.
    let mut order: Vec<Node> = Vec::new();
    let mut seen: HashMap<usize, bool> = HashMap::new();
    let mut stack: Vec<(Node, bool)> = outputs.iter().map(|o| (o.clone(), false)).collect();
    while let Some((node, expanded)) = stack.pop() {
        let id = node.identity();
        if expanded {
            order.push(node);
            continue;
        }
        if seen.insert(id, true).is_some() {
            continue;
        }
        stack.push((node.clone(), true));
        if !batched.contains_key(&id) {
            for a in node.args() {
                if !seen.contains_key(&a.identity()) {
                    stack.push((a, false));
                }
            }
        }
    }
    for node in &order {
        if batched.contains_key(&node.identity()) {
            continue;
        }
        let args = node.args();
        if !args.iter().any(|a| batched.contains_key(&a.identity())) {
            continue; // does not depend on a placeholder: shared as it is
        }
        let Some(op) = node.op() else { continue };
        let operands: Vec<(Node, bool)> = args
            .iter()
            .map(|a| match batched.get(&a.identity()) {
                Some(b) => (b.clone(), true),
                None => (a.clone(), false),
            })
            .collect();
        let out = batch_node(op, &operands, node, size)?;
        batched.insert(node.identity(), out);
    }
    outputs
        .iter()
        .map(|o| match batched.get(&o.identity()) {
            Some(b) => Ok(b.clone()),
            None => {
                let mut dims = vec![size];
                dims.extend(o.shape().iter().copied());
                Node::apply(Op::BroadcastTo(Shape(dims)), vec![o.clone()])
            }
        })
        .collect()
}

/// `y = op(operands)` for a batch: operands flagged true carry a leading batch axis of
/// `size`, the others are the same for every example; `y` is the per-example node.
fn batch_node(op: &Op, operands: &[(Node, bool)], y: &Node, size: usize) -> Result<Node, IrError> {
    let apply = |op: Op, args: Vec<Node>| Node::apply(op, args);
    let first = &operands[0].0;
    Ok(match op {
        Op::Input(_) | Op::Const(_) | Op::Arange { .. } => {
            return Err(IrError::internal("vmap: a source with operands"))
        }
        Op::Unary(_) | Op::Cast(_) => apply(op.clone(), vec![first.clone()])?,
        Op::Binary(_) | Op::Where => {
            // Batched operands get unit axes after the batch axis up to the example
            // result's rank, so broadcasting aligns their example axes; the others
            // broadcast over the batch axis as they are.
            let rank = y.shape().ndim();
            let args = operands
                .iter()
                .map(|(n, b)| if *b { lift(n, rank) } else { Ok(n.clone()) })
                .collect::<Result<Vec<_>, _>>()?;
            apply(op.clone(), args)?
        }
        Op::Reshape(shape) => apply(Op::Reshape(prepend(size, shape)), vec![first.clone()])?,
        Op::Transpose(perm) => {
            let perm = std::iter::once(0)
                .chain(perm.iter().map(|p| p + 1))
                .collect();
            apply(Op::Transpose(perm), vec![first.clone()])?
        }
        Op::BroadcastTo(shape) => apply(
            Op::BroadcastTo(prepend(size, shape)),
            vec![lift(first, shape.ndim())?],
        )?,
        Op::Slice(axes) => {
            let axes = std::iter::once(SliceAxis::full(size))
                .chain(axes.iter().cloned())
                .collect();
            apply(Op::Slice(axes), vec![first.clone()])?
        }
        Op::Reduce { op, axes, keepdims } => apply(
            Op::Reduce {
                op: *op,
                axes: axes.iter().map(|a| a + 1).collect(),
                keepdims: *keepdims,
            },
            vec![first.clone()],
        )?,
        Op::Scan { op, axis } => apply(
            Op::Scan {
                op: *op,
                axis: axis + 1,
            },
            vec![first.clone()],
        )?,
        Op::Sort { axis, arg } => apply(
            Op::Sort {
                axis: axis + 1,
                arg: *arg,
            },
            vec![first.clone()],
        )?,
        Op::Fft { axis, kind, scale } => apply(
            Op::Fft {
                axis: axis + 1,
                kind: *kind,
                scale: *scale,
            },
            vec![first.clone()],
        )?,
        // Searches of one sorted array: the values' batch axis is one more axis; a
        // batched sorted array is the same searched per example, row by row, by
        // offsetting each example's values past the others' (below).
        Op::SearchSorted { right } => searchsorted(*right, operands, size)?,
        // Routines on the trailing two axes: the batch axis is one more leading axis.
        Op::Linalg(l) => apply(Op::Linalg(*l), vec![first.clone()])?,
        Op::MatMul => matmul(operands, y, size)?,
        Op::Concat { axis } => {
            let args = operands
                .iter()
                .map(|(n, b)| {
                    if *b {
                        Ok(n.clone())
                    } else {
                        broadcast_batch(n, size)
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            apply(Op::Concat { axis: axis + 1 }, args)?
        }
        Op::Gather => {
            // Each example's positions index its own source: the sources flattened
            // into one, the positions offset by the example's start.
            let (x, b_x) = &operands[0];
            let (p, b_p) = &operands[1];
            let x = if *b_x {
                x.clone()
            } else {
                broadcast_batch(x, size)?
            };
            let p = if *b_p {
                p.clone()
            } else {
                broadcast_batch(p, size)?
            };
            let n = operands[0].0.shape().numel() / if *b_x { size.max(1) } else { 1 };
            let flat = apply(Op::Reshape(Shape(vec![size * n])), vec![x])?;
            let starts = Node::apply(
                Op::Arange {
                    start: Scalar::I64(0),
                    step: Scalar::I64(n as i64),
                    len: size,
                },
                vec![],
            )?;
            let starts = lift(&starts, p.shape().ndim() - 1)?;
            let global = apply(Op::Binary(BinaryOp::Add), vec![p, starts])?;
            apply(Op::Gather, vec![flat, global])?
        }
    })
}

/// NumPy matmul per example: 1-d operands promoted to matrices, example batch axes
/// aligned behind the batch axis, the promoted unit axes removed from the result.
fn matmul(operands: &[(Node, bool)], y: &Node, size: usize) -> Result<Node, IrError> {
    let (a, b_a) = &operands[0];
    let (b, b_b) = &operands[1];
    let example_rank = |n: &Node, batched: bool| n.shape().ndim() - usize::from(batched);
    let (ra, rb) = (example_rank(a, *b_a), example_rank(b, *b_b));
    // Promote 1-d examples: a (k) -> (1, k), b (k) -> (k, 1).
    let promote = |n: &Node, batched: bool, rank: usize, is_a: bool| -> Result<Node, IrError> {
        if rank != 1 {
            return Ok(n.clone());
        }
        let mut dims = n.shape().dims().to_vec();
        let at = if is_a { dims.len() - 1 } else { dims.len() };
        dims.insert(at, 1);
        let _ = batched;
        Node::apply(Op::Reshape(Shape(dims)), vec![n.clone()])
    };
    let a2 = promote(a, *b_a, ra, true)?;
    let b2 = promote(b, *b_b, rb, false)?;
    let rank = ra.max(rb).max(2);
    let a2 = if *b_a { lift(&a2, rank)? } else { a2 };
    let b2 = if *b_b { lift(&b2, rank)? } else { b2 };
    let product = Node::apply(Op::MatMul, vec![a2, b2])?;
    Node::apply(Op::Reshape(prepend(size, y.shape())), vec![product])
}

/// A batched node `[B, s...]` with unit axes inserted after the batch axis to reach
/// `rank` example axes.
fn lift(n: &Node, rank: usize) -> Result<Node, IrError> {
    let example = &n.shape().dims()[1..];
    if example.len() >= rank {
        return Ok(n.clone());
    }
    let mut dims = vec![n.shape()[0]];
    dims.extend(std::iter::repeat_n(1, rank - example.len()));
    dims.extend_from_slice(example);
    Node::apply(Op::Reshape(Shape(dims)), vec![n.clone()])
}

/// An example-independent node broadcast over the batch.
fn broadcast_batch(n: &Node, size: usize) -> Result<Node, IrError> {
    Node::apply(Op::BroadcastTo(prepend(size, n.shape())), vec![n.clone()])
}

fn prepend(size: usize, shape: &Shape) -> Shape {
    Shape(std::iter::once(size).chain(shape.iter().copied()).collect())
}

#[cfg(test)]
#[path = "batching_tests.rs"]
mod tests;

/// A batched `searchsorted`: with one sorted array for every example, the values'
/// batch axis is one more axis of values; with a sorted array per example, each example
/// searched in its own row, the results stacked.
fn searchsorted(right: bool, operands: &[(Node, bool)], size: usize) -> Result<Node, IrError> {
    let op = Op::SearchSorted { right };
    let (a, a_batched) = &operands[0];
    let (v, v_batched) = &operands[1];
    if !a_batched {
        return Node::apply(op, vec![a.clone(), v.clone()]);
    }
    let example = |x: &Node, i: usize| {
        let dims = x.shape().dims().to_vec();
        let mut axes: Vec<SliceAxis> = dims.iter().map(|&d| SliceAxis::full(d)).collect();
        axes[0] = SliceAxis {
            start: i,
            step: 1,
            len: 1,
        };
        let row = Node::apply(Op::Slice(axes), vec![x.clone()])?;
        Node::apply(Op::Reshape(Shape(dims[1..].to_vec())), vec![row])
    };
    let rows = (0..size)
        .map(|i| {
            let v_i = if *v_batched {
                example(v, i)?
            } else {
                v.clone()
            };
            let found = Node::apply(op.clone(), vec![example(a, i)?, v_i])?;
            let mut dims = vec![1];
            dims.extend_from_slice(found.shape().dims());
            Node::apply(Op::Reshape(Shape(dims)), vec![found])
        })
        .collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        let mut dims = vec![0];
        dims.extend_from_slice(&v.shape().dims()[usize::from(*v_batched)..]);
        return crate::compose::full(&dims, Scalar::I64(0));
    }
    Node::apply(Op::Concat { axis: 0 }, rows)
}
