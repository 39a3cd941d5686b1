//! Reductions along a strided axis, run a block of output points at a time (a part of
//! `llvm/kernel/mod.rs`).
//!
//! `x.sum(axis=0)` of a C-ordered matrix reduces a column per output point: one element
//! per cache line, each line fetched again for the next column. When the run-time
//! strides say so (every reduced operand moving with the last outer axis does so with
//! stride 1, and one moves with the innermost inner axis with another stride), the
//! kernel instead runs up to `MAX_LANES` consecutive output points in its innermost loop:
//! for each inner point a vectorised loop folds a contiguous run of a row into the
//! block's accumulators (arrays on the stack), so the operand streams once, in order.
//!
//! Each output still folds its elements in the inner space's C order, one at a time:
//! float sums are sequential here rather than pairwise (NumPy's own order along such an
//! axis), and max, min and the arg-reductions use the element-by-element rule, which
//! vectorises across the block since no lane depends on another.

use inkwell::types::{BasicType, BasicTypeEnum};
use inkwell::values::{IntValue, PointerValue};
use inkwell::IntPredicate;
use lazyfuse_ir::kernel::{Body, LoopKernel, Phase, ScalarOp};
use lazyfuse_ir::ReduceOp;

use super::{count_sites, gathers, is_elementwise, Acc, Emit, Res};

/// Most output points per block. Each inner point reads a run of this many elements of
/// a row: runs of 256 float32 (1 KiB) ran column sums at half NumPy's speed on one
/// thread, runs of 4096 at NumPy's speed (the prefetchers follow long runs).
const MAX_LANES: u32 = 4096;

/// Most stack bytes for a kernel's block accumulators (fewer lanes when its reductions
/// need more; the pool's threads have 2 MiB stacks).
const STACK_BUDGET: usize = 256 << 10;

/// Inner points a lane folds per visit of its accumulator when the reduction's body is
/// cheap (in order: one load and store of the accumulator per `JAM` points rather than
/// per point). A costly body is computed once per point, and its code not repeated.
const JAM: i64 = 4;

/// The block accumulators of a kernel: lanes per block and each reduce phase's arrays.
pub(super) struct Blocks<'ctx> {
    lanes: u32,
    accs: Vec<BlockAcc<'ctx>>,
}

/// A reduce phase's accumulators for a block: value, arg index and element counter,
/// one per output point.
#[derive(Clone, Copy)]
pub(super) struct BlockAcc<'ctx> {
    value: PointerValue<'ctx>,
    value_type: BasicTypeEnum<'ctx>,
    index: PointerValue<'ctx>,
    counter: PointerValue<'ctx>,
}

/// Inner spaces of at most this many points are tiny: a loop over one per output point
/// costs more than its work (pairwise distances fold 3 elements per output).
const TINY_INNER: usize = 16;

/// How a reduction kernel runs its outer points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blocking {
    /// One outer point at a time.
    Never,
    /// In blocks when the run's strides say so (`prefer_blocks`: a column of a
    /// C-ordered array), whose lanes then move with unit stride.
    ByStrides,
    /// Always in blocks (a tiny inner space), the lane loops versioned for unit strides.
    Always,
}

