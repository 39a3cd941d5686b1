//! Float sums computed pairwise inside a reduce loop (a part of `llvm/kernel/mod.rs`): the
//! innermost loop runs in blocks of `PAIRWISE_BLOCK` elements (each summed by the
//! vectorised loop with several partial sums) whose sums combine as a balanced tree, as
//! NumPy's pairwise summation does; the error grows with the log of the length, not
//! with the length.

use inkwell::builder::Builder;
use inkwell::types::BasicType;
use inkwell::values::{IntValue, PointerValue};
use inkwell::IntPredicate;
use lazyfuse_ir::{BinaryOp, DType, ReduceOp};

use super::{Acc, Emit, Res};
use crate::llvm::scalar::ScalarLowering;

/// Elements per block: NumPy's blocks are 128 elements with 8 partial sums.
pub(super) const PAIRWISE_BLOCK: i64 = 128;

/// Slots of a float sum computed pairwise: the block being summed, the count of blocks
/// done, and a binary counter of partial sums (`stack[k]` holds the sum of 2^k blocks
/// while bit k of the count is set), so the block sums combine as a balanced tree.
#[derive(Clone, Copy)]
pub(super) struct Pairwise<'ctx> {
    dtype: DType,
    pub(super) block: PointerValue<'ctx>,
    pub(super) count: PointerValue<'ctx>,
    stack: PointerValue<'ctx>,
}

impl<'ctx> Pairwise<'ctx> {
    /// The slots of a reduce phase's pairwise sum (stack slots, made at entry), if its
    /// accumulator is a float sum or mean.
    pub(super) fn allocate(
        builder: &Builder<'ctx>,
        s: &ScalarLowering<'_, 'ctx>,
        dtype: DType,
        combiner: ReduceOp,
    ) -> Res<Option<Pairwise<'ctx>>> {
        if !dtype.is_inexact() || !matches!(combiner, ReduceOp::Sum | ReduceOp::Mean) {
            return Ok(None);
        }
        let t = s.reg_type(dtype);
        Ok(Some(Pairwise {
            dtype,
            block: builder.build_alloca(t, "block")?,
            count: builder.build_alloca(s.ctx.i64_type(), "blocks")?,
            stack: builder.build_alloca(t.array_type(64), "tree")?,
        }))
    }
}

impl<'a, 'ctx> Emit<'a, 'ctx> {
    /// The innermost loop over `zero..extent` in blocks: `block(lo, hi)` emits the
    /// (vectorised) loop folding one block into `pw.block`, whose sum is then pushed on
    /// the tree.
    pub(super) fn pairwise_loop(
        &mut self,
        pw: Pairwise<'ctx>,
        zero: IntValue<'ctx>,
        extent: IntValue<'ctx>,
        block: &mut dyn FnMut(&mut Self, IntValue<'ctx>, IntValue<'ctx>) -> Res<()>,
    ) -> Res<()> {
        let b = self.s.builder;
        let len = b.build_int_sub(extent, zero, "len")?;
        let len = b.build_int_add(len, self.i64(PAIRWISE_BLOCK - 1), "lenr")?;
        let blocks = b.build_int_signed_div(len, self.i64(PAIRWISE_BLOCK), "nblocks")?;
        self.for_range(self.i64(0), blocks, "block", |e, blk| {
            let b = e.s.builder;
            let lo = b.build_int_nsw_mul(blk, e.i64(PAIRWISE_BLOCK), "lo")?;
            let lo = b.build_int_nsw_add(zero, lo, "lo")?;
            let hi = b.build_int_nsw_add(lo, e.i64(PAIRWISE_BLOCK), "hi")?;
            let short = b.build_int_compare(IntPredicate::SLT, extent, hi, "short")?;
            let hi = b.build_select(short, extent, hi, "hi")?.into_int_value();
            b.build_store(pw.block, e.identity(ReduceOp::Sum, pw.dtype))?;
            block(e, lo, hi)?;
            e.push_block(pw)
        })
    }

    /// Pushes the finished block's sum on the tree: like incrementing a binary counter,
    /// each trailing one bit of the count merges an equal-sized partial sum (older on
    /// the left), and the result goes to the first zero bit's level.
    fn push_block(&mut self, pw: Pairwise<'ctx>) -> Res<()> {
        let i64t = self.s.ctx.i64_type();
        let count = self
            .s
            .builder
            .build_load(i64t, pw.count, "count")?
            .into_int_value();
        let level = self.tree_walk(
            count,
            |e, rest| {
                let bit = e.s.builder.build_and(rest, e.i64(1), "bit")?;
                Ok(e.s
                    .builder
                    .build_int_compare(IntPredicate::EQ, bit, e.i64(1), "set")?)
            },
            |e, level, _| e.merge_level(pw, level, None),
        )?;
        let b = self.s.builder;
        let slot = self.tree_slot(pw, level)?;
        let sum = b.build_load(self.s.reg_type(pw.dtype), pw.block, "sum")?;
        b.build_store(slot, sum)?;
        let count = b.build_int_add(count, self.i64(1), "count1")?;
        b.build_store(pw.count, count)?;
        Ok(())
    }

