//! Each op's vector-Jacobian product: given an op's operands, its output `y` and the
//! output's cotangent `g`, the cotangent of each operand (None: no gradient flows,
//! as for integer results and piecewise-constant functions). Results have the op's
//! output dtype and may have the output's (broadcast) shape: the walk casts and sums
//! them to each operand's type ([`fit`]).

use crate::compose;
use crate::dtype::DType;
use crate::error::IrError;
use crate::node::Node;
use crate::op::{BinaryOp, FftKind, FftScale, LinalgOp, Op, ReduceOp, SliceAxis, UnaryOp};
use crate::scalar::Scalar;
use crate::shape::Shape;

type R = Result<Node, IrError>;

/// The cotangents of `args` for `y = op(args)` with output cotangent `g`.
pub(super) fn vjp_rule(
    op: &Op,
    args: &[Node],
    y: &Node,
    g: &Node,
) -> Result<Vec<Option<Node>>, IrError> {
    Ok(match op {
        Op::Input(_) | Op::Const(_) | Op::Arange { .. } => vec![],
        Op::Unary(u) => vec![unary(*u, &args[0], y, g)?],
        Op::Binary(b) => {
            let (ga, gb) = binary(*b, &args[0], &args[1], y, g)?;
            vec![ga, gb]
        }
        Op::Where => {
            let zero = konst(0.0, g.dtype());
            vec![
                None,
                Some(select(&args[0], g, &zero)?),
                Some(select(&args[0], &zero, g)?),
            ]
        }
        Op::Cast(_) => vec![Some(g.clone())],
        Op::Reshape(_) => vec![Some(reshape(g, args[0].shape())?)],
        Op::Transpose(perm) => {
            let mut inverse = vec![0; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                inverse[p] = i;
            }
            vec![Some(Node::apply(Op::Transpose(inverse), vec![g.clone()])?)]
        }
        Op::BroadcastTo(_) => vec![Some(unbroadcast(g, args[0].shape())?)],
        Op::Slice(axes) => vec![Some(unslice(g, axes, args[0].shape())?)],
        Op::Reduce { op, axes, keepdims } => {
            vec![reduction(*op, axes, *keepdims, &args[0], y, g)?]
        }
        Op::MatMul => {
            let (ga, gb) = matmul(&args[0], &args[1], g)?;
            vec![Some(ga), Some(gb)]
        }
        Op::Concat { axis } => {
            let mut start = 0;
            let mut out = Vec::with_capacity(args.len());
            for a in args {
                let len = a.shape()[*axis];
                let mut slices: Vec<SliceAxis> =
                    g.shape().iter().map(|&d| SliceAxis::full(d)).collect();
                slices[*axis] = SliceAxis {
                    start,
                    step: 1,
                    len,
                };
                out.push(Some(Node::apply(Op::Slice(slices), vec![g.clone()])?));
                start += len;
            }
            out
        }
        Op::Gather => vec![Some(gather_transpose(&args[0], &args[1], g)?), None],
        Op::Scan { op, axis } => vec![Some(scan(*op, *axis, &args[0], g)?)],
        // Positions are piecewise constant: no cotangent.
        Op::Sort { arg: true, .. } => vec![None],
        Op::Sort { arg: false, .. } => {
            return Err(IrError::invalid(
                "sort",
                "no derivative is implemented for sort yet",
            ))
        }
        Op::Fft { axis, kind, scale } => vec![Some(fft(*axis, *kind, *scale, &args[0], g)?)],
        Op::Linalg(l) => vec![linalg(*l, &args[0], y, g)?],
        // Positions are piecewise constant: no cotangent.
        Op::SearchSorted { .. } => vec![None, None],
    })
}

