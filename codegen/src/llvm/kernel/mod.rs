//! A loop kernel as one LLVM function.
//!
//! ```c
//! void kernel(i8** buffers, const i64* params,
//!             i64 row_begin, i64 row_end, i64 col_begin, i64 col_end);
//! ```
//!
//! Everything that depends on sizes is a run-time parameter, so one compiled kernel
//! serves every shape with the same structure: `params` holds the loop extents (outer,
//! then inner), then for each access site (a load, a store or a ramp, in order of
//! appearance) its offset and one stride per loop index, in elements. The executor
//! computes those from the plan's index maps and the buffers' actual strides.
//!
//! Elementwise kernels (no inner loops, one per-outer-point phase) run rows of their
//! last axis: rows are the other outer axes, columns the last one, and the column loop
//! is the one LLVM vectorises. Other kernels run one outer point per row and their
//! phases over the inner loops, the first inner axis over `col_begin..col_end` (its
//! whole extent, or a chunk of a long reduction).

use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::{AddressSpace, FloatPredicate, IntPredicate};
use lazyfuse_ir::kernel::{Affine, Body, LoopKernel, LoopKind, Phase, ScalarOp};
use lazyfuse_ir::{DType, ReduceOp};

use crate::error::CodegenError;
use crate::llvm::loop_hints;
use crate::llvm::scalar::ScalarLowering;
use crate::llvm::vmath_variants::SplitCode;

type Res<T> = Result<T, CodegenError>;

/// Whether a kernel runs in rows × columns of its outer space (elementwise).
pub(crate) fn is_elementwise(k: &LoopKernel) -> bool {
    k.kind() == LoopKind::Elementwise
}

mod accumulate;
mod blocked;
mod bodies;
mod cooperative;
mod gathered;
mod prefetch;

pub(crate) use blocked::{blocking, Blocking};
pub(crate) use bodies::count_sites;
pub(crate) use cooperative::{cooperative, Placement};
pub(crate) use gathered::gathers;
mod pairwise;

use pairwise::Pairwise;

struct Emit<'a, 'ctx> {
    s: ScalarLowering<'a, 'ctx>,
    /// In phase mode, the range of the first inner axis (`col_begin..col_end`): the
    /// executor splits long reductions into chunks with it.
    first_inner: Option<(IntValue<'ctx>, IntValue<'ctx>)>,
    function: FunctionValue<'ctx>,
    kernel: &'a LoopKernel,
    buffers: PointerValue<'ctx>,
    params: PointerValue<'ctx>,
    /// Next access site.
    site: usize,
    /// Loop indices (outer, then inner), as i64.
    idx: Vec<IntValue<'ctx>>,
    /// Accumulators of reduce phases: value, arg index and element counter slots, the
    /// accumulator's dtype and the combiner.
    accs: Vec<Acc<'ctx>>,
    /// Each buffer's dtype (stores write it).
    buffer_dtypes: &'a [DType],
    /// Every parameter and buffer base pointer, loaded once at entry: in registers
    /// they cannot alias the stores, so loops vectorise.
    param_values: Vec<IntValue<'ctx>>,
    buffer_values: Vec<Option<PointerValue<'ctx>>>,
    /// For each access site, whether its address depends on each loop index (a known
    /// zero coefficient means stride 0 whatever the buffer's strides).
    depends: Vec<Vec<bool>>,
    /// The loop being emitted in its unit-stride version, if any.
    unit_loop: Option<usize>,
    /// The access sites of the phase being emitted.
    phase_sites: std::ops::Range<usize>,
    /// Per reduce phase, the slots of its pairwise float sum (None for other combiners).
    pairwise: Vec<Option<Pairwise<'ctx>>>,
    /// The pairwise sum of the reduce phase being emitted, if it has one.
    active_pairwise: Option<Pairwise<'ctx>>,
    /// The body (and its first site) whose loads each block of the active pairwise sum
    /// prefetches for the next row (see `prefetch.rs`), if it does.
    next_row_prefetch: Option<(&'a Body, usize)>,
    /// In kernels that gather, whether a position was out of bounds (an i1 slot).
    out_of_bounds: Option<PointerValue<'ctx>>,
    /// Whether float max/min reductions (and the first pass of float arg-reductions)
    /// fold with LLVM's `maximum`/`minimum` (which vectorise) instead of NumPy's rule
    /// (see `run_phase`).
    fast_extrema: bool,
    /// In the second pass of a float or bool arg-reduction, the extremum whose first
    /// position the pass finds.
    arg_search: Option<BasicValueEnum<'ctx>>,
    /// Whether the innermost loop is emitted once, not versioned for unit strides (a
    /// rarely taken loop: less code for LLVM to compile).
    plain_loops: bool,
    /// Whether sums and products fold in element order, not reassociable (the blocked
    /// loops, which keep NumPy's order along a strided axis).
    in_order: bool,
    /// On the GPU, the block of threads that folds each row together, if it does.
    block: Option<cooperative::Block<'ctx>>,
    /// Whether the function runs on the GPU (buffers are then in its global memory).
    gpu: bool,
    /// Which versions of a loop over strided sites are emitted.
    versions: LoopVersions,
    /// With [`LoopVersions::UnitOnly`], the parameters (strides) the loops assume are 1.
    unit_strides: Vec<usize>,
}

/// Which versions of an innermost loop over strided access sites a kernel has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoopVersions {
    /// Two versions, chosen at run time: one where every site that moves with the loop
    /// has stride 1 (a constant, so LLVM vectorises it), and the general one.
    Both,
    /// Only the unit-stride version: the caller runs the kernel only where every
    /// stride parameter it lists ([`emit_cpu_kernel`]) is 1. About half the code of
    /// `Both`, so half LLVM's time (most calls see unit strides).
    UnitOnly,
}

