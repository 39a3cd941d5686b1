//! No user input panics: random ops with random, mostly invalid, parameters either
//! build a node (which then interprets) or return an error.

use lazyfuse_ir::{
    compose, interpret, BinaryOp, DType, Node, Op, Program, ReduceOp, Scalar, Shape, SliceAxis,
    UnaryOp, Value,
};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

fn input(dtype: u8, dims: &[usize]) -> Node {
    let shape = IxDyn(dims);
    let value = match dtype % 5 {
        0 => Value::from_array(ArrayD::<bool>::from_elem(shape, true)),
        1 => Value::from_array(ArrayD::<i32>::from_elem(shape, -3)),
        2 => Value::from_array(ArrayD::<i64>::from_elem(shape, i64::MIN)),
        3 => Value::from_array(ArrayD::<f32>::from_elem(shape, f32::NAN)),
        _ => Value::from_array(ArrayD::<f64>::from_elem(shape, 0.0)),
    };
    Node::data(value)
}

fn random_op(k: u8, a: &[i64], big: usize) -> Op {
    let us = |v: &[i64]| {
        v.iter()
            .map(|&x| x.unsigned_abs() as usize % 7)
            .collect::<Vec<_>>()
    };
    match k % 12 {
        0 => Op::Unary(UnaryOp::ALL[a.len() % UnaryOp::ALL.len()]),
        1 => Op::Binary(BinaryOp::ALL[a.len() % BinaryOp::ALL.len()]),
        2 => Op::Reshape(Shape(us(a))),
        3 => Op::Transpose(us(a)),
        4 => Op::BroadcastTo(Shape(if big > 0 { vec![big, big, big] } else { us(a) })),
        5 => Op::Slice(
            a.iter()
                .map(|&x| SliceAxis {
                    start: x.unsigned_abs() as usize % 9,
                    step: x % 4,
                    len: (x.unsigned_abs() as usize / 3) % 5,
                })
                .collect(),
        ),
        6 => Op::Reduce {
            op: ReduceOp::ALL[a.len() % ReduceOp::ALL.len()],
            axes: us(a),
            keepdims: a.len().is_multiple_of(2),
        },
        7 => Op::MatMul,
        8 => Op::Concat { axis: a.len() },
        9 => Op::Arange {
            start: Scalar::I64(0),
            step: Scalar::I64(1),
            len: big.max(a.len()),
        },
        10 => Op::Cast(DType::ALL[a.len() % DType::ALL.len()]),
        _ => Op::Where,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_constructions_never_panic(
        d1 in 0u8..5, s1 in prop::collection::vec(0usize..4, 0..4),
        d2 in 0u8..5, s2 in prop::collection::vec(0usize..4, 0..4),
        k in any::<u8>(), params in prop::collection::vec(-9i64..9, 0..5),
        n_args in 0usize..4, huge in prop_oneof![Just(0usize), Just(1usize << 62), Just(usize::MAX)],
    ) {
        let (a, b) = (input(d1, &s1), input(d2, &s2));
        let args: Vec<Node> = [a.clone(), b.clone(), a.clone()].into_iter().take(n_args).collect();
        let built = Node::apply(random_op(k, &params, huge), args);
        // The NumPy-convention helpers take arbitrary integers.
        let helpers = [
            compose::reshape(&a, &params),
            compose::expand_dims(&a, &params),
            compose::squeeze(&a, Some(&params)),
            compose::transpose(&a, Some(&params)),
            compose::reduce(ReduceOp::ALL[k as usize % 9], &a, Some(&params), true),
            compose::concatenate(&[a.clone(), b.clone()], params.first().copied().unwrap_or(0)),
            compose::stack(&[a.clone(), b.clone()], params.first().copied().unwrap_or(0)),
            compose::dot(&a, &b),
            compose::slice(&a, &params.iter().map(|&p| (Some(p), Some(-p), Some(p / 2))).collect::<Vec<_>>()),
            compose::arange(Scalar::I64(params.first().copied().unwrap_or(0)), Scalar::I64(huge as i64), Scalar::I64(1)),
        ];
        for node in std::iter::once(built).chain(helpers).flatten() {
            if node.shape().numel() > 1 << 16 {
                continue; // valid but too big to evaluate in a test
            }
            let (program, leaves) = Program::from_outputs(&[node]).unwrap();
            let inputs: Vec<Value> = leaves.into_iter().map(|l| l.into_value().expect("data leaves only")).collect();
            interpret(&program, &inputs).unwrap();
        }
    }
}
