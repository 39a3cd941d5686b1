//! Launching a compiled loop kernel: its run-time parameters (bounds-checked against
//! every buffer), its pointers, and the split of its iteration space across threads
//! (rows, columns, or chunks of a whole-array reduction).

use lazyfuse_ir::kernel::{LoopKernel, Phase};

use super::team::run_shares;
use super::{gather, CompiledKernel, CpuExecutor, Memory, Pointers};
use crate::error::CodegenError;
use crate::llvm::kernel as emit;
use crate::runtime::folds::{chunkable_folds, combine_pairwise, scalar_from_bits, Folds, CHUNK};

/// Below this much work (elements) a thread costs more than it saves: waking a helper
/// and waiting for its share takes microseconds (`team.rs`).
const MIN_WORK_PER_THREAD: usize = 1 << 15;

/// The threads a launch of `work` elements uses, at most `threads_max`: one per
/// [`MIN_WORK_PER_THREAD`] (a frame relies on this rule to know a launch is one call).
fn threads_for(threads_max: usize, work: usize) -> usize {
    threads_max.min(work / MIN_WORK_PER_THREAD).max(1)
}

/// Shares per thread a launch's rows (or chunk groups) are cut into: threads take the
/// next share as they finish one, so a thread that the machine delays (a busy core, an
/// interrupt) holds up at most one share instead of half the launch.
const SHARES_PER_THREAD: usize = 16;

/// Fold chunks' elements (of the first inner axis times the rest) a companion's call
/// covers at least: calls on a few rows at a time would reread its partial results more
/// than the rows themselves.
const COMPANION_BATCH: usize = 2 * CHUNK;

/// Work that runs beside a whole-array fold's chunks, on the same rows of the fold's
/// first inner axis right after the fold read them, while they are in cache (a
/// matrix-vector product over the matrix the fold reads: `fold_matvec.rs`).
pub(super) trait Companion: Sync {
    /// The groups the rows fall in (a function of the shape; at most one thread runs
    /// a group, its rows in order).
    fn groups(&self) -> usize;
    /// Runs rows `i0..i1` of `group`.
    fn rows(&self, group: usize, i0: usize, i1: usize);
}

/// What one launch of a kernel reads: its run-time parameters and its pointers.
struct Bound<'a> {
    params: &'a [i64],
    pointers: Pointers,
}

