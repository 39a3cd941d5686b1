//! Linear algebra: matmul associativity (the cost model picks the cheapest order, so a
//! chain ending in a vector becomes matrix-vector products), transposes of products,
//! scalars pulled out, distribution over addition.

use egg::Id;
use lazyfuse_ir::{promote, BinaryOp, Op};

use super::{binary, class, operands_of, shape, ty, uniform, Build, Rule, Tier};
use crate::analysis::LfEGraph;
use crate::lang::ENode;

pub(super) fn rules() -> Vec<Rule> {
    // Field identities: they hold for complex values too.
    let rule = |name, apply| Rule {
        name,
        family: "linalg",
        tier: Tier::Algebraic,
        complex: true,
        apply,
    };
    vec![
        rule("matmul-assoc-left", matmul_assoc_left),
        rule("matmul-assoc-right", matmul_assoc_right),
        rule("transpose-of-matmul", transpose_of_matmul),
        rule("matmul-scalar", matmul_scalar),
        rule("matmul-distribute", matmul_distribute),
        rule("matmul-factor", matmul_factor),
    ]
}

fn matmuls(eg: &LfEGraph, id: Id) -> Vec<(Id, Id)> {
    operands_of(eg, id, Op::MatMul)
        .map(|a| (a[0], a[1]))
        .collect()
}

fn mm(a: Build, b: Build) -> Build {
    Build::Node(Op::MatMul, vec![a, b])
}

/// Associativity holds for matrices and for a vector at either end; batched operands
/// are left alone.
fn chainable(eg: &LfEGraph, ids: &[Id]) -> bool {
    ids.iter().all(|&i| matches!(shape(eg, i).ndim(), 1 | 2))
}

// (A @ B) @ C == A @ (B @ C)
fn matmul_assoc_left(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::MatMul, &[ab, c]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    matmuls(eg, ab)
        .into_iter()
        .filter(|&(a, b)| chainable(eg, &[a, b, c]))
        .map(|(a, b)| mm(class(a), mm(class(b), class(c))))
        .collect()
}

// A @ (B @ C) == (A @ B) @ C
fn matmul_assoc_right(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::MatMul, &[a, bc]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    matmuls(eg, bc)
        .into_iter()
        .filter(|&(b, c)| chainable(eg, &[a, b, c]))
        .map(|(b, c)| mm(mm(class(a), class(b)), class(c)))
        .collect()
}

// (A @ B)ᵀ == Bᵀ @ Aᵀ for matrices
fn transpose_of_matmul(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Transpose(p), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    if p != &[1, 0] {
        return vec![];
    }
    let t = |x: Id| Build::Node(Op::Transpose(vec![1, 0]), vec![class(x)]);
    matmuls(eg, y)
        .into_iter()
        .filter(|&(a, b)| shape(eg, a).ndim() == 2 && shape(eg, b).ndim() == 2)
        .map(|(a, b)| mm(t(b), t(a)))
        .collect()
}

// (c·A) @ B == c·(A @ B) == A @ (c·B) for a known 0-d scalar c
fn matmul_scalar(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::MatMul, &[a, b]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let scaled = |id: Id| -> Vec<(Id, Id)> {
        operands_of(eg, id, Op::Binary(BinaryOp::Mul))
            .flat_map(|m| [(m[0], m[1]), (m[1], m[0])])
            .filter(|&(c, _)| shape(eg, c).ndim() == 0 && uniform(eg, c).is_some())
            .collect()
    };
    // The product without c must be computed in the original product's dtype: a bool
    // product is "any (and)", not a sum, and a narrower integer one wraps elsewhere.
    let dtype = |id: Id| ty(eg, id).dtype;
    let want = promote(dtype(a), dtype(b));
    let mut out = vec![];
    for (c, x) in scaled(a) {
        if promote(dtype(x), dtype(b)) == want {
            out.push(binary(BinaryOp::Mul, mm(class(x), class(b)), class(c)));
        }
    }
    for (c, x) in scaled(b) {
        if promote(dtype(a), dtype(x)) == want {
            out.push(binary(BinaryOp::Mul, mm(class(a), class(x)), class(c)));
        }
    }
    out
}

// A @ (B ± C) == A @ B ± A @ C, where A @ B or A @ C is computed anyway
fn matmul_distribute(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::MatMul, &[a, y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let mut out = vec![];
    for op in [BinaryOp::Add, BinaryOp::Sub] {
        for args in operands_of(eg, y, Op::Binary(op)) {
            let exists = |b: Id| eg.lookup(ENode::new(Op::MatMul, vec![a, b])).is_some();
            // Only where one of the products is computed anyway (as distribute-mul).
            if shape(eg, args[0]) == shape(eg, y)
                && shape(eg, args[1]) == shape(eg, y)
                && (exists(args[0]) || exists(args[1]))
            {
                out.push(binary(
                    op,
                    mm(class(a), class(args[0])),
                    mm(class(a), class(args[1])),
                ));
            }
        }
    }
    out
}

// A @ B ± A @ C == A @ (B ± C)
fn matmul_factor(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Binary(op @ (BinaryOp::Add | BinaryOp::Sub)), &[x, y]) =
        (&n.op, n.children.as_slice())
    else {
        return vec![];
    };
    let mut out = vec![];
    for (a, b) in matmuls(eg, x) {
        for (c, d) in matmuls(eg, y) {
            if eg.find(a) == eg.find(c) {
                out.push(mm(class(a), binary(*op, class(b), class(d))));
            }
        }
    }
    out
}
