//! Random well-typed programs for property tests.
//!
//! proptest generates plain data (input specs and steps of small integers); `build`
//! interprets it deterministically into a DAG, so shrinking a failing case removes
//! steps and shrinks numbers. Every step yields a valid node: where an op's type rule
//! rejects the chosen operands, the step casts them or picks another operand.

#![allow(dead_code)]

use lazyfuse::ir::{
    compose, BinaryOp, DType, Node, Op, ReduceOp, Scalar, Shape, SliceAxis, UnaryOp, Value,
};
use ndarray::{ArrayD, IxDyn, Slice};
use proptest::prelude::*;

use super::Rng;

/// One input: dtype, shape, memory layout and the seed of its data.
#[derive(Clone, Debug)]
pub struct InputSpec {
    pub dtype: u8,
    pub dims: Vec<usize>,
    /// 0 contiguous, 1 transposed, 2 every other element, 3 reversed axes.
    pub layout: u8,
    pub seed: u64,
}

/// One construction step: which kind of op, which operands, which parameters.
#[derive(Clone, Debug)]
pub struct Step {
    pub kind: u8,
    pub a: u16,
    pub b: u16,
    pub c: u16,
    pub p: u32,
}

/// A random program: inputs and steps.
#[derive(Clone, Debug)]
pub struct Case {
    pub inputs: Vec<InputSpec>,
    pub steps: Vec<Step>,
}

pub fn case_strategy(max_steps: usize) -> impl Strategy<Value = Case> {
    let extent = prop_oneof![1 => Just(0usize), 8 => 1usize..6];
    let input = (
        0u8..5,
        prop::collection::vec(extent, 0..4),
        0u8..4,
        any::<u64>(),
    )
        .prop_map(|(dtype, dims, layout, seed)| InputSpec {
            dtype,
            dims,
            layout,
            seed,
        });
    let step = (
        any::<u8>(),
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
    )
        .prop_map(|(kind, a, b, c, p)| Step { kind, a, b, c, p });
    (
        prop::collection::vec(input, 1..4),
        prop::collection::vec(step, 1..max_steps),
    )
        .prop_map(|(inputs, steps)| Case { inputs, steps })
}

/// Data for one input, laid out as the spec asks (views share a larger buffer).
pub fn make_input(spec: &InputSpec) -> Value {
    let dtype = DType::ALL[spec.dtype as usize % DType::ALL.len()];
    let mut rng = Rng(spec.seed);
    let dims = &spec.dims;
    // Allocate what the layout needs, fill it, then take the view.
    let alloc: Vec<usize> = match spec.layout {
        1 => dims.iter().rev().copied().collect(),
        2 => dims.iter().map(|d| d * 2).collect(),
        _ => dims.clone(),
    };
    fn view<T: lazyfuse::ir::Element>(a: ArrayD<T>, layout: u8) -> Value {
        let mut a = a.into_shared();
        match layout {
            1 => a = a.reversed_axes(),
            2 => a.slice_each_axis_inplace(|_| Slice::new(0, None, 2)),
            3 => a.slice_each_axis_inplace(|_| Slice::new(0, None, -1)),
            _ => {}
        }
        Value::from(a)
    }
    let n: usize = alloc.iter().product();
    let shape = IxDyn(&alloc);
    lazyfuse::ir::with_dtype!(dtype, T => {
        let data: Vec<T> = (0..n)
            .map(|_| {
                <T as lazyfuse::ir::Element>::from_scalar(match dtype {
                    DType::Bool => Scalar::Bool(rng.below(2) == 1),
                    d if d.is_float() => Scalar::F64(rng.float()),
                    d => Scalar::I64(rng.int(d)),
                })
            })
            .collect();
        view(ArrayD::from_shape_vec(shape, data).unwrap(), spec.layout)
    })
}

fn pick(pool: &[Node], i: u16) -> &Node {
    &pool[i as usize % pool.len()]
}

/// A pool node whose shape broadcasts with `a`, starting the search at `i`.
fn pick_broadcastable(pool: &[Node], a: &Node, i: u16) -> Option<Node> {
    (0..pool.len())
        .map(|k| &pool[(i as usize + k) % pool.len()])
        .find(|b| lazyfuse::ir::broadcast_shapes("test", a.shape(), b.shape()).is_ok())
        .cloned()
}

fn random_scalar(rng: &mut Rng) -> Scalar {
    match rng.below(5) {
        0 => Scalar::Bool(rng.below(2) == 1),
        1 => Scalar::I32(rng.int(DType::I32) as i32),
        2 => Scalar::I64(rng.int(DType::I64)),
        3 => Scalar::F32(rng.float() as f32),
        _ => Scalar::F64(rng.float()),
    }
}

