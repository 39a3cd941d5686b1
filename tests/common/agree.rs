//! Comparing compiled results with the interpreter's: which outputs may round
//! differently (and within what tolerance), which may not be compared at all.

#![allow(dead_code)]

use lazyfuse::ir::{Program, Scalar, Value};

/// Ops whose compiled results may round differently from the interpreter's: its own
/// vector math (within a few ulp of libm), float sums, products and means (another
/// association), float matmul (BLAS blocking).
pub fn rounds_differently(instr: &lazyfuse::ir::Instr) -> bool {
    use lazyfuse::ir::{Op, ReduceOp, UnaryOp};
    let float = instr.ty.dtype.is_float();
    match &instr.op {
        Op::Unary(u) => {
            float
                && !matches!(
                    u,
                    UnaryOp::Neg
                        | UnaryOp::Abs
                        | UnaryOp::Sign
                        | UnaryOp::Sqrt
                        | UnaryOp::Square
                        | UnaryOp::Reciprocal
                        | UnaryOp::Floor
                        | UnaryOp::Ceil
                        | UnaryOp::Round
                        | UnaryOp::Trunc
                )
        }
        Op::Binary(lazyfuse::ir::BinaryOp::Arctan2) => true,
        Op::Binary(lazyfuse::ir::BinaryOp::Pow) => float,
        Op::Reduce {
            op: ReduceOp::Sum | ReduceOp::Prod | ReduceOp::Mean,
            ..
        } => float,
        Op::MatMul => float,
        _ => false,
    }
}

/// Ops whose result can jump when an operand moves by an ulp: a remainder or floor
/// division near a multiple, rounding to integers, comparisons, casts, selection.
pub fn discontinuous(instr: &lazyfuse::ir::Instr) -> bool {
    use lazyfuse::ir::{BinaryOp, Op, UnaryOp};
    matches!(
        &instr.op,
        Op::Binary(
            BinaryOp::Rem
                | BinaryOp::FloorDiv
                | BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
        ) | Op::Unary(
            UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round | UnaryOp::Trunc | UnaryOp::Sign
        ) | Op::Cast(_)
            | Op::Where
    )
}

/// Periodic ops: once their argument is large, an ulp of it is a large part of the
/// period (float32 sinh(10) = 11013.23 has ulps of 0.001, and sin of the next float
/// differs in the fourth digit; by 1e7 an ulp is a whole period).
pub fn periodic(instr: &lazyfuse::ir::Instr) -> bool {
    use lazyfuse::ir::{Op, UnaryOp};
    matches!(
        &instr.op,
        Op::Unary(UnaryOp::Sin | UnaryOp::Cos | UnaryOp::Tan)
    )
}

/// For each output: whether it depends on a value that may round differently
/// (compared within a looser tolerance, integers and bools not at all: a value an ulp
/// from an integer boundary or a comparison threshold may legitimately land on either
/// side, and integer ops propagate that); and whether such a value went through a
/// discontinuous or periodic op on the way (not compared at all: `rem(exp(15) in
/// float32, 1)` is 0.25 or 0.5 for exp results an ulp apart, and a division by it
/// doubles; float32 sin(sinh(10)) is 0.92853 or 0.92890 for sinh results an ulp apart).
pub fn tainted_outputs(program: &Program) -> Vec<(bool, bool)> {
    let mut tainted = vec![false; program.len()];
    let mut chaotic = vec![false; program.len()];
    for id in program.ids() {
        let instr = program.instr(id);
        let from_tainted = instr.args.iter().any(|a| tainted[a.index()]);
        tainted[id.index()] = rounds_differently(instr) || from_tainted;
        chaotic[id.index()] = ((discontinuous(instr) || periodic(instr)) && from_tainted)
            || instr.args.iter().any(|a| chaotic[a.index()]);
    }
    program
        .outputs()
        .iter()
        .map(|o| (tainted[o.index()], chaotic[o.index()]))
        .collect()
}

/// Equal, except that floats may differ by rounding within a tolerance scaled by the
/// magnitudes: `loose` (downstream of differently rounding ops) widens the float64
/// tolerance, since a float32 function's few ulp may reach a float64 output, and skips
/// integer and bool values (see `tainted_outputs`); otherwise they must be equal.
pub fn agree_within(want: &Value, got: &Value, scale: f64, loose: bool) -> bool {
    let f64_tol = if loose { 1e-6 } else { 1e-12 };
    want.ty() == got.ty()
        && want
            .to_scalars()
            .iter()
            .zip(got.to_scalars())
            .all(|(x, y)| match (x, y) {
                (Scalar::F64(p), Scalar::F64(q)) => close(*p, q, f64_tol, scale),
                (Scalar::F32(p), Scalar::F32(q)) => close(*p as f64, q as f64, 1e-5, scale),
                // float16 exactly, complex per part; NaN matches NaN (any payload).
                (p, q) if p.dtype().is_inexact() => {
                    let tol = match p {
                        Scalar::C128(_) => f64_tol,
                        Scalar::C64(_) => 1e-5,
                        _ => 0.0,
                    };
                    let ((pr, pi), (qr, qi)) = (p.parts(), q.parts());
                    p.dtype() == q.dtype() && close(pr, qr, tol, scale) && close(pi, qi, tol, scale)
                }
                (p, q) => loose || *p == q,
            })
}

/// Strict agreement (no differently rounding op upstream).
pub fn agree(want: &Value, got: &Value, scale: f64) -> bool {
    agree_within(want, got, scale, false)
}

pub fn close(p: f64, q: f64, tol: f64, scale: f64) -> bool {
    p.to_bits() == q.to_bits()
        || (p.is_nan() && q.is_nan())
        || p == q
        || (p - q).abs() <= tol * (1.0 + scale)
}

pub fn magnitude(values: &[Value]) -> f64 {
    values
        .iter()
        .flat_map(|v| v.to_scalars())
        .map(|s| s.as_f64().abs())
        .filter(|m| m.is_finite())
        .fold(0.0, f64::max)
}