/// The cotangent of an FFT's operand (JAX's transposes). The DFT matrix is symmetric,
/// so complex transforms transpose to themselves; `rfft`'s operand gets the real part of
/// the forward transform of the cotangent padded to n; `irfft[n]`'s gets the conjugate
/// of `rfft` of the cotangent, doubled where a value stands for a conjugate pair too.
/// The scale is a real factor of the same n either way, so it carries over.
fn fft(axis: usize, kind: FftKind, scale: FftScale, x: &Node, g: &Node) -> R {
    let transform =
        |kind: FftKind, v: &Node| Node::apply(Op::Fft { axis, kind, scale }, vec![v.clone()]);
    match kind {
        FftKind::Forward | FftKind::Inverse => transform(kind, g),
        FftKind::Real => {
            let n = x.shape()[axis];
            let m = g.shape()[axis];
            let mut padded = g.clone();
            if n > m {
                let mut dims = g.shape().dims().to_vec();
                dims[axis] = n - m;
                padded = Node::apply(
                    Op::Concat { axis },
                    vec![g.clone(), zeros(&dims, g.dtype())?],
                )?;
            }
            un(UnaryOp::Real, &transform(FftKind::Forward, &padded)?)
        }
        FftKind::InverseReal { n } => {
            let spectrum = transform(FftKind::Real, g)?;
            let m = spectrum.shape()[axis];
            let d = spectrum.dtype();
            let part = |len: usize, v: f64| {
                let mut dims = spectrum.shape().dims().to_vec();
                dims[axis] = len;
                compose::full(&dims, Scalar::F64(v).cast(d))
            };
            // Value 0, and n/2 for even n, stand for themselves; the others for pairs.
            let ends = 1 + usize::from(n.is_multiple_of(2) && m > 1);
            let mut parts = vec![part(1, 1.0)?];
            if m > ends {
                parts.push(part(m - ends, 2.0)?);
            }
            if ends == 2 {
                parts.push(part(1, 1.0)?);
            }
            let weights = Node::apply(Op::Concat { axis }, parts)?;
            un(UnaryOp::Conj, &mul(&spectrum, &weights)?)
        }
    }
}

/// The cotangent of a linear-algebra routine's operand (real matrices; JAX's rules):
/// `inv`: -y^T g y^T; `solve` of `[a | b]`: `b` gets `gb = solve(a^T, g)`, `a` gets
/// `-gb x^T`; `det`: g det a^-T; `slogdet`'s log: g a^-T, its sign none; `eigh`'s values:
/// `v diag(g) v^T`.
fn linalg(op: LinalgOp, x: &Node, y: &Node, g: &Node) -> Result<Option<Node>, IrError> {
    let t = |v: &Node| compose::swapaxes(v, -1, -2);
    let routine = |l: LinalgOp, v: &Node| Node::apply(Op::Linalg(l), vec![v.clone()]);
    let matmul = |a: &Node, b: &Node| Node::apply(Op::MatMul, vec![a.clone(), b.clone()]);
    let matrix_of = |v: &Node| compose::expand_dims(v, &[-1, -2]);
    Ok(Some(match op {
        LinalgOp::Inv => {
            let yt = t(y)?;
            neg(&matmul(&matmul(&yt, g)?, &yt)?)?
        }
        LinalgOp::Solve => {
            let dims = x.shape().dims();
            let n = dims[dims.len() - 2];
            let mut keep: Vec<SliceAxis> = dims.iter().map(|&d| SliceAxis::full(d)).collect();
            keep[dims.len() - 1] = SliceAxis {
                start: 0,
                step: 1,
                len: n,
            };
            let a = Node::apply(Op::Slice(keep), vec![x.clone()])?;
            let last = dims.len() - 1;
            let augmented = Node::apply(Op::Concat { axis: last }, vec![t(&a)?, g.clone()])?;
            let gb = routine(LinalgOp::Solve, &augmented)?;
            let ga = neg(&matmul(&gb, &t(y)?)?)?;
            Node::apply(Op::Concat { axis: last }, vec![ga, gb])?
        }
        LinalgOp::Det => mul(&matrix_of(&mul(g, y)?)?, &t(&routine(LinalgOp::Inv, x)?)?)?,
        LinalgOp::SlogdetLogAbs => mul(&matrix_of(g)?, &t(&routine(LinalgOp::Inv, x)?)?)?,
        LinalgOp::SlogdetSign => return Ok(None),
        LinalgOp::EighValues => {
            let packed = routine(LinalgOp::Eigh, x)?;
            let dims = packed.shape().dims();
            let mut rows: Vec<SliceAxis> = dims.iter().map(|&d| SliceAxis::full(d)).collect();
            rows[dims.len() - 2] = SliceAxis {
                start: 1,
                step: 1,
                len: dims[dims.len() - 1],
            };
            let v = Node::apply(Op::Slice(rows), vec![packed])?;
            let scaled = mul(&v, &compose::expand_dims(g, &[-2])?)?;
            matmul(&scaled, &t(&v)?)?
        }
        LinalgOp::Cholesky
        | LinalgOp::Eigh
        | LinalgOp::SvdValues
        | LinalgOp::Svd
        | LinalgOp::SvdFull
        | LinalgOp::Qr
        | LinalgOp::QrComplete
        | LinalgOp::EigValues
        | LinalgOp::Eig => {
            return Err(IrError::invalid(
                op.name(),
                "no derivative is implemented for this routine yet (inv, solve, det, slogdet \
                 and eigvalsh have one)",
            ))
        }
    }))
}

