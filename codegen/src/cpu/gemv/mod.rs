//! Matrix-vector products (BLAS-2) for `f32` and `f64`, on the launch team's threads.
//!
//! A matrix-vector product reads each matrix element once and does one multiply-add
//! with it, so it is bound by memory bandwidth: the limit is the matrix's bytes over
//! the read rate. The system OpenBLAS (0.3.21) ran `A @ x` on one thread at about half
//! of it; these loops run on every thread of the team (measured side by side with
//! NumPy's OpenBLAS in `benches/python/blas2.py`):
//!
//! * [`rows`]: `y = A x` with contiguous rows. Four rows at a time, each dotted with
//!   `x` in two vectors of partial sums, so `x` is read once per four rows and eight
//!   multiply-add chains are independent.
//! * [`cols`]: `y = Aᵀ x` with contiguous rows (`x @ A`, `A.T @ x`). Each thread owns
//!   a strip of `y` and walks every row eight at a time, adding eight scaled row pieces
//!   into the strip (which stays in L1) per pass. Every `y[j]` sums over rows in
//!   order, whatever the thread count.
//! * [`rows_and_cols`]: both products of one matrix in one pass over it (BiCG's pair).
//!
//! This module splits the work across threads and picks the loops: `vector.rs` holds
//! them in AVX-512 and in AVX2 with FMA (the widest the CPU has, chosen at run time),
//! `scalar.rs` for other CPUs. Results agree with BLAS's within rounding (the
//! summation order differs) and propagate NaN and infinities as IEEE arithmetic does
//! (no zero skipping).

// The loops index several rows, vectors and raw pointers by one index: plainer than
// zipped iterators here.
#![allow(clippy::needless_range_loop)]

mod ranges;
mod scalar;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod vector;

pub(super) use ranges::RowRanges;

use super::team::run_shares;

/// Below this many matrix elements per thread, a thread costs more than it saves: waking
/// the rayon pool cost more than reading a matrix that sits in cache (400 x 500 float64:
/// 22 µs on one thread, 31-47 µs on two). With the launch team two threads from 131,072
/// elements left that product unchanged (0.041 ms in `benches/python/blas2.py`), so the
/// bound stays.
const MIN_ELEMENTS_PER_THREAD: usize = 1 << 19;
/// Widest strip of `y` one pass of [`cols`] accumulates (elements), kept in L1.
const STRIP: usize = 2048;
/// Strips of [`cols`] start on multiples of this many elements (whole vectors).
const STRIP_ALIGN: usize = 16;
/// Row chunks of [`rows_and_cols`] (at most; a function of the shape only, so the
/// result does not depend on the thread count).
const PAIR_CHUNKS: usize = 64;
/// Fewest rows in a chunk of [`rows_and_cols`].
const PAIR_CHUNK_ROWS: usize = 256;

/// The element types of the products: `f32` and `f64`.
pub(super) trait Element: Copy + Send + Sync + 'static {
    /// Its AVX2 vector.
    #[cfg(target_arch = "x86_64")]
    type V: vector::Vector<E = Self>;
    /// Its AVX-512 vector.
    #[cfg(target_arch = "x86_64")]
    type W: vector::Vector<E = Self>;
    /// Additive identity.
    const ZERO: Self;
    /// `a * b + c`, fused (one rounding) when `FMA`.
    fn madd<const FMA: bool>(a: Self, b: Self, c: Self) -> Self;
    /// `a + b`.
    fn add(a: Self, b: Self) -> Self;
}

macro_rules! element {
    ($t:ty, $v:ty, $w:ty) => {
        impl Element for $t {
            #[cfg(target_arch = "x86_64")]
            type V = $v;
            #[cfg(target_arch = "x86_64")]
            type W = $w;
            const ZERO: Self = 0.0;
            #[inline(always)]
            fn madd<const FMA: bool>(a: Self, b: Self, c: Self) -> Self {
                if FMA {
                    a.mul_add(b, c)
                } else {
                    a * b + c
                }
            }
            #[inline(always)]
            fn add(a: Self, b: Self) -> Self {
                a + b
            }
        }
    };
}
#[cfg(target_arch = "x86_64")]
element!(f32, std::arch::x86_64::__m256, std::arch::x86_64::__m512);
#[cfg(target_arch = "x86_64")]
element!(f64, std::arch::x86_64::__m256d, std::arch::x86_64::__m512d);
#[cfg(not(target_arch = "x86_64"))]
element!(f32, (), ());
#[cfg(not(target_arch = "x86_64"))]
element!(f64, (), ());

