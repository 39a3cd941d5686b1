//! Reductions: constant factors pulled out, linearity, sums of broadcast values, and
//! sums of products that are really (matrix-)vector products.

use egg::Id;
use lazyfuse_ir::{BinaryOp, DType, Op, ReduceOp, Shape};

use super::{
    binary, class, constant_like, operands_of, plus_zero, shape, ty, uniform, Build, Rule, Tier,
};
use crate::analysis::{node_type, LfEGraph};
use crate::lang::ENode;

pub(super) fn rules() -> Vec<Rule> {
    // Field identities: they hold for complex values too.
    let rule = |name, apply| Rule {
        name,
        family: "reductions",
        tier: Tier::Algebraic,
        complex: true,
        apply,
    };
    vec![
        rule("sum-constant-factor", sum_constant_factor),
        rule("sum-broadcast-factor", sum_broadcast_factor),
        rule("sum-linear", sum_linear),
        rule("sum-of-broadcast", sum_of_broadcast),
        rule("sum-of-outer-product", sum_of_outer_product),
        rule("sum-bilinear-form", sum_bilinear_form),
    ]
}

fn reduce_args(n: &ENode) -> Option<(ReduceOp, &[usize], bool, Id)> {
    match (&n.op, n.children.as_slice()) {
        (Op::Reduce { op, axes, keepdims }, &[x]) => Some((*op, axes.as_slice(), *keepdims, x)),
        _ => None,
    }
}

fn products(eg: &LfEGraph, id: Id) -> Vec<(Id, Id)> {
    operands_of(eg, id, Op::Binary(BinaryOp::Mul))
        .map(|a| (a[0], a[1]))
        .collect()
}

// sum(c * x) == c * sum(x) and mean(c * x) == c * mean(x) for a known scalar c
fn sum_constant_factor(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let Some((ReduceOp::Sum | ReduceOp::Mean, _, _, y)) = reduce_args(n) else {
        return vec![];
    };
    let Some(out_ty) = node_type(eg, n) else {
        return vec![];
    };
    if out_ty.dtype != ty(eg, y).dtype {
        // Integers summed in a wider type (or averaged as floats): c * x wraps in its
        // own dtype first, c * sum(x) does not.
        return vec![];
    }
    let mut out = vec![];
    for (a, b) in products(eg, y) {
        for (c, x) in [(a, b), (b, a)] {
            // The factor must not change x's type (no broadcasting up, no promotion).
            if let (Some(value), true) = (uniform(eg, c), ty(eg, x) == ty(eg, y)) {
                let reduced = Build::Node(n.op.clone(), vec![class(x)]);
                let scalar_ty = lazyfuse_ir::TensorType::new(out_ty.dtype, Shape::scalar());
                let product = binary(
                    BinaryOp::Mul,
                    reduced,
                    constant_like(value.as_f64(), &scalar_ty),
                );
                out.push(plus_zero(product, out_ty.dtype));
            }
        }
    }
    out
}

// sum(b * x, axes) == b' * sum(x, axes) when b is constant along the reduced axes
// (b' is b laid out in the result's shape)
fn sum_broadcast_factor(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let Some((ReduceOp::Sum, axes, keepdims, y)) = reduce_args(n) else {
        return vec![];
    };
    let Some(out_ty) = node_type(eg, n) else {
        return vec![];
    };
    if out_ty.dtype != ty(eg, y).dtype {
        return vec![]; // as in sum_constant_factor: the product wraps before the sum
    }
    let full = shape(eg, y).clone();
    let mut out = vec![];
    for (a, b) in products(eg, y) {
        for (factor, x) in [(a, b), (b, a)] {
            if uniform(eg, factor).is_some()
                || ty(eg, x) != ty(eg, y)
                || ty(eg, factor).dtype != out_ty.dtype
            {
                continue; // scalars are sum-constant-factor's; x must not be broadcast up
            }
            let Some(aligned) = broadcast_source_keepdims(shape(eg, factor), full.ndim(), axes)
            else {
                continue;
            };
            // The factor in the result's layout: reduced axes dropped unless kept as 1.
            let laid_out: Vec<usize> = if keepdims {
                aligned
            } else {
                (0..full.ndim())
                    .filter(|k| !axes.contains(k))
                    .map(|k| aligned[k])
                    .collect()
            };
            let f = Build::Node(Op::Reshape(Shape(laid_out)), vec![class(factor)]);
            let reduced = Build::Node(n.op.clone(), vec![class(x)]);
            out.push(plus_zero(binary(BinaryOp::Mul, reduced, f), out_ty.dtype));
        }
    }
    out
}

