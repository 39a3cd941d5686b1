//! Every differentiable op's VJP against central finite differences in float64.

use super::*;
use crate::compose;
use crate::dtype::DType;
use crate::op::{ReduceOp, SliceAxis, UnaryOp};
use crate::program::Program;
use crate::shape::Shape;
use crate::value::Value;
use ndarray::{ArrayD, IxDyn};

/// Values of `nodes` (built from data leaves), by the reference interpreter.
fn evaluate(nodes: &[Node]) -> Vec<Value> {
    let (program, leaves) = Program::from_outputs(nodes).unwrap();
    let inputs: Vec<Value> = leaves.into_iter().filter_map(|l| l.into_value()).collect();
    crate::interpret(&program, &inputs).unwrap()
}

fn data(shape: &[usize], seed: usize, f: impl Fn(f64) -> f64) -> Value {
    let n: usize = shape.iter().product();
    let values = (0..n)
        .map(|i| f((((i + seed) * 7919 + 13 * seed) % 1000) as f64 / 1000.0))
        .collect();
    Value::from_array(ArrayD::from_shape_vec(IxDyn(shape), values).unwrap())
}

/// A weighted sum of `f(inputs)` (the weights make every output element count
/// differently) differentiated by `vjp`, against central differences.
fn check(name: &str, inputs: Vec<Value>, f: impl Fn(&[Node]) -> Result<Node, IrError>) {
    let loss = |values: &[Value]| -> (Node, Vec<Node>) {
        let leaves: Vec<Node> = values.iter().map(|v| Node::data(v.clone())).collect();
        let out = f(&leaves).unwrap();
        let w = Node::data(data(out.shape().dims(), 99, |u| u + 0.5));
        let weighted = Node::apply(Op::Binary(BinaryOp::Mul), vec![out, w]).unwrap();
        let total = compose::reduce(ReduceOp::Sum, &weighted, None, false).unwrap();
        (total, leaves)
    };
    let (total, leaves) = loss(&inputs);
    let one = Node::constant(Scalar::F64(1.0));
    let grads = vjp(std::slice::from_ref(&total), &[one], &leaves).unwrap();
    let got = evaluate(&grads);
    for (k, input) in inputs.iter().enumerate() {
        assert_eq!(got[k].ty(), input.ty(), "{name}: gradient {k} type");
        let base = input.to_scalars();
        for (i, g) in got[k].to_scalars().iter().enumerate() {
            let h = 1e-6 * base[i].as_f64().abs().max(1.0);
            let at = |delta: f64| {
                let mut moved = base.clone();
                moved[i] = Scalar::F64(base[i].as_f64() + delta);
                let mut values = inputs.clone();
                values[k] = Value::from_scalars(&input.ty(), &moved).unwrap();
                evaluate(&[loss(&values).0])[0].get(&[]).unwrap().as_f64()
            };
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            let g = g.as_f64();
            assert!(
                (g - numeric).abs() <= 1e-5 * numeric.abs().max(1.0),
                "{name}: d/d input {k}[{i}]: vjp {g}, finite differences {numeric}"
            );
        }
    }
}

fn un(op: UnaryOp) -> impl Fn(&[Node]) -> Result<Node, IrError> {
    move |x| Node::apply(Op::Unary(op), vec![x[0].clone()])
}

fn bin(op: BinaryOp) -> impl Fn(&[Node]) -> Result<Node, IrError> {
    move |x| Node::apply(Op::Binary(op), vec![x[0].clone(), x[1].clone()])
}

