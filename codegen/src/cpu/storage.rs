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
