//! Layout: chains of views collapsed, transposes pushed through elementwise ops,
//! reductions of transposes. Views are index maps in kernels, so collapsing them saves
//! index arithmetic and exposes more matches to the other families.

use egg::Id;
use lazyfuse_ir::{BinaryOp, Op, ReduceOp, Scalar, SliceAxis};

use super::{binary, class, constant, shape, Build, Rule, Tier};
use crate::analysis::LfEGraph;
use crate::lang::ENode;

pub(super) fn rules() -> Vec<Rule> {
    // Layout moves elements, whatever their type.
    let rule = |name, tier, apply| Rule {
        name,
        family: "layout",
        tier,
        complex: true,
        apply,
    };
    vec![
        rule("transpose-transpose", Tier::Strict, transpose_transpose),
        rule("transpose-identity", Tier::Strict, transpose_identity),
        rule("reshape-reshape", Tier::Strict, reshape_reshape),
        rule("view-same-shape", Tier::Strict, view_same_shape),
        rule("broadcast-broadcast", Tier::Strict, broadcast_broadcast),
        rule("slice-slice", Tier::Strict, slice_slice),
        rule("slice-whole", Tier::Strict, slice_whole),
        rule(
            "transpose-through-elementwise",
            Tier::Strict,
            transpose_through_elementwise,
        ),
        rule(
            "gather-through-elementwise",
            Tier::Strict,
            gather_through_elementwise,
        ),
        rule("gather-through-slice", Tier::Strict, gather_through_slice),
        rule(
            "reduce-of-transpose-exact",
            Tier::Strict,
            reduce_of_transpose_exact,
        ),
        rule(
            "reduce-of-transpose-reassociating",
            Tier::Algebraic,
            reduce_of_transpose_reassociating,
        ),
    ]
}

/// The operand of each e-node of class `id` that is a view matching `pred`.
fn inner<'a>(
    eg: &'a LfEGraph,
    id: Id,
    pred: impl Fn(&Op) -> bool + 'a,
) -> impl Iterator<Item = (&'a Op, Id)> + 'a {
    eg[id]
        .nodes
        .iter()
        .filter(move |m| pred(&m.op))
        .map(|m| (&m.op, m.children[0]))
}

// transpose(transpose(x, p), q) == transpose(x, p∘q)
fn transpose_transpose(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Transpose(q), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    inner(eg, y, |op| matches!(op, Op::Transpose(_)))
        .map(|(op, x)| {
            let Op::Transpose(p) = op else { unreachable!() };
            Build::Node(
                Op::Transpose(q.iter().map(|&i| p[i]).collect()),
                vec![class(x)],
            )
        })
        .collect()
}

// transpose(x, identity) == x
fn transpose_identity(_: &LfEGraph, n: &ENode) -> Vec<Build> {
    match (&n.op, n.children.as_slice()) {
        (Op::Transpose(p), &[x]) if p.iter().enumerate().all(|(i, &a)| i == a) => vec![class(x)],
        _ => vec![],
    }
}

// reshape(reshape(x, s1), s2) == reshape(x, s2)
fn reshape_reshape(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Reshape(s), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    inner(eg, y, |op| matches!(op, Op::Reshape(_)))
        .map(|(_, x)| Build::Node(Op::Reshape(s.clone()), vec![class(x)]))
        .collect()
}

// reshape(x, shape(x)) == broadcast_to(x, shape(x)) == x
fn view_same_shape(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match (&n.op, n.children.as_slice()) {
        (Op::Reshape(s) | Op::BroadcastTo(s), &[x]) if shape(eg, x) == s => vec![class(x)],
        _ => vec![],
    }
}

// broadcast_to(broadcast_to(x, s1), s2) == broadcast_to(x, s2)
fn broadcast_broadcast(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::BroadcastTo(s), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    inner(eg, y, |op| matches!(op, Op::BroadcastTo(_)))
        .map(|(_, x)| Build::Node(Op::BroadcastTo(s.clone()), vec![class(x)]))
        .collect()
}

// x[a][b] == x[a∘b]: element j of the outer slice is element start₂ + j·step₂ of the inner
fn slice_slice(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Slice(outer), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    inner(eg, y, |op| matches!(op, Op::Slice(_)))
        .map(|(op, x)| {
            let Op::Slice(inner) = op else { unreachable!() };
            let composed = inner
                .iter()
                .zip(outer)
                .map(|(i, o)| {
                    if o.len == 0 {
                        return SliceAxis {
                            start: 0,
                            step: 1,
                            len: 0,
                        };
                    }
                    let start = i.start as i64 + o.start as i64 * i.step;
                    SliceAxis {
                        start: start as usize,
                        step: i.step * o.step,
                        len: o.len,
                    }
                })
                .collect();
            Build::Node(Op::Slice(composed), vec![class(x)])
        })
        .collect()
}

// x[:] == x
fn slice_whole(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match (&n.op, n.children.as_slice()) {
        (Op::Slice(axes), &[x])
            if axes
                .iter()
                .zip(shape(eg, x).iter())
                .all(|(a, &d)| *a == SliceAxis::full(d)) =>
        {
            vec![class(x)]
        }
        _ => vec![],
    }
}

/// The elementwise e-nodes of class `y` whose operands all satisfy `operand_ok`.
fn elementwise_nodes<'a>(
    eg: &'a LfEGraph,
    y: Id,
    operand_ok: impl Fn(Id) -> bool + 'a,
) -> impl Iterator<Item = &'a ENode> + 'a {
    eg[y]
        .nodes
        .iter()
        .filter(|m| matches!(m.op, Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Cast(_)))
        .filter(move |m| m.children.iter().all(|&c| operand_ok(c)))
}

