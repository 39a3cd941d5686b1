//! The reference general (nonsymmetric) eigenproblem (`eig_values`, `eig`): the complex
//! shifted QR algorithm on the Hessenberg form for the values, inverse iteration for the
//! vectors, in complex float64; results packed as real rows (real parts, then imaginary
//! parts) as the ops define. Values come out in the algorithm's order (LAPACK's differs:
//! compare them as sets); vectors have unit norm and their largest component real
//! (LAPACK's normalisation, up to the sign of a real vector).

use ndarray::Array2;
use num_complex::Complex64;

use crate::error::IrError;
use crate::op::LinalgOp;

/// `a`'s eigenvalues (and eigenvectors, as columns, when `vectors`), packed: row 0 the
/// values' real parts, row 1 their imaginary parts, then n rows of the vectors' real
/// parts and n of their imaginary parts.
pub(super) fn eig(a: &Array2<f64>, vectors: bool, op: LinalgOp) -> Result<Vec<f64>, IrError> {
    let n = a.nrows();
    if a.iter().any(|x| !x.is_finite()) {
        return Err(IrError::LinAlg {
            op: op.name(),
            message: "Array must not contain infs or NaNs".into(),
        });
    }
    let complex = a.mapv(|x| Complex64::new(x, 0.0));
    let values = eigenvalues(hessenberg(complex.clone()))?;
    let mut out: Vec<f64> = values.iter().map(|v| v.re).collect();
    out.extend(values.iter().map(|v| v.im));
    if vectors {
        let mut v = Array2::<Complex64>::zeros((n, n));
        for (j, &lambda) in values.iter().enumerate() {
            v.column_mut(j)
                .assign(&ndarray::Array1::from(inverse_iteration(&complex, lambda)));
        }
        out.extend(v.iter().map(|x| x.re));
        out.extend(v.iter().map(|x| x.im));
    }
    Ok(out)
}

/// `a` reduced to upper Hessenberg form by Householder reflections (similar to `a`).
fn hessenberg(mut a: Array2<Complex64>) -> Array2<Complex64> {
    let n = a.nrows();
    for k in 0..n.saturating_sub(2) {
        let x: Vec<Complex64> = (k + 1..n).map(|i| a[[i, k]]).collect();
        let norm = x.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        // v = x + e^{i arg x0} |x| e1, H = I - 2 v v^H / (v^H v).
        let phase = if x[0].norm() == 0.0 {
            Complex64::new(1.0, 0.0)
        } else {
            x[0] / x[0].norm()
        };
        let mut v = x;
        v[0] += phase * norm;
        let vv: f64 = v.iter().map(|z| z.norm_sqr()).sum();
        // From the left on rows k+1.., then from the right on columns k+1...
        for c in 0..n {
            let dot: Complex64 = (0..v.len()).map(|i| v[i].conj() * a[[k + 1 + i, c]]).sum();
            let f = dot * 2.0 / vv;
            for (i, vi) in v.iter().enumerate() {
                a[[k + 1 + i, c]] -= vi * f;
            }
        }
        for r in 0..n {
            let dot: Complex64 = (0..v.len()).map(|i| a[[r, k + 1 + i]] * v[i]).sum();
            let f = dot * 2.0 / vv;
            for (i, vi) in v.iter().enumerate() {
                a[[r, k + 1 + i]] -= f * vi.conj();
            }
        }
    }
    a
}