/// d/dx of unary ops, times g.
fn unary(u: UnaryOp, x: &Node, y: &Node, g: &Node) -> Result<Option<Node>, IrError> {
    use UnaryOp::*;
    if x.dtype().is_complex() {
        if let Some(grad) = complex_to_real(u, x, y, g)? {
            return Ok(Some(grad));
        }
    }
    let d = g.dtype();
    let c = |v: f64| konst(v, d);
    let x = &cast(x, d)?;
    let sq = |v: &Node| mul(v, v);
    Ok(Some(match u {
        Sign | Floor | Ceil | Round | Trunc | IsNan | IsInf | IsFinite | LogicalNot | Signbit
        | Invert => return Ok(None),
        // Of a real x: conj and real are x, imag is the constant 0.
        Conj | Real => g.clone(),
        Imag => return Ok(None),
        Neg => neg(g)?,
        Abs => mul(g, &un(Sign, x)?)?,
        Exp => mul(g, y)?,
        Expm1 => mul(g, &add(y, &c(1.0))?)?,
        Log => div(g, x)?,
        Log1p => div(g, &add(x, &c(1.0))?)?,
        Log2 => div(g, &mul(x, &c(std::f64::consts::LN_2))?)?,
        Log10 => div(g, &mul(x, &c(std::f64::consts::LN_10))?)?,
        Sqrt => div(&mul(g, &c(0.5))?, y)?,
        Square => mul(g, &mul(x, &c(2.0))?)?,
        Reciprocal => neg(&mul(g, &sq(y)?)?)?,
        Sin => mul(g, &un(Cos, x)?)?,
        Cos => neg(&mul(g, &un(Sin, x)?)?)?,
        Tan => mul(g, &add(&c(1.0), &sq(y)?)?)?,
        Arcsin => div(g, &un(Sqrt, &sub(&c(1.0), &sq(x)?)?)?)?,
        Arccos => neg(&div(g, &un(Sqrt, &sub(&c(1.0), &sq(x)?)?)?)?)?,
        Arctan => div(g, &add(&c(1.0), &sq(x)?)?)?,
        Sinh => mul(g, &un(Cosh, x)?)?,
        Cosh => mul(g, &un(Sinh, x)?)?,
        Tanh => mul(g, &sub(&c(1.0), &sq(y)?)?)?,
        Sigmoid => mul(g, &mul(y, &sub(&c(1.0), y)?)?)?,
        Erf => {
            let scale = c(std::f64::consts::FRAC_2_SQRT_PI);
            mul(g, &mul(&scale, &un(Exp, &neg(&sq(x)?)?)?)?)?
        }
        Arcsinh => div(g, &un(Sqrt, &add(&sq(x)?, &c(1.0))?)?)?,
        Arccosh => div(g, &un(Sqrt, &sub(&sq(x)?, &c(1.0))?)?)?,
        Arctanh => div(g, &sub(&c(1.0), &sq(x)?)?)?,
        Cbrt => div(g, &mul(&c(3.0), &sq(y)?)?)?,
    }))
}