// transpose(f(a, b, ...), p) == f(transpose(a, p), transpose(b, p), ...) for elementwise f
// whose operands all have the result's shape
fn transpose_through_elementwise(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Transpose(p), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let full = shape(eg, y);
    elementwise_nodes(eg, y, |c| shape(eg, c) == full)
        .map(|m| {
            let args = m
                .children
                .iter()
                .map(|&c| Build::Node(Op::Transpose(p.clone()), vec![class(c)]))
                .collect();
            Build::Node(m.op.clone(), args)
        })
        .collect()
}

// gather(f(a, b, ...), q) == f(gather(a, q), gather(b, q), ...) for an elementwise f
// whose operands have its shape (a 0-d operand is the same at every position and stays
// as it is): f is then computed at the gathered positions only (a mask keeping a few
// elements computes only those), and the gathers read the operands in memory. The
// cost model decides whether that pays (repeated positions compute f more often).
fn gather_through_elementwise(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Gather, &[y, q]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let full = shape(eg, y);
    elementwise_nodes(eg, y, |c| shape(eg, c) == full || shape(eg, c).ndim() == 0)
        .map(|m| {
            let args = m
                .children
                .iter()
                .map(|&c| {
                    if shape(eg, c) == full {
                        Build::Node(Op::Gather, vec![class(c), class(q)])
                    } else {
                        class(c)
                    }
                })
                .collect();
            Build::Node(m.op.clone(), args)
        })
        .collect()
}

// gather(slice(x), q) == gather(x, q + offset) when the slice steps by one along its
// first axis and keeps every other axis whole: its element at flat position p is x's at
// p + offset (offset = start * the size of a row). The gradient of a slice is such a
// gather; this lets it reach x (through the elementwise ops in between) and fuse as
// loads of x at shifted positions.
fn gather_through_slice(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Gather, &[y, q]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    inner(eg, y, |o| matches!(o, Op::Slice(_)))
        .filter_map(|(op, x)| {
            let Op::Slice(axes) = op else { return None };
            let dims = shape(eg, x).dims();
            let first = axes.first()?;
            let whole = axes
                .iter()
                .enumerate()
                .skip(1)
                .all(|(k, a)| a.start == 0 && a.step == 1 && a.len == dims[k]);
            if first.step != 1 || !whole || shape(eg, y).numel() == 0 {
                return None;
            }
            let row: usize = dims[1..].iter().product();
            let offset = i64::try_from(first.start.checked_mul(row)?).ok()?;
            let positions = if offset == 0 {
                class(q)
            } else {
                binary(BinaryOp::Add, class(q), constant(Scalar::I64(offset)))
            };
            Some(Build::Node(Op::Gather, vec![class(x), positions]))
        })
        .collect()
}

/// reduce(transpose(x, p), axes) as a reduction of x followed by the transpose that
/// puts the kept axes back in order.
fn reduce_of_transpose(eg: &LfEGraph, n: &ENode, exact: bool) -> Vec<Build> {
    let (Op::Reduce { op, axes, keepdims }, &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    // Reordering the reduced axes changes the order elements are combined in: exact for
    // max/min/any/all, and for an arg-reduction of one axis; reassociation otherwise.
    let order_free = matches!(
        op,
        ReduceOp::Max | ReduceOp::Min | ReduceOp::Any | ReduceOp::All
    ) || (matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) && axes.len() == 1);
    let reassociates = matches!(op, ReduceOp::Sum | ReduceOp::Prod | ReduceOp::Mean);
    if (exact && !order_free) || (!exact && !reassociates) {
        return vec![];
    }
    inner(eg, y, |o| matches!(o, Op::Transpose(_)))
        .map(|(t, x)| {
            let Op::Transpose(p) = t else { unreachable!() };
            let mut x_axes: Vec<usize> = axes.iter().map(|&a| p[a]).collect();
            x_axes.sort_unstable();
            let reduced = Build::Node(
                Op::Reduce {
                    op: *op,
                    axes: x_axes.clone(),
                    keepdims: *keepdims,
                },
                vec![class(x)],
            );
            let perm: Vec<usize> = if *keepdims {
                p.clone()
            } else {
                // Kept axes of the transposed operand, in its order, as positions among x's kept axes.
                let kept_x: Vec<usize> = (0..p.len()).filter(|k| !x_axes.contains(k)).collect();
                (0..p.len())
                    .filter(|k| !axes.contains(k))
                    .map(|k| kept_x.iter().position(|&a| a == p[k]).expect("kept axis"))
                    .collect()
            };
            Build::Node(Op::Transpose(perm), vec![reduced])
        })
        .collect()
}

// max/min/any/all(transpose(x, p), axes) == transpose(max/...(x, p(axes)), p')
fn reduce_of_transpose_exact(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    reduce_of_transpose(eg, n, true)
}

// sum/prod/mean(transpose(x, p), axes) == transpose(sum/...(x, p(axes)), p') (summation order changes)
fn reduce_of_transpose_reassociating(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    reduce_of_transpose(eg, n, false)
}
