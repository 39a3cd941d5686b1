//! Strength reduction: cheaper operations computing the same values.

use lazyfuse_ir::{BinaryOp, DType, Op, TensorType, UnaryOp};

use super::{binary, class, constant_like, is_value, ty, unary, uniform, Build, Rule, Tier};
use crate::analysis::{node_type, LfEGraph};
use crate::lang::ENode;

pub(super) fn rules() -> Vec<Rule> {
    // NumPy computes z**0 as 1 and z**2 (the operator) as its square, whose product
    // is x*x's (np.power(z, 2) rounds its product once more: within an ulp); its z**3
    // is an unfused product, and the other strength reductions use other formulas
    // (other roundings and infinities) for complex values.
    let rule = |name, tier, apply| Rule {
        name,
        family: "strength",
        tier,
        complex: matches!(name, "mul-self" | "pow-zero" | "pow-two-float"),
        apply,
    };
    vec![
        rule("mul-self", Tier::Strict, mul_self),
        rule("pow-zero", Tier::Strict, pow_zero),
        rule("pow-two-int", Tier::Strict, pow_two_int),
        rule("pow-two-float", Tier::Algebraic, pow_two_float),
        rule("pow-three", Tier::Algebraic, pow_three),
        rule("pow-minus-one-int", Tier::Strict, pow_minus_one_int),
        rule("pow-minus-one-float", Tier::Algebraic, pow_minus_one_float),
        rule("pow-half", Tier::Algebraic, pow_half),
        rule("div-power-of-two", Tier::Strict, div_power_of_two),
        rule("div-constant", Tier::Algebraic, div_constant),
    ]
}

fn pow_args(n: &ENode) -> Option<(egg::Id, egg::Id)> {
    match (&n.op, n.children.as_slice()) {
        (Op::Binary(BinaryOp::Pow), &[a, b]) => Some((a, b)),
        _ => None,
    }
}

// x * x == square(x)
fn mul_self(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match (&n.op, n.children.as_slice()) {
        (Op::Binary(BinaryOp::Mul), &[a, b]) if eg.find(a) == eg.find(b) => {
            vec![unary(UnaryOp::Square, class(a))]
        }
        _ => vec![],
    }
}

// x ** 0 == 1 (also for NaN and inf, as IEEE pow and integer pow define it)
fn pow_zero(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match pow_args(n) {
        Some((_, b)) if is_value(eg, b, 0.0) => node_type(eg, n)
            .map(|t| constant_like(1.0, &t))
            .into_iter()
            .collect(),
        _ => vec![],
    }
}

fn square_of(eg: &LfEGraph, n: &ENode, float: bool) -> Vec<Build> {
    match pow_args(n) {
        Some((a, b)) if is_value(eg, b, 2.0) && ty(eg, a).dtype.is_inexact() == float => {
            vec![binary(BinaryOp::Mul, class(a), class(a))]
        }
        _ => vec![],
    }
}

// x ** 2 == x * x (integers: both wrap identically)
fn pow_two_int(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    square_of(eg, n, false)
}

// x ** 2 == x * x (floats: pow is not guaranteed correctly rounded; complex: NumPy's
// `z ** 2` is its square, the fused product x * x is)
fn pow_two_float(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    square_of(eg, n, true)
}

// x ** 3 == (x * x) * x
fn pow_three(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match pow_args(n) {
        Some((a, b)) if is_value(eg, b, 3.0) => {
            vec![binary(
                BinaryOp::Mul,
                binary(BinaryOp::Mul, class(a), class(a)),
                class(a),
            )]
        }
        _ => vec![],
    }
}

fn minus_one(eg: &LfEGraph, n: &ENode, float: bool) -> Vec<Build> {
    match pow_args(n) {
        Some((a, b)) if is_value(eg, b, -1.0) && ty(eg, a).dtype.is_float() == float => {
            vec![unary(UnaryOp::Reciprocal, class(a))]
        }
        _ => vec![],
    }
}

// x ** -1 == reciprocal(x) for integers (both truncate 1/x, and give 0 for 0)
fn pow_minus_one_int(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    minus_one(eg, n, false)
}

// x ** -1 == 1 / x for floats
fn pow_minus_one_float(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    minus_one(eg, n, true)
}

// x ** 0.5 == sqrt(x) (differs at -0.0 and -inf: pow gives +0 and +inf, sqrt -0 and NaN)
fn pow_half(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match pow_args(n) {
        Some((a, b)) if is_value(eg, b, 0.5) && ty(eg, a).dtype.is_float() => {
            vec![unary(UnaryOp::Sqrt, class(a))]
        }
        _ => vec![],
    }
}

/// `x / c` as `x * (1/c)` when `c` is a known finite non-zero float; `exact` asks for
/// the reciprocal to be exact (c a power of two with a normal reciprocal).
fn reciprocal_multiply(eg: &LfEGraph, n: &ENode, exact: bool) -> Vec<Build> {
    let (Op::Binary(BinaryOp::Div), &[a, b]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let Some(c) = uniform(eg, b) else {
        return vec![];
    };
    if !ty(eg, b).dtype.is_float() || !ty(eg, a).dtype.is_float() {
        return vec![];
    }
    // The reciprocal is rounded once, in the dtype the division computes in (an f64
    // division by an f32 constant computes in f64).
    let Some(out) = node_type(eg, n) else {
        return vec![];
    };
    let c = c.as_f64();
    let r = 1.0 / c;
    let is_exact = c.is_finite() && c != 0.0 && r.is_normal() && (c.abs().log2().fract() == 0.0);
    let representable = match out.dtype {
        DType::F64 => true,
        DType::F16 => lazyfuse_ir::half::f16::from_f64(r).is_normal(),
        _ => (r as f32).is_normal(),
    };
    if !c.is_finite() || c == 0.0 || !r.is_finite() || !representable || is_exact != exact {
        return vec![];
    }
    let constant_ty = TensorType::new(out.dtype, ty(eg, b).shape.clone());
    vec![binary(
        BinaryOp::Mul,
        class(a),
        constant_like(r, &constant_ty),
    )]
}

// x / c == x * (1/c) exactly when c is a power of two
fn div_power_of_two(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    reciprocal_multiply(eg, n, true)
}

// x / c == x * (1/c) for any other finite non-zero constant (1/c rounds)
fn div_constant(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    reciprocal_multiply(eg, n, false)
}