/// The cotangent of a complex x through the ops that are not complex-differentiable
/// (conj, real, imag, abs); None for the others, whose rules hold for complex values as
/// written. Cotangents follow JAX's convention: a linear map's transpose under the
/// pairing <u, v> = Re(u v), without conjugation, so a holomorphic op's rule is the
/// real one (g f'(x)) and the gradient of a real f of z = a + ib is df/da - i df/db.
/// Under that pairing the transposes are: real, g + 0i; imag, -i g; conj, conj(g);
/// abs (d|z| = Re(conj(z) dz) / |z|), g conj(z) / |z|, and 0 at z = 0.
fn complex_to_real(u: UnaryOp, x: &Node, y: &Node, g: &Node) -> Result<Option<Node>, IrError> {
    let cd = x.dtype();
    let complex = |re: f64, im: f64| {
        Node::constant(Scalar::C128(num_complex::Complex64::new(re, im)).cast(cd))
    };
    Ok(Some(match u {
        UnaryOp::Real => cast(g, cd)?,
        UnaryOp::Imag => mul(&cast(g, cd)?, &complex(0.0, -1.0))?,
        UnaryOp::Conj => un(UnaryOp::Conj, g)?,
        UnaryOp::Abs => {
            let at_zero = bin(BinaryOp::Eq, y, &konst(0.0, y.dtype()))?;
            let safe = select(&at_zero, &konst(1.0, y.dtype()), y)?;
            let grad = div(
                &mul(&cast(g, cd)?, &un(UnaryOp::Conj, x)?)?,
                &cast(&safe, cd)?,
            )?;
            select(&at_zero, &complex(0.0, 0.0), &grad)?
        }
        _ => return Ok(None),
    }))
}

/// (d/da, d/db) of binary ops, times g (in the output's broadcast shape).
fn binary(
    b: BinaryOp,
    a: &Node,
    bb: &Node,
    y: &Node,
    g: &Node,
) -> Result<(Option<Node>, Option<Node>), IrError> {
    use BinaryOp::*;
    let d = g.dtype();
    let c = |v: f64| konst(v, d);
    if !d.is_inexact() {
        return Ok((None, None));
    }
    let (a, b2) = (&cast(a, d)?, &cast(bb, d)?);
    Ok(match b {
        Add => (Some(g.clone()), Some(g.clone())),
        Sub => (Some(g.clone()), Some(neg(g)?)),
        Mul => (Some(mul(g, b2)?), Some(mul(g, a)?)),
        Div => (Some(div(g, b2)?), Some(neg(&div(&mul(g, y)?, b2)?)?)),
        Pow => {
            // JAX's: 0 where the exponent is 0 (d/da) or the base is 0 (d/db).
            let zero = c(0.0);
            let da = mul(b2, &bin(Pow, a, &sub(b2, &c(1.0))?)?)?;
            let da = select(&bin(Eq, b2, &zero)?, &zero, &da)?;
            let safe_a = select(&bin(Eq, a, &zero)?, &c(1.0), a)?;
            let db = mul(y, &un(UnaryOp::Log, &safe_a)?)?;
            (Some(mul(g, &da)?), Some(mul(g, &db)?))
        }
        Maximum | Minimum => {
            // JAX's balanced rule: a tie gives each operand half.
            let share = |p: &Node, q: &Node| -> R {
                let half_or_one = select(&bin(Eq, q, y)?, &c(0.5), &c(1.0))?;
                mul(g, &select(&bin(Eq, p, y)?, &half_or_one, &c(0.0))?)
            };
            (Some(share(a, b2)?), Some(share(b2, a)?))
        }
        Arctan2 => {
            let r2 = add(&mul(a, a)?, &mul(b2, b2)?)?;
            (
                Some(div(&mul(g, b2)?, &r2)?),
                Some(neg(&div(&mul(g, a)?, &r2)?)?),
            )
        }
        Rem => {
            let q = un(UnaryOp::Floor, &div(a, b2)?)?;
            (Some(g.clone()), Some(neg(&mul(g, &q)?)?))
        }
        Fmod => {
            let q = un(UnaryOp::Trunc, &div(a, b2)?)?;
            (Some(g.clone()), Some(neg(&mul(g, &q)?)?))
        }
        Copysign => {
            let same = bin(Eq, &un(UnaryOp::Signbit, a)?, &un(UnaryOp::Signbit, y)?)?;
            (Some(select(&same, g, &neg(g)?)?), None)
        }
        FloorDiv | Nextafter | Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr
        | LogicalXor | BitwiseAnd | BitwiseOr | BitwiseXor | LeftShift | RightShift | Gcd | Lcm
        | Philox => (None, None),
    })
}

