//! Index maps: how a fused node's operands are addressed from the loop indices (views,
//! broadcasts, reshapes, row spaces).

use lazyfuse_ir::kernel::Affine;
use lazyfuse_ir::{NodeId, Op, Shape};

use super::Planner;

/// The map of an array iterated by its own `n` axes: index k is loop k.
pub(super) fn identity_map(n: usize) -> Vec<Affine> {
    (0..n).map(|k| Affine::index(k, n)).collect()
}

/// How a view maps its output index to its operand's, or `None` if it is not affine.
pub(super) fn view_map(
    op: &Op,
    out: &Shape,
    operand: &Shape,
    phi: &[Affine],
    n: usize,
) -> Option<Vec<Affine>> {
    match op {
        Op::Transpose(perm) => {
            let mut m = vec![Affine::constant(0, n); perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                m[p] = phi[i].clone();
            }
            Some(m)
        }
        Op::BroadcastTo(_) => Some(broadcast_map(out, operand, phi, n)),
        Op::Slice(axes) => Some(
            axes.iter()
                .zip(phi)
                .map(|(a, p)| p.scale_add(a.step, a.start as i64))
                .collect(),
        ),
        Op::Reshape(_) => reshape_map(operand, out, phi, n),
        _ => None,
    }
}

/// The map of an operand of shape `operand` broadcast (NumPy rules) to `out`.
pub(super) fn broadcast_map(out: &Shape, operand: &Shape, phi: &[Affine], n: usize) -> Vec<Affine> {
    let pad = out.ndim() - operand.ndim();
    (0..operand.ndim())
        .map(|d| {
            if operand[d] == 1 && out[d + pad] != 1 {
                Affine::constant(0, n)
            } else {
                phi[d + pad].clone()
            }
        })
        .collect()
}

/// A reshape as an index map when every source axis is a run of consecutive target
/// axes (splits, and extent-1 axes added or removed); merging axes is not affine.
pub(super) fn reshape_map(
    from: &Shape,
    to: &Shape,
    phi: &[Affine],
    n: usize,
) -> Option<Vec<Affine>> {
    if from.numel() == 0 {
        // No element is ever read.
        return Some(vec![Affine::constant(0, n); from.ndim()]);
    }
    let mut out = Vec::with_capacity(from.ndim());
    let mut t = 0;
    for &extent in from.iter() {
        if extent == 1 {
            out.push(Affine::constant(0, n));
            continue;
        }
        // Skip target extent-1 axes, then gather target axes until their product is `extent`.
        while t < to.ndim() && to[t] == 1 {
            t += 1;
        }
        let mut group = vec![];
        let mut product = 1;
        while product < extent && t < to.ndim() {
            if to[t] != 1 {
                product *= to[t];
                group.push(t);
            }
            t += 1;
        }
        if product != extent {
            return None;
        }
        let mut index = Affine::constant(0, n);
        let mut weight = 1i64;
        for &k in group.iter().rev() {
            index = index.add(&phi[k].scale_add(weight, 0));
            weight *= to[k] as i64;
        }
        out.push(index);
    }
    Some(out)
}

/// The map of a read at data-dependent positions (a gather's source): no affine map,
/// and equal to none a loop computes, so no kernel that writes the source reads it.
pub(super) fn anywhere(loops: usize) -> Vec<Affine> {
    vec![Affine::constant(i64::MIN, loops)]
}

