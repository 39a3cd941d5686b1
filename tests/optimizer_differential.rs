//! The optimizer on random programs: the optimised program must verify, keep the
//! outputs' types, never be estimated slower, and compute the same values: bit for bit
//! in strict mode, within rounding in algebraic mode.

mod common;

use common::programs::{build, case_strategy};
use lazyfuse::ir::{interpret, Leaf, Program, Scalar, Value};
use lazyfuse_optimizer::{optimize, FloatMode, Options};
use proptest::prelude::*;

fn bound(leaves: Vec<Leaf>) -> Vec<Value> {
    leaves
        .into_iter()
        .map(|l| l.into_value().expect("data leaves only"))
        .collect()
}

fn same_bits(a: &Value, b: &Value) -> bool {
    a.ty() == b.ty()
        && a.to_scalars().iter().zip(b.to_scalars()).all(|(x, y)| {
            if x.dtype().is_inexact() {
                // Float and complex parts: the same bits, or both NaN (any payload).
                let ((pr, pi), (qr, qi)) = (x.parts(), y.parts());
                let part =
                    |p: f64, q: f64| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan());
                part(pr, qr) && part(pi, qi)
            } else {
                *x == y
            }
        })
}

/// Within rounding: finite results agree to a tolerance scaled by the largest finite
/// magnitude the original program computes (cancellation after reassociation loses
/// digits relative to that, not to the result).
/// Equal within rounding; `scale` bounds the magnitudes involved. float64 values computed
/// from float32 ones (`f32_upstream`) carry float32 rounding, so get its tolerance.
fn close(a: &Value, b: &Value, scale: f64, f32_upstream: bool) -> bool {
    a.ty() == b.ty()
        && a.to_scalars().iter().zip(b.to_scalars()).all(|(x, y)| {
            let tol = if f32_upstream || matches!(x, Scalar::F32(_)) {
                1e-4
            } else {
                1e-9
            };
            if x.dtype().is_inexact() {
                let tol = if matches!(x, Scalar::C64(_) | Scalar::F16(_)) {
                    1e-3
                } else {
                    tol
                };
                let ((pr, pi), (qr, qi)) = (x.parts(), y.parts());
                let part = |p: f64, q: f64| {
                    !(p.is_finite() && q.is_finite()) || (p - q).abs() <= tol * (1.0 + scale)
                };
                part(pr, qr) && part(pi, qi)
            } else {
                *x == y
            }
        })
}

/// Every node's value (each node made an output).
fn every_node(program: &Program, inputs: &[Value]) -> Vec<Value> {
    let text = program.to_string();
    let all: Vec<String> = program
        .ids()
        .map(|i| lazyfuse::ir::node_name(i.index()))
        .collect();
    let last = text.lines().rev().nth(1).unwrap().to_string();
    let every: Program = text
        .replace(&last, &format!("  return {}", all.join(", ")))
        .parse()
        .unwrap();
    interpret(&every, inputs).unwrap()
}

fn largest_magnitude(program: &Program, inputs: &[Value]) -> f64 {
    every_node(program, inputs)
        .iter()
        .flat_map(|v| v.to_scalars())
        .map(|s| s.as_f64().abs())
        .filter(|m| m.is_finite())
        .fold(0.0, f64::max)
}

/// Whether the program overflows: some node computes an infinity from operands that
/// hold none. There the algebraic tier may answer otherwise (log(exp(1000)) is inf, its
/// rewrite 1000), and what follows (isinf, a comparison) may differ by more than rounding.
fn overflows(program: &Program, inputs: &[Value]) -> bool {
    let values = every_node(program, inputs);
    let infinite = |v: &Value| v.to_scalars().iter().any(|s| s.as_f64().is_infinite());
    program.ids().any(|id| {
        let args = &program.instr(id).args;
        !args.is_empty()
            && infinite(&values[id.index()])
            && !args.iter().any(|a| infinite(&values[a.index()]))
    })
}