// sum(a ± b) == sum(a) ± sum(b) when a, b, a ± b and the sum have one type
fn sum_linear(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let Some((ReduceOp::Sum, _, _, y)) = reduce_args(n) else {
        return vec![];
    };
    if node_type(eg, n).map(|t| t.dtype) != Some(ty(eg, y).dtype) {
        return vec![]; // int32 a + b wraps before an int64 sum; sum(a) + sum(b) does not
    }
    let mut out = vec![];
    for op in [BinaryOp::Add, BinaryOp::Sub] {
        for args in operands_of(eg, y, Op::Binary(op)) {
            let (a, b) = (args[0], args[1]);
            // Not for bool: its add is a logical or (sum(c + c) is sum(c), not 2 sum(c)).
            if ty(eg, a) == ty(eg, y) && ty(eg, b) == ty(eg, y) && ty(eg, y).dtype != DType::Bool {
                let sum = |x| Build::Node(n.op.clone(), vec![class(x)]);
                out.push(binary(op, sum(a), sum(b)));
            }
        }
    }
    out
}

/// `x` (right-aligned into `rank` axes) as the shape it has after reducing `axes` with
/// keepdims, if it is extent 1 along every reduced axis.
fn broadcast_source_keepdims(x: &Shape, rank: usize, axes: &[usize]) -> Option<Vec<usize>> {
    let pad = rank.checked_sub(x.ndim())?;
    let aligned: Vec<usize> = (0..rank)
        .map(|k| if k < pad { 1 } else { x[k - pad] })
        .collect();
    axes.iter().all(|&k| aligned[k] == 1).then_some(aligned)
}

// sum(broadcast_to(x, S), axes) == n * x + 0.0 (and mean == x + 0.0; the + 0.0 turns
// -0.0 into the +0.0 a sum gives, for floats) when x is constant along the
// reduced axes, n being the product of their extents
fn sum_of_broadcast(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let Some((op @ (ReduceOp::Sum | ReduceOp::Mean), axes, keepdims, y)) = reduce_args(n) else {
        return vec![];
    };
    let Some(out_ty) = node_type(eg, n) else {
        return vec![];
    };
    let full = shape(eg, y).clone();
    let count: usize = axes.iter().map(|&k| full[k]).product();
    if count == 0 {
        // An empty sum is 0 and an empty mean NaN whatever x is (x * 0 is not 0 for inf).
        return vec![];
    }
    let mut out = vec![];
    for args in eg[y]
        .nodes
        .iter()
        .filter(|m| matches!(m.op, Op::BroadcastTo(_)))
        .map(|m| m.children[0])
    {
        let Some(aligned) = broadcast_source_keepdims(shape(eg, args), full.ndim(), axes) else {
            continue;
        };
        // x laid out with the kept extents (1 on reduced axes), broadcast over the kept ones.
        let kept: Vec<usize> = (0..full.ndim())
            .map(|k| if axes.contains(&k) { 1 } else { full[k] })
            .collect();
        let mut value = Build::Node(Op::Reshape(Shape(aligned)), vec![class(args)]);
        value = Build::Node(Op::BroadcastTo(Shape(kept)), vec![value]);
        if !keepdims {
            value = Build::Node(Op::Reshape(out_ty.shape.clone()), vec![value]);
        }
        if ty(eg, args).dtype != out_ty.dtype {
            value = Build::Node(Op::Cast(out_ty.dtype), vec![value]);
        }
        let scalar_ty = lazyfuse_ir::TensorType::new(out_ty.dtype, Shape::scalar());
        if op == ReduceOp::Sum {
            value = binary(
                BinaryOp::Mul,
                value,
                constant_like(count as f64, &scalar_ty),
            );
        }
        out.push(plus_zero(value, out_ty.dtype));
    }
    out
}

