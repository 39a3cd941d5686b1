//! The orthogonal factorisations of one matrix, NumPy's routines: the singular value
//! decomposition by `gesdd` (jobz "S" or "A") and QR by `geqrf` then `orgqr`, their
//! factors packed in C order on one axis as the ops define.

use super::ffi::{LapackInt, Real, Routines};
use crate::error::CodegenError;

/// Turns a size into LAPACK's integer, or the error of a too large matrix.
pub(super) type Int<'a, I> = &'a dyn Fn(usize) -> Result<I, CodegenError>;

/// `a` (column-major m x n) = u s vt, packed into `out`: u (m x k, or m x m when
/// `full`), s (k), vt (k x n, or n x n).
pub(super) fn svd<I: LapackInt, T: Real>(
    r: &Routines<I, T>,
    (m, n): (usize, usize),
    mut a: Vec<T>,
    full: bool,
    out: &mut [T],
    int: Int<'_, I>,
    fail: &dyn Fn(&str) -> CodegenError,
) -> Result<(), CodegenError> {
    let k = m.min(n);
    let (ucols, vtrows) = if full { (m, n) } else { (k, k) };
    if k == 0 {
        // No values; the full factors are identities (LAPACK returns at once).
        out.fill(T::zero());
        (0..ucols.min(m)).for_each(|i| out[i * ucols + i] = T::one());
        let vt = m * ucols;
        (0..vtrows.min(n)).for_each(|i| out[vt + i * n + i] = T::one());
        return Ok(());
    }
    let jobz = if full { c"A" } else { c"S" };
    let mut s = vec![T::zero(); k];
    let mut u = vec![T::zero(); m * ucols];
    let mut vt = vec![T::zero(); vtrows * n];
    let mut iwork = vec![I::zero(); 8 * k];
    let (mi, ni, ld, ldvt) = (int(m)?, int(n)?, int(m)?, int(vtrows)?);
    let query = int(0)?.minus_one();
    let mut work_len = T::zero();
    let mut info = I::zero();
    // SAFETY: a workspace query, then the routine with the size it asked for; u is
    // m x ucols and vt vtrows x n, as jobz asks.
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
            (r.gesdd)(
                jobz.as_ptr(),
                &mi,
                &ni,
                a.as_mut_ptr(),
                &ld,
                s.as_mut_ptr(),
                u.as_mut_ptr(),
                &ld,
                vt.as_mut_ptr(),
                &ldvt,
                work.as_mut_ptr(),
                &lwork,
                iwork.as_mut_ptr(),
                &mut info,
                1,
            );
            if pass == 0 {
                work_len = work[0];
            }
        }
    }
    if info.to_i64() != 0 {
        return Err(fail("SVD did not converge"));
    }
    let (u_out, rest) = out.split_at_mut(m * ucols);
    let (s_out, vt_out) = rest.split_at_mut(k);
    for i in 0..m {
        for j in 0..ucols {
            u_out[i * ucols + j] = u[i + j * m];
        }
    }
    s_out.copy_from_slice(&s);
    for i in 0..vtrows {
        for j in 0..n {
            vt_out[i * n + j] = vt[i + j * vtrows];
        }
    }
    Ok(())
}

/// `a` (column-major m x n) = q r, packed into `out`: q (m x k, or m x m when
/// `complete`), then r (k x n, or m x n).
pub(super) fn qr<I: LapackInt, T: Real>(
    r: &Routines<I, T>,
    (m, n): (usize, usize),
    mut a: Vec<T>,
    complete: bool,
    out: &mut [T],
    int: Int<'_, I>,
) -> Result<(), CodegenError> {
    let k = m.min(n);
    let cols = if complete { m } else { k };
    let rows = cols;
    out.fill(T::zero());
    if k == 0 {
        // No reflectors: q is the identity's first columns, r is empty or zero.
        (0..cols).for_each(|i| out[i * cols + i] = T::one());
        return Ok(());
    }
    let (mi, ni, ki, ld, ci) = (int(m)?, int(n)?, int(k)?, int(m)?, int(cols)?);
    let query = int(0)?.minus_one();
    let mut tau = vec![T::zero(); k];
    let mut info = I::zero();
    let mut work_len = T::zero();
    // SAFETY: workspace queries, then the routines with the sizes they asked for, on
    // buffers of m x n (geqrf) and m x cols (orgqr, whose first k columns hold the
    // reflectors).
    unsafe {
        (r.geqrf)(
            &mi,
            &ni,
            a.as_mut_ptr(),
            &ld,
            tau.as_mut_ptr(),
            &mut work_len,
            &query,
            &mut info,
        );
        let mut work = vec![T::zero(); work_len.to_usize().max(1)];
        (r.geqrf)(
            &mi,
            &ni,
            a.as_mut_ptr(),
            &ld,
            tau.as_mut_ptr(),
            work.as_mut_ptr(),
            &int(work.len())?,
            &mut info,
        );
    }
    // r: the upper triangle of a's first `rows` rows.
    let r_out = &mut out[m * cols..];
    for i in 0..rows {
        for j in i..n {
            r_out[i * n + j] = a[i + j * m];
        }
    }
    let mut q = vec![T::zero(); m * cols];
    q[..m * k].copy_from_slice(&a[..m * k]);
    // SAFETY: as above.
    unsafe {
        (r.orgqr)(
            &mi,
            &ci,
            &ki,
            q.as_mut_ptr(),
            &ld,
            tau.as_ptr(),
            &mut work_len,
            &query,
            &mut info,
        );
        let mut work = vec![T::zero(); work_len.to_usize().max(1)];
        (r.orgqr)(
            &mi,
            &ci,
            &ki,
            q.as_mut_ptr(),
            &ld,
            tau.as_ptr(),
            work.as_mut_ptr(),
            &int(work.len())?,
            &mut info,
        );
    }
    for i in 0..m {
        for j in 0..cols {
            out[i * cols + j] = q[i + j * m];
        }
    }
    Ok(())
}
