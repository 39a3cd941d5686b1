//! Matrix-vector products (BLAS-2) for `f32` and `f64`, on the kernel thread pool.
//!
//! A matrix-vector product reads each matrix element once and does one multiply-add
//! with it, so it is bound by memory bandwidth: the limit is the matrix's bytes over
//! the read rate. The system OpenBLAS (0.3.21) ran `A @ x` on one thread at about half
//! of it; these loops run on every thread of the pool (measured side by side with
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
//! Each loop is compiled for AVX-512, for AVX2 with FMA and for the baseline, the
//! widest the CPU has chosen at run time; results agree with BLAS's within rounding
//! (the summation order differs) and propagate NaN and infinities as IEEE arithmetic
//! does (no zero skipping).

// The loops index several rows, vectors and raw pointers by one index: plainer than
// zipped iterators here.
#![allow(clippy::needless_range_loop)]

use super::pool;

/// Below this many matrix elements per thread, a thread costs more than it saves: waking
/// the pool costs more than reading a matrix that sits in cache (400 x 500 float64:
/// 22 µs on one thread, 31-47 µs on two).
const MIN_ELEMENTS_PER_THREAD: usize = 1 << 19;
/// Widest strip of `y` one pass of [`cols`] accumulates (elements), kept in L1.
const STRIP: usize = 2048;
/// Lanes of each partial sum in [`rows`].
const LANES: usize = 8;
/// Rows per block of [`rows_vec`].
const ROWS: usize = 4;

/// The element types of the products: `f32` and `f64`.
pub(super) trait Element: Copy + Send + Sync + 'static {
    /// Its AVX2 vector.
    #[cfg(target_arch = "x86_64")]
    type V: avx2::Vector<E = Self>;
    /// Its AVX-512 vector.
    #[cfg(target_arch = "x86_64")]
    type W: avx2::Vector<E = Self>;
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

/// A raw pointer that may cross to the pool's threads (each task touches its own
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

fn threads_for(threads: usize, elements: usize) -> usize {
    threads.min(elements / MIN_ELEMENTS_PER_THREAD).max(1)
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
    let run = move |r0: usize, r1: usize| {
        let (a, y) = (a.get(), y.get());
        // SAFETY: rows r0..r1 of a and elements r0..r1 of y are inside the caller's
        // ranges; this task alone writes those elements of y; the CPU has the vectors.
        unsafe {
            match simd {
                #[cfg(target_arch = "x86_64")]
                Simd::Avx512 => rows_avx512(r0, r1, n, a, lda, x, y, incy),
                #[cfg(target_arch = "x86_64")]
                Simd::Avx2 => rows_avx2(r0, r1, n, a, lda, x, y, incy),
                _ => rows_block::<T, false>(r0, r1, n, a, lda, x, y, incy),
            }
        }
    };
    let threads = threads_for(threads, m.saturating_mul(n));
    if threads == 1 {
        run(0, m);
        return;
    }
    let run = &run;
    pool().scope(|scope| {
        for t in 0..threads {
            let (r0, r1) = (m * t / threads, m * (t + 1) / threads);
            scope.spawn(move |_| run(r0, r1));
        }
    });
}

/// Rows `r0..r1` of `y = A x`, four at a time, in AVX2 vectors: two partial sums per
/// row, so eight independent multiply-add chains.
///
/// # Safety
/// As [`rows_block`]; the CPU has AVX2 and FMA.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn rows_vec<T: Element, V: avx2::Vector<E = T>>(
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

/// [`rows_vec`] in AVX2 vectors.
///
/// # Safety
/// As [`rows_vec`]; the CPU has AVX2 and FMA.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn rows_avx2<T: Element>(
    r0: usize,
    r1: usize,
    n: usize,
    a: *const T,
    lda: usize,
    x: &[T],
    y: *mut T,
    incy: usize,
) {
    // SAFETY: the caller's guarantee.
    unsafe { rows_vec::<T, T::V>(r0, r1, n, a, lda, x, y, incy) }
}

/// [`rows_vec`] in AVX-512 vectors.
///
/// # Safety
/// As [`rows_vec`]; the CPU has AVX-512 (F).
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn rows_avx512<T: Element>(
    r0: usize,
    r1: usize,
    n: usize,
    a: *const T,
    lda: usize,
    x: &[T],
    y: *mut T,
    incy: usize,
) {
    // SAFETY: the caller's guarantee.
    unsafe { rows_vec::<T, T::W>(r0, r1, n, a, lda, x, y, incy) }
}

