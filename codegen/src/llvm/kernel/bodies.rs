//! A phase body's instructions and stores as LLVM IR (a part of `llvm/kernel/mod.rs`): loads in
//! register form, gathers, ramps, the values of earlier folds, elementwise ops, and
//! stores in memory form.

use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValueEnum, PointerValue};
use inkwell::IntPredicate;
use lazyfuse_ir::kernel::{Body, ScalarOp, Store};
use lazyfuse_ir::{BinaryOp, DType, ReduceOp};

use super::{Emit, Res};

impl<'ctx> Emit<'_, 'ctx> {
    /// Loads the element at `at` into its register form (bools as i1, halves widened).
    pub(super) fn load_element(
        &mut self,
        at: PointerValue<'ctx>,
        mem: BasicTypeEnum<'ctx>,
        dtype: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let b = self.s.builder;
        let raw = b.build_load(mem, at, "ld")?;
        Ok(match dtype {
            DType::Bool => {
                let zero = self.s.ctx.i8_type().const_zero();
                b.build_int_compare(IntPredicate::NE, raw.into_int_value(), zero, "b")?
                    .into()
            }
            DType::F16 => b
                .build_float_ext(raw.into_float_value(), self.s.ctx.f32_type(), "h2f")?
                .into(),
            _ => raw,
        })
    }

    /// Evaluates a body; returns its registers.
    pub(super) fn body(&mut self, body: &Body) -> Res<Vec<BasicValueEnum<'ctx>>> {
        let mut regs: Vec<BasicValueEnum<'ctx>> = Vec::with_capacity(body.instrs.len());
        for instr in &body.instrs {
            let v = match &instr.op {
                ScalarOp::Const(c) => self.s.constant(*c),
                ScalarOp::Load(buf, _) => {
                    let (at, mem) = self.element_ptr(buf.0, instr.dtype)?;
                    self.load_element(at, mem, instr.dtype)?
                }
                ScalarOp::Gather { buffer, position } => {
                    self.gather(*buffer, regs[*position].into_int_value(), instr.dtype)?
                }
                ScalarOp::Ramp { start, step, .. } => {
                    let i = self.site_offset()?;
                    let d = instr.dtype;
                    let n = self.s.convert(i.into(), DType::I64, d)?;
                    if d == DType::Bool {
                        // start, then start || step.
                        let first = self.s.builder.build_int_compare(
                            IntPredicate::EQ,
                            i,
                            self.i64(0),
                            "first",
                        )?;
                        let later = self.s.binary(
                            BinaryOp::LogicalOr,
                            self.s.constant(*start),
                            d,
                            self.s.constant(*step),
                            d,
                            d,
                        )?;
                        self.s.builder.build_select(
                            first,
                            self.s.constant(*start),
                            later,
                            "ramp",
                        )?
                    } else {
                        let prod =
                            self.s
                                .binary(BinaryOp::Mul, self.s.constant(*step), d, n, d, d)?;
                        self.s
                            .binary(BinaryOp::Add, self.s.constant(*start), d, prod, d, d)?
                    }
                }
                ScalarOp::Reduced(p) => {
                    let acc = self.accs[*p];
                    if matches!(acc.combiner, ReduceOp::ArgMax | ReduceOp::ArgMin) {
                        self.s
                            .builder
                            .build_load(self.s.ctx.i64_type(), acc.index, "arg")?
                    } else {
                        let v = self.s.builder.build_load(
                            self.s.reg_type(acc.dtype),
                            acc.value,
                            "red",
                        )?;
                        self.s.convert(v, acc.dtype, instr.dtype)?
                    }
                }
                ScalarOp::Apply(op, args) => {
                    let args: Vec<(BasicValueEnum<'ctx>, DType)> = args
                        .iter()
                        .map(|&r| (regs[r], body.instrs[r].dtype))
                        .collect();
                    self.s.apply(*op, &args, instr.dtype)?
                }
            };
            regs.push(v);
        }
        Ok(regs)
    }

    pub(super) fn stores(&mut self, stores: &[Store], regs: &[BasicValueEnum<'ctx>]) -> Res<()> {
        for st in stores {
            let dtype = self.buffer_dtypes[st.buffer.0 as usize];
            let (at, _) = self.element_ptr(st.buffer.0, dtype)?;
            let b = self.s.builder;
            let v = regs[st.value];
            let v = match dtype {
                DType::Bool => b
                    .build_int_z_extend(v.into_int_value(), self.s.ctx.i8_type(), "zb")?
                    .into(),
                // Exact: the register holds a half's value.
                DType::F16 => b
                    .build_float_trunc(v.into_float_value(), self.s.ctx.f16_type(), "f2h")?
                    .into(),
                _ => v,
            };
            b.build_store(at, v)?;
        }
        Ok(())
    }
}

/// Whether `op` takes an access site (a numbered address of the kernel's parameters).
pub(super) fn is_site(op: &ScalarOp) -> bool {
    matches!(
        op,
        ScalarOp::Load(..) | ScalarOp::Ramp { .. } | ScalarOp::Gather { .. }
    )
}

/// Number of access sites in a body and its stores.
pub(crate) fn count_sites(body: &Body, stores: &[Store]) -> usize {
    body.instrs.iter().filter(|i| is_site(&i.op)).count() + stores.len()
}
