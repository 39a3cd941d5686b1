//! Type rules: the shape and dtype of every op's result, or the error that makes the
//! construction invalid. These follow NumPy 2; where NumPy's answer is a dtype lazyfuse
//! does not have (`float16`, `int8`), the op reports the dtype as unsupported.

use crate::dtype::{promote, DType};
use crate::error::IrError;
use crate::op::{BinaryOp, FftKind, LinalgOp, Op, ReduceOp, UnaryOp};
use crate::shape::{broadcast_shapes, can_broadcast_to, Shape, TensorType};

impl Op {
    /// The type of this op's result given its operands' types.
    ///
    /// `Input` has no rule here: its type is the program's slot type.
    pub fn infer(&self, args: &[&TensorType]) -> Result<TensorType, IrError> {
        let ty = self.infer_unchecked(args)?;
        // No array may need more bytes than an allocation can hold (NumPy raises too).
        let bytes = ty
            .shape
            .checked_numel()
            .and_then(|n| n.checked_mul(ty.dtype.size_bytes()));
        if bytes.is_none_or(|b| b > isize::MAX as usize) {
            return Err(IrError::invalid(
                self.name(),
                format!("result of shape {} is too large", ty.shape),
            ));
        }
        Ok(ty)
    }

    fn infer_unchecked(&self, args: &[&TensorType]) -> Result<TensorType, IrError> {
        if let Some(n) = self.arity() {
            if args.len() != n {
                return Err(IrError::invalid(
                    self.name(),
                    format!("expected {n} operand(s), got {}", args.len()),
                ));
            }
        }
        match self {
            Op::Input(_) => Err(IrError::invalid(
                "input",
                "an input's type is its slot's type",
            )),
            Op::Const(v) => Ok(TensorType::new(v.dtype(), Shape::scalar())),
            Op::Arange { start, step, len } => {
                if start.dtype() != step.dtype() {
                    return Err(IrError::dtype(
                        "arange",
                        &[start.dtype(), step.dtype()],
                        "start and step must have one dtype",
                    ));
                }
                Ok(TensorType::new(start.dtype(), vec![*len]))
            }
            Op::Unary(u) => {
                let dtype = unary_dtype(*u, args[0].dtype)?;
                Ok(TensorType::new(dtype, args[0].shape.clone()))
            }
            Op::Binary(b) => {
                let dtype = binary_dtype(*b, args[0].dtype, args[1].dtype)?;
                let shape = broadcast_shapes(b.name(), &args[0].shape, &args[1].shape)?;
                Ok(TensorType::new(dtype, shape))
            }
            Op::Where => {
                let shape = broadcast_shapes("where", &args[0].shape, &args[1].shape)?;
                let shape = broadcast_shapes("where", &shape, &args[2].shape)?;
                Ok(TensorType::new(
                    promote(args[1].dtype, args[2].dtype),
                    shape,
                ))
            }
            Op::Cast(to) => Ok(TensorType::new(*to, args[0].shape.clone())),
            Op::Reshape(to) => {
                let from = &args[0].shape;
                if to.checked_numel() != Some(from.numel()) {
                    return Err(IrError::InvalidReshape {
                        from: from.clone(),
                        size: from.numel(),
                        to: to.to_string(),
                    });
                }
                Ok(TensorType::new(args[0].dtype, to.clone()))
            }
            Op::Transpose(perm) => {
                let shape = &args[0].shape;
                check_permutation(perm, shape.ndim())?;
                let out: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
                Ok(TensorType::new(args[0].dtype, out))
            }
            Op::BroadcastTo(to) => {
                if to.checked_numel().is_none() {
                    return Err(IrError::invalid(
                        "broadcast_to",
                        format!("shape {to} is too large"),
                    ));
                }
                if !can_broadcast_to(&args[0].shape, to) {
                    return Err(IrError::ShapeMismatch {
                        op: "broadcast_to",
                        lhs: args[0].shape.clone(),
                        rhs: to.clone(),
                    });
                }
                Ok(TensorType::new(args[0].dtype, to.clone()))
            }
            Op::Slice(axes) => {
                let shape = &args[0].shape;
                if axes.len() != shape.ndim() {
                    return Err(IrError::invalid(
                        "slice",
                        format!("{} slice entries for an array of shape {shape}", axes.len()),
                    ));
                }
                for (k, (axis, &dim)) in axes.iter().zip(shape.iter()).enumerate() {
                    if !axis.fits(dim) {
                        return Err(IrError::invalid(
                            "slice",
                            format!("slice {axis:?} out of bounds on axis {k} of shape {shape}"),
                        ));
                    }
                }
                let out: Vec<usize> = axes.iter().map(|a| a.len).collect();
                Ok(TensorType::new(args[0].dtype, out))
            }
            Op::Reduce { op, axes, keepdims } => reduce_type(*op, axes, *keepdims, args[0]),
            Op::Scan { op, axis } => {
                check_axis(self.name(), *axis, &args[0].shape)?;
                if !matches!(
                    op,
                    ReduceOp::Sum | ReduceOp::Prod | ReduceOp::Max | ReduceOp::Min
                ) {
                    return Err(IrError::invalid(
                        "scan",
                        format!("{} is not a running fold", op.name()),
                    ));
                }
                // NumPy's cumsum/cumprod accumulate as sum does (ints in int64); the
                // running extremes keep the dtype.
                Ok(TensorType::new(
                    reduce_dtype(*op, args[0].dtype),
                    args[0].shape.clone(),
                ))
            }
            Op::Sort { axis, arg } => {
                check_axis(self.name(), *axis, &args[0].shape)?;
                if args[0].dtype.is_complex() {
                    return Err(IrError::dtype(
                        self.name(),
                        &[args[0].dtype],
                        "complex values are sorted by NumPy",
                    ));
                }
                let dtype = if *arg { DType::I64 } else { args[0].dtype };
                Ok(TensorType::new(dtype, args[0].shape.clone()))
            }
            Op::Fft { axis, kind, .. } => fft_type(*axis, *kind, args[0]),
            Op::Linalg(l) => linalg_type(*l, args[0]),
            Op::SearchSorted { .. } => {
                let (a, v) = (args[0], args[1]);
                if a.shape.ndim() != 1 {
                    return Err(IrError::invalid(
                        "searchsorted",
                        format!("the sorted array must be 1-d, not of shape {}", a.shape),
                    ));
                }
                if a.dtype != v.dtype || a.dtype.is_complex() {
                    return Err(IrError::dtype(
                        "searchsorted",
                        &[a.dtype, v.dtype],
                        "both operands must have one real dtype",
                    ));
                }
                Ok(TensorType::new(DType::I64, v.shape.clone()))
            }
            Op::MatMul => matmul_type(args[0], args[1]),
            Op::Concat { axis } => concat_type(*axis, args),
            Op::Gather => {
                if args[1].dtype != DType::I64 {
                    return Err(IrError::dtype(
                        "gather",
                        &[args[0].dtype, args[1].dtype],
                        "positions must be int64",
                    ));
                }
                if args[0].shape.numel() == 0 && args[1].shape.numel() > 0 {
                    return Err(IrError::invalid(
                        "gather",
                        format!("positions into an empty array of shape {}", args[0].shape),
                    ));
                }
                Ok(TensorType::new(args[0].dtype, args[1].shape.clone()))
            }
        }
    }
}

