//! Throughput of each vector math function on one core (elements per second), next to
//! NumPy's on the same machine in the same run (NumPy is called through the venv's
//! Python, `LAZYFUSE_PYTHON`, as the tests do).
//!
//! Run: `make bench-vmath` (or `cargo run --release --example transcendental_throughput`).
//! Each number is the median of 9 calls on 1,000,000 elements.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use lazyfuse::ir::{Program, Value};
use lazyfuse_codegen::CpuExecutor;
use lazyfuse_optimizer::{plan, FusionOptions};

const N: usize = 1_000_000;
const CALLS: usize = 9;

/// An input range (low, high).
type Range = (f64, f64);

/// (lazyfuse op, NumPy expression of `a` (and `b`), input range of a, of b).
const FUNCTIONS: &[(&str, &str, Range, Range)] = &[
    ("exp", "np.exp(a)", (-50.0, 50.0), (0.0, 0.0)),
    ("expm1", "np.expm1(a)", (-5.0, 5.0), (0.0, 0.0)),
    ("log", "np.log(a)", (1e-3, 1e3), (0.0, 0.0)),
    ("log1p", "np.log1p(a)", (-0.5, 10.0), (0.0, 0.0)),
    ("log2", "np.log2(a)", (1e-3, 1e3), (0.0, 0.0)),
    ("log10", "np.log10(a)", (1e-3, 1e3), (0.0, 0.0)),
    ("sin", "np.sin(a)", (-10.0, 10.0), (0.0, 0.0)),
    ("cos", "np.cos(a)", (-10.0, 10.0), (0.0, 0.0)),
    ("tan", "np.tan(a)", (-1.5, 1.5), (0.0, 0.0)),
    ("tanh", "np.tanh(a)", (-5.0, 5.0), (0.0, 0.0)),
    ("sigmoid", "1 / (1 + np.exp(-a))", (-10.0, 10.0), (0.0, 0.0)),
    ("erf", "", (-3.0, 3.0), (0.0, 0.0)),
    ("arctan", "np.arctan(a)", (-10.0, 10.0), (0.0, 0.0)),
    ("arcsin", "np.arcsin(a)", (-1.0, 1.0), (0.0, 0.0)),
    ("arccos", "np.arccos(a)", (-1.0, 1.0), (0.0, 0.0)),
    ("sinh", "np.sinh(a)", (-5.0, 5.0), (0.0, 0.0)),
    ("cosh", "np.cosh(a)", (-5.0, 5.0), (0.0, 0.0)),
    ("pow", "np.power(a, b)", (0.01, 4.0), (-3.0, 3.0)),
    ("arctan2", "np.arctan2(a, b)", (-2.0, 2.0), (-2.0, 2.0)),
];

fn uniform(n: usize, (lo, hi): Range, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            lo + (hi - lo) * ((state >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds per call of lazyfuse (compiled, one thread), median.
fn time_lazyfuse(exec: &CpuExecutor, func: &str, dtype: &str, a: Value, b: Option<Value>) -> f64 {
    let text = match b {
        None => format!("program(a: {dtype}[{N}]) {{\n  b: {dtype}[{N}] = {func} a\n  return b\n}}"),
        Some(_) => format!(
            "program(a: {dtype}[{N}], b: {dtype}[{N}]) {{\n  c: {dtype}[{N}] = {func} a b\n  return c\n}}"
        ),
    };
    let program: Program = text.parse().expect("program");
    let plan = plan(&program, &FusionOptions::default()).expect("plan");
    let inputs: Vec<Value> = std::iter::once(a).chain(b).collect();
    exec.run(&plan, &inputs).expect("warm-up run");
    median(
        (0..CALLS)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(exec.run(&plan, &inputs).expect("run"));
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// NumPy's seconds per call for each (expression, dtype, ranges), from one Python
/// process; None where NumPy has no such function.
fn time_numpy(jobs: &[(String, String, Range, Range)]) -> Vec<Option<f64>> {
    let python = std::env::var("LAZYFUSE_PYTHON").unwrap_or_else(|_| ".venv/bin/python".into());
    let script = format!(
        r#"
import sys, time, statistics
import numpy as np
np.seterr(all="ignore")
rng = np.random.default_rng(0)
for line in sys.stdin:
    expr, dtype, alo, ahi, blo, bhi = line.split("\t")
    if not expr:
        print("nan", flush=True)
        continue
    a = rng.uniform(float(alo), float(ahi), {N}).astype(dtype)
    b = rng.uniform(float(blo), float(bhi), {N}).astype(dtype)
    eval(expr)
    times = []
    for _ in range({CALLS}):
        t = time.perf_counter()
        eval(expr)
        times.append(time.perf_counter() - t)
    print(statistics.median(times), flush=True)
"#
    );
    let mut child = match Command::new(&python)
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("NumPy column skipped: cannot run {python}: {e}");
            return vec![None; jobs.len()];
        }
    };
    {
        let stdin = child.stdin.as_mut().expect("stdin");
        for (expr, dtype, a, b) in jobs {
            writeln!(stdin, "{expr}\t{dtype}\t{}\t{}\t{}\t{}", a.0, a.1, b.0, b.1).expect("write");
        }
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("python output");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse::<f64>().ok().filter(|t| t.is_finite()))
        .chain(std::iter::repeat(None))
        .take(jobs.len())
        .collect()
}

fn main() {
    let exec = CpuExecutor::new(1);
    let mut jobs = Vec::new();
    let mut ours = Vec::new();
    for dtype in ["float64", "float32"] {
        let short = if dtype == "float64" { "f64" } else { "f32" };
        for &(func, expr, ra, rb) in FUNCTIONS {
            let binary = matches!(func, "pow" | "arctan2");
            let make = |range, seed| {
                let v = uniform(N, range, seed);
                if short == "f64" {
                    Value::from_array(ndarray::Array1::from(v).into_dyn())
                } else {
                    Value::from_array(
                        ndarray::Array1::from_iter(v.into_iter().map(|x| x as f32)).into_dyn(),
                    )
                }
            };
            let b = binary.then(|| make(rb, 2));
            ours.push(time_lazyfuse(&exec, func, short, make(ra, 1), b));
            jobs.push((expr.to_string(), dtype.to_string(), ra, rb));
        }
    }
    let numpy = time_numpy(&jobs);
    println!("one core, {N} elements, median of {CALLS} calls; Melem/s = millions of elements per second");
    println!("| function | dtype | lazyfuse Melem/s | NumPy Melem/s | speed-up |");
    println!("|---|---|---:|---:|---:|");
    for (((expr, dtype, _, _), ours), numpy) in jobs.iter().zip(&ours).zip(&numpy) {
        let func = FUNCTIONS
            .iter()
            .find(|f| f.1 == expr)
            .map(|f| f.0)
            .unwrap_or("?");
        let rate = |t: f64| N as f64 / t / 1e6;
        let (np_rate, ratio) = match numpy {
            Some(t) => (format!("{:.0}", rate(*t)), format!("{:.1}x", t / ours)),
            None => ("n/a".into(), "".into()),
        };
        println!(
            "| {func} | {dtype} | {:.0} | {np_rate} | {ratio} |",
            rate(*ours)
        );
    }
}