#[test]
fn unary_ops_match_finite_differences() {
    use UnaryOp::*;
    for op in [
        Neg, Abs, Exp, Expm1, Log, Log1p, Log2, Log10, Sqrt, Square, Reciprocal, Sin, Cos, Tan,
        Arcsin, Arccos, Arctan, Sinh, Cosh, Tanh, Sigmoid, Erf, Arcsinh, Arctanh, Cbrt,
    ] {
        // Inside every domain: (0.1, 0.9).
        check(op.name(), vec![data(&[2, 3], 1, |u| 0.1 + 0.8 * u)], un(op));
    }
    check("arccosh", vec![data(&[4], 2, |u| 1.5 + u)], un(Arccosh));
    check(
        "abs of negatives",
        vec![data(&[5], 3, |u| u - 0.5)],
        un(Abs),
    );
    // Piecewise-constant functions have zero derivative.
    let x = Node::data(data(&[3], 4, |u| u));
    let y = Node::apply(Op::Unary(Floor), vec![x.clone()]).unwrap();
    let total = compose::reduce(ReduceOp::Sum, &y, None, false).unwrap();
    let g = vjp(&[total], &[Node::constant(Scalar::F64(1.0))], &[x]).unwrap();
    assert!(evaluate(&g)[0]
        .to_scalars()
        .iter()
        .all(|s| s.as_f64() == 0.0));
}

#[test]
fn binary_ops_with_broadcasting_match_finite_differences() {
    use BinaryOp::*;
    for op in [Add, Sub, Mul, Div, Pow, Arctan2, Rem, Fmod, Copysign] {
        check(
            op.name(),
            vec![data(&[2, 3], 5, |u| 0.5 + u), data(&[3], 6, |u| 0.3 + u)],
            bin(op),
        );
    }
    // Maximum/minimum away from ties; with a 0-d operand and a leading axis.
    for op in [Maximum, Minimum] {
        check(
            op.name(),
            vec![data(&[4, 1, 3], 7, |u| u), data(&[], 8, |_| 0.45)],
            bin(op),
        );
    }
}

#[test]
fn ties_split_evenly_as_jax() {
    let a = Node::data(data(&[2], 1, |_| 1.0));
    let b = Node::data(data(&[2], 1, |_| 1.0));
    let m = Node::apply(Op::Binary(BinaryOp::Maximum), vec![a.clone(), b.clone()]).unwrap();
    let total = compose::reduce(ReduceOp::Sum, &m, None, false).unwrap();
    let g = evaluate(&vjp(&[total], &[Node::constant(Scalar::F64(1.0))], &[a, b]).unwrap());
    assert_eq!(g[0].to_scalars(), vec![Scalar::F64(0.5); 2]);
    // max over ties: each of the two maxima gets half.
    let x = Node::data(Value::from_array(
        ndarray::arr1(&[3.0, 1.0, 3.0]).into_dyn(),
    ));
    let mx = compose::reduce(ReduceOp::Max, &x, None, false).unwrap();
    let g = evaluate(&vjp(&[mx], &[Node::constant(Scalar::F64(1.0))], &[x]).unwrap());
    assert_eq!(
        g[0].to_scalars(),
        vec![Scalar::F64(0.5), Scalar::F64(0.0), Scalar::F64(0.5)]
    );
}

#[test]
fn reductions_match_finite_differences() {
    let x = || vec![data(&[2, 3, 4], 9, |u| 0.2 + u)];
    for op in [
        ReduceOp::Sum,
        ReduceOp::Mean,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::Prod,
    ] {
        for (axes, keepdims) in [
            (vec![1i64], false),
            (vec![0, 2], true),
            (vec![0, 1, 2], false),
        ] {
            check(op.name(), x(), move |n| {
                compose::reduce(op, &n[0], Some(&axes), keepdims)
            });
        }
    }
    // A product with one zero and with two zeros along the reduced axis.
    let with_zeros = Value::from_array(
        ndarray::arr2(&[[0.0, 2.0, 3.0], [0.0, 0.0, 5.0], [1.5, 2.0, 0.5]]).into_dyn(),
    );
    check("prod with zeros", vec![with_zeros], |n| {
        compose::reduce(ReduceOp::Prod, &n[0], Some(&[1]), false)
    });
}

