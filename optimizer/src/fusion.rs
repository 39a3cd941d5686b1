//! The fusion planner: an (optimised) Program → a [`KernelPlan`].
//!
//! 1. **Materialise** what must live in memory: outputs, reductions, matrix products
//!    and their operands, concatenations, operands of reshapes that are not index
//!    maps, and intermediates used several times whose recomputation costs more than
//!    a round trip through memory. Everything else is recomputed where it is used.
//! 2. **Group** materialised roots into kernels: a reduction joins the elementwise
//!    roots that read it back along the rows it reduced (row-wise: softmax is one
//!    kernel) and the elementwise roots of its own shape that read it (epilogues);
//!    roots with the same iteration space and no dependency share one kernel
//!    (multi-output).
//! 3. **Emit** each group as a loop kernel: views become index maps, elementwise ops a
//!    scalar body, reductions phases.
//!
//! Every walk over the program is iterative, so deep chains do not overflow the stack.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lazyfuse_ir::kernel::{
    Affine, Body, Buffer, BufferId, BufferKind, IndexMap, Kernel, KernelPlan, LoopKernel,
    MatMulKernel, Phase, ScalarInstr, ScalarOp, Store,
};
use lazyfuse_ir::{BinaryOp, IrError, NodeId, Op, Program, ReduceOp, Scalar, Shape};

use crate::cost::{binary_weight, unary_weight};

/// Fusion options.
#[derive(Clone, Debug, PartialEq)]
pub struct FusionOptions {
    /// Fuse at all (`false`: one kernel per operation; views still become index maps).
    pub enabled: bool,
    /// A shared intermediate whose per-element cost (in the cost model's units) is
    /// above this is materialised rather than recomputed by each user.
    pub recompute_limit: f64,
    /// At most about this many operations are fused into one kernel body; a longer
    /// chain is cut (bounds compile time: LLVM is superlinear in function size).
    pub max_fused_ops: usize,
}

impl Default for FusionOptions {
    fn default() -> FusionOptions {
        // Writing and re-reading an element costs about as much as a dozen simple ops
        // on a memory-bound machine; transcendental chains beyond that are stored.
        FusionOptions {
            enabled: true,
            recompute_limit: 24.0,
            max_fused_ops: 256,
        }
    }
}

/// Plans `program` into kernels.
pub fn plan(program: &Program, options: &FusionOptions) -> Result<KernelPlan, IrError> {
    program.verify()?;
    let plan = Planner::new(program, options).run()?;
    plan.verify().map_err(|e| IrError::InvalidArgument {
        op: "plan",
        message: format!("internal error: invalid plan ({e}) for\n{program}\n{plan}"),
    })?;
    Ok(plan)
}

/// The map of an array iterated by its own `n` axes: index k is loop k.
fn identity_map(n: usize) -> Vec<Affine> {
    (0..n).map(|k| Affine::index(k, n)).collect()
}

