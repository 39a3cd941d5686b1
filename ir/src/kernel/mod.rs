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

mod interp;
mod parse;
mod text;
mod verify;

pub use interp::interpret_plan;

use std::fmt;

use crate::dtype::DType;
use crate::op::{BinaryOp, Op, ReduceOp, UnaryOp};
use crate::scalar::Scalar;
use crate::shape::TensorType;

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
    /// An elementwise op on registers.
    Apply(ElementwiseOp, Vec<Reg>),
    /// Reads the buffer's element at the flat C-order position an int64 register holds
    /// (`gather` fused into a loop: data-dependent addresses). A position outside the
    /// buffer is an IndexError, never a read outside it.
    Gather {
        /// The buffer read.
        buffer: BufferId,
        /// The register holding the position.
        position: Reg,
    },
}

impl ScalarOp {
    /// The buffer the instruction reads, if any.
    pub fn buffer_read(&self) -> Option<BufferId> {
        match self {
            ScalarOp::Load(b, _) | ScalarOp::Gather { buffer: b, .. } => Some(*b),
            _ => None,
        }
    }

    /// The buffer the instruction reads, to renumber it.
    pub fn buffer_read_mut(&mut self) -> Option<&mut BufferId> {
        match self {
            ScalarOp::Load(b, _) | ScalarOp::Gather { buffer: b, .. } => Some(b),
            _ => None,
        }
    }
}

/// The ops a scalar body applies: elementwise ones only, so a body cannot hold a view,
/// a reduction or a matrix product (the planner turns those into index maps, phases
/// and kernels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ElementwiseOp {
    /// A function of one operand.
    Unary(UnaryOp),
    /// A function of two operands.
    Binary(BinaryOp),
    /// `where(cond, a, b)`.
    Where,
    /// Conversion to another dtype.
    Cast(DType),
}

impl ElementwiseOp {
    /// The elementwise op `op` is, if it is one.
    pub fn from_op(op: &Op) -> Option<ElementwiseOp> {
        match *op {
            Op::Unary(u) => Some(ElementwiseOp::Unary(u)),
            Op::Binary(b) => Some(ElementwiseOp::Binary(b)),
            Op::Where => Some(ElementwiseOp::Where),
            Op::Cast(to) => Some(ElementwiseOp::Cast(to)),
            _ => None,
        }
    }

    /// How many operands it takes.
    pub fn arity(self) -> usize {
        match self {
            ElementwiseOp::Unary(_) | ElementwiseOp::Cast(_) => 1,
            ElementwiseOp::Binary(_) => 2,
            ElementwiseOp::Where => 3,
        }
    }

    /// The program op with the same meaning.
    pub fn to_op(self) -> Op {
        match self {
            ElementwiseOp::Unary(u) => Op::Unary(u),
            ElementwiseOp::Binary(b) => Op::Binary(b),
            ElementwiseOp::Where => Op::Where,
            ElementwiseOp::Cast(to) => Op::Cast(to),
        }
    }
}

impl fmt::Display for ElementwiseOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_op().fmt(f)
    }
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

/// `out = op(x)` for an op along one axis that a library routine computes lane by lane
/// (`cumsum[axis=1]`, ...): the operand is a buffer read through an index map whose
/// domain is its logical index.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisKernel {
    /// The IR op (`Op::Scan`, `Op::Sort` or `Op::Fft`: [`Op::is_axis_routine`]).
    pub op: Op,
    /// The operand buffer and its map.
    pub x: (BufferId, IndexMap),
    /// The operand's logical type.
    pub x_ty: TensorType,
    /// A binary routine's second operand (`searchsorted`'s values) and its type.
    pub y: Option<((BufferId, IndexMap), TensorType)>,
    /// The output (C-contiguous, of the op's result type).
    pub out: BufferId,
}

impl AxisKernel {
    /// The operands' types, in order.
    pub fn operand_types(&self) -> Vec<&TensorType> {
        std::iter::once(&self.x_ty)
            .chain(self.y.as_ref().map(|(_, t)| t))
            .collect()
    }
}

/// A kernel.
#[derive(Clone, Debug, PartialEq)]
pub enum Kernel {
    /// A fused loop nest.
    Loop(LoopKernel),
    /// A matrix product.
    MatMul(MatMulKernel),
    /// A library routine along one axis (a running fold).
    Axis(AxisKernel),
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

/// What a loop kernel computes, read off its phases, so backends need not match them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LoopKind {
    /// No inner loops and one `Outer` phase over a non-empty outer space: a map over
    /// elements (backends may cut it into rows and columns freely).
    Elementwise,
    /// One `Reduce` phase storing nothing, then an `Outer` phase storing exactly the
    /// reduced value once: `sum(expr)`, `max(expr)`, ... (the fold may be split into
    /// chunks whose partials are combined).
    Reduction {
        /// How values combine.
        combiner: ReduceOp,
        /// The accumulator's dtype.
        dtype: DType,
    },
    /// Anything else: row-wise kernels, reductions with epilogues or stored
    /// intermediates, 0-d kernels.
    Phased,
}

impl LoopKernel {
    /// Calls `f` on every buffer reference (reads and stores), in phase order, each
    /// body's reads before its stores: to renumber buffers.
    pub fn for_each_buffer_mut(&mut self, mut f: impl FnMut(&mut BufferId)) {
        for phase in &mut self.phases {
            let (body, stores) = phase.body_and_stores_mut();
            for instr in &mut body.instrs {
                if let Some(b) = instr.op.buffer_read_mut() {
                    f(b);
                }
            }
            for st in stores.iter_mut() {
                f(&mut st.buffer);
            }
        }
    }

    /// What the kernel computes (see [`LoopKind`]).
    pub fn kind(&self) -> LoopKind {
        match self.phases.as_slice() {
            [Phase::Outer { .. }] if self.inner.is_empty() && !self.outer.is_empty() => {
                LoopKind::Elementwise
            }
            [Phase::Reduce {
                combiner,
                dtype,
                stores: reduce_stores,
                ..
            }, Phase::Outer { body, stores }]
                if reduce_stores.is_empty()
                    && body.instrs.len() == 1
                    && body.instrs[0].op == ScalarOp::Reduced(0)
                    && body.instrs[0].dtype == *dtype
                    && stores.len() == 1 =>
            {
                LoopKind::Reduction {
                    combiner: *combiner,
                    dtype: *dtype,
                }
            }
            _ => LoopKind::Phased,
        }
    }
}

impl KernelPlan {
    /// Number of loop and matmul kernels.
    pub fn kernel_count(&self) -> usize {
        self.kernels.len()
    }
}