#[test]
fn matmul_shapes_match_finite_differences() {
    for (a, b) in [
        (vec![3, 4], vec![4, 2]),
        (vec![4], vec![4, 2]),
        (vec![3, 4], vec![4]),
        (vec![4], vec![4]),
        (vec![2, 3, 4], vec![4, 2]),
        (vec![2, 1, 3, 4], vec![5, 4, 2]),
    ] {
        check(
            "matmul",
            vec![data(&a, 10, |u| u - 0.5), data(&b, 11, |u| u - 0.3)],
            |n| Node::apply(Op::MatMul, vec![n[0].clone(), n[1].clone()]),
        );
    }
}

#[test]
fn views_concat_and_where_match_finite_differences() {
    let x = || vec![data(&[5, 6], 12, |u| u)];
    check("transpose", x(), |n| compose::transpose(&n[0], None));
    check("reshape", x(), |n| compose::reshape(&n[0], &[3, 10]));
    check("broadcast_to", vec![data(&[1, 6], 13, |u| u)], |n| {
        Node::apply(Op::BroadcastTo(Shape(vec![4, 5, 6])), vec![n[0].clone()])
    });
    for (start, step, len) in [(1, 2, 3), (4, -1, 3), (5, -2, 3), (0, 3, 2), (2, 1, 0)] {
        check("slice", x(), move |n| {
            Node::apply(
                Op::Slice(vec![SliceAxis::full(5), SliceAxis { start, step, len }]),
                vec![n[0].clone()],
            )
        });
    }
    check(
        "concat",
        vec![data(&[2, 3], 14, |u| u), data(&[4, 3], 15, |u| u)],
        |n| compose::concatenate(n, 0),
    );
    check(
        "where",
        vec![data(&[2, 3], 16, |u| u), data(&[3], 17, |u| u)],
        |n| {
            let c = Node::apply(
                Op::Binary(BinaryOp::Gt),
                vec![n[0].clone(), Node::constant(Scalar::F64(0.5))],
            )?;
            Node::apply(Op::Where, vec![c, n[0].clone(), n[1].clone()])
        },
    );
    // A cast passes the cotangent through, in the operand's dtype (float32 steps are
    // too coarse for finite differences).
    let x = Node::data(data(&[3], 20, |u| u));
    let f = Node::apply(Op::Cast(DType::F32), vec![x.clone()]).unwrap();
    let back = Node::apply(Op::Cast(DType::F64), vec![f]).unwrap();
    let total = compose::reduce(ReduceOp::Sum, &back, None, false).unwrap();
    let g = evaluate(&vjp(&[total], &[Node::constant(Scalar::F64(1.0))], &[x]).unwrap());
    assert_eq!(g[0].to_scalars(), vec![Scalar::F64(1.0); 3]);
}

#[test]
fn shared_terms_accumulate_and_stop_gradient_stops() {
    // f(x) = x * exp(x) + exp(x): exp(x) used twice.
    check("shared", vec![data(&[4], 18, |u| u)], |n| {
        let e = Node::apply(Op::Unary(UnaryOp::Exp), vec![n[0].clone()])?;
        let xe = Node::apply(Op::Binary(BinaryOp::Mul), vec![n[0].clone(), e.clone()])?;
        Node::apply(Op::Binary(BinaryOp::Add), vec![xe, e])
    });
    let x = Node::data(data(&[3], 19, |u| u));
    let frozen = Node::apply(Op::Reshape(Shape(vec![3])), vec![x.clone()]).unwrap();
    frozen.set_note(STOP_GRADIENT);
    let y = Node::apply(Op::Binary(BinaryOp::Mul), vec![x.clone(), frozen.clone()]).unwrap();
    let total = compose::reduce(ReduceOp::Sum, &y, None, false).unwrap();
    let g = evaluate(
        &vjp(
            &[total],
            &[Node::constant(Scalar::F64(1.0))],
            std::slice::from_ref(&x),
        )
        .unwrap(),
    );
    // d/dx (x * stop(x)) = stop(x) = x.
    assert_eq!(g[0].to_scalars(), evaluate(&[x])[0].to_scalars());
}

