//! vmap against a loop over the examples, op by op.

use super::*;
use crate::compose;
use crate::op::{ReduceOp, UnaryOp};
use crate::program::Program;
use crate::value::Value;
use ndarray::{ArrayD, Axis, IxDyn};

fn evaluate(nodes: &[Node]) -> Vec<Value> {
    let (program, leaves) = Program::from_outputs(nodes).unwrap();
    let inputs: Vec<Value> = leaves.into_iter().filter_map(|l| l.into_value()).collect();
    crate::interpret(&program, &inputs).unwrap()
}

fn data(shape: &[usize], seed: usize) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    let v = (0..n)
        .map(|i| (((i + seed) * 7919 + seed * 31) % 1000) as f64 / 250.0 - 2.0)
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// f over batches of `batched` (mapped along axis 0) and `shared` (the same for every
/// example), by vmap and by a loop.
fn check(
    name: &str,
    batched: &[ArrayD<f64>],
    shared: &[ArrayD<f64>],
    f: impl Fn(&[Node], &[Node]) -> Result<Node, IrError>,
) {
    let size = batched[0].shape()[0];
    let shared_nodes: Vec<Node> = shared
        .iter()
        .map(|a| Node::data(Value::from_array(a.clone())))
        .collect();
    let placeholders: Vec<Node> = batched
        .iter()
        .map(|a| Node::data(Value::from_array(a.index_axis(Axis(0), 0).to_owned())))
        .collect();
    let out = f(&placeholders, &shared_nodes).unwrap();
    let subs: Vec<(Node, Node)> = placeholders
        .iter()
        .zip(batched)
        .map(|(p, a)| (p.clone(), Node::data(Value::from_array(a.clone()))))
        .collect();
    let got = evaluate(&vmap(&[out], &subs, size).unwrap()).remove(0);
    for i in 0..size {
        let examples: Vec<Node> = batched
            .iter()
            .map(|a| Node::data(Value::from_array(a.index_axis(Axis(0), i).to_owned())))
            .collect();
        let want = evaluate(&[f(&examples, &shared_nodes).unwrap()]).remove(0);
        let got_i: Vec<f64> = got.to_scalars()[i * want.shape().iter().product::<usize>()..]
            .iter()
            .take(want.shape().iter().product())
            .map(|s| s.as_f64())
            .collect();
        let want_v: Vec<f64> = want.to_scalars().iter().map(|s| s.as_f64()).collect();
        assert_eq!(&got.shape()[1..], want.shape(), "{name}: shape");
        for (g, w) in got_i.iter().zip(&want_v) {
            assert!(
                (g - w).abs() <= 1e-12 * w.abs().max(1.0) || (g.is_nan() && w.is_nan()),
                "{name}: example {i}: {got_i:?} vs {want_v:?}"
            );
        }
    }
}

fn app(op: Op, args: &[&Node]) -> Result<Node, IrError> {
    Node::apply(op, args.iter().map(|n| (*n).clone()).collect())
}

#[test]
fn elementwise_views_and_reductions_batch_as_a_loop() {
    check(
        "unary+binary broadcast",
        &[data(&[3, 4], 1)],
        &[data(&[2, 1, 4], 2)],
        |x, s| {
            let e = app(Op::Unary(UnaryOp::Exp), &[&x[0]])?;
            app(Op::Binary(BinaryOp::Mul), &[&e, &s[0]])
        },
    );
    check(
        "lower-rank batched operand",
        &[data(&[3], 3), data(&[3, 2, 5], 4)],
        &[],
        |x, _| app(Op::Binary(BinaryOp::Sub), &[&x[1], &x[0]]),
    );
    check("where", &[data(&[2, 5], 5)], &[data(&[5], 6)], |x, s| {
        let c = app(Op::Binary(BinaryOp::Gt), &[&x[0], &s[0]])?;
        app(Op::Where, &[&c, &x[0], &s[0]])
    });
    check("views", &[data(&[2, 3, 4], 7)], &[], |x, _| {
        let t = compose::transpose(&x[0], None)?;
        let r = compose::reshape(&t, &[2, 6])?;
        let s = compose::slice(&r, &[(Some(1), None, Some(1)), (None, None, Some(-2))])?;
        Node::apply(Op::BroadcastTo(Shape(vec![3, 1, 3])), vec![s])
    });
    check("reductions", &[data(&[2, 3, 4], 8)], &[], |x, _| {
        let a = compose::reduce(ReduceOp::Sum, &x[0], Some(&[1]), true)?;
        let m = compose::reduce(ReduceOp::Max, &x[0], None, false)?;
        let arg = compose::reduce(ReduceOp::ArgMax, &x[0], Some(&[0]), false)?;
        let arg = app(Op::Cast(crate::DType::F64), &[&arg])?;
        let b = app(Op::Binary(BinaryOp::Add), &[&a, &m])?;
        let b = compose::reduce(ReduceOp::Sum, &b, None, false)?;
        let arg = compose::reduce(ReduceOp::Sum, &arg, None, false)?;
        app(Op::Binary(BinaryOp::Add), &[&b, &arg])
    });
}