/// An error unless `axis` is an axis of `shape` (the ops along one axis).
fn check_axis(op: &'static str, axis: usize, shape: &Shape) -> Result<(), IrError> {
    if axis >= shape.ndim() {
        return Err(IrError::AxisOutOfRange {
            op,
            axis: axis as i64,
            ndim: shape.ndim(),
        });
    }
    Ok(())
}

/// The type of an FFT along `axis`: complex transforms keep the complex dtype and shape;
/// `rfft` takes float32/float64 lanes of n to complex lanes of n/2 + 1; `irfft[n]`
/// takes complex lanes of n/2 + 1 to real lanes of n. No lane may be empty (NumPy's
/// "Invalid number of FFT data points").
fn fft_type(axis: usize, kind: FftKind, x: &TensorType) -> Result<TensorType, IrError> {
    let name = kind.name();
    check_axis(name, axis, &x.shape)?;
    let lane = x.shape[axis];
    let mut dims = x.shape.dims().to_vec();
    let (dtype, out_lane) = match kind {
        FftKind::Forward | FftKind::Inverse if x.dtype.is_complex() => (x.dtype, lane),
        FftKind::Real if matches!(x.dtype, DType::F32 | DType::F64) => {
            (x.dtype.complex_of(), lane / 2 + 1)
        }
        FftKind::InverseReal { n } if x.dtype.is_complex() => {
            if lane != n / 2 + 1 {
                return Err(IrError::invalid(
                    name,
                    format!(
                        "{n} output points need {} input points, not {lane}",
                        n / 2 + 1
                    ),
                ));
            }
            (x.dtype.real_part(), n)
        }
        _ => {
            return Err(IrError::dtype(
                name,
                &[x.dtype],
                match kind {
                    FftKind::Real => "the operand must be float32 or float64",
                    _ => "the operand must be complex64 or complex128",
                },
            ))
        }
    };
    if lane == 0 || out_lane == 0 {
        return Err(IrError::invalid(
            name,
            format!(
                "invalid number of FFT data points ({}) on axis {axis}",
                lane.min(out_lane)
            ),
        ));
    }
    dims[axis] = out_lane;
    Ok(TensorType::new(dtype, dims))
}

