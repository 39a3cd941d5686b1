//! CPU backend throughput, measured side by side in one run (`cargo bench -p
//! lazyfuse-codegen --bench cpu`): this machine's copy bandwidth (a large
//! `copy_from_slice`), a fused 10-op elementwise chain on 10M float64, each vectorised
//! transcendental on 10M float64 (elements per second), a whole-array sum, and the
//! compile time of a 10-op kernel. Criterion prints medians and throughputs.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lazyfuse_codegen::CpuExecutor;
use lazyfuse_ir::kernel::KernelPlan;
use lazyfuse_ir::{Program, Value};
use lazyfuse_optimizer::plan;

const N: usize = 10_000_000;

fn input(n: usize) -> Value {
    Value::from_array(
        ndarray::Array1::from_shape_fn(n, |i| ((i % 1000) as f64) * 0.001 + 0.25).into_dyn(),
    )
}

fn planned(text: &str) -> KernelPlan {
    let program: Program = text.parse().expect("valid program");
    plan(&program, &Default::default()).expect("plannable")
}

fn chain(n: usize) -> String {
    format!(
        "program(a: f64[{n}], b: f64[{n}]) {{
  c: f64[{n}] = mul a b
  d: f64[]    = const[0.5]
  e: f64[{n}] = add c d
  f: f64[{n}] = mul e a
  g: f64[{n}] = sub f b
  h: f64[{n}] = abs g
  i: f64[{n}] = maximum h a
  j: f64[{n}] = mul i d
  k: f64[{n}] = add j b
  l: f64[{n}] = sqrt k
  m: f64[{n}] = mul l e
  return m
}}"
    )
}

fn bench(c: &mut Criterion) {
    let exec = CpuExecutor::global();
    let (a, b) = (input(N), input(N));

    let mut g = c.benchmark_group("memory");
    g.throughput(Throughput::Bytes((2 * 8 * N) as u64));
    let src = vec![1.0f64; N];
    let mut dst = vec![0.0f64; N];
    g.bench_function("copy 10M f64 (read + write)", |bench| {
        bench.iter(|| dst.copy_from_slice(&src))
    });
    g.throughput(Throughput::Bytes((3 * 8 * N) as u64));
    let p = planned(&chain(N));
    g.bench_function("fused 10-op chain, 10M f64 (2 reads + 1 write)", |bench| {
        bench.iter(|| exec.run(&p, &[a.clone(), b.clone()]).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("transcendental 10M f64");
    g.throughput(Throughput::Elements(N as u64));
    for f in ["exp", "log", "tanh", "sigmoid", "arctan", "sin"] {
        let p = planned(&format!(
            "program(a: f64[{N}]) {{\n  b: f64[{N}] = {f} a\n  return b\n}}"
        ));
        g.bench_with_input(BenchmarkId::from_parameter(f), &p, |bench, p| {
            bench.iter(|| exec.run(p, std::slice::from_ref(&a)).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("reduction");
    g.throughput(Throughput::Elements(N as u64));
    let p = planned(&format!(
        "program(a: f64[{N}]) {{\n  b: f64[] = reduce_sum[axes=(0)] a\n  return b\n}}"
    ));
    g.bench_function("sum 10M f64", |bench| {
        bench.iter(|| exec.run(&p, std::slice::from_ref(&a)).unwrap())
    });
    let p = planned(
        "program(a: f64[4000,2500]) {\n  b: f64[4000] = reduce_sum[axes=(1)] a\n  return b\n}",
    );
    let m = Value::from_array(ndarray::Array2::from_elem((4000, 2500), 0.5).into_dyn());
    g.bench_function("row sums 4000x2500 f64", |bench| {
        bench.iter(|| exec.run(&p, std::slice::from_ref(&m)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("compile");
    let p = planned(&chain(1000));
    let small = (input(1000), input(1000));
    g.bench_function("10-op kernel (fresh cache)", |bench| {
        bench.iter(|| {
            CpuExecutor::new(1)
                .run(&p, &[small.0.clone(), small.1.clone()])
                .unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
