//! Times a 2000×2000 float64 matmul through the compiled backend (median of 5).
use std::time::Instant;
fn main() {
    let n = 2000;
    let a = lazyfuse::Array::from(ndarray::Array2::<f64>::from_shape_fn((n, n), |(i, j)| {
        ((i * 7 + j) % 13) as f64
    }));
    let b = lazyfuse::Array::from(ndarray::Array2::<f64>::from_shape_fn((n, n), |(i, j)| {
        ((i + j * 3) % 11) as f64
    }));
    let c = a.matmul(&b);
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let _ = c.eval().unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!("lazyfuse matmul {n}x{n} f64: median {:.1} ms", times[2]);
}