/// A raw pointer that may cross to the team's threads (each task touches its own
/// disjoint part of the output).
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);
// SAFETY: tasks write disjoint elements and read memory nothing writes meanwhile.
unsafe impl<T> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    /// The pointer (a method, so closures capture the whole `Shared`).
    fn get(self) -> *mut T {
        self.0
    }
}

/// Threads for a product of `elements` matrix elements, at most `threads`.
fn threads_for(threads: usize, elements: usize) -> usize {
    threads.min(elements / MIN_ELEMENTS_PER_THREAD).max(1)
}

/// Runs `task` over `0..parts` split into `threads` contiguous ranges, on this thread
/// and the launch team's helpers (on this thread alone when there is one).
fn split(threads: usize, parts: usize, task: impl Fn(usize, usize) + Sync) {
    if threads <= 1 {
        task(0, parts);
        return;
    }
    run_shares(threads, threads, &|t| {
        let (p0, p1) = (parts * t / threads, parts * (t + 1) / threads);
        if p0 < p1 {
            task(p0, p1);
        }
    });
}

/// The widest vectors the CPU has, of the ones these loops are compiled for.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Simd {
    /// Scalar loops.
    None,
    /// AVX2 with FMA.
    Avx2,
    /// AVX-512 (F).
    Avx512,
}

#[cfg(test)]
thread_local! {
    /// A level the tests make the calling thread use (each one the CPU has, in turn).
    static FORCED: std::cell::Cell<Option<Simd>> = const { std::cell::Cell::new(None) };
}

fn simd() -> Simd {
    #[cfg(test)]
    if let Some(level) = FORCED.with(|f| f.get()) {
        return level;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            return Simd::Avx512;
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Simd::Avx2;
        }
    }
    Simd::None
}

/// `x` as a contiguous vector: the elements themselves when `inc` is 1, else a copy.
///
/// # Safety
/// `x` points at `n` elements `inc` apart.
unsafe fn contiguous<T: Element>(x: *const T, n: usize, inc: usize, copy: &mut Vec<T>) -> &[T] {
    if inc == 1 || n <= 1 {
        // SAFETY: the caller's guarantee.
        unsafe { std::slice::from_raw_parts(x, n) }
    } else {
        // SAFETY: element i is at x + i*inc, inside the caller's range.
        copy.extend((0..n).map(|i| unsafe { *x.add(i * inc) }));
        copy
    }
}

/// `y[i*incy] = Σ_j a[i*lda + j] · x[j*incx]` for `i < m`, `j < n`.
///
/// # Safety
/// `a` holds `m` rows of `n` elements `lda ≥ n` apart, `x` holds `n` elements `incx`
/// apart, `y` holds `m` elements `incy` apart that nothing else reads or writes.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn rows<T: Element>(
    threads: usize,
    m: usize,
    n: usize,
    a: *const T,
    lda: usize,
    x: *const T,
    incx: usize,
    y: *mut T,
    incy: usize,
) {
    let mut copy = Vec::new();
    // SAFETY: the caller's guarantee on x.
    let x = unsafe { contiguous(x, n, incx, &mut copy) };
    let (a, y) = (Shared(a as *mut T), Shared(y));
    let simd = simd();
    split(
        threads_for(threads, m.saturating_mul(n)),
        m,
        move |r0, r1| {
            let (a, y) = (a.get(), y.get());
            // SAFETY: rows r0..r1 of a and elements r0..r1 of y are inside the caller's
            // ranges; this task alone writes those elements of y; the CPU has the vectors.
            unsafe {
                match simd {
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx512 => vector::rows_avx512(r0, r1, n, a, lda, x, y, incy),
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx2 => vector::rows_avx2(r0, r1, n, a, lda, x, y, incy),
                    _ => scalar::rows(r0, r1, n, a, lda, x, y, incy),
                }
            }
        },
    );
}

