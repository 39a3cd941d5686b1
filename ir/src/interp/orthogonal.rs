//! The reference orthogonal factorisations (`svd`, `svd_full`, `qr`, `qr_complete`):
//! one-sided Jacobi for the singular value decomposition and Householder reflections in
//! LAPACK's convention (dlarfg's signs, so r's diagonal matches geqrf's) for QR, in
//! float64, each result packed on one axis as the op defines.

use ndarray::{s, Array1, Array2};

use crate::error::IrError;
use crate::op::LinalgOp;

/// `a`'s singular value decomposition (`full`: square u and vt), packed: u, s, vt in C
/// order. A NaN is LAPACK's (and NumPy's) "SVD did not converge".
pub(super) fn svd(a: &Array2<f64>, full: bool, op: LinalgOp) -> Result<Vec<f64>, IrError> {
    let (m, n) = a.dim();
    if a.iter().any(|x| x.is_nan()) {
        return Err(IrError::LinAlg {
            op: op.name(),
            message: "SVD did not converge".into(),
        });
    }
    // Jacobi on the taller of a and its transpose: w = u' diag(s), with a (or a^T)
    // = w v'^T.
    let tall = m >= n;
    let (w, v) = one_sided_jacobi(if tall { a.clone() } else { a.t().to_owned() });
    let k = w.ncols();
    let norms: Vec<f64> = (0..k)
        .map(|j| w.column(j).dot(&w.column(j)).sqrt())
        .collect();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&i, &j| norms[j].total_cmp(&norms[i]));
    let values: Vec<f64> = order.iter().map(|&j| norms[j]).collect();
    let largest = values.first().copied().unwrap_or(0.0);
    // Left vectors of the taller side: w's columns normalised (a zero value's column is
    // left to the completion); right vectors: v's columns.
    let left: Vec<Option<Array1<f64>>> = order
        .iter()
        .map(|&j| {
            (norms[j] > 1e-300 && norms[j] > largest * 1e-15)
                .then(|| w.column(j).to_owned() / norms[j])
        })
        .collect();
    let right: Vec<Option<Array1<f64>>> = order
        .iter()
        .map(|&j| Some(v.column(j).to_owned()))
        .collect();
    let long = if tall { m } else { n };
    let short = if tall { n } else { m };
    let left = orthonormal_basis(left, long, if full { long } else { k });
    let right = orthonormal_basis(right, short, if full { short } else { k });
    // a = u s vt: u holds the left vectors of a's own rows (columns of u), vt the right
    // ones (rows of vt).
    let (u, vt) = if tall {
        (left, right.t().to_owned())
    } else {
        (right, left.t().to_owned())
    };
    Ok(u.iter().chain(&values).chain(vt.iter()).copied().collect())
}

/// `a`'s QR decomposition by Householder reflections (`complete`: q square, r m x n),
/// packed: q, then r, in C order.
pub(super) fn qr(a: &Array2<f64>, complete: bool) -> Vec<f64> {
    let (m, n) = a.dim();
    let k = m.min(n);
    let mut r = a.clone();
    let mut reflectors: Vec<(Array1<f64>, f64)> = Vec::with_capacity(k);
    for j in 0..k {
        let alpha = r[[j, j]];
        let below = r.slice(s![j + 1.., j]).to_owned();
        let xnorm = below.dot(&below).sqrt();
        let mut v = Array1::<f64>::zeros(m - j);
        v[0] = 1.0;
        if xnorm == 0.0 {
            // dlarfg: no reflection (tau 0), the diagonal keeps its sign.
            reflectors.push((v, 0.0));
            continue;
        }
        let beta = -alpha.signum() * alpha.hypot(xnorm);
        let beta = if alpha == 0.0 { -xnorm } else { beta };
        let tau = (beta - alpha) / beta;
        v.slice_mut(s![1..]).assign(&(below / (alpha - beta)));
        // H = I - tau v v^T on the trailing columns; column j becomes (beta, 0, ...).
        for c in j + 1..n {
            let dot: f64 = v.iter().zip(r.slice(s![j.., c])).map(|(x, y)| x * y).sum();
            for (i, vi) in v.iter().enumerate() {
                r[[j + i, c]] -= tau * dot * vi;
            }
        }
        r[[j, j]] = beta;
        r.slice_mut(s![j + 1.., j]).fill(0.0);
        reflectors.push((v, tau));
    }
    let cols = if complete { m } else { k };
    // q = H_0 H_1 ... H_{k-1} applied to the identity's first `cols` columns.
    let mut q = Array2::<f64>::eye(m).slice(s![.., ..cols]).to_owned();
    for (j, (v, tau)) in reflectors.iter().enumerate().rev() {
        for c in 0..cols {
            let dot: f64 = v.iter().zip(q.slice(s![j.., c])).map(|(x, y)| x * y).sum();
            for (i, vi) in v.iter().enumerate() {
                q[[j + i, c]] -= tau * dot * vi;
            }
        }
    }
    let rows = if complete { m } else { k };
    q.iter().chain(r.slice(s![..rows, ..])).copied().collect()
}

/// Columns rotated pairwise until orthogonal (one-sided Jacobi): `w = a v` with `w`'s
/// columns orthogonal and `v` the product of the rotations (orthogonal).
pub(super) fn one_sided_jacobi(mut w: Array2<f64>) -> (Array2<f64>, Array2<f64>) {
    let k = w.ncols();
    let mut v = Array2::<f64>::eye(k);
    for _sweep in 0..100 {
        let mut rotated = false;
        for p in 0..k {
            for q in p + 1..k {
                let alpha = w.column(p).dot(&w.column(p));
                let beta = w.column(q).dot(&w.column(q));
                let gamma = w.column(p).dot(&w.column(q));
                if gamma == 0.0 || gamma.abs() <= 1e-15 * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = if zeta == 0.0 {
                    1.0
                } else {
                    zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt())
                };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for m in [&mut w, &mut v] {
                    for r in 0..m.nrows() {
                        let (x, y) = (m[[r, p]], m[[r, q]]);
                        m[[r, p]] = c * x - s * y;
                        m[[r, q]] = s * x + c * y;
                    }
                }
            }
        }
        if !rotated {
            break;
        }
    }
    (w, v)
}

/// `count` orthonormal columns of length `len`: the given ones in place, the missing
/// ones (None, and any past the given) completed from the identity's columns by
/// Gram-Schmidt, twice for accuracy.
fn orthonormal_basis(given: Vec<Option<Array1<f64>>>, len: usize, count: usize) -> Array2<f64> {
    let mut columns: Vec<Option<Array1<f64>>> = given.into_iter().take(count).collect();
    columns.resize(count, None);
    let mut candidates = 0..len;
    for j in 0..count {
        if columns[j].is_some() {
            continue;
        }
        for e in candidates.by_ref() {
            let mut x = Array1::<f64>::zeros(len);
            x[e] = 1.0;
            for _ in 0..2 {
                for c in columns.iter().flatten() {
                    let d = c.dot(&x);
                    x.scaled_add(-d, c);
                }
            }
            let norm = x.dot(&x).sqrt();
            if norm > 0.5 {
                columns[j] = Some(x / norm);
                break;
            }
        }
    }
    let mut out = Array2::<f64>::zeros((len, count));
    for (j, c) in columns.into_iter().enumerate() {
        if let Some(c) = c {
            out.column_mut(j).assign(&c);
        }
    }
    out
}
