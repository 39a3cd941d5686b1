//! Which buffers of a plan share storage: aliases (reshapes) their root's, and
//! temporaries whose lifetimes do not overlap reuse each other's memory when dtype and
//! size match, so a chain of kernels does not hold every intermediate at once.

use lazyfuse_ir::kernel::{BufferKind, Kernel, KernelPlan};

/// For each buffer, the buffer whose storage it uses (itself when it owns storage).
///
/// A temporary's lifetime runs from the first to the last kernel touching it (or any
/// alias of it); storage freed after kernel k is offered to temporaries first touched
/// after k. Every temporary element is written before it is read (kernels store their
/// whole output space), so reused memory needs no clearing. Outputs never share.
pub fn storage_roots(plan: &KernelPlan) -> Vec<usize> {
    let n = plan.buffers.len();
    let mut root: Vec<usize> = (0..n).collect();
    for (i, b) in plan.buffers.iter().enumerate() {
        if let BufferKind::Alias(of) = b.kind {
            root[i] = root[of.0 as usize];
        }
    }
    let mut is_output = vec![false; n];
    for o in &plan.outputs {
        is_output[root[o.0 as usize]] = true;
    }
    let shareable = |r: usize| matches!(plan.buffers[r].kind, BufferKind::Temp) && !is_output[r];
    // First and last kernel touching each root.
    let mut first = vec![usize::MAX; n];
    let mut last = vec![0usize; n];
    for (k, kernel) in plan.kernels.iter().enumerate() {
        for b in touched(kernel) {
            let r = root[b];
            first[r] = first[r].min(k);
            last[r] = last[r].max(k);
        }
    }
    // Shareable roots by the kernel that first touches them and the last.
    let kernels = plan.kernels.len();
    let (mut starting, mut ending) = (vec![Vec::new(); kernels], vec![Vec::new(); kernels]);
    for r in (0..n).filter(|&r| root[r] == r && shareable(r) && first[r] != usize::MAX) {
        starting[first[r]].push(r);
        ending[last[r]].push(r);
    }
    let mut owner: Vec<usize> = (0..n).collect();
    // Freed storage: (owner buffer, dtype, element count).
    let mut free: Vec<(usize, lazyfuse_ir::DType, usize)> = Vec::new();
    for k in 0..kernels {
        for &r in &starting[k] {
            let ty = &plan.buffers[r].ty;
            let numel = ty.shape.numel();
            if let Some(pos) = free
                .iter()
                .position(|&(_, d, m)| d == ty.dtype && m == numel)
            {
                owner[r] = free.swap_remove(pos).0;
            }
        }
        // Released after kernel k's allocations: k may read one while writing the other.
        for &r in &ending[k] {
            let ty = &plan.buffers[r].ty;
            free.push((owner[r], ty.dtype, ty.shape.numel()));
        }
    }
    (0..n).map(|i| owner[root[i]]).collect()
}

/// Buffers a kernel reads or writes.
fn touched(kernel: &Kernel) -> Vec<usize> {
    match kernel {
        Kernel::MatMul(m) => vec![m.a.0 .0 as usize, m.b.0 .0 as usize, m.out.0 as usize],
        Kernel::Axis(c) => {
            let mut touched = vec![c.x.0 .0 as usize, c.out.0 as usize];
            touched.extend(c.y.as_ref().map(|((b, _), _)| b.0 as usize));
            touched
        }
        Kernel::Loop(l) => {
            let mut out = Vec::new();
            for phase in &l.phases {
                let (body, stores) = phase.body_and_stores();
                for instr in &body.instrs {
                    if let Some(b) = instr.op.buffer_read() {
                        out.push(b.0 as usize);
                    }
                }
                out.extend(stores.iter().map(|s| s.buffer.0 as usize));
            }
            out
        }
    }
}

/// For each buffer, whether its storage may start uninitialised (`alloc::Uninit`, no
/// clearing): a temporary root with elements, whose first kernel writes every element of
/// it before anything reads it. That kernel must be a loop kernel that reads no buffer
/// of this storage and stores into the root through a map that covers it (each axis of
/// size n moved by its own loop of extent n, forwards or backwards, every loop run). No
/// matrix product and no chunked whole-array reduction may touch the storage (they
/// handle their output storage themselves).
pub(crate) fn written_first(plan: &KernelPlan, roots: &[usize]) -> Vec<bool> {
    use super::folds::chunkable_folds;
    let n = plan.buffers.len();
    let mut ok = vec![false; n];
    let mut decided = vec![false; n];
    let mut excluded = vec![false; n];
    for kernel in &plan.kernels {
        match kernel {
            Kernel::MatMul(_) | Kernel::Axis(_) => {
                for b in touched(kernel) {
                    excluded[roots[b]] = true;
                }
            }
            Kernel::Loop(l) if chunkable_folds(l).is_some() => {
                for b in touched(kernel) {
                    excluded[roots[b]] = true;
                }
            }
            Kernel::Loop(l) => {
                for b in touched(kernel) {
                    let r = roots[b];
                    if decided[r] {
                        continue;
                    }
                    decided[r] = true;
                    ok[r] = first_phase_writes_whole(l, r, roots, plan.buffers[r].ty.shape.dims());
                }
            }
        }
    }
    (0..n)
        .map(|r| {
            ok[r]
                && !excluded[r]
                && roots[r] == r
                && matches!(plan.buffers[r].kind, BufferKind::Temp)
        })
        .collect()
}

