//! The reference dense linear algebra (`Op::Linalg`): textbook algorithms in float64 on
//! each matrix of a stack, for the oracle rather than for speed: LU with partial
//! pivoting (solve, inv, det, slogdet), Cholesky, cyclic Jacobi rotations for symmetric
//! eigenproblems and one-sided Jacobi for singular values (the orthogonal factorisations
//! are in `orthogonal`, the general eigenproblem in `eigen`). float32 stacks are computed
//! in float64 and rounded once.

use ndarray::{Array2, ArrayD, Axis, IxDyn};

use crate::dtype::DType;
use crate::error::IrError;
use crate::op::LinalgOp;
use crate::shape::TensorType;
use crate::value::Value;

/// `op` of each matrix of `x`'s trailing axes, in `ty` (the op's type).
pub(super) fn linalg(op: LinalgOp, x: &Value, ty: &TensorType) -> Result<Value, IrError> {
    let a = x.cast(DType::F64).into_array::<f64>()?;
    let ndim = a.ndim();
    let (m, n) = (a.shape()[ndim - 2], a.shape()[ndim - 1]);
    let batch: usize = a.shape()[..ndim - 2].iter().product();
    let stack = a
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((batch, m, n))
        .map_err(|e| super::internal(&e.to_string()))?;
    let mut out = Vec::with_capacity(ty.shape.numel());
    for matrix in stack.axis_iter(Axis(0)) {
        out.extend(one(op, matrix.to_owned())?);
    }
    let value = Value::from_array(
        ArrayD::from_shape_vec(IxDyn(ty.shape.dims()), out)
            .map_err(|e| super::internal(&e.to_string()))?,
    );
    Ok(value.cast(ty.dtype))
}

fn one(op: LinalgOp, a: Array2<f64>) -> Result<Vec<f64>, IrError> {
    let singular = || IrError::LinAlg {
        op: op.name(),
        message: "Singular matrix".into(),
    };
    Ok(match op {
        LinalgOp::Solve | LinalgOp::Inv => {
            let n = a.nrows();
            let (lu, perm, _) = lu(a.slice(ndarray::s![.., ..n]).to_owned());
            if (0..n).any(|i| lu[[i, i]] == 0.0) {
                return Err(singular());
            }
            let b = match op {
                LinalgOp::Solve => a.slice(ndarray::s![.., n..]).to_owned(),
                _ => Array2::eye(n),
            };
            let mut x = Array2::<f64>::zeros(b.raw_dim());
            for (col, mut target) in b.columns().into_iter().zip(x.columns_mut()) {
                // Solve L U x = P b: forward then back substitution.
                let mut y: Vec<f64> = perm.iter().map(|&p| col[p]).collect();
                for i in 0..n {
                    for j in 0..i {
                        y[i] -= lu[[i, j]] * y[j];
                    }
                }
                for i in (0..n).rev() {
                    for j in i + 1..n {
                        y[i] -= lu[[i, j]] * y[j];
                    }
                    y[i] /= lu[[i, i]];
                }
                for (t, v) in target.iter_mut().zip(y) {
                    *t = v;
                }
            }
            x.into_iter().collect()
        }
        LinalgOp::Det | LinalgOp::SlogdetSign | LinalgOp::SlogdetLogAbs => {
            let n = a.nrows();
            let (lu, _, mut sign) = lu(a);
            let mut log = 0.0;
            for i in 0..n {
                let u = lu[[i, i]];
                if u < 0.0 {
                    sign = -sign;
                }
                log += u.abs().ln();
            }
            if (0..n).any(|i| lu[[i, i]] == 0.0) {
                sign = 0.0;
                log = f64::NEG_INFINITY;
            }
            vec![match op {
                LinalgOp::Det => sign * log.exp(),
                LinalgOp::SlogdetSign => sign,
                _ => log,
            }]
        }
        LinalgOp::Cholesky => {
            let n = a.nrows();
            let mut l = Array2::<f64>::zeros((n, n));
            for j in 0..n {
                let d = a[[j, j]] - (0..j).map(|k| l[[j, k]] * l[[j, k]]).sum::<f64>();
                // NaN fails too, as LAPACK's check does.
                if d.is_nan() || d <= 0.0 {
                    return Err(IrError::LinAlg {
                        op: op.name(),
                        message: "Matrix is not positive definite".into(),
                    });
                }
                l[[j, j]] = d.sqrt();
                for i in j + 1..n {
                    let s = a[[i, j]] - (0..j).map(|k| l[[i, k]] * l[[j, k]]).sum::<f64>();
                    l[[i, j]] = s / l[[j, j]];
                }
            }
            l.into_iter().collect()
        }
        LinalgOp::EighValues | LinalgOp::Eigh => {
            let (values, vectors) = jacobi_eigen(&a)?;
            if op == LinalgOp::EighValues {
                values
            } else {
                values.into_iter().chain(vectors).collect()
            }
        }
        LinalgOp::SvdValues => singular_values(&a),
        LinalgOp::Svd | LinalgOp::SvdFull => {
            super::orthogonal::svd(&a, op == LinalgOp::SvdFull, op)?
        }
        LinalgOp::Qr | LinalgOp::QrComplete => {
            super::orthogonal::qr(&a, op == LinalgOp::QrComplete)
        }
        LinalgOp::EigValues | LinalgOp::Eig => super::eigen::eig(&a, op == LinalgOp::Eig, op)?,
    })
}