    /// Adds the tree's partial sums (the set bits of the block count, smallest level
    /// first, each older sum on the left) into the accumulator. The walk stops at the
    /// count's highest bit: one step for a reduction of one block (a short row).
    pub(super) fn collapse_tree(&mut self, pw: Pairwise<'ctx>, acc: Acc<'ctx>) -> Res<()> {
        let d = acc.dtype;
        let b = self.s.builder;
        b.build_store(pw.block, self.identity(ReduceOp::Sum, d))?;
        let count = b
            .build_load(self.s.ctx.i64_type(), pw.count, "count")?
            .into_int_value();
        self.tree_walk(
            count,
            |e, rest| {
                let zero = e.i64(0);
                Ok(e.s
                    .builder
                    .build_int_compare(IntPredicate::NE, rest, zero, "more")?)
            },
            |e, level, rest| {
                let bit = e.s.builder.build_and(rest, e.i64(1), "bit")?;
                let set =
                    e.s.builder
                        .build_int_compare(IntPredicate::EQ, bit, e.i64(1), "set")?;
                e.merge_level(pw, level, Some(set))
            },
        )?;
        let t = self.s.reg_type(d);
        let b = self.s.builder;
        let total = b.build_load(t, pw.block, "total")?;
        let prior = b.build_load(t, acc.value, "prior")?;
        let sum = self.s.binary(BinaryOp::Add, prior, d, total, d, d)?;
        b.build_store(acc.value, sum)?;
        Ok(())
    }

    /// A loop over tree levels 0, 1, ... while `go(count >> level)` holds, emitting
    /// `step(level, count >> level)` each time; returns the level it stopped at.
    fn tree_walk(
        &mut self,
        count: IntValue<'ctx>,
        go: impl Fn(&Self, IntValue<'ctx>) -> Res<IntValue<'ctx>>,
        step: impl Fn(&mut Self, IntValue<'ctx>, IntValue<'ctx>) -> Res<()>,
    ) -> Res<IntValue<'ctx>> {
        let ctx = self.s.ctx;
        let b = self.s.builder;
        let pre = b.get_insert_block().expect("positioned");
        let head = ctx.append_basic_block(self.function, "tree.head");
        let body = ctx.append_basic_block(self.function, "tree.body");
        let exit = ctx.append_basic_block(self.function, "tree.exit");
        b.build_unconditional_branch(head)?;
        b.position_at_end(head);
        let phi = b.build_phi(ctx.i64_type(), "level")?;
        let level = phi.as_basic_value().into_int_value();
        let rest = b.build_right_shift(count, level, false, "rest")?;
        let more = go(self, rest)?;
        self.s.builder.build_conditional_branch(more, body, exit)?;
        self.s.builder.position_at_end(body);
        step(self, level, rest)?;
        let b = self.s.builder;
        let next = b.build_int_add(level, self.i64(1), "nlevel")?;
        let latch = b.get_insert_block().expect("positioned");
        b.build_unconditional_branch(head)?;
        phi.add_incoming(&[(&self.i64(0), pre), (&next, latch)]);
        b.position_at_end(exit);
        Ok(level)
    }

    /// `block = stack[level] + block`, where `set` holds (always if None).
    fn merge_level(
        &mut self,
        pw: Pairwise<'ctx>,
        level: IntValue<'ctx>,
        set: Option<IntValue<'ctx>>,
    ) -> Res<()> {
        let (d, t) = (pw.dtype, self.s.reg_type(pw.dtype));
        let slot = self.tree_slot(pw, level)?;
        let b = self.s.builder;
        let left = b.build_load(t, slot, "left")?;
        let right = b.build_load(t, pw.block, "right")?;
        let merged = self.s.binary(BinaryOp::Add, left, d, right, d, d)?;
        let next = match set {
            Some(set) => self.s.builder.build_select(set, merged, right, "next")?,
            None => merged,
        };
        self.s.builder.build_store(pw.block, next)?;
        Ok(())
    }

    /// The address of level `level` of a pairwise tree.
    fn tree_slot(&self, pw: Pairwise<'ctx>, level: IntValue<'ctx>) -> Res<PointerValue<'ctx>> {
        let t = self.s.reg_type(pw.dtype);
        // SAFETY (of the GEP): levels stay below 64, the tree's length, as a count of
        // blocks (each at least one element) has fewer than 64 bits.
        Ok(unsafe {
            self.s.builder.build_in_bounds_gep(
                t.array_type(64),
                pw.stack,
                &[self.i64(0), level],
                "lvl",
            )?
        })
    }
}
