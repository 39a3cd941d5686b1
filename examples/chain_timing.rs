//! Times each stage for a 100,000-op elementwise chain (a stress case for bounded work).
use std::time::Instant;
fn main() {
    let mut x = lazyfuse::Array::from(ndarray::Array1::<f64>::from_elem(8, 0.5));
    for i in 0..100_000 {
        x = match i % 4 {
            0 => &x + 1.0,
            1 => &x * 0.5,
            2 => x.sin(),
            _ => -&x,
        };
    }
    let p = x.program().unwrap();
    let t = Instant::now();
    let o = lazyfuse_optimizer::optimize(&p, &Default::default()).unwrap();
    println!("optimize {:.2?}\n{}", t.elapsed(), o.report);
    let t = Instant::now();
    let plan = lazyfuse_optimizer::plan(&o.program, &Default::default()).unwrap();
    println!("plan {:.2?}, {} kernels", t.elapsed(), plan.kernel_count());
    let t = Instant::now();
    let ex = lazyfuse_codegen::CpuExecutor::new(1);
    let v = ex
        .run(
            &plan,
            &[lazyfuse::ir::Value::from_array(
                ndarray::Array1::<f64>::from_elem(8, 0.5).into_dyn(),
            )],
        )
        .unwrap();
    println!("compile+run {:.2?} {:?}", t.elapsed(), v[0].get(&[0]));
}
