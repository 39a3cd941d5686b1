//! Arithmetic identities. (Constant folding lives in the analysis.)
//!
//! Not here on purpose: `x * 0 = 0` and `x - x = 0` turn NaN and inf into finite values;
//! `x + 0.0 = x` and `x - (-0.0) = x` turn -0.0 into +0.0 (so `1 / x` would change sign).

use lazyfuse_ir::{BinaryOp, DType, Op, UnaryOp};

use super::{class, is_exactly, is_value, operands_of, ty, uniform, Build, Rule, Tier};
use crate::analysis::{node_type, LfEGraph};
use crate::lang::ENode;

pub(super) fn rules() -> Vec<Rule> {
    // A complex product or quotient by 1 is not z when a part is infinite or NaN
    // (NumPy's formulas give NaN); casts between complex types are not checked here.
    let rule = |name, tier, apply| Rule {
        name,
        family: "arithmetic",
        tier,
        complex: name == "cast-same",
        apply,
    };
    vec![
        rule("mul-one", Tier::Strict, mul_one),
        rule("div-one", Tier::Strict, div_one),
        rule("pow-one", Tier::Strict, pow_one),
        rule("sub-zero", Tier::Strict, sub_zero),
        rule("add-zero-exact", Tier::Strict, add_zero_exact),
        rule("add-negative-zero", Tier::Strict, add_negative_zero),
        rule("neg-neg", Tier::Strict, neg_neg),
        rule("cast-same", Tier::Strict, cast_same),
        rule("cast-lossless-chain", Tier::Strict, cast_lossless_chain),
        rule(
            "where-constant-condition",
            Tier::Strict,
            where_constant_condition,
        ),
        rule("scalar-operand", Tier::Strict, scalar_operand),
    ]
}

// where(c, a, b) == a (b) when every element of c is true (false) and a (b) has the
// result's dtype (broadcast to the result's shape when smaller). Derivatives make such
// selects (pow's rule guards its exponent with `exponent == 0`).
fn where_constant_condition(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Where, &[c, a, b]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    let (Some(flag), Some(out)) = (uniform(eg, c), node_type(eg, n)) else {
        return vec![];
    };
    let chosen = if flag.as_f64() != 0.0 { a } else { b };
    if ty(eg, chosen).dtype != out.dtype {
        return vec![];
    }
    if ty(eg, chosen).shape == out.shape {
        vec![class(chosen)]
    } else {
        vec![Build::Node(Op::BroadcastTo(out.shape), vec![class(chosen)])]
    }
}

// f(broadcast_to(s), y) == f(s, y) for a 0-d s and an elementwise f whose other operand
// already has the result's shape (f broadcasts s itself): a gradient's seed, broadcast
// to a shape, then moves through gathers and transposes as a scalar.
fn scalar_operand(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    if !matches!(n.op, Op::Binary(_) | Op::Where) {
        return vec![];
    }
    let Some(out) = node_type(eg, n) else {
        return vec![];
    };
    let full = |c: egg::Id| ty(eg, c).shape == out.shape;
    let mut builds = Vec::new();
    for (k, &c) in n.children.iter().enumerate() {
        let others_full = n
            .children
            .iter()
            .enumerate()
            .any(|(j, &o)| j != k && full(o));
        if !others_full {
            continue;
        }
        for m in &eg[c].nodes {
            let (Op::BroadcastTo(_), &[s]) = (&m.op, m.children.as_slice()) else {
                continue;
            };
            if ty(eg, s).shape.ndim() != 0 {
                continue;
            }
            let args = n
                .children
                .iter()
                .enumerate()
                .map(|(j, &o)| if j == k { class(s) } else { class(o) })
                .collect();
            let build = Build::Node(n.op.clone(), args);
            // (The same type: a 0-d operand promotes as its broadcast did.)
            if build.ty(eg).as_ref() == Some(&out) {
                builds.push(build);
            }
        }
    }
    builds
}

fn args(node: &ENode, op: Op) -> Option<&[egg::Id]> {
    (node.op == op).then_some(node.children.as_slice())
}

// x * 1 == x == 1 * x (the type check drops it when the 1 broadcasts x to a larger shape)
fn mul_one(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let Some(&[a, b]) = args(n, Op::Binary(BinaryOp::Mul)) else {
        return vec![];
    };
    let mut out = vec![];
    if is_value(eg, b, 1.0) {
        out.push(class(a));
    }
    if is_value(eg, a, 1.0) {
        out.push(class(b));
    }
    out
}

