//! Every rule: it fires on a small program, it does not fire where it would be wrong,
//! and the rewritten program agrees with the original under the interpreter.

mod rule_check;

use lazyfuse_ir::Program;
use lazyfuse_optimizer::{rule_catalog, FloatMode, Tier};
use rule_check::*;

macro_rules! p {
    ($($line:expr),* ; $ret:expr ; $($input:expr),*) => {
        format!("program({}) {{\n{}\n  return {}\n}}", [$($input),*].join(", "), [$(concat!("  ", $line)),*].join("\n"), $ret)
    };
}

#[test]
fn arithmetic_identities() {
    let out = fires(
        "mul-one",
        &p!("b: f64[] = const[1.0]", "c: f64[4] = mul a b"; "c"; "a: f64[4]"),
    );
    assert_eq!(out.len(), 1, "{out}");
    // 1 broadcasting a to a larger shape is not an identity.
    does_not_fire(
        "mul-one",
        &p!("b: f64[] = const[1.0]", "c: f64[3,4] = broadcast_to[shape=(3,4)] b", "d: f64[3,4] = mul a c"; "d"; "a: f64[4]"),
    );
    fires(
        "div-one",
        &p!("b: f32[] = const[1.0]", "c: f32[4] = div a b"; "c"; "a: f32[4]"),
    );
    // On integers division gives float64: not the operand.
    does_not_fire(
        "div-one",
        &p!("b: i32[] = const[1]", "c: f64[4] = div a b"; "c"; "a: i32[4]"),
    );
    fires(
        "pow-one",
        &p!("b: f64[] = const[1.0]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
    );
    fires(
        "sub-zero",
        &p!("b: f64[] = const[0.0]", "c: f64[4] = sub a b"; "c"; "a: f64[4]"),
    );
    // -0.0 - -0.0 is +0.0: subtracting -0.0 is not an identity.
    does_not_fire(
        "sub-zero",
        &p!("b: f64[] = const[-0.0]", "c: f64[4] = sub a b"; "c"; "a: f64[4]"),
    );
    fires(
        "add-zero-exact",
        &p!("b: i64[] = const[0]", "c: i64[4] = add b a"; "c"; "a: i64[4]"),
    );
    fires(
        "add-negative-zero",
        &p!("b: f64[] = const[-0.0]", "c: f64[4] = add a b"; "c"; "a: f64[4]"),
    );
    // -0.0 + 0.0 is +0.0 (regression: 1/(x + 0.0) gave -inf for x = -0.0).
    does_not_fire(
        "add-negative-zero",
        &p!("b: f64[] = const[0.0]", "c: f64[4] = add a b"; "c"; "a: f64[4]"),
    );
    does_not_fire(
        "add-negative-zero",
        &p!("b: f64[] = const[0.5]", "c: f64[4] = add a b"; "c"; "a: f64[4]"),
    );
    // A bool false is +0.0 too (found by the differential proptest: -0.0 + false).
    does_not_fire(
        "add-negative-zero",
        &p!("b: bool[] = const[false]", "c: f32[4] = add a b"; "c"; "a: f32[4]"),
    );
    let out = fires(
        "neg-neg",
        &p!("b: i32[4] = neg a", "c: i32[4] = neg b"; "c"; "a: i32[4]"),
    );
    assert_eq!(out.len(), 1);
    fires(
        "cast-same",
        &p!("b: f32[4] = cast[f32] a"; "b"; "a: f32[4]"),
    );
    fires(
        "cast-lossless-chain",
        &p!("b: i64[4] = cast[i64] a", "c: f64[4] = cast[f64] b"; "c"; "a: i32[4]"),
    );
    // f64 -> f32 rounds: the chain is not one cast.
    does_not_fire(
        "cast-lossless-chain",
        &p!("b: f32[4] = cast[f32] a", "c: f64[4] = cast[f64] b"; "c"; "a: f64[4]"),
    );
}

#[test]
fn the_forbidden_identities_stay_forbidden() {
    // x * 0 and x - x would turn NaN and inf into 0.
    let (_, o) = run(
        &p!("b: f64[] = const[0.0]", "c: f64[4] = mul a b"; "c"; "a: f64[4]"),
        FloatMode::Algebraic,
    );
    assert_eq!(count(&o.program, "mul"), 1, "{}", o.program);
    let (_, o) = run(
        &p!("b: f64[4] = sub a a"; "b"; "a: f64[4]"),
        FloatMode::Algebraic,
    );
    assert_eq!(count(&o.program, "sub"), 1, "{}", o.program);
}

#[test]
fn constant_folding_uses_the_interpreter() {
    let (_, o) = run(
        &p!("b: f64[] = const[2.0]", "c: f64[] = const[3.0]", "d: f64[] = pow b c", "e: f64[4] = mul a d"; "e"; "a: f64[4]"),
        FloatMode::Strict,
    );
    assert_eq!(count(&o.program, "pow"), 0, "{}", o.program);
    assert!(
        o.program.to_string().contains("const[8.0]"),
        "{}",
        o.program
    );
}

#[test]
fn strength_reduction() {
    fires("mul-self", &p!("b: f64[4] = mul a a"; "b"; "a: f64[4]"));
    let out = fires(
        "pow-zero",
        &p!("b: f64[] = const[0.0]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
    );
    assert_eq!(count(&out, "pow"), 0);
    fires(
        "pow-two-int",
        &p!("b: i64[] = const[2]", "c: i64[4] = pow a b"; "c"; "a: i64[4]"),
    );
    fires(
        "pow-two-float",
        &p!("b: f64[] = const[2.0]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
    );
    does_not_fire(
        "pow-two-float",
        &p!("b: f64[] = const[2.5]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
    );
    fires(
        "pow-three",
        &p!("b: f64[] = const[3.0]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
    );
    fires(
        "pow-minus-one-int",
        &p!("b: i32[] = const[-1]", "c: i32[4] = pow a b"; "c"; "a: i32[4]"),
    );
    fires(
        "pow-minus-one-float",
        &p!("b: f32[] = const[-1.0]", "c: f32[4] = pow a b"; "c"; "a: f32[4]"),
    );
    fires(
        "pow-half",
        &p!("b: f64[] = const[0.5]", "c: f64[4] = pow a b", "d: f64[4] = abs c"; "d"; "a: f64[4]"),
    );
    let out = fires(
        "div-power-of-two",
        &p!("b: f64[] = const[4.0]", "c: f64[4] = div a b"; "c"; "a: f64[4]"),
    );
    assert!(out.to_string().contains("const[0.25]"), "{out}");
    does_not_fire(
        "div-power-of-two",
        &p!("b: f64[] = const[3.0]", "c: f64[4] = div a b"; "c"; "a: f64[4]"),
    );
    fires(
        "div-constant",
        &p!("b: f64[] = const[3.0]", "c: f64[4] = div a b"; "c"; "a: f64[4]"),
    );
    // Strict mode keeps the rounding division.
    let (_, o) = run(
        &p!("b: f64[] = const[3.0]", "c: f64[4] = div a b"; "c"; "a: f64[4]"),
        FloatMode::Strict,
    );
    assert_eq!(count(&o.program, "div"), 1);
    does_not_fire(
        "div-constant",
        &p!("b: f64[] = const[0.0]", "c: f64[4] = div a b"; "c"; "a: f64[4]"),
    );
}

#[test]
fn transcendental_identities() {
    let out = fires(
        "exp-mul-exp",
        &p!("c: f64[4] = exp a", "d: f64[4] = exp b", "e: f64[4] = mul c d"; "e"; "a: f64[4]", "b: f64[4]"),
    );
    assert_eq!(count(&out, "exp"), 1, "{out}");
    fires(
        "log-exp",
        &p!("b: f64[4] = exp a", "c: f64[4] = log b"; "c"; "a: f64[4]"),
    );
    // exp(log(x)) is not x for negative x (NaN would become finite): no such rule.
    let (_, o) = run(
        &p!("b: f64[4] = log a", "c: f64[4] = exp b"; "c"; "a: f64[4]"),
        FloatMode::Algebraic,
    );
    assert_eq!(count(&o.program, "exp"), 1);
    fires(
        "exp-minus-one",
        &p!("b: f64[4] = exp a", "c: f64[] = const[1.0]", "d: f64[4] = sub b c"; "d"; "a: f64[4]"),
    );
    does_not_fire(
        "exp-minus-one",
        &p!("b: f64[4] = exp a", "c: f64[] = const[2.0]", "d: f64[4] = sub b c"; "d"; "a: f64[4]"),
    );
    fires(
        "log-one-plus",
        &p!("b: f64[] = const[1.0]", "c: f64[4] = add b a", "d: f64[4] = abs c", "e: f64[4] = log c"; "e, d"; "a: f64[4]"),
    );
}

#[test]
fn distribution_and_factoring() {
    let out = fires(
        "factor-common",
        &p!("d: i64[4] = mul a b", "e: i64[4] = mul c a", "f: i64[4] = add d e"; "f"; "a: i64[4]", "b: i64[4]", "c: i64[4]"),
    );
    assert_eq!(count(&out, "mul"), 1, "{out}");
    // Floats: a finite non-zero constant factor only...
    let out = fires(
        "factor-common",
        &p!("k: f64[] = const[3.0]", "d: f64[4] = mul k b", "e: f64[4] = mul c k", "f: f64[4] = sub d e"; "f"; "b: f64[4]", "c: f64[4]"),
    );
    assert_eq!(count(&out, "mul"), 1, "{out}");
    // ...as an array factor may be -0.0: -0*2 - -0*1.5 is +0, -0*(2 - 1.5) is -0.
    does_not_fire(
        "factor-common",
        &p!("d: f64[4] = mul a b", "e: f64[4] = mul c a", "f: f64[4] = add d e"; "f"; "a: f64[4]", "b: f64[4]", "c: f64[4]"),
    );
    does_not_fire(
        "factor-common",
        &p!("k: f64[] = const[0.0]", "d: f64[4] = mul k b", "e: f64[4] = mul c k", "f: f64[4] = sub d e"; "f"; "b: f64[4]", "c: f64[4]"),
    );
    does_not_fire(
        "factor-common",
        &p!("d: f64[4] = mul a b", "e: f64[4] = mul c c", "f: f64[4] = add d e"; "f"; "a: f64[4]", "b: f64[4]", "c: f64[4]"),
    );
    // Distribution fires when it shares a product that is computed anyway...
    fires(
        "distribute-mul",
        &p!("d: i64[4] = add b c", "e: i64[4] = mul a d", "f: i64[4] = mul a b"; "e, f"; "a: i64[4]", "b: i64[4]", "c: i64[4]"),
    );
    // ...and not blindly, where it only adds work...
    does_not_fire(
        "distribute-mul",
        &p!("d: i64[4] = add b c", "e: i64[4] = mul a d"; "e"; "a: i64[4]", "b: i64[4]", "c: i64[4]"),
    );
    // ...nor on floats: inf * (1 - t) is inf where inf - inf * t is NaN, and the
    // rounding differs (NumPy's lerp, b - d * (1 - t), must keep its bits).
    does_not_fire(
        "distribute-mul",
        &p!("d: f64[4] = sub b c", "e: f64[4] = mul a d", "f: f64[4] = mul a c"; "e, f"; "a: f64[4]", "b: f64[4]", "c: f64[4]"),
    );
    fires(
        "square-of-product",
        &p!("c: f64[4] = mul a b", "d: f64[4] = square c"; "d"; "a: f64[4]", "b: f64[4]"),
    );
}

#[test]
fn regression_division_by_a_float32_constant_in_float64() {
    // Found by tests/optimizer_differential.rs: x_f64 / c_f32 computes in f64, so 1/c
    // must be rounded in f64, not f32 (that lost 8 digits).
    let out = fires(
        "div-constant",
        &p!("b: f32[] = const[1.8703899]", "c: f64[4] = div a b"; "c"; "a: f64[4]"),
    );
    assert!(
        out.to_string().contains("f64[]") && out.to_string().contains("const[0.53464"),
        "{out}"
    );
}

#[test]
fn regression_sum_of_broadcast_over_an_empty_axis() {
    // Found by tests/optimizer_differential.rs: mean over a zero-size broadcast axis is
    // NaN, not the operand; an empty sum is 0, not x * 0.
    does_not_fire(
        "sum-of-broadcast",
        &p!("b: f64[2,0] = broadcast_to[shape=(2,0)] a", "c: f64[2,1] = reduce_mean[axes=(1), keepdims] b"; "c"; "a: f64[1,1]"),
    );
    does_not_fire(
        "sum-of-broadcast",
        &p!("b: f64[2,0] = broadcast_to[shape=(2,0)] a", "c: f64[2] = reduce_sum[axes=(1)] b"; "c"; "a: f64[1,1]"),
    );
}

#[test]
fn broadcast_factors_leave_sums() {
    // Σ_j x_ij w_i = w_i Σ_j x_ij: w varies only along the kept axis.
    let out = fires(
        "sum-broadcast-factor",
        &p!("c: f64[30,1] = reshape[shape=(30,1)] b", "d: f64[30,40] = mul a c", "e: f64[30] = reduce_sum[axes=(1)] d"; "e"; "a: f64[30,40]", "b: f64[30]"),
    );
    let sum = out
        .ids()
        .find(|&i| out.instr(i).op.name() == "reduce_sum")
        .unwrap();
    assert_eq!(
        out.instr(out.instr(sum).args[0]).op.name(),
        "input",
        "the sum reads x directly:\n{out}"
    );
    fires(
        "sum-broadcast-factor",
        &p!("c: f64[30,40] = mul a b", "d: f64[1,40] = reduce_sum[axes=(0), keepdims] c"; "d"; "a: f64[30,40]", "b: f64[40]"),
    );
    // A factor that varies along the reduced axis stays inside.
    does_not_fire(
        "sum-broadcast-factor",
        &p!("c: f64[30,40] = mul a b", "d: f64[30] = reduce_sum[axes=(1)] c"; "d"; "a: f64[30,40]", "b: f64[40]"),
    );
}

#[test]
fn reductions() {
    let out = fires(
        "sum-constant-factor",
        &p!("b: f64[] = const[3.0]", "c: f64[4,5] = mul a b", "d: f64[4] = reduce_sum[axes=(1)] c"; "d"; "a: f64[4,5]"),
    );
    // 3 * sum(a) + 0.0: the product, made a sum's +0.0 where it is -0.0.
    let result = out.instr(*out.outputs().first().unwrap());
    assert_eq!(result.op.name(), "add", "{out}");
    assert_eq!(out.instr(result.args[0]).op.name(), "mul", "{out}");
    // A factor that broadcasts the operand to a larger shape is not a scalar factor.
    does_not_fire(
        "sum-constant-factor",
        &p!("c: f64[4,5] = mul a b", "d: f64[4] = reduce_sum[axes=(1)] c"; "d"; "a: f64[5]", "b: f64[4,5]"),
    );
    fires(
        "sum-linear",
        &p!("c: f64[4,5] = add a b", "d: f64[] = reduce_sum[axes=(0,1)] c"; "d"; "a: f64[4,5]", "b: f64[4,5]"),
    );
    // Mixed dtypes: the sum of an int32 part would wrap in int64, so no linearity.
    does_not_fire(
        "sum-linear",
        &p!("c: f64[4,5] = add a b", "d: f64[] = reduce_sum[axes=(0,1)] c"; "d"; "a: i32[4,5]", "b: f64[4,5]"),
    );
    // Bool add is a logical or: sum(c + c) is sum(c) (found by the differential proptest).
    does_not_fire(
        "sum-linear",
        &p!("c: bool[4] = add a a", "d: i64[] = reduce_sum[axes=(0)] c"; "d"; "a: bool[4]"),
    );
    let out = fires(
        "sum-of-broadcast",
        &p!("b: f64[3,4,5] = broadcast_to[shape=(3,4,5)] a", "c: f64[4,5] = reduce_sum[axes=(0)] b"; "c"; "a: f64[4,5]"),
    );
    assert_eq!(count(&out, "reduce_sum"), 0, "{out}");
    // Summing along an axis the operand varies on is a real sum.
    does_not_fire(
        "sum-of-broadcast",
        &p!("b: f64[3,4,5] = broadcast_to[shape=(3,4,5)] a", "c: f64[3,4] = reduce_sum[axes=(2)] b"; "c"; "a: f64[4,5]"),
    );
    fires(
        "sum-of-broadcast",
        &p!("b: i32[6,4] = broadcast_to[shape=(6,4)] a", "c: i64[4] = reduce_sum[axes=(0)] b"; "c"; "a: i32[4]"),
    );
    let out = fires(
        "sum-of-outer-product",
        &p!("c: f64[30,1] = reshape[shape=(30,1)] a", "d: f64[1,40] = reshape[shape=(1,40)] b", "e: f64[30,40] = mul c d", "f: f64[] = reduce_sum[axes=(0,1)] e"; "f"; "a: f64[30]", "b: f64[40]"),
    );
    assert_eq!(count(&out, "reduce_sum"), 2, "{out}");
    let out = fires(
        "sum-bilinear-form",
        &p!("d: f64[30,1] = reshape[shape=(30,1)] b", "e: f64[1,40] = reshape[shape=(1,40)] c", "f: f64[30,40] = mul d e", "g: f64[30,40] = mul a f", "h: f64[] = reduce_sum[axes=(0,1)] g"; "h"; "a: f64[30,40]", "b: f64[30]", "c: f64[40]"),
    );
    assert_eq!(count(&out, "matmul"), 2, "{out}");
}

#[test]
fn the_expanded_square_never_materialises_the_outer_product() {
    // sum(X**2) - 2*sum(X * outer(u, v)) + sum(outer(u, v)**2), as a NumPy user writes it.
    let text = p!(
        "d: f64[200,1] = reshape[shape=(200,1)] b",
        "e: f64[1,300] = reshape[shape=(1,300)] c",
        "f: f64[200,300] = mul d e",
        "g: f64[200,300] = square a",
        "h: f64[] = reduce_sum[axes=(0,1)] g",
        "i: f64[200,300] = mul a f",
        "j: f64[] = reduce_sum[axes=(0,1)] i",
        "k: f64[] = const[2.0]",
        "l: f64[] = mul k j",
        "m: f64[] = sub h l",
        "n: f64[200,300] = square f",
        "o: f64[] = reduce_sum[axes=(0,1)] n",
        "q: f64[] = add m o";
        "q"; "a: f64[200,300]", "b: f64[200]", "c: f64[300]");
    let (program, o) = run(&text, FloatMode::Algebraic);
    let big = |p: &Program| {
        p.ids()
            .filter(|&i| {
                p.instr(i).ty.shape.numel() == 200 * 300 && p.instr(i).op.name() != "input"
            })
            .count()
    };
    assert_eq!(
        big(&o.program),
        1,
        "only X**2 remains full-size:\n{}\n{}",
        o.program,
        o.report
    );
    // 7 full-size passes (square, outer, product, square, 3 sums) become about 4.
    assert!(
        o.report.cost_after < 0.7 * o.report.cost_before,
        "{}",
        o.report
    );
    check_numbers(&program, &o.program, Tier::Algebraic);
}

#[test]
fn layout() {
    let out = fires(
        "transpose-transpose",
        &p!("b: f64[3,4,2] = transpose[perm=(1,2,0)] a", "c: f64[2,3,4] = transpose[perm=(2,0,1)] b", "d: f64[2,3,4] = exp c"; "d"; "a: f64[2,3,4]"),
    );
    assert_eq!(count(&out, "transpose"), 0, "{out}");
    fires(
        "transpose-identity",
        &p!("b: f64[2,3] = transpose[perm=(0,1)] a"; "b"; "a: f64[2,3]"),
    );
    fires(
        "reshape-reshape",
        &p!("b: f64[6] = reshape[shape=(6)] a", "c: f64[3,2] = reshape[shape=(3,2)] b", "d: f64[3,2] = exp c"; "d"; "a: f64[2,3]"),
    );
    fires(
        "view-same-shape",
        &p!("b: f64[2,3] = broadcast_to[shape=(2,3)] a"; "b"; "a: f64[2,3]"),
    );
    fires(
        "broadcast-broadcast",
        &p!("b: f64[2,3] = broadcast_to[shape=(2,3)] a", "c: f64[4,2,3] = broadcast_to[shape=(4,2,3)] b", "d: f64[4,2,3] = exp c"; "d"; "a: f64[3]"),
    );
    let out = fires(
        "slice-slice",
        &p!("b: f64[5] = slice[starts=(9), steps=(-2), lens=(5)] a", "c: f64[2] = slice[starts=(1), steps=(2), lens=(2)] b", "d: f64[2] = exp c"; "d"; "a: f64[10]"),
    );
    assert_eq!(count(&out, "slice"), 1, "{out}");
    fires(
        "slice-whole",
        &p!("b: f64[4] = slice[starts=(0), steps=(1), lens=(4)] a"; "b"; "a: f64[4]"),
    );
    does_not_fire(
        "slice-whole",
        &p!("b: f64[4] = slice[starts=(3), steps=(-1), lens=(4)] a"; "b"; "a: f64[4]"),
    );
    fires(
        "transpose-through-elementwise",
        &p!("c: f64[3,2] = add a b", "d: f64[2,3] = transpose[perm=(1,0)] c"; "d"; "a: f64[3,2]", "b: f64[3,2]"),
    );
    // A broadcast operand has another shape: not pushed through.
    does_not_fire(
        "transpose-through-elementwise",
        &p!("c: f64[3,2] = add a b", "d: f64[2,3] = transpose[perm=(1,0)] c"; "d"; "a: f64[3,2]", "b: f64[2]"),
    );
    fires(
        "gather-through-elementwise",
        &p!("q: i64[3] = arange[start=5, step=-2, len=3]", "c: f64[2,3] = exp a", "d: f64[3] = gather c q"; "d"; "a: f64[2,3]"),
    );
    // A 0-d operand is the same at every position: it stays as it is.
    fires(
        "gather-through-elementwise",
        &p!("q: i64[4] = arange[start=0, step=2, len=4]", "c: f64[8] = mul a b", "d: f64[4] = gather c q"; "d"; "a: f64[8]", "b: f64[]"),
    );
    // A broadcast operand of another shape has other flat positions: not pushed.
    does_not_fire(
        "gather-through-elementwise",
        &p!("q: i64[3] = arange[start=5, step=-2, len=3]", "c: f64[2,3] = add a b", "d: f64[3] = gather c q"; "d"; "a: f64[2,3]", "b: f64[3]"),
    );
    // A slice of rows steps by one: its element p is x's element p + start * row.
    fires(
        "gather-through-slice",
        &p!("b: f64[3,2] = slice[starts=(1,0), steps=(1,1), lens=(3,2)] a", "q: i64[4] = arange[start=5, step=-1, len=4]", "d: f64[4] = gather b q"; "d"; "a: f64[4,2]"),
    );
    // A slice of columns has gaps between its rows: not a shifted gather.
    does_not_fire(
        "gather-through-slice",
        &p!("b: f64[4,1] = slice[starts=(0,1), steps=(1,1), lens=(4,1)] a", "q: i64[2] = arange[start=3, step=-2, len=2]", "d: f64[2] = gather b q"; "d"; "a: f64[4,2]"),
    );
    fires(
        "where-constant-condition",
        &p!("c: bool[] = const[false]", "d: f64[4] = where c a b"; "d"; "a: f64[4]", "b: f64[4]"),
    );
    // The chosen operand has another dtype than the result: not an identity.
    does_not_fire(
        "where-constant-condition",
        &p!("c: bool[] = const[true]", "d: f64[4] = where c a b"; "d"; "a: f32[4]", "b: f64[4]"),
    );
    fires(
        "scalar-operand",
        &p!("c: f64[4] = broadcast_to[shape=(4)] b", "d: f64[4] = mul a c"; "d"; "a: f64[4]", "b: f64[]"),
    );
    // With no operand of the result's shape, the broadcast sets the shape: kept.
    does_not_fire(
        "scalar-operand",
        &p!("c: f64[4] = broadcast_to[shape=(4)] b", "d: f64[4] = mul c a"; "d"; "a: f64[]", "b: f64[]"),
    );
    fires(
        "reduce-of-transpose-exact",
        &p!("b: f64[4,3,2] = transpose[perm=(2,1,0)] a", "c: f64[4,2] = reduce_max[axes=(1)] b"; "c"; "a: f64[2,3,4]"),
    );
    fires(
        "reduce-of-transpose-reassociating",
        &p!("b: f64[4,3,2] = transpose[perm=(2,1,0)] a", "c: f64[4,1,1] = reduce_sum[axes=(1,2), keepdims] b"; "c"; "a: f64[2,3,4]"),
    );
    // An arg-reduction over two axes indexes their flattening: order matters.
    does_not_fire(
        "reduce-of-transpose-exact",
        &p!("b: f64[4,3,2] = transpose[perm=(2,1,0)] a", "c: i64[4] = reduce_argmax[axes=(1,2)] b"; "c"; "a: f64[2,3,4]"),
    );
}

#[test]
fn linear_algebra() {
    let out = fires(
        "matmul-assoc-left",
        &p!("d: f64[50,60] = matmul a b", "e: f64[50] = matmul d c"; "e"; "a: f64[50,40]", "b: f64[40,60]", "c: f64[60]"),
    );
    // (A @ B) @ v became A @ (B @ v): two matrix-vector products.
    let first = out
        .ids()
        .find(|&i| out.instr(i).op.name() == "matmul")
        .unwrap();
    assert_eq!(out.instr(first).ty.shape.dims(), &[40], "{out}");
    fires(
        "matmul-assoc-right",
        &p!("d: f64[40,2] = matmul b c", "e: f64[2,2] = matmul a d"; "e"; "a: f64[2,40]", "b: f64[40,40]", "c: f64[40,2]"),
    );
    // Batched operands are left alone.
    does_not_fire(
        "matmul-assoc-left",
        &p!("d: f64[3,5,6] = matmul a b", "e: f64[3,5] = matmul d c"; "e"; "a: f64[3,5,4]", "b: f64[3,4,6]", "c: f64[6]"),
    );
    fires(
        "transpose-of-matmul",
        &p!("c: f64[3,5] = matmul a b", "d: f64[5,3] = transpose[perm=(1,0)] c"; "d"; "a: f64[3,4]", "b: f64[4,5]"),
    );
    fires(
        "matmul-scalar",
        &p!("c: f64[] = const[2.0]", "d: f64[30,40] = mul a c", "e: f64[30,50] = matmul d b"; "e"; "a: f64[30,40]", "b: f64[40,50]"),
    );
    fires(
        "matmul-factor",
        &p!("d: f64[20,30] = matmul a b", "e: f64[20,30] = matmul a c", "f: f64[20,30] = add d e"; "f"; "a: f64[20,40]", "b: f64[40,30]", "c: f64[40,30]"),
    );
    fires(
        "matmul-distribute",
        &p!("d: f64[40,3] = add b c", "e: f64[2,3] = matmul a d", "f: f64[2,3] = matmul a b"; "e, f"; "a: f64[2,40]", "b: f64[40,3]", "c: f64[40,3]"),
    );
    does_not_fire(
        "matmul-distribute",
        &p!("d: f64[40,3] = add b c", "e: f64[2,3] = matmul a d"; "e"; "a: f64[2,40]", "b: f64[40,3]", "c: f64[40,3]"),
    );
}

/// The does-not-fire half for rules whose guards are not exercised above: each case is
/// where the rule would be wrong (type, shape, dtype class, value) or does not apply.
#[test]
fn rules_stay_quiet_where_they_do_not_hold() {
    let cases: &[(&str, String)] = &[
        // 1 broadcasting x up changes its shape.
        (
            "pow-one",
            p!("b: f64[] = const[1.0]", "c: f64[3,4] = broadcast_to[shape=(3,4)] b", "d: f64[3,4] = pow a c"; "d"; "a: f64[4]"),
        ),
        (
            "pow-one",
            p!("b: f64[] = const[2.0]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
        ),
        // Integer zero rules leave floats alone (x + 0.0 is not x for -0.0).
        (
            "add-zero-exact",
            p!("b: f64[] = const[0.0]", "c: f64[4] = add a b"; "c"; "a: f64[4]"),
        ),
        (
            "neg-neg",
            p!("b: i32[4] = neg a", "c: i32[4] = abs b", "d: i32[4] = neg c"; "d"; "a: i32[4]"),
        ),
        ("cast-same", p!("b: f32[4] = cast[f32] a"; "b"; "a: f64[4]")),
        (
            "square-of-product",
            p!("c: f64[4] = add a b", "d: f64[4] = square c"; "d"; "a: f64[4]", "b: f64[4]"),
        ),
        (
            "transpose-transpose",
            p!("b: f64[4,3] = transpose[perm=(1,0)] a", "c: f64[12] = reshape[shape=(12)] b"; "c"; "a: f64[3,4]"),
        ),
        (
            "transpose-identity",
            p!("b: f64[4,3] = transpose[perm=(1,0)] a"; "b"; "a: f64[3,4]"),
        ),
        (
            "reshape-reshape",
            p!("b: f64[4,3] = transpose[perm=(1,0)] a", "c: f64[12] = reshape[shape=(12)] b"; "c"; "a: f64[3,4]"),
        ),
        (
            "view-same-shape",
            p!("b: f64[4,3] = reshape[shape=(4,3)] a"; "b"; "a: f64[3,4]"),
        ),
        (
            "broadcast-broadcast",
            p!("b: f64[1,4] = reshape[shape=(1,4)] a", "c: f64[3,4] = broadcast_to[shape=(3,4)] b"; "c"; "a: f64[4]"),
        ),
        (
            "slice-slice",
            p!("b: f64[4,3] = transpose[perm=(1,0)] a", "c: f64[2,3] = slice[starts=(0,0), steps=(2,1), lens=(2,3)] b"; "c"; "a: f64[3,4]"),
        ),
        // Batched operands are not chained.
        (
            "matmul-assoc-right",
            p!("d: f64[3,4,6] = matmul b c", "e: f64[3,5,6] = matmul a d"; "e"; "a: f64[3,5,4]", "b: f64[3,4,5]", "c: f64[3,5,6]"),
        ),
        // Only for matrices: a batched product's last two axes swapped is no such identity.
        (
            "transpose-of-matmul",
            p!("c: f64[2,3,5] = matmul a b", "d: f64[5,3,2] = transpose[perm=(2,1,0)] c"; "d"; "a: f64[2,3,4]", "b: f64[2,4,5]"),
        ),
        // The factor is a row vector, not a 0-d scalar.
        (
            "matmul-scalar",
            p!("d: f64[30,40] = mul a c", "e: f64[30,50] = matmul d b"; "e"; "a: f64[30,40]", "b: f64[40,50]", "c: f64[40]"),
        ),
        // No shared operand.
        (
            "matmul-factor",
            p!("e: f64[20,30] = matmul a b", "f: f64[20,30] = matmul c d", "g: f64[20,30] = add e f"; "g"; "a: f64[20,40]", "b: f64[40,30]", "c: f64[20,40]", "d: f64[40,30]"),
        ),
        // Not a total sum: summing one axis of an outer product is not a product of sums.
        (
            "sum-of-outer-product",
            p!("c: f64[30,1] = reshape[shape=(30,1)] a", "d: f64[1,40] = reshape[shape=(1,40)] b", "e: f64[30,40] = mul c d", "f: f64[40] = reduce_sum[axes=(0)] e"; "f"; "a: f64[30]", "b: f64[40]"),
        ),
        // Two factors vary along the same axis: not an outer product.
        (
            "sum-of-outer-product",
            p!("c: f64[30] = mul a b", "d: f64[] = reduce_sum[axes=(0)] c"; "d"; "a: f64[30]", "b: f64[30]"),
        ),
        (
            "sum-bilinear-form",
            p!("d: f64[30,1] = reshape[shape=(30,1)] b", "f: f64[30,40] = mul a d", "h: f64[40] = reduce_sum[axes=(0)] f"; "h"; "a: f64[30,40]", "b: f64[30]"),
        ),
        (
            "mul-self",
            p!("c: f64[4] = mul a b"; "c"; "a: f64[4]", "b: f64[4]"),
        ),
        (
            "pow-zero",
            p!("b: f64[] = const[-0.5]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
        ),
        (
            "pow-two-int",
            p!("b: f64[] = const[2.0]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
        ),
        (
            "pow-three",
            p!("b: f64[] = const[3.5]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
        ),
        (
            "pow-minus-one-int",
            p!("b: f64[] = const[-1.0]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
        ),
        (
            "pow-minus-one-float",
            p!("b: i64[] = const[-1]", "c: i64[4] = pow a b"; "c"; "a: i64[4]"),
        ),
        (
            "pow-half",
            p!("b: f64[] = const[0.25]", "c: f64[4] = pow a b"; "c"; "a: f64[4]"),
        ),
        (
            "exp-mul-exp",
            p!("c: f64[4] = exp a", "d: f64[4] = expm1 b", "e: f64[4] = mul c d"; "e"; "a: f64[4]", "b: f64[4]"),
        ),
        (
            "log-exp",
            p!("b: f64[4] = expm1 a", "c: f64[4] = log b"; "c"; "a: f64[4]"),
        ),
        (
            "log-one-plus",
            p!("b: f64[] = const[2.0]", "c: f64[4] = add b a", "e: f64[4] = log c"; "e"; "a: f64[4]"),
        ),
        // max is exact-order: the reassociating variant is not the one to fire.
        (
            "reduce-of-transpose-reassociating",
            p!("b: f64[4,3,2] = transpose[perm=(2,1,0)] a", "c: f64[4,2] = reduce_max[axes=(1)] b"; "c"; "a: f64[2,3,4]"),
        ),
    ];
    for (rule, text) in cases {
        does_not_fire(rule, text);
    }
}

#[test]
fn every_rule_has_a_does_not_fire_case() {
    let source: String = include_str!("rules.rs").split_whitespace().collect();
    let missing: Vec<&str> = rule_catalog()
        .into_iter()
        .map(|(_, name, _)| name)
        .filter(|name| {
            !source.contains(&format!("does_not_fire(\"{name}\","))
                && !source.contains(&format!("(\"{name}\",p!("))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "rules with no does-not-fire case: {missing:?}"
    );
}

#[test]
fn every_rule_has_a_test_above() {
    let source: String = include_str!("rules.rs").split_whitespace().collect();
    for (_, name, _) in rule_catalog() {
        assert!(
            source.contains(&format!("fires(\"{name}\",")),
            "rule {name} has no firing test"
        );
    }
}

#[test]
fn complex_values_get_only_the_rules_that_hold_for_them() {
    // log(exp(z)) wraps z's imaginary part into (-pi, pi]: not z.
    does_not_fire(
        "log-exp",
        &p!("b: c128[4] = exp a", "c: c128[4] = log b"; "c"; "a: c128[4]"),
    );
    // z * 1 is NaN + inf j for z = inf j in NumPy's product: not z.
    does_not_fire(
        "mul-one",
        &p!("b: c128[] = const[1.0+0.0j]", "c: c128[4] = mul a b"; "c"; "a: c128[4]"),
    );
    // A zero with a non-zero imaginary part is no zero (nor is 1j a one).
    does_not_fire(
        "mul-one",
        &p!("b: f64[] = const[1.0]", "d: c128[] = const[0.0+1.0j]", "e: c128[] = add b d", "c: c128[4] = mul a e"; "c"; "a: c128[4]"),
    );
    // NumPy's z ** 3 is an unfused product; (z * z) * z is fused.
    does_not_fire(
        "pow-three",
        &p!("b: c64[] = const[3.0+0.0j]", "c: c64[4] = pow a b"; "c"; "a: c64[4]"),
    );
    // z ** 2 is NumPy's square: x * x.
    fires(
        "pow-two-float",
        &p!("b: c128[] = const[2.0+0.0j]", "c: c128[4] = pow a b"; "c"; "a: c128[4]"),
    );
    // Layout and field identities hold whatever the dtype.
    fires(
        "transpose-transpose",
        &p!("b: c64[3,2] = transpose[perm=(1,0)] a", "c: c64[2,3] = transpose[perm=(1,0)] b", "d: c64[2,3] = exp c"; "d"; "a: c64[2,3]"),
    );
}

#[test]
fn regression_scalar_factors_leave_no_bool_product() {
    // (e*2) @ (e*2) for bool e is an int64 dot product: factoring out both 2s would
    // leave e @ e, a bool product ("any (and)"), not a sum.
    let (program, optimized) = run(
        &p!("c: i64[] = const[2]", "d: i64[3] = mul a c", "e: i64[] = matmul d d"; "e"; "a: bool[3]"),
        FloatMode::Algebraic,
    );
    assert!(
        !optimized.program.to_string().contains("bool[] = matmul"),
        "{}",
        optimized.program
    );
    check_numbers(&program, &optimized.program, Tier::Strict);
}
