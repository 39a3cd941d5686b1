//! Optimisation time (saturation + extraction + fusion planning) for programs of about
//! 10, 50 and 200 nodes built from the patterns users write: elementwise chains with
//! scalars, row softmaxes, products of exponentials, powers and sums.
//!
//! `cargo bench -p lazyfuse-optimizer --bench optimize`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lazyfuse_ir::Program;
use lazyfuse_optimizer::{optimize, plan, Options};

/// A program of roughly `nodes` nodes: repeated blocks of typical array code.
pub fn realistic_program(nodes: usize) -> Program {
    let mut lines = vec![
        "  k2: f64[] = const[2.0]".to_string(),
        "  k3: f64[] = const[0.5]".to_string(),
    ];
    let mut x = "a".to_string();
    let mut i = 0;
    while lines.len() < nodes {
        let block = [
            format!("  p{i}: f64[64,128] = pow {x} k2"),
            format!("  e{i}: f64[64,128] = exp {x}"),
            format!("  f{i}: f64[64,128] = exp p{i}"),
            format!("  g{i}: f64[64,128] = mul e{i} f{i}"),
            format!("  h{i}: f64[64,128] = mul g{i} k3"),
            format!("  m{i}: f64[64,1] = reduce_max[axes=(1), keepdims] h{i}"),
            format!("  s{i}: f64[64,128] = sub h{i} m{i}"),
            format!("  t{i}: f64[64,128] = exp s{i}"),
            format!("  u{i}: f64[64,1] = reduce_sum[axes=(1), keepdims] t{i}"),
            format!("  v{i}: f64[64,128] = div t{i} u{i}"),
            format!("  w{i}: f64[64,128] = mul v{i} b"),
            format!("  x{i}: f64[64,128] = add w{i} {x}"),
        ];
        lines.extend(block);
        x = format!("x{i}");
        i += 1;
    }
    let text = format!(
        "program(a: f64[64,128], b: f64[128]) {{\n{}\n  return {x}\n}}",
        lines.join("\n")
    );
    text.parse().expect("valid program")
}

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
#[allow(dead_code)]
criterion_main!(benches);