/// The eigenvalues of an upper Hessenberg matrix: shifted QR steps (Wilkinson shifts,
/// Givens rotations) on the active window, deflating where a subdiagonal element is
/// negligible.
fn eigenvalues(mut h: Array2<Complex64>) -> Result<Vec<Complex64>, IrError> {
    let n = h.nrows();
    let mut values = vec![Complex64::new(0.0, 0.0); n];
    let mut hi = n;
    let mut iterations = 0;
    while hi > 0 {
        let last = hi - 1;
        // The window's start: above the last negligible subdiagonal element.
        let mut lo = last;
        while lo > 0 {
            let scale = h[[lo, lo]].norm() + h[[lo - 1, lo - 1]].norm();
            if h[[lo, lo - 1]].norm() <= 1e-15 * scale.max(f64::MIN_POSITIVE) {
                h[[lo, lo - 1]] = Complex64::new(0.0, 0.0);
                break;
            }
            lo -= 1;
        }
        if lo == last {
            values[last] = h[[last, last]];
            hi -= 1;
            iterations = 0;
            continue;
        }
        iterations += 1;
        if iterations > 1000 {
            return Err(IrError::LinAlg {
                op: LinalgOp::Eig.name(),
                message: "Eigenvalues did not converge".into(),
            });
        }
        // Wilkinson's shift: the trailing 2 x 2 block's eigenvalue nearer its corner
        // (an exceptional shift now and then breaks cycles).
        let (p, q, r, s) = (
            h[[last - 1, last - 1]],
            h[[last - 1, last]],
            h[[last, last - 1]],
            h[[last, last]],
        );
        let half = (p - s) / 2.0;
        let root = (half * half + q * r).sqrt();
        let mut mu = if (s + half - root - s).norm() < (s + half + root - s).norm() {
            s + half - root
        } else {
            s + half + root
        };
        if iterations % 11 == 0 {
            mu = s + Complex64::new(h[[last, last - 1]].norm(), 0.0);
        }
        // One QR step on the window: H - mu I = QR by Givens rotations, then RQ + mu I.
        for i in lo..=last {
            h[[i, i]] -= mu;
        }
        let mut rotations = Vec::with_capacity(last - lo);
        for k in lo..last {
            let (x, y) = (h[[k, k]], h[[k + 1, k]]);
            let norm = (x.norm_sqr() + y.norm_sqr()).sqrt();
            let (c, s) = if norm == 0.0 {
                (Complex64::new(1.0, 0.0), Complex64::new(0.0, 0.0))
            } else {
                (x / norm, y / norm)
            };
            // G = [[conj c, conj s], [-s, c]] on rows k, k+1.
            for col in k..hi {
                let (u, v) = (h[[k, col]], h[[k + 1, col]]);
                h[[k, col]] = c.conj() * u + s.conj() * v;
                h[[k + 1, col]] = -s * u + c * v;
            }
            rotations.push((c, s));
        }
        for (k, (c, s)) in (lo..last).zip(rotations) {
            // R G^H on columns k, k+1.
            for row in lo..=(k + 1).min(last) {
                let (u, v) = (h[[row, k]], h[[row, k + 1]]);
                h[[row, k]] = u * c + v * s;
                h[[row, k + 1]] = -u * s.conj() + v * c.conj();
            }
        }
        for i in lo..=last {
            h[[i, i]] += mu;
        }
    }
    Ok(values)
}

/// A unit eigenvector of `a` for the eigenvalue `lambda`: two steps of inverse iteration
/// (a slightly perturbed shift keeps the system solvable), then LAPACK's normalisation:
/// unit norm, the largest component real.
fn inverse_iteration(a: &Array2<Complex64>, lambda: Complex64) -> Vec<Complex64> {
    let n = a.nrows();
    let scale = a.iter().map(|z| z.norm()).fold(0.0, f64::max).max(1.0);
    let shift = lambda + Complex64::new(scale * 1e-13, 0.0);
    let mut m = a.clone();
    for i in 0..n {
        m[[i, i]] -= shift;
    }
    // LU with partial pivoting; a zero pivot is replaced by a tiny one.
    let mut perm: Vec<usize> = (0..n).collect();
    for k in 0..n {
        let pivot = (k..n)
            .max_by(|&i, &j| m[[i, k]].norm().total_cmp(&m[[j, k]].norm()))
            .unwrap_or(k);
        if pivot != k {
            for j in 0..n {
                m.swap([k, j], [pivot, j]);
            }
            perm.swap(k, pivot);
        }
        if m[[k, k]].norm() == 0.0 {
            m[[k, k]] = Complex64::new(scale * 1e-300_f64.max(f64::EPSILON * 1e-3), 0.0);
        }
        for i in k + 1..n {
            let f = m[[i, k]] / m[[k, k]];
            m[[i, k]] = f;
            for j in k + 1..n {
                let t = m[[k, j]];
                m[[i, j]] -= f * t;
            }
        }
    }
    let mut x = vec![Complex64::new(1.0, 0.0); n];
    for _ in 0..3 {
        let mut y: Vec<Complex64> = perm.iter().map(|&p| x[p]).collect();
        for i in 0..n {
            for j in 0..i {
                let t = y[j];
                y[i] -= m[[i, j]] * t;
            }
        }
        for i in (0..n).rev() {
            for j in i + 1..n {
                let t = y[j];
                y[i] -= m[[i, j]] * t;
            }
            y[i] /= m[[i, i]];
        }
        let norm = y.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        x = y.into_iter().map(|z| z / norm).collect();
    }
    let largest = x
        .iter()
        .copied()
        .max_by(|p, q| p.norm().total_cmp(&q.norm()))
        .unwrap_or(Complex64::new(1.0, 0.0));
    let phase = largest.conj() / largest.norm();
    x.into_iter().map(|z| z * phase).collect()
}