/// How a view maps its output index to its operand's, or `None` if it is not affine.
fn view_map(
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
fn broadcast_map(out: &Shape, operand: &Shape, phi: &[Affine], n: usize) -> Vec<Affine> {
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
fn reshape_map(from: &Shape, to: &Shape, phi: &[Affine], n: usize) -> Option<Vec<Affine>> {
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

fn is_elementwise(op: &Op) -> bool {
    matches!(
        op,
        Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Cast(_) | Op::Const(_) | Op::Arange { .. }
    )
}

/// Per-element cost of evaluating one op (0 for views).
fn element_cost(op: &Op) -> f64 {
    match op {
        Op::Unary(u) => unary_weight(*u),
        Op::Binary(b) => binary_weight(*b),
        Op::Where | Op::Cast(_) | Op::Arange { .. } => 1.0,
        _ => 0.0,
    }
}

/// What a group of roots computes: its iteration space.
#[derive(Clone, Debug, PartialEq)]
enum Space {
    /// Elementwise over a shape.
    Elementwise(Shape),
    /// Reductions of `shape` over `axes`, with row-wise and epilogue users.
    Rows(Shape, Vec<usize>),
    /// A matrix product.
    MatMul,
    /// A concatenation.
    Concat,
}

struct Planner<'a> {
    program: &'a Program,
    options: &'a FusionOptions,
    users: Vec<Vec<NodeId>>,
    is_output: Vec<bool>,
    materialized: Vec<bool>,
    /// Non-affine reshapes read their operand's contiguous buffer under a new shape.
    alias_of: BTreeMap<NodeId, NodeId>,
    /// Inputs that need a contiguous copy (operands of non-affine reshapes).
    copied_inputs: BTreeSet<NodeId>,
    /// Reductions read only as registers inside their own kernel: no buffer.
    register_only: BTreeSet<NodeId>,
}

impl<'a> Planner<'a> {
    fn new(program: &'a Program, options: &'a FusionOptions) -> Planner<'a> {
        let mut users = vec![Vec::new(); program.len()];
        for id in program.ids() {
            for a in &program.instr(id).args {
                users[a.index()].push(id);
            }
        }
        let mut is_output = vec![false; program.len()];
        for o in program.outputs() {
            is_output[o.index()] = true;
        }
        Planner {
            program,
            options,
            users,
            is_output,
            materialized: vec![false; program.len()],
            alias_of: BTreeMap::new(),
            copied_inputs: BTreeSet::new(),
            register_only: BTreeSet::new(),
        }
    }

    fn op(&self, id: NodeId) -> &Op {
        &self.program.instr(id).op
    }

    fn shape(&self, id: NodeId) -> &Shape {
        &self.program.instr(id).ty.shape
    }

    fn is_input(&self, id: NodeId) -> bool {
        matches!(self.op(id), Op::Input(_))
    }

    /// A node whose value lives in a buffer (inputs included).
    fn in_memory(&self, id: NodeId) -> bool {
        self.is_input(id) || self.materialized[id.index()] || self.alias_of.contains_key(&id)
    }

    fn run(mut self) -> Result<KernelPlan, IrError> {
        self.choose_materialized();
        let groups = self.group();
        self.register_only = self.find_register_only(&groups);
        self.emit(groups)
    }

    /// What a root's kernel reads from memory.
    fn root_reads(&self, root: NodeId) -> Vec<NodeId> {
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
            Op::MatMul => instr.args.iter().map(|&a| self.view_base(a)).collect(),
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
    fn find_register_only(&self, groups: &[Vec<NodeId>]) -> BTreeSet<NodeId> {
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

    // ---- step 1: what lives in memory -------------------------------------------------

    fn choose_materialized(&mut self) {
        let p = self.program;
        for id in p.ids() {
            let op = self.op(id).clone();
            let i = id.index();
            if self.is_input(id) {
                continue;
            }
            if self.is_output[i] || matches!(op, Op::Reduce { .. } | Op::MatMul | Op::Concat { .. })
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
            if let Op::MatMul = op {
                for &operand in &p.instr(id).args {
                    let base = self.view_base(operand);
                    if !self.in_memory(base) {
                        self.materialized[base.index()] = true;
                    }
                }
            }
        }
        // Bound every kernel body: a region growing past the cap ends in memory. Shared
        // operands count once per use, an upper bound.
        let mut size = vec![0usize; p.len()];
        for id in p.ids() {
            if self.in_memory(id) {
                continue;
            }
            let own = usize::from(!self.op(id).is_view());
            let inner: usize = p
                .instr(id)
                .args
                .iter()
                .filter(|a| !self.in_memory(**a))
                .map(|a| size[a.index()])
                .sum();
            size[id.index()] = own.saturating_add(inner);
            if size[id.index()] > self.options.max_fused_ops && !self.op(id).is_view() {
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
    fn view_base(&self, mut id: NodeId) -> NodeId {
        while self.op(id).is_view() && !self.in_memory(id) {
            id = self.program.instr(id).args[0];
        }
        id
    }

    /// Per-element cost of recomputing `id` from memory-resident values.
    fn region_cost(&self, id: NodeId) -> f64 {
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

    /// The memory-resident nodes `root`'s value is computed from, each with the index
    /// maps at which it is read when `root` is evaluated at `phi`. `root_is_computed`:
    /// the kernel computes `root` itself (rather than reading it, if it is in memory).
    fn leaf_reads(
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
    fn operand_maps(&self, n: NodeId, phi: &[Affine], loops: usize) -> Vec<(NodeId, Vec<Affine>)> {
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
            _ => vec![],
        }
    }

    // ---- step 2: grouping ------------------------------------------------------------

    fn space_of(&self, root: NodeId) -> Space {
        match self.op(root) {
            Op::Reduce { axes, .. } => Space::Rows(
                self.shape(self.program.instr(root).args[0]).clone(),
                axes.clone(),
            ),
            Op::MatMul => Space::MatMul,
            Op::Concat { .. } => Space::Concat,
            _ => Space::Elementwise(self.shape(root).clone()),
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
    fn full_map(shape: &Shape, axes: &[usize]) -> Vec<Affine> {
        let n = shape.ndim();
        Self::row_loop_positions(shape, axes)
            .into_iter()
            .map(|p| Affine::index(p, n))
            .collect()
    }

    /// The map at which a reduction's result is read at the current outer point.
    fn reduced_map(&self, reduction: NodeId, n_loops: usize) -> Vec<Affine> {
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

    /// Groups materialised roots into kernels, in a dependency-respecting order.
    fn group(&self) -> Vec<Vec<NodeId>> {
        let roots: Vec<NodeId> = self
            .program
            .ids()
            .filter(|&id| self.materialized[id.index()])
            .collect();
        let mut group_of: BTreeMap<NodeId, usize> = BTreeMap::new();
        let mut groups: Vec<(Space, Vec<NodeId>)> = Vec::new();
        for &r in &roots {
            let space = self.space_of(r);
            let target = if self.options.enabled {
                self.join_target(r, &space, &groups, &group_of)
            } else {
                None
            };
            match target {
                Some(g) => {
                    groups[g].1.push(r);
                    group_of.insert(r, g);
                }
                None => {
                    group_of.insert(r, groups.len());
                    groups.push((space, vec![r]));
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
        if matches!(space, Space::MatMul | Space::Concat) {
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
            .filter_map(|(n, _)| group_of.get(n).copied())
            .collect();
        // Candidates: the last group (joining earlier ones could reorder dependencies).
        let g = groups.len().checked_sub(1)?;
        let (gspace, members) = &groups[g];
        let depends_on_g = read_groups.contains(&g);
        match (gspace, space) {
            // Independent roots over one space share a kernel.
            (a, b) if a == b && !depends_on_g => Some(g),
            (Space::Rows(shape, axes), _) if depends_on_g => {
                // Everything read from g must be one of its reductions, read back per row.
                let row_space = Space::Rows(shape.clone(), axes.clone());
                let n_loops = shape.ndim();
                let ok_reads = reads
                    .iter()
                    .filter(|(n, _)| group_of.get(n) == Some(&g))
                    .all(|(n, map)| {
                        matches!(self.op(*n), Op::Reduce { .. })
                            && members.contains(n)
                            && self.space_of(*n) == row_space
                            && *map == self.reduced_map(*n, n_loops)
                    });
                // Reads were computed in the root's own space; recompute in the row space.
                let fits = match space {
                    Space::Rows(s, a) => s == shape && a == axes,
                    Space::Elementwise(s) if s == shape => true,
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
                let ok = if let Space::Elementwise(s) = space {
                    if s == shape {
                        let reads =
                            self.leaf_reads(root, Self::full_map(shape, axes), true, shape.ndim());
                        reads
                            .iter()
                            .filter(|(n, _)| group_of.get(n) == Some(&g))
                            .all(|(n, map)| {
                                matches!(self.op(*n), Op::Reduce { .. })
                                    && self.space_of(*n) == row_space
                                    && *map == self.reduced_map(*n, n_loops)
                            })
                    } else {
                        // Epilogue: evaluated at the outer point, reading results as they are.
                        let outer = self.epilogue_map(root, shape, axes);
                        let reads = self.leaf_reads(root, outer, true, shape.ndim());
                        reads
                            .iter()
                            .filter(|(n, _)| group_of.get(n) == Some(&g))
                            .all(|(n, map)| {
                                matches!(self.op(*n), Op::Reduce { .. })
                                    && self.space_of(*n) == row_space
                                    && *map == self.reduced_map(*n, n_loops)
                            })
                    }
                } else {
                    ok_reads
                };
                ok.then_some(g)
            }
            _ => None,
        }
    }

    /// The map of an epilogue root (shape of a reduction's result) at the outer point.
    fn epilogue_map(&self, root: NodeId, full: &Shape, axes: &[usize]) -> Vec<Affine> {
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

    // ---- step 3: emission ------------------------------------------------------------

    fn emit(&self, groups: Vec<Vec<NodeId>>) -> Result<KernelPlan, IrError> {
        let p = self.program;
        let mut buffers: Vec<Buffer> = p
            .inputs()
            .iter()
            .enumerate()
            .map(|(s, ty)| Buffer {
                ty: ty.clone(),
                kind: BufferKind::Input(s),
            })
            .collect();
        let mut buffer_of: BTreeMap<NodeId, BufferId> = BTreeMap::new();
        for s in 0..p.inputs().len() {
            buffer_of.insert(NodeId::from_index(s), BufferId(s as u32));
        }
        let mut kernels = Vec::new();
        for &input in &self.copied_inputs {
            let id = BufferId(buffers.len() as u32);
            buffers.push(Buffer {
                ty: p.instr(input).ty.clone(),
                kind: BufferKind::Temp,
            });
            let shape = self.shape(input).clone();
            let n = shape.ndim();
            let phi: Vec<Affine> = identity_map(n);
            let body = Body {
                instrs: vec![ScalarInstr {
                    op: ScalarOp::Load(buffer_of[&input], IndexMap(phi.clone())),
                    dtype: p.instr(input).ty.dtype,
                }],
            };
            kernels.push(Kernel::Loop(LoopKernel {
                outer: shape.0.clone(),
                inner: vec![],
                phases: vec![Phase::Outer {
                    body,
                    stores: vec![Store {
                        buffer: id,
                        index: IndexMap(phi),
                        value: 0,
                    }],
                }],
            }));
            buffer_of.insert(input, id);
        }
        for id in p
            .ids()
            .filter(|&id| self.materialized[id.index()] && !self.register_only.contains(&id))
        {
            buffer_of.insert(id, BufferId(buffers.len() as u32));
            buffers.push(Buffer {
                ty: p.instr(id).ty.clone(),
                kind: BufferKind::Temp,
            });
        }
        for (&view, &src) in &self.alias_of {
            buffer_of.insert(view, BufferId(buffers.len() as u32));
            buffers.push(Buffer {
                ty: p.instr(view).ty.clone(),
                kind: BufferKind::Alias(buffer_of[&src]),
            });
        }
        for members in groups {
            self.emit_group(&members, &buffer_of, &mut kernels)?;
        }
        let outputs = p.outputs().iter().map(|o| buffer_of[o]).collect();
        Ok(KernelPlan {
            buffers,
            kernels,
            outputs,
        })
    }

    fn emit_group(
        &self,
        members: &[NodeId],
        buffer_of: &BTreeMap<NodeId, BufferId>,
        kernels: &mut Vec<Kernel>,
    ) -> Result<(), IrError> {
        let first = members[0];
        match self.op(first).clone() {
            Op::MatMul => {
                let args = &self.program.instr(first).args;
                let access = |operand: NodeId| {
                    let n = self.shape(operand).ndim();
                    let mut phi: Vec<Affine> = identity_map(n);
                    let mut node = operand;
                    while !self.in_memory(node) {
                        let src = self.program.instr(node).args[0];
                        phi = view_map(self.op(node), self.shape(node), self.shape(src), &phi, n)
                            .expect("matmul operands are views of buffers");
                        node = src;
                    }
                    (buffer_of[&node], IndexMap(phi))
                };
                kernels.push(Kernel::MatMul(MatMulKernel {
                    a: access(args[0]),
                    a_ty: self.program.instr(args[0]).ty.clone(),
                    b: access(args[1]),
                    b_ty: self.program.instr(args[1]).ty.clone(),
                    out: buffer_of[&first],
                }));
            }
            Op::Concat { axis } => {
                let mut offset = 0i64;
                for &operand in &self.program.instr(first).args {
                    let shape = self.shape(operand).clone();
                    let n = shape.ndim();
                    let phi: Vec<Affine> = identity_map(n);
                    let mut emitter = Emitter::new(self, buffer_of, n, &[]);
                    let mut value = emitter.value(operand, phi.clone(), false);
                    let dtype = self.program.instr(first).ty.dtype;
                    if self.program.instr(operand).ty.dtype != dtype {
                        value = emitter.push(ScalarOp::Apply(Op::Cast(dtype), vec![value]), dtype);
                    }
                    let mut dest = phi;
                    dest[axis] = dest[axis].scale_add(1, offset);
                    let store = Store {
                        buffer: buffer_of[&first],
                        index: IndexMap(dest),
                        value,
                    };
                    kernels.push(Kernel::Loop(LoopKernel {
                        outer: shape.0.clone(),
                        inner: vec![],
                        phases: vec![Phase::Outer {
                            body: emitter.body,
                            stores: vec![store],
                        }],
                    }));
                    offset += shape[axis] as i64;
                }
            }
            _ => kernels.push(Kernel::Loop(self.emit_loop(members, buffer_of))),
        }
        Ok(())
    }

    /// An expensive intermediate that a reduce phase computes and the map phase would
    /// compute again at the same points (softmax's `exp(x - max)`): the reduce phase can
    /// store it into the single row root's buffer, which the map phase then reads back
    /// before overwriting the same element. None where that does not apply or pay.
    fn stash(
        &self,
        row_roots: &[NodeId],
        reduce_memos: &[HashMap<(NodeId, Vec<Affine>), usize>],
        reduced: &[NodeId],
        full_phi: &[Affine],
        buffer_of: &BTreeMap<NodeId, BufferId>,
        phases: &[Phase],
    ) -> Option<Stash> {
        /// Below this per-element cost a recomputation is cheaper than a store and a load.
        const MIN_COST: f64 = 4.0;
        let [root] = row_roots else { return None };
        let buffer = buffer_of[root];
        let dtype = self.program.instr(*root).ty.dtype;
        let reads_buffer = |body: &Body| {
            body.instrs
                .iter()
                .any(|i| matches!(&i.op, ScalarOp::Load(b, _) if *b == buffer))
        };
        if phases.iter().any(|p| reads_buffer(p.body_and_stores().0)) {
            return None;
        }
        // What the map phase would compute.
        let mut dry = Emitter::new(self, buffer_of, full_phi.len(), reduced);
        dry.stores(row_roots, full_phi, buffer_of);
        if reads_buffer(&dry.body) {
            return None;
        }
        let mut best: Option<(f64, Stash)> = None;
        for ((node, phi), _) in dry.memo.iter() {
            if node == root
                || phi.as_slice() != full_phi
                || self.program.instr(*node).ty.dtype != dtype
            {
                continue;
            }
            let key = (*node, phi.clone());
            let Some((phase, register)) = reduce_memos
                .iter()
                .enumerate()
                .find_map(|(k, memo)| memo.get(&key).map(|&r| (k, r)))
            else {
                continue;
            };
            let phase_index = phases
                .iter()
                .enumerate()
                .filter(|(_, p)| matches!(p, Phase::Reduce { .. }))
                .nth(phase)
                .map(|(i, _)| i)?;
            let Phase::Reduce { body, .. } = &phases[phase_index] else {
                continue;
            };
            if !matches!(body.instrs[register].op, ScalarOp::Apply(..)) {
                continue;
            }
            let cost = self.region_cost(*node);
            let better = best
                .as_ref()
                .is_none_or(|(c, s)| cost > *c || (cost == *c && node.index() > s.node.index()));
            if cost >= MIN_COST && better {
                best = Some((
                    cost,
                    Stash {
                        phase: phase_index,
                        node: *node,
                        register,
                        buffer,
                    },
                ));
            }
        }
        best.map(|(_, s)| s)
    }

    fn emit_loop(&self, members: &[NodeId], buffer_of: &BTreeMap<NodeId, BufferId>) -> LoopKernel {
        let reductions: Vec<NodeId> = members
            .iter()
            .copied()
            .filter(|m| matches!(self.op(*m), Op::Reduce { .. }))
            .collect();
        if reductions.is_empty() {
            // Elementwise: one point per output element.
            let shape = self.shape(members[0]).clone();
            let n = shape.ndim();
            let phi: Vec<Affine> = identity_map(n);
            let mut emitter = Emitter::new(self, buffer_of, n, &[]);
            let stores = emitter.stores(members, &phi, buffer_of);
            return LoopKernel {
                outer: shape.0.clone(),
                inner: vec![],
                phases: vec![Phase::Outer {
                    body: emitter.body,
                    stores,
                }],
            };
        }
        let Space::Rows(full, axes) = self.space_of(reductions[0]) else {
            unreachable!()
        };
        let n_loops = full.ndim();
        let outer: Vec<usize> = (0..full.ndim())
            .filter(|k| !axes.contains(k))
            .map(|k| full[k])
            .collect();
        let inner: Vec<usize> = axes.iter().map(|&k| full[k]).collect();
        let full_phi = Self::full_map(&full, &axes);
        let mut phases = Vec::new();
        let mut reduced: Vec<NodeId> = Vec::new();
        // What each reduce phase computes: (node, map) -> register.
        let mut reduce_memos = Vec::new();
        for &r in &reductions {
            let Op::Reduce { op, .. } = self.op(r).clone() else {
                unreachable!()
            };
            let mut emitter = Emitter::new(self, buffer_of, n_loops, &reduced);
            let value = emitter.value(self.program.instr(r).args[0], full_phi.clone(), false);
            let dtype = self.program.instr(r).ty.dtype;
            let combiner = if op == ReduceOp::Mean {
                ReduceOp::Sum
            } else {
                op
            };
            phases.push(Phase::Reduce {
                body: emitter.body,
                value,
                combiner,
                dtype,
                stores: Vec::new(),
            });
            reduce_memos.push(emitter.memo);
            reduced.push(r);
        }
        let row_roots: Vec<NodeId> = members
            .iter()
            .copied()
            .filter(|m| !reductions.contains(m) && self.shape(*m) == &full)
            .collect();
        if !row_roots.is_empty() {
            let mut emitter = Emitter::new(self, buffer_of, n_loops, &reduced);
            if let Some(stash) = self.stash(
                &row_roots,
                &reduce_memos,
                &reduced,
                &full_phi,
                buffer_of,
                &phases,
            ) {
                // The reduce phase stores the intermediate where the row root goes; the
                // map phase reads it back (same point, before overwriting it there).
                let index = IndexMap(full_phi.clone());
                if let Phase::Reduce { stores, .. } = &mut phases[stash.phase] {
                    stores.push(Store {
                        buffer: stash.buffer,
                        index: index.clone(),
                        value: stash.register,
                    });
                }
                let dtype = self.program.instr(stash.node).ty.dtype;
                let load = emitter.push(ScalarOp::Load(stash.buffer, index), dtype);
                emitter.memo.insert((stash.node, full_phi.clone()), load);
            }
            let stores = emitter.stores(&row_roots, &full_phi, buffer_of);
            phases.push(Phase::Map {
                body: emitter.body,
                stores,
            });
        }
        // Per outer point: store reductions needed elsewhere, and epilogues.
        let mut emitter = Emitter::new(self, buffer_of, n_loops, &reduced);
        let mut stores = Vec::new();
        for &m in members {
            if row_roots.contains(&m) || self.register_only.contains(&m) {
                continue;
            }
            let (value, index) = if reductions.contains(&m) {
                (emitter.reduced(m), self.reduced_map(m, n_loops))
            } else {
                let phi = self.epilogue_map(m, &full, &axes);
                (emitter.value(m, phi.clone(), true), phi)
            };
            stores.push(Store {
                buffer: buffer_of[&m],
                index: IndexMap(index),
                value,
            });
        }
        if !stores.is_empty() {
            phases.push(Phase::Outer {
                body: emitter.body,
                stores,
            });
        }
        LoopKernel {
            outer,
            inner,
            phases,
        }
    }
}

/// An intermediate a reduce phase stores for the map phase (see `Planner::stash`).
struct Stash {
    /// The index of the reduce phase in the kernel's phases.
    phase: usize,
    node: NodeId,
    /// Its register in that phase's body.
    register: usize,
    /// The row root's buffer it is stored in.
    buffer: BufferId,
}

/// Builds one phase body: values of nodes at index maps, with common subexpressions
/// shared.
struct Emitter<'p, 'a> {
    planner: &'p Planner<'a>,
    buffer_of: &'p BTreeMap<NodeId, BufferId>,
    n_loops: usize,
    /// Reductions of this kernel whose values are registers, by phase.
    reduced: &'p [NodeId],
    body: Body,
    memo: HashMap<(NodeId, Vec<Affine>), usize>,
}

impl<'p, 'a> Emitter<'p, 'a> {
    fn new(
        planner: &'p Planner<'a>,
        buffer_of: &'p BTreeMap<NodeId, BufferId>,
        n_loops: usize,
        reduced: &'p [NodeId],
    ) -> Emitter<'p, 'a> {
        Emitter {
            planner,
            buffer_of,
            n_loops,
            reduced,
            body: Body::default(),
            memo: HashMap::new(),
        }
    }

    fn push(&mut self, op: ScalarOp, dtype: lazyfuse_ir::DType) -> usize {
        self.body.instrs.push(ScalarInstr { op, dtype });
        self.body.instrs.len() - 1
    }

    /// Computes each root at `phi` and stores it into its buffer at the same index.
    fn stores(
        &mut self,
        roots: &[NodeId],
        phi: &[Affine],
        buffer_of: &BTreeMap<NodeId, BufferId>,
    ) -> Vec<Store> {
        roots
            .iter()
            .map(|&m| {
                let value = self.value(m, phi.to_vec(), true);
                Store {
                    buffer: buffer_of[&m],
                    index: IndexMap(phi.to_vec()),
                    value,
                }
            })
            .collect()
    }

    /// The register of a reduction of this kernel (means divided by their count).
    fn reduced(&mut self, r: NodeId) -> usize {
        let key = (r, vec![Affine::constant(-1, self.n_loops)]);
        if let Some(&reg) = self.memo.get(&key) {
            return reg;
        }
        let instr = self.planner.program.instr(r);
        let phase = self
            .reduced
            .iter()
            .position(|&x| x == r)
            .expect("a reduction of this kernel");
        let mut reg = self.push(ScalarOp::Reduced(phase), instr.ty.dtype);
        if let Op::Reduce {
            op: ReduceOp::Mean,
            axes,
            ..
        } = &instr.op
        {
            let full = self.planner.shape(instr.args[0]);
            let count: usize = axes.iter().map(|&k| full[k]).product();
            let c = self.push(
                ScalarOp::Const(Scalar::I64(count as i64).cast(instr.ty.dtype)),
                instr.ty.dtype,
            );
            reg = self.push(
                ScalarOp::Apply(Op::Binary(BinaryOp::Div), vec![reg, c]),
                instr.ty.dtype,
            );
        }
        self.memo.insert(key, reg);
        reg
    }

    /// The register holding `root` at `phi` (`root_is_computed`: compute the root itself
    /// even though it has a buffer, since this kernel produces it).
    fn value(&mut self, root: NodeId, phi: Vec<Affine>, root_is_computed: bool) -> usize {
        let p = self.planner;
        // Iterative post-order over (node, map).
        let mut stack: Vec<(NodeId, Vec<Affine>, bool)> = vec![(root, phi.clone(), false)];
        while let Some((n, phi, expanded)) = stack.pop() {
            let key = (n, phi.clone());
            if self.memo.contains_key(&key) {
                continue;
            }
            let is_root = n == root && root_is_computed;
            let instr = p.program.instr(n);
            if self.reduced.contains(&n) {
                let reg = self.reduced(n);
                self.memo.insert(key, reg);
                continue;
            }
            if !is_root && p.in_memory(n) {
                let reg = self.push(
                    ScalarOp::Load(self.buffer_of[&n], IndexMap(phi)),
                    instr.ty.dtype,
                );
                self.memo.insert(key, reg);
                continue;
            }
            match &instr.op {
                Op::Const(v) => {
                    let reg = self.push(ScalarOp::Const(*v), instr.ty.dtype);
                    self.memo.insert(key, reg);
                }
                Op::Arange { start, step, .. } => {
                    let reg = self.push(
                        ScalarOp::Ramp {
                            start: *start,
                            step: *step,
                            index: phi[0].clone(),
                        },
                        instr.ty.dtype,
                    );
                    self.memo.insert(key, reg);
                }
                op if op.is_view() => {
                    let (src, map) = p.operand_maps(n, &phi, self.n_loops).remove(0);
                    let src_key = (src, map.clone());
                    match (self.memo.get(&src_key), expanded) {
                        (Some(&reg), _) => {
                            self.memo.insert(key, reg);
                        }
                        (None, false) => {
                            stack.push((n, phi, true));
                            stack.push((src, map, false));
                        }
                        (None, true) => unreachable!("operand evaluated before its view"),
                    }
                }
                op => {
                    let operands = p.operand_maps(n, &phi, self.n_loops);
                    let missing: Vec<_> = operands
                        .iter()
                        .filter(|(c, m)| !self.memo.contains_key(&(*c, m.clone())))
                        .cloned()
                        .collect();
                    if missing.is_empty() {
                        let regs = operands
                            .iter()
                            .map(|(c, m)| self.memo[&(*c, m.clone())])
                            .collect();
                        let reg = self.push(ScalarOp::Apply(op.clone(), regs), instr.ty.dtype);
                        self.memo.insert(key, reg);
                    } else {
                        assert!(!expanded, "operands evaluated before their user");
                        stack.push((n, phi, true));
                        for (c, m) in missing.into_iter().rev() {
                            stack.push((c, m, false));
                        }
                    }
                }
            }
        }
        self.memo[&(root, phi)]
    }
}