/// Rows `r0..r1` of `y = A x`, four at a time.
///
/// # Safety
/// Rows `r0..r1` of `a` (each `n` elements, `lda` apart) are readable and elements
/// `r0..r1` of `y` (`incy` apart) writable by this call alone; `x.len() == n`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn rows_block<T: Element, const FMA: bool>(
    r0: usize,
    r1: usize,
    n: usize,
    a: *const T,
    lda: usize,
    x: &[T],
    y: *mut T,
    incy: usize,
) {
    // SAFETY: row i of a is n elements at a + i*lda (the caller's guarantee).
    let row = |i: usize| unsafe { std::slice::from_raw_parts(a.add(i * lda), n) };
    let mut i = r0;
    while i + 4 <= r1 {
        let sums = dot::<T, FMA, 4>([row(i), row(i + 1), row(i + 2), row(i + 3)], x);
        for (k, s) in sums.into_iter().enumerate() {
            // SAFETY: element i+k < r1 of y is this call's.
            unsafe { *y.add((i + k) * incy) = s };
        }
        i += 4;
    }
    while i < r1 {
        let [s] = dot::<T, FMA, 1>([row(i)], x);
        // SAFETY: as above.
        unsafe { *y.add(i * incy) = s };
        i += 1;
    }
}

/// The dot products of `R` rows with `x`, each in `LANES` partial sums.
#[inline(always)]
fn dot<T: Element, const FMA: bool, const R: usize>(rows: [&[T]; R], x: &[T]) -> [T; R] {
    let mut acc = [[T::ZERO; LANES]; R];
    let whole = x.len() / LANES * LANES;
    let xs = x[..whole].chunks_exact(LANES);
    let rows_whole = rows.map(|r| &r[..whole]);
    for (c, xc) in xs.enumerate() {
        for r in 0..R {
            let ac = &rows_whole[r][c * LANES..c * LANES + LANES];
            for l in 0..LANES {
                acc[r][l] = T::madd::<FMA>(ac[l], xc[l], acc[r][l]);
            }
        }
    }
    let mut out = [T::ZERO; R];
    for r in 0..R {
        // Pairwise over the lanes, then the tail in order.
        let mut lanes = acc[r];
        let mut width = LANES;
        while width > 1 {
            width /= 2;
            for l in 0..width {
                lanes[l] = T::add(lanes[l], lanes[l + width]);
            }
        }
        let mut s = lanes[0];
        for j in whole..x.len() {
            s = T::madd::<FMA>(rows[r][j], x[j], s);
        }
        out[r] = s;
    }
    out
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
    let run = move |j0: usize, j1: usize| {
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
                    Simd::Avx512 => cols_avx512(m, a, lda, x, strip),
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx2 => cols_avx2(m, a, lda, x, strip),
                    _ => cols_strip::<T, false>(m, a, lda, x, strip),
                }
            }
            for (k, &v) in strip.iter().enumerate() {
                // SAFETY: element s+k < j1 of y is this task's alone.
                unsafe { *y.get().add((s + k) * incy) = v };
            }
            s += w;
        }
    };
    let threads = threads_for(threads, m.saturating_mul(n))
        .min(n.div_ceil(LANES))
        .max(1);
    if threads == 1 {
        run(0, n);
        return;
    }
    // Strip boundaries on whole vectors, so each thread's loads stay aligned alike.
    let cut = |t: usize| (n * t / threads / LANES * LANES).min(n);
    let run = &run;
    pool().scope(|scope| {
        for t in 0..threads {
            let (j0, j1) = (cut(t), if t + 1 == threads { n } else { cut(t + 1) });
            if j0 < j1 {
                scope.spawn(move |_| run(j0, j1));
            }
        }
    });
}

/// [`cols_strip`] in AVX2 vectors: per vector of the strip, eight rows' multiply-adds
/// in order, then one store.
///
/// # Safety
/// As [`cols_strip`]; the CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn cols_vec<T: Element, V: avx2::Vector<E = T>>(
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

/// [`cols_vec`] in AVX2 vectors.
///
/// # Safety
/// As [`cols_vec`]; the CPU has AVX2 and FMA.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn cols_avx2<T: Element>(m: usize, a: *const T, lda: usize, x: &[T], strip: &mut [T]) {
    // SAFETY: the caller's guarantee.
    unsafe { cols_vec::<T, T::V>(m, a, lda, x, strip) }
}