/// Applies `op`, casting the operands to `fallback` if the type rule rejects them.
fn apply_or_cast(op: Op, args: Vec<Node>, fallback: DType) -> Option<Node> {
    if let Ok(n) = Node::apply(op.clone(), args.clone()) {
        return Some(n);
    }
    let cast = args
        .into_iter()
        .map(|a| Node::apply(Op::Cast(fallback), vec![a]))
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    Node::apply(op, cast).ok()
}

/// Builds the DAG for `case`; returns the input nodes and every node made, in order.
pub fn build(case: &Case) -> (Vec<Node>, Vec<Node>) {
    let inputs: Vec<Node> = case
        .inputs
        .iter()
        .map(|s| Node::data(make_input(s)))
        .collect();
    let mut pool = inputs.clone();
    for step in &case.steps {
        if let Some(node) = build_step(&pool, step) {
            // Keep intermediates small enough to stay fast.
            if node.shape().numel() <= 4096 {
                pool.push(node);
            }
        }
    }
    (inputs, pool)
}

fn build_step(pool: &[Node], s: &Step) -> Option<Node> {
    let mut rng = Rng(s.p as u64 ^ ((s.c as u64) << 32));
    let a = pick(pool, s.a).clone();
    let ndim = a.shape().ndim();
    // Elementwise ops are the most numerous, so they get most of the steps.
    let kind = match s.kind {
        0..=69 => 0,
        70..=139 => 1,
        140..=169 => 8,
        k => 2 + (k - 170) % 11,
    };
    match kind {
        0 => {
            let mut op = UnaryOp::ALL[s.p as usize % UnaryOp::ALL.len()];
            if op == UnaryOp::Signbit {
                // The sign of a NaN depends on how it was made (x86's 0/0 is negative,
                // a folded constant or a vector-math NaN positive): not comparable
                // across strategies (nor is copysign's below). Their own tests use
                // explicit values.
                op = UnaryOp::Neg;
            }
            apply_or_cast(Op::Unary(op), vec![a], DType::F64)
        }
        1 => {
            let mut op = BinaryOp::ALL[s.p as usize % BinaryOp::ALL.len()];
            if op == BinaryOp::Copysign {
                op = BinaryOp::Add; // reads a sign a NaN operand may carry either way
            }
            let b = if s.c.is_multiple_of(4) {
                Node::constant(random_scalar(&mut rng))
            } else {
                pick_broadcastable(pool, &a, s.b)?
            };
            let (a, b) = if s.c % 8 == 1 { (b, a) } else { (a, b) };
            let fallback = if op == BinaryOp::Philox {
                DType::U64 // its only operand type
            } else if s.c.is_multiple_of(2) {
                DType::I64
            } else {
                DType::I32
            };
            apply_or_cast(Op::Binary(op), vec![a, b], fallback)
        }
        2 => {
            let cond = pick_broadcastable(pool, &a, s.b)?;
            let b = pick_broadcastable(pool, &a, s.c)
                .filter(|b| lazyfuse::ir::broadcast_shapes("t", cond.shape(), b.shape()).is_ok())?;
            Node::apply(Op::Where, vec![cond, a, b]).ok()
        }
        3 => Node::apply(
            Op::Cast(DType::ALL[s.p as usize % DType::ALL.len()]),
            vec![a],
        )
        .ok(),
        4 => {
            let dims = a.shape().dims();
            let target: Vec<i64> = match s.p % 3 {
                0 => vec![-1],
                1 => dims.iter().rev().map(|&d| d as i64).collect(),
                _ => {
                    let mut d: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
                    d.insert(s.c as usize % (d.len() + 1), 1);
                    d
                }
            };
            compose::reshape(&a, &target).ok()
        }
        5 => {
            let mut perm: Vec<usize> = (0..ndim).collect();
            for i in (1..ndim).rev() {
                perm.swap(i, rng.below(i as u64 + 1) as usize);
            }
            Node::apply(Op::Transpose(perm), vec![a]).ok()
        }
        6 => {
            let mut dims: Vec<usize> = a
                .shape()
                .iter()
                .map(|&d| if d == 1 { rng.below(4) as usize } else { d })
                .collect();
            for _ in 0..rng.below(3) {
                dims.insert(0, rng.below(4) as usize);
            }
            Node::apply(Op::BroadcastTo(Shape(dims)), vec![a]).ok()
        }
        7 => {
            let axes: Vec<SliceAxis> = a
                .shape()
                .iter()
                .map(|&d| {
                    let r = |rng: &mut Rng| Some(rng.below(2 * d as u64 + 3) as i64 - d as i64 - 1);
                    let start = if rng.below(3) == 0 { None } else { r(&mut rng) };
                    let stop = if rng.below(3) == 0 { None } else { r(&mut rng) };
                    let step = [1, 1, 2, 3, -1, -1, -2, -3][rng.below(8) as usize];
                    SliceAxis::from_python(start, stop, Some(step), d).expect("nonzero step")
                })
                .collect();
            Node::apply(Op::Slice(axes), vec![a]).ok()
        }
        8 => {
            let op = ReduceOp::ALL[s.p as usize % ReduceOp::ALL.len()];
            let axes: Vec<usize> = (0..ndim).filter(|k| s.c >> k & 1 == 1).collect();
            Node::apply(
                Op::Reduce {
                    op,
                    axes,
                    keepdims: s.b.is_multiple_of(2),
                },
                vec![a],
            )
            .ok()
        }
        9 => {
            let b = if ndim >= 2 {
                compose::swapaxes(&a, -1, -2).ok()?
            } else {
                a.clone()
            };
            let b = if s.c.is_multiple_of(3) {
                pick(pool, s.b).clone()
            } else {
                b
            };
            apply_or_cast(Op::MatMul, vec![a, b], DType::F64)
        }
        10 if ndim > 0 => {
            let axis = s.p as usize % ndim;
            let mut starts = vec![None; ndim];
            starts[axis] = Some(rng.below(a.shape()[axis] as u64 + 1) as i64);
            let part = compose::slice(
                &a,
                &starts.iter().map(|&s| (s, None, None)).collect::<Vec<_>>(),
            )
            .ok()?;
            let other = pick(pool, s.b).clone();
            let mut args = vec![a, part];
            if other.shape().ndim() == ndim
                && (0..ndim).all(|k| k == axis || other.shape()[k] == args[0].shape()[k])
            {
                args.push(other);
            }
            Node::apply(Op::Concat { axis }, args).ok()
        }
        11 => match s.p % 7 {
            0 => compose::expand_dims(&a, &[(s.c % (ndim as u16 + 1)) as i64]).ok(),
            1 => compose::squeeze(&a, None).ok(),
            2 => compose::stack(&[a.clone(), a], (s.c % (ndim as u16 + 1)) as i64).ok(),
            3 => {
                let b = if ndim >= 2 {
                    compose::swapaxes(&a, -1, -2).ok()?
                } else {
                    a.clone()
                };
                compose::dot(&a, &b).ok()
            }
            4 => {
                let start = rng.int(DType::I32).clamp(-20, 20);
                let step = [1, 2, -1, -3][rng.below(4) as usize];
                let stop = start + step * rng.below(8) as i64;
                if s.c.is_multiple_of(2) {
                    compose::arange(Scalar::I64(start), Scalar::I64(stop), Scalar::I64(step)).ok()
                } else {
                    compose::arange(
                        Scalar::F64(start as f64 * 0.5),
                        Scalar::F64(stop as f64 * 0.5),
                        Scalar::F64(step as f64 * 0.5),
                    )
                    .ok()
                }
            }
            5 => compose::full(&a.shape().0, random_scalar(&mut rng)).ok(),
            // A running fold (a library kernel between fused loops).
            _ if ndim > 0 => Node::apply(
                Op::Scan {
                    op: [ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Max, ReduceOp::Min]
                        [s.c as usize % 4],
                    axis: s.b as usize % ndim,
                },
                vec![a],
            )
            .ok(),
            _ => None,
        },
        12 => {
            // Fancy indexing: data-dependent positions from an integer node, taken
            // modulo the size (NumPy's remainder: in range), or a reversing ramp.
            let n = a.shape().numel() as i64;
            let b = pick(pool, s.b).clone();
            let positions = if b.dtype().is_int() || b.dtype() == DType::Bool {
                if n == 0 && b.shape().numel() > 0 {
                    return None;
                }
                let wide = Node::apply(Op::Cast(DType::I64), vec![b]).ok()?;
                let size = Node::constant(Scalar::I64(n.max(1)));
                Node::apply(Op::Binary(BinaryOp::Rem), vec![wide, size]).ok()?
            } else {
                compose::arange(Scalar::I64(n - 1), Scalar::I64(-1), Scalar::I64(-1)).ok()?
            };
            Node::apply(Op::Gather, vec![a, positions]).ok()
        }
        _ => None,
    }
}