/// The type of a linear-algebra routine on the matrices of x's trailing two axes (m x n):
/// float32 or float64, at least two axes, square (solve: n x (n + k), augmented).
/// NumPy's LinAlgError messages for the shape checks.
fn linalg_type(op: LinalgOp, x: &TensorType) -> Result<TensorType, IrError> {
    let name = op.name();
    if !matches!(x.dtype, DType::F32 | DType::F64) {
        return Err(IrError::dtype(
            name,
            &[x.dtype],
            "the matrices must be float32 or float64",
        ));
    }
    let dims = x.shape.dims();
    let ndim = dims.len();
    if ndim < 2 {
        return Err(IrError::LinAlg {
            op: name,
            message: format!(
                "{ndim}-dimensional array given. Array must be at least two-dimensional"
            ),
        });
    }
    let (m, n) = (dims[ndim - 2], dims[ndim - 1]);
    let square = match op {
        LinalgOp::Solve => m <= n,
        LinalgOp::SvdValues
        | LinalgOp::Svd
        | LinalgOp::SvdFull
        | LinalgOp::Qr
        | LinalgOp::QrComplete => true,
        _ => m == n,
    };
    if !square {
        return Err(IrError::LinAlg {
            op: name,
            message: "Last 2 dimensions of the array must be square".into(),
        });
    }
    let mut out = dims[..ndim - 2].to_vec();
    match op {
        LinalgOp::Solve => out.extend([m, n - m]),
        LinalgOp::Inv | LinalgOp::Cholesky => out.extend([n, n]),
        LinalgOp::Eigh => out.extend([n + 1, n]),
        LinalgOp::Det | LinalgOp::SlogdetSign | LinalgOp::SlogdetLogAbs => {}
        LinalgOp::EighValues => out.push(n),
        LinalgOp::EigValues => out.extend([2, n]),
        LinalgOp::Eig => {
            let rows = n.checked_mul(2).and_then(|r| r.checked_add(2));
            out.extend([
                rows.ok_or_else(|| IrError::LinAlg {
                    op: name,
                    message: format!("the eigenvectors of a {n} x {n} matrix are too large"),
                })?,
                n,
            ]);
        }
        LinalgOp::SvdValues => out.push(m.min(n)),
        LinalgOp::Svd | LinalgOp::SvdFull | LinalgOp::Qr | LinalgOp::QrComplete => {
            // The packed factors' lengths (checked: a broadcast operand can be huge).
            let k = m.min(n);
            let parts: [(usize, usize); 3] = match op {
                LinalgOp::Svd => [(m, k), (k, 1), (k, n)],
                LinalgOp::SvdFull => [(m, m), (k, 1), (n, n)],
                LinalgOp::Qr => [(m, k), (k, n), (0, 0)],
                _ => [(m, m), (m, n), (0, 0)],
            };
            let len = parts.iter().try_fold(0usize, |total, &(r, c)| {
                r.checked_mul(c).and_then(|p| total.checked_add(p))
            });
            out.push(len.ok_or_else(|| IrError::LinAlg {
                op: name,
                message: format!("the factors of a {m} x {n} matrix are too large"),
            })?);
        }
    }
    Ok(TensorType::new(x.dtype, out))
}

