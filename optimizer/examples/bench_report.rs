//! Prints the optimizer's report for the benchmark programs (sizes 10, 50, 200):
//! `cargo run --release -p lazyfuse-optimizer --example bench_report`.
#[path = "../benches/programs.rs"]
mod programs;

fn main() {
    for n in [10, 50, 200] {
        let p = programs::realistic_program(n);
        let t = std::time::Instant::now();
        let o = lazyfuse_optimizer::optimize(&p, &Default::default()).unwrap();
        let t_opt = t.elapsed();
        let plan = lazyfuse_optimizer::plan(&o.program, &Default::default()).unwrap();
        println!(
            "{} nodes: optimize {:.2?}, with planning {:.2?}, {} kernels\n{}\n",
            p.len(),
            t_opt,
            t.elapsed(),
            plan.kernel_count(),
            o.report
        );
    }
}
