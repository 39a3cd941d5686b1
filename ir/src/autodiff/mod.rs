//! Reverse-mode differentiation (VJP) over expression graphs.
//!
//! [`vjp`] walks the graph of some output nodes back to the nodes differentiated
//! against, building the cotangent of every node on the way as more graph: the
//! gradient is a lazy array like any other, so a program computing a value and its
//! gradient is one program, optimised and fused as a whole (a term the forward and the
//! backward pass share, such as `exp(x)` in a softmax, is computed once).
//!
//! Each op's derivative lives in [`rules`], an exhaustive match over the ops: a new op
//! does not compile without its rule. The walk is iterative (no recursion a deep graph
//! could overflow) and linear in the graph's size.
//!
//! Semantics are JAX's: integer and bool values carry no gradient (comparisons, floor,
//! sign, argmax have zero derivative); `maximum`/`minimum` and the max/min reductions
//! split the gradient evenly between ties; `abs` has derivative `sign(x)` (0 at 0).
//! Complex values follow JAX's convention (see `rules::complex_to_real`): the gradient
//! of a real function of z = a + ib is df/da - i df/db, and a holomorphic function's
//! derivative is f'(z).

mod rules;

use std::collections::{HashMap, HashSet};

use crate::compose;
use crate::error::IrError;
use crate::node::Node;
use crate::op::{BinaryOp, Op};
use crate::scalar::Scalar;

/// The note ([`Node::set_note`]) that makes a node a constant for differentiation
/// (`stop_gradient`): no cotangent flows through it.
pub const STOP_GRADIENT: &str = "stop_gradient";

/// The cotangents of `wrt` given those of `outputs` (`cotangents[i]` has the shape of
/// `outputs[i]`): the vector-Jacobian product, as nodes. Nodes in `wrt` are treated as
/// leaves (what they are computed from is not differentiated); a node in `wrt` the
/// outputs do not depend on gets zeros. Errors: a gather whose positions depend on `wrt`.
pub fn vjp(outputs: &[Node], cotangents: &[Node], wrt: &[Node]) -> Result<Vec<Node>, IrError> {
    vjp_with(outputs, cotangents, wrt, &CustomRules::new())
}

/// A derivative a user gives for a node (`custom_vjp`): the node stands for a function
/// of `inputs`, and `rule(g)` gives the inputs' cotangents for the node's cotangent `g`
/// (None: no gradient). The walk does not enter the node's own graph.
pub struct CustomRule<'a> {
    /// What the node is a function of.
    pub inputs: Vec<Node>,
    /// The inputs' cotangents for the node's.
    #[allow(clippy::type_complexity)]
    pub rule: Box<dyn Fn(&Node) -> Result<Vec<Option<Node>>, IrError> + 'a>,
}

/// Custom rules by node identity ([`Node::identity`]).
pub type CustomRules<'a> = HashMap<usize, CustomRule<'a>>;

/// [`vjp`] with user-given derivatives for some nodes.
pub fn vjp_with(
    outputs: &[Node],
    cotangents: &[Node],
    wrt: &[Node],
    custom: &CustomRules<'_>,
) -> Result<Vec<Node>, IrError> {
    if outputs.len() != cotangents.len() {
        return Err(IrError::invalid(
            "vjp",
            format!(
                "{} outputs but {} cotangents",
                outputs.len(),
                cotangents.len()
            ),
        ));
    }
    let roots: HashSet<usize> = wrt.iter().map(Node::identity).collect();
    // A node's operands for differentiation: a custom rule's inputs, else its args.
    let operands = |node: &Node| match custom.get(&node.identity()) {
        Some(c) => c.inputs.clone(),
        None => node.args(),
    };
    let order = post_order(outputs, &roots, &operands);
    // Which nodes depend on a differentiated node: only those carry cotangents.
    let mut depends: HashSet<usize> = HashSet::new();
    for node in &order {
        if roots.contains(&node.identity())
            || (node.note() != Some(STOP_GRADIENT)
                && operands(node)
                    .iter()
                    .any(|a| depends.contains(&a.identity())))
        {
            depends.insert(node.identity());
        }
    }
    let mut cotangent: HashMap<usize, Node> = HashMap::new();
    for (output, ct) in outputs.iter().zip(cotangents) {
        if ct.shape() != output.shape() {
            return Err(IrError::invalid(
                "vjp",
                format!(
                    "a cotangent of shape {} for an output of shape {}",
                    ct.shape(),
                    output.shape()
                ),
            ));
        }
        if depends.contains(&output.identity()) && output.dtype().is_inexact() {
            let ct = rules::cast(ct, output.dtype())?;
            accumulate(&mut cotangent, output, ct)?;
        }
    }
    for node in order.iter().rev() {
        let id = node.identity();
        if roots.contains(&id) || node.note() == Some(STOP_GRADIENT) {
            continue;
        }
        let Some(g) = cotangent.remove(&id) else {
            continue;
        };
        if let Some(c) = custom.get(&id) {
            let grads = (c.rule)(&g)?;
            if grads.len() != c.inputs.len() {
                return Err(IrError::invalid(
                    "custom_vjp",
                    format!(
                        "the backward rule gave {} cotangents for {} inputs",
                        grads.len(),
                        c.inputs.len()
                    ),
                ));
            }
            for (input, grad) in c.inputs.iter().zip(grads) {
                let Some(grad) = grad else { continue };
                if depends.contains(&input.identity()) && input.dtype().is_inexact() {
                    if grad.shape() != input.shape() {
                        return Err(IrError::invalid(
                            "custom_vjp",
                            format!(
                                "the backward rule gave a cotangent of shape {} for an input of shape {}",
                                grad.shape(),
                                input.shape()
                            ),
                        ));
                    }
                    let grad = rules::cast(&grad, input.dtype())?;
                    accumulate(&mut cotangent, input, grad)?;
                }
            }
            continue;
        }
        let Some(op) = node.op() else { continue };
        let args = node.args();
        let grads = rules::vjp_rule(op, &args, node, &g)?;
        for (arg, grad) in args.iter().zip(grads) {
            let Some(grad) = grad else { continue };
            if depends.contains(&arg.identity()) && arg.dtype().is_inexact() {
                let grad = rules::fit(&grad, arg)?;
                accumulate(&mut cotangent, arg, grad)?;
            }
        }
    }
    wrt.iter()
        .map(|w| match cotangent.remove(&w.identity()) {
            Some(g) => Ok(g),
            None => compose::full(w.shape().dims(), Scalar::I64(0).cast(w.dtype())),
        })
        .collect()
}

