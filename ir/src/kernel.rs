//! `KernelPlan`: a program cut into kernels, target independent.
//!
//! A plan declares buffers (the program's inputs, temporaries, outputs) and runs
//! kernels in order. A loop kernel iterates an *outer* space and, per outer point, an
//! *inner* space; it runs its phases in order at every outer point: a `Reduce` phase
//! folds a scalar body over the inner space into a register, a `Map` phase evaluates a
//! body at every inner point and stores values, an `Outer` phase evaluates once per
//! outer point (epilogues of reductions). An elementwise kernel has no inner space and
//! one `Outer` phase; a reduction has one `Reduce` phase and an `Outer` phase storing
//! it; a row-wise kernel (softmax) has two reductions and a `Map` phase, running each
//! row's phases back to back while the row is in cache.
//!
//! Buffers are read through [`IndexMap`]s: each buffer index is an affine function of
//! the loop indices (offset + coefficients, 0 for broadcast, negative for reversed), so
//! transposes, broadcasts and slices cost nothing. Buffer element strides are applied
//! by the executor, which lets the same plan run on strided inputs.

use std::fmt;

use crate::dtype::{DType, Scalar};
use crate::error::IrError;
use crate::op::{BinaryOp, Op, ReduceOp};
use crate::shape::{Shape, TensorType};
use crate::value::Value;

/// Identifies a buffer of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BufferId(pub u32);

impl fmt::Display for BufferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.0)
    }
}

/// Where a buffer's memory comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BufferKind {
    /// The program's input slot (any strides).
    Input(usize),
    /// Allocated by the executor, C-contiguous.
    Temp,
    /// Another (C-contiguous) buffer's memory seen with this buffer's shape: a reshape.
    Alias(BufferId),
}

/// A buffer: its type and origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buffer {
    /// Element type and logical shape.
    pub ty: TensorType,
    /// Origin.
    pub kind: BufferKind,
}

/// Buffer index along one axis as an affine function of the loop indices.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Affine {
    /// Constant part.
    pub offset: i64,
    /// Coefficient of each loop index (outer indices first, then inner).
    pub coefs: Vec<i64>,
}

impl Affine {
    /// The constant `c` over `n` loop indices.
    pub fn constant(c: i64, n: usize) -> Affine {
        Affine {
            offset: c,
            coefs: vec![0; n],
        }
    }

    /// Loop index `k` of `n`.
    pub fn index(k: usize, n: usize) -> Affine {
        let mut coefs = vec![0; n];
        coefs[k] = 1;
        Affine { offset: 0, coefs }
    }

    /// Value at loop indices `idx`.
    pub fn eval(&self, idx: &[usize]) -> i64 {
        self.offset
            + self
                .coefs
                .iter()
                .zip(idx)
                .map(|(c, &i)| c * i as i64)
                .sum::<i64>()
    }

    /// `a * self + b`.
    pub fn scale_add(&self, a: i64, b: i64) -> Affine {
        Affine {
            offset: self.offset * a + b,
            coefs: self.coefs.iter().map(|c| c * a).collect(),
        }
    }

    /// `self + other`.
    pub fn add(&self, other: &Affine) -> Affine {
        Affine {
            offset: self.offset + other.offset,
            coefs: self
                .coefs
                .iter()
                .zip(&other.coefs)
                .map(|(a, b)| a + b)
                .collect(),
        }
    }
}

impl fmt::Display for Affine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut terms: Vec<String> = self
            .coefs
            .iter()
            .enumerate()
            .filter(|(_, &c)| c != 0)
            .map(|(k, &c)| {
                if c == 1 {
                    format!("i{k}")
                } else {
                    format!("{c}*i{k}")
                }
            })
            .collect();
        if self.offset != 0 || terms.is_empty() {
            terms.push(self.offset.to_string());
        }
        f.write_str(&terms.join("+").replace("+-", "-"))
    }
}

/// How a kernel addresses a buffer: one affine index per buffer axis.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndexMap(pub Vec<Affine>);

impl fmt::Display for IndexMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|a| a.to_string()).collect();
        write!(f, "[{}]", parts.join(", "))
    }
}

/// A register of a phase body (index into its instruction list).
pub type Reg = usize;