#[derive(Clone, Copy)]
struct Acc<'ctx> {
    value: PointerValue<'ctx>,
    index: PointerValue<'ctx>,
    counter: PointerValue<'ctx>,
    dtype: DType,
    combiner: ReduceOp,
}

/// Emits `kernel` as a function named `name` into `module`, for the CPU, every loop
/// over strided sites in both versions.
pub(crate) fn emit_kernel<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    name: &str,
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
) -> Res<FunctionValue<'ctx>> {
    emit_kernel_for(ctx, module, name, kernel, buffer_dtypes, Placement::Cpu)
}

/// [`emit_kernel`] for where it runs (see [`Placement`]).
pub(crate) fn emit_kernel_for<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    name: &str,
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
    placement: Placement,
) -> Res<FunctionValue<'ctx>> {
    emit_with(
        ctx,
        module,
        name,
        kernel,
        buffer_dtypes,
        placement,
        LoopVersions::Both,
        SplitCode::OwnForms,
    )
    .map(|(function, _)| function)
}

/// [`emit_kernel`] for the JIT, with the loop `versions` asked for, and the parameter
/// indices that must be 1 for a call of the function (empty with
/// [`LoopVersions::Both`]: it takes any strides), sorted. sin, cos, tan and the logarithms are only
/// declared: the process's vector-math library defines them ([`SplitCode::Library`]).
pub(crate) fn emit_cpu_kernel<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    name: &str,
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
    versions: LoopVersions,
) -> Res<(FunctionValue<'ctx>, Vec<usize>)> {
    emit_with(
        ctx,
        module,
        name,
        kernel,
        buffer_dtypes,
        Placement::Cpu,
        versions,
        SplitCode::Library,
    )
}

