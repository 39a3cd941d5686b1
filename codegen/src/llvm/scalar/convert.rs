//! Conversions between dtypes with `cast` semantics, and the float16 helpers (half
//! registers are float32 values representable in half).

use inkwell::intrinsics::Intrinsic;
use inkwell::values::{BasicValueEnum, FloatValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};
use lazyfuse_ir::DType;

use super::{Res, ScalarLowering};
use crate::error::CodegenError;

impl<'ctx> ScalarLowering<'_, 'ctx> {
    /// `cast` semantics ([`Scalar::cast`]).
    pub fn convert(
        &self,
        v: BasicValueEnum<'ctx>,
        from: DType,
        to: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        if from == to {
            return Ok(v);
        }
        if from.is_complex() || to.is_complex() {
            return self.complex_convert(v, from, to);
        }
        let b = self.builder;
        if to == DType::Bool {
            return Ok(self.truthy(v, from)?.into());
        }
        // float16 registers are floats holding a half's value.
        match (from, to) {
            (DType::F16, DType::F32) => return Ok(v),
            (DType::F16, DType::F64) => return self.convert(v, DType::F32, DType::F64),
            (DType::F32, DType::F16) => return Ok(self.round_half(v.into_float_value())?.into()),
            (DType::F64, DType::F16) => {
                return Ok(self.double_to_half(v.into_float_value())?.into())
            }
            // Integers and bools: to float32 (exact up to 2^24, and anything larger is
            // beyond half's range either way), then to half.
            (f, DType::F16) => {
                let wide = self.convert(v, f, DType::F32)?;
                return Ok(self.round_half(wide.into_float_value())?.into());
            }
            _ => {}
        }
        Ok(match (from, to) {
            (DType::Bool, t) if t.is_int() => b
                .build_int_z_extend(v.into_int_value(), self.int_type(t), "zext")?
                .into(),
            (DType::Bool, t) => b
                .build_unsigned_int_to_float(v.into_int_value(), self.float_type(t), "b2f")?
                .into(),
            (f, t) if f.is_int() && t.is_int() => {
                let x = v.into_int_value();
                match f.bits().cmp(&t.bits()) {
                    std::cmp::Ordering::Equal => x.into(), // same bits, reinterpreted
                    std::cmp::Ordering::Less if f.is_signed() => {
                        b.build_int_s_extend(x, self.int_type(t), "sext")?.into()
                    }
                    std::cmp::Ordering::Less => {
                        b.build_int_z_extend(x, self.int_type(t), "zext")?.into()
                    }
                    std::cmp::Ordering::Greater => {
                        b.build_int_truncate(x, self.int_type(t), "trunc")?.into()
                    }
                }
            }
            (f, t) if f.is_signed() => b
                .build_signed_int_to_float(v.into_int_value(), self.float_type(t), "i2f")?
                .into(),
            (f, t) if f.is_unsigned() => b
                .build_unsigned_int_to_float(v.into_int_value(), self.float_type(t), "u2f")?
                .into(),
            (f, t) if t.is_int() => self.float_to_int(v.into_float_value(), f, t)?,
            (DType::F32, DType::F64) => b
                .build_float_ext(v.into_float_value(), self.ctx.f64_type(), "fext")?
                .into(),
            (DType::F64, DType::F32) => b
                .build_float_trunc(v.into_float_value(), self.ctx.f32_type(), "ftrunc")?
                .into(),
            _ => unreachable!("all dtype pairs handled"),
        })
    }

    /// NumPy's `npy_half_nextafter` on half registers (see the interpreter's
    /// `half_nextafter`): a step of the half's bits, not of float32's.
    pub(super) fn half_nextafter(
        &self,
        x: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.builder;
        let (h, i16t) = (self.ctx.f16_type(), self.ctx.i16_type());
        let c = |v: u64| i16t.const_int(v, false);
        let bits_of = |v: FloatValue<'ctx>| -> Res<IntValue<'ctx>> {
            let half = b.build_float_trunc(v, h, "h")?;
            Ok(b.build_bit_cast(half, i16t, "hb")?.into_int_value())
        };
        let (xb, yb) = (bits_of(x)?, bits_of(y)?);
        let sign_mask = c(0x8000);
        let mag_mask = c(0x7fff);
        let x_mag = b.build_and(xb, mag_mask, "xmag")?;
        let y_mag = b.build_and(yb, mag_mask, "ymag")?;
        let y_sign = b.build_and(yb, sign_mask, "ysign")?;
        let x_zero = b.build_int_compare(IntPredicate::EQ, x_mag, c(0), "xzero")?;
        let x_neg = b.build_int_compare(
            IntPredicate::NE,
            b.build_and(xb, sign_mask, "xs")?,
            c(0),
            "xneg",
        )?;
        let y_pos = b.build_int_compare(IntPredicate::EQ, y_sign, c(0), "ypos")?;
        let down = b.build_int_sub(xb, c(1), "down")?;
        let up = b.build_int_add(xb, c(1), "up")?;
        // x > 0: down when x's bits exceed y's as signed ints; x < 0: down when y is
        // positive or smaller in magnitude.
        let pos_down = b.build_int_compare(IntPredicate::SGT, xb, yb, "posdown")?;
        let mag_gt = b.build_int_compare(IntPredicate::UGT, x_mag, y_mag, "maggt")?;
        let neg_down = b.build_or(y_pos, mag_gt, "negdown")?;
        let go_down = b
            .build_select(x_neg, neg_down, pos_down, "godown")?
            .into_int_value();
        let stepped = b.build_select(go_down, down, up, "step")?.into_int_value();
        let tiny = b.build_int_add(y_sign, c(1), "tiny")?;
        let r = b.build_select(x_zero, tiny, stepped, "r")?.into_int_value();
        let r = b.build_bit_cast(r, h, "rh")?.into_float_value();
        let r = b.build_float_ext(r, self.ctx.f32_type(), "rf")?;
        let equal = b.build_float_compare(FloatPredicate::OEQ, x, y, "eq")?;
        let r = b.build_select(equal, x, r, "same")?.into_float_value();
        let nan = b.build_float_compare(FloatPredicate::UNO, x, y, "nan")?;
        let qnan = self.fconst(DType::F32, f64::NAN);
        Ok(b.build_select(nan, qnan, r, "nextafter")?
            .into_float_value())
    }

    /// A float32 value rounded to half precision (to nearest even), kept as float32.
    pub(super) fn round_half(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.builder;
        let h = b.build_float_trunc(x, self.ctx.f16_type(), "half")?;
        Ok(b.build_float_ext(h, self.ctx.f32_type(), "halfval")?)
    }

    /// A float64 value correctly rounded to half (as NumPy's cast), kept as float32:
    /// through float32 rounded to odd (truncated, the last bit set when inexact), which
    /// keeps the one rounding to half correct; float32's round-to-nearest would round
    /// twice.
    pub(super) fn double_to_half(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.builder;
        let i32t = self.ctx.i32_type();
        let f = b.build_float_trunc(x, self.ctx.f32_type(), "f")?;
        let back = b.build_float_ext(f, self.ctx.f64_type(), "back")?;
        let abs_back = self.intrinsic("llvm.fabs", DType::F64, &[back.into()])?;
        let abs_x = self.intrinsic("llvm.fabs", DType::F64, &[x.into()])?;
        // Rounded away from zero: one step back toward it (the magnitude's bits).
        let away = b.build_float_compare(FloatPredicate::OGT, abs_back, abs_x, "away")?;
        let bits = b.build_bit_cast(f, i32t, "bits")?.into_int_value();
        let toward = b.build_int_sub(bits, i32t.const_int(1, false), "toward")?;
        let bits = b
            .build_select(away, toward, bits, "trunc")?
            .into_int_value();
        let inexact = b.build_float_compare(FloatPredicate::ONE, back, x, "inexact")?;
        let odd = b.build_or(bits, i32t.const_int(1, false), "odd")?;
        let bits = b.build_select(inexact, odd, bits, "rto")?.into_int_value();
        let f = b.build_bit_cast(bits, self.ctx.f32_type(), "rtof")?;
        self.round_half(f.into_float_value())
    }

    /// Float to integer as [`Scalar::cast`] defines it (NumPy's x86-64 conversions:
    /// `cvtt` to 32 or 64 bits, "indefinite" minimum out of range, then wrapped; uint32
    /// and uint64 from 2^31 or 2^63 up through `x - 2^k` with the top bit set back).
    pub(super) fn float_to_int(
        &self,
        x: FloatValue<'ctx>,
        from: DType,
        to: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let b = self.builder;
        let wide_bits = if matches!(to, DType::I64 | DType::U64) {
            64
        } else {
            32
        };
        let wide = if wide_bits == 64 {
            self.ctx.i64_type()
        } else {
            self.ctx.i32_type()
        };
        let limit = 2f64.powi(wide_bits as i32 - 1);
        // cvtt: in range (ordered compares: NaN is not) the truncation, else the minimum.
        let cvtt = |v: FloatValue<'ctx>| -> Res<IntValue<'ctx>> {
            let name = "llvm.fptosi.sat";
            let intr = Intrinsic::find(name).ok_or(CodegenError::Internal(name.into()))?;
            let decl = intr
                .get_declaration(self.module, &[wide.into(), self.float_type(from).into()])
                .ok_or(CodegenError::Internal(name.into()))?;
            let t = self.call(decl, &[v.into()])?.into_int_value();
            let lo = if wide_bits == 64 {
                self.fconst(from, -limit)
            } else {
                self.fconst(from, -limit - 1.0)
            };
            let lo_pred = if wide_bits == 64 {
                FloatPredicate::OGE
            } else {
                FloatPredicate::OGT
            };
            let above = b.build_float_compare(lo_pred, v, lo, "above")?;
            let below =
                b.build_float_compare(FloatPredicate::OLT, v, self.fconst(from, limit), "below")?;
            let ok = b.build_and(above, below, "inrange")?;
            let min = wide.const_int(1u64 << (wide_bits - 1), false);
            Ok(b.build_select(ok, t, min, "cvtt")?.into_int_value())
        };
        let mut r = cvtt(x)?;
        if matches!(to, DType::U32 | DType::U64) {
            let top = self.fconst(from, limit);
            let high = b.build_float_compare(FloatPredicate::OGE, x, top, "high")?;
            let shifted = b.build_float_sub(x, top, "minus")?;
            let flipped = b.build_xor(
                cvtt(shifted)?,
                wide.const_int(1u64 << (wide_bits - 1), false),
                "flip",
            )?;
            r = b
                .build_select(high, flipped, r, "unsigned")?
                .into_int_value();
        }
        let t = self.int_type(to);
        Ok(if wide_bits == t.get_bit_width() {
            r.into()
        } else {
            b.build_int_truncate(r, t, "wrap")?.into()
        })
    }
}