impl CpuExecutor {
    /// Whole-array folds in chunks of the first inner axis: each chunk runs every fold
    /// of the kernel into its own partials (on any thread), then each fold's partials
    /// combine pairwise in a fixed order. More accurate than one running sum (error
    /// grows with the log of the chunk count), parallel, one pass over the data for all
    /// folds, and bitwise identical whatever the thread count. None (nothing run) when
    /// an output is not a one-element array of its own.
    #[allow(clippy::too_many_arguments)]
    fn launch_chunked(
        threads: usize,
        compiled: &CompiledKernel,
        kernel: &LoopKernel,
        order: &[usize],
        memory: &mut Memory,
        folds: &Folds,
        Bound {
            params,
            pointers: base,
        }: &Bound,
        companion: Option<&dyn Companion>,
    ) -> Result<Option<()>, CodegenError> {
        let Some(outputs) = chunked_outputs(kernel, order, memory) else {
            return Ok(None);
        };
        let entry = compiled.entry(params)?;
        let extent = kernel.inner[0];
        let rest = kernel.inner[1..].iter().product::<usize>().max(1);
        let per_chunk = (CHUNK / rest).max(1);
        let chunks = extent.div_ceil(per_chunk);
        // Consecutive chunks run in order as a group on one thread: each chunk alone,
        // or the companion's groups.
        let groups = companion.map_or(chunks, |c| c.groups().clamp(1, chunks));
        // One 16-byte slot per chunk and output holds its partial (every dtype fits,
        // complex128 included, aligned as an f64).
        let mut partials = vec![[0u64; 2]; chunks * outputs.len()];
        let slots = Pointers(
            partials
                .iter_mut()
                .map(|p| p.as_mut_ptr() as *mut u8)
                .collect(),
        );
        let work = extent.saturating_mul(kernel.inner[1..].iter().product::<usize>().max(1));
        let threads = threads_for(threads.min(groups), work);
        let (outputs_ref, slots) = (&outputs, &slots);
        let run = move |g0: usize, g1: usize| {
            let mut pointers = base.0.clone();
            for g in g0..g1 {
                let (c0, c1) = (chunks * g / groups, chunks * (g + 1) / groups);
                let mut batch = c0 * per_chunk;
                for c in c0..c1 {
                    for (k, &(_, slot, _)) in outputs_ref.iter().enumerate() {
                        pointers[slot] = slots.0[c * outputs_ref.len() + k];
                    }
                    let (i0, i1) = (c * per_chunk, ((c + 1) * per_chunk).min(extent));
                    // SAFETY: accesses were bounds-checked for the whole range (a chunk
                    // is a sub-range); each output is replaced by this chunk's own
                    // slot, and the stores' offsets are 0 (one-element results, checked).
                    unsafe {
                        entry(
                            pointers.as_ptr(),
                            params.as_ptr(),
                            0,
                            1,
                            i0 as i64,
                            i1 as i64,
                        )
                    }
                    if let Some(companion) = companion {
                        if c + 1 == c1 || (i1 - batch) * rest >= COMPANION_BATCH {
                            companion.rows(g, batch, i1);
                            batch = i1;
                        }
                    }
                }
            }
        };
        // The same chunks (and groups) on any number of threads: the result's bits do
        // not depend on it.
        if threads == 1 {
            run(0, groups);
        } else {
            let shares = groups.min(threads * SHARES_PER_THREAD);
            run_shares(threads, shares, &|p| {
                run(groups * p / shares, groups * (p + 1) / shares)
            });
        }
        for (k, &(out, _, dtype)) in outputs.iter().enumerate() {
            let scalars: Vec<lazyfuse_ir::Scalar> = (0..chunks)
                .map(|c| scalar_from_bits(partials[c * outputs.len() + k], dtype))
                .collect();
            let total = combine_pairwise(&scalars, folds.combiners[folds.stored[k]])?;
            let target = memory.values[memory.root[out]].as_mut().expect("temporary");
            lazyfuse_ir::with_value!(target, a => {
                let v = a.iter_mut().next().ok_or_else(|| CodegenError::Internal("empty reduction output".into()))?;
                *v = lazyfuse_ir::Element::from_scalar(total);
            });
        }
        Ok(Some(()))
    }

    /// Launches a loop kernel. Its run-time parameters are `cached` (computed, and
    /// checked against every buffer, by an earlier launch on buffers of the same shapes
    /// and strides), else computed and checked now and returned for the next launch.
    pub(super) fn launch(
        threads_max: usize,
        compiled: &CompiledKernel,
        kernel: &LoopKernel,
        order: &[usize],
        memory: &mut Memory,
        cached: Option<&[i64]>,
        companion: Option<&dyn Companion>,
    ) -> Result<Option<Vec<i64>>, CodegenError> {
        if kernel.outer.contains(&0) {
            // No outer point, nothing to store: work is proportional to elements, not to
            // the extents of an empty array's other axes ((2**40, 0) + 1 spun for hours).
            return Ok(None);
        }
        let gathers = compiled.gathers;
        if gathers {
            gather::contiguous_sources(kernel, memory)?;
        }
        let computed = match cached {
            Some(_) => None,
            None => Some(kernel_params(kernel, memory)?),
        };
        let params = cached.or(computed.as_deref()).expect("one of the two");
        let all = memory.pointers();
        let mut pointers = Pointers(order.iter().map(|&b| all.0[b]).collect());
        let status = gather::Status::default();
        if gathers {
            status.bind(kernel, order, memory, &mut pointers);
        }
        let bound = Bound { params, pointers };
        Self::launch_bound(
            threads_max,
            compiled,
            kernel,
            order,
            memory,
            bound,
            companion,
        )?;
        if gathers {
            status.check(kernel, memory)?;
        }
        Ok(computed)
    }

