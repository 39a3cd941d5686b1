//! Compile plus run time of a balanced add/mul tree over 2,048 arrays of 100,000
//! float64 against the cap on arrays read per kernel (`FusionOptions::max_kernel_reads`,
//! 1,024: no cap): the measurement behind the default.
//! `cargo run --release --example fusion_compile_scaling`.
use std::time::Instant;

use lazyfuse::ir::{BinaryOp, DType, Op, Program, ProgramBuilder, TensorType, Value};

fn balanced_tree(inputs: usize, len: usize) -> Program {
    let mut b = ProgramBuilder::new();
    let ty = TensorType::new(DType::F64, vec![len]);
    let mut level: Vec<_> = (0..inputs).map(|_| b.input(ty.clone()).unwrap()).collect();
    let mut depth = 0;
    while level.len() > 1 {
        let op = if depth % 2 == 0 {
            BinaryOp::Add
        } else {
            BinaryOp::Mul
        };
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [x, y] => b.push(Op::Binary(op), vec![*x, *y]).unwrap(),
                [x] => *x,
                _ => unreachable!(),
            })
            .collect();
        depth += 1;
    }
    b.finish(vec![level[0]]).unwrap()
}

fn main() {
    let len = 100_000;
    let program = balanced_tree(2048, len);
    let inputs: Vec<Value> = (0..2048)
        .map(|i| {
            Value::from_array(ndarray::Array1::from_elem(len, 1.0 + i as f64 * 1e-6).into_dyn())
        })
        .collect();
    for cap in [16, 32, 64, 128, 1024] {
        let options = lazyfuse_optimizer::FusionOptions {
            max_kernel_reads: cap,
            ..Default::default()
        };
        let plan = lazyfuse_optimizer::plan(&program, &options).unwrap();
        let exec = lazyfuse_codegen::CpuExecutor::new(2);
        let t = Instant::now();
        exec.run(&plan, &inputs).unwrap();
        let first = t.elapsed();
        let t = Instant::now();
        exec.run(&plan, &inputs).unwrap();
        println!(
            "max_kernel_reads {cap:>4}: {:>3} kernels, first run (compile + run) {:>8.2?}, second run {:>8.2?}",
            plan.kernel_count(),
            first,
            t.elapsed()
        );
    }
}