/// `jvp` against central differences along a direction, for a function touching many
/// rules (broadcasting, reductions, matmul, slices, where, max).
#[test]
fn jvp_matches_directional_finite_differences() {
    let f = |n: &[Node]| -> Result<Node, IrError> {
        let e = Node::apply(Op::Unary(UnaryOp::Tanh), vec![n[0].clone()])?;
        let m = Node::apply(Op::MatMul, vec![e.clone(), n[1].clone()])?;
        let s = Node::apply(
            Op::Slice(vec![
                SliceAxis {
                    start: 2,
                    step: -1,
                    len: 3,
                },
                SliceAxis::full(2),
            ]),
            vec![m],
        )?;
        let mx = compose::reduce(ReduceOp::Max, &s, Some(&[1]), true)?;
        let c = Node::apply(
            Op::Binary(BinaryOp::Gt),
            vec![s.clone(), Node::constant(Scalar::F64(0.0))],
        )?;
        let w = Node::apply(Op::Where, vec![c, s.clone(), mx])?;
        Node::apply(Op::Binary(BinaryOp::Mul), vec![w, s])
    };
    let inputs = [
        data(&[3, 4], 21, |u| u - 0.5),
        data(&[4, 2], 22, |u| u - 0.4),
    ];
    let dirs = [
        data(&[3, 4], 23, |u| u - 0.3),
        data(&[4, 2], 24, |u| 0.2 - u),
    ];
    let leaves: Vec<Node> = inputs.iter().map(|v| Node::data(v.clone())).collect();
    let tangents: Vec<Node> = dirs.iter().map(|v| Node::data(v.clone())).collect();
    let out = f(&leaves).unwrap();
    let jt = evaluate(&jvp(std::slice::from_ref(&out), &leaves, &tangents).unwrap());
    let h = 1e-6;
    let at = |s: f64| {
        let moved: Vec<Node> = inputs
            .iter()
            .zip(&dirs)
            .map(|(x, d)| {
                let v: Vec<Scalar> = x
                    .to_scalars()
                    .iter()
                    .zip(d.to_scalars())
                    .map(|(a, b)| Scalar::F64(a.as_f64() + s * b.as_f64()))
                    .collect();
                Node::data(Value::from_scalars(&x.ty(), &v).unwrap())
            })
            .collect();
        evaluate(&[f(&moved).unwrap()])[0].to_scalars()
    };
    let (up, down) = (at(h), at(-h));
    for (i, g) in jt[0].to_scalars().iter().enumerate() {
        let numeric = (up[i].as_f64() - down[i].as_f64()) / (2.0 * h);
        assert!(
            (g.as_f64() - numeric).abs() <= 1e-5 * numeric.abs().max(1.0),
            "element {i}: jvp {}, finite differences {numeric}",
            g.as_f64()
        );
    }
}

#[test]
fn gather_transposes_to_a_scatter_add_with_repeats() {
    // Positions with repeats and a zero-size case; the weights tell them apart.
    for positions in [vec![5i64, 0, 3, 3, 5, 5, 1], vec![2], vec![]] {
        let p = Node::data(Value::from_array(ndarray::arr1(&positions).into_dyn()));
        check("gather", vec![data(&[2, 3], 25, |u| u)], |n| {
            let g = Node::apply(Op::Gather, vec![n[0].clone(), p.clone()])?;
            Node::apply(Op::Unary(UnaryOp::Sin), vec![g])
        });
    }
}

/// Complex data of `shape`: parts from `data`, the imaginary part from another seed.
fn complex_data(shape: &[usize], seed: usize) -> Value {
    let re = data(shape, seed, |u| 0.2 + 0.7 * u).to_scalars();
    let im = data(shape, seed + 5, |u| 0.6 * u - 0.3).to_scalars();
    let values: Vec<Scalar> = re
        .iter()
        .zip(&im)
        .map(|(a, b)| Scalar::C128(num_complex::Complex64::new(a.as_f64(), b.as_f64())))
        .collect();
    let ty = crate::shape::TensorType {
        dtype: DType::C128,
        shape: Shape(shape.to_vec()),
    };
    Value::from_scalars(&ty, &values).unwrap()
}