/// One scalar instruction of a body.
#[derive(Clone, Debug, PartialEq)]
pub enum ScalarOp {
    /// Reads a buffer element.
    Load(BufferId, IndexMap),
    /// A constant.
    Const(Scalar),
    /// `start + step * index` (arange), in `start`'s dtype.
    Ramp {
        /// First value.
        start: Scalar,
        /// Increment.
        step: Scalar,
        /// The element index.
        index: Affine,
    },
    /// The value a previous `Reduce` phase of this kernel computed for this outer point.
    Reduced(usize),
    /// An elementwise op (unary, binary, where or cast) on registers.
    Apply(Op, Vec<Reg>),
}

/// A scalar instruction and its result dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalarInstr {
    /// The operation.
    pub op: ScalarOp,
    /// Its result dtype.
    pub dtype: DType,
}

/// A straight-line scalar program evaluated at one loop point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    /// Instructions in order; operands refer to earlier ones.
    pub instrs: Vec<ScalarInstr>,
}

/// A store of a body register into a buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct Store {
    /// The destination.
    pub buffer: BufferId,
    /// Where in it.
    pub index: IndexMap,
    /// What.
    pub value: Reg,
}

/// One phase of a loop kernel.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Folds `body`'s `value`, converted to `dtype`, over the inner space with
    /// `combiner`, in C order of the inner indices. Arg-reductions compare values in
    /// the body's dtype and return the position (`dtype` is then int64).
    Reduce {
        /// Evaluated at every inner point.
        body: Body,
        /// The register folded.
        value: Reg,
        /// How values combine (`Mean` is not a combiner: it is a sum then a division).
        combiner: ReduceOp,
        /// The accumulator's dtype.
        dtype: DType,
        /// Values of the body stored at every inner point as well (an expensive
        /// intermediate kept for a later phase instead of recomputed there).
        stores: Vec<Store>,
    },
    /// Evaluated at every inner point; stores values.
    Map {
        /// The body.
        body: Body,
        /// Its stores.
        stores: Vec<Store>,
    },
    /// Evaluated once per outer point; stores values.
    Outer {
        /// The body.
        body: Body,
        /// Its stores.
        stores: Vec<Store>,
    },
}

impl Phase {
    /// The phase's body and its stores.
    pub fn body_and_stores(&self) -> (&Body, &[Store]) {
        match self {
            Phase::Reduce { body, stores, .. }
            | Phase::Map { body, stores }
            | Phase::Outer { body, stores } => (body, stores),
        }
    }

    /// The phase's body and its stores, to rewrite them.
    pub fn body_and_stores_mut(&mut self) -> (&mut Body, &mut Vec<Store>) {
        match self {
            Phase::Reduce { body, stores, .. }
            | Phase::Map { body, stores }
            | Phase::Outer { body, stores } => (body, stores),
        }
    }
}

/// A loop nest over `outer` × `inner` with phases run per outer point.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopKernel {
    /// Extents of the outer loops (loop indices 0..outer.len()).
    pub outer: Vec<usize>,
    /// Extents of the inner loops (the following loop indices).
    pub inner: Vec<usize>,
    /// Phases, run in order at each outer point.
    pub phases: Vec<Phase>,
}

/// `out = a @ b` (NumPy matmul semantics) on buffers read through index maps whose
/// domains are the operands' logical indices.
#[derive(Clone, Debug, PartialEq)]
pub struct MatMulKernel {
    /// Left operand buffer and its map from operand index to buffer index.
    pub a: (BufferId, IndexMap),
    /// Left operand's logical type.
    pub a_ty: TensorType,
    /// Right operand buffer and map.
    pub b: (BufferId, IndexMap),
    /// Right operand's logical type.
    pub b_ty: TensorType,
    /// The output (C-contiguous).
    pub out: BufferId,
}

/// A kernel.
#[derive(Clone, Debug, PartialEq)]
pub enum Kernel {
    /// A fused loop nest.
    Loop(LoopKernel),
    /// A matrix product.
    MatMul(MatMulKernel),
}

/// A program as buffers and kernels.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelPlan {
    /// Every buffer; inputs first, in slot order.
    pub buffers: Vec<Buffer>,
    /// Kernels in execution order.
    pub kernels: Vec<Kernel>,
    /// The buffers holding the program's outputs, in order.
    pub outputs: Vec<BufferId>,
}

impl KernelPlan {
    /// Number of loop and matmul kernels.
    pub fn kernel_count(&self) -> usize {
        self.kernels.len()
    }