/// Whether, in loop kernel `l` (the first to touch storage root `r`), a phase stores
/// into `r` through a covering map before any phase reads that storage, and later
/// phases read it only through that same map: each element read at a loop point was
/// written at that point, earlier (phases run in order at each outer point).
fn first_phase_writes_whole(
    l: &lazyfuse_ir::kernel::LoopKernel,
    r: usize,
    roots: &[usize],
    dims: &[usize],
) -> bool {
    if dims.contains(&0) {
        return false;
    }
    let reads = |phase: &lazyfuse_ir::kernel::Phase| -> Vec<Option<lazyfuse_ir::kernel::IndexMap>> {
        phase
            .body_and_stores()
            .0
            .instrs
            .iter()
            .filter_map(|i| match &i.op {
                lazyfuse_ir::kernel::ScalarOp::Load(b, m) if roots[b.0 as usize] == r => {
                    Some((b.0 as usize == r).then(|| m.clone()))
                }
                op => op
                    .buffer_read()
                    .filter(|b| roots[b.0 as usize] == r)
                    .map(|_| None),
            })
            .collect()
    };
    for (p, phase) in l.phases.iter().enumerate() {
        if !reads(phase).is_empty() {
            return false; // read before (or where) it is written
        }
        let covering = phase
            .body_and_stores()
            .1
            .iter()
            .find(|s| s.buffer.0 as usize == r && store_covers(l, phase, &s.index, dims));
        if let Some(store) = covering {
            return l.phases[p + 1..].iter().all(|later| {
                reads(later)
                    .iter()
                    .all(|m| m.as_ref() == Some(&store.index))
            });
        }
    }
    false
}

/// Whether `index`, stored at every point `phase` runs, writes every element of a
/// buffer of shape `dims`.
fn store_covers(
    kernel: &lazyfuse_ir::kernel::LoopKernel,
    phase: &lazyfuse_ir::kernel::Phase,
    index: &lazyfuse_ir::kernel::IndexMap,
    dims: &[usize],
) -> bool {
    let extents: Vec<usize> = kernel.outer.iter().chain(&kernel.inner).copied().collect();
    if index.0.len() != dims.len() || extents.contains(&0) {
        return false;
    }
    let outer = kernel.outer.len();
    let runs = |l: usize| l < outer || !matches!(phase, lazyfuse_ir::kernel::Phase::Outer { .. });
    let mut used = vec![false; extents.len()];
    for (a, &d) in index.0.iter().zip(dims) {
        if a.coefs.len() != extents.len() {
            return false;
        }
        let moving: Vec<usize> = (0..extents.len())
            .filter(|&l| a.coefs[l] != 0 && extents[l] > 1)
            .collect();
        if d == 1 {
            if !moving.is_empty() || a.offset != 0 {
                return false;
            }
            continue;
        }
        let [l] = moving[..] else { return false };
        let forwards = a.coefs[l] == 1 && a.offset == 0;
        let backwards = a.coefs[l] == -1 && a.offset == d as i64 - 1;
        if used[l] || !runs(l) || extents[l] != d || !(forwards || backwards) {
            return false;
        }
        used[l] = true;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use lazyfuse_ir::Program;
    use lazyfuse_optimizer::{plan, FusionOptions};

    fn eligible_outputs(text: &str) -> Vec<bool> {
        let program: Program = text.parse().unwrap();
        let p = plan(&program, &FusionOptions::default()).unwrap();
        let roots = storage_roots(&p);
        let first = written_first(&p, &roots);
        p.outputs
            .iter()
            .map(|o| first[roots[o.0 as usize]])
            .collect()
    }

    #[test]
    fn outputs_written_whole_first_start_uninitialised_others_cleared() {
        let softmax = "program(x: f64[37,19]) {
  m: f64[37,1]  = reduce_max[axes=(1), keepdims] x
  d: f64[37,19] = sub x m
  e: f64[37,19] = exp d
  s: f64[37,1]  = reduce_sum[axes=(1), keepdims] e
  y: f64[37,19] = div e s
  return y
}";
        assert_eq!(eligible_outputs(softmax), [true]);
        let transposed = "program(a: f64[5,7]) {
  b: f64[5,7] = exp a
  c: f64[7,5] = transpose[perm=(1,0)] b
  return c
}";
        assert_eq!(eligible_outputs(transposed), [true]);
        let matmul = "program(a: f64[6,6]) {
  b: f64[6,6] = matmul a a
  return b
}";
        assert_eq!(eligible_outputs(matmul), [false]);
        let total = "program(a: f64[100000]) {
  b: f64[] = reduce_sum[axes=(0)] a
  return b
}";
        assert_eq!(
            eligible_outputs(total),
            [false],
            "a chunked whole-array sum"
        );
        let empty = "program(a: f64[0,3]) {
  b: f64[0,3] = exp a
  return b
}";
        assert_eq!(eligible_outputs(empty), [false]);
    }
}