/// The cotangent of a reduction's operand.
fn reduction(
    op: ReduceOp,
    axes: &[usize],
    keepdims: bool,
    x: &Node,
    y: &Node,
    g: &Node,
) -> Result<Option<Node>, IrError> {
    let d = g.dtype();
    if !d.is_inexact() {
        return Ok(None);
    }
    // The result and its cotangent with the reduced axes kept, broadcast to x's shape.
    let kept = |v: &Node| -> R {
        let mut dims = x.shape().dims().to_vec();
        for &k in axes {
            dims[k] = 1;
        }
        let v = if keepdims {
            v.clone()
        } else {
            reshape(v, &Shape(dims))?
        };
        Node::apply(Op::BroadcastTo(x.shape().clone()), vec![v])
    };
    let count: usize = axes.iter().map(|&k| x.shape()[k]).product();
    let x = &cast(x, d)?;
    Ok(match op {
        ReduceOp::Sum => Some(kept(g)?),
        ReduceOp::Mean => Some(div(&kept(g)?, &konst(count as f64, d))?),
        ReduceOp::Max | ReduceOp::Min => {
            // Split evenly between the elements equal to the result (JAX's rule).
            let hit = cast(&bin(BinaryOp::Eq, x, &kept(&cast(y, d)?)?)?, d)?;
            let ties = Node::apply(
                Op::Reduce {
                    op: ReduceOp::Sum,
                    axes: axes.to_vec(),
                    keepdims: true,
                },
                vec![hit.clone()],
            )?;
            let ties = Node::apply(Op::BroadcastTo(x.shape().clone()), vec![ties])?;
            Some(div(&mul(&kept(g)?, &hit)?, &ties)?)
        }
        ReduceOp::Prod => {
            // The product of the others: y / x without zeros; with one zero, the
            // product of the non-zeros at the zero and 0 elsewhere; with more, 0.
            let zero = konst(0.0, d);
            let is_zero = bin(BinaryOp::Eq, x, &zero)?;
            let sum_kept = |v: &Node, reduce: ReduceOp| -> R {
                let r = Node::apply(
                    Op::Reduce {
                        op: reduce,
                        axes: axes.to_vec(),
                        keepdims: true,
                    },
                    vec![v.clone()],
                )?;
                Node::apply(Op::BroadcastTo(x.shape().clone()), vec![r])
            };
            let zeros = sum_kept(&cast(&is_zero, d)?, ReduceOp::Sum)?;
            let nonzero_x = select(&is_zero, &konst(1.0, d), x)?;
            let prod_nonzero = sum_kept(&nonzero_x, ReduceOp::Prod)?;
            let no_zero = bin(BinaryOp::Eq, &zeros, &zero)?;
            let one_zero = bin(BinaryOp::Eq, &zeros, &konst(1.0, d))?;
            let others = select(
                &no_zero,
                &div(&prod_nonzero, &nonzero_x)?,
                &select(&one_zero, &select(&is_zero, &prod_nonzero, &zero)?, &zero)?,
            )?;
            Some(mul(&kept(g)?, &others)?)
        }
        ReduceOp::ArgMax | ReduceOp::ArgMin | ReduceOp::Any | ReduceOp::All => None,
    })
}