    /// Checks the plan's invariants: buffer references exist, inputs are never written,
    /// index maps have one entry per buffer axis and one coefficient per loop, registers
    /// are defined before use, `Reduced` refers to an earlier reduction phase.
    pub fn verify(&self) -> Result<(), IrError> {
        let bad = |k: usize, m: String| Err(IrError::invalid("plan", format!("kernel {k}: {m}")));
        let buffer = |b: BufferId| self.buffers.get(b.0 as usize);
        for (i, b) in self.buffers.iter().enumerate() {
            match b.kind {
                BufferKind::Input(slot) if slot != i => {
                    return Err(IrError::invalid(
                        "plan",
                        format!("input buffer {i} holds slot {slot}"),
                    ));
                }
                BufferKind::Alias(of)
                    if of.0 as usize >= i
                        || self.buffers[of.0 as usize].ty.shape.numel() != b.ty.shape.numel() =>
                {
                    return Err(IrError::invalid(
                        "plan",
                        format!("buffer {i} aliases {of} of another size"),
                    ));
                }
                _ => {}
            }
        }
        let check_map =
            |k: usize, b: BufferId, map: &IndexMap, loops: usize| -> Result<(), IrError> {
                let Some(buf) = buffer(b) else {
                    return bad(k, format!("no buffer {b}"));
                };
                if map.0.len() != buf.ty.shape.ndim()
                    || map.0.iter().any(|a| a.coefs.len() != loops)
                {
                    return bad(
                        k,
                        format!(
                            "index map {map} does not fit {b}: {} over {loops} loops",
                            buf.ty
                        ),
                    );
                }
                Ok(())
            };
        for (k, kernel) in self.kernels.iter().enumerate() {
            match kernel {
                Kernel::MatMul(m) => {
                    check_map(k, m.a.0, &m.a.1, m.a_ty.shape.ndim())?;
                    check_map(k, m.b.0, &m.b.1, m.b_ty.shape.ndim())?;
                    if buffer(m.out).is_none_or(|b| matches!(b.kind, BufferKind::Input(_))) {
                        return bad(k, format!("cannot write {}", m.out));
                    }
                }
                Kernel::Loop(l) => {
                    let loops = l.outer.len() + l.inner.len();
                    let mut reductions = 0;
                    for phase in &l.phases {
                        let (body, stores) = phase.body_and_stores();
                        let value = match phase {
                            Phase::Reduce { value, .. } => Some(*value),
                            _ => None,
                        };
                        for (r, instr) in body.instrs.iter().enumerate() {
                            match &instr.op {
                                ScalarOp::Load(b, map) => check_map(k, *b, map, loops)?,
                                ScalarOp::Ramp { index, .. } if index.coefs.len() != loops => {
                                    return bad(k, "ramp index".into())
                                }
                                ScalarOp::Reduced(p) if *p >= reductions => {
                                    return bad(
                                        k,
                                        format!("r{r} reads reduction {p} before it exists"),
                                    )
                                }
                                ScalarOp::Apply(_, args) if args.iter().any(|&a| a >= r) => {
                                    return bad(k, format!("r{r} uses a later register"))
                                }
                                _ => {}
                            }
                        }
                        for st in stores {
                            check_map(k, st.buffer, &st.index, loops)?;
                            if st.value >= body.instrs.len()
                                || matches!(
                                    buffer(st.buffer).map(|b| &b.kind),
                                    Some(BufferKind::Input(_))
                                )
                            {
                                return bad(k, format!("bad store to {}", st.buffer));
                            }
                        }
                        if value.is_some_and(|v| v >= body.instrs.len()) {
                            return bad(k, "reduced register out of range".into());
                        }
                        if value.is_some() {
                            reductions += 1;
                        }
                    }
                }
            }
        }
        if let Some(o) = self.outputs.iter().find(|o| buffer(**o).is_none()) {
            return Err(IrError::invalid(
                "plan",
                format!("output {o} is not a buffer"),
            ));
        }
        Ok(())
    }

    /// The kernels as text, one block each (for `explain`).
    pub fn kernel_texts(&self) -> Vec<String> {
        self.kernels
            .iter()
            .enumerate()
            .map(|(i, k)| kernel_text(i, k))
            .collect()
    }
}