/// [`cols_vec`] in AVX-512 vectors.
///
/// # Safety
/// As [`cols_vec`]; the CPU has AVX-512 (F).
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn cols_avx512<T: Element>(m: usize, a: *const T, lda: usize, x: &[T], strip: &mut [T]) {
    // SAFETY: the caller's guarantee.
    unsafe { cols_vec::<T, T::W>(m, a, lda, x, strip) }
}

/// Adds `Σ_i x[i] · a[i*lda + j]` into `strip[j]`, rows in order, eight rows per pass.
///
/// # Safety
/// `a` holds `m` rows of at least `strip.len()` elements `lda` apart; `x.len() == m`.
#[inline(always)]
unsafe fn cols_strip<T: Element, const FMA: bool>(
    m: usize,
    a: *const T,
    lda: usize,
    x: &[T],
    strip: &mut [T],
) {
    let w = strip.len();
    // SAFETY: row i's first w elements are at a + i*lda (the caller's guarantee).
    let row = |i: usize| unsafe { std::slice::from_raw_parts(a.add(i * lda), w) };
    let mut i = 0;
    while i + 8 <= m {
        let r: [&[T]; 8] = std::array::from_fn(|k| row(i + k));
        let c: [T; 8] = std::array::from_fn(|k| x[i + k]);
        for j in 0..w {
            let mut v = strip[j];
            for k in 0..8 {
                v = T::madd::<FMA>(r[k][j], c[k], v);
            }
            strip[j] = v;
        }
        i += 8;
    }
    while i < m {
        let (r, c) = (row(i), x[i]);
        for j in 0..w {
            strip[j] = T::madd::<FMA>(r[j], c, strip[j]);
        }
        i += 1;
    }
}

/// Row chunks of [`rows_and_cols`] (at most; a function of the shape only, so the
/// result does not depend on the thread count).
const PAIR_CHUNKS: usize = 64;
/// Fewest rows in a chunk of [`rows_and_cols`].
const PAIR_CHUNK_ROWS: usize = 256;

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
    let (a, q, parts) = (
        Shared(a as *mut T),
        Shared(q),
        Shared(partials.as_mut_ptr()),
    );
    let simd = simd();
    let run = move |c0: usize, c1: usize| {
        for c in c0..c1 {
            let (i0, i1) = (m * c / chunks, m * (c + 1) / chunks);
            // SAFETY: rows i0..i1 and elements i0..i1 of q are this chunk's; its partial
            // is n elements of `partials` no other chunk touches.
            unsafe {
                let part = std::slice::from_raw_parts_mut(parts.get().add(c * n), n);
                let (a, q) = (a.get(), q.get());
                match simd {
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx512 => pair_avx512(i0, i1, n, a, lda, p, r, q, incq, part),
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx2 => pair_avx2(i0, i1, n, a, lda, p, r, q, incq, part),
                    _ => pair_rows::<T, false>(i0, i1, n, a, lda, p, r, q, incq, part),
                }
            }
        }
    };
    let threads = threads_for(threads, m.saturating_mul(n)).min(chunks);
    if threads == 1 {
        run(0, chunks);
    } else {
        let run = &run;
        pool().scope(|scope| {
            for t in 0..threads {
                let (c0, c1) = (chunks * t / threads, chunks * (t + 1) / threads);
                scope.spawn(move |_| run(c0, c1));
            }
        });
    }
    for j in 0..n {
        let mut v = partials[j];
        for c in 1..chunks {
            v = T::add(v, partials[c * n + j]);
        }
        // SAFETY: element j < n of s is this call's.
        unsafe { *s.add(j * incs) = v };
    }
}

/// Rows `i0..i1` of [`rows_and_cols`], one at a time: `q[i] = a_i · p` and
/// `part += r[i] a_i`.
///
/// # Safety
/// As [`rows_and_cols`] for these rows; `part.len() == n`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn pair_rows<T: Element, const FMA: bool>(
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

/// [`pair_rows`] in AVX2 vectors, four rows per pass over the partial.
///
/// # Safety
/// As [`pair_rows`]; the CPU has AVX2 and FMA.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn pair_vec<T: Element, V: avx2::Vector<E = T>>(
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
    unsafe { pair_rows::<T, true>(i, i1, n, a, lda, p, r, q, incq, part) }
}