/// Above this many gathered index entries per source element (the repeats of the most
/// repeated position), the transpose of a gather is refused rather than materialised.
const MAX_TRANSPOSE_ENTRIES: usize = 1 << 26;

/// The cotangent of a gather's source: each source element sums the cotangents of the
/// result elements read from it (a scatter-add). The positions are data (NumPy's index
/// arithmetic on concrete indices), so the scatter is planned here: with the results
/// of each position in order of appearance padded to the most repeated position's
/// count `R`, it is a gather of `g` (and a zero for padding) at an `n x R` index table
/// summed over its rows: one fused loop, deterministic order.
fn gather_transpose(x: &Node, positions: &Node, g: &Node) -> R {
    let values = concrete(positions)?;
    let n = x.shape().numel();
    let p: Vec<i64> = values
        .to_scalars()
        .iter()
        .map(|s| s.as_f64() as i64)
        .collect();
    let m = p.len();
    let mut counts = vec![0usize; n];
    for &q in &p {
        let q = usize::try_from(q).ok().filter(|&q| q < n).ok_or_else(|| {
            IrError::index(format!("gather: index {q} is out of bounds for size {n}"))
        })?;
        counts[q] += 1;
    }
    let repeats = counts.iter().copied().max().unwrap_or(0);
    if repeats == 0 {
        return zeros(x.shape().dims(), g.dtype());
    }
    if n.saturating_mul(repeats) > MAX_TRANSPOSE_ENTRIES {
        return Err(IrError::invalid(
            "grad",
            format!(
                "differentiating an index that repeats a position {repeats} times into an \
                 array of {n} elements is not supported yet"
            ),
        ));
    }
    let mut starts = vec![0usize; n + 1];
    for j in 0..n {
        starts[j + 1] = starts[j] + counts[j];
    }
    let mut filled = starts.clone();
    let mut order = vec![0usize; m];
    for (i, &q) in p.iter().enumerate() {
        let q = q as usize;
        order[filled[q]] = i;
        filled[q] += 1;
    }
    // Row j: the results read from source element j, then the padding slot m.
    let mut table = vec![m as i64; n * repeats];
    for j in 0..n {
        for r in 0..counts[j] {
            table[j * repeats + r] = order[starts[j] + r] as i64;
        }
    }
    let table = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n, repeats]), table)
        .map_err(|e| IrError::internal(e.to_string()))?;
    let flat = reshape(g, &Shape(vec![m]))?;
    let padded = Node::apply(Op::Concat { axis: 0 }, vec![flat, zeros(&[1], g.dtype())?])?;
    let picked = Node::apply(
        Op::Gather,
        vec![padded, Node::data(crate::value::Value::from_array(table))],
    )?;
    let summed = Node::apply(
        Op::Reduce {
            op: ReduceOp::Sum,
            axes: vec![1],
            keepdims: false,
        },
        vec![picked],
    )?;
    reshape(&summed, x.shape())
}

/// A node's value, computed now: the positions of a gather, which are data (an error
/// if they depend on a traced parameter).
fn concrete(node: &Node) -> Result<crate::value::Value, IrError> {
    if let Some(v) = node.computed() {
        return Ok(v.clone());
    }
    let (program, leaves) = crate::program::Program::from_outputs(std::slice::from_ref(node))?;
    let mut inputs = Vec::with_capacity(leaves.len());
    for leaf in leaves {
        match leaf.into_value() {
            Some(v) => inputs.push(v),
            None => {
                return Err(IrError::invalid(
                    "grad",
                    "the positions of fancy indexing depend on the traced arguments",
                ))
            }
        }
    }
    Ok(crate::interp::interpret(&program, &inputs)?.remove(0))
}

