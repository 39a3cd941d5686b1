//! Step 2: grouping materialised roots into kernels by iteration space.

use std::collections::{BTreeMap, BTreeSet};

use lazyfuse_ir::kernel::Affine;
use lazyfuse_ir::{NodeId, Op};

use super::index_map::*;
use super::{Planner, Space};

impl Planner<'_> {
    pub(super) fn space_of(&self, root: NodeId) -> Space {
        match self.op(root) {
            Op::Reduce { axes, .. } => Space::Rows(
                self.shape(self.program.instr(root).args[0]).clone(),
                axes.clone(),
            ),
            Op::MatMul => Space::MatMul,
            op if op.is_axis_routine() => Space::Scan,
            Op::Concat { .. } => Space::Concat,
            _ => Space::Elementwise(self.shape(root).clone()),
        }
    }

    /// Groups materialised roots into kernels, in a dependency-respecting order.
    pub(super) fn group(&self) -> Vec<Vec<NodeId>> {
        let roots: Vec<NodeId> = self
            .program
            .ids()
            .filter(|&id| self.materialized[id.index()])
            .collect();
        let mut group_of: BTreeMap<NodeId, usize> = BTreeMap::new();
        let mut groups: Vec<(Space, Vec<NodeId>)> = Vec::new();
        // Per group, the operations its kernel body evaluates (shared ones counted once
        // per root: an upper bound), kept within max_fused_ops as one region's are.
        let mut body_ops: Vec<usize> = Vec::new();
        // Per group, the arrays its kernel reads (bounded by max_kernel_reads).
        let mut group_reads: Vec<BTreeSet<NodeId>> = Vec::new();
        for &r in &roots {
            let space = self.space_of(r);
            let ops = self.body_ops(r);
            let reads: BTreeSet<NodeId> = self.root_reads(r).into_iter().collect();
            let target = if self.options.enabled {
                self.join_target(r, &space, &groups, &group_of)
                    .filter(|&g| {
                        body_ops[g] + ops <= self.options.max_fused_ops
                            && group_reads[g].union(&reads).count() <= self.options.max_kernel_reads
                    })
            } else {
                None
            };
            match target {
                Some(g) => {
                    groups[g].1.push(r);
                    group_of.insert(r, g);
                    body_ops[g] += ops;
                    group_reads[g].extend(reads);
                }
                None => {
                    group_of.insert(r, groups.len());
                    groups.push((space, vec![r]));
                    body_ops.push(ops);
                    group_reads.push(reads);
                }
            }
        }
        groups.into_iter().map(|(_, members)| members).collect()
    }

    /// The existing group `root` can join, if any.
    fn join_target(
        &self,
        root: NodeId,
        space: &Space,
        groups: &[(Space, Vec<NodeId>)],
        group_of: &BTreeMap<NodeId, usize>,
    ) -> Option<usize> {
        if matches!(space, Space::MatMul | Space::Concat | Space::Scan) {
            return None;
        }
        // The groups whose outputs this root reads.
        let reads = match space {
            // A reduction computes its operand's region unless the operand is in memory.
            Space::Rows(shape, axes) => self.leaf_reads(
                self.program.instr(root).args[0],
                Self::full_map(shape, axes),
                false,
                shape.ndim(),
            ),
            _ => {
                let n = self.shape(root).ndim();
                self.leaf_reads(root, identity_map(n), true, n)
            }
        };
        let read_groups: BTreeSet<usize> = reads
            .iter()
            .filter_map(|(n, _)| group_of.get(&self.through_reshapes(*n, group_of)).copied())
            .collect();
        // Candidates: the last group (joining earlier ones could reorder dependencies).
        let g = groups.len().checked_sub(1)?;
        let (gspace, members) = &groups[g];
        if members.len() >= self.options.max_kernel_outputs {
            return None;
        }
        let depends_on_g = read_groups.contains(&g);
        match (gspace, space) {
            // Independent roots over one space share a kernel.
            (a, b) if a == b && !depends_on_g => Some(g),
            (Space::Rows(shape, axes), _) if depends_on_g => {
                // Everything read from g must be one of its reductions, read back per row.
                let row_space = Space::Rows(shape.clone(), axes.clone());
                // The root iterates the row space, or is an epilogue over the results.
                let fits = match space {
                    Space::Rows(s, a) => s == shape && a == axes,
                    Space::Elementwise(s) if s == shape => true,
                    // Not onto a whole-array reduction: alone, it is a plain
                    // `Reduction` kernel the executor splits into chunks summed
                    // pairwise (parallel, and accurate: a float32 mean of 10M values
                    // accumulated in one pass was 0.3% off); the epilogue costs one
                    // more, 0-d, kernel.
                    Space::Elementwise(_) if axes.len() == shape.ndim() => false,
                    Space::Elementwise(s) => {
                        // An epilogue: the shape of the reductions' results.
                        members.iter().any(|m| {
                            matches!(self.op(*m), Op::Reduce { .. }) && self.shape(*m) == s
                        })
                    }
                    _ => false,
                };
                if !fits {
                    return None;
                }
                // Reads were computed in the root's own space; recompute them in the row space.
                let row_reads = match space {
                    Space::Elementwise(s) if s == shape => {
                        self.leaf_reads(root, Self::full_map(shape, axes), true, shape.ndim())
                    }
                    // An epilogue is evaluated at the outer point.
                    Space::Elementwise(_) => {
                        let outer = self.epilogue_map(root, shape, axes);
                        self.leaf_reads(root, outer, true, shape.ndim())
                    }
                    _ => reads,
                };
                self.reads_only_row_reductions(&row_reads, g, group_of, &row_space)
                    .then_some(g)
            }
            _ => None,
        }
    }

    /// Whether everything `reads` takes from group `g` is one of g's reductions over
    /// `row_space`, read back per row (at the current outer point).
    fn reads_only_row_reductions(
        &self,
        reads: &[(NodeId, Vec<Affine>)],
        g: usize,
        group_of: &BTreeMap<NodeId, usize>,
        row_space: &Space,
    ) -> bool {
        let Space::Rows(shape, _) = row_space else {
            return false;
        };
        reads
            .iter()
            .filter(|(n, _)| group_of.get(&self.through_reshapes(*n, group_of)) == Some(&g))
            .all(|(n, map)| {
                // (A reshape of a reduction reads other rows' results: not per row.)
                group_of.get(n) == Some(&g)
                    && matches!(self.op(*n), Op::Reduce { .. })
                    && self.space_of(*n) == *row_space
                    && *map == self.reduced_map(*n, shape.ndim())
            })
    }

    /// The grouped root whose buffer a read of `n` reads: `n`, or through reshapes
    /// (aliases of a root's buffer) the root they view. A read through an alias depends
    /// on the root's group as much as a direct read does: joining that group would load
    /// elements (transposed, or of other rows) the same loop has yet to store.
    fn through_reshapes(&self, mut n: NodeId, group_of: &BTreeMap<NodeId, usize>) -> NodeId {
        while !group_of.contains_key(&n) && matches!(self.op(n), Op::Reshape(_)) {
            n = self.program.instr(n).args[0];
        }
        n
    }
}
