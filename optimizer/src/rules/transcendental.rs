//! Identities of exp and log. Each is exact in real arithmetic; results differ by
//! rounding, or where the original overflows (exp(1000) * exp(-1000) is NaN, its
//! rewrite exp(0) is 1), which the algebraic tier allows.

use lazyfuse_ir::{BinaryOp, Op, UnaryOp};

use super::{binary, class, is_value, operands_of, plus_zero, unary, Build, Rule, Tier};
use crate::analysis::{node_type, LfEGraph};
use crate::lang::ENode;

pub(super) fn rules() -> Vec<Rule> {
    // log(exp(z)) is not z for complex z (the imaginary part wraps).
    let rule = |name, apply| Rule {
        name,
        family: "transcendental",
        tier: Tier::Algebraic,
        complex: name != "log-exp",
        apply,
    };
    vec![
        rule("exp-mul-exp", exp_mul_exp),
        rule("log-exp", log_exp),
        rule("exp-minus-one", exp_minus_one),
        rule("log-one-plus", log_one_plus),
    ]
}

fn exps(eg: &LfEGraph, id: egg::Id) -> Vec<egg::Id> {
    operands_of(eg, id, Op::Unary(UnaryOp::Exp))
        .map(|a| a[0])
        .collect()
}

// exp(a) * exp(b) == exp(a + b)
fn exp_mul_exp(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Binary(BinaryOp::Mul), &[x, y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let mut out = vec![];
    for a in exps(eg, x) {
        for b in exps(eg, y) {
            out.push(unary(
                UnaryOp::Exp,
                binary(BinaryOp::Add, class(a), class(b)),
            ));
        }
    }
    out
}

// log(exp(x)) == x + 0.0 (real x; log(exp(-0.0)) is log(1), +0.0)
fn log_exp(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Unary(UnaryOp::Log), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let Some(dtype) = node_type(eg, n).map(|t| t.dtype) else {
        return vec![];
    };
    exps(eg, y)
        .into_iter()
        .map(|x| plus_zero(class(x), dtype))
        .collect()
}

// exp(x) - 1 == expm1(x) + 0.0 (exp(-0.0) - 1 is +0.0)
fn exp_minus_one(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Binary(BinaryOp::Sub), &[y, one]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let Some(dtype) = node_type(eg, n).map(|t| t.dtype) else {
        return vec![];
    };
    if !is_value(eg, one, 1.0) {
        return vec![];
    }
    exps(eg, y)
        .into_iter()
        .map(|x| plus_zero(unary(UnaryOp::Expm1, class(x)), dtype))
        .collect()
}

// log(1 + x) == log1p(x) + 0.0 == log(x + 1) (log(1 + -0.0) is +0.0)
fn log_one_plus(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Unary(UnaryOp::Log), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let Some(dtype) = node_type(eg, n).map(|t| t.dtype) else {
        return vec![];
    };
    let mut out = vec![];
    for args in operands_of(eg, y, Op::Binary(BinaryOp::Add)) {
        if is_value(eg, args[0], 1.0) {
            out.push(plus_zero(unary(UnaryOp::Log1p, class(args[1])), dtype));
        }
        if is_value(eg, args[1], 1.0) {
            out.push(plus_zero(unary(UnaryOp::Log1p, class(args[0])), dtype));
        }
    }
    out
}
