//! The matrix-vector loops without vectors, for CPUs without AVX2 (and the rows the
//! vector loops leave over): plain loops, sums in order.

use super::Element;

/// Rows `r0..r1` of `y = A x`.
///
/// # Safety
/// Rows `r0..r1` of `a` (each `n` elements, `lda` apart) are readable and elements
/// `r0..r1` of `y` (`incy` apart) writable by this call alone; `x.len() == n`.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn rows<T: Element>(
    r0: usize,
    r1: usize,
    n: usize,
    a: *const T,
    lda: usize,
    x: &[T],
    y: *mut T,
    incy: usize,
) {
    for i in r0..r1 {
        // SAFETY: row i of a is n elements at a + i*lda (the caller's guarantee).
        let row = unsafe { std::slice::from_raw_parts(a.add(i * lda), n) };
        let dot = row
            .iter()
            .zip(x)
            .fold(T::ZERO, |s, (&v, &w)| T::madd::<false>(v, w, s));
        // SAFETY: element i < r1 of y is this call's.
        unsafe { *y.add(i * incy) = dot };
    }
}

/// Adds `Σ_i x[i] · a[i*lda + j]` into `strip[j]`, rows in order.
///
/// # Safety
/// `a` holds `m` rows of at least `strip.len()` elements `lda` apart; `x.len() == m`.
pub(super) unsafe fn cols<T: Element>(m: usize, a: *const T, lda: usize, x: &[T], strip: &mut [T]) {
    for i in 0..m {
        // SAFETY: row i's first strip.len() elements (the caller's guarantee).
        let row = unsafe { std::slice::from_raw_parts(a.add(i * lda), strip.len()) };
        for (s, &v) in strip.iter_mut().zip(row) {
            *s = T::madd::<false>(v, x[i], *s);
        }
    }
}

/// Rows `i0..i1` of `rows_and_cols`, one at a time: `q[i] = a_i · p` and
/// `part += r[i] a_i`, fused multiply-adds when `FMA` (as the vector loops round).
///
/// # Safety
/// As `rows_and_cols` for these rows; `part.len() == n`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) unsafe fn pair<T: Element, const FMA: bool>(
    i0: usize,
    i1: usize,
    n: usize,
    a: *const T,
    lda: usize,
    p: &[T],
    r: &[T],
    q: *mut T,
    incq: usize,
    part: &mut [T],
) {
    for i in i0..i1 {
        // SAFETY: row i is n elements at a + i*lda.
        let row = unsafe { std::slice::from_raw_parts(a.add(i * lda), n) };
        let mut dot = T::ZERO;
        for j in 0..n {
            dot = T::madd::<FMA>(row[j], p[j], dot);
            part[j] = T::madd::<FMA>(row[j], r[i], part[j]);
        }
        // SAFETY: element i of q is this call's.
        unsafe { *q.add(i * incq) = dot };
    }
}