/// The tangents of `outputs` given those of `wrt` (`tangents[i]` has the shape of
/// `wrt[i]`): the Jacobian-vector product, as nodes, by transposing the VJP. For
/// placeholder cotangents `u` (zeros: distinct nodes, folded away later), `vjp` gives
/// `J^T u`, linear in `u`; its own VJP with respect to `u` for the cotangents
/// `tangents` is `J t`. Every op's forward derivative so follows from its reverse rule
/// (whose operations are all differentiable), and both stay in one place.
pub fn jvp(outputs: &[Node], wrt: &[Node], tangents: &[Node]) -> Result<Vec<Node>, IrError> {
    jvp_with(outputs, wrt, tangents, &CustomRules::new())
}

/// [`jvp`] with user-given reverse derivatives for some nodes (their forward
/// derivatives follow by the same transposition).
pub fn jvp_with(
    outputs: &[Node],
    wrt: &[Node],
    tangents: &[Node],
    custom: &CustomRules<'_>,
) -> Result<Vec<Node>, IrError> {
    if wrt.len() != tangents.len() {
        return Err(IrError::invalid(
            "jvp",
            format!("{} primals but {} tangents", wrt.len(), tangents.len()),
        ));
    }
    for (w, t) in wrt.iter().zip(tangents) {
        if w.shape() != t.shape() {
            return Err(IrError::invalid(
                "jvp",
                format!(
                    "a tangent of shape {} for a primal of shape {}",
                    t.shape(),
                    w.shape()
                ),
            ));
        }
    }
    let placeholders = outputs
        .iter()
        .map(|o| compose::full(o.shape().dims(), Scalar::I64(0).cast(o.dtype())))
        .collect::<Result<Vec<_>, _>>()?;
    let transposed = vjp_with(outputs, &placeholders, wrt, custom)?;
    let tangents = tangents
        .iter()
        .zip(wrt)
        .map(|(t, w)| rules::cast(t, w.dtype()))
        .collect::<Result<Vec<_>, _>>()?;
    vjp(&transposed, &tangents, &placeholders)
}

/// Adds `g` to the cotangent collected for `node`.
fn accumulate(cotangent: &mut HashMap<usize, Node>, node: &Node, g: Node) -> Result<(), IrError> {
    let total = match cotangent.remove(&node.identity()) {
        Some(previous) => Node::apply(Op::Binary(BinaryOp::Add), vec![previous, g])?,
        None => g,
    };
    cotangent.insert(node.identity(), total);
    Ok(())
}

/// The nodes reachable from `outputs` through `operands`, operands before users, not
/// entering `roots`' operands.
fn post_order(
    outputs: &[Node],
    roots: &HashSet<usize>,
    operands: &dyn Fn(&Node) -> Vec<Node>,
) -> Vec<Node> {
    let mut done: HashSet<usize> = HashSet::new();
    let mut order = Vec::new();
    let mut stack: Vec<(Node, bool)> = outputs.iter().rev().map(|o| (o.clone(), false)).collect();
    while let Some((node, expanded)) = stack.pop() {
        let id = node.identity();
        if expanded {
            if done.insert(id) {
                order.push(node);
            }
            continue;
        }
        if done.contains(&id) {
            continue;
        }
        stack.push((node.clone(), true));
        if !roots.contains(&id) {
            for a in operands(&node).into_iter().rev() {
                if !done.contains(&a.identity()) {
                    stack.push((a, false));
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests;
