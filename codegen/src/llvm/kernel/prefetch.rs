//! Software prefetch of the next row in row kernels (a part of `llvm/kernel/mod.rs`).
//!
//! A row kernel whose phases each pass over the row (softmax: max, then the sum of
//! exponentials, then the quotients) reads the row from memory in its first phase and
//! from cache in the later ones, so the memory sits idle while the later phases compute
//! and the first phase of the next row then waits on it. A later pairwise-sum phase
//! therefore asks for the next row's elements of each block it folds (one prefetch per
//! cache line, outside the vectorised loop), and the next row's first phase finds them
//! in cache.

use inkwell::intrinsics::Intrinsic;
use inkwell::values::IntValue;
use inkwell::AddressSpace;
use lazyfuse_ir::kernel::{Body, ScalarOp};

use super::bodies::is_site;
use super::{Emit, Res};
use crate::error::CodegenError;

/// Bytes a prefetch brings in (the cache line).
const LINE: i64 = 64;

impl<'ctx> Emit<'_, 'ctx> {
    /// Whether phase `p` prefetches the next row (see the module documentation): a CPU
    /// kernel over rows with one inner axis, in a phase after the first.
    pub(super) fn prefetches_next_row(&self, p: usize) -> bool {
        !self.gpu && p > 0 && !self.kernel.outer.is_empty() && self.kernel.inner.len() == 1
    }

    /// Prefetches, for each load of `body` (its sites from `first_site`) that moves
    /// with the row and along it, the cache lines of the next row's elements `lo..lo +
    /// len` (a prefetch never faults, so the row past the last is harmless).
    pub(super) fn prefetch_next_row(
        &mut self,
        body: &Body,
        first_site: usize,
        lo: IntValue<'ctx>,
        len: i64,
    ) -> Res<()> {
        let row = self.kernel.outer.len() - 1;
        let col = row + 1;
        let loops = self.idx.len();
        let ctx = self.s.ctx;
        let ptr_t = ctx.ptr_type(AddressSpace::default());
        let prefetch = Intrinsic::find("llvm.prefetch")
            .and_then(|i| i.get_declaration(self.s.module, &[ptr_t.into()]))
            .ok_or_else(|| CodegenError::Internal("no llvm.prefetch".into()))?;
        let i32t = ctx.i32_type();
        // Read, keep in all cache levels, data cache.
        let flags = [
            i32t.const_int(0, false).into(),
            i32t.const_int(3, false).into(),
            i32t.const_int(1, false).into(),
        ];
        let sites = body.instrs.iter().filter(|i| is_site(&i.op));
        for (k, instr) in sites.enumerate() {
            let ScalarOp::Load(buf, _) = instr.op else {
                continue;
            };
            let site = first_site + k;
            if !(self.depends[site][row] && self.depends[site][col]) {
                continue;
            }
            let Some(base) = self.buffer_values[buf.0 as usize] else {
                continue;
            };
            let b = self.s.builder;
            let params = self.kernel.outer.len() + self.kernel.inner.len() + site * (1 + loops);
            let mut off = self.param(params)?;
            for j in 0..loops {
                if !self.depends[site][j] {
                    continue;
                }
                let at = match j {
                    _ if j == row => b.build_int_add(self.idx[j], self.i64(1), "nrow")?,
                    _ if j == col => lo,
                    _ => self.idx[j],
                };
                let term = b.build_int_mul(self.param(params + 1 + j)?, at, "pt")?;
                off = b.build_int_add(off, term, "poff")?;
            }
            let mem = self.s.mem_type(instr.dtype);
            let per_line = (LINE / instr.dtype.size_bytes().max(1) as i64).max(1);
            let col_stride = self.param(params + 1 + col)?;
            let step = b.build_int_mul(col_stride, self.i64(per_line), "pstep")?;
            let mut at = off;
            for _ in 0..(len / per_line).max(1) {
                // SAFETY (of the generated code): the address is only prefetched, never
                // accessed; no `inbounds`, since it may lie past the buffer.
                let ptr = unsafe { b.build_gep(mem, base, &[at], "pf")? };
                b.build_call(prefetch, &[ptr.into(), flags[0], flags[1], flags[2]], "")?;
                at = b.build_int_add(at, step, "pnext")?;
            }
        }
        Ok(())
    }
}
