//! Rows folded by a block of GPU threads together (a part of `llvm/kernel/mod.rs`, used by the NVPTX
//! target only): each thread of the block runs a row's phases over its own contiguous
//! chunk of the first inner axis, and after each reduce phase the block combines the
//! threads' partials through shared memory in a fixed left-to-right pairwise tree, so
//! every thread continues with the row's value. The same bits for any grid; NumPy's
//! rule for max and min (a NaN propagates, a tie keeps the left value); only the first
//! thread stores a row's per-row results.

use inkwell::module::Linkage;
use inkwell::values::IntValue;
use inkwell::{AddressSpace, IntPredicate};
use lazyfuse_ir::kernel::{LoopKernel, Phase};

use super::{Acc, Emit, Res};

/// Whether a kernel can fold its rows cooperatively: it has inner loops, and every
/// reduce phase's partials combine by the fold itself (no arg-reductions, whose
/// positions are counted from the chunk's start).
pub(crate) fn cooperative(kernel: &LoopKernel) -> bool {
    !kernel.inner.is_empty()
        && kernel.phases.iter().all(|p| match p {
            Phase::Reduce { combiner, .. } => crate::runtime::folds::combines_partials(*combiner),
            _ => true,
        })
}

/// Where a kernel function runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    /// On the host CPU.
    Cpu,
    /// On an NVIDIA GPU: buffers in global memory, rows folded by blocks of this many
    /// threads where given (the kernel must be [`cooperative`]).
    Gpu {
        /// Threads per row's block (a power of two), or None for a thread per row.
        block_threads: Option<u32>,
    },
}

/// The block of threads folding one row.
#[derive(Clone, Copy)]
pub(super) struct Block<'ctx> {
    /// Threads per block (a power of two).
    pub(super) threads: u32,
    /// This thread's index in the block.
    pub(super) tid: IntValue<'ctx>,
}

