//! Reduction accumulators of a loop kernel (a part of `llvm/kernel/mod.rs`): each combiner's
//! identity and how one value folds into the accumulator (sums reassociable so they
//! vectorise, complex products unfused, arg-reductions tracking the first extreme's
//! position with NumPy's NaN rules).

use inkwell::values::{BasicValue, BasicValueEnum};
use inkwell::{FloatPredicate, IntPredicate};
use lazyfuse_ir::{BinaryOp, DType, ReduceOp, Scalar};

use super::{Acc, Emit, Res};

impl<'ctx> Emit<'_, 'ctx> {
    pub(super) fn identity(&self, combiner: ReduceOp, d: DType) -> BasicValueEnum<'ctx> {
        let s = |v: Scalar| self.s.constant(v.cast(d));
        match (combiner, d) {
            (ReduceOp::Sum | ReduceOp::Mean, _) => s(Scalar::I64(0)),
            (ReduceOp::Prod, _) => s(Scalar::I64(1)),
            (ReduceOp::Any, _) => s(Scalar::Bool(false)),
            (ReduceOp::All, _) => s(Scalar::Bool(true)),
            (ReduceOp::Max | ReduceOp::ArgMax, DType::Bool) => s(Scalar::Bool(false)),
            (ReduceOp::Min | ReduceOp::ArgMin, DType::Bool) => s(Scalar::Bool(true)),
            // Integers start from the dtype's extreme (the low bits of an i128 wrap
            // to it exactly).
            (ReduceOp::Max | ReduceOp::ArgMax, d) if d.is_int() => {
                s(Scalar::I64(lazyfuse_ir::int_range(d).0 as i64))
            }
            (ReduceOp::Min | ReduceOp::ArgMin, d) if d.is_int() => {
                s(Scalar::I64(lazyfuse_ir::int_range(d).1 as i64))
            }
            // Complex values order lexicographically: the identity is below (above)
            // every value in both parts, so an element such as inf+1j replaces it.
            (ReduceOp::Max | ReduceOp::ArgMax, d) if d.is_complex() => s(Scalar::C128(
                lazyfuse_ir::num_complex::Complex64::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
            )),
            (ReduceOp::Min | ReduceOp::ArgMin, d) if d.is_complex() => s(Scalar::C128(
                lazyfuse_ir::num_complex::Complex64::new(f64::INFINITY, f64::INFINITY),
            )),
            (ReduceOp::Max | ReduceOp::ArgMax, _) => s(Scalar::F64(f64::NEG_INFINITY)),
            (ReduceOp::Min | ReduceOp::ArgMin, _) => s(Scalar::F64(f64::INFINITY)),
        }
    }

    pub(super) fn combine(&mut self, a: Acc<'ctx>, v: BasicValueEnum<'ctx>, vd: DType) -> Res<()> {
        let (slot, index_slot, counter, d, combiner) =
            (a.value, a.index, a.counter, a.dtype, a.combiner);
        let b = self.s.builder;
        let acc = b.build_load(self.s.reg_type(d), slot, "acc")?;
        let in_order = self.in_order;
        let reassociable = |v| if in_order { v } else { reassociable(v) };
        let next = match combiner {
            ReduceOp::Sum | ReduceOp::Mean => {
                reassociable(self.s.binary(BinaryOp::Add, acc, d, v, vd, d)?)
            }
            ReduceOp::Prod if d.is_complex() => {
                let v = self.s.convert(v, vd, d)?;
                self.s.complex_product(acc, v, d)?
            }
            ReduceOp::Prod => reassociable(self.s.binary(BinaryOp::Mul, acc, d, v, vd, d)?),
            ReduceOp::ArgMax | ReduceOp::ArgMin if self.arg_search.is_some() => {
                // The first position holding the extremum: the smallest position where
                // the value equals it (or is a NaN, for a NaN), a vectorisable min.
                let target = self.arg_search.expect("checked");
                let hit = if target.is_float_value() {
                    let (target, v) = (target.into_float_value(), v.into_float_value());
                    let target_nan =
                        b.build_float_compare(FloatPredicate::UNO, target, target, "tnan")?;
                    let v_nan = b.build_float_compare(FloatPredicate::UNO, v, v, "vnan")?;
                    let equal = b.build_float_compare(FloatPredicate::OEQ, v, target, "eq")?;
                    b.build_select(target_nan, v_nan, equal, "hit")?
                        .into_int_value()
                } else {
                    let (target, v) = (target.into_int_value(), v.into_int_value());
                    b.build_int_compare(IntPredicate::EQ, v, target, "hit")?
                };
                let flat = b
                    .build_load(self.s.ctx.i64_type(), counter, "flat")?
                    .into_int_value();
                let candidate = b.build_select(hit, flat, self.i64(i64::MAX), "cand")?;
                let old = b
                    .build_load(self.s.ctx.i64_type(), index_slot, "idx")?
                    .into_int_value();
                let smaller =
                    b.build_int_compare(IntPredicate::SLT, candidate.into_int_value(), old, "lt")?;
                let first = b.build_select(smaller, candidate.into_int_value(), old, "first")?;
                b.build_store(index_slot, first)?;
                acc
            }
            ReduceOp::ArgMax | ReduceOp::ArgMin if self.fast_extrema && d == DType::Bool => {
                // Any (for the first true) or all (for the first false).
                let op = if combiner == ReduceOp::ArgMax {
                    BinaryOp::LogicalOr
                } else {
                    BinaryOp::LogicalAnd
                };
                self.s.binary(op, acc, d, v, vd, DType::Bool)?
            }
            ReduceOp::Max | ReduceOp::Min | ReduceOp::ArgMax | ReduceOp::ArgMin
                if self.fast_extrema =>
            {
                let name = if matches!(combiner, ReduceOp::Max | ReduceOp::ArgMax) {
                    "llvm.maximum"
                } else {
                    "llvm.minimum"
                };
                let v = self.s.convert(v, vd, d)?;
                self.s.intrinsic(name, d, &[acc, v])?.into()
            }
            ReduceOp::Max => self.s.binary(BinaryOp::Maximum, acc, d, v, vd, d)?,
            ReduceOp::Min => self.s.binary(BinaryOp::Minimum, acc, d, v, vd, d)?,
            ReduceOp::Any => self
                .s
                .binary(BinaryOp::LogicalOr, acc, d, v, vd, DType::Bool)?,
            ReduceOp::All => self
                .s
                .binary(BinaryOp::LogicalAnd, acc, d, v, vd, DType::Bool)?,
            ReduceOp::ArgMax | ReduceOp::ArgMin => {
                // Update on the first NaN, or on a strictly better value while no NaN is held.
                let cmp = if combiner == ReduceOp::ArgMax {
                    BinaryOp::Gt
                } else {
                    BinaryOp::Lt
                };
                let better = self
                    .s
                    .binary(cmp, v, vd, acc, d, DType::Bool)?
                    .into_int_value();
                let take = if d.is_complex() {
                    let acc_nan = self.s.complex_has_nan(acc)?;
                    let v_nan = self.s.complex_has_nan(v)?;
                    let t = b.build_or(v_nan, better, "t")?;
                    let not_acc_nan = b.build_not(acc_nan, "ok")?;
                    b.build_and(t, not_acc_nan, "take")?
                } else if d.is_float() {
                    let acc_nan = b.build_float_compare(
                        FloatPredicate::UNO,
                        acc.into_float_value(),
                        acc.into_float_value(),
                        "accnan",
                    )?;
                    let v_nan = b.build_float_compare(
                        FloatPredicate::UNO,
                        v.into_float_value(),
                        v.into_float_value(),
                        "vnan",
                    )?;
                    let t = b.build_or(v_nan, better, "t")?;
                    let not_acc_nan = b.build_not(acc_nan, "ok")?;
                    b.build_and(t, not_acc_nan, "take")?
                } else {
                    better
                };
                let flat = b
                    .build_load(self.s.ctx.i64_type(), counter, "flat")?
                    .into_int_value();
                let old_index = b.build_load(self.s.ctx.i64_type(), index_slot, "idx")?;
                let new_index = b.build_select(take, flat.into(), old_index, "nidx")?;
                b.build_store(index_slot, new_index)?;
                b.build_select(take, v, acc, "nacc")?
            }
        };
        b.build_store(slot, next)?;
        let flat = b
            .build_load(self.s.ctx.i64_type(), counter, "flat")?
            .into_int_value();
        let inc = b.build_int_add(flat, self.i64(1), "inc")?;
        b.build_store(counter, inc)?;
        Ok(())
    }
}

