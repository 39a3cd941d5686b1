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

mod emit;
mod group;
mod index_map;
mod materialize;

use std::collections::{BTreeMap, BTreeSet};

use lazyfuse_ir::kernel::KernelPlan;
use lazyfuse_ir::{IrError, NodeId, Op, Program, Shape};

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
    /// At most this many roots (values stored) share one kernel. LLVM's instruction
    /// scheduler is quadratic in a block's stores: 2,000 outputs `x * i` in one
    /// kernel took 20 s to compile.
    pub max_kernel_outputs: usize,
    /// A kernel reads at most about this many arrays (memory streams). Past a few dozen
    /// streams the hardware prefetchers lose track and LLVM's compile time grows: a sum
    /// tree over 2,048 arrays of 100,000 float64 ran in 82 ms with kernels of up to 32
    /// reads, 138 ms with 64 and 313 ms with no cap (first runs, compile included: 0.44,
    /// 0.87 and 0.93 s; one run, `cargo run --release --example fusion_compile_scaling`).
    pub max_kernel_reads: usize,
}

impl Default for FusionOptions {
    fn default() -> FusionOptions {
        // Writing and re-reading an element costs about as much as a dozen simple ops
        // on a memory-bound machine; transcendental chains beyond that are stored.
        FusionOptions {
            enabled: true,
            recompute_limit: 24.0,
            max_fused_ops: 256,
            max_kernel_outputs: 32,
            max_kernel_reads: 32,
        }
    }
}

/// Plans `program` into kernels.
pub fn plan(program: &Program, options: &FusionOptions) -> Result<KernelPlan, IrError> {
    plan_with_members(program, options).map(|(plan, _)| plan)
}

/// Plans `program` into kernels, and says for each kernel which program nodes it
/// computes (its roots and the values fused into it): what `explain` draws as clusters.
pub fn plan_with_members(
    program: &Program,
    options: &FusionOptions,
) -> Result<(KernelPlan, Vec<Vec<NodeId>>), IrError> {
    program.verify()?;
    let (plan, members) = Planner::new(program, options).run()?;
    plan.verify()
        .map_err(|e| IrError::internal(format!("invalid plan ({e}) for\n{program}\n{plan}")))?;
    Ok((plan, members))
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
    /// A running fold (a library routine, like a matrix product).
    Scan,
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

    fn run(mut self) -> Result<(KernelPlan, Vec<Vec<NodeId>>), IrError> {
        self.choose_materialized();
        let groups = self.group();
        self.register_only = self.find_register_only(&groups);
        self.emit(groups)
    }
}