#[allow(clippy::too_many_arguments)]
fn emit_with<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    name: &str,
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
    placement: Placement,
    versions: LoopVersions,
    split_code: SplitCode,
) -> Res<(FunctionValue<'ctx>, Vec<usize>)> {
    let (gpu, block_threads) = match placement {
        Placement::Cpu => (false, None),
        Placement::Gpu { block_threads } => (true, block_threads),
    };
    let i64t = ctx.i64_type();
    let ptr = ctx.ptr_type(AddressSpace::default());
    let fn_type = ctx.void_type().fn_type(
        &[
            ptr.into(),
            ptr.into(),
            i64t.into(),
            i64t.into(),
            i64t.into(),
            i64t.into(),
        ],
        false,
    );
    let function = module.add_function(name, fn_type, None);
    if !gpu {
        crate::llvm::align_stack(ctx, function);
    }
    let builder = ctx.create_builder();
    let entry = ctx.append_basic_block(function, "entry");
    builder.position_at_end(entry);
    let p = |i: u32| function.get_nth_param(i).expect("declared parameter");
    let mut e = Emit {
        first_inner: None,
        s: ScalarLowering {
            ctx,
            module,
            builder: &builder,
            split_code: if gpu { SplitCode::Inline } else { split_code },
        },
        function,
        kernel,
        buffers: p(0).into_pointer_value(),
        params: p(1).into_pointer_value(),
        site: 0,
        idx: vec![i64t.const_zero(); kernel.outer.len() + kernel.inner.len()],
        accs: Vec::new(),
        buffer_dtypes,
        param_values: Vec::new(),
        buffer_values: vec![None; buffer_dtypes.len()],
        depends: Vec::new(),
        unit_loop: None,
        phase_sites: 0..0,
        next_row_prefetch: None,
        pairwise: Vec::new(),
        active_pairwise: None,
        out_of_bounds: None,
        fast_extrema: false,
        arg_search: None,
        plain_loops: false,
        in_order: false,
        block: None,
        gpu,
        versions,
        unit_strides: Vec::new(),
    };
    if gathers(kernel) {
        let flag = builder.build_alloca(ctx.bool_type(), "oob")?;
        builder.build_store(flag, ctx.bool_type().const_zero())?;
        e.out_of_bounds = Some(flag);
    }
    let (row_begin, row_end) = (p(2).into_int_value(), p(3).into_int_value());
    let (col_begin, col_end) = (p(4).into_int_value(), p(5).into_int_value());
    if !is_elementwise(kernel) {
        e.first_inner = Some((col_begin, col_end));
    }
    if let Some(threads) = block_threads {
        let block = cooperative::Block {
            threads,
            tid: e.thread_index()?,
        };
        e.first_inner = Some(e.thread_chunk(block, (col_begin, col_end))?);
        e.block = Some(block);
    }
    // Accumulators live in stack slots (promoted to registers by the optimizer).
    for phase in &kernel.phases {
        if let Phase::Reduce {
            dtype,
            combiner,
            body,
            value,
            ..
        } = phase
        {
            let value_dtype = body.instrs[*value].dtype;
            // (The planner chose the dtype: float32 for float16 sums.)
            let acc_dtype = match combiner {
                ReduceOp::ArgMax | ReduceOp::ArgMin => value_dtype,
                _ => *dtype,
            };
            let value = builder.build_alloca(e.s.reg_type(acc_dtype), "acc")?;
            let index = builder.build_alloca(i64t, "arg")?;
            let counter = builder.build_alloca(i64t, "flat")?;
            let pairwise = Pairwise::allocate(&builder, &e.s, acc_dtype, *combiner)?;
            e.pairwise.push(pairwise);
            e.accs.push(Acc {
                value,
                index,
                counter,
                dtype: acc_dtype,
                combiner: *combiner,
            });
        }
    }
    e.preload()?;
    let elementwise = is_elementwise(kernel);
    let n_row_axes = if elementwise {
        kernel.outer.len() - 1
    } else {
        kernel.outer.len()
    };
    // Reductions along a strided axis may run a block of outer points at a time
    // (blocked.rs), when the run's strides say so; those over a tiny inner space do.
    let blocking = match e.block {
        Some(_) => Blocking::Never,
        None => blocked::blocking(kernel),
    };
    match blocking {
        Blocking::Never => e.point_rows(n_row_axes, (row_begin, row_end), (col_begin, col_end))?,
        Blocking::Always => {
            let blocks = e.block_accumulators()?;
            e.blocked_rows(&blocks, false, row_begin, row_end)?;
        }
        Blocking::ByStrides => {
            let blocks = e.block_accumulators()?;
            let prefer = e.prefer_blocks()?;
            let yes = ctx.append_basic_block(function, "blocks");
            let no = ctx.append_basic_block(function, "points");
            let done = ctx.append_basic_block(function, "rows.done");
            builder.build_conditional_branch(prefer, yes, no)?;
            builder.position_at_end(yes);
            e.blocked_rows(&blocks, true, row_begin, row_end)?;
            builder.build_unconditional_branch(done)?;
            builder.position_at_end(no);
            e.point_rows(n_row_axes, (row_begin, row_end), (col_begin, col_end))?;
            builder.build_unconditional_branch(done)?;
            builder.position_at_end(done);
        }
    }
    if let Some(flag) = e.out_of_bounds {
        e.report_out_of_bounds(flag, buffer_dtypes.len())?;
    }
    builder.build_return(None)?;
    let mut unit_strides = std::mem::take(&mut e.unit_strides);
    unit_strides.sort_unstable();
    unit_strides.dedup();
    Ok((function, unit_strides))
}