/// The result dtype of a unary op on `d`.
pub fn unary_dtype(op: UnaryOp, d: DType) -> Result<DType, IrError> {
    use UnaryOp::*;
    let unsupported = |hint: &str| Err(IrError::dtype(op.name(), &[d], hint));
    if d.is_complex() {
        return match op {
            Abs | Real | Imag => Ok(d.real_part()),
            IsNan | IsInf | IsFinite | LogicalNot => Ok(DType::Bool),
            Floor | Ceil | Trunc | Sigmoid | Erf | Cbrt | Signbit | Invert => {
                unsupported("not defined for complex values")
            }
            _ => Ok(d),
        };
    }
    match op {
        Neg if d == DType::Bool => unsupported("use logical_not for booleans"),
        Sign if d == DType::Bool => unsupported("cast to an integer or float first"),
        // NumPy has no bool loop for these: bool goes to the int8 one.
        Square | Reciprocal | Conj if d == DType::Bool => Ok(DType::I8),
        // (np.round of bool is float16; rint's float result is the caller's cast.)
        Round if d == DType::Bool => Ok(DType::F16),
        Neg | Abs | Sign | Square | Reciprocal | Floor | Ceil | Trunc | Round => Ok(d),
        Conj | Real | Imag => Ok(d),
        IsNan | IsInf | IsFinite | LogicalNot | Signbit => Ok(DType::Bool),
        Exp | Expm1 | Log | Log1p | Log2 | Log10 | Sqrt | Sin | Cos | Tan | Arcsin | Arccos
        | Arctan | Sinh | Cosh | Tanh | Sigmoid | Erf | Arcsinh | Arccosh | Arctanh | Cbrt => {
            Ok(d.float_result())
        }
        Invert if d.is_float() => unsupported("invert needs integer or bool operands"),
        Invert => Ok(d),
    }
}

/// The result dtype of a binary op on `a` and `b` (operands are first promoted to
/// their common dtype).
pub fn binary_dtype(op: BinaryOp, a: DType, b: DType) -> Result<DType, IrError> {
    use BinaryOp::*;
    let common = promote(a, b);
    let unsupported = |hint: &str| Err(IrError::dtype(op.name(), &[a, b], hint));
    if common.is_complex() {
        return match op {
            Add | Sub | Mul | Div | Pow | Maximum | Minimum => Ok(common),
            Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor => Ok(DType::Bool),
            _ => unsupported("not defined for complex values"),
        };
    }
    match op {
        Add | Mul | Maximum | Minimum => Ok(common),
        Sub if common == DType::Bool => unsupported("use logical_xor for booleans"),
        Sub => Ok(common),
        FloorDiv | Rem | Pow | Fmod if common == DType::Bool => Ok(DType::I8),
        FloorDiv | Rem | Pow | Fmod => Ok(common),
        Div => Ok(if common.is_float() {
            common
        } else {
            DType::F64
        }),
        // The first float loop both operands cast to safely (not the promoted
        // dtype's: int8 with uint8 is float16, not int16's float32).
        Arctan2 | Copysign | Nextafter => Ok(a.float_result().max(b.float_result())),
        Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor => Ok(DType::Bool),
        BitwiseAnd | BitwiseOr | BitwiseXor if common.is_float() => {
            unsupported("bitwise operations need integer or bool operands")
        }
        BitwiseAnd | BitwiseOr | BitwiseXor => Ok(common),
        LeftShift | RightShift if common.is_float() => unsupported("shifts need integer operands"),
        LeftShift | RightShift if common == DType::Bool => Ok(DType::I8),
        LeftShift | RightShift => Ok(common),
        Gcd | Lcm if !common.is_int() => unsupported("gcd and lcm need integer operands"),
        Gcd | Lcm => Ok(common),
        Philox if a != DType::U64 || b != DType::U64 => {
            unsupported("philox takes a uint64 counter and a uint64 key")
        }
        Philox => Ok(DType::U64),
    }
}

/// The dtype a reduction of result dtype `out` accumulates in: float32 for float16
/// sums, products and means (NumPy's float16 loops add in float32 and round once at the
/// end), else `out` itself.
pub fn accumulator_dtype(op: ReduceOp, out: DType) -> DType {
    match op {
        ReduceOp::Sum | ReduceOp::Prod | ReduceOp::Mean if out == DType::F16 => DType::F32,
        _ => out,
    }
}

