//! A whole-array fold and a matrix-vector product over the matrix it reads, in one pass
//! over the matrix: the expanded square's `sum(X * X)` and `u @ X`, say. The fold runs
//! in its chunks of rows (`launch.rs`), and the product runs on each few chunks' rows
//! right after the fold read them, while they are in cache (`gemv::RowRanges`). Each
//! result is what it would be run alone with the same chunks and row groups (both are
//! functions of the shape), so no result depends on the thread count.

use lazyfuse_ir::kernel::{Kernel, LoopKernel, MatMulKernel, Phase};

use super::gemm::{matvec_by_rows, AnyRowRanges};
use super::launch::{chunked_outputs, Companion};
use super::{CompiledKernel, CpuExecutor, Memory};
use crate::error::CodegenError;
use crate::runtime::folds::chunkable_folds;

/// A matrix-vector product run beside a fold, counting the rows it was given.
struct Beside {
    product: AnyRowRanges,
    rows: usize,
    done: std::sync::atomic::AtomicUsize,
}

impl Companion for Beside {
    fn groups(&self) -> usize {
        match &self.product {
            AnyRowRanges::F32(p) => p.groups(),
            AnyRowRanges::F64(p) => p.groups(),
        }
    }

    fn rows(&self, group: usize, i0: usize, i1: usize) {
        assert!(
            i0 <= i1 && i1 <= self.rows,
            "rows {i0}..{i1} of {}",
            self.rows
        );
        // SAFETY: the fold's launch runs each group on one thread, its rows in order,
        // and every group's rows once (`launch_chunked`); the rows are inside the
        // matrix (checked above).
        unsafe {
            match &self.product {
                AnyRowRanges::F32(p) => p.rows(group, i0, i1),
                AnyRowRanges::F64(p) => p.rows(group, i0, i1),
            }
        }
        self.done
            .fetch_add(i1 - i0, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Runs `fold` (a prepared loop kernel) and `product` (the next kernel) in one pass
/// when `fold` is a whole-array fold over the first axis of the product's matrix, and
/// neither reads or writes what the other writes: `Some` with the fold's launch result
/// (its computed parameters), else None (nothing run).
#[allow(clippy::too_many_arguments)]
pub(super) fn run(
    threads: usize,
    compiled: &CompiledKernel,
    fold: &LoopKernel,
    order: &[usize],
    product: &Kernel,
    memory: &mut Memory,
    cached: Option<&[i64]>,
) -> Option<Result<Option<Vec<i64>>, CodegenError>> {
    let Kernel::MatMul(m) = product else {
        return None;
    };
    if compiled.gathers || chunkable_folds(fold).is_none() {
        return None;
    }
    chunked_outputs(fold, order, memory)?;
    if !independent(fold, order, m, memory) {
        return None;
    }
    let (product, rows, matrix) = match matvec_by_rows(m, memory) {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    let reads_matrix = order.iter().any(|&b| memory.root[b] == matrix);
    if fold.inner.first() != Some(&rows) || !reads_matrix {
        return None;
    }
    let beside = Beside {
        product,
        rows,
        done: Default::default(),
    };
    Some(launch_both(
        threads, compiled, fold, order, m, memory, cached, beside,
    ))
}

#[allow(clippy::too_many_arguments)]
fn launch_both(
    threads: usize,
    compiled: &CompiledKernel,
    fold: &LoopKernel,
    order: &[usize],
    m: &MatMulKernel,
    memory: &mut Memory,
    cached: Option<&[i64]>,
    beside: Beside,
) -> Result<Option<Vec<i64>>, CodegenError> {
    let params = CpuExecutor::launch(
        threads,
        compiled,
        fold,
        order,
        memory,
        cached,
        Some(&beside),
    )?;
    let done = beside.done.load(std::sync::atomic::Ordering::Relaxed);
    if done == 0 {
        // The fold did not run in chunks after all: the product alone.
        super::library::matmul(m, memory, threads)?;
    } else if done != beside.rows {
        return Err(CodegenError::Internal(format!(
            "a matrix-vector product beside a fold ran {done} of {} rows",
            beside.rows
        )));
    } else {
        match beside.product {
            AnyRowRanges::F32(p) => p.finish(),
            AnyRowRanges::F64(p) => p.finish(),
        }
    }
    Ok(params)
}

/// Whether the fold and the product may run interleaved: the product's output is
/// neither read nor written by the fold, and the fold's outputs are not the product's
/// operands.
fn independent(fold: &LoopKernel, order: &[usize], m: &MatMulKernel, memory: &Memory) -> bool {
    let root = |b: usize| memory.root[b];
    let product_out = root(m.out.0 as usize);
    if order.iter().any(|&b| root(b) == product_out) {
        return false;
    }
    let operands = [root(m.a.0 .0 as usize), root(m.b.0 .0 as usize)];
    fold.phases.iter().all(|phase| {
        let stores = match phase {
            Phase::Reduce { stores, .. }
            | Phase::Map { stores, .. }
            | Phase::Outer { stores, .. } => stores,
        };
        stores
            .iter()
            .all(|s| !operands.contains(&root(s.buffer.0 as usize)))
    })
}