/// Row-pivoted LU of a square matrix: the factors packed (L below the diagonal with a
/// unit diagonal, U on and above), the row taken at each step, and the permutation's sign.
fn lu(mut a: Array2<f64>) -> (Array2<f64>, Vec<usize>, f64) {
    let n = a.nrows();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut sign = 1.0;
    for k in 0..n {
        let pivot = (k..n)
            .max_by(|&i, &j| a[[i, k]].abs().total_cmp(&a[[j, k]].abs()))
            .unwrap_or(k);
        if pivot != k {
            for j in 0..n {
                a.swap([k, j], [pivot, j]);
            }
            perm.swap(k, pivot);
            sign = -sign;
        }
        let u = a[[k, k]];
        if u == 0.0 {
            continue;
        }
        for i in k + 1..n {
            let f = a[[i, k]] / u;
            a[[i, k]] = f;
            for j in k + 1..n {
                a[[i, j]] -= f * a[[k, j]];
            }
        }
    }
    (a, perm, sign)
}

/// Eigenvalues (ascending) and eigenvectors (columns) of the symmetric matrix whose lower
/// triangle is `a`'s, by cyclic Jacobi rotations.
fn jacobi_eigen(a: &Array2<f64>) -> Result<(Vec<f64>, Array2<f64>), IrError> {
    let n = a.nrows();
    let mut s =
        Array2::<f64>::from_shape_fn((n, n), |(i, j)| if i >= j { a[[i, j]] } else { a[[j, i]] });
    let mut v = Array2::<f64>::eye(n);
    if s.iter().any(|x| x.is_nan()) {
        // NumPy's result for a NaN: NaN everywhere (LAPACK returns without an error).
        return Ok((vec![f64::NAN; n], Array2::from_elem((n, n), f64::NAN)));
    }
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| s[[i, j]] * s[[i, j]])
            .sum();
        let scale: f64 = s.iter().map(|x| x * x).sum::<f64>();
        if off <= 1e-30 * scale || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if s[[p, q]] == 0.0 {
                    continue;
                }
                let theta = (s[[q, q]] - s[[p, p]]) / (2.0 * s[[p, q]]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let sn = t * c;
                for k in 0..n {
                    let (skp, skq) = (s[[k, p]], s[[k, q]]);
                    s[[k, p]] = c * skp - sn * skq;
                    s[[k, q]] = sn * skp + c * skq;
                }
                for k in 0..n {
                    let (spk, sqk) = (s[[p, k]], s[[q, k]]);
                    s[[p, k]] = c * spk - sn * sqk;
                    s[[q, k]] = sn * spk + c * sqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - sn * vkq;
                    v[[k, q]] = sn * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| s[[i, i]].total_cmp(&s[[j, j]]));
    let values = order.iter().map(|&i| s[[i, i]]).collect();
    let vectors = Array2::from_shape_fn((n, n), |(r, c)| v[[r, order[c]]]);
    Ok((values, vectors))
}

/// Singular values (descending) by one-sided Jacobi: columns rotated until orthogonal,
/// their norms the values.
fn singular_values(a: &Array2<f64>) -> Vec<f64> {
    let w = if a.nrows() >= a.ncols() {
        a.clone()
    } else {
        a.t().to_owned()
    };
    let (w, _) = super::orthogonal::one_sided_jacobi(w);
    let mut values: Vec<f64> = w.columns().into_iter().map(|c| c.dot(&c).sqrt()).collect();
    values.sort_by(|x, y| y.total_cmp(x));
    values
}
