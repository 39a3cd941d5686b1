//! Per-call time of `a * b + c` on 1,000 float64 values: through the Rust API (building
//! the expression, plan cached after the first call), and running an already prepared
//! plan, and through the plan's frame into a preallocated output (what a jitted call on
//! NumPy arrays pays, less allocating its output):
//! `cargo run --release --example call_overhead`.
use std::sync::Arc;
use std::time::Instant;

use lazyfuse::ir::Value;

fn median_us(mut f: impl FnMut()) -> (f64, f64, f64) {
    let mut times: Vec<f64> = (0..std::env::var("CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let n = times.len();
    (times[n / 2], times[n / 10], times[n * 9 / 10])
}

fn main() {
    let n = 1000;
    let data = |k: f64| ndarray::Array1::from_shape_fn(n, |i| i as f64 * k);
    let (a, b, c) = (data(0.5), data(0.25), data(2.0));
    let (median, p10, p90) = median_us(|| {
        let (x, y, z) = (
            lazyfuse::Array::from(a.clone()),
            lazyfuse::Array::from(b.clone()),
            lazyfuse::Array::from(c.clone()),
        );
        std::hint::black_box((&x * &y + &z).eval().unwrap());
    });
    println!(
        "a*b+c on {n} f64, Rust API: median {median:.1} µs per call (p10 {p10:.1}, p90 {p90:.1})"
    );

    let text = format!(
        "program(a: f64[{n}], b: f64[{n}], c: f64[{n}]) {{\n  d: f64[{n}] = mul a b\n  e: f64[{n}] = add d c\n  return e\n}}"
    );
    let program: lazyfuse::ir::Program = text.parse().unwrap();
    let plan = lazyfuse_optimizer::plan(&program, &Default::default()).unwrap();
    let prepared = lazyfuse_codegen::CpuExecutor::global()
        .prepare(Arc::new(plan))
        .unwrap();
    let inputs: Vec<Value> = [&a, &b, &c]
        .iter()
        .map(|v| Value::from_array((*v).clone().into_dyn()))
        .collect();
    let (median, p10, p90) = median_us(|| {
        std::hint::black_box(prepared.run(&inputs).unwrap());
    });
    println!("a*b+c on {n} f64, prepared plan: median {median:.2} µs per call (p10 {p10:.2}, p90 {p90:.2})");

    let views: Vec<lazyfuse_codegen::InputView<'_>> =
        inputs.iter().map(lazyfuse_codegen::InputView::of).collect();
    let frame = prepared
        .frame(&views)
        .expect("a small elementwise plan has a frame");
    let ins: Vec<*const u8> = views.iter().map(|v| v.ptr()).collect();
    let mut out = vec![0.0f64; n];
    let (median, p10, p90) = median_us(|| {
        // SAFETY: the inputs are the views the frame was made for; `out` holds n f64.
        let ran = unsafe { frame.run(&ins, &[out.as_mut_ptr().cast::<u8>()]) };
        std::hint::black_box(ran);
    });
    assert_eq!(out[7], 7.0 * 0.5 * 7.0 * 0.25 + 7.0 * 2.0);
    println!(
        "a*b+c on {n} f64, frame: median {median:.2} µs per call (p10 {p10:.2}, p90 {p90:.2})"
    );
}
