//! Compile time of a 10-op elementwise kernel (fresh executor each time, median of 7):
//! `cargo run --release --example compile_timing`.
use std::time::Instant;

fn main() {
    let text = "program(a: f64[1000], b: f64[1000]) {
  c: f64[1000] = mul a b
  d: f64[1000] = sin c
  e: f64[]     = const[2.0]
  f: f64[1000] = add d e
  g: f64[1000] = exp f
  h: f64[1000] = sub g a
  i: f64[1000] = sqrt h
  j: f64[1000] = abs i
  k: f64[1000] = tanh j
  l: f64[1000] = mul k e
  m: f64[1000] = log l
  return m
}";
    let program: lazyfuse::ir::Program = text.parse().unwrap();
    let plan = lazyfuse_optimizer::plan(&program, &Default::default()).unwrap();
    let x =
        lazyfuse::ir::Value::from_array(ndarray::Array1::<f64>::from_elem(1000, 0.5).into_dyn());
    let mut times = Vec::new();
    for _ in 0..7 {
        let exec = lazyfuse_codegen::CpuExecutor::new(1);
        let t = Instant::now();
        exec.run(&plan, &[x.clone(), x.clone()]).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "compile + first run of a 10-op kernel: median {:.1} ms (min {:.1})",
        times[3], times[0]
    );
}
