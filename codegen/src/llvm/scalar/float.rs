//! Float arithmetic with NumPy's semantics where C's differs: floor division and
//! remainder (`npy_divmod`), NaN-propagating maximum and minimum.

use inkwell::values::{BasicValueEnum, FloatValue};
use inkwell::FloatPredicate;
use lazyfuse_ir::{BinaryOp, DType};

use super::{Res, ScalarLowering};
use crate::error::CodegenError;

impl<'ctx> ScalarLowering<'_, 'ctx> {
    pub(super) fn float_binary(
        &self,
        op: BinaryOp,
        x: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
        d: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        use BinaryOp::*;
        let b = self.builder;
        Ok(match op {
            Add => b.build_float_add(x, y, "add")?.into(),
            Sub => b.build_float_sub(x, y, "sub")?.into(),
            Mul => b.build_float_mul(x, y, "mul")?.into(),
            Div => b.build_float_div(x, y, "div")?.into(),
            FloorDiv | Rem => self.float_divmod(op, x, y, d)?,
            Pow | Arctan2 => {
                let name = if op == Pow { "pow" } else { "atan2" };
                let f =
                    crate::llvm::vmath::function(self.ctx, self.module, name, d, self.split_code)?;
                self.call(f, &[x.into(), y.into()])?
            }
            Copysign => self
                .intrinsic("llvm.copysign", d, &[x.into(), y.into()])?
                .into(),
            Fmod => b.build_float_rem(x, y, "fmod")?.into(),
            Nextafter => self.libm("nextafter", d, &[x.into(), y.into()])?.into(),
            Maximum | Minimum => {
                // NumPy: NaN in either propagates; otherwise a if a >= b (max) else b.
                let pred = if op == Maximum {
                    FloatPredicate::OGE
                } else {
                    FloatPredicate::OLE
                };
                let keep_a = b.build_float_compare(pred, x, y, "keep")?;
                let a_nan = b.build_float_compare(FloatPredicate::UNO, x, x, "anan")?;
                let b_nan = b.build_float_compare(FloatPredicate::UNO, y, y, "bnan")?;
                let pick_a = b.build_or(keep_a, a_nan, "picka")?;
                let r = b.build_select(pick_a, x, y, "r")?.into_float_value();
                b.build_select(b_nan, y, r, "m")?
            }
            _ => return Err(CodegenError::Internal(format!("{op:?} on floats"))),
        })
    }

    /// NumPy's `npy_divmod`: floor division and the remainder with the divisor's sign.
    pub(super) fn float_divmod(
        &self,
        op: BinaryOp,
        a: FloatValue<'ctx>,
        bb: FloatValue<'ctx>,
        d: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let b = self.builder;
        let zero = self.fconst(d, 0.0);
        let one = self.fconst(d, 1.0);
        let m = b.build_float_rem(a, bb, "fmod")?;
        let b_zero = b.build_float_compare(FloatPredicate::OEQ, bb, zero, "bz")?;
        let diff = b.build_float_sub(a, m, "amm")?;
        let div = b.build_float_div(diff, bb, "div0")?;
        let m_nonzero = b.build_float_compare(FloatPredicate::UNE, m, zero, "mnz")?;
        let b_neg = b.build_float_compare(FloatPredicate::OLT, bb, zero, "bneg")?;
        let m_neg = b.build_float_compare(FloatPredicate::OLT, m, zero, "mneg")?;
        let signs_differ = b.build_xor(b_neg, m_neg, "sd")?;
        let adjust = b.build_and(m_nonzero, signs_differ, "adj")?;
        let m_adj = b.build_float_add(m, bb, "madj")?;
        let div_adj = b.build_float_sub(div, one, "dadj")?;
        let zero_signed = self.intrinsic("llvm.copysign", d, &[zero.into(), bb.into()])?;
        let m1 = b.build_select(adjust, m_adj, m, "m1")?.into_float_value();
        let m2 = b
            .build_select(m_nonzero, m1, zero_signed, "m2")?
            .into_float_value();
        if op == BinaryOp::Rem {
            return Ok(b.build_select(b_zero, m, m2, "rem")?);
        }
        let div1 = b
            .build_select(adjust, div_adj, div, "d1")?
            .into_float_value();
        let fl = self.intrinsic("llvm.floor", d, &[div1.into()])?;
        let frac = b.build_float_sub(div1, fl, "frac")?;
        let half = self.fconst(d, 0.5);
        let round_up = b.build_float_compare(FloatPredicate::OGT, frac, half, "ru")?;
        let fl1 = b.build_float_add(fl, one, "fl1")?;
        let fd = b.build_select(round_up, fl1, fl, "fd")?.into_float_value();
        let quotient = b.build_float_div(a, bb, "q")?;
        let zero_q = self.intrinsic("llvm.copysign", d, &[zero.into(), quotient.into()])?;
        let div_nonzero = b.build_float_compare(FloatPredicate::UNE, div1, zero, "dnz")?;
        let fd = b
            .build_select(div_nonzero, fd, zero_q, "fd2")?
            .into_float_value();
        Ok(b.build_select(b_zero, quotient, fd, "floordiv")?)
    }
}