impl fmt::Display for KernelPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "plan {{")?;
        for (i, b) in self.buffers.iter().enumerate() {
            let kind = match &b.kind {
                BufferKind::Input(s) => format!("input {s}"),
                BufferKind::Temp => "temp".into(),
                BufferKind::Alias(of) => format!("alias of {of}"),
            };
            writeln!(f, "  %{i}: {} ({kind})", b.ty)?;
        }
        for text in self.kernel_texts() {
            for line in text.lines() {
                writeln!(f, "  {line}")?;
            }
        }
        let outs: Vec<String> = self.outputs.iter().map(|o| o.to_string()).collect();
        writeln!(f, "  return {}", outs.join(", "))?;
        f.write_str("}")
    }
}

fn body_text(body: &Body, indent: &str) -> String {
    let mut out = String::new();
    for (r, instr) in body.instrs.iter().enumerate() {
        let op = match &instr.op {
            ScalarOp::Load(b, m) => format!("load {b}{m}"),
            ScalarOp::Const(v) => format!("const {v}"),
            ScalarOp::Ramp { start, step, index } => format!("ramp {start} + {step} * ({index})"),
            ScalarOp::Reduced(p) => format!("reduced {p}"),
            ScalarOp::Apply(op, args) => {
                let args: Vec<String> = args.iter().map(|a| format!("r{a}")).collect();
                format!("{op} {}", args.join(" "))
            }
        };
        out.push_str(&format!("{indent}r{r}: {} = {op}\n", instr.dtype));
    }
    out
}

fn kernel_text(i: usize, k: &Kernel) -> String {
    match k {
        Kernel::MatMul(m) => format!(
            "kernel {i}: matmul {}{} ({}) @ {}{} ({}) -> {}\n",
            m.a.0, m.a.1, m.a_ty, m.b.0, m.b.1, m.b_ty, m.out
        ),
        Kernel::Loop(l) => {
            let outer: Vec<String> = l.outer.iter().map(|d| d.to_string()).collect();
            let inner: Vec<String> = l.inner.iter().map(|d| d.to_string()).collect();
            let mut s = format!(
                "kernel {i}: loop outer [{}] inner [{}]\n",
                outer.join(","),
                inner.join(",")
            );
            for (p, phase) in l.phases.iter().enumerate() {
                match phase {
                    Phase::Reduce {
                        body,
                        value,
                        combiner,
                        dtype,
                        stores,
                    } => {
                        s.push_str(&format!(
                            "  phase {p}: reduce {} r{value} ({dtype}) over inner\n",
                            combiner.name()
                        ));
                        s.push_str(&body_text(body, "    "));
                        s.push_str(&stores_text(stores, "    "));
                    }
                    Phase::Map { body, stores } | Phase::Outer { body, stores } => {
                        let what = if matches!(phase, Phase::Map { .. }) {
                            "map over inner"
                        } else {
                            "per outer point"
                        };
                        s.push_str(&format!("  phase {p}: {what}\n"));
                        s.push_str(&body_text(body, "    "));
                        s.push_str(&stores_text(stores, "    "));
                    }
                }
            }
            s
        }
    }
}

fn stores_text(stores: &[Store], indent: &str) -> String {
    stores
        .iter()
        .map(|st| format!("{indent}store {}{} = r{}\n", st.buffer, st.index, st.value))
        .collect()
}

/// Runs a plan with scalar loops: the meaning of a plan, for tests (slow; every scalar
/// op is evaluated by the reference interpreter's rules).
pub fn interpret_plan(plan: &KernelPlan, inputs: &[Value]) -> Result<Vec<Value>, IrError> {
    let mut memory: Vec<Vec<Scalar>> = Vec::with_capacity(plan.buffers.len());
    for b in &plan.buffers {
        memory.push(match b.kind {
            BufferKind::Input(slot) => {
                let v = inputs.get(slot).ok_or_else(|| IrError::Binding {
                    message: format!("missing input {slot}"),
                })?;
                if v.ty() != b.ty {
                    return Err(IrError::Binding {
                        message: format!("slot {slot} expects {}, got {}", b.ty, v.ty()),
                    });
                }
                v.to_scalars()
            }
            BufferKind::Temp => vec![Scalar::I64(0).cast(b.ty.dtype); b.ty.shape.numel()],
            BufferKind::Alias(_) => Vec::new(),
        });
    }
    let root = |mut id: BufferId| {
        while let BufferKind::Alias(of) = plan.buffers[id.0 as usize].kind {
            id = of;
        }
        id
    };
    for kernel in &plan.kernels {
        match kernel {
            Kernel::Loop(l) => run_loop(plan, l, &mut memory, &root)?,
            Kernel::MatMul(m) => run_matmul(plan, m, &mut memory, &root)?,
        }
    }
    plan.outputs
        .iter()
        .map(|&o| {
            let ty = &plan.buffers[o.0 as usize].ty;
            Value::from_scalars(ty, &memory[root(o).0 as usize])
        })
        .collect()
}