impl Planner<'_> {
    /// The memory-resident nodes `root`'s value is computed from, each with the index
    /// maps at which it is read when `root` is evaluated at `phi`. `root_is_computed`:
    /// the kernel computes `root` itself (rather than reading it, if it is in memory).
    pub(super) fn leaf_reads(
        &self,
        root: NodeId,
        phi: Vec<Affine>,
        root_is_computed: bool,
        loops: usize,
    ) -> Vec<(NodeId, Vec<Affine>)> {
        let mut out = Vec::new();
        let mut seen: std::collections::HashSet<(NodeId, Vec<Affine>)> = Default::default();
        let mut stack = vec![(root, phi, root_is_computed)];
        while let Some((n, phi, is_root)) = stack.pop() {
            if !seen.insert((n, phi.clone())) {
                continue;
            }
            if !is_root && self.in_memory(n) {
                out.push((n, phi));
                continue;
            }
            for (child, map) in self.operand_maps(n, &phi, loops) {
                stack.push((child, map, false));
            }
        }
        out
    }

    /// The operands of a fused node with the maps they are read at.
    pub(super) fn operand_maps(
        &self,
        n: NodeId,
        phi: &[Affine],
        loops: usize,
    ) -> Vec<(NodeId, Vec<Affine>)> {
        let instr = self.program.instr(n);
        match &instr.op {
            op if op.is_view() => {
                let src = instr.args[0];
                let map = view_map(op, &instr.ty.shape, self.shape(src), phi, loops)
                    .expect("non-affine reshapes are aliases");
                vec![(src, map)]
            }
            Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Cast(_) => instr
                .args
                .iter()
                .map(|&a| (a, broadcast_map(&instr.ty.shape, self.shape(a), phi, loops)))
                .collect(),
            Op::Reduce { .. } => {
                // A reduction's operand is read over the full input space; callers give
                // the map of that space directly (see `emit_group`).
                vec![]
            }
            // The positions at the gather's own point; the source (in memory) anywhere.
            Op::Gather => vec![
                (instr.args[0], anywhere(loops)),
                (instr.args[1], phi.to_vec()),
            ],
            _ => vec![],
        }
    }

    /// Loop positions of a shape's axes in a row space: kept axes outer, reduced inner.
    fn row_loop_positions(shape: &Shape, axes: &[usize]) -> Vec<usize> {
        let kept: Vec<usize> = (0..shape.ndim()).filter(|k| !axes.contains(k)).collect();
        (0..shape.ndim())
            .map(|k| match axes.iter().position(|&a| a == k) {
                Some(j) => kept.len() + j,
                None => kept.iter().position(|&a| a == k).expect("kept"),
            })
            .collect()
    }

    /// The map of the full input space of a row group.
    pub(super) fn full_map(shape: &Shape, axes: &[usize]) -> Vec<Affine> {
        let n = shape.ndim();
        Self::row_loop_positions(shape, axes)
            .into_iter()
            .map(|p| Affine::index(p, n))
            .collect()
    }

    /// The map at which a reduction's result is read at the current outer point.
    pub(super) fn reduced_map(&self, reduction: NodeId, n_loops: usize) -> Vec<Affine> {
        let Op::Reduce { axes, keepdims, .. } = self.op(reduction) else {
            unreachable!()
        };
        let full = self.shape(self.program.instr(reduction).args[0]).clone();
        let mut out = vec![];
        let mut outer = 0;
        for k in 0..full.ndim() {
            if axes.contains(&k) {
                if *keepdims {
                    out.push(Affine::constant(0, n_loops));
                }
            } else {
                out.push(Affine::index(outer, n_loops));
                outer += 1;
            }
        }
        out
    }

    /// The map of an epilogue root (shape of a reduction's result) at the outer point.
    pub(super) fn epilogue_map(&self, root: NodeId, full: &Shape, axes: &[usize]) -> Vec<Affine> {
        let n_loops = full.ndim();
        let out = self.shape(root);
        if out.ndim() == full.ndim() {
            // keepdims: reduced axes are extent 1.
            let mut outer = 0;
            (0..full.ndim())
                .map(|k| {
                    if axes.contains(&k) {
                        Affine::constant(0, n_loops)
                    } else {
                        outer += 1;
                        Affine::index(outer - 1, n_loops)
                    }
                })
                .collect()
        } else {
            (0..out.ndim()).map(|k| Affine::index(k, n_loops)).collect()
        }
    }
}
