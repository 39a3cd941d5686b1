//! A stable least-significant-digit radix sort on 64-bit keys (six passes of 11-bit
//! digits, a pass skipped where every key has the same digit there). A long sequence is sorted
//! by the kernel pool's threads together: each pass, every thread counts its own chunk's
//! digits, and scatters its chunk to the places those counts give it (chunks in order,
//! so a pass stays stable and the result does not depend on the thread count).

use rayon::prelude::*;

use super::pool;

/// Items per thread below which a pass runs on the calling thread.
const PARALLEL_ITEMS: usize = 1 << 16;
/// Bits of a digit: six passes cover 64 bits, and a chunk's 2048 counts stay in L1.
const BITS: usize = 11;
/// Values of a digit.
const RADIX: usize = 1 << BITS;
/// Passes over 64-bit keys.
const PASSES: usize = 64_usize.div_ceil(BITS);

/// A digit of a key.
fn digit_of(key: u64, pass: usize) -> usize {
    ((key >> (BITS * pass)) & (RADIX as u64 - 1)) as usize
}

/// Sorts `items` by `key`, stably.
pub(super) fn radix_sort<E: Copy + Send + Sync>(items: &mut [E], key: impl Fn(&E) -> u64 + Sync) {
    let len = items.len();
    let threads = pool()
        .current_num_threads()
        .min(len / PARALLEL_ITEMS)
        .max(1);
    let chunk = len.div_ceil(threads).max(1);
    // Every pass's digit counts over all items, to skip the passes that order nothing.
    let counts: Vec<Vec<[usize; RADIX]>> = if threads > 1 {
        pool().install(|| {
            items
                .par_chunks(chunk)
                .map(|c| digit_counts(c, &key))
                .collect()
        })
    } else {
        vec![digit_counts(items, &key)]
    };
    let mut scratch: Vec<E> = items.to_vec();
    let mut sorted_in_scratch = false;
    for round in 0..PASSES {
        if (0..RADIX).any(|d| counts.iter().map(|c| c[round][d]).sum::<usize>() == len) {
            continue; // one digit holds everything: this pass does not order them
        }
        let (from, to): (&[E], &mut [E]) = if sorted_in_scratch {
            (&scratch, items)
        } else {
            (items, &mut scratch)
        };
        pass(from, to, round, chunk, threads, &key);
        sorted_in_scratch = !sorted_in_scratch;
    }
    if sorted_in_scratch {
        items.copy_from_slice(&scratch);
    }
}

/// Each pass's digit counts of `items`' keys.
fn digit_counts<E>(items: &[E], key: &impl Fn(&E) -> u64) -> Vec<[usize; RADIX]> {
    let mut counts = vec![[0usize; RADIX]; PASSES];
    for item in items {
        let k = key(item);
        for (pass, count) in counts.iter_mut().enumerate() {
            count[digit_of(k, pass)] += 1;
        }
    }
    counts
}

/// One stable pass on digit `round`: `from` scattered into `to` by that digit, the chunks of
/// `chunk` items on their own threads.
fn pass<E: Copy + Send + Sync>(
    from: &[E],
    to: &mut [E],
    round: usize,
    chunk: usize,
    threads: usize,
    key: &(impl Fn(&E) -> u64 + Sync),
) {
    let digit = |item: &E| digit_of(key(item), round);
    let count = |c: &[E]| {
        let mut n = vec![0usize; RADIX];
        c.iter().for_each(|item| n[digit(item)] += 1);
        n
    };
    let chunk_counts: Vec<Vec<usize>> = if threads > 1 {
        pool().install(|| from.par_chunks(chunk).map(count).collect())
    } else {
        vec![count(from)]
    };
    // Chunk t's first place for digit d: every smaller digit's items, then digit d's
    // items of the chunks before t.
    let mut starts = vec![vec![0usize; RADIX]; chunk_counts.len()];
    let mut total = 0;
    for d in 0..RADIX {
        for (t, counts) in chunk_counts.iter().enumerate() {
            starts[t][d] = total;
            total += counts[d];
        }
    }
    let out = Shared(to.as_mut_ptr());
    let scatter = |(c, mut start): (&[E], Vec<usize>)| {
        for item in c {
            let d = digit(item);
            // SAFETY: the places `starts` gives each chunk and digit are disjoint and
            // inside `to` (their counts sum to its length), each written once.
            unsafe { *out.at(start[d]) = *item };
            start[d] += 1;
        }
    };
    if threads > 1 {
        pool().install(|| from.par_chunks(chunk).zip(starts).for_each(scatter));
    } else {
        from.chunks(chunk).zip(starts).for_each(scatter);
    }
}

/// The output of a pass, written by its chunks at disjoint places.
#[derive(Clone, Copy)]
struct Shared<E>(*mut E);
// SAFETY: chunks write disjoint elements (see `pass`).
unsafe impl<E> Send for Shared<E> {}
unsafe impl<E> Sync for Shared<E> {}

impl<E> Shared<E> {
    /// Element `i` (a method, so that closures capture the whole `Shared`).
    fn at(&self, i: usize) -> *mut E {
        self.0.wrapping_add(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_a_comparison_sort() {
        let mut state = 12345u64;
        for len in [0, 1, 7, 1000, PARALLEL_ITEMS * 3 + 17] {
            let items: Vec<(u64, usize)> = (0..len)
                .map(|i| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // Few distinct keys in the low bytes (ties), some in the high ones.
                    ((state >> 60) | ((state >> 58 & 1) << 40), i)
                })
                .collect();
            let mut got = items.clone();
            radix_sort(&mut got, |p| p.0);
            let mut want = items;
            want.sort_by_key(|p| p.0);
            assert_eq!(got, want, "length {len}");
        }
    }
}
