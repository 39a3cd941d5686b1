//! Distribution and factoring. Only these two directions: no blanket commutativity or
//! associativity, which make e-graphs explode. A shared factor is looked for on either
//! side of each product instead.

use lazyfuse_ir::{BinaryOp, Op, UnaryOp};

use super::{binary, class, operands_of, ty, unary, uniform, Build, Rule, Tier};
use crate::analysis::LfEGraph;
use crate::lang::ENode;

pub(super) fn rules() -> Vec<Rule> {
    // Field identities: they hold for complex values too.
    let rule = |name, apply| Rule {
        name,
        family: "distribution",
        tier: Tier::Algebraic,
        complex: true,
        apply,
    };
    vec![
        rule("factor-common", factor_common),
        rule("distribute-mul", distribute_mul),
        rule("square-of-product", square_of_product),
    ]
}

fn products(eg: &LfEGraph, id: egg::Id) -> Vec<(egg::Id, egg::Id)> {
    operands_of(eg, id, Op::Binary(BinaryOp::Mul))
        .map(|a| (a[0], a[1]))
        .collect()
}

// a*b ± a*c == a*(b ± c), and the same with the shared factor on either side; for
// floats only where a is a finite non-zero real constant (see `keeps_zero_sign`)
fn factor_common(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Binary(op @ (BinaryOp::Add | BinaryOp::Sub)), &[x, y]) =
        (&n.op, n.children.as_slice())
    else {
        return vec![];
    };
    let dtype = ty(eg, x).dtype;
    let mut out = vec![];
    for (a, b) in products(eg, x) {
        for (c, d) in products(eg, y) {
            let find = |x: egg::Id, y: egg::Id| eg.find(x) == eg.find(y);
            // Which operand of each product is the shared factor.
            let (shared, rest_x, rest_y) = if find(a, c) {
                (a, b, d)
            } else if find(a, d) {
                (a, b, c)
            } else if find(b, c) {
                (b, a, d)
            } else if find(b, d) {
                (b, a, c)
            } else {
                continue;
            };
            if dtype.is_inexact() && !keeps_zero_sign(eg, dtype.is_complex(), shared) {
                continue;
            }
            out.push(binary(
                BinaryOp::Mul,
                class(shared),
                binary(*op, class(rest_x), class(rest_y)),
            ));
        }
    }
    out
}

/// Whether factoring the float `shared` out of a sum of products keeps the sign of a
/// zero result: only for a finite non-zero real constant. A factor that may be zero
/// flips it (a = -0.0: -0*2 - -0*1.5 is +0, -0*(2 - 1.5) is -0; found by
/// test_array_model's state machine against NumPy), and complex zeros' signs follow
/// other products.
fn keeps_zero_sign(eg: &LfEGraph, complex: bool, shared: egg::Id) -> bool {
    if complex || ty(eg, shared).dtype.is_complex() {
        return false;
    }
    match uniform(eg, shared) {
        Some(c) => {
            let (re, im) = c.parts();
            im == 0.0 && re != 0.0 && re.is_finite()
        }
        None => false,
    }
}

/// Whether `x * y` is already an e-node (so distributing shares existing work).
fn product_exists(eg: &LfEGraph, x: egg::Id, y: egg::Id) -> bool {
    eg.lookup(ENode::new(Op::Binary(BinaryOp::Mul), vec![x, y]))
        .is_some()
}

// a*(b ± c) == a*b ± a*c and (b ± c)*a == b*a ± c*a, when one of the products is
// already computed: distributing blindly only adds work and grows the e-graph
// exponentially on products of sums. Integers only (exact in wrapping arithmetic): in
// floating point an infinite a turns a finite product into inf - inf = NaN, and the
// rounding of a*(1 - t) is not that of a - a*t (NumPy's lerp in quantile relies on it).
fn distribute_mul(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Binary(BinaryOp::Mul), &[x, y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    if !ty(eg, x).dtype.is_int() {
        return vec![];
    }
    let mut out = vec![];
    for op in [BinaryOp::Add, BinaryOp::Sub] {
        for args in operands_of(eg, y, Op::Binary(op)) {
            let (b, c) = (args[0], args[1]);
            if product_exists(eg, x, b) || product_exists(eg, x, c) {
                out.push(binary(
                    op,
                    binary(BinaryOp::Mul, class(x), class(b)),
                    binary(BinaryOp::Mul, class(x), class(c)),
                ));
            }
        }
        for args in operands_of(eg, x, Op::Binary(op)) {
            let (b, c) = (args[0], args[1]);
            if product_exists(eg, b, y) || product_exists(eg, c, y) {
                out.push(binary(
                    op,
                    binary(BinaryOp::Mul, class(b), class(y)),
                    binary(BinaryOp::Mul, class(c), class(y)),
                ));
            }
        }
    }
    out
}

// square(a * b) == square(a) * square(b)
fn square_of_product(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Unary(UnaryOp::Square), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    products(eg, y)
        .into_iter()
        .map(|(a, b)| {
            binary(
                BinaryOp::Mul,
                unary(UnaryOp::Square, class(a)),
                unary(UnaryOp::Square, class(b)),
            )
        })
        .collect()
}
