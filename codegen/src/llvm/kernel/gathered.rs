//! Data-dependent reads in a loop kernel (a part of `llvm/kernel/mod.rs`): a gathered position is
//! checked against its buffer's size, an outside one reads element 0 and raises the
//! kernel's out-of-bounds flag, reported to the executor at exit.

use inkwell::values::{BasicValueEnum, IntValue, PointerValue};
use inkwell::{AddressSpace, IntPredicate};
use lazyfuse_ir::kernel::{LoopKernel, ScalarOp};
use lazyfuse_ir::DType;

use super::{Emit, Res};
use crate::error::CodegenError;

/// Whether a kernel reads data-dependent positions (it then takes a status word after
/// its buffers: see [`Emit::report_out_of_bounds`]).
pub(crate) fn gathers(kernel: &LoopKernel) -> bool {
    kernel.phases.iter().any(|p| {
        p.body_and_stores()
            .0
            .instrs
            .iter()
            .any(|i| matches!(i.op, ScalarOp::Gather { .. }))
    })
}

impl<'ctx> Emit<'_, 'ctx> {
    /// At exit: when a gathered position was out of bounds, sets the status word (an
    /// i64 the executor passes after the `n_buffers` buffer pointers) to 1, atomically
    /// (the threads of one launch share it).
    pub(super) fn report_out_of_bounds(
        &mut self,
        flag: PointerValue<'ctx>,
        n_buffers: usize,
    ) -> Res<()> {
        let ctx = self.s.ctx;
        let b = self.s.builder;
        let seen = b.build_load(ctx.bool_type(), flag, "oob")?.into_int_value();
        let report = ctx.append_basic_block(self.function, "oob.report");
        let done = ctx.append_basic_block(self.function, "oob.done");
        b.build_conditional_branch(seen, report, done)?;
        b.position_at_end(report);
        let ptr_t = ctx.ptr_type(AddressSpace::default());
        let slot = unsafe {
            b.build_in_bounds_gep(ptr_t, self.buffers, &[self.i64(n_buffers as i64)], "st")?
        };
        let status = b.build_load(ptr_t, slot, "status")?.into_pointer_value();
        b.build_atomicrmw(
            inkwell::AtomicRMWBinOp::Or,
            status,
            self.i64(1),
            inkwell::AtomicOrdering::Monotonic,
        )?;
        b.build_unconditional_branch(done)?;
        b.position_at_end(done);
        Ok(())
    }

    /// The element of `buffer` at flat position `p`. The site's parameter is the
    /// buffer's size: a position outside it reads element 0 instead (the executor
    /// gives an empty buffer a readable dummy element) and raises the kernel's
    /// out-of-bounds flag, so no address is ever outside the buffer.
    pub(super) fn gather(
        &mut self,
        buffer: lazyfuse_ir::kernel::BufferId,
        p: IntValue<'ctx>,
        dtype: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let base_param =
            self.kernel.outer.len() + self.kernel.inner.len() + self.site * (1 + self.idx.len());
        self.site += 1;
        let size = self.param(base_param)?;
        let b = self.s.builder;
        let inside = b.build_int_compare(IntPredicate::ULT, p, size, "inside")?;
        let at = b
            .build_select(inside, p, self.i64(0), "pos")?
            .into_int_value();
        let flag = self
            .out_of_bounds
            .ok_or_else(|| CodegenError::Internal("gather without a bounds flag".into()))?;
        let bool_t = self.s.ctx.bool_type();
        let seen = b.build_load(bool_t, flag, "oob")?.into_int_value();
        let outside = b.build_not(inside, "outside")?;
        let seen = b.build_or(seen, outside, "oob")?;
        b.build_store(flag, seen)?;
        let base = self.buffer_values[buffer.0 as usize]
            .ok_or_else(|| CodegenError::Internal(format!("buffer {buffer} not preloaded")))?;
        let mem = self.s.mem_type(dtype);
        let ptr = unsafe { b.build_in_bounds_gep(mem, base, &[at], "gat")? };
        self.load_element(ptr, mem, dtype)
    }
}