    /// Runs a kernel on its parameters and pointers, on up to `threads_max` threads.
    fn launch_bound(
        threads_max: usize,
        compiled: &CompiledKernel,
        kernel: &LoopKernel,
        order: &[usize],
        memory: &mut Memory,
        Bound { params, pointers }: Bound,
        companion: Option<&dyn Companion>,
    ) -> Result<(), CodegenError> {
        let bound = Bound { params, pointers };
        if let Some(folds) = chunkable_folds(kernel) {
            let run = Self::launch_chunked(
                threads_max,
                compiled,
                kernel,
                order,
                memory,
                &folds,
                &bound,
                companion,
            )?;
            if run.is_some() {
                return Ok(());
            }
        }
        let Bound { params, pointers } = bound;
        let entry = compiled.entry(params)?;
        let (rows, cols, work) = call_extent(kernel);
        let threads = threads_for(threads_max, work);
        let pointers = &pointers;
        let split_columns = emit::is_elementwise(kernel);
        let call = &move |r0: usize, r1: usize, c0: usize, c1: usize| {
            // SAFETY: the plan is verified and every access was bounds-checked against
            // its buffer by `kernel_params`; chunks write disjoint rows or columns.
            unsafe {
                entry(
                    pointers.0.as_ptr(),
                    params.as_ptr(),
                    r0 as i64,
                    r1 as i64,
                    c0 as i64,
                    c1 as i64,
                )
            }
        };
        if threads == 1 || rows == 0 {
            call(0, rows, 0, cols);
            return Ok(());
        }
        if rows >= threads || !split_columns {
            let shares = rows.min(threads * SHARES_PER_THREAD);
            run_shares(threads, shares, &|p| {
                call(rows * p / shares, rows * (p + 1) / shares, 0, cols)
            });
        } else {
            let shares = cols.min(threads * SHARES_PER_THREAD);
            run_shares(threads, shares, &|p| {
                call(0, rows, cols * p / shares, cols * (p + 1) / shares)
            });
        }
        Ok(())
    }
}

/// The rows and columns a kernel's launch splits among threads, and its work: an
/// elementwise kernel's outer rows and last axis; otherwise its outer points and first
/// inner axis (which runs whole), the work counting every inner element.
fn call_extent(kernel: &LoopKernel) -> (usize, usize, usize) {
    let (rows, cols, per_row) = if emit::is_elementwise(kernel) {
        let (&last, rest) = kernel
            .outer
            .split_last()
            .expect("elementwise kernels have an outer axis");
        (rest.iter().product::<usize>(), last, last)
    } else {
        (
            kernel.outer.iter().product::<usize>(),
            kernel.inner.first().copied().unwrap_or(1),
            kernel.inner.iter().product::<usize>().max(1),
        )
    };
    (rows, cols, rows.saturating_mul(per_row))
}

/// The rows and columns of the one call `(0, rows, 0, cols)` that a launch of `kernel`
/// on up to `threads_max` threads makes on the calling thread, or None where it splits
/// the work (threads, or a whole-array fold's chunks).
pub(super) fn single_call(threads_max: usize, kernel: &LoopKernel) -> Option<(usize, usize)> {
    if chunkable_folds(kernel).is_some() {
        return None;
    }
    let (rows, cols, work) = call_extent(kernel);
    let threads = threads_for(threads_max, work);
    (threads == 1 || rows == 0).then_some((rows, cols))
}

/// The run-time parameters of a loop kernel over the running plan's buffers
/// ([`crate::runtime::params::loop_params`]: every access checked against its buffer).
pub(super) fn kernel_params(
    kernel: &LoopKernel,
    memory: &Memory,
) -> Result<Vec<i64>, CodegenError> {
    crate::runtime::params::loop_params(kernel, &memory.shapes, &memory.strides)
}

/// The outputs of a whole-array fold run in chunks (`launch_chunked`): each stored
/// buffer, its slot in the kernel's pointers and its dtype; None when an output is not
/// a one-element array.
pub(super) fn chunked_outputs(
    kernel: &LoopKernel,
    order: &[usize],
    memory: &Memory,
) -> Option<Vec<(usize, usize, lazyfuse_ir::DType)>> {
    let Some(Phase::Outer { stores, .. }) = kernel.phases.last() else {
        return None;
    };
    let mut outputs = Vec::with_capacity(stores.len());
    for store in stores {
        let out = store.buffer.0 as usize;
        let slot = order.iter().position(|&b| b == out)?;
        let value = memory.values[memory.root[out]].as_ref()?;
        if value.shape().iter().product::<usize>() != 1 {
            return None;
        }
        outputs.push((out, slot, value.dtype()));
    }
    Some(outputs)
}