/// The real loss Re(sum(f(inputs) * w)) (w complex, so both parts of a complex output
/// count) differentiated by `vjp`, against central differences: the gradient of a
/// complex input z = a + ib must be dL/da - i dL/db (JAX's convention).
fn check_complex(name: &str, inputs: Vec<Value>, f: impl Fn(&[Node]) -> Result<Node, IrError>) {
    let loss = |values: &[Value]| -> (Node, Vec<Node>) {
        let leaves: Vec<Node> = values.iter().map(|v| Node::data(v.clone())).collect();
        let out = f(&leaves).unwrap();
        let w = if out.dtype().is_complex() {
            Node::data(complex_data(out.shape().dims(), 77))
        } else {
            Node::data(data(out.shape().dims(), 99, |u| u + 0.5))
        };
        let weighted = Node::apply(Op::Binary(BinaryOp::Mul), vec![out, w]).unwrap();
        let total = compose::reduce(ReduceOp::Sum, &weighted, None, false).unwrap();
        let total = if total.dtype().is_complex() {
            Node::apply(Op::Unary(UnaryOp::Real), vec![total]).unwrap()
        } else {
            total
        };
        (total, leaves)
    };
    let (total, leaves) = loss(&inputs);
    let one = Node::constant(Scalar::F64(1.0));
    let grads = vjp(std::slice::from_ref(&total), &[one], &leaves).unwrap();
    let got = evaluate(&grads);
    let h = 1e-6;
    for (k, input) in inputs.iter().enumerate() {
        assert_eq!(got[k].ty(), input.ty(), "{name}: gradient {k} type");
        let base = input.to_scalars();
        for (i, g) in got[k].to_scalars().iter().enumerate() {
            let at = |delta: (f64, f64)| {
                let mut moved = base.clone();
                let (re, im) = base[i].parts();
                moved[i] = if input.dtype().is_complex() {
                    Scalar::C128(num_complex::Complex64::new(re + delta.0, im + delta.1))
                        .cast(input.dtype())
                } else {
                    Scalar::F64(re + delta.0)
                };
                let mut values = inputs.clone();
                values[k] = Value::from_scalars(&input.ty(), &moved).unwrap();
                evaluate(&[loss(&values).0])[0].get(&[]).unwrap().as_f64()
            };
            let d_re = (at((h, 0.0)) - at((-h, 0.0))) / (2.0 * h);
            let d_im = if input.dtype().is_complex() {
                (at((0.0, h)) - at((0.0, -h))) / (2.0 * h)
            } else {
                0.0
            };
            let (g_re, g_im) = g.parts();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * b.abs().max(1.0);
            assert!(
                close(g_re, d_re) && close(g_im, -d_im),
                "{name}: d/d input {k}[{i}]: vjp {g_re}{g_im:+}i, finite differences {d_re}{:+}i",
                -d_im
            );
        }
    }
}

#[test]
fn complex_gradients_match_finite_differences_in_jaxs_convention() {
    use UnaryOp::*;
    let z = || complex_data(&[2, 3], 1);
    for op in [
        Neg, Exp, Log, Sqrt, Square, Reciprocal, Sin, Cos, Tanh, Conj, Real, Imag, Abs,
    ] {
        check_complex(op.name(), vec![z()], un(op));
    }
    for op in [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Pow,
    ] {
        check_complex(op.name(), vec![z(), complex_data(&[2, 3], 3)], bin(op));
        // A real operand next to a complex one: its gradient is the real part.
        check_complex(
            &format!("{} real-complex", op.name()),
            vec![data(&[2, 3], 4, |u| 0.3 + 0.5 * u), z()],
            bin(op),
        );
    }
    check_complex("matmul", vec![z(), complex_data(&[3, 2], 2)], |x| {
        Node::apply(Op::MatMul, x.to_vec())
    });
    check_complex("cast real to complex", vec![data(&[4], 2, |u| u)], |x| {
        Node::apply(Op::Cast(DType::C128), vec![x[0].clone()])
    });
    check_complex(
        "abs squared of a product",
        vec![z(), complex_data(&[2, 3], 6)],
        |x| {
            let p = Node::apply(Op::Binary(BinaryOp::Mul), x.to_vec())?;
            let a = Node::apply(Op::Unary(Abs), vec![p])?;
            Node::apply(Op::Binary(BinaryOp::Mul), vec![a.clone(), a])
        },
    );
    check_complex("mean of a sum", vec![z()], |x| {
        compose::reduce(ReduceOp::Mean, &x[0], Some(&[1]), false)
    });
}

