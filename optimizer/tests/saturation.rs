//! Saturation stays within its budgets, and extraction picks what the cost model says
//! is cheapest (checked against a dynamic-programming matrix-chain solver).

use std::time::Duration;

use lazyfuse_ir::Program;
use lazyfuse_optimizer::{optimize, Limits, Options, StopReason};

/// A 300-term sum of products of sums sharing terms, Σ (a + bᵢ)(c + dᵢ) with bᵢ, dᵢ
/// drawn from a few inputs: distribution and factoring feed each other.
fn blow_up_seed(terms: usize) -> Program {
    let mut lines = vec![];
    let mut acc = String::new();
    for i in 0..terms {
        let (b, d) = (["b", "d", "e"][i % 3], ["d", "e", "b"][(i / 3) % 3]);
        lines.push(format!("  l{i}: f64[8] = add a {b}"));
        lines.push(format!("  r{i}: f64[8] = add c {d}"));
        lines.push(format!("  m{i}: f64[8] = mul l{i} r{i}"));
        if i == 0 {
            acc = format!("m{i}");
        } else {
            lines.push(format!("  s{i}: f64[8] = add {acc} m{i}"));
            acc = format!("s{i}");
        }
    }
    let text = format!(
        "program(a: f64[8], b: f64[8], c: f64[8], d: f64[8], e: f64[8]) {{\n{}\n  return {acc}\n}}",
        lines.join("\n")
    );
    text.parse().unwrap()
}

#[test]
fn a_300_term_sum_stops_within_the_time_limit() {
    let program = blow_up_seed(300);
    let limits = Limits {
        time: Duration::from_millis(200),
        ..Limits::default()
    };
    let options = Options {
        limits: limits.clone(),
        ..Options::default()
    };
    let optimized = optimize(&program, &options).unwrap();
    let s = &optimized.report.saturation;
    eprintln!("{}", optimized.report);
    assert!(
        s.time < limits.time + Duration::from_millis(250),
        "{}",
        optimized.report
    );
    assert!(
        s.egraph_nodes <= limits.nodes + 5_000,
        "{}",
        optimized.report
    );
    assert!(optimized.report.cost_after <= optimized.report.cost_before);
    assert!(
        matches!(
            s.stop_reason,
            StopReason::TimeLimit(_)
                | StopReason::NodeLimit(_)
                | StopReason::IterationLimit(_)
                | StopReason::Saturated
        ),
        "{}",
        optimized.report
    );
}

/// A chain of `n` small matrices: associativity gives every sub-chain every split,
/// O(n³) e-nodes, so saturation of a long chain can only end on a limit.
fn long_chain(n: usize) -> Program {
    let params: Vec<String> = (0..n).map(|i| format!("m{i}: f64[3,3]")).collect();
    let mut lines = vec![];
    let mut acc = "m0".to_string();
    for i in 1..n {
        lines.push(format!("  p{i}: f64[3,3] = matmul {acc} m{i}"));
        acc = format!("p{i}");
    }
    format!(
        "program({}) {{\n{}\n  return {acc}\n}}",
        params.join(", "),
        lines.join("\n")
    )
    .parse()
    .unwrap()
}

#[test]
fn a_blow_up_stops_on_a_limit_in_time() {
    for (limits, want) in [
        (
            Limits {
                nodes: 5_000,
                time: Duration::from_secs(20),
                iterations: 1_000,
                ..Limits::default()
            },
            "node",
        ),
        (
            Limits {
                nodes: 10_000_000,
                time: Duration::from_millis(100),
                iterations: 1_000,
                ..Limits::default()
            },
            "time",
        ),
        (
            Limits {
                iterations: 3,
                ..Limits::default()
            },
            "iteration",
        ),
    ] {
        let optimized = optimize(
            &long_chain(120),
            &Options {
                limits: limits.clone(),
                ..Options::default()
            },
        )
        .unwrap();
        let s = &optimized.report.saturation;
        let reason_ok = match want {
            "node" => matches!(s.stop_reason, StopReason::NodeLimit(5_000)),
            "time" => matches!(s.stop_reason, StopReason::TimeLimit(_)),
            _ => matches!(s.stop_reason, StopReason::IterationLimit(3)),
        };
        assert!(reason_ok, "expected the {want} limit: {}", optimized.report);
        assert!(
            s.time < limits.time + Duration::from_millis(300),
            "{}",
            optimized.report
        );
        assert!(optimized.report.cost_after <= optimized.report.cost_before);
    }
}

