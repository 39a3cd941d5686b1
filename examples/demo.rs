//! `make demo`: builds a lazy row softmax and a small expression, prints their textual
//! IR and what the optimizer makes of them (rewrites, kernel plan), and evaluates them
//! compiled for this CPU and with the reference interpreter.

use std::time::Instant;

use lazyfuse::{Array, Backend, Program};
use ndarray::Array2;

fn main() -> Result<(), lazyfuse::Error> {
    // A 4000 x 2500 float64 matrix with varied values (no random number generator needed).
    let data = Array2::from_shape_fn((4000, 2500), |(i, j)| {
        ((i * 2500 + j) as f64 * 0.001).sin() * 3.0
    });
    let x = Array::from(data);

    // Row softmax, written as in NumPy: nothing runs until `eval`.
    let e = (&x - x.max_axes(&[1], true)).exp();
    let softmax = &e / e.sum_axes(&[1], true);

    let program = softmax.program()?;
    println!("softmax, textual IR:\n{program}\n");
    let reparsed: Program = program.to_string().parse()?;
    println!("parses back to the same program: {}", reparsed == program);
    println!("canonical hash: {}\n", program.canonical_hash());

    let explanation = softmax.explain()?;
    println!("optimizer report:\n{}\n", explanation.report);
    println!(
        "kernel plan ({} kernel):\n{}",
        explanation.kernels.len(),
        explanation.kernels.join("")
    );

    // Evaluate: compiled (first call compiles, later calls hit the kernel cache), then
    // the reference interpreter on the same program.
    let timed = |backend: Backend| -> Result<(f64, lazyfuse::Value), lazyfuse::Error> {
        let start = Instant::now();
        let v = softmax.eval_with(backend)?;
        Ok((start.elapsed().as_secs_f64() * 1e3, v))
    };
    let (first_ms, _) = timed(Backend::Cpu)?;
    let mut steady = Vec::new();
    let mut result = None;
    for _ in 0..5 {
        let (ms, v) = timed(Backend::Cpu)?;
        steady.push(ms);
        result = Some(v);
    }
    steady.sort_by(f64::total_cmp);
    let (interp_ms, reference) = timed(Backend::Interpreter)?;
    let result = result.expect("ran").into_array::<f64>()?;
    let reference = reference.into_array::<f64>()?;
    let worst = result
        .rows()
        .into_iter()
        .map(|row| (row.sum() - 1.0).abs())
        .fold(0.0f64, f64::max);
    let max_diff = result
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f64, f64::max);
    println!(
        "{} elements: compiled {:.1} ms (first call, compiling: {first_ms:.1} ms), interpreter {interp_ms:.1} ms ({:.1}x)",
        result.len(),
        steady[2],
        interp_ms / steady[2]
    );
    println!("max |row sum - 1| = {worst:.2e}; max |compiled - interpreter| = {max_diff:.2e}\n");

    // A small mixed expression: int32 and float32 inputs, weak scalars, a reduction.
    let a = Array::from(ndarray::array![[1, 2, 3], [4, 5, 6]]);
    let b = Array::from(ndarray::array![0.5f32, -1.0, 2.0]);
    let expr = ((&a * 2 + &b).sqrt() * 0.5).sum_axes(&[0], false);
    println!("expression, textual IR:\n{}\n", expr.program()?);
    println!("{}", expr.explain()?);
    println!("value: {}", expr.eval()?.into_array::<f64>()?);

    // A training step: least squares by gradient descent, value and gradient lazily
    // built by `value_and_grad` and evaluated as one program per step.
    let xs = Array::from(ndarray::Array2::from_shape_fn((256, 4), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f64 / 11.0 - 0.5
    }));
    let truth = Array::from(ndarray::array![1.0, -2.0, 0.5, 3.0]);
    let ys = xs.matmul(&truth);
    let mut w = Array::from(ndarray::Array1::<f64>::zeros(4));
    let mut losses = Vec::new();
    for _ in 0..200 {
        let (loss, grad) = lazyfuse::value_and_grad(|w| (&xs.matmul(w) - &ys).square().mean(), &w)?;
        let values = lazyfuse::eval(&[&loss, &grad])?;
        losses.push(values[0].get(&[]).map_or(f64::NAN, |s| s.as_f64()));
        let step = Array::from_value(values[1].clone());
        w = Array::from_value((&w - &(&step * 0.5)).eval()?);
    }
    println!(
        "least squares by value_and_grad: loss {:.3e} -> {:.3e} in 200 steps; w = {}",
        losses[0],
        losses[199],
        w.eval()?.into_array::<f64>()?
    );
    Ok(())
}
