//! The matrix-vector loops in AVX2 (with FMA) and AVX-512 vectors: each loop is
//! written once over a [`Vector`] and compiled for both instruction sets.

use std::arch::x86_64::*;

use super::{scalar, Element};

/// Rows per block of [`rows_vec`].
const ROWS: usize = 4;

/// A vector of `LANES` elements of `E`. Every method needs its instruction set
/// (AVX2 and FMA, or AVX-512).
pub(in crate::cpu) trait Vector: Copy {
    /// The element type.
    type E: Copy;
    /// Elements per vector.
    const LANES: usize;
    /// All lanes 0.
    unsafe fn zero() -> Self;
    /// All lanes `e`.
    unsafe fn splat(e: Self::E) -> Self;
    /// `LANES` elements from `p` (any alignment).
    unsafe fn load(p: *const Self::E) -> Self;
    /// To `LANES` elements at `p` (any alignment).
    unsafe fn store(self, p: *mut Self::E);
    /// `a * b + c` in each lane, rounded once.
    unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self;
    /// `a + b` in each lane.
    unsafe fn add(a: Self, b: Self) -> Self;
    /// The sum of the lanes.
    unsafe fn sum(self) -> Self::E;
}

/// Implements [`Vector`] for one vector type with its intrinsics.
macro_rules! vector {
    ($v:ty, $e:ty, $lanes:expr, $zero:ident, $splat:ident, $load:ident, $store:ident,
     $fmadd:ident, $add:ident, $sum:path) => {
        impl Vector for $v {
            type E = $e;
            const LANES: usize = $lanes;
            #[inline(always)]
            unsafe fn zero() -> Self {
                unsafe { $zero() }
            }
            #[inline(always)]
            unsafe fn splat(e: $e) -> Self {
                unsafe { $splat(e) }
            }
            #[inline(always)]
            unsafe fn load(p: *const $e) -> Self {
                unsafe { $load(p) }
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut $e) {
                unsafe { $store(p, self) }
            }
            #[inline(always)]
            unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
                unsafe { $fmadd(a, b, c) }
            }
            #[inline(always)]
            unsafe fn add(a: Self, b: Self) -> Self {
                unsafe { $add(a, b) }
            }
            #[inline(always)]
            unsafe fn sum(self) -> $e {
                unsafe { $sum(self) }
            }
        }
    };
}

vector!(
    __m256d,
    f64,
    4,
    _mm256_setzero_pd,
    _mm256_set1_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_fmadd_pd,
    _mm256_add_pd,
    sum_256d
);
vector!(
    __m256,
    f32,
    8,
    _mm256_setzero_ps,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps,
    _mm256_add_ps,
    sum_256
);
vector!(
    __m512d,
    f64,
    8,
    _mm512_setzero_pd,
    _mm512_set1_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_fmadd_pd,
    _mm512_add_pd,
    _mm512_reduce_add_pd
);
vector!(
    __m512,
    f32,
    16,
    _mm512_setzero_ps,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_fmadd_ps,
    _mm512_add_ps,
    _mm512_reduce_add_ps
);

/// The sum of four `f64` lanes (pairwise).
#[inline(always)]
unsafe fn sum_256d(v: __m256d) -> f64 {
    unsafe {
        let half = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
        _mm_cvtsd_f64(_mm_add_sd(half, _mm_unpackhi_pd(half, half)))
    }
}

/// The sum of eight `f32` lanes (pairwise).
#[inline(always)]
unsafe fn sum_256(v: __m256) -> f32 {
    unsafe {
        let q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let h = _mm_add_ps(q, _mm_movehl_ps(q, q));
        _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps(h, h, 1)))
    }
}

/// Compiles a loop generic over [`Vector`] for AVX2 (`T::V`) and AVX-512 (`T::W`).
macro_rules! for_both_vectors {
    ($generic:ident => $avx2:ident, $avx512:ident, ($($arg:ident: $ty:ty),*)) => {
        #[doc = concat!("[`", stringify!($generic), "`] in AVX2 vectors.\n\n# Safety\n",
                        "As [`", stringify!($generic), "`]; the CPU has AVX2 and FMA.")]
        #[allow(clippy::too_many_arguments)]
        #[target_feature(enable = "avx2,fma")]
        pub(super) unsafe fn $avx2<T: Element>($($arg: $ty),*) {
            // SAFETY: the caller's guarantee.
            unsafe { $generic::<T, T::V>($($arg),*) }
        }

        #[doc = concat!("[`", stringify!($generic), "`] in AVX-512 vectors.\n\n# Safety\n",
                        "As [`", stringify!($generic), "`]; the CPU has AVX-512 (F).")]
        #[allow(clippy::too_many_arguments)]
        #[target_feature(enable = "avx512f")]
        pub(super) unsafe fn $avx512<T: Element>($($arg: $ty),*) {
            // SAFETY: the caller's guarantee.
            unsafe { $generic::<T, T::W>($($arg),*) }
        }
    };
}

for_both_vectors!(rows_vec => rows_avx2, rows_avx512,
    (r0: usize, r1: usize, n: usize, a: *const T, lda: usize, x: &[T], y: *mut T, incy: usize));
for_both_vectors!(cols_vec => cols_avx2, cols_avx512,
    (m: usize, a: *const T, lda: usize, x: &[T], strip: &mut [T]));
for_both_vectors!(pair_vec => pair_avx2, pair_avx512,
    (i0: usize, i1: usize, n: usize, a: *const T, lda: usize, p: &[T], r: &[T], q: *mut T,
     incq: usize, part: &mut [T]));

