//! Optimisation time (saturation + extraction + fusion planning) for programs of about
//! 10, 50 and 200 nodes built from the patterns users write: elementwise chains with
//! scalars, row softmaxes, products of exponentials, powers and sums.
//!
//! `cargo bench -p lazyfuse-optimizer --bench optimize`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lazyfuse_optimizer::{optimize, plan, Options};

mod programs;
use programs::realistic_program;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimize+plan");
    for nodes in [10, 50, 200] {
        let program = realistic_program(nodes);
        let options = Options::default();
        group.bench_with_input(
            BenchmarkId::from_parameter(program.len()),
            &program,
            |b, p| {
                b.iter(|| {
                    let optimized = optimize(p, &options).unwrap();
                    plan(&optimized.program, &options.fusion).unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