impl<'ctx> Emit<'_, 'ctx> {
    /// The thread's index in its block (`tid.x`).
    pub(super) fn thread_index(&self) -> Res<IntValue<'ctx>> {
        let ctx = self.s.ctx;
        let name = "llvm.nvvm.read.ptx.sreg.tid.x";
        let f = self.s.module.get_function(name).unwrap_or_else(|| {
            self.s
                .module
                .add_function(name, ctx.i32_type().fn_type(&[], false), None)
        });
        let b = self.s.builder;
        let v = match b.build_call(f, &[], "tid")?.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => v.into_int_value(),
            inkwell::values::ValueKind::Instruction(_) => {
                return Err(crate::error::CodegenError::Internal(
                    "tid without a value".into(),
                ))
            }
        };
        Ok(b.build_int_z_extend(v, ctx.i64_type(), "tid64")?)
    }

    /// This thread's contiguous share of `begin..end` (empty past the end).
    pub(super) fn thread_chunk(
        &self,
        block: Block<'ctx>,
        (begin, end): (IntValue<'ctx>, IntValue<'ctx>),
    ) -> Res<(IntValue<'ctx>, IntValue<'ctx>)> {
        let b = self.s.builder;
        let n = self.i64(i64::from(block.threads));
        let len = b.build_int_sub(end, begin, "len")?;
        let per = b.build_int_signed_div(
            b.build_int_add(len, self.i64(i64::from(block.threads) - 1), "up")?,
            n,
            "per",
        )?;
        let lo = b.build_int_add(begin, b.build_int_mul(block.tid, per, "off")?, "lo")?;
        let hi = b.build_int_add(lo, per, "hi")?;
        let lo_past = b.build_int_compare(IntPredicate::SGT, lo, end, "lopast")?;
        let lo = b.build_select(lo_past, end, lo, "c0")?.into_int_value();
        let hi_past = b.build_int_compare(IntPredicate::SGT, hi, end, "hipast")?;
        let hi = b.build_select(hi_past, end, hi, "c1")?.into_int_value();
        Ok((lo, hi))
    }

    fn barrier(&self) -> Res<()> {
        let name = "llvm.nvvm.barrier0";
        let module = self.s.module;
        let f = module.get_function(name).unwrap_or_else(|| {
            module.add_function(name, self.s.ctx.void_type().fn_type(&[], false), None)
        });
        self.s.builder.build_call(f, &[], "")?;
        Ok(())
    }

    /// Combines every thread's partial in `acc` into the row's value, which every thread
    /// of the block then holds in `acc`.
    pub(super) fn block_combine(&mut self, block: Block<'ctx>, acc: Acc<'ctx>) -> Res<()> {
        let ctx = self.s.ctx;
        let t = self.s.reg_type(acc.dtype);
        let array = inkwell::types::BasicType::array_type(&t, block.threads);
        let global =
            self.s
                .module
                .add_global(array, Some(AddressSpace::from(3u16)), "lazyfuse.partials");
        global.set_linkage(Linkage::Internal);
        global.set_initializer(&array.get_undef());
        let b = self.s.builder;
        let generic = ctx.ptr_type(AddressSpace::default());
        let shared = b.build_address_space_cast(global.as_pointer_value(), generic, "partials")?;
        let at = |e: &Self, i: IntValue<'ctx>| unsafe {
            e.s.builder.build_in_bounds_gep(t, shared, &[i], "slot")
        };
        let mine = at(self, block.tid)?;
        let value = b.build_load(t, acc.value, "partial")?;
        b.build_store(mine, value)?;
        self.barrier()?;
        let mut step = 1u32;
        while step < block.threads {
            let b = self.s.builder;
            let mask = self.i64(i64::from(2 * step - 1));
            let low = b.build_and(block.tid, mask, "low")?;
            let leader = b.build_int_compare(IntPredicate::EQ, low, self.i64(0), "pair")?;
            let then = ctx.append_basic_block(self.function, "pair.combine");
            let done = ctx.append_basic_block(self.function, "pair.done");
            b.build_conditional_branch(leader, then, done)?;
            b.position_at_end(then);
            let right = b.build_int_add(block.tid, self.i64(i64::from(step)), "right")?;
            let other = b.build_load(t, at(self, right)?, "other")?;
            self.combine(acc, other, acc.dtype)?;
            let b = self.s.builder;
            let combined = b.build_load(t, acc.value, "combined")?;
            b.build_store(mine, combined)?;
            b.build_unconditional_branch(done)?;
            self.s.builder.position_at_end(done);
            self.barrier()?;
            step *= 2;
        }
        let b = self.s.builder;
        let total = b.build_load(t, at(self, self.i64(0))?, "row")?;
        b.build_store(acc.value, total)?;
        // Before the next phase's partials overwrite the slots.
        self.barrier()
    }

    /// `ptr` (a buffer's base) as a pointer into global memory, so that its loads and
    /// stores are global ones (a cast back to generic would be folded away).
    pub(super) fn global_pointer(
        &self,
        ptr: inkwell::values::PointerValue<'ctx>,
    ) -> Res<inkwell::values::PointerValue<'ctx>> {
        let global = self.s.ctx.ptr_type(AddressSpace::from(1u16));
        Ok(self
            .s
            .builder
            .build_address_space_cast(ptr, global, "global")?)
    }

    /// Emits `f` on the block's first thread only.
    pub(super) fn on_leader(
        &mut self,
        block: Block<'ctx>,
        f: impl FnOnce(&mut Self) -> Res<()>,
    ) -> Res<()> {
        let ctx = self.s.ctx;
        let b = self.s.builder;
        let first = b.build_int_compare(IntPredicate::EQ, block.tid, self.i64(0), "leader")?;
        let then = ctx.append_basic_block(self.function, "leader");
        let done = ctx.append_basic_block(self.function, "leader.done");
        b.build_conditional_branch(first, then, done)?;
        b.position_at_end(then);
        f(self)?;
        self.s.builder.build_unconditional_branch(done)?;
        self.s.builder.position_at_end(done);
        Ok(())
    }
}