/// How `kernel` runs its outer points. Blocks need a reduction kernel (reduce and
/// per-point phases only, no stores inside the reductions, no gathers) with outer and
/// inner axes; they are taken always when its inner space is tiny, else by strides when
/// a reduced operand's last dimension moves with the last outer axis while another one
/// moves with the innermost inner axis (a column of a C-ordered array).
pub(crate) fn blocking(kernel: &LoopKernel) -> Blocking {
    if is_elementwise(kernel) || kernel.outer.is_empty() || kernel.inner.is_empty() {
        return Blocking::Never;
    }
    if gathers(kernel) {
        return Blocking::Never;
    }
    let last_outer = kernel.outer.len() - 1;
    let innermost = kernel.outer.len() + kernel.inner.len() - 1;
    let mut column = false;
    for phase in &kernel.phases {
        match phase {
            Phase::Map { .. } => return Blocking::Never,
            Phase::Reduce { stores, .. } if !stores.is_empty() => return Blocking::Never,
            Phase::Reduce { body, .. } => {
                for instr in &body.instrs {
                    let ScalarOp::Load(_, map) = &instr.op else {
                        continue;
                    };
                    if let Some((last, rest)) = map.0.split_last() {
                        column |= last.coefs[last_outer] != 0
                            && last.coefs[innermost] == 0
                            && rest.iter().any(|a| a.coefs[innermost] != 0);
                    }
                }
            }
            Phase::Outer { .. } => {}
        }
    }
    if kernel.inner.iter().product::<usize>() <= TINY_INNER {
        Blocking::Always
    } else if column {
        Blocking::ByStrides
    } else {
        Blocking::Never
    }
}