/// The cotangents of NumPy matmul's operands (1-d operands promoted as NumPy does,
/// batch axes summed back to each operand's).
fn matmul(a: &Node, b: &Node, g: &Node) -> Result<(Node, Node), IrError> {
    let d = g.dtype();
    let (a, b) = (&cast(a, d)?, &cast(b, d)?);
    let a2 = if a.shape().ndim() == 1 {
        reshape(a, &Shape(vec![1, a.shape()[0]]))?
    } else {
        a.clone()
    };
    let b2 = if b.shape().ndim() == 1 {
        reshape(b, &Shape(vec![b.shape()[0], 1]))?
    } else {
        b.clone()
    };
    let out2 = Node::apply(Op::MatMul, vec![a2.clone(), b2.clone()])?;
    let g2 = reshape(g, out2.shape())?;
    let swap = |v: &Node| compose::swapaxes(v, -1, -2);
    let ga = Node::apply(Op::MatMul, vec![g2.clone(), swap(&b2)?])?;
    let gb = Node::apply(Op::MatMul, vec![swap(&a2)?, g2])?;
    let ga = reshape(&unbroadcast(&ga, a2.shape())?, a.shape())?;
    let gb = reshape(&unbroadcast(&gb, b2.shape())?, b.shape())?;
    Ok((ga, gb))
}

/// The cotangent of a slice's operand: zeros of `shape` with g's elements at the
/// sliced positions, as one elementwise expression over the operand's coordinates
/// (`arange`s, free in a kernel): per axis the index into g, `(c - start) / step`, and
/// whether the coordinate was taken; g gathered at the flat index where taken. The
/// whole pad fuses into the loop that uses it (no padded copy in memory).
fn unslice(g: &Node, axes: &[SliceAxis], shape: &Shape) -> R {
    let d = g.dtype();
    if g.shape().numel() == 0 || shape.numel() == 0 {
        return zeros(shape.dims(), d);
    }
    let r = shape.ndim();
    let int = |v: i64| Node::constant(Scalar::I64(v));
    let mut flat: Option<Node> = None;
    let mut taken: Option<Node> = None;
    for (k, s) in axes.iter().enumerate() {
        let n = shape[k];
        let mut dims = vec![1; r];
        dims[k] = n;
        let coord = Node::apply(
            Op::Arange {
                start: Scalar::I64(0),
                step: Scalar::I64(1),
                len: n,
            },
            vec![],
        )?;
        let coord = reshape(&coord, &Shape(dims))?;
        let index = if s.step == 1 && s.start == 0 && s.len == n {
            coord
        } else {
            // Distance from the first taken element along the step's direction.
            let dist = if s.step > 0 {
                bin(BinaryOp::Sub, &coord, &int(s.start as i64))?
            } else {
                bin(BinaryOp::Sub, &int(s.start as i64), &coord)?
            };
            // (Steps of one, the common case, need no division.)
            let (index, on_step) = if s.step.abs() == 1 {
                (dist.clone(), None)
            } else {
                let a = int(s.step.abs());
                let rem = bin(BinaryOp::Rem, &dist, &a)?;
                (
                    bin(BinaryOp::FloorDiv, &dist, &a)?,
                    Some(bin(BinaryOp::Eq, &rem, &int(0))?),
                )
            };
            let inside = bin(
                BinaryOp::LogicalAnd,
                &bin(BinaryOp::Ge, &dist, &int(0))?,
                &bin(BinaryOp::Lt, &index, &int(s.len as i64))?,
            )?;
            let here = match on_step {
                Some(on_step) => bin(BinaryOp::LogicalAnd, &on_step, &inside)?,
                None => inside,
            };
            taken = Some(match taken {
                Some(t) => bin(BinaryOp::LogicalAnd, &t, &here)?,
                None => here,
            });
            index
        };
        flat = Some(match flat {
            Some(f) => add(&mul(&f, &int(s.len as i64))?, &index)?,
            None => index,
        });
    }
    let (Some(flat), Some(taken)) = (flat, taken) else {
        return reshape(g, shape); // every element taken, in order: a reshape
    };
    let safe = select(&taken, &flat, &int(0))?;
    let picked = Node::apply(Op::Gather, vec![g.clone(), safe])?;
    select(&taken, &picked, &konst(0.0, d))
}

