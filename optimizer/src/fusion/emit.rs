//! Step 3: emission: each group becomes a loop kernel (views as index maps,
//! elementwise ops as a scalar body, reductions as phases) or a matmul kernel.

use std::collections::{BTreeMap, HashMap};

use lazyfuse_ir::kernel::{
    Affine, AxisKernel, Body, Buffer, BufferId, BufferKind, ElementwiseOp, IndexMap, Kernel,
    KernelPlan, LoopKernel, MatMulKernel, Phase, ScalarInstr, ScalarOp, Store,
};
use lazyfuse_ir::{BinaryOp, IrError, NodeId, Op, ReduceOp, Scalar};

use super::index_map::*;
use super::{Planner, Space};

impl Planner<'_> {
    /// The plan, and for each kernel the program nodes it computes (for pictures).
    pub(super) fn emit(
        &self,
        groups: Vec<Vec<NodeId>>,
    ) -> Result<(KernelPlan, Vec<Vec<NodeId>>), IrError> {
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
        // Copies of inputs compute no program node.
        let mut computed: Vec<Vec<NodeId>> = vec![Vec::new(); kernels.len()];
        for members in groups {
            self.emit_group(&members, &buffer_of, &mut kernels)?;
            let first = members[0];
            if let Op::Concat { .. } = self.op(first) {
                // One kernel per operand, each computing that operand's region.
                for (k, &operand) in self.program.instr(first).args.iter().enumerate() {
                    let mut nodes = self.computed_region(&[operand]);
                    if k == 0 {
                        nodes.insert(0, first);
                    }
                    computed.push(nodes);
                }
            } else {
                computed.push(self.computed_region(&members));
            }
            computed.resize(kernels.len(), Vec::new());
        }
        let outputs = p.outputs().iter().map(|o| buffer_of[o]).collect();
        Ok((
            KernelPlan {
                buffers,
                kernels,
                outputs,
            },
            computed,
        ))
    }

    fn emit_group(
        &self,
        members: &[NodeId],
        buffer_of: &BTreeMap<NodeId, BufferId>,
        kernels: &mut Vec<Kernel>,
    ) -> Result<(), IrError> {
        let first = members[0];
        // An operand in memory, seen through its views: its buffer and index map.
        let access = |operand: NodeId| {
            let n = self.shape(operand).ndim();
            let mut phi: Vec<Affine> = identity_map(n);
            let mut node = operand;
            while !self.in_memory(node) {
                let src = self.program.instr(node).args[0];
                phi = view_map(self.op(node), self.shape(node), self.shape(src), &phi, n)
                    .expect("library operands are views of buffers");
                node = src;
            }
            (buffer_of[&node], IndexMap(phi))
        };
        match self.op(first).clone() {
            Op::MatMul => {
                let args = &self.program.instr(first).args;
                kernels.push(Kernel::MatMul(MatMulKernel {
                    a: access(args[0]),
                    a_ty: self.program.instr(args[0]).ty.clone(),
                    b: access(args[1]),
                    b_ty: self.program.instr(args[1]).ty.clone(),
                    out: buffer_of[&first],
                }));
            }
            op if op.is_axis_routine() => {
                let args = &self.program.instr(first).args;
                let (x, y) = (args[0], args.get(1).copied());
                kernels.push(Kernel::Axis(AxisKernel {
                    op,
                    x: access(x),
                    x_ty: self.program.instr(x).ty.clone(),
                    y: y.map(|y| (access(y), self.program.instr(y).ty.clone())),
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
                        value = emitter.push(
                            ScalarOp::Apply(ElementwiseOp::Cast(dtype), vec![value]),
                            dtype,
                        );
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
                .any(|i| i.op.buffer_read() == Some(buffer))
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
            let dtype = lazyfuse_ir::accumulator_dtype(op, self.program.instr(r).ty.dtype);
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
        let Op::Reduce { op, axes, .. } = &instr.op else {
            unreachable!("a reduction")
        };
        // The accumulator's dtype (float32 for float16 sums), the mean's division in
        // it, then the result's dtype: one rounding to half, as NumPy's.
        let acc = lazyfuse_ir::accumulator_dtype(*op, instr.ty.dtype);
        let mut reg = self.push(ScalarOp::Reduced(phase), acc);
        if *op == ReduceOp::Mean {
            let full = self.planner.shape(instr.args[0]);
            let count: usize = axes.iter().map(|&k| full[k]).product();
            let c = self.push(ScalarOp::Const(Scalar::I64(count as i64).cast(acc)), acc);
            reg = self.push(
                ScalarOp::Apply(ElementwiseOp::Binary(BinaryOp::Div), vec![reg, c]),
                acc,
            );
        }
        if acc != instr.ty.dtype {
            reg = self.push(
                ScalarOp::Apply(ElementwiseOp::Cast(instr.ty.dtype), vec![reg]),
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
                Op::Gather => {
                    let (source, positions) = (instr.args[0], instr.args[1]);
                    match self.memo.get(&(positions, phi.clone())) {
                        Some(&position) => {
                            let reg = self.push(
                                ScalarOp::Gather {
                                    buffer: self.buffer_of[&source],
                                    position,
                                },
                                instr.ty.dtype,
                            );
                            self.memo.insert(key, reg);
                        }
                        None => {
                            assert!(!expanded, "positions evaluated before their gather");
                            stack.push((n, phi.clone(), true));
                            stack.push((positions, phi, false));
                        }
                    }
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
                        let op = ElementwiseOp::from_op(op).unwrap_or_else(|| {
                            panic!("internal error: {op} fused into a kernel body")
                        });
                        let reg = self.push(ScalarOp::Apply(op, regs), instr.ty.dtype);
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