impl<'ctx> Emit<'_, 'ctx> {
    /// The block accumulators of each reduce phase (stack arrays, made at entry).
    pub(super) fn block_accumulators(&mut self) -> Res<Blocks<'ctx>> {
        let bytes_per_lane: usize = self
            .accs
            .iter()
            .map(|acc| acc.dtype.size_bytes().max(1) + if is_arg(*acc) { 16 } else { 0 })
            .sum();
        let fit = (STACK_BUDGET / bytes_per_lane.max(1)).max(1) as u32;
        let lanes = MAX_LANES.min(1 << fit.ilog2());
        let b = self.s.builder;
        let i64t = self.s.ctx.i64_type();
        let mut accs = Vec::with_capacity(self.accs.len());
        for acc in &self.accs {
            let value_type = self.s.reg_type(acc.dtype);
            let value = b.build_alloca(value_type.array_type(lanes), "block.acc")?;
            // Positions only for arg-reductions (others never read them).
            let positions = if is_arg(*acc) { lanes } else { 1 };
            let index = b.build_alloca(i64t.array_type(positions), "block.arg")?;
            let counter = b.build_alloca(i64t.array_type(positions), "block.flat")?;
            accs.push(BlockAcc {
                value,
                value_type,
                index,
                counter,
            });
        }
        Ok(Blocks { lanes, accs })
    }

    /// Whether this run's strides favour blocks: the last outer axis has extent 2 or
    /// more, every reduce-phase site moving with it has stride 1, and one moving with the
    /// innermost inner axis has another stride.
    pub(super) fn prefer_blocks(&mut self) -> Res<IntValue<'ctx>> {
        let loops = self.idx.len();
        let last = self.kernel.outer.len() - 1;
        let innermost = loops - 1;
        let b = self.s.builder;
        let bool_t = self.s.ctx.bool_type();
        let extent = self.param(last)?;
        let mut unit = b.build_int_compare(IntPredicate::SGT, extent, self.i64(1), "wide")?;
        let mut strided = bool_t.const_zero();
        let mut site = 0;
        for phase in &self.kernel.phases {
            let (body, stores) = phase.body_and_stores();
            let sites = site..site + count_sites(body, stores);
            site = sites.end;
            if !matches!(phase, Phase::Reduce { .. }) {
                continue;
            }
            for s in sites {
                // Whether site s moves with loop k with stride 1 (None: it does not move).
                let unit_along = |e: &Self, k: usize| -> Res<Option<IntValue<'ctx>>> {
                    if !e.depends[s][k] {
                        return Ok(None);
                    }
                    let stride = e.param(loops + s * (1 + loops) + 1 + k)?;
                    Ok(Some(b.build_int_compare(
                        IntPredicate::EQ,
                        stride,
                        e.i64(1),
                        "unit",
                    )?))
                };
                if let Some(one) = unit_along(self, last)? {
                    unit = b.build_and(unit, one, "units")?;
                }
                if let Some(one) = unit_along(self, innermost)? {
                    strided = b.build_or(strided, b.build_not(one, "strided")?, "strideds")?;
                }
            }
        }
        Ok(b.build_and(unit, strided, "blocks")?)
    }

    /// The outer points `row_begin..row_end` (flat), a block at a time: a block is a run
    /// of up to `blocks.lanes` points along the last outer axis with the other outer indices
    /// fixed.
    pub(super) fn blocked_rows(
        &mut self,
        blocks: &Blocks<'ctx>,
        unit_lanes: bool,
        row_begin: IntValue<'ctx>,
        row_end: IntValue<'ctx>,
    ) -> Res<()> {
        self.for_strides(row_begin, row_end, "block", |e, row| {
            e.block(blocks, unit_lanes, row, row_end)
        })
    }

    /// The block of outer points from flat point `row` (see `blocked_rows`): every
    /// phase over its lanes. Returns its length.
    fn block(
        &mut self,
        blocks: &Blocks<'ctx>,
        unit_lanes: bool,
        row: IntValue<'ctx>,
        row_end: IntValue<'ctx>,
    ) -> Res<IntValue<'ctx>> {
        let b = self.s.builder;
        let n_outer = self.kernel.outer.len();
        let last = n_outer - 1;

        // The block: from `row`, to the end of its run along the last axis, the end of
        // the range, or `lanes` points, whichever comes first.
        let mut rest = row;
        for k in (0..n_outer).rev() {
            let extent = self.param(k)?;
            self.idx[k] = b.build_int_signed_rem(rest, extent, "i")?;
            rest = b.build_int_signed_div(rest, extent, "rest")?;
        }
        let start = self.idx[last];
        let to_run_end = b.build_int_nsw_sub(self.param(last)?, start, "run")?;
        let to_range_end = b.build_int_nsw_sub(row_end, row, "range")?;
        let block = self.i64(blocks.lanes as i64);
        let n = self.min(self.min(to_run_end, to_range_end)?, block)?;

        let mut reduce = 0;
        for p in 0..self.kernel.phases.len() {
            let (first_site, sites) = self.sites_of(p);
            match &self.kernel.phases[p] {
                Phase::Reduce { body, value, .. } => {
                    let target = blocks.accs[reduce];
                    let acc = self.accs[reduce];
                    let identity = self.identity(acc.combiner, acc.dtype);
                    self.for_range(self.i64(0), n, "block.init", |e, j| {
                        let b = e.s.builder;
                        b.build_store(e.lane(target.value, target.value_type, j)?, identity)?;
                        if is_arg(acc) {
                            let i64t = e.s.ctx.i64_type().into();
                            b.build_store(e.lane(target.index, i64t, j)?, e.i64(0))?;
                            b.build_store(e.lane(target.counter, i64t, j)?, e.i64(0))?;
                        }
                        Ok(())
                    })?;
                    let value_dtype = body.instrs[*value].dtype;
                    let live = &blocks.accs[..=reduce];
                    let jam = if cheap(body) { JAM } else { 1 };
                    self.in_order = true;
                    let folded = self.jammed_inner(0, jam, &mut |e, count| {
                        let innermost = e.idx.len() - 1;
                        let first = e.idx[innermost];
                        let mut lane = |e: &mut Self, j: IntValue<'ctx>| {
                            let b = e.s.builder;
                            e.idx[last] = b.build_int_nsw_add(start, j, "col")?;
                            e.restore(live, j)?;
                            for u in 0..count {
                                let b = e.s.builder;
                                e.idx[innermost] = b.build_int_nsw_add(first, e.i64(u), "at")?;
                                e.site = first_site;
                                let regs = e.body(body)?;
                                e.combine(acc, regs[*value], value_dtype)?;
                            }
                            e.save(reduce, target, j)
                        };
                        let lanes =
                            e.lanes(unit_lanes, first_site..first_site + sites, n, &mut lane);
                        e.idx[innermost] = first;
                        lanes
                    });
                    self.in_order = false;
                    folded?;
                    reduce += 1;
                }
                Phase::Outer { .. } => {
                    let live = &blocks.accs[..reduce];
                    let mut point = |e: &mut Self, j: IntValue<'ctx>| {
                        e.idx[last] = e.s.builder.build_int_nsw_add(start, j, "col")?;
                        e.restore(live, j)?;
                        e.site = first_site;
                        e.run_phase(p)
                    };
                    // (Lanes known to be unit for the reductions: stores as they come.)
                    let sites = first_site..first_site + sites;
                    if unit_lanes {
                        self.for_range(self.i64(0), n, "block.point", point)?;
                    } else {
                        self.versioned(last, sites, self.i64(0), n, "block.point", &mut point)?;
                    }
                }
                Phase::Map { .. } => {
                    return Err(crate::error::CodegenError::Internal(
                        "a blocked kernel has no map phase".into(),
                    ))
                }
            }
            self.site = first_site + sites;
        }

        Ok(n)
    }

    /// Nested loops over the inner axes from `axis` on, in C order; the innermost steps
    /// `jam` points at a time, then one at a time for the rest, and `f(e, count)`
    /// folds `count` points from the innermost index set.
    fn jammed_inner(
        &mut self,
        axis: usize,
        jam: i64,
        f: &mut dyn FnMut(&mut Self, i64) -> Res<()>,
    ) -> Res<()> {
        let n_outer = self.kernel.outer.len();
        let (zero, extent) = match (axis, self.first_inner) {
            (0, Some(range)) => range,
            _ => (self.i64(0), self.param(n_outer + axis)?),
        };
        let k = n_outer + axis;
        if axis + 1 < self.kernel.inner.len() {
            return self.for_range(zero, extent, "inner", |e, i| {
                e.idx[k] = i;
                e.jammed_inner(axis + 1, jam, f)
            });
        }
        if jam > 1 {
            let b = self.s.builder;
            let span = b.build_int_nsw_sub(extent, zero, "span")?;
            let rest = b.build_int_signed_rem(span, self.i64(jam), "rest")?;
            let jammed_end = b.build_int_nsw_sub(extent, rest, "jammed")?;
            self.for_step(zero, jammed_end, jam, "inner.jam", |e, i| {
                e.idx[k] = i;
                f(e, jam)
            })?;
            return self.for_range(jammed_end, extent, "inner.rest", |e, i| {
                e.idx[k] = i;
                f(e, 1)
            });
        }
        self.for_range(zero, extent, "inner", |e, i| {
            e.idx[k] = i;
            f(e, 1)
        })
    }

    /// The loop over a block's `n` lanes, `lane` its body: with unit strides along the
    /// last outer axis where `unit` says they are (the run chose blocks for that),
    /// else versioned for them.
    fn lanes(
        &mut self,
        unit: bool,
        sites: std::ops::Range<usize>,
        n: IntValue<'ctx>,
        lane: &mut dyn FnMut(&mut Self, IntValue<'ctx>) -> Res<()>,
    ) -> Res<()> {
        let last = self.kernel.outer.len() - 1;
        if !unit {
            return self.versioned(last, sites, self.i64(0), n, "block.lane", lane);
        }
        let saved = self.unit_loop;
        self.unit_loop = Some(last);
        let lanes = self.for_range(self.i64(0), n, "block.lane", |e, j| lane(e, j));
        self.unit_loop = saved;
        lanes
    }

    /// Phase `p`'s first access site and its number of sites.
    fn sites_of(&self, p: usize) -> (usize, usize) {
        let count = |phase: &Phase| {
            let (body, stores) = phase.body_and_stores();
            count_sites(body, stores)
        };
        let first = self.kernel.phases[..p].iter().map(count).sum();
        (first, count(&self.kernel.phases[p]))
    }

    /// The smaller of two signed integers.
    fn min(&self, a: IntValue<'ctx>, b: IntValue<'ctx>) -> Res<IntValue<'ctx>> {
        let builder = self.s.builder;
        let less = builder.build_int_compare(IntPredicate::SLT, a, b, "lt")?;
        Ok(builder.build_select(less, a, b, "min")?.into_int_value())
    }

    /// Lane `j` of a block array of `t`.
    fn lane(
        &self,
        array: PointerValue<'ctx>,
        t: BasicTypeEnum<'ctx>,
        j: IntValue<'ctx>,
    ) -> Res<PointerValue<'ctx>> {
        Ok(unsafe { self.s.builder.build_in_bounds_gep(t, array, &[j], "lane")? })
    }

    /// Loads lane `j` of the first `blocks.len()` reduce phases' block accumulators
    /// into their scalar slots (what `combine` and `Reduced` read).
    fn restore(&mut self, blocks: &[BlockAcc<'ctx>], j: IntValue<'ctx>) -> Res<()> {
        let i64t = self.s.ctx.i64_type();
        for (q, block) in blocks.iter().enumerate() {
            let acc = self.accs[q];
            let b = self.s.builder;
            let v = b.build_load(
                block.value_type,
                self.lane(block.value, block.value_type, j)?,
                "v",
            )?;
            b.build_store(acc.value, v)?;
            if is_arg(acc) {
                let i = b.build_load(i64t, self.lane(block.index, i64t.into(), j)?, "i")?;
                b.build_store(acc.index, i)?;
                let c = b.build_load(i64t, self.lane(block.counter, i64t.into(), j)?, "c")?;
                b.build_store(acc.counter, c)?;
            }
        }
        Ok(())
    }

    /// Stores reduce phase `q`'s scalar slots into lane `j` of its block accumulators.
    fn save(&mut self, q: usize, block: BlockAcc<'ctx>, j: IntValue<'ctx>) -> Res<()> {
        let i64t = self.s.ctx.i64_type();
        let acc = self.accs[q];
        let b = self.s.builder;
        let v = b.build_load(block.value_type, acc.value, "v")?;
        b.build_store(self.lane(block.value, block.value_type, j)?, v)?;
        if is_arg(acc) {
            let i = b.build_load(i64t, acc.index, "i")?;
            b.build_store(self.lane(block.index, i64t.into(), j)?, i)?;
            let c = b.build_load(i64t, acc.counter, "c")?;
            b.build_store(self.lane(block.counter, i64t.into(), j)?, c)?;
        }
        Ok(())
    }
}