#[test]
fn matmul_concat_and_gather_batch_as_a_loop() {
    let mm = |x: &[Node], s: &[Node]| app(Op::MatMul, &[&x[0], &s[0]]);
    check(
        "matrix @ shared matrix",
        &[data(&[3, 2, 4], 9)],
        &[data(&[4, 5], 10)],
        mm,
    );
    check(
        "vector @ shared matrix",
        &[data(&[3, 4], 11)],
        &[data(&[4, 5], 12)],
        mm,
    );
    check(
        "vector @ shared stack",
        &[data(&[3, 4], 13)],
        &[data(&[2, 4, 5], 14)],
        mm,
    );
    check(
        "matrix @ shared vector",
        &[data(&[3, 2, 4], 15)],
        &[data(&[4], 16)],
        mm,
    );
    check(
        "shared @ batched",
        &[data(&[3, 4, 2], 17)],
        &[data(&[5, 4], 18)],
        |x, s| app(Op::MatMul, &[&s[0], &x[0]]),
    );
    check(
        "vector @ vector, both batched",
        &[data(&[3, 4], 19), data(&[3, 4], 20)],
        &[],
        |x, _| app(Op::MatMul, &[&x[0], &x[1]]),
    );
    check(
        "concat",
        &[data(&[2, 3, 2], 21)],
        &[data(&[1, 2], 22)],
        |x, s| compose::concatenate(&[x[0].clone(), s[0].clone()], 0),
    );
    check("gather", &[data(&[3, 2, 3], 23)], &[], |x, _| {
        let p = Node::data(Value::from_array(
            ndarray::arr1(&[5i64, 0, 3, 3]).into_dyn(),
        ));
        app(Op::Gather, &[&x[0], &p])
    });
    // An output that does not depend on the batch is broadcast.
    check(
        "constant output",
        &[data(&[2, 3], 24)],
        &[data(&[3], 25)],
        |_, s| app(Op::Unary(UnaryOp::Neg), &[&s[0]]),
    );
}

#[test]
fn ffts_batch_as_a_loop() {
    use crate::op::{FftKind, FftScale, UnaryOp};
    let fft = |axis: usize, kind: FftKind, x: &Node| {
        let scale = match kind {
            FftKind::Inverse | FftKind::InverseReal { .. } => FftScale::InverseN,
            _ => FftScale::One,
        };
        app(Op::Fft { axis, kind, scale }, &[x])
    };
    for axis in 0..2 {
        check("|rfft|", &[data(&[3, 5, 6], 21)], &[], |x, _| {
            app(
                Op::Unary(UnaryOp::Abs),
                &[&fft(axis, FftKind::Real, &x[0])?],
            )
        });
        check("irfft of rfft", &[data(&[3, 5, 6], 22)], &[], |x, _| {
            let n = x[0].shape()[axis];
            let spectrum = fft(axis, FftKind::Real, &x[0])?;
            let z = fft(axis, FftKind::Forward, &spectrum)?;
            let back = fft(axis, FftKind::Inverse, &z)?;
            fft(axis, FftKind::InverseReal { n }, &back)
        });
    }
}