impl<'a, 'ctx> Emit<'a, 'ctx> {
    /// The outer points one at a time: the row loop over `rows`, each row's number
    /// decomposed into its first `n_row_axes` outer indices; an elementwise kernel's
    /// columns over `cols`, another's phases in order.
    fn point_rows(
        &mut self,
        n_row_axes: usize,
        (row_begin, row_end): (IntValue<'ctx>, IntValue<'ctx>),
        (col_begin, col_end): (IntValue<'ctx>, IntValue<'ctx>),
    ) -> Res<()> {
        let kernel = self.kernel;
        self.for_range(row_begin, row_end, "row", |e, row| {
            let mut rest = row;
            for k in (0..n_row_axes).rev() {
                let extent = e.param(k)?;
                let b = e.s.builder;
                e.idx[k] = b.build_int_signed_rem(rest, extent, "i")?;
                rest = b.build_int_signed_div(rest, extent, "rest")?;
            }
            if is_elementwise(kernel) {
                let last = kernel.outer.len() - 1;
                let all_sites = 0..e.depends.len();
                e.versioned(last, all_sites, col_begin, col_end, "col", &mut |e, col| {
                    e.idx[last] = col;
                    e.site = 0;
                    e.run_phase(0)
                })
            } else {
                e.site = 0;
                for p in 0..kernel.phases.len() {
                    e.run_phase(p)?;
                }
                Ok(())
            }
        })
    }