/// Whether a reduction's body is cheap enough to repeat `JAM` times: a few loads,
/// arithmetic and comparisons, no vector math.
fn cheap(body: &Body) -> bool {
    use lazyfuse_ir::kernel::ElementwiseOp as E;
    use lazyfuse_ir::{BinaryOp as B, UnaryOp as U};
    let applied = body.instrs.iter().filter_map(|i| match &i.op {
        ScalarOp::Apply(op, _) => Some(*op),
        _ => None,
    });
    let mut count = 0;
    for op in applied {
        count += 1;
        let ok = match op {
            E::Cast(_) | E::Where => true,
            E::Unary(u) => matches!(u, U::Neg | U::Abs | U::Square | U::Sqrt | U::IsNan),
            E::Binary(b) => matches!(
                b,
                B::Add
                    | B::Sub
                    | B::Mul
                    | B::Maximum
                    | B::Minimum
                    | B::Eq
                    | B::Ne
                    | B::Lt
                    | B::Le
                    | B::Gt
                    | B::Ge
            ),
        };
        if !ok || count > 6 {
            return false;
        }
    }
    true
}

/// Whether an accumulator tracks a position (its index and counter slots matter).
fn is_arg(acc: Acc<'_>) -> bool {
    matches!(acc.combiner, ReduceOp::ArgMax | ReduceOp::ArgMin)
}
