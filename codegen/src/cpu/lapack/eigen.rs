//! The general (nonsymmetric) eigenproblem of one matrix by `geev` (NumPy's routine):
//! the values, and the right eigenvectors when asked, packed as real rows.

use super::ffi::{LapackInt, Real, Routines};
use super::orthogonal::Int;
use crate::error::CodegenError;

/// `a` (column-major n x n)'s eigenvalues in LAPACK's order (row 0 real parts, row 1
/// imaginary parts) and, when `vectors`, the unit eigenvectors as columns (n rows of
/// real parts, n of imaginary parts; geev's conjugate pairs expanded), into `out`.
pub(super) fn eig<I: LapackInt, T: Real>(
    r: &Routines<I, T>,
    n: usize,
    mut a: Vec<T>,
    vectors: bool,
    out: &mut [T],
    int: Int<'_, I>,
    fail: &dyn Fn(&str) -> CodegenError,
) -> Result<(), CodegenError> {
    if a.iter().any(|x| !x.is_finite()) {
        return Err(fail("Array must not contain infs or NaNs"));
    }
    if n == 0 {
        return Ok(());
    }
    let (mut wr, mut wi) = (vec![T::zero(); n], vec![T::zero(); n]);
    let mut vr = vec![T::zero(); if vectors { n * n } else { 1 }];
    let mut vl = T::zero();
    let jobvr = if vectors { c"V" } else { c"N" };
    let (ni, one) = (int(n)?, int(1)?);
    let ldvr = if vectors { ni } else { one };
    let query = int(0)?.minus_one();
    let mut work_len = T::zero();
    let mut info = I::zero();
    // SAFETY: a workspace query, then the routine with the size it asked for; vr is
    // n x n when vectors are asked for (ldvr n), else not referenced; vl never is.
    unsafe {
        for pass in 0..2 {
            let mut work = vec![
                T::zero();
                if pass == 0 {
                    1
                } else {
                    work_len.to_usize().max(1)
                }
            ];
            let lwork = if pass == 0 { query } else { int(work.len())? };
            (r.geev)(
                c"N".as_ptr(),
                jobvr.as_ptr(),
                &ni,
                a.as_mut_ptr(),
                &ni,
                wr.as_mut_ptr(),
                wi.as_mut_ptr(),
                &mut vl,
                &one,
                vr.as_mut_ptr(),
                &ldvr,
                work.as_mut_ptr(),
                &lwork,
                &mut info,
                1,
                1,
            );
            if pass == 0 {
                work_len = work[0];
            }
        }
    }
    if info.to_i64() != 0 {
        return Err(fail("Eigenvalues did not converge"));
    }
    out[..n].copy_from_slice(&wr);
    out[n..2 * n].copy_from_slice(&wi);
    if vectors {
        let (re, im) = out[2 * n..].split_at_mut(n * n);
        let mut j = 0;
        while j < n {
            if wi[j] == T::zero() || j + 1 == n {
                for i in 0..n {
                    re[i * n + j] = vr[i + j * n];
                    im[i * n + j] = T::zero();
                }
                j += 1;
            } else {
                // A conjugate pair: columns j and j + 1 hold the real and imaginary parts
                // of the first vector; the second is its conjugate.
                for i in 0..n {
                    let (x, y) = (vr[i + j * n], vr[i + (j + 1) * n]);
                    re[i * n + j] = x;
                    im[i * n + j] = y;
                    re[i * n + j + 1] = x;
                    im[i * n + j + 1] = -y;
                }
                j += 2;
            }
        }
    }
    Ok(())
}