fn flat_index(shape: &Shape, map: &IndexMap, idx: &[usize]) -> Result<usize, IrError> {
    let mut flat = 0usize;
    for (d, a) in map.0.iter().enumerate() {
        let i = a.eval(idx);
        if i < 0 || i as usize >= shape[d] {
            return Err(IrError::invalid(
                "kernel",
                format!("index {i} out of bounds on axis {d} of {shape}"),
            ));
        }
        flat = flat * shape[d] + i as usize;
    }
    Ok(flat)
}

fn eval_body(
    plan: &KernelPlan,
    body: &Body,
    idx: &[usize],
    reduced: &[Scalar],
    memory: &[Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
) -> Result<Vec<Scalar>, IrError> {
    let mut regs: Vec<Scalar> = Vec::with_capacity(body.instrs.len());
    for instr in &body.instrs {
        let v = match &instr.op {
            ScalarOp::Load(b, map) => {
                let shape = &plan.buffers[b.0 as usize].ty.shape;
                memory[root(*b).0 as usize][flat_index(shape, map, idx)?]
            }
            ScalarOp::Const(v) => *v,
            ScalarOp::Ramp { start, step, index } => {
                let n = Value::from_scalar(Scalar::I64(index.eval(idx)).cast(start.dtype()));
                let prod = crate::evaluate_op(
                    &Op::Binary(BinaryOp::Mul),
                    &[Value::from_scalar(*step), n],
                )?;
                let sum = crate::evaluate_op(
                    &Op::Binary(BinaryOp::Add),
                    &[Value::from_scalar(*start), prod],
                )?;
                sum.get(&[]).expect("0-d")
            }
            ScalarOp::Reduced(p) => reduced[*p],
            ScalarOp::Apply(op, args) => {
                let vals: Vec<Value> = args.iter().map(|&r| Value::from_scalar(regs[r])).collect();
                crate::evaluate_op(op, &vals)?.get(&[]).expect("0-d")
            }
        };
        if v.dtype() != instr.dtype {
            return Err(IrError::invalid(
                "kernel",
                format!("register of dtype {} holds {}", instr.dtype, v.dtype()),
            ));
        }
        regs.push(v);
    }
    Ok(regs)
}

/// All multi-indices of `dims` in C order (one empty index for no dims).
fn points(dims: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for &d in dims {
        out = out
            .into_iter()
            .flat_map(|p| (0..d).map(move |i| [p.clone(), vec![i]].concat()))
            .collect();
    }
    out
}

fn run_loop(
    plan: &KernelPlan,
    l: &LoopKernel,
    memory: &mut [Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
) -> Result<(), IrError> {
    let inner_points = points(&l.inner);
    for o in points(&l.outer) {
        let mut reduced: Vec<Scalar> = Vec::new();
        for phase in &l.phases {
            match phase {
                Phase::Reduce {
                    body,
                    value,
                    combiner,
                    dtype,
                    stores,
                } => {
                    let mut acc = Accumulator::new(*combiner, *dtype);
                    for (flat, i) in inner_points.iter().enumerate() {
                        let idx = [o.as_slice(), i.as_slice()].concat();
                        let regs = eval_body(plan, body, &idx, &reduced, memory, root)?;
                        store_all(plan, stores, &regs, &idx, memory, root)?;
                        acc.push(regs[*value], flat)?;
                    }
                    reduced.push(acc.finish());
                }
                Phase::Map { body, stores } => {
                    for i in &inner_points {
                        let idx = [o.as_slice(), i.as_slice()].concat();
                        let regs = eval_body(plan, body, &idx, &reduced, memory, root)?;
                        store_all(plan, stores, &regs, &idx, memory, root)?;
                    }
                }
                Phase::Outer { body, stores } => {
                    let idx: Vec<usize> = o
                        .iter()
                        .copied()
                        .chain(std::iter::repeat_n(0, l.inner.len()))
                        .collect();
                    let regs = eval_body(plan, body, &idx, &reduced, memory, root)?;
                    store_all(plan, stores, &regs, &idx, memory, root)?;
                }
            }
        }
    }
    Ok(())
}

fn store_all(
    plan: &KernelPlan,
    stores: &[Store],
    regs: &[Scalar],
    idx: &[usize],
    memory: &mut [Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
) -> Result<(), IrError> {
    for st in stores {
        let shape = &plan.buffers[st.buffer.0 as usize].ty.shape;
        let at = flat_index(shape, &st.index, idx)?;
        memory[root(st.buffer).0 as usize][at] = regs[st.value];
    }
    Ok(())
}

/// A running reduction with the interpreter's semantics (sequential order).
struct Accumulator {
    op: ReduceOp,
    acc: Option<Scalar>,
    arg: i64,
    dtype: DType,
}

impl Accumulator {
    fn new(op: ReduceOp, dtype: DType) -> Accumulator {
        Accumulator {
            op,
            acc: None,
            arg: 0,
            dtype,
        }
    }

    fn push(&mut self, v: Scalar, flat: usize) -> Result<(), IrError> {
        // Arg-reductions compare values in their own dtype; the result is an index.
        let v = if matches!(self.op, ReduceOp::ArgMax | ReduceOp::ArgMin) {
            v
        } else {
            v.cast(self.dtype)
        };
        let Some(acc) = self.acc else {
            self.acc = Some(v);
            return Ok(());
        };
        let bin = |op: BinaryOp| -> Result<Scalar, IrError> {
            Ok(crate::evaluate_op(
                &Op::Binary(op),
                &[Value::from_scalar(acc), Value::from_scalar(v)],
            )?
            .get(&[])
            .expect("0-d"))
        };
        let is_nan = |s: Scalar| s.as_f64().is_nan();
        self.acc = Some(match self.op {
            ReduceOp::Sum | ReduceOp::Mean => bin(BinaryOp::Add)?,
            ReduceOp::Prod => bin(BinaryOp::Mul)?,
            ReduceOp::Max => bin(BinaryOp::Maximum)?,
            ReduceOp::Min => bin(BinaryOp::Minimum)?,
            ReduceOp::Any => Scalar::Bool(acc.truthy() || v.truthy()),
            ReduceOp::All => Scalar::Bool(acc.truthy() && v.truthy()),
            ReduceOp::ArgMax | ReduceOp::ArgMin => {
                // acc < v finds a new maximum, acc > v a new minimum.
                let better = if self.op == ReduceOp::ArgMax {
                    bin(BinaryOp::Lt)?
                } else {
                    bin(BinaryOp::Gt)?
                };
                if !is_nan(acc) && (is_nan(v) || better.truthy()) {
                    self.arg = flat as i64;
                    v
                } else {
                    acc
                }
            }
        });
        Ok(())
    }

    fn finish(self) -> Scalar {
        match self.op {
            ReduceOp::ArgMax | ReduceOp::ArgMin => Scalar::I64(self.arg),
            ReduceOp::Sum | ReduceOp::Mean => self.acc.unwrap_or(Scalar::I64(0).cast(self.dtype)),
            ReduceOp::Prod => self.acc.unwrap_or(Scalar::I64(1).cast(self.dtype)),
            ReduceOp::Any => self
                .acc
                .map_or(Scalar::Bool(false), |a| Scalar::Bool(a.truthy())),
            ReduceOp::All => self
                .acc
                .map_or(Scalar::Bool(true), |a| Scalar::Bool(a.truthy())),
            ReduceOp::Max | ReduceOp::Min => self.acc.expect("type rules reject empty max/min"),
        }
    }
}

fn run_matmul(
    plan: &KernelPlan,
    m: &MatMulKernel,
    memory: &mut [Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
) -> Result<(), IrError> {
    let gather = |(b, map): &(BufferId, IndexMap), ty: &TensorType| -> Result<Value, IrError> {
        let shape = &plan.buffers[b.0 as usize].ty.shape;
        let data = points(ty.shape.dims())
            .iter()
            .map(|p| Ok(memory[root(*b).0 as usize][flat_index(shape, map, p)?]))
            .collect::<Result<Vec<_>, IrError>>()?;
        Value::from_scalars(ty, &data)
    };
    let a = gather(&m.a, &m.a_ty)?;
    let b = gather(&m.b, &m.b_ty)?;
    let out = crate::evaluate_op(&Op::MatMul, &[a, b])?;
    memory[root(m.out).0 as usize] = out.to_scalars();
    Ok(())
}