/// The dtype a reduction produces from `d`.
pub fn reduce_dtype(op: ReduceOp, d: DType) -> DType {
    match op {
        ReduceOp::Sum | ReduceOp::Prod => d.accumulator(),
        ReduceOp::Max | ReduceOp::Min => d,
        ReduceOp::Mean if d.is_inexact() => d,
        ReduceOp::Mean => DType::F64,
        ReduceOp::ArgMax | ReduceOp::ArgMin => DType::I64,
        ReduceOp::Any | ReduceOp::All => DType::Bool,
    }
}

fn reduce_type(
    op: ReduceOp,
    axes: &[usize],
    keepdims: bool,
    arg: &TensorType,
) -> Result<TensorType, IrError> {
    let shape = &arg.shape;
    for (i, &axis) in axes.iter().enumerate() {
        if axis >= shape.ndim() {
            return Err(IrError::AxisOutOfRange {
                op: op.name(),
                axis: axis as i64,
                ndim: shape.ndim(),
            });
        }
        if i > 0 && axes[i - 1] >= axis {
            return Err(IrError::invalid(
                op.name(),
                format!("axes {axes:?} must be sorted and distinct"),
            ));
        }
    }
    if op.needs_elements() && axes.iter().any(|&a| shape[a] == 0) {
        return Err(IrError::invalid(
            op.name(),
            format!(
                "zero-size array to reduction operation {} which has no identity (shape {shape})",
                op.name()
            ),
        ));
    }
    let out: Vec<usize> = (0..shape.ndim())
        .filter_map(|k| match (axes.contains(&k), keepdims) {
            (false, _) => Some(shape[k]),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    Ok(TensorType::new(reduce_dtype(op, arg.dtype), out))
}

fn check_permutation(perm: &[usize], ndim: usize) -> Result<(), IrError> {
    let mut seen = vec![false; ndim];
    let valid = perm.len() == ndim
        && perm
            .iter()
            .all(|&p| p < ndim && !std::mem::replace(&mut seen[p], true));
    if valid {
        Ok(())
    } else {
        Err(IrError::invalid(
            "transpose",
            format!("{perm:?} is not a permutation of {ndim} axes"),
        ))
    }
}

/// NumPy `matmul`: 1-d operands are promoted to matrices and the added axis removed
/// from the result; batch axes broadcast.
fn matmul_type(a: &TensorType, b: &TensorType) -> Result<TensorType, IrError> {
    let (sa, sb) = (&a.shape, &b.shape);
    if sa.ndim() == 0 || sb.ndim() == 0 {
        return Err(IrError::invalid(
            "matmul",
            format!("operands must be at least 1-d, got shapes {sa} and {sb}"),
        ));
    }
    let k_a = sa[sa.ndim() - 1];
    let k_b = if sb.ndim() == 1 {
        sb[0]
    } else {
        sb[sb.ndim() - 2]
    };
    if k_a != k_b {
        return Err(IrError::CoreDimension {
            op: "matmul",
            message: format!(
                "Input operand 1 has a mismatch in its core dimension 0, with gufunc \
                 signature (n?,k),(k,m?)->(n?,m?) (size {k_b} is different from {k_a}); \
                 shapes {sa} and {sb}"
            ),
        });
    }
    let batch_a = Shape::from(&sa[..sa.ndim().saturating_sub(2)]);
    let batch_b = Shape::from(&sb[..sb.ndim().saturating_sub(2)]);
    let mut out = broadcast_shapes("matmul", &batch_a, &batch_b)
        .map_err(|_| IrError::ShapeMismatch {
            op: "matmul",
            lhs: sa.clone(),
            rhs: sb.clone(),
        })?
        .0;
    if sa.ndim() >= 2 {
        out.push(sa[sa.ndim() - 2]);
    }
    if sb.ndim() >= 2 {
        out.push(sb[sb.ndim() - 1]);
    }
    let out = Shape(out);
    if out.checked_numel().is_none() {
        return Err(IrError::invalid(
            "matmul",
            format!("result shape {out} is too large"),
        ));
    }
    Ok(TensorType::new(promote(a.dtype, b.dtype), out))
}

fn concat_type(axis: usize, args: &[&TensorType]) -> Result<TensorType, IrError> {
    let first = args
        .first()
        .ok_or_else(|| IrError::invalid("concat", "need at least one array to concatenate"))?;
    let ndim = first.shape.ndim();
    if ndim == 0 {
        return Err(IrError::invalid(
            "concat",
            "zero-dimensional arrays cannot be concatenated",
        ));
    }
    if axis >= ndim {
        return Err(IrError::AxisOutOfRange {
            op: "concat",
            axis: axis as i64,
            ndim,
        });
    }
    let mut dtype = first.dtype;
    let mut out = first.shape.0.clone();
    for arg in &args[1..] {
        let s = &arg.shape;
        let compatible = s.ndim() == ndim && (0..ndim).all(|k| k == axis || s[k] == out[k]);
        if !compatible {
            return Err(IrError::ShapeMismatch {
                op: "concat",
                lhs: first.shape.clone(),
                rhs: s.clone(),
            });
        }
        out[axis] = out[axis]
            .checked_add(s[axis])
            .ok_or_else(|| IrError::invalid("concat", "result is too large"))?;
        dtype = promote(dtype, arg.dtype);
    }
    Ok(TensorType::new(dtype, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(dtype: DType, dims: &[usize]) -> TensorType {
        TensorType::new(dtype, dims.to_vec())
    }

    #[test]
    fn matmul_follows_numpy_shapes() {
        let f = DType::F64;
        let cases: &[(&[usize], &[usize], &[usize])] = &[
            (&[3], &[3], &[]),
            (&[2, 3], &[3], &[2]),
            (&[3], &[3, 4], &[4]),
            (&[5, 1, 2, 3], &[7, 3, 4], &[5, 7, 2, 4]),
            (&[0, 3], &[3, 0], &[0, 0]),
        ];
        for (a, b, out) in cases {
            let got = Op::MatMul.infer(&[&t(f, a), &t(f, b)]).unwrap();
            assert_eq!(got.shape.dims(), *out);
        }
        assert!(Op::MatMul.infer(&[&t(f, &[2, 3]), &t(f, &[2, 3])]).is_err());
        assert!(Op::MatMul.infer(&[&t(f, &[]), &t(f, &[3])]).is_err());
    }

    #[test]
    fn reductions_without_identity_reject_empty_axes() {
        let x = t(DType::F32, &[0, 3]);
        let max0 = Op::Reduce {
            op: ReduceOp::Max,
            axes: vec![0],
            keepdims: false,
        };
        assert!(max0.infer(&[&x]).is_err());
        let max1 = Op::Reduce {
            op: ReduceOp::Max,
            axes: vec![1],
            keepdims: true,
        };
        assert_eq!(max1.infer(&[&x]).unwrap(), t(DType::F32, &[0, 1]));
        let sum0 = Op::Reduce {
            op: ReduceOp::Sum,
            axes: vec![0],
            keepdims: false,
        };
        assert_eq!(
            sum0.infer(&[&t(DType::I32, &[0, 3])]).unwrap(),
            t(DType::I64, &[3])
        );
    }

    #[test]
    fn concat_and_where_promote() {
        let got = Op::Concat { axis: 1 }
            .infer(&[&t(DType::I32, &[2, 1]), &t(DType::F32, &[2, 4])])
            .unwrap();
        assert_eq!(got, t(DType::F64, &[2, 5]));
        assert!(Op::Concat { axis: 0 }
            .infer(&[&t(DType::I32, &[2, 1]), &t(DType::I32, &[2, 2])])
            .is_err());
        let w = Op::Where.infer(&[
            &t(DType::Bool, &[3, 1]),
            &t(DType::I32, &[4]),
            &t(DType::F32, &[]),
        ]);
        assert_eq!(w.unwrap(), t(DType::F64, &[3, 4]));
    }

    #[test]
    fn bad_transposes_and_reshapes_are_errors() {
        let x = t(DType::F64, &[2, 3]);
        assert!(Op::Transpose(vec![0, 0]).infer(&[&x]).is_err());
        assert!(Op::Transpose(vec![1]).infer(&[&x]).is_err());
        let err = Op::Reshape(Shape::new(vec![4])).infer(&[&x]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "reshape: cannot reshape array of shape (2,3) (size 6) into shape (4,)"
        );
    }
}
