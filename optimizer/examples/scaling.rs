//! Optimisation and planning time against graph size, for graph shapes users make:
//! a balanced add/mul tree over many inputs (wide), a long chain (deep), and many
//! outputs sharing one input. `cargo run --release -p lazyfuse-optimizer --example scaling`.
use std::time::Instant;

use lazyfuse_ir::{BinaryOp, DType, Op, Program, ProgramBuilder, TensorType, UnaryOp};

fn balanced_tree(inputs: usize) -> Program {
    let mut b = ProgramBuilder::new();
    let ty = TensorType::new(DType::F64, vec![4usize]);
    let mut level: Vec<_> = (0..inputs).map(|_| b.input(ty.clone()).unwrap()).collect();
    let mut depth = 0;
    while level.len() > 1 {
        let op = if depth % 2 == 0 {
            BinaryOp::Add
        } else {
            BinaryOp::Mul
        };
        let mut next = Vec::with_capacity(level.len() / 2 + 1);
        for pair in level.chunks(2) {
            next.push(match pair {
                [x, y] => b.push(Op::Binary(op), vec![*x, *y]).unwrap(),
                [x] => *x,
                _ => unreachable!(),
            });
        }
        level = next;
        depth += 1;
    }
    b.finish(vec![level[0]]).unwrap()
}

fn chain(len: usize) -> Program {
    let mut b = ProgramBuilder::new();
    let mut x = b.input(TensorType::new(DType::F64, vec![4usize])).unwrap();
    for k in 0..len {
        let op = if k % 3 == 0 {
            Op::Unary(UnaryOp::Sin)
        } else {
            Op::Binary(BinaryOp::Add)
        };
        x = match op {
            Op::Binary(_) => b.push(op, vec![x, x]).unwrap(),
            _ => b.push(op, vec![x]).unwrap(),
        };
    }
    b.finish(vec![x]).unwrap()
}

fn many_outputs(n: usize) -> Program {
    let mut b = ProgramBuilder::new();
    let x = b.input(TensorType::new(DType::F64, vec![4usize])).unwrap();
    let outs: Vec<_> = (0..n)
        .map(|k| {
            let c = b
                .push(Op::Const(lazyfuse_ir::Scalar::F64(k as f64)), vec![])
                .unwrap();
            b.push(Op::Binary(BinaryOp::Mul), vec![x, c]).unwrap()
        })
        .collect();
    b.finish(outs).unwrap()
}

/// Builds a program of a given size.
type MakeProgram = fn(usize) -> Program;

fn main() {
    let cases: [(&str, MakeProgram); 3] = [
        ("balanced tree", balanced_tree),
        ("chain", chain),
        ("many outputs", many_outputs),
    ];
    for (name, make) in &cases {
        for n in [1000, 2000, 4000, 8000] {
            let p = make(n);
            let t = Instant::now();
            let o = lazyfuse_optimizer::optimize(&p, &Default::default()).unwrap();
            let t_opt = t.elapsed();
            let plan = lazyfuse_optimizer::plan(&o.program, &Default::default()).unwrap();
            println!(
                "{name:>14} {n:>5}: {:>6} nodes, optimize {:>9.2?}, plan {:>9.2?}, {} kernels, stop: {}",
                p.len(),
                t_opt,
                t.elapsed() - t_opt,
                plan.kernel_count(),
                o.report.saturation.stop_reason
            );
        }
    }
}
