//! A matrix-vector product computed a range of rows at a time, so that other work on
//! the same rows (a whole-array fold over the matrix, `fold_matvec.rs`) can run beside
//! it while those rows are in cache: one pass over the matrix for both.
//!
//! Rows are taken in groups fixed by the shape (as [`super::rows_and_cols`]'s chunks):
//! `A x` writes each row's element of `y` directly; `Aᵀ x` adds each group's rows into
//! the group's own partial `y`, and [`RowRanges::finish`] sums the partials in group
//! order, so the result does not depend on the thread count.

use super::{contiguous, simd, Element, Shared, Simd, PAIR_CHUNKS, PAIR_CHUNK_ROWS, STRIP};

/// One matrix-vector product over an `m × n` matrix with contiguous rows, run by row
/// ranges ([`RowRanges::rows`]) and completed by [`RowRanges::finish`].
pub(in crate::cpu) struct RowRanges<T: Element> {
    n: usize,
    a: Shared<T>,
    lda: usize,
    /// The vector, contiguous (`m` elements when transposed, else `n`).
    x: Vec<T>,
    y: Shared<T>,
    incy: usize,
    transposed: bool,
    groups: usize,
    /// `groups × n` partial sums of `Aᵀ x` (empty for `A x`), written through `parts`.
    partials: Vec<T>,
    parts: Shared<T>,
    simd: Simd,
}

impl<T: Element> RowRanges<T> {
    /// `y = A x` (`transposed` false: `x` has `n` elements, `y` `m`) or `y = Aᵀ x`
    /// (`x` has `m`, `y` `n`).
    ///
    /// # Safety
    /// `a` holds `m` rows of `n` elements `lda ≥ n` apart; `x` holds its elements
    /// `incx` apart; `y` holds its elements `incy` apart, written by this product alone
    /// and overlapping nothing read, until [`RowRanges::finish`].
    #[allow(clippy::too_many_arguments)]
    pub(in crate::cpu) unsafe fn new(
        transposed: bool,
        m: usize,
        n: usize,
        a: *const T,
        lda: usize,
        (x, incx): (*const T, usize),
        (y, incy): (*mut T, usize),
    ) -> RowRanges<T> {
        let len = if transposed { m } else { n };
        let mut copy = Vec::new();
        // SAFETY: the caller's guarantee on x.
        let x = unsafe { contiguous(x, len, incx, &mut copy) }.to_vec();
        let groups = m.div_ceil(PAIR_CHUNK_ROWS).clamp(1, PAIR_CHUNKS);
        let mut partials = if transposed {
            vec![T::ZERO; groups * n]
        } else {
            Vec::new()
        };
        let parts = Shared(partials.as_mut_ptr());
        RowRanges {
            n,
            a: Shared(a as *mut T),
            lda,
            x,
            y: Shared(y),
            incy,
            transposed,
            groups,
            partials,
            parts,
            simd: simd(),
        }
    }

    /// How many groups the rows fall in (a function of the shape).
    pub(in crate::cpu) fn groups(&self) -> usize {
        self.groups
    }

    /// Rows `i0..i1` of group `group`. Calls for one group come from one thread, rows
    /// in order; different groups may run at once on different threads.
    ///
    /// # Safety
    /// `i0 <= i1 <= m`; no other call runs on the same group (nor, for `A x`, on
    /// overlapping rows) at the same time; `group < groups()`.
    pub(in crate::cpu) unsafe fn rows(&self, group: usize, i0: usize, i1: usize) {
        let (n, lda) = (self.n, self.lda);
        // SAFETY (both branches): rows i0..i1 are inside the matrix (the caller's and
        // `new`'s guarantees); the elements written are this call's alone.
        unsafe {
            let a = self.a.get();
            if !self.transposed {
                let y = self.y.get();
                match self.simd {
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx512 => {
                        super::vector::rows_avx512(i0, i1, n, a, lda, &self.x, y, self.incy)
                    }
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx2 => {
                        super::vector::rows_avx2(i0, i1, n, a, lda, &self.x, y, self.incy)
                    }
                    _ => super::scalar::rows(i0, i1, n, a, lda, &self.x, y, self.incy),
                }
                return;
            }
            let part = std::slice::from_raw_parts_mut(self.parts.get().add(group * n), n);
            let (rows, x) = (i1 - i0, &self.x[i0..i1]);
            let mut s = 0;
            while s < n {
                let w = STRIP.min(n - s);
                let strip = &mut part[s..s + w];
                let a = a.add(i0 * lda + s);
                match self.simd {
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx512 => super::vector::cols_avx512(rows, a, lda, x, strip),
                    #[cfg(target_arch = "x86_64")]
                    Simd::Avx2 => super::vector::cols_avx2(rows, a, lda, x, strip),
                    _ => super::scalar::cols(rows, a, lda, x, strip),
                }
                s += w;
            }
        }
    }

    /// Completes the product: for `Aᵀ x`, sums the groups' partials into `y` in group
    /// order. Every row must have been run once.
    pub(in crate::cpu) fn finish(self) {
        if !self.transposed {
            return;
        }
        let n = self.n;
        for j in 0..n {
            let mut v = self.partials[j];
            for g in 1..self.groups {
                v = T::add(v, self.partials[g * n + j]);
            }
            // SAFETY: element j < n of y is this product's (`new`'s guarantee).
            unsafe { *self.y.get().add(j * self.incy) = v };
        }
    }
}