/// Rows `r0..r1` of `y = A x`, four at a time: two vectors of partial sums per row, so
/// eight independent multiply-add chains.
///
/// # Safety
/// Rows `r0..r1` of `a` (each `n` elements, `lda` apart) are readable and elements
/// `r0..r1` of `y` (`incy` apart) writable by this call alone; `x.len() == n`; the CPU
/// has `V`'s instruction set.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn rows_vec<T: Element, V: Vector<E = T>>(
    r0: usize,
    r1: usize,
    n: usize,
    a: *const T,
    lda: usize,
    x: &[T],
    y: *mut T,
    incy: usize,
) {
    let l = V::LANES;
    let whole = n / (2 * l) * (2 * l);
    let xp = x.as_ptr();
    let mut i = r0;
    while i < r1 {
        let count = (r1 - i).min(ROWS);
        // Fewer than four rows left: the last row repeated (its sums are dropped).
        // SAFETY: rows i..i+count are the caller's.
        let row: [*const T; ROWS] =
            std::array::from_fn(|k| unsafe { a.add((i + k.min(count - 1)) * lda) });
        // SAFETY: every load reads elements j..j+2l < whole ≤ n of a row or of x.
        unsafe {
            let mut acc = [[V::zero(); 2]; ROWS];
            let mut j = 0;
            while j < whole {
                let (x0, x1) = (V::load(xp.add(j)), V::load(xp.add(j + l)));
                for k in 0..ROWS {
                    acc[k][0] = V::fmadd(V::load(row[k].add(j)), x0, acc[k][0]);
                    acc[k][1] = V::fmadd(V::load(row[k].add(j + l)), x1, acc[k][1]);
                }
                j += 2 * l;
            }
            for k in 0..count {
                let mut sum = V::add(acc[k][0], acc[k][1]).sum();
                for j in whole..n {
                    sum = T::madd::<true>(*row[k].add(j), x[j], sum);
                }
                *y.add((i + k) * incy) = sum;
            }
        }
        i += count;
    }
}

/// Adds `Σ_i x[i] · a[i*lda + j]` into `strip[j]`: per vector of the strip, eight
/// rows' multiply-adds in order, then one store.
///
/// # Safety
/// `a` holds `m` rows of at least `strip.len()` elements `lda` apart; `x.len() == m`;
/// the CPU has `V`'s instruction set.
#[inline(always)]
unsafe fn cols_vec<T: Element, V: Vector<E = T>>(
    m: usize,
    a: *const T,
    lda: usize,
    x: &[T],
    strip: &mut [T],
) {
    let (w, l) = (strip.len(), V::LANES);
    let whole = w / l * l;
    let out = strip.as_mut_ptr();
    let mut i = 0;
    while i < m {
        let count = (m - i).min(8);
        // SAFETY: rows i..i+count are the caller's; each reads its first w elements.
        unsafe {
            let row: [*const T; 8] = std::array::from_fn(|k| a.add((i + k.min(count - 1)) * lda));
            if count == 8 {
                let c: [V; 8] = std::array::from_fn(|k| V::splat(x[i + k]));
                let mut j = 0;
                while j < whole {
                    let mut v = V::load(out.add(j));
                    for k in 0..8 {
                        v = V::fmadd(V::load(row[k].add(j)), c[k], v);
                    }
                    V::store(v, out.add(j));
                    j += l;
                }
            }
            let from = if count == 8 { whole } else { 0 };
            for j in from..w {
                let mut v = *out.add(j);
                for k in 0..count {
                    v = T::madd::<true>(*row[k].add(j), x[i + k], v);
                }
                *out.add(j) = v;
            }
        }
        i += count;
    }
}

/// Rows `i0..i1` of `rows_and_cols`, four rows per pass over the partial:
/// `q[i] = a_i · p` and `part += r[i] a_i`.
///
/// # Safety
/// As `rows_and_cols` for these rows; `part.len() == n`; the CPU has `V`'s
/// instruction set.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn pair_vec<T: Element, V: Vector<E = T>>(
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
    let l = V::LANES;
    let whole = n / l * l;
    let (pp, out) = (p.as_ptr(), part.as_mut_ptr());
    let mut i = i0;
    while i + 4 <= i1 {
        // SAFETY: rows i..i+4 are the caller's; loads read elements j..j+l ≤ whole ≤ n.
        unsafe {
            let row: [*const T; 4] = std::array::from_fn(|k| a.add((i + k) * lda));
            let c: [V; 4] = std::array::from_fn(|k| V::splat(r[i + k]));
            let mut acc = [V::zero(); 4];
            let mut j = 0;
            while j < whole {
                let pj = V::load(pp.add(j));
                let mut v = V::load(out.add(j));
                for k in 0..4 {
                    let x = V::load(row[k].add(j));
                    acc[k] = V::fmadd(x, pj, acc[k]);
                    v = V::fmadd(x, c[k], v);
                }
                V::store(v, out.add(j));
                j += l;
            }
            for k in 0..4 {
                let mut dot = acc[k].sum();
                for j in whole..n {
                    dot = T::madd::<true>(*row[k].add(j), p[j], dot);
                }
                *q.add((i + k) * incq) = dot;
            }
            for j in whole..n {
                let mut v = *out.add(j);
                for k in 0..4 {
                    v = T::madd::<true>(*row[k].add(j), r[i + k], v);
                }
                *out.add(j) = v;
            }
        }
        i += 4;
    }
    // SAFETY: the remaining rows, as above.
    unsafe { scalar::pair::<T, true>(i, i1, n, a, lda, p, r, q, incq, part) }
}