    fn i64(&self, v: i64) -> IntValue<'ctx> {
        self.s.ctx.i64_type().const_int(v as u64, true)
    }

    /// Loads every parameter and every used buffer's base pointer (at entry).
    fn preload(&mut self) -> Res<()> {
        let b = self.s.builder;
        let i64t = self.s.ctx.i64_type();
        let loops = self.kernel.outer.len() + self.kernel.inner.len();
        let mut sites = 0;
        for phase in &self.kernel.phases {
            let (body, stores) = phase.body_and_stores();
            sites += count_sites(body, stores);
            for instr in &body.instrs {
                match &instr.op {
                    ScalarOp::Load(_, map) => self.depends.push(depends_on(&map.0, loops)),
                    ScalarOp::Ramp { index, .. } => self
                        .depends
                        .push(depends_on(std::slice::from_ref(index), loops)),
                    ScalarOp::Gather { .. } => self.depends.push(vec![false; loops]),
                    _ => {}
                }
            }
            for st in stores {
                self.depends.push(depends_on(&st.index.0, loops));
            }
            let used = body
                .instrs
                .iter()
                .filter_map(|i| i.op.buffer_read().map(|b| b.0))
                .chain(stores.iter().map(|s| s.buffer.0));
            for buf in used {
                if self.buffer_values[buf as usize].is_none() {
                    let ptr_t = self.s.ctx.ptr_type(AddressSpace::default());
                    let slot = unsafe {
                        b.build_in_bounds_gep(ptr_t, self.buffers, &[self.i64(buf as i64)], "bufp")?
                    };
                    let mut base = b.build_load(ptr_t, slot, "buf")?.into_pointer_value();
                    if self.gpu {
                        base = self.global_pointer(base)?;
                    }
                    self.buffer_values[buf as usize] = Some(base);
                }
            }
        }
        for i in 0..loops + sites * (1 + loops) {
            let at =
                unsafe { b.build_in_bounds_gep(i64t, self.params, &[self.i64(i as i64)], "p")? };
            self.param_values
                .push(b.build_load(i64t, at, "param")?.into_int_value());
        }
        Ok(())
    }

    /// `params[i]` (preloaded).
    fn param(&self, i: usize) -> Res<IntValue<'ctx>> {
        self.param_values
            .get(i)
            .copied()
            .ok_or_else(|| CodegenError::Internal(format!("parameter {i} out of range")))
    }

    /// A counted loop `for v in begin..end`, body emitted by `f`.
    fn for_range(
        &mut self,
        begin: IntValue<'ctx>,
        end: IntValue<'ctx>,
        name: &str,
        f: impl FnOnce(&mut Self, IntValue<'ctx>) -> Res<()>,
    ) -> Res<()> {
        self.for_step(begin, end, 1, name, f)
    }

    /// `for (v = begin; v < end; v += step)`, body emitted by `f`.
    fn for_step(
        &mut self,
        begin: IntValue<'ctx>,
        end: IntValue<'ctx>,
        step: i64,
        name: &str,
        f: impl FnOnce(&mut Self, IntValue<'ctx>) -> Res<()>,
    ) -> Res<()> {
        self.for_strides(begin, end, name, |e, v| {
            f(e, v)?;
            Ok(e.i64(step))
        })
    }

    /// `for (v = begin; v < end; v += step)` where the body `f` emits the code and
    /// returns the step (a value it may compute, such as a block's length).
    fn for_strides(
        &mut self,
        begin: IntValue<'ctx>,
        end: IntValue<'ctx>,
        name: &str,
        f: impl FnOnce(&mut Self, IntValue<'ctx>) -> Res<IntValue<'ctx>>,
    ) -> Res<()> {
        let ctx = self.s.ctx;
        let b = self.s.builder;
        let pre = b.get_insert_block().expect("positioned");
        let head = ctx.append_basic_block(self.function, &format!("{name}.head"));
        let body = ctx.append_basic_block(self.function, &format!("{name}.body"));
        let exit = ctx.append_basic_block(self.function, &format!("{name}.exit"));
        b.build_unconditional_branch(head)?;
        b.position_at_end(head);
        let phi = b.build_phi(ctx.i64_type(), name)?;
        let v = phi.as_basic_value().into_int_value();
        let more = b.build_int_compare(IntPredicate::SLT, v, end, "more")?;
        b.build_conditional_branch(more, body, exit)?;
        b.position_at_end(body);
        let step = f(self, v)?;
        let b = self.s.builder;
        let next = b.build_int_nsw_add(v, step, "next")?;
        let latch = b.get_insert_block().expect("positioned");
        let back = b.build_unconditional_branch(head)?;
        let one_loop = !self.gpu && self.kernel.outer.len() + self.kernel.inner.len() == 1;
        let m = self.s.module;
        if let Some(h) = loop_hints::choose(ctx, m, self.plain_loops, one_loop, [body, exit]) {
            loop_hints::set(ctx, back, h);
        }
        phi.add_incoming(&[(&begin, pre), (&next, latch)]);
        b.position_at_end(exit);
        Ok(())
    }

    /// Nested loops over the inner axes from `axis` on, then `f`.
    fn for_inner(&mut self, axis: usize, f: &mut dyn FnMut(&mut Self) -> Res<()>) -> Res<()> {
        let n_outer = self.kernel.outer.len();
        if axis == self.kernel.inner.len() {
            return f(self);
        }
        let (zero, extent) = match (axis, self.first_inner) {
            (0, Some(range)) => range,
            _ => (self.i64(0), self.param(n_outer + axis)?),
        };
        if axis + 1 == self.kernel.inner.len() {
            // The innermost loop: the one to vectorise.
            let sites = self.phase_sites.clone();
            let k = n_outer + axis;
            if self.plain_loops && self.active_pairwise.is_none() {
                return self.for_range(zero, extent, "inner", |e, i| {
                    e.idx[k] = i;
                    f(e)
                });
            }
            let Some(pw) = self.active_pairwise else {
                return self.versioned(k, sites, zero, extent, "inner", &mut |e, i| {
                    e.idx[k] = i;
                    f(e)
                });
            };
            return self.pairwise_loop(pw, zero, extent, &mut |e, lo, hi| {
                if let Some((body, first)) = e.next_row_prefetch {
                    e.prefetch_next_row(body, first, lo, pairwise::PAIRWISE_BLOCK)?;
                }
                e.versioned(k, sites.clone(), lo, hi, "inner", &mut |e, i| {
                    e.idx[k] = i;
                    f(e)
                })
            });
        }
        self.for_range(zero, extent, "inner", |e, i| {
            e.idx[n_outer + axis] = i;
            e.for_inner(axis + 1, f)
        })
    }

    /// The loop over `begin..end` for loop index `k`, emitted twice: a version where
    /// every site that moves with `k` has stride 1 (a constant, so LLVM vectorises it),
    /// taken when the run-time strides say so, and the general version. With
    /// [`LoopVersions::UnitOnly`], only the first, its strides noted for the caller.
    fn versioned(
        &mut self,
        k: usize,
        sites: std::ops::Range<usize>,
        begin: IntValue<'ctx>,
        end: IntValue<'ctx>,
        name: &str,
        body: &mut dyn FnMut(&mut Self, IntValue<'ctx>) -> Res<()>,
    ) -> Res<()> {
        let loops = self.idx.len();
        let n_extents = self.kernel.outer.len() + self.kernel.inner.len();
        let moving: Vec<usize> = sites.filter(|&s| self.depends[s][k]).collect();
        if moving.is_empty() {
            return self.for_range(begin, end, name, |e, i| body(e, i));
        }
        let strides: Vec<usize> = moving
            .iter()
            .map(|s| n_extents + s * (1 + loops) + 1 + k)
            .collect();
        if self.versions == LoopVersions::UnitOnly {
            self.unit_strides.extend(&strides);
            let saved = self.unit_loop;
            self.unit_loop = Some(k);
            let result = self.for_range(begin, end, name, |e, i| body(e, i));
            self.unit_loop = saved;
            return result;
        }
        let b = self.s.builder;
        let mut unit = self.s.ctx.bool_type().const_int(1, false);
        for index in strides {
            let stride = self.param(index)?;
            let is_one = b.build_int_compare(IntPredicate::EQ, stride, self.i64(1), "unit")?;
            unit = b.build_and(unit, is_one, "units")?;
        }
        let ctx = self.s.ctx;
        let fast = ctx.append_basic_block(self.function, &format!("{name}.unit"));
        let slow = ctx.append_basic_block(self.function, &format!("{name}.strided"));
        let merge = ctx.append_basic_block(self.function, &format!("{name}.done"));
        b.build_conditional_branch(unit, fast, slow)?;
        for (block, unit_loop) in [(fast, Some(k)), (slow, None)] {
            self.s.builder.position_at_end(block);
            let saved = self.unit_loop;
            self.unit_loop = unit_loop;
            self.for_range(begin, end, name, |e, i| body(e, i))?;
            self.unit_loop = saved;
            self.s.builder.build_unconditional_branch(merge)?;
        }
        self.s.builder.position_at_end(merge);
        Ok(())
    }

    /// Offset of the next access site at the current loop point, in elements.
    fn site_offset(&mut self) -> Res<IntValue<'ctx>> {
        let loops = self.idx.len();
        let site = self.site;
        let base = self.kernel.outer.len() + self.kernel.inner.len() + site * (1 + loops);
        self.site += 1;
        let b = self.s.builder;
        let mut off = self.param(base)?;
        for k in 0..loops {
            if !self.depends[site][k] {
                continue; // stride 0 by construction
            }
            // Offsets stay inside a buffer (checked by the executor): no signed wrap,
            // which lets LLVM bound the accesses and vectorise.
            let term = if self.unit_loop == Some(k) {
                self.idx[k]
            } else {
                b.build_int_nsw_mul(self.param(base + 1 + k)?, self.idx[k], "t")?
            };
            off = b.build_int_nsw_add(off, term, "off")?;
        }
        Ok(off)
    }

    fn element_ptr(
        &mut self,
        buffer: u32,
        dtype: DType,
    ) -> Res<(PointerValue<'ctx>, BasicTypeEnum<'ctx>)> {
        let off = self.site_offset()?;
        let b = self.s.builder;
        let base = self.buffer_values[buffer as usize]
            .ok_or_else(|| CodegenError::Internal(format!("buffer {buffer} not preloaded")))?;
        let mem = self.s.mem_type(dtype);
        let at = unsafe { b.build_in_bounds_gep(mem, base, &[off], "at")? };
        Ok((at, mem))
    }

    fn run_phase(&mut self, p: usize) -> Res<()> {
        let phase = &self.kernel.phases[p];
        match phase {
            Phase::Outer { body, stores } => {
                for k in self.kernel.outer.len()..self.idx.len() {
                    self.idx[k] = self.i64(0);
                }
                match self.block {
                    Some(block) => self.on_leader(block, |e| {
                        let regs = e.body(body)?;
                        e.stores(stores, &regs)
                    }),
                    None => {
                        let regs = self.body(body)?;
                        self.stores(stores, &regs)
                    }
                }
            }
            Phase::Map { body, stores } => {
                // Each loop version emits the body once: sites are numbered from here.
                let first_site = self.site;
                self.phase_sites = first_site..first_site + count_sites(body, stores);
                self.for_inner(0, &mut |e| {
                    e.site = first_site;
                    let regs = e.body(body)?;
                    e.stores(stores, &regs)
                })?;
                self.site = first_site + count_sites(body, stores);
                Ok(())
            }
            Phase::Reduce {
                body,
                value,
                stores,
                ..
            } => {
                let phase_index = self.kernel.phases[..p]
                    .iter()
                    .filter(|q| matches!(q, Phase::Reduce { .. }))
                    .count();
                let acc = self.accs[phase_index];
                // (A reduction over no inner loop folds one element: nothing to pair.)
                let pairwise = self.pairwise[phase_index].filter(|_| !self.kernel.inner.is_empty());
                let prefetch = pairwise.is_some() && self.prefetches_next_row(p);
                let b = self.s.builder;
                b.build_store(acc.value, self.identity(acc.combiner, acc.dtype))?;
                b.build_store(acc.index, self.i64(0))?;
                b.build_store(acc.counter, self.i64(0))?;
                // A float sum folds each element into the current block's slot; the
                // blocks combine pairwise (see Pairwise) and the tree into the result.
                let target = match pairwise {
                    Some(pw) => {
                        b.build_store(pw.count, self.i64(0))?;
                        Acc {
                            value: pw.block,
                            ..acc
                        }
                    }
                    None => acc,
                };
                self.active_pairwise = pairwise;
                let first_site = self.site;
                self.next_row_prefetch = prefetch.then_some((body, first_site));
                self.phase_sites = first_site..first_site + count_sites(body, stores);
                let mut fold = |e: &mut Self| {
                    e.site = first_site;
                    let regs = e.body(body)?;
                    e.stores(stores, &regs)?;
                    e.combine(target, regs[*value], body.instrs[*value].dtype)
                };
                // A float max or min folds with LLVM's maximum/minimum, which vectorise:
                // the same value as NumPy's rule (a NaN propagates, else the larger)
                // except for the sign of a zero result, where the rule keeps the first
                // zero met. A zero result is folded again by the rule, element by element.
                let float = matches!(acc.dtype, DType::F32 | DType::F64) && pairwise.is_none();
                let extremum = float && matches!(acc.combiner, ReduceOp::Max | ReduceOp::Min);
                // A float arg-reduction runs two vectorised passes: the extremum (as
                // above; NaN if any), then the first position holding it (the first NaN
                // for a NaN), which is NumPy's answer: ties, -0.0 and 0.0 included, go
                // to the first.
                // So does a bool one (any/all, then the first position of the answer).
                let arg = (float || (acc.dtype == DType::Bool && pairwise.is_none()))
                    && matches!(acc.combiner, ReduceOp::ArgMax | ReduceOp::ArgMin);
                self.fast_extrema = extremum || arg;
                let mut result = self.for_inner(0, &mut fold);
                self.fast_extrema = false;
                if arg && result.is_ok() {
                    let b = self.s.builder;
                    let t = self.s.reg_type(acc.dtype);
                    let target = b.build_load(t, acc.value, "extremum")?;
                    b.build_store(acc.index, self.i64(i64::MAX))?;
                    b.build_store(acc.counter, self.i64(0))?;
                    self.arg_search = Some(target);
                    result = self.for_inner(0, &mut fold);
                    self.arg_search = None;
                    let b = self.s.builder;
                    let i64t = self.s.ctx.i64_type();
                    let found = b.build_load(i64t, acc.index, "found")?.into_int_value();
                    let none =
                        b.build_int_compare(IntPredicate::EQ, found, self.i64(i64::MAX), "none")?;
                    let at = b.build_select(none, self.i64(0), found, "at")?;
                    b.build_store(acc.index, at)?;
                }
                if extremum && result.is_ok() {
                    let ctx = self.s.ctx;
                    let b = self.s.builder;
                    let t = self.s.reg_type(acc.dtype);
                    let got = b.build_load(t, acc.value, "extremum")?.into_float_value();
                    let zero = got.get_type().const_zero();
                    let is_zero = b.build_float_compare(FloatPredicate::OEQ, got, zero, "zero")?;
                    let again = ctx.append_basic_block(self.function, "extremum.zero");
                    let done = ctx.append_basic_block(self.function, "extremum.done");
                    b.build_conditional_branch(is_zero, again, done)?;
                    b.position_at_end(again);
                    b.build_store(acc.value, self.identity(acc.combiner, acc.dtype))?;
                    b.build_store(acc.counter, self.i64(0))?;
                    // Taken only for a zero result: one loop version is enough.
                    self.plain_loops = true;
                    let again = self.for_inner(0, &mut fold);
                    self.plain_loops = false;
                    again?;
                    self.s.builder.build_unconditional_branch(done)?;
                    self.s.builder.position_at_end(done);
                }
                self.active_pairwise = None;
                self.next_row_prefetch = None;
                result?;
                if let Some(pw) = pairwise {
                    self.collapse_tree(pw, acc)?;
                }
                if let Some(block) = self.block {
                    self.block_combine(block, acc)?;
                }
                self.site = first_site + count_sites(body, stores);
                Ok(())
            }
        }
    }
}

/// Whether an index map moves with each of `loops` loop indices.
fn depends_on(map: &[Affine], loops: usize) -> Vec<bool> {
    (0..loops)
        .map(|k| map.iter().any(|a| a.coefs[k] != 0))
        .collect()
}