/// `y[j*incy] = Σ_i a[i*lda + j] · x[i*incx]` for `j < n`, `i < m`: the product of the
/// transpose of an `m × n` matrix with contiguous rows.
///
/// # Safety
/// `a` holds `m` rows of `n` elements `lda ≥ n` apart, `x` holds `m` elements `incx`
/// apart, `y` holds `n` elements `incy` apart that nothing else reads or writes.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn cols<T: Element>(
    threads: usize,
    m: usize,
    n: usize,
    a: *const T,
    lda: usize,
    x: *const T,
    incx: usize,
    y: *mut T,
    incy: usize,
) {
    let mut copy = Vec::new();
    // SAFETY: the caller's guarantee on x.
    let x = unsafe { contiguous(x, m, incx, &mut copy) };
    let (a, y) = (Shared(a as *mut T), Shared(y));
    let simd = simd();
    // Each task owns whole aligned blocks of y (the last one its ragged end).
    let blocks = n.div_ceil(STRIP_ALIGN);
    split(
        threads_for(threads, m.saturating_mul(n)),
        blocks,
        move |b0, b1| {
            let (j0, j1) = (b0 * STRIP_ALIGN, (b1 * STRIP_ALIGN).min(n));
            let mut strip = vec![T::ZERO; STRIP.min(j1 - j0)];
            let mut s = j0;
            while s < j1 {
                let w = STRIP.min(j1 - s);
                let strip = &mut strip[..w];
                strip.fill(T::ZERO);
                // SAFETY: columns s..s+w of every row of a are inside the caller's range.
                unsafe {
                    let a = a.get().add(s);
                    match simd {
                        #[cfg(target_arch = "x86_64")]
                        Simd::Avx512 => vector::cols_avx512(m, a, lda, x, strip),
                        #[cfg(target_arch = "x86_64")]
                        Simd::Avx2 => vector::cols_avx2(m, a, lda, x, strip),
                        _ => scalar::cols(m, a, lda, x, strip),
                    }
                }
                for (k, &v) in strip.iter().enumerate() {
                    // SAFETY: element s+k < j1 of y is this task's alone.
                    unsafe { *y.get().add((s + k) * incy) = v };
                }
                s += w;
            }
        },
    );
}

/// Both products of one matrix in one pass over it: `q = A p` and `s = Aᵀ r`, for an
/// `m × n` matrix with contiguous rows (BiCG's pair). Row chunks each add their rows
/// into their own partial `s`; the partials are summed in chunk order.
///
/// # Safety
/// `a` holds `m` rows of `n` elements `lda ≥ n` apart; `p` holds `n` elements `incp`
/// apart and `r` `m` elements `incr` apart; `q` (`m` elements `incq` apart) and `s`
/// (`n` elements `incs` apart) are written by this call alone and overlap nothing read.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn rows_and_cols<T: Element>(
    threads: usize,
    m: usize,
    n: usize,
    a: *const T,
    lda: usize,
    (p, incp): (*const T, usize),
    (r, incr): (*const T, usize),
    (q, incq): (*mut T, usize),
    (s, incs): (*mut T, usize),
) {
    let (mut p_copy, mut r_copy) = (Vec::new(), Vec::new());
    // SAFETY: the caller's guarantee on p and r.
    let (p, r) = unsafe {
        (
            contiguous(p, n, incp, &mut p_copy),
            contiguous(r, m, incr, &mut r_copy),
        )
    };
    let chunks = m.div_ceil(PAIR_CHUNK_ROWS).clamp(1, PAIR_CHUNKS);
    let mut partials = vec![T::ZERO; chunks * n];
    let (a, q) = (Shared(a as *mut T), Shared(q));
    let parts = Shared(partials.as_mut_ptr());
    let simd = simd();
    let threads = threads_for(threads, m.saturating_mul(n)).min(chunks);
    split(threads, chunks, move |c0, c1| {
        for c in c0..c1 {
            let (i0, i1) = (m * c / chunks, m * (c + 1) / chunks);
            // SAFETY: rows i0..i1 and elements i0..i1 of q are this chunk's; its partial
            // is n elements of `partials` no other chunk touches.
            unsafe {
                let part = std::slice::from_raw_parts_mut(parts.get().add(c * n), n);
                let (a, q) = (a.get(), q.get());
                match simd {
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx512 => vector::pair_avx512(i0, i1, n, a, lda, p, r, q, incq, part),
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx2 => vector::pair_avx2(i0, i1, n, a, lda, p, r, q, incq, part),
                    _ => scalar::pair::<T, false>(i0, i1, n, a, lda, p, r, q, incq, part),
                }
            }
        }
    });
    for j in 0..n {
        let mut v = partials[j];
        for c in 1..chunks {
            v = T::add(v, partials[c * n + j]);
        }
        // SAFETY: element j < n of s is this call's.
        unsafe { *s.add(j * incs) = v };
    }
}