/// The minimal multiplication cost of a chain with these dimensions (classic DP), in
/// the cost model's units: 2·m·n·k per product.
fn dp_chain_cost(dims: &[usize]) -> f64 {
    let n = dims.len() - 1;
    let mut cost = vec![vec![0.0f64; n]; n];
    for len in 2..=n {
        for i in 0..=n - len {
            let j = i + len - 1;
            cost[i][j] = (i..j)
                .map(|k| {
                    cost[i][k] + cost[k + 1][j] + 2.0 * (dims[i] * dims[k + 1] * dims[j + 1]) as f64
                })
                .fold(f64::INFINITY, f64::min);
        }
    }
    cost[0][n - 1]
}

fn matmul_cost(program: &Program) -> f64 {
    program
        .ids()
        .filter(|&i| program.instr(i).op.name() == "matmul")
        .map(|i| {
            let instr = program.instr(i);
            let k = program
                .instr(instr.args[0])
                .ty
                .shape
                .last()
                .copied()
                .unwrap_or(1);
            2.0 * (instr.ty.shape.numel() * k) as f64
        })
        .sum()
}

#[test]
fn matrix_chains_get_the_optimal_order() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for trial in 0..40 {
        let len = 3 + (trial % 4); // 3..6 matrices
        let mut dims: Vec<usize> = (0..=len).map(|_| 2 + next(60) as usize).collect();
        if trial % 5 == 0 {
            *dims.last_mut().unwrap() = 1; // ends in a vector-like column
        }
        let names: Vec<String> = (0..len).map(|i| format!("m{i}")).collect();
        let params: Vec<String> = (0..len)
            .map(|i| format!("m{i}: f64[{},{}]", dims[i], dims[i + 1]))
            .collect();
        // Left-to-right product, as written naively.
        let mut lines = vec![];
        let mut acc = names[0].clone();
        for i in 1..len {
            lines.push(format!(
                "  p{i}: f64[{},{}] = matmul {acc} {}",
                dims[0],
                dims[i + 1],
                names[i]
            ));
            acc = format!("p{i}");
        }
        let text = format!(
            "program({}) {{\n{}\n  return {acc}\n}}",
            params.join(", "),
            lines.join("\n")
        );
        let program: Program = text.parse().unwrap();
        let optimized = optimize(&program, &Options::default()).unwrap();
        let got = matmul_cost(&optimized.program);
        let best = dp_chain_cost(&dims);
        assert!(
            (got - best).abs() <= 1e-9 * best,
            "dims {dims:?}: extracted cost {got}, optimal {best}\n{}\n{}",
            optimized.program,
            optimized.report
        );
    }
}

#[test]
fn a_chain_ending_in_a_vector_becomes_matrix_vector_products() {
    let text = "program(a: f64[300,300], b: f64[300,300], c: f64[300,300], v: f64[300]) {
  d: f64[300,300] = matmul a b
  e: f64[300,300] = matmul d c
  f: f64[300]     = matmul e v
  return f
}";
    let optimized = optimize(&text.parse().unwrap(), &Options::default()).unwrap();
    let p = &optimized.program;
    for id in p.ids().filter(|&i| p.instr(i).op.name() == "matmul") {
        assert_eq!(
            p.instr(id).ty.shape.ndim(),
            1,
            "every product is matrix-vector:\n{p}"
        );
    }
}