fn check(mode: FloatMode, case: &common::programs::Case) -> Result<(), TestCaseError> {
    let (_, pool) = build(case);
    let (program, leaves) = Program::from_outputs(&pool[pool.len().saturating_sub(3)..]).unwrap();
    let inputs = bound(leaves);
    let options = Options {
        float_mode: mode,
        ..Options::default()
    };
    let optimized = optimize(&program, &options).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let after = &optimized.program;
    if std::env::var("DBG").is_ok() {
        eprintln!(
            "CASE {} nodes -> {} fired {:?}",
            program.len(),
            after.len(),
            optimized.report.saturation.rules_fired
        );
    }
    after
        .verify()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(optimized.report.cost_after <= optimized.report.cost_before);
    let want = interpret(&program, &inputs).unwrap();
    let got = interpret(after, &inputs).unwrap();
    // The kernel plans of both programs, fused and unfused, compute the same values
    // (the plan interpreter folds sums sequentially, so within rounding).
    for (source, fusion) in [(&program, true), (after, true), (after, false)] {
        let options = lazyfuse_optimizer::FusionOptions {
            enabled: fusion,
            ..Default::default()
        };
        let plan = std::panic::catch_unwind(|| lazyfuse_optimizer::plan(source, &options))
            .map_err(|_| {
                TestCaseError::fail(format!("planning panicked (fusion {fusion})\n{source}"))
            })?
            .map_err(|e| TestCaseError::fail(format!("{e}\n{source}")))?;
        let planned = lazyfuse::ir::kernel::interpret_plan(&plan, &inputs)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{source}\n{plan}")))?;
        let reference = interpret(source, &inputs).unwrap();
        // Sums fold in another order (sequentially here, pairwise in the reference): an
        // ill-conditioned sum of integer extremes differs by a rounding of the largest
        // magnitude, and a product with such a magnitude (mean(a) * a) scales that error
        // again, so the bound is the square of the magnitude.
        let magnitude = largest_magnitude(source, &inputs);
        let scale = magnitude * (1.0 + magnitude);
        // Past 2^53 such a sum is not even exact to 1, so a bool or integer computed from
        // it (any(mean(a)), a comparison) is undetermined: those are not compared.
        let undetermined = magnitude > 2f64.powi(53) && source.to_string().contains("reduce_");
        for (w, g) in reference.iter().zip(&planned) {
            if undetermined && !w.dtype().is_float() {
                continue;
            }
            prop_assert!(
                close(w, g, scale, source.to_string().contains("f32")),
                "the plan computes another value\n{}\n{}\nwant {:?}\ngot  {:?}",
                source,
                plan,
                w,
                g
            );
        }
    }
    if mode == FloatMode::Algebraic && overflows(&program, &inputs) {
        return Ok(()); // the tier's documented allowance (see rules/transcendental.rs)
    }
    let scale = if mode == FloatMode::Algebraic {
        largest_magnitude(&program, &inputs)
    } else {
        0.0
    };
    for (w, g) in want.iter().zip(&got) {
        let ok = match mode {
            FloatMode::Strict => same_bits(w, g),
            FloatMode::Algebraic => close(w, g, scale, program.to_string().contains("f32")),
        };
        prop_assert!(
            ok,
            "{:?} mode changed a result\nbefore:\n{}\nafter:\n{}\n{}\nwant {:?}\ngot  {:?}",
            mode,
            program,
            after,
            optimized.report,
            w,
            g
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn programs_convert_to_egg_terms_and_back_losslessly(case in case_strategy(24)) {
        let (_, pool) = build(&case);
        let (program, _) = Program::from_outputs(&pool).unwrap();
        let back = lazyfuse_optimizer::term_round_trip(&program).unwrap();
        prop_assert!(back == program, "{}\n{}", program, back);
    }

    #[test]
    fn strict_optimisation_is_bitwise_identical(case in case_strategy(24)) {
        check(FloatMode::Strict, &case)?;
    }

    #[test]
    fn algebraic_optimisation_agrees_within_rounding(case in case_strategy(24)) {
        check(FloatMode::Algebraic, &case)?;
    }
}