/// [`pair_vec`] in AVX2 vectors.
///
/// # Safety
/// As [`pair_vec`]; the CPU has AVX2 and FMA.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn pair_avx2<T: Element>(
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
    // SAFETY: the caller's guarantee.
    unsafe { pair_vec::<T, T::V>(i0, i1, n, a, lda, p, r, q, incq, part) }
}

/// [`pair_vec`] in AVX-512 vectors.
///
/// # Safety
/// As [`pair_vec`]; the CPU has AVX-512 (F).
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn pair_avx512<T: Element>(
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
    // SAFETY: the caller's guarantee.
    unsafe { pair_vec::<T, T::W>(i0, i1, n, a, lda, p, r, q, incq, part) }
}

/// AVX2 and AVX-512 vectors of `f32` and `f64`, for the kernels above.
#[cfg(target_arch = "x86_64")]
pub(super) mod avx2 {
    use std::arch::x86_64::*;

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
        /// The sum of the lanes (pairwise).
        unsafe fn sum(self) -> Self::E;
    }

    impl Vector for __m256d {
        type E = f64;
        const LANES: usize = 4;
        #[inline(always)]
        unsafe fn zero() -> Self {
            unsafe { _mm256_setzero_pd() }
        }
        #[inline(always)]
        unsafe fn splat(e: f64) -> Self {
            unsafe { _mm256_set1_pd(e) }
        }
        #[inline(always)]
        unsafe fn load(p: *const f64) -> Self {
            unsafe { _mm256_loadu_pd(p) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f64) {
            unsafe { _mm256_storeu_pd(p, self) }
        }
        #[inline(always)]
        unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
            unsafe { _mm256_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        unsafe fn add(a: Self, b: Self) -> Self {
            unsafe { _mm256_add_pd(a, b) }
        }
        #[inline(always)]
        unsafe fn sum(self) -> f64 {
            unsafe {
                let half = _mm_add_pd(_mm256_castpd256_pd128(self), _mm256_extractf128_pd(self, 1));
                _mm_cvtsd_f64(_mm_add_sd(half, _mm_unpackhi_pd(half, half)))
            }
        }
    }

    impl Vector for __m512d {
        type E = f64;
        const LANES: usize = 8;
        #[inline(always)]
        unsafe fn zero() -> Self {
            unsafe { _mm512_setzero_pd() }
        }
        #[inline(always)]
        unsafe fn splat(e: f64) -> Self {
            unsafe { _mm512_set1_pd(e) }
        }
        #[inline(always)]
        unsafe fn load(p: *const f64) -> Self {
            unsafe { _mm512_loadu_pd(p) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f64) {
            unsafe { _mm512_storeu_pd(p, self) }
        }
        #[inline(always)]
        unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
            unsafe { _mm512_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        unsafe fn add(a: Self, b: Self) -> Self {
            unsafe { _mm512_add_pd(a, b) }
        }
        #[inline(always)]
        unsafe fn sum(self) -> f64 {
            unsafe { _mm512_reduce_add_pd(self) }
        }
    }

    impl Vector for __m512 {
        type E = f32;
        const LANES: usize = 16;
        #[inline(always)]
        unsafe fn zero() -> Self {
            unsafe { _mm512_setzero_ps() }
        }
        #[inline(always)]
        unsafe fn splat(e: f32) -> Self {
            unsafe { _mm512_set1_ps(e) }
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            unsafe { _mm512_loadu_ps(p) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            unsafe { _mm512_storeu_ps(p, self) }
        }
        #[inline(always)]
        unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
            unsafe { _mm512_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        unsafe fn add(a: Self, b: Self) -> Self {
            unsafe { _mm512_add_ps(a, b) }
        }
        #[inline(always)]
        unsafe fn sum(self) -> f32 {
            unsafe { _mm512_reduce_add_ps(self) }
        }
    }

    impl Vector for __m256 {
        type E = f32;
        const LANES: usize = 8;
        #[inline(always)]
        unsafe fn zero() -> Self {
            unsafe { _mm256_setzero_ps() }
        }
        #[inline(always)]
        unsafe fn splat(e: f32) -> Self {
            unsafe { _mm256_set1_ps(e) }
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            unsafe { _mm256_loadu_ps(p) }
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            unsafe { _mm256_storeu_ps(p, self) }
        }
        #[inline(always)]
        unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
            unsafe { _mm256_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        unsafe fn add(a: Self, b: Self) -> Self {
            unsafe { _mm256_add_ps(a, b) }
        }
        #[inline(always)]
        unsafe fn sum(self) -> f32 {
            unsafe {
                let q = _mm_add_ps(_mm256_castps256_ps128(self), _mm256_extractf128_ps(self, 1));
                let h = _mm_add_ps(q, _mm_movehl_ps(q, q));
                _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps(h, h, 1)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` at every vector level this CPU has, scalar loops included.
    fn at_every_level(mut f: impl FnMut(Simd)) {
        let best = simd();
        let levels = [Simd::None, Simd::Avx2, Simd::Avx512];
        let top = levels.iter().position(|&l| l == best).expect("a level");
        for &level in &levels[..=top] {
            FORCED.with(|c| c.set(Some(level)));
            f(level);
        }
        FORCED.with(|c| c.set(None));
    }

    fn reference(
        m: usize,
        n: usize,
        a: &[f64],
        lda: usize,
        x: &[f64],
        transposed: bool,
    ) -> Vec<f64> {
        if transposed {
            (0..n)
                .map(|j| (0..m).map(|i| a[i * lda + j] * x[i]).sum())
                .collect()
        } else {
            (0..m)
                .map(|i| (0..n).map(|j| a[i * lda + j] * x[j]).sum())
                .collect()
        }
    }

    #[test]
    fn products_match_the_reference_at_awkward_sizes() {
        at_every_level(|_| products_match_the_reference());
    }

    fn products_match_the_reference() {
        // float32 through the same loops (other vector widths), against float64 sums.
        for &(m, n) in &[(5, 3), (9, 17), (33, 70), (300, 301)] {
            let a: Vec<f32> = (0..m * n)
                .map(|k| ((k * 37 % 101) as f32 - 50.0) / 8.0)
                .collect();
            let x: Vec<f32> = (0..m.max(n)).map(|k| (k % 13) as f32 - 6.0).collect();
            let a64: Vec<f64> = a.iter().map(|&v| v as f64).collect();
            let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            for transposed in [false, true] {
                let len_y = if transposed { n } else { m };
                let mut y = vec![f32::NAN; len_y];
                // SAFETY: an m x n matrix, x long enough either way, y of len_y.
                unsafe {
                    if transposed {
                        cols(2, m, n, a.as_ptr(), n, x.as_ptr(), 1, y.as_mut_ptr(), 1)
                    } else {
                        rows(2, m, n, a.as_ptr(), n, x.as_ptr(), 1, y.as_mut_ptr(), 1)
                    }
                }
                let want = reference(
                    m,
                    n,
                    &a64,
                    n,
                    &x64[..if transposed { m } else { n }],
                    transposed,
                );
                for (g, w) in y.iter().zip(&want) {
                    // Products and sums of eighths: exact in float32 at these sizes.
                    assert_eq!(*g as f64, *w, "f32 {m}x{n} t={transposed}");
                }
            }
        }
        for &(m, n) in &[
            (1, 1),
            (3, 5),
            (4, 8),
            (9, 17),
            (33, 7),
            (7, 2100),
            (300, 301),
        ] {
            let lda = n + 3;
            let a: Vec<f64> = (0..m * lda)
                .map(|k| ((k * 37 % 101) as f64 - 50.0) / 7.0)
                .collect();
            for transposed in [false, true] {
                let (len_x, len_y) = if transposed { (m, n) } else { (n, m) };
                let x: Vec<f64> = (0..len_x * 2).map(|k| (k % 13) as f64 - 6.0).collect();
                let mut y = vec![f64::NAN; len_y * 3];
                for threads in [1, 2, 3] {
                    // SAFETY: sizes as documented; x stepped by 2, y by 3.
                    unsafe {
                        if transposed {
                            cols(
                                threads,
                                m,
                                n,
                                a.as_ptr(),
                                lda,
                                x.as_ptr(),
                                2,
                                y.as_mut_ptr(),
                                3,
                            )
                        } else {
                            rows(
                                threads,
                                m,
                                n,
                                a.as_ptr(),
                                lda,
                                x.as_ptr(),
                                2,
                                y.as_mut_ptr(),
                                3,
                            )
                        }
                    }
                    let xs: Vec<f64> = x.iter().step_by(2).copied().collect();
                    let want = reference(m, n, &a, lda, &xs, transposed);
                    for (k, w) in want.iter().enumerate() {
                        let got = y[k * 3];
                        assert!(
                            (got - w).abs() <= 1e-9 * (1.0 + w.abs()),
                            "{m}x{n} t={transposed}: {got} vs {w}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_pair_matches_both_products() {
        at_every_level(|_| the_pair_matches());
    }

    fn the_pair_matches() {
        for &(m, n) in &[(1, 1), (5, 3), (9, 17), (300, 7), (1000, 301)] {
            let lda = n + 1;
            let a: Vec<f64> = (0..m * lda)
                .map(|k| ((k * 29 % 97) as f64 - 48.0) / 5.0)
                .collect();
            let p: Vec<f64> = (0..n).map(|k| (k % 11) as f64 - 5.0).collect();
            let r: Vec<f64> = (0..m * 2).map(|k| (k % 7) as f64 - 3.0).collect();
            let want_q = reference(m, n, &a, lda, &p, false);
            let rs: Vec<f64> = r.iter().step_by(2).copied().collect();
            let want_s = reference(m, n, &a, lda, &rs, true);
            for threads in [1, 2, 3] {
                let (mut q, mut s) = (vec![f64::NAN; m], vec![f64::NAN; n]);
                // SAFETY: sizes as documented; r stepped by 2.
                unsafe {
                    rows_and_cols(
                        threads,
                        m,
                        n,
                        a.as_ptr(),
                        lda,
                        (p.as_ptr(), 1),
                        (r.as_ptr(), 2),
                        (q.as_mut_ptr(), 1),
                        (s.as_mut_ptr(), 1),
                    )
                };
                for (got, want) in q.iter().zip(&want_q).chain(s.iter().zip(&want_s)) {
                    assert!(
                        (got - want).abs() <= 1e-9 * (1.0 + want.abs()),
                        "{m}x{n}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn infinities_times_zero_give_nan_as_ieee_arithmetic_does() {
        at_every_level(|_| infinities_times_zero());
    }

    fn infinities_times_zero() {
        let a = [f64::INFINITY, 1.0, 2.0, 3.0];
        let x = [0.0, 1.0];
        let mut y = [0.0; 2];
        // SAFETY: a 2x2 matrix, vectors of 2.
        unsafe { rows(1, 2, 2, a.as_ptr(), 2, x.as_ptr(), 1, y.as_mut_ptr(), 1) };
        assert!(y[0].is_nan() && y[1] == 3.0);
        // SAFETY: as above.
        unsafe { cols(1, 2, 2, a.as_ptr(), 2, x.as_ptr(), 1, y.as_mut_ptr(), 1) };
        assert!(y[0].is_nan() && y[1] == 3.0);
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    #[test]
    #[ignore = "a timing, not a test: cargo test --release -- --ignored gemv_timing --nocapture"]
    fn gemv_timing() {
        for &n in &[2000usize, 4000] {
            let a: Vec<f64> = (0..n * n).map(|k| (k % 13) as f64).collect();
            let x: Vec<f64> = (0..n).map(|k| k as f64).collect();
            let mut y = vec![0.0; n];
            let mut s = vec![0.0; n];
            for threads in [1, 2] {
                let time = |f: &mut dyn FnMut()| {
                    let mut v: Vec<f64> = (0..30)
                        .map(|_| {
                            let t = std::time::Instant::now();
                            f();
                            t.elapsed().as_secs_f64() * 1e3
                        })
                        .collect();
                    v.sort_by(f64::total_cmp);
                    v[15]
                };
                // SAFETY: n x n matrix, vectors of n.
                let r = time(&mut || unsafe {
                    rows(
                        threads,
                        n,
                        n,
                        a.as_ptr(),
                        n,
                        x.as_ptr(),
                        1,
                        y.as_mut_ptr(),
                        1,
                    )
                });
                // SAFETY: as above.
                let c = time(&mut || unsafe {
                    cols(
                        threads,
                        n,
                        n,
                        a.as_ptr(),
                        n,
                        x.as_ptr(),
                        1,
                        y.as_mut_ptr(),
                        1,
                    )
                });
                // SAFETY: as above.
                let p = time(&mut || unsafe {
                    rows_and_cols(
                        threads,
                        n,
                        n,
                        a.as_ptr(),
                        n,
                        (x.as_ptr(), 1),
                        (x.as_ptr(), 1),
                        (y.as_mut_ptr(), 1),
                        (s.as_mut_ptr(), 1),
                    )
                });
                let sum = time(&mut || {
                    std::hint::black_box(a.iter().sum::<f64>());
                });
                println!("n={n} threads={threads}: rows {r:.3} ms, cols {c:.3} ms, pair {p:.3} ms, 1-thread sum {sum:.3} ms");
            }
        }
    }
}