#[test]
fn fft_gradients_match_finite_differences() {
    use crate::op::{FftKind, FftScale};
    let fft = |axis: usize, kind: FftKind| {
        // Scaled inverses, so that the scale's transposition is checked too.
        let scale = match kind {
            FftKind::Inverse => FftScale::InverseN,
            FftKind::InverseReal { .. } => FftScale::InverseSqrtN,
            _ => FftScale::One,
        };
        move |x: &[Node]| Node::apply(Op::Fft { axis, kind, scale }, vec![x[0].clone()])
    };
    for axis in 0..2 {
        check_complex(
            "fft",
            vec![complex_data(&[3, 5], 1)],
            fft(axis, FftKind::Forward),
        );
        check_complex(
            "ifft",
            vec![complex_data(&[4, 3], 2)],
            fft(axis, FftKind::Inverse),
        );
        for n in [5, 6] {
            let mut dims = [4, 4];
            dims[axis] = n;
            check_complex(
                "rfft",
                vec![data(&dims, 3, |u| u)],
                fft(axis, FftKind::Real),
            );
            dims[axis] = n / 2 + 1;
            check_complex(
                &format!("irfft n={n}"),
                vec![complex_data(&dims, 4)],
                fft(axis, FftKind::InverseReal { n }),
            );
        }
    }
    // Forward mode follows from the reverse rules: fft's tangent is the fft of the tangent.
    let z = Node::data(complex_data(&[6], 5));
    let t = Node::data(complex_data(&[6], 6));
    let y = fft(0, FftKind::Forward)(std::slice::from_ref(&z)).unwrap();
    let got = crate::autodiff::jvp(&[y], &[z], std::slice::from_ref(&t)).unwrap();
    let want = fft(0, FftKind::Forward)(&[t]).unwrap();
    let (got, want) = (evaluate(&got), evaluate(&[want]));
    for (g, w) in got[0].to_scalars().iter().zip(want[0].to_scalars()) {
        let (Scalar::C128(g), Scalar::C128(w)) = (g, w) else {
            panic!("complex128 tangents")
        };
        assert!((g - w).norm() < 1e-12, "{g} vs {w}");
    }
}

#[test]
fn complex_jvp_is_the_directional_derivative() {
    // f(z) = exp(z) * conj(z) + |z|: a tangent t gives (f(z + h t) - f(z - h t)) / 2h.
    let z = complex_data(&[3], 1);
    let t = complex_data(&[3], 8);
    let f = |x: &Node| -> Result<Node, IrError> {
        let e = Node::apply(Op::Unary(UnaryOp::Exp), vec![x.clone()])?;
        let c = Node::apply(Op::Unary(UnaryOp::Conj), vec![x.clone()])?;
        let a = Node::apply(Op::Unary(UnaryOp::Abs), vec![x.clone()])?;
        let a = Node::apply(Op::Cast(DType::C128), vec![a])?;
        let p = Node::apply(Op::Binary(BinaryOp::Mul), vec![e, c])?;
        Node::apply(Op::Binary(BinaryOp::Add), vec![p, a])
    };
    let x = Node::data(z.clone());
    let tangent = jvp(&[f(&x).unwrap()], &[x], &[Node::data(t.clone())]).unwrap();
    let got = evaluate(&tangent)[0].to_scalars();
    let h = 1e-6;
    let moved = |s: f64| {
        let values: Vec<Scalar> = z
            .to_scalars()
            .iter()
            .zip(t.to_scalars())
            .map(|(a, b)| {
                let (a, b) = (a.parts(), b.parts());
                Scalar::C128(num_complex::Complex64::new(a.0 + s * b.0, a.1 + s * b.1))
            })
            .collect();
        let v = Value::from_scalars(&z.ty(), &values).unwrap();
        evaluate(&[f(&Node::data(v)).unwrap()])[0].to_scalars()
    };
    let (plus, minus) = (moved(h), moved(-h));
    for i in 0..3 {
        let (p, m, g) = (plus[i].parts(), minus[i].parts(), got[i].parts());
        let numeric = ((p.0 - m.0) / (2.0 * h), (p.1 - m.1) / (2.0 * h));
        assert!(
            (g.0 - numeric.0).abs() < 1e-6 && (g.1 - numeric.1).abs() < 1e-6,
            "jvp {g:?}, finite differences {numeric:?}"
        );
    }
}

