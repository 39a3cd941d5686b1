//! Per-call time of `a * b + c` on 1,000 float64 values through the Rust API (plan
//! cached after the first call): `cargo run --release --example call_overhead`.
use std::time::Instant;

fn main() {
    let n = 1000;
    let data = |k: f64| ndarray::Array1::from_shape_fn(n, |i| i as f64 * k);
    let (a, b, c) = (data(0.5), data(0.25), data(2.0));
    let mut times = Vec::new();
    for _ in 0..2000 {
        let t = Instant::now();
        let (x, y, z) = (
            lazyfuse::Array::from(a.clone()),
            lazyfuse::Array::from(b.clone()),
            lazyfuse::Array::from(c.clone()),
        );
        let r = (&x * &y + &z).eval().unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(r);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "a*b+c on {n} f64: median {:.1} µs per call (p10 {:.1}, p90 {:.1})",
        times[1000], times[200], times[1800]
    );
}
