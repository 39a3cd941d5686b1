//! First run of a program given as text on stdin (float64 or float32 inputs, filled
//! with 0.5): a fresh executor without a disk cache each time (compiling every kernel),
//! median of 5, next to a second run (nothing compiled):
//! `cargo run --release -p lazyfuse-codegen --example compile_program < program.txt`.
mod common;

use std::sync::Arc;
use std::time::Instant;

fn main() {
    let (program, inputs) = common::program_and_inputs();
    let plan = Arc::new(lazyfuse_optimizer::plan(&program, &Default::default()).unwrap());
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let exec = lazyfuse_codegen::CpuExecutor::new(1);
        let t = Instant::now();
        let prepared = exec.prepare(plan.clone()).unwrap();
        prepared.run(&inputs).unwrap();
        first.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        prepared.run(&inputs).unwrap();
        second.push(t.elapsed().as_secs_f64() * 1e3);
    }
    first.sort_by(f64::total_cmp);
    second.sort_by(f64::total_cmp);
    println!(
        "first run: median {:.1} ms (min {:.1}); second run {:.2} ms",
        first[2], first[0], second[2]
    );
}
