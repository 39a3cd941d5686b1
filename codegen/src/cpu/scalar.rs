//! Lowering of scalar instructions to LLVM IR, with the reference interpreter's
//! semantics: NumPy's float rules, wrapping integers, and no trapping or undefined
//! behaviour (integer division by zero and `MIN / -1` are guarded by selects).
//!
//! Registers of dtype bool are `i1`; in memory a bool is one byte. Registers of dtype
//! float16 are `float` holding a value representable in half (each op computes in
//! float32 and rounds to half, as NumPy's float16 loops do); in memory a `half`.

use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::Module;
use inkwell::types::{BasicTypeEnum, FloatType, IntType};
use inkwell::values::{BasicValueEnum, FloatValue, FunctionValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};
use lazyfuse_ir::kernel::ElementwiseOp;
use lazyfuse_ir::{promote, BinaryOp, DType, Scalar, UnaryOp};

use crate::error::CodegenError;

type Res<T> = Result<T, CodegenError>;

/// Emits scalar operations into the current block of `builder`.
pub(crate) struct ScalarLowering<'a, 'ctx> {
    pub ctx: &'ctx Context,
    pub module: &'a Module<'ctx>,
    pub builder: &'a Builder<'ctx>,
}

impl<'a, 'ctx> ScalarLowering<'a, 'ctx> {
    /// The register type of a dtype.
    pub fn reg_type(&self, d: DType) -> BasicTypeEnum<'ctx> {
        match d {
            DType::Bool => self.ctx.bool_type().into(),
            DType::I8 | DType::U8 => self.ctx.i8_type().into(),
            DType::I16 | DType::U16 => self.ctx.i16_type().into(),
            DType::I32 | DType::U32 => self.ctx.i32_type().into(),
            DType::I64 | DType::U64 => self.ctx.i64_type().into(),
            DType::F16 | DType::F32 => self.ctx.f32_type().into(),
            DType::F64 => self.ctx.f64_type().into(),
        }
    }

    /// The memory type of a dtype (bool is a byte).
    pub fn mem_type(&self, d: DType) -> BasicTypeEnum<'ctx> {
        match d {
            DType::Bool => self.ctx.i8_type().into(),
            DType::F16 => self.ctx.f16_type().into(),
            other => self.reg_type(other),
        }
    }

    fn int_type(&self, d: DType) -> IntType<'ctx> {
        self.reg_type(d).into_int_type()
    }

    fn float_type(&self, d: DType) -> FloatType<'ctx> {
        self.reg_type(d).into_float_type()
    }

    /// A constant register.
    pub fn constant(&self, s: Scalar) -> BasicValueEnum<'ctx> {
        match s {
            Scalar::Bool(b) => self.ctx.bool_type().const_int(b as u64, false).into(),
            Scalar::F16(v) => self.ctx.f32_type().const_float(v.to_f64()).into(),
            Scalar::F32(v) => self.ctx.f32_type().const_float(v as f64).into(),
            Scalar::F64(v) => self.ctx.f64_type().const_float(v).into(),
            // The value's low bits, as the two's complement (or unsigned) pattern.
            int => self
                .int_type(int.dtype())
                .const_int(int.as_i64() as u64, false)
                .into(),
        }
    }

    fn fconst(&self, d: DType, v: f64) -> FloatValue<'ctx> {
        self.float_type(d).const_float(v)
    }

    fn iconst(&self, d: DType, v: i64) -> IntValue<'ctx> {
        self.int_type(d).const_int(v as u64, true)
    }

    /// Whether a value is non-zero (NaN is true).
    pub fn truthy(&self, v: BasicValueEnum<'ctx>, d: DType) -> Res<IntValue<'ctx>> {
        let b = self.builder;
        Ok(match d {
            DType::Bool => v.into_int_value(),
            d if d.is_int() => b.build_int_compare(
                IntPredicate::NE,
                v.into_int_value(),
                self.iconst(d, 0),
                "nz",
            )?,
            _ => b.build_float_compare(
                FloatPredicate::UNE,
                v.into_float_value(),
                self.fconst(d, 0.0),
                "nz",
            )?,
        })
    }

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
    fn half_nextafter(&self, x: FloatValue<'ctx>, y: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
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
    fn round_half(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.builder;
        let h = b.build_float_trunc(x, self.ctx.f16_type(), "half")?;
        Ok(b.build_float_ext(h, self.ctx.f32_type(), "halfval")?)
    }

    /// A float64 value correctly rounded to half (as NumPy's cast), kept as float32:
    /// through float32 rounded to odd (truncated, the last bit set when inexact), which
    /// keeps the one rounding to half correct; float32's round-to-nearest would round
    /// twice.
    fn double_to_half(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
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
    fn float_to_int(
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

    fn call(
        &self,
        f: FunctionValue<'ctx>,
        args: &[BasicValueEnum<'ctx>],
    ) -> Res<BasicValueEnum<'ctx>> {
        let args: Vec<_> = args.iter().map(|a| (*a).into()).collect();
        let site = self.builder.build_call(f, &args, "call")?;
        match site.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => Ok(v),
            inkwell::values::ValueKind::Instruction(_) => {
                Err(CodegenError::Internal("call without a value".into()))
            }
        }
    }

    /// An LLVM intrinsic overloaded on the float type.
    fn intrinsic(
        &self,
        name: &str,
        d: DType,
        args: &[BasicValueEnum<'ctx>],
    ) -> Res<FloatValue<'ctx>> {
        let intr = Intrinsic::find(name)
            .ok_or_else(|| CodegenError::Internal(format!("no intrinsic {name}")))?;
        let decl = intr
            .get_declaration(self.module, &[self.float_type(d).into()])
            .ok_or_else(|| CodegenError::Internal(format!("no declaration for {name}")))?;
        Ok(self.call(decl, args)?.into_float_value())
    }

    /// A function of the C math library (`name` for float64, `namef` for float32),
    /// declared for the JIT to resolve from the process.
    fn libm(&self, name: &str, d: DType, args: &[BasicValueEnum<'ctx>]) -> Res<FloatValue<'ctx>> {
        let (symbol, t) = match d {
            DType::F64 => (name.to_string(), self.ctx.f64_type()),
            _ => (format!("{name}f"), self.ctx.f32_type()),
        };
        let f = match self.module.get_function(&symbol) {
            Some(f) => f,
            None => {
                let params: Vec<_> = args.iter().map(|_| t.into()).collect();
                self.module
                    .add_function(&symbol, t.fn_type(&params, false), None)
            }
        };
        Ok(self.call(f, args)?.into_float_value())
    }

    /// Whether the sign bit is set: of the float's bits (so -0.0 and negative NaNs
    /// count, as in NumPy), of a signed integer; never for unsigned and bool.
    fn signbit(&self, v: BasicValueEnum<'ctx>, d: DType) -> Res<BasicValueEnum<'ctx>> {
        let b = self.builder;
        Ok(if d.is_float() {
            // (A float16 register is a float32 of the same sign.)
            let bits = if self.float_type(d) == self.ctx.f64_type() {
                self.ctx.i64_type()
            } else {
                self.ctx.i32_type()
            };
            let i = b.build_bit_cast(v, bits, "bits")?.into_int_value();
            b.build_int_compare(IntPredicate::SLT, i, bits.const_zero(), "signbit")?
                .into()
        } else if d.is_signed() {
            let x = v.into_int_value();
            b.build_int_compare(IntPredicate::SLT, x, x.get_type().const_zero(), "neg")?
                .into()
        } else {
            self.ctx.bool_type().const_zero().into()
        })
    }

    /// A function of the vector math library (IR, inlined, vectorisable).
    fn vmath(&self, name: &str, d: DType, x: BasicValueEnum<'ctx>) -> Res<FloatValue<'ctx>> {
        let f = super::vmath::function(self.ctx, self.module, name, d)?;
        Ok(self.call(f, &[x])?.into_float_value())
    }

    /// A unary op on a register of dtype `d`, giving dtype `out`.
    pub fn unary(
        &self,
        op: UnaryOp,
        v: BasicValueEnum<'ctx>,
        d: DType,
        out: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        use UnaryOp::*;
        let b = self.builder;
        match op {
            IsNan | IsInf | IsFinite if !d.is_float() => {
                return Ok(self
                    .ctx
                    .bool_type()
                    .const_int((op == IsFinite) as u64, false)
                    .into());
            }
            IsNan => {
                let x = v.into_float_value();
                return Ok(b
                    .build_float_compare(FloatPredicate::UNO, x, x, "isnan")?
                    .into());
            }
            IsInf | IsFinite => {
                let a = self.intrinsic("llvm.fabs", d, &[v])?;
                let inf = self.fconst(d, f64::INFINITY);
                let pred = if op == IsInf {
                    FloatPredicate::OEQ
                } else {
                    FloatPredicate::OLT
                };
                return Ok(b.build_float_compare(pred, a, inf, "isinf")?.into());
            }
            LogicalNot => {
                let t = self.truthy(v, d)?;
                return Ok(b.build_not(t, "not")?.into());
            }
            Signbit => return self.signbit(v, d),
            _ => {}
        }
        // Everything else computes in the result dtype.
        let v = self.convert(v, d, out)?;
        if out == DType::F16 {
            let r = self.unary(op, v, DType::F32, DType::F32)?;
            return Ok(self.round_half(r.into_float_value())?.into());
        }
        if out == DType::Bool {
            if op == Invert {
                return Ok(b.build_not(v.into_int_value(), "not")?.into());
            }
            return Ok(v); // abs, floor, ceil, trunc of bool are the identity
        }
        if out.is_int() {
            let x = v.into_int_value();
            let zero = self.iconst(out, 0);
            return Ok(match op {
                Neg => b.build_int_sub(zero, x, "neg")?.into(),
                Abs | Sign | Reciprocal if out.is_unsigned() => {
                    return self.unsigned_unary(op, x, out);
                }
                Abs => {
                    let neg = b.build_int_sub(zero, x, "neg")?;
                    let is_neg = b.build_int_compare(IntPredicate::SLT, x, zero, "lt0")?;
                    b.build_select(is_neg, neg, x, "abs")?
                }
                Sign => {
                    let pos = b.build_int_compare(IntPredicate::SGT, x, zero, "gt0")?;
                    let neg = b.build_int_compare(IntPredicate::SLT, x, zero, "lt0")?;
                    let p = b.build_int_z_extend(pos, self.int_type(out), "p")?;
                    let n = b.build_int_z_extend(neg, self.int_type(out), "n")?;
                    b.build_int_sub(p, n, "sign")?.into()
                }
                Square => b.build_int_mul(x, x, "sq")?.into(),
                Reciprocal => {
                    // 1/x truncated: 1 for 1, -1 for -1, NumPy's 1/0 for 0, else 0.
                    let one =
                        b.build_int_compare(IntPredicate::EQ, x, self.iconst(out, 1), "is1")?;
                    let minus =
                        b.build_int_compare(IntPredicate::EQ, x, self.iconst(out, -1), "ism1")?;
                    let is_zero = b.build_int_compare(IntPredicate::EQ, x, zero, "is0")?;
                    let r = b
                        .build_select(is_zero, self.recip_of_zero(out), zero, "r0")?
                        .into_int_value();
                    let r = b
                        .build_select(minus, self.iconst(out, -1), r, "r")?
                        .into_int_value();
                    b.build_select(one, self.iconst(out, 1), r, "recip")?
                }
                Floor | Ceil | Round | Trunc => x.into(),
                Invert => b.build_not(x, "invert")?.into(),
                _ => return Err(CodegenError::Internal(format!("{op:?} on integers"))),
            });
        }
        let x = v.into_float_value();
        let one = self.fconst(out, 1.0);
        Ok(match op {
            Neg => b.build_float_neg(x, "neg")?.into(),
            Abs => self.intrinsic("llvm.fabs", out, &[v])?.into(),
            Sign => {
                let zero = self.fconst(out, 0.0);
                let pos = b.build_float_compare(FloatPredicate::OGT, x, zero, "gt")?;
                let neg = b.build_float_compare(FloatPredicate::OLT, x, zero, "lt")?;
                let eq = b.build_float_compare(FloatPredicate::OEQ, x, zero, "eq")?;
                let s = b.build_select(eq, zero, x, "s")?.into_float_value();
                let s = b
                    .build_select(neg, self.fconst(out, -1.0), s, "s")?
                    .into_float_value();
                b.build_select(pos, one, s, "sign")?
            }
            Sqrt => self.intrinsic("llvm.sqrt", out, &[v])?.into(),
            Square => b.build_float_mul(x, x, "sq")?.into(),
            Reciprocal => b.build_float_div(one, x, "recip")?.into(),
            Floor => self.intrinsic("llvm.floor", out, &[v])?.into(),
            Ceil => self.intrinsic("llvm.ceil", out, &[v])?.into(),
            Trunc => self.intrinsic("llvm.trunc", out, &[v])?.into(),
            Round => self.intrinsic("llvm.roundeven", out, &[v])?.into(),
            Exp => self.vmath("exp", out, v)?.into(),
            Expm1 => self.vmath("expm1", out, v)?.into(),
            Log => self.vmath("log", out, v)?.into(),
            Log1p => self.vmath("log1p", out, v)?.into(),
            Log2 => self.vmath("log2", out, v)?.into(),
            Log10 => self.vmath("log10", out, v)?.into(),
            Sin => self.vmath("sin", out, v)?.into(),
            Cos => self.vmath("cos", out, v)?.into(),
            Tan => self.vmath("tan", out, v)?.into(),
            Arcsin => self.vmath("asin", out, v)?.into(),
            Arccos => self.vmath("acos", out, v)?.into(),
            Arctan => self.vmath("atan", out, v)?.into(),
            Sinh => self.vmath("sinh", out, v)?.into(),
            Cosh => self.vmath("cosh", out, v)?.into(),
            Tanh => self.vmath("tanh", out, v)?.into(),
            Erf => self.vmath("erf", out, v)?.into(),
            // The C library's functions (as NumPy calls them), not vectorised.
            Arcsinh => self.libm("asinh", out, &[v])?.into(),
            Arccosh => self.libm("acosh", out, &[v])?.into(),
            Arctanh => self.libm("atanh", out, &[v])?.into(),
            Cbrt => self.libm("cbrt", out, &[v])?.into(),
            Sigmoid => {
                // x >= 0: 1 / (1 + e^-x); else e^x / (1 + e^x): no overflow.
                let zero = self.fconst(out, 0.0);
                let nonneg = b.build_float_compare(FloatPredicate::OGE, x, zero, "nonneg")?;
                let ax = self.intrinsic("llvm.fabs", out, &[v])?;
                let nax = b.build_float_neg(ax, "nax")?;
                let e = self.vmath("exp", out, nax.into())?;
                let denom = b.build_float_add(one, e, "den")?;
                let pos = b.build_float_div(one, denom, "pos")?;
                let neg = b.build_float_div(e, denom, "negside")?;
                b.build_select(nonneg, pos, neg, "sigmoid")?
            }
            IsNan | IsInf | IsFinite | LogicalNot | Signbit => unreachable!("handled above"),
            Invert => return Err(CodegenError::Internal("invert on floats".into())),
        })
    }

    /// NumPy's integer reciprocal of 0: float64 1.0 / 0 = inf converted back, the
    /// minimum for signed 32- and 64-bit types (x86's conversion), 0 otherwise.
    fn recip_of_zero(&self, d: DType) -> IntValue<'ctx> {
        if d.is_signed() && d.bits() >= 32 {
            self.iconst(d, lazyfuse_ir::int_range(d).0 as i64)
        } else {
            self.iconst(d, 0)
        }
    }

    /// abs, sign and reciprocal of an unsigned integer: x, x != 0, x == 1.
    fn unsigned_unary(
        &self,
        op: UnaryOp,
        x: IntValue<'ctx>,
        out: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let b = self.builder;
        let pred = match op {
            UnaryOp::Abs => return Ok(x.into()),
            UnaryOp::Sign => (IntPredicate::NE, 0),
            _ => (IntPredicate::EQ, 1),
        };
        let c = b.build_int_compare(pred.0, x, self.iconst(out, pred.1), "c")?;
        Ok(b.build_int_z_extend(c, self.int_type(out), "u")?.into())
    }

    /// A binary op on registers of dtypes `da` and `db`, giving dtype `out`.
    pub fn binary(
        &self,
        op: BinaryOp,
        a: BasicValueEnum<'ctx>,
        da: DType,
        bv: BasicValueEnum<'ctx>,
        db: DType,
        out: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        use BinaryOp::*;
        let b = self.builder;
        match op {
            Eq | Ne | Lt | Le | Gt | Ge => {
                let common = promote(da, db);
                let (x, y) = (self.convert(a, da, common)?, self.convert(bv, db, common)?);
                return Ok(if common.is_float() {
                    let pred = match op {
                        Eq => FloatPredicate::OEQ,
                        Ne => FloatPredicate::UNE,
                        Lt => FloatPredicate::OLT,
                        Le => FloatPredicate::OLE,
                        Gt => FloatPredicate::OGT,
                        _ => FloatPredicate::OGE,
                    };
                    b.build_float_compare(pred, x.into_float_value(), y.into_float_value(), "cmp")?
                        .into()
                } else {
                    let signed = common.is_signed();
                    let pred = match (op, signed) {
                        (Eq, _) => IntPredicate::EQ,
                        (Ne, _) => IntPredicate::NE,
                        (Lt, true) => IntPredicate::SLT,
                        (Le, true) => IntPredicate::SLE,
                        (Gt, true) => IntPredicate::SGT,
                        (Ge, true) => IntPredicate::SGE,
                        (Lt, false) => IntPredicate::ULT,
                        (Le, false) => IntPredicate::ULE,
                        (Gt, false) => IntPredicate::UGT,
                        _ => IntPredicate::UGE,
                    };
                    b.build_int_compare(pred, x.into_int_value(), y.into_int_value(), "cmp")?
                        .into()
                });
            }
            LogicalAnd | LogicalOr | LogicalXor => {
                let (x, y) = (self.truthy(a, da)?, self.truthy(bv, db)?);
                return Ok(match op {
                    LogicalAnd => b.build_and(x, y, "and")?,
                    LogicalOr => b.build_or(x, y, "or")?,
                    _ => b.build_xor(x, y, "xor")?,
                }
                .into());
            }
            _ => {}
        }
        let (x, y) = (self.convert(a, da, out)?, self.convert(bv, db, out)?);
        if out == DType::F16 && op == Nextafter {
            return Ok(self
                .half_nextafter(x.into_float_value(), y.into_float_value())?
                .into());
        }
        if out == DType::F16 {
            let (x, y) = (x.into_float_value(), y.into_float_value());
            let r = self.float_binary(op, x, y, DType::F32)?;
            return Ok(self.round_half(r.into_float_value())?.into());
        }
        if out.is_float() {
            return self.float_binary(op, x.into_float_value(), y.into_float_value(), out);
        }
        let (x, y) = (x.into_int_value(), y.into_int_value());
        if out == DType::Bool {
            return Ok(match op {
                Add | Maximum | BitwiseOr => b.build_or(x, y, "or")?,
                Mul | Minimum | BitwiseAnd => b.build_and(x, y, "and")?,
                BitwiseXor => b.build_xor(x, y, "xor")?,
                _ => return Err(CodegenError::Internal(format!("{op:?} on bool"))),
            }
            .into());
        }
        self.int_binary(op, x, y, out)
    }

    fn float_binary(
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
                let f = super::vmath::function(self.ctx, self.module, name, d)?;
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
    fn float_divmod(
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

    fn int_binary(
        &self,
        op: BinaryOp,
        x: IntValue<'ctx>,
        y: IntValue<'ctx>,
        d: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        use BinaryOp::*;
        let b = self.builder;
        let zero = self.iconst(d, 0);
        let one = self.iconst(d, 1);
        let minus_one = self.iconst(d, -1);
        let signed = d.is_signed();
        Ok(match op {
            Add => b.build_int_add(x, y, "add")?.into(),
            Sub => b.build_int_sub(x, y, "sub")?.into(),
            Mul => b.build_int_mul(x, y, "mul")?.into(),
            Maximum => {
                let pred = if signed {
                    IntPredicate::SGE
                } else {
                    IntPredicate::UGE
                };
                let c = b.build_int_compare(pred, x, y, "ge")?;
                b.build_select(c, x, y, "max")?
            }
            Minimum => {
                let pred = if signed {
                    IntPredicate::SLE
                } else {
                    IntPredicate::ULE
                };
                let c = b.build_int_compare(pred, x, y, "le")?;
                b.build_select(c, x, y, "min")?
            }
            BitwiseAnd => b.build_and(x, y, "and")?.into(),
            BitwiseOr => b.build_or(x, y, "or")?.into(),
            BitwiseXor => b.build_xor(x, y, "xor")?.into(),
            Fmod => {
                // C's remainder (the dividend's sign); divisors 0 and -1 (MIN % -1
                // overflows) give 0, as NumPy's fmod, and never reach the instruction.
                let is_zero = b.build_int_compare(IntPredicate::EQ, y, zero, "z")?;
                let special = if signed {
                    let is_m1 = b.build_int_compare(IntPredicate::EQ, y, minus_one, "m1")?;
                    b.build_or(is_zero, is_m1, "special")?
                } else {
                    is_zero
                };
                let safe = b.build_select(special, one, y, "safe")?.into_int_value();
                let r = if signed {
                    b.build_int_signed_rem(x, safe, "srem")?
                } else {
                    b.build_int_unsigned_rem(x, safe, "urem")?
                };
                b.build_select(special, zero, r, "fmod")?
            }
            FloorDiv | Rem if !signed => {
                // A zero divisor never reaches udiv/urem (it traps); the answer is 0.
                let is_zero = b.build_int_compare(IntPredicate::EQ, y, zero, "z")?;
                let safe = b.build_select(is_zero, one, y, "safe")?.into_int_value();
                let r = if op == FloorDiv {
                    b.build_int_unsigned_div(x, safe, "q")?
                } else {
                    b.build_int_unsigned_rem(x, safe, "r")?
                };
                b.build_select(is_zero, zero, r, "udivrem")?
            }
            FloorDiv | Rem => {
                // Divisors 0 and -1 never reach sdiv/srem (0 traps, MIN / -1 overflows).
                let is_zero = b.build_int_compare(IntPredicate::EQ, y, zero, "z")?;
                let is_m1 = b.build_int_compare(IntPredicate::EQ, y, minus_one, "m1")?;
                let special = b.build_or(is_zero, is_m1, "special")?;
                let safe = b.build_select(special, one, y, "safe")?.into_int_value();
                let q = b.build_int_signed_div(x, safe, "q")?;
                let r = b.build_int_signed_rem(x, safe, "r")?;
                let r_nz = b.build_int_compare(IntPredicate::NE, r, zero, "rnz")?;
                let r_neg = b.build_int_compare(IntPredicate::SLT, r, zero, "rneg")?;
                let y_neg = b.build_int_compare(IntPredicate::SLT, y, zero, "yneg")?;
                let differ = b.build_xor(r_neg, y_neg, "differ")?;
                let fix = b.build_and(r_nz, differ, "fix")?;
                if op == FloorDiv {
                    let q1 = b.build_int_sub(q, one, "q1")?;
                    let q = b.build_select(fix, q1, q, "qf")?.into_int_value();
                    let neg_x = b.build_int_sub(zero, x, "negx")?;
                    let q = b.build_select(is_m1, neg_x, q, "qm1")?.into_int_value();
                    b.build_select(is_zero, zero, q, "floordiv")?
                } else {
                    let r1 = b.build_int_add(r, y, "r1")?;
                    let r = b.build_select(fix, r1, r, "rf")?.into_int_value();
                    b.build_select(special, zero, r, "rem")?
                }
            }
            Pow => self.int_pow(x, y, d)?,
            LeftShift | RightShift => {
                // NumPy's shifts: a count outside [0, bits) (an unsigned compare) shifts
                // every bit out; LLVM's shl/ashr would give poison there, so the count
                // reaching them is clamped and the answer selected.
                let bits = self.iconst(d, x.get_type().get_bit_width() as i64);
                let in_range = b.build_int_compare(IntPredicate::ULT, y, bits, "inrange")?;
                let count = b.build_select(in_range, y, zero, "count")?.into_int_value();
                if op == LeftShift {
                    let shifted = b.build_left_shift(x, count, "shl")?;
                    b.build_select(in_range, shifted, zero, "lshift")?
                } else {
                    let shifted = b.build_right_shift(x, count, signed, "shr")?;
                    // Shifted out: the sign fills a signed value, zeros an unsigned one.
                    let negative = if signed {
                        b.build_int_compare(IntPredicate::SLT, x, zero, "neg")?
                    } else {
                        self.ctx.bool_type().const_zero()
                    };
                    let out = b
                        .build_select(negative, minus_one, zero, "out")?
                        .into_int_value();
                    b.build_select(in_range, shifted, out, "rshift")?
                }
            }
            _ => return Err(CodegenError::Internal(format!("{op:?} on integers"))),
        })
    }

    /// Integer power by squaring, wrapping; a negative exponent gives the truncated
    /// 1 / x^-n. A helper function per integer type, emitted once per module.
    fn int_pow(&self, x: IntValue<'ctx>, y: IntValue<'ctx>, d: DType) -> Res<BasicValueEnum<'ctx>> {
        let name = format!("lazyfuse.ipow.{}", d.name());
        let f = match self.module.get_function(&name) {
            Some(f) => f,
            None => self.emit_int_pow(&name, d)?,
        };
        self.call(f, &[x.into(), y.into()])
    }

    fn emit_int_pow(&self, name: &str, d: DType) -> Res<FunctionValue<'ctx>> {
        let t = self.int_type(d);
        let f = self.module.add_function(
            name,
            t.fn_type(&[t.into(), t.into()], false),
            Some(inkwell::module::Linkage::Private),
        );
        let b = self.ctx.create_builder();
        let entry = self.ctx.append_basic_block(f, "entry");
        let negative = self.ctx.append_basic_block(f, "negative");
        let head = self.ctx.append_basic_block(f, "head");
        let body = self.ctx.append_basic_block(f, "body");
        let done = self.ctx.append_basic_block(f, "done");
        let (x, e) = (
            f.get_nth_param(0).unwrap().into_int_value(),
            f.get_nth_param(1).unwrap().into_int_value(),
        );
        let c = |v: i64| t.const_int(v as u64, true);
        b.position_at_end(entry);
        let is_neg = if d.is_signed() {
            b.build_int_compare(IntPredicate::SLT, e, c(0), "neg")?
        } else {
            self.ctx.bool_type().const_zero()
        };
        b.build_conditional_branch(is_neg, negative, head)?;
        // Negative exponent: 1 for x == 1, ±1 for x == -1 by parity, reciprocal's
        // answer for 0, else 0.
        b.position_at_end(negative);
        let is_one = b.build_int_compare(IntPredicate::EQ, x, c(1), "one")?;
        let is_m1 = b.build_int_compare(IntPredicate::EQ, x, c(-1), "m1")?;
        let odd = b.build_and(e, c(1), "odd")?;
        let odd = b.build_int_compare(IntPredicate::NE, odd, c(0), "isodd")?;
        let m1_val = b.build_select(odd, c(-1), c(1), "m1v")?.into_int_value();
        let is_zero = b.build_int_compare(IntPredicate::EQ, x, c(0), "zero")?;
        let r = b
            .build_select(is_zero, self.recip_of_zero(d), c(0), "r0")?
            .into_int_value();
        let r = b.build_select(is_m1, m1_val, r, "r")?.into_int_value();
        let r = b.build_select(is_one, c(1), r, "r1")?;
        b.build_return(Some(&r))?;
        // Squaring loop.
        b.position_at_end(head);
        let acc = b.build_phi(t, "acc")?;
        let base = b.build_phi(t, "base")?;
        let exp = b.build_phi(t, "exp")?;
        // The exponent is not negative here: any bit left means more to do.
        let more = b.build_int_compare(
            IntPredicate::NE,
            exp.as_basic_value().into_int_value(),
            c(0),
            "more",
        )?;
        b.build_conditional_branch(more, body, done)?;
        b.position_at_end(body);
        let (accv, basev, expv) = (
            acc.as_basic_value().into_int_value(),
            base.as_basic_value().into_int_value(),
            exp.as_basic_value().into_int_value(),
        );
        let bit = b.build_and(expv, c(1), "bit")?;
        let bit = b.build_int_compare(IntPredicate::NE, bit, c(0), "isbit")?;
        let prod = b.build_int_mul(accv, basev, "prod")?;
        let acc_next = b.build_select(bit, prod, accv, "accn")?.into_int_value();
        let base_next = b.build_int_mul(basev, basev, "basen")?;
        let exp_next = b.build_right_shift(expv, c(1), false, "expn")?;
        b.build_unconditional_branch(head)?;
        acc.add_incoming(&[(&c(1), entry), (&acc_next, body)]);
        base.add_incoming(&[(&x, entry), (&base_next, body)]);
        exp.add_incoming(&[(&e, entry), (&exp_next, body)]);
        b.position_at_end(done);
        b.build_return(Some(&acc.as_basic_value()))?;
        Ok(f)
    }

    /// `where`, cast, unary and binary ops of the IR on registers.
    pub fn apply(
        &self,
        op: ElementwiseOp,
        args: &[(BasicValueEnum<'ctx>, DType)],
        out: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        match op {
            ElementwiseOp::Unary(u) => self.unary(u, args[0].0, args[0].1, out),
            ElementwiseOp::Binary(bop) => {
                self.binary(bop, args[0].0, args[0].1, args[1].0, args[1].1, out)
            }
            ElementwiseOp::Cast(to) => self.convert(args[0].0, args[0].1, to),
            ElementwiseOp::Where => {
                let c = self.truthy(args[0].0, args[0].1)?;
                let x = self.convert(args[1].0, args[1].1, out)?;
                let y = self.convert(args[2].0, args[2].1, out)?;
                Ok(self.builder.build_select(c, x, y, "where")?)
            }
        }
    }
}