/// A well-conditioned stack of matrices: `data` plus n on the diagonal.
fn matrices(batch: usize, n: usize, extra: usize, seed: usize) -> Value {
    let raw = data(&[batch, n, n + extra], seed, |u| u - 0.5);
    let mut a = raw.into_array::<f64>().unwrap();
    for b in 0..batch {
        for i in 0..n {
            a[[b, i, i]] += n as f64;
        }
    }
    Value::from_array(a)
}

#[test]
fn linalg_gradients_match_finite_differences() {
    use crate::op::LinalgOp;
    let routine = |l: LinalgOp| move |x: &[Node]| Node::apply(Op::Linalg(l), vec![x[0].clone()]);
    check("inv", vec![matrices(2, 3, 0, 1)], routine(LinalgOp::Inv));
    check(
        "solve",
        vec![matrices(2, 3, 2, 2)],
        routine(LinalgOp::Solve),
    );
    check("det", vec![matrices(2, 3, 0, 3)], routine(LinalgOp::Det));
    check(
        "slogdet",
        vec![matrices(1, 4, 0, 4)],
        routine(LinalgOp::SlogdetLogAbs),
    );
    // eigh's values see a symmetric matrix: the derivative along a symmetric direction
    // d is sum_i g_i v_i^T d v_i, which <vjp, d> must equal.
    let a = matrices(1, 4, 0, 5).into_array::<f64>().unwrap();
    let sym = |m: &ndarray::ArrayD<f64>| {
        let t = m.clone().permuted_axes(IxDyn(&[0, 2, 1]));
        (m + &t) * 0.5
    };
    let (a, d) = (
        sym(&a),
        sym(&data(&[1, 4, 4], 9, |u| u - 0.3)
            .into_array::<f64>()
            .unwrap()),
    );
    let eig = |m: &ndarray::ArrayD<f64>| {
        let node = Node::apply(
            Op::Linalg(LinalgOp::EighValues),
            vec![Node::data(Value::from_array(m.clone()))],
        );
        evaluate(&[node.unwrap()])[0]
            .clone()
            .into_array::<f64>()
            .unwrap()
    };
    let weights = data(&[1, 4], 7, |u| u + 0.5).into_array::<f64>().unwrap();
    let leaf = Node::data(Value::from_array(a.clone()));
    let values = Node::apply(Op::Linalg(LinalgOp::EighValues), vec![leaf.clone()]).unwrap();
    let w = Node::data(Value::from_array(weights.clone()));
    let grad = vjp(
        std::slice::from_ref(&values),
        &[w],
        std::slice::from_ref(&leaf),
    )
    .unwrap();
    let grad = evaluate(&grad)[0].clone().into_array::<f64>().unwrap();
    let h = 1e-6;
    let numeric = ((eig(&(&a + &(&d * h))) - eig(&(&a - &(&d * h)))) * &weights).sum() / (2.0 * h);
    let analytic = (&grad * &d).sum();
    assert!(
        (numeric - analytic).abs() < 1e-6,
        "eigvalsh: {analytic} vs {numeric}"
    );
}
