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
use lazyfuse_ir::{is_signed_with_u64, promote, BinaryOp, DType, Scalar, UnaryOp};

use crate::error::CodegenError;

mod complex;
mod convert;
mod float;
mod int;

type Res<T> = Result<T, CodegenError>;

/// Emits scalar operations into the current block of `builder`.
pub(crate) struct ScalarLowering<'a, 'ctx> {
    pub ctx: &'ctx Context,
    pub module: &'a Module<'ctx>,
    pub builder: &'a Builder<'ctx>,
    /// How sin, cos, tan and the logarithms are reached: inlined (the GPU), or out-of-line functions
    /// with vector forms, defined in the module or by the process's library (the CPU).
    pub split_code: crate::llvm::vmath_variants::SplitCode,
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
            DType::C64 | DType::C128 => self.complex_type(d).into(),
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
            Scalar::C64(_) | Scalar::C128(_) => {
                let (re, im) = s.parts();
                let p = self.float_type(s.dtype().real_part());
                self.complex_type(s.dtype())
                    .const_named_struct(&[p.const_float(re).into(), p.const_float(im).into()])
                    .into()
            }
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
            d if d.is_complex() => self.complex_truthy(v)?,
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
    pub(crate) fn intrinsic(
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
        let f = super::vmath::function(self.ctx, self.module, name, d, self.split_code)?;
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
        if d.is_complex() {
            return self.complex_unary(op, v, d, out);
        }
        if out.is_complex() {
            // (A real operand of a complex function: computed as complex.)
            let z = self.convert(v, d, out)?;
            return self.complex_unary(op, z, out, out);
        }
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
            Imag => return Ok(self.constant(lazyfuse_ir::Scalar::I64(0).cast(out))),
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
            return Ok(v); // abs, floor, ceil, trunc, real of bool are the identity
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
                Floor | Ceil | Round | Trunc | Conj | Real => x.into(),
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
            Conj | Real => x.into(),
            IsNan | IsInf | IsFinite | LogicalNot | Signbit | Imag => {
                unreachable!("handled above")
            }
            Invert => return Err(CodegenError::Internal("invert on floats".into())),
        })
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
            Eq | Ne | Lt | Le | Gt | Ge if is_signed_with_u64(da, db) => {
                // NumPy 2 compares a signed integer with uint64 exactly (its qQ->?
                // loops), not in float64, their promoted type: in 128 bits here.
                let i128t = self.ctx.i128_type();
                let wide = |v: BasicValueEnum<'ctx>, d: DType| -> Res<IntValue<'ctx>> {
                    Ok(if d.is_signed() {
                        let v = self.convert(v, d, DType::I64)?.into_int_value();
                        b.build_int_s_extend(v, i128t, "wide")?
                    } else {
                        b.build_int_z_extend(v.into_int_value(), i128t, "wide")?
                    })
                };
                let (x, y) = (wide(a, da)?, wide(bv, db)?);
                return Ok(b
                    .build_int_compare(int_predicate(op, true), x, y, "cmp")?
                    .into());
            }
            Eq | Ne | Lt | Le | Gt | Ge => {
                let common = promote(da, db);
                let (x, y) = (self.convert(a, da, common)?, self.convert(bv, db, common)?);
                if common.is_complex() {
                    return Ok(self.complex_compare(op, x, y)?.into());
                }
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
                    let pred = int_predicate(op, common.is_signed());
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
        if out.is_complex() {
            return self.complex_binary(op, x, y, out);
        }
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

/// The integer comparison predicate of `op` (one of eq ... ge), signed or unsigned.
fn int_predicate(op: BinaryOp, signed: bool) -> IntPredicate {
    use BinaryOp::*;
    match (op, signed) {
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
    }
}
