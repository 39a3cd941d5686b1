//! Keys of compiled kernels, the same for every target: kernels that differ only in
//! sizes, index-map numbers or which plan buffers they touch share compiled code.

use lazyfuse_ir::kernel::{Affine, IndexMap, LoopKernel, ScalarOp};
use lazyfuse_ir::DType;

/// A key that equal kernel structures share, whatever their sizes and index-map
/// numbers (those are run-time parameters).
pub(crate) fn structure_key(kernel: &LoopKernel, buffer_dtypes: &[DType]) -> String {
    let mut k = kernel.clone();
    // Numbers are run-time parameters; which loops an access moves with is compiled in.
    let blank = |a: &mut Affine| {
        a.offset = 0;
        a.coefs.iter_mut().for_each(|c| *c = (*c != 0) as i64);
    };
    let blank_map = |m: &mut IndexMap| m.0.iter_mut().for_each(blank);
    k.outer.iter_mut().for_each(|d| *d = 0);
    k.inner.iter_mut().for_each(|d| *d = 0);
    let mut used = std::collections::BTreeSet::new();
    for phase in &mut k.phases {
        let (body, stores) = phase.body_and_stores_mut();
        for instr in &mut body.instrs {
            match &mut instr.op {
                ScalarOp::Load(b, m) => {
                    used.insert(b.0);
                    blank_map(m)
                }
                ScalarOp::Ramp { index, .. } => blank(index),
                ScalarOp::Gather { buffer, .. } => {
                    used.insert(buffer.0);
                }
                _ => {}
            }
        }
        for st in stores.iter_mut() {
            used.insert(st.buffer.0);
            blank_map(&mut st.index);
        }
    }
    let dtypes: Vec<String> = used
        .iter()
        .map(|&b| format!("{b}:{}", buffer_dtypes[b as usize]))
        .collect();
    // How the outer points run depends on the inner space's size (tiny or not).
    let blocking = crate::llvm::kernel::blocking(kernel);
    format!("{k:?}|{}|{blocking:?}", dtypes.join(","))
}

/// The kernel with its buffers renumbered 0, 1, ... in order of first use, and the
/// plan buffer of each new number: kernels that differ only in which buffers they
/// touch share compiled code.
pub(crate) fn canonical_buffers(kernel: &LoopKernel) -> (LoopKernel, Vec<usize>) {
    let mut k = kernel.clone();
    let mut order: Vec<usize> = Vec::new();
    let mut renumber = |b: &mut lazyfuse_ir::kernel::BufferId| {
        let original = b.0 as usize;
        let index = order
            .iter()
            .position(|&o| o == original)
            .unwrap_or_else(|| {
                order.push(original);
                order.len() - 1
            });
        b.0 = index as u32;
    };
    k.for_each_buffer_mut(&mut renumber);
    (k, order)
}