/// Marks a float accumulation as reassociable, so LLVM vectorises it with several
/// partial sums (a fixed order for a given compiled kernel and split, so results are
/// the same run to run, and more accurate than one running sum).
/// A complex accumulation is a struct built from its parts: each part's operation is
/// marked.
fn reassociable(v: BasicValueEnum<'_>) -> BasicValueEnum<'_> {
    let mark = |instr: inkwell::values::InstructionValue<'_>| {
        if instr.can_use_fast_math_flags() {
            let _ = instr.set_fast_math_flags(inkwell::values::FastMathFlags::AllowReassoc);
        }
    };
    if v.is_float_value() {
        if let Some(instr) = v.into_float_value().as_instruction() {
            mark(instr);
        }
    } else if v.is_struct_value() {
        // insertvalue(insertvalue(undef, re, 0), im, 1): the inserted operands.
        let mut at = v.into_struct_value().as_instruction();
        while let Some(insert) = at {
            if insert.get_opcode() != inkwell::values::InstructionOpcode::InsertValue {
                break;
            }
            if let Some(part) = insert.get_operand(1).and_then(|o| o.value()) {
                if let Some(instr) = part.as_instruction_value() {
                    mark(instr);
                }
            }
            at = insert
                .get_operand(0)
                .and_then(|o| o.value())
                .and_then(|o| o.as_instruction_value());
        }
    }
    v
}