// x / 1 == x (for floats; on integers the division's result is a float, so the type check drops it)
fn div_one(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match args(n, Op::Binary(BinaryOp::Div)) {
        Some(&[a, b]) if is_value(eg, b, 1.0) => vec![class(a)],
        _ => vec![],
    }
}

// x ** 1 == x
fn pow_one(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match args(n, Op::Binary(BinaryOp::Pow)) {
        Some(&[a, b]) if is_value(eg, b, 1.0) => vec![class(a)],
        _ => vec![],
    }
}

// x - 0 == x, for floats only with +0.0 (-0.0 - +0.0 is -0.0; but -0.0 - -0.0 is +0.0)
fn sub_zero(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match args(n, Op::Binary(BinaryOp::Sub)) {
        Some(&[a, b]) if is_exactly(eg, b, 0.0) => vec![class(a)],
        _ => vec![],
    }
}

/// `x + z == x` and `z + x == x` where the class `z` is uniformly `zero`, for `x` of
/// float (or non-float) dtype.
fn add_zero(eg: &LfEGraph, n: &ENode, float: bool, zero: f64) -> Vec<Build> {
    let Some(&[a, b]) = args(n, Op::Binary(BinaryOp::Add)) else {
        return vec![];
    };
    if ty(eg, a).dtype.is_float() != float {
        return vec![];
    }
    let mut out = vec![];
    if is_exactly(eg, b, zero) {
        out.push(class(a));
    }
    if is_exactly(eg, a, zero) {
        out.push(class(b));
    }
    out
}

// x + 0 == x for integers and bool
fn add_zero_exact(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    add_zero(eg, n, false, 0.0)
}

// x + (-0.0) == x for floats, every x included (-0.0 + -0.0 is -0.0); x + 0.0 is not
// (-0.0 + 0.0 is +0.0)
fn add_negative_zero(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    add_zero(eg, n, true, -0.0)
}

// --x == x (integers wrap: -(-MIN) == MIN)
fn neg_neg(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let Some(&[x]) = args(n, Op::Unary(UnaryOp::Neg)) else {
        return vec![];
    };
    operands_of(eg, x, Op::Unary(UnaryOp::Neg))
        .map(|inner| class(inner[0]))
        .collect()
}

// cast(x, dtype(x)) == x
fn cast_same(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    match (&n.op, n.children.as_slice()) {
        (Op::Cast(to), &[x]) if ty(eg, x).dtype == *to => vec![class(x)],
        _ => vec![],
    }
}

/// Whether every value of `from` converts to `to` and back exactly.
fn lossless(from: DType, to: DType) -> bool {
    use DType::*;
    match (from, to) {
        _ if from == to => true,
        (Bool, _) | (F16 | F32, F64) | (F16, F32) => true,
        // Wider integers of a kind that holds the sign.
        (f, t) if f.is_int() && t.is_int() => {
            f.bits() < t.bits() && (f.is_unsigned() || t.is_signed())
        }
        // A float whose mantissa holds every value (11, 24 and 53 bits).
        (f, F16) if f.is_int() => f.bits() <= 8,
        (f, F32) if f.is_int() => f.bits() <= 16,
        (f, F64) if f.is_int() => f.bits() <= 32,
        _ => false,
    }
}

/// Whether `cast(cast(x, via), to) == cast(x, to)` for every `x` of dtype `from`.
///
/// Needs a lossless first cast, and where a float leads back to an integer, values
/// that NumPy's float-to-integer conversion (through int32 for narrow targets)
/// handles like the direct integer conversion: uint32 beyond int32's range is not.
fn chain_is_direct(from: DType, via: DType, to: DType) -> bool {
    lossless(from, via) && !(via.is_float() && to.is_int() && from == DType::U32)
}

// cast(cast(x, a), b) == cast(x, b) when the cast to a loses nothing
fn cast_lossless_chain(eg: &LfEGraph, n: &ENode) -> Vec<Build> {
    let (Op::Cast(b), &[y]) = (&n.op, n.children.as_slice()) else {
        return vec![];
    };
    eg[y]
        .nodes
        .iter()
        .filter_map(|inner| match (&inner.op, inner.children.as_slice()) {
            (Op::Cast(a), &[x]) if chain_is_direct(ty(eg, x).dtype, *a, *b) => {
                Some(Build::Node(Op::Cast(*b), vec![class(x)]))
            }
            _ => None,
        })
        .collect()
}
