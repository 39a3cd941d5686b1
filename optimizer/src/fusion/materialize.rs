//! Step 1: what lives in memory (outputs, reductions, matmul operands, shared
//! intermediates too costly to recompute) and which reductions stay in registers.

use std::collections::{BTreeMap, BTreeSet};

use lazyfuse_ir::kernel::Affine;
use lazyfuse_ir::{NodeId, Op};

use crate::cost::{binary_weight, unary_weight};

use super::index_map::*;
use super::Planner;

fn is_elementwise(op: &Op) -> bool {
    matches!(
        op,
        Op::Unary(_)
            | Op::Binary(_)
            | Op::Where
            | Op::Cast(_)
            | Op::Const(_)
            | Op::Arange { .. }
            | Op::Gather
    )
}

/// Per-element cost of evaluating one op (0 for views).
fn element_cost(op: &Op) -> f64 {
    match op {
        Op::Unary(u) => unary_weight(*u),
        Op::Binary(b) => binary_weight(*b),
        Op::Where | Op::Cast(_) | Op::Arange { .. } => 1.0,
        // A data-dependent read: a cache miss when positions scatter.
        Op::Gather => 4.0,
        _ => 0.0,
    }
}

impl Planner<'_> {
    /// What a root's kernel reads from memory.
    pub(super) fn root_reads(&self, root: NodeId) -> Vec<NodeId> {
        let instr = self.program.instr(root);
        match &instr.op {
            Op::Reduce { axes, .. } => {
                let full = self.shape(instr.args[0]).clone();
                self.leaf_reads(
                    instr.args[0],
                    Self::full_map(&full, axes),
                    false,
                    full.ndim(),
                )
                .into_iter()
                .map(|(n, _)| n)
                .collect()
            }
            op if op == &Op::MatMul || op.is_axis_routine() => {
                instr.args.iter().map(|&a| self.view_base(a)).collect()
            }
            Op::Concat { .. } => instr
                .args
                .iter()
                .flat_map(|&a| {
                    let n = self.shape(a).ndim();
                    self.leaf_reads(a, identity_map(n), false, n)
                })
                .map(|(n, _)| n)
                .collect(),
            _ => {
                let n = self.shape(root).ndim();
                self.leaf_reads(root, identity_map(n), true, n)
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect()
            }
        }
    }

    /// Reductions that are not outputs and are read only by their own kernel.
    pub(super) fn find_register_only(&self, groups: &[Vec<NodeId>]) -> BTreeSet<NodeId> {
        let mut readers: BTreeMap<NodeId, BTreeSet<usize>> = BTreeMap::new();
        for (g, members) in groups.iter().enumerate() {
            for &m in members {
                for leaf in self.root_reads(m) {
                    readers.entry(leaf).or_default().insert(g);
                }
            }
        }
        for &src in self.alias_of.values() {
            // An alias reads its source outside any kernel.
            readers.entry(src).or_default().insert(usize::MAX);
        }
        let mut out = BTreeSet::new();
        for (g, members) in groups.iter().enumerate() {
            for &m in members {
                let internal = readers.get(&m).is_none_or(|r| r.iter().all(|&x| x == g));
                if matches!(self.op(m), Op::Reduce { .. }) && !self.is_output[m.index()] && internal
                {
                    out.insert(m);
                }
            }
        }
        out
    }

    pub(super) fn choose_materialized(&mut self) {
        let p = self.program;
        for id in p.ids() {
            let op = self.op(id).clone();
            let i = id.index();
            if self.is_input(id) {
                continue;
            }
            if self.is_output[i]
                || matches!(op, Op::Reduce { .. } | Op::MatMul | Op::Concat { .. })
                || op.is_axis_routine()
            {
                self.materialized[i] = true;
            }
            // Without fusion every op is a kernel; constants are inlined all the same.
            if !self.options.enabled && !op.is_view() && !matches!(op, Op::Const(_)) {
                self.materialized[i] = true;
            }
            if let Op::Reshape(_) = op {
                let src = p.instr(id).args[0];
                let n = self.shape(id).ndim();
                let phi: Vec<Affine> = identity_map(n);
                if reshape_map(self.shape(src), self.shape(id), &phi, n).is_none() {
                    // The reshape is the operand's contiguous buffer seen with a new shape.
                    self.materialized[i] = false;
                    self.alias_of.insert(id, src);
                    if self.is_input(src) {
                        self.copied_inputs.insert(src);
                    } else if !self.in_memory(src) {
                        self.materialized[src.index()] = true;
                    }
                }
            }
            // Library routines read their operands in memory (through views).
            if op == Op::MatMul || op.is_axis_routine() {
                for &operand in &p.instr(id).args {
                    let base = self.view_base(operand);
                    if !self.in_memory(base) {
                        self.materialized[base.index()] = true;
                    }
                }
            }
            // A gather reads its source at flat positions of the source's own buffer
            // (a view of a buffer is copied into one first).
            if let Op::Gather = op {
                let source = p.instr(id).args[0];
                if !self.in_memory(source) {
                    self.materialized[source.index()] = true;
                }
            }
        }
        // Bound every kernel body: a region growing past the caps (operations, arrays
        // read) ends in memory. Shared operands count once per use, an upper bound.
        let mut size = vec![0usize; p.len()];
        let mut reads = vec![0usize; p.len()];
        for id in p.ids() {
            if self.in_memory(id) {
                continue;
            }
            let own = usize::from(!self.op(id).is_view());
            let (mut inner, mut streams) = (0usize, 0usize);
            for a in &p.instr(id).args {
                if self.in_memory(*a) {
                    streams = streams.saturating_add(1);
                } else {
                    inner = inner.saturating_add(size[a.index()]);
                    streams = streams.saturating_add(reads[a.index()]);
                }
            }
            size[id.index()] = own.saturating_add(inner);
            reads[id.index()] = streams;
            let too_big = size[id.index()] > self.options.max_fused_ops
                || reads[id.index()] > self.options.max_kernel_reads;
            if too_big && !self.op(id).is_view() {
                self.materialized[id.index()] = true;
            }
        }
        // Shared intermediates: recompute when cheap, store when expensive. Users come
        // later in the order, so deciding from the last node back sees final regions.
        for id in p.ids().collect::<Vec<_>>().into_iter().rev() {
            let i = id.index();
            if self.in_memory(id) || self.users[i].len() < 2 || !is_elementwise(self.op(id)) {
                continue;
            }
            if self.region_cost(id) > self.options.recompute_limit {
                self.materialized[i] = true;
            }
        }
    }

    /// Follows views down to the node they view.
    pub(super) fn view_base(&self, mut id: NodeId) -> NodeId {
        while self.op(id).is_view() && !self.in_memory(id) {
            id = self.program.instr(id).args[0];
        }
        id
    }

    /// Per-element cost of recomputing `id` from memory-resident values.
    pub(super) fn region_cost(&self, id: NodeId) -> f64 {
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        let mut total = 0.0;
        while let Some(n) = stack.pop() {
            if !seen.insert(n) || (n != id && self.in_memory(n)) {
                continue;
            }
            total += element_cost(self.op(n));
            if total > self.options.recompute_limit {
                break; // enough to decide
            }
            stack.extend(self.program.instr(n).args.iter().copied());
        }
        total
    }

    /// `roots` and every value a kernel computing them evaluates itself (fused
    /// elementwise ops and views, not values read from memory), in program order.
    pub(super) fn computed_region(&self, roots: &[NodeId]) -> Vec<NodeId> {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack: Vec<NodeId> = roots
            .iter()
            .copied()
            .filter(|r| !self.is_input(*r))
            .collect();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            for &a in &self.program.instr(n).args {
                if !self.in_memory(a) {
                    stack.push(a);
                }
            }
        }
        seen.into_iter().collect()
    }

    /// How many operations (views aside) a kernel evaluates for `root`: its share of a
    /// kernel body's size.
    pub(super) fn body_ops(&self, root: NodeId) -> usize {
        self.computed_region(&[root])
            .into_iter()
            .filter(|&n| !self.op(n).is_view())
            .count()
    }
}