/// Whether no axis (right-aligned) has extent > 1 in both shapes.
fn disjoint(a: &Shape, b: &Shape) -> bool {
    let rank = a.ndim().max(b.ndim());
    (0..rank).all(|k| {
        let at = |s: &Shape| if k < s.ndim() { s[s.ndim() - 1 - k] } else { 1 };
        at(a) == 1 || at(b) == 1
    })
}

/// Whether `n` sums all of `y` in `y`'s own dtype (integers narrower than 64 bits are
/// summed in a wider type, so their products wrap differently from the sum's).
fn is_total(n: &ENode, eg: &LfEGraph, y: Id) -> bool {
    matches!(reduce_args(n), Some((ReduceOp::Sum, axes, false, _)) if axes.len() == shape(eg, y).ndim())
        && node_type(eg, n).map(|t| t.dtype) == Some(ty(eg, y).dtype)
}

fn sum_all(x: Id, eg: &LfEGraph) -> Build {
    let axes = (0..shape(eg, x).ndim()).collect();
    Build::Node(
        Op::Reduce {
            op: ReduceOp::Sum,
            axes,
            keepdims: false,
        },
        vec![class(x)],
    )
}

// Σ_ij a_i b_j == (Σ_i a_i)(Σ_j b_j): the total sum of a product of factors that vary
// along different axes (an outer product)
fn sum_of_outer_product(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let Some((_, _, _, y)) = reduce_args(n) else {
        return vec![];
    };
    if !is_total(n, eg, y) {
        return vec![];
    }
    products(eg, y)
        .into_iter()
        .filter(|&(a, b)| {
            disjoint(shape(eg, a), shape(eg, b))
                && ty(eg, a).dtype == ty(eg, y).dtype
                && ty(eg, b).dtype == ty(eg, y).dtype
                && shape(eg, a).numel() > 1
                && shape(eg, b).numel() > 1
        })
        .map(|(a, b)| {
            plus_zero(
                binary(BinaryOp::Mul, sum_all(a, eg), sum_all(b, eg)),
                ty(eg, y).dtype,
            )
        })
        .collect()
}

// Σ_ij X_ij u_i v_j == u · (X v): a total sum of a matrix times a column factor (n,1)
// and a row factor (1,m) or (m,), as two matrix-vector products
fn sum_bilinear_form(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let Some((_, _, _, y)) = reduce_args(n) else {
        return vec![];
    };
    if !is_total(n, eg, y) || shape(eg, y).ndim() != 2 {
        return vec![];
    }
    let (rows, cols) = (shape(eg, y)[0], shape(eg, y)[1]);
    // Three factors, from products nested one level on either side.
    let mut triples = vec![];
    for (p, q) in products(eg, y) {
        for (r, s) in products(eg, q) {
            triples.push([p, r, s]);
        }
        for (r, s) in products(eg, p) {
            triples.push([q, r, s]);
        }
    }
    let dtype = ty(eg, y).dtype;
    let mut out = vec![];
    for factors in triples {
        if factors.iter().any(|&f| ty(eg, f).dtype != dtype) {
            continue;
        }
        let find = |want: &dyn Fn(&[usize]) -> bool| {
            factors.iter().copied().find(|&f| want(shape(eg, f).dims()))
        };
        let matrix = find(&|s| s == [rows, cols]);
        let column = find(&|s| s == [rows, 1]);
        let row = find(&|s| s == [1, cols] || s == [cols]);
        if let (Some(x), Some(u), Some(v), true) = (matrix, column, row, rows > 1 && cols > 1) {
            let vec_of =
                |f: Id, len: usize| Build::Node(Op::Reshape(Shape(vec![len])), vec![class(f)]);
            let xv = Build::Node(Op::MatMul, vec![class(x), vec_of(v, cols)]);
            out.push(Build::Node(Op::MatMul, vec![vec_of(u, rows), xv]));
        }
    }
    out
}