/// `g` (of a broadcast shape) summed down to `shape`: over the leading axes `shape`
/// lacks and the axes where `shape` has extent 1.
pub(super) fn unbroadcast(g: &Node, shape: &Shape) -> R {
    if g.shape() == shape {
        return Ok(g.clone());
    }
    let lead = g.shape().ndim() - shape.ndim();
    let axes: Vec<usize> = (0..g.shape().ndim())
        .filter(|&k| k < lead || (shape[k - lead] == 1 && g.shape()[k] != 1))
        .collect();
    let summed = if axes.is_empty() {
        g.clone()
    } else {
        Node::apply(
            Op::Reduce {
                op: ReduceOp::Sum,
                axes,
                keepdims: true,
            },
            vec![g.clone()],
        )?
    };
    reshape(&summed, shape)
}

/// An operand's cotangent from a rule's result: in the operand's dtype, summed to its
/// shape.
pub(super) fn fit(grad: &Node, operand: &Node) -> R {
    unbroadcast(&cast(grad, operand.dtype())?, operand.shape())
}

pub(super) fn cast(x: &Node, d: DType) -> R {
    if x.dtype() == d {
        Ok(x.clone())
    } else {
        Node::apply(Op::Cast(d), vec![x.clone()])
    }
}

fn reshape(x: &Node, shape: &Shape) -> R {
    if x.shape() == shape {
        Ok(x.clone())
    } else {
        Node::apply(Op::Reshape(shape.clone()), vec![x.clone()])
    }
}

fn zeros(dims: &[usize], d: DType) -> R {
    compose::full(dims, Scalar::I64(0).cast(d))
}

fn konst(v: f64, d: DType) -> Node {
    Node::constant(Scalar::F64(v).cast(d))
}

fn un(op: UnaryOp, x: &Node) -> R {
    Node::apply(Op::Unary(op), vec![x.clone()])
}

fn bin(op: BinaryOp, a: &Node, b: &Node) -> R {
    Node::apply(Op::Binary(op), vec![a.clone(), b.clone()])
}

fn select(c: &Node, a: &Node, b: &Node) -> R {
    Node::apply(Op::Where, vec![c.clone(), a.clone(), b.clone()])
}

fn add(a: &Node, b: &Node) -> R {
    bin(BinaryOp::Add, a, b)
}

fn sub(a: &Node, b: &Node) -> R {
    bin(BinaryOp::Sub, a, b)
}

fn mul(a: &Node, b: &Node) -> R {
    bin(BinaryOp::Mul, a, b)
}

fn div(a: &Node, b: &Node) -> R {
    bin(BinaryOp::Div, a, b)
}

fn neg(a: &Node) -> R {
    un(UnaryOp::Neg, a)
}

/// The cotangent of a running sum's operand: the reversed running sum of the reversed
/// cotangent (element i receives every later output's cotangent).
fn scan(op: ReduceOp, axis: usize, x: &Node, g: &Node) -> R {
    if op != ReduceOp::Sum {
        return Err(IrError::invalid(
            op_name(op),
            "no derivative is implemented for running products and extremes (cumsum has one)",
        ));
    }
    let n = g.shape()[axis];
    if n == 0 {
        return cast_like(g, x);
    }
    let reverse = |v: &Node| {
        let mut slices: Vec<SliceAxis> = v.shape().iter().map(|&d| SliceAxis::full(d)).collect();
        slices[axis] = SliceAxis {
            start: n - 1,
            step: -1,
            len: n,
        };
        Node::apply(Op::Slice(slices), vec![v.clone()])
    };
    let summed = Node::apply(Op::Scan { op, axis }, vec![reverse(g)?])?;
    cast_like(&reverse(&summed)?, x)
}

fn op_name(op: ReduceOp) -> &'static str {
    Op::Scan { op, axis: 0 }.name()
}

/// v in x's dtype where they differ (a float cotangent of an integer scan is not
/// needed: integer operands get no cotangent upstream).
fn cast_like(v: &Node, x: &Node) -> R {
    if v.dtype() == x.dtype() || !x.dtype().is_inexact() {
        Ok(v.clone())
    } else {
        Node::apply(Op::Cast(x.dtype()), vec![v.clone()])
    }
}
