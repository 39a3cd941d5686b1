//! Steady-state runs of a program given as text on stdin (float inputs filled with
//! 0.5), on `--threads N` threads (default: every CPU): min and median of `--runs`:
//! `cargo run --release -p lazyfuse-codegen --example time_program -- --threads 2 < p.txt`.
mod common;

use std::sync::Arc;
use std::time::Instant;

fn arg(name: &str) -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

fn main() {
    let (program, inputs) = common::program_and_inputs();
    let plan = Arc::new(lazyfuse_optimizer::plan(&program, &Default::default()).unwrap());
    let threads = arg("--threads")
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let runs = arg("--runs").unwrap_or(50).max(1);
    let exec = lazyfuse_codegen::CpuExecutor::new(threads);
    let prepared = exec.prepare(plan).unwrap();
    prepared.run(&inputs).unwrap();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            prepared.run(&inputs).unwrap();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "{threads} threads, {runs} runs: min {:.3} ms, median {:.3} ms",
        times[0],
        times[runs / 2]
    );
}
