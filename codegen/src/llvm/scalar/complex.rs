//! Complex registers and their ops, with the interpreter's semantics
//! (`lazyfuse_ir::interp::complex`): a complex register is an LLVM struct of its two
//! parts (`{float, float}` or `{double, double}`, the layout of a complex in memory);
//! arithmetic is written out on the parts (LLVM's instcombine splits the structs, so
//! loops over arithmetic still vectorise) and the transcendental functions call the C
//! library's `cexp`, `clog` ... as NumPy and the interpreter do.
//!
//! Calls use the x86-64 System V convention for C's complex types (a `double _Complex`
//! travels as two doubles and returns in two registers, a `float _Complex` as one
//! `<2 x float>`), the only one lazyfuse compiles for.

use inkwell::types::{BasicMetadataTypeEnum, BasicTypeEnum, FloatType, StructType};
use inkwell::values::{BasicValueEnum, FloatValue, FunctionValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};
use lazyfuse_ir::interp::complex::c_function;
use lazyfuse_ir::{BinaryOp, DType, UnaryOp};

use super::{Res, ScalarLowering};
use crate::error::CodegenError;

/// The two parts of a complex register.
pub(crate) type Parts<'ctx> = (FloatValue<'ctx>, FloatValue<'ctx>);

impl<'a, 'ctx> ScalarLowering<'a, 'ctx> {
    /// The float type of one part of complex dtype `d`.
    fn part_type(&self, d: DType) -> FloatType<'ctx> {
        self.float_type(d.real_part())
    }

    /// The register (and memory) type of complex dtype `d`.
    pub(super) fn complex_type(&self, d: DType) -> StructType<'ctx> {
        let p = self.part_type(d);
        self.ctx.struct_type(&[p.into(), p.into()], false)
    }

    /// A complex register from its parts.
    pub(crate) fn pack(&self, d: DType, (re, im): Parts<'ctx>) -> Res<BasicValueEnum<'ctx>> {
        let b = self.builder;
        let v = b.build_insert_value(self.complex_type(d).get_undef(), re, 0, "re")?;
        let v = b.build_insert_value(v, im, 1, "im")?;
        Ok(v.into_struct_value().into())
    }

    /// The parts of a complex register.
    pub(crate) fn parts(&self, v: BasicValueEnum<'ctx>) -> Res<Parts<'ctx>> {
        let b = self.builder;
        let s = v.into_struct_value();
        Ok((
            b.build_extract_value(s, 0, "re")?.into_float_value(),
            b.build_extract_value(s, 1, "im")?.into_float_value(),
        ))
    }

    /// Whether either part is NaN.
    pub(crate) fn complex_has_nan(&self, v: BasicValueEnum<'ctx>) -> Res<IntValue<'ctx>> {
        let b = self.builder;
        let (re, im) = self.parts(v)?;
        Ok(b.build_float_compare(FloatPredicate::UNO, re, im, "hasnan")?)
    }

    /// Non-zero: either part (NaN counts).
    pub(super) fn complex_truthy(&self, v: BasicValueEnum<'ctx>) -> Res<IntValue<'ctx>> {
        let b = self.builder;
        let (re, im) = self.parts(v)?;
        let zero = re.get_type().const_zero();
        let r = b.build_float_compare(FloatPredicate::UNE, re, zero, "rnz")?;
        let i = b.build_float_compare(FloatPredicate::UNE, im, zero, "inz")?;
        Ok(b.build_or(r, i, "nz")?)
    }

    /// Conversions to, from and between complex types (NumPy's: a real value becomes
    /// the real part, a complex one gives its real part to a real type).
    pub(super) fn complex_convert(
        &self,
        v: BasicValueEnum<'ctx>,
        from: DType,
        to: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        if to == DType::Bool {
            return Ok(self.complex_truthy(v)?.into());
        }
        match (from.is_complex(), to.is_complex()) {
            (true, true) => {
                let (re, im) = self.parts(v)?;
                let (pf, pt) = (from.real_part(), to.real_part());
                let re = self.convert(re.into(), pf, pt)?.into_float_value();
                let im = self.convert(im.into(), pf, pt)?.into_float_value();
                self.pack(to, (re, im))
            }
            (true, false) => {
                let (re, _) = self.parts(v)?;
                self.convert(re.into(), from.real_part(), to)
            }
            _ => {
                let re = self.convert(v, from, to.real_part())?.into_float_value();
                self.pack(to, (re, self.part_type(to).const_zero()))
            }
        }
    }

    /// A unary op on a complex register of dtype `d` giving dtype `out` (complex, or
    /// real for abs, real, imag and the predicates).
    pub(super) fn complex_unary(
        &self,
        op: UnaryOp,
        v: BasicValueEnum<'ctx>,
        d: DType,
        out: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        use UnaryOp::*;
        let b = self.builder;
        let p = d.real_part();
        let (re, im) = self.parts(v)?;
        let fabs = |x: FloatValue<'ctx>| self.intrinsic("llvm.fabs", p, &[x.into()]);
        let inf = self.fconst(p, f64::INFINITY);
        match op {
            IsNan => return Ok(self.complex_has_nan(v)?.into()),
            IsInf => {
                let r = b.build_float_compare(FloatPredicate::OEQ, fabs(re)?, inf, "rinf")?;
                let i = b.build_float_compare(FloatPredicate::OEQ, fabs(im)?, inf, "iinf")?;
                return Ok(b.build_or(r, i, "isinf")?.into());
            }
            IsFinite => {
                let r = b.build_float_compare(FloatPredicate::OLT, fabs(re)?, inf, "rfin")?;
                let i = b.build_float_compare(FloatPredicate::OLT, fabs(im)?, inf, "ifin")?;
                return Ok(b.build_and(r, i, "isfinite")?.into());
            }
            LogicalNot => return Ok(b.build_not(self.complex_truthy(v)?, "not")?.into()),
            Real => return self.convert(re.into(), p, out),
            Imag => return self.convert(im.into(), p, out),
            Abs => return Ok(self.cabs((re, im), p)?.into()),
            _ => {}
        }
        let (re, im) = match op {
            Neg => (b.build_float_neg(re, "nre")?, b.build_float_neg(im, "nim")?),
            Conj => (re, b.build_float_neg(im, "cim")?),
            Square => self.cmul((re, im), (re, im))?,
            Reciprocal => self.creciprocal((re, im))?,
            Sign => self.csign((re, im), p)?,
            Round => (
                self.intrinsic("llvm.roundeven", p, &[re.into()])?,
                self.intrinsic("llvm.roundeven", p, &[im.into()])?,
            ),
            Expm1 => {
                // NumPy's: expm1(x) cos(y) - 2 sin(y/2)^2 + i e^x sin(y).
                let a = b.build_float_div(im, self.fconst(p, 2.0), "half")?;
                let a = self.libm("sin", p, &[a.into()])?;
                let two_a2 = b.build_float_mul(a, a, "a2")?;
                let two_a2 = b.build_float_mul(self.fconst(p, 2.0), two_a2, "2a2")?;
                let em1 = self.libm("expm1", p, &[re.into()])?;
                let cos = self.libm("cos", p, &[im.into()])?;
                let sin = self.libm("sin", p, &[im.into()])?;
                let e = self.libm("exp", p, &[re.into()])?;
                let r = b.build_float_mul(em1, cos, "rc")?;
                (
                    b.build_float_sub(r, two_a2, "re")?,
                    b.build_float_mul(e, sin, "im")?,
                )
            }
            Log1p => self.clog1p((re, im), p)?,
            Log2 | Log10 => {
                let scale = if op == Log2 {
                    std::f64::consts::LOG2_E
                } else {
                    std::f64::consts::LOG10_E
                };
                let (lr, li) = self.c_call("clog", d, &[(re, im)])?;
                let k = self.fconst(p, scale);
                (
                    b.build_float_mul(lr, k, "re")?,
                    b.build_float_mul(li, k, "im")?,
                )
            }
            _ => match c_function(op) {
                Some(name) => self.c_call(name, d, &[(re, im)])?,
                None => return Err(CodegenError::Internal(format!("{op:?} on complex values"))),
            },
        };
        self.pack(out, (re, im))
    }

    /// An arithmetic binary op on complex registers of dtype `d`.
    pub(super) fn complex_binary(
        &self,
        op: BinaryOp,
        x: BasicValueEnum<'ctx>,
        y: BasicValueEnum<'ctx>,
        d: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        use BinaryOp::*;
        let b = self.builder;
        let (a, c) = (self.parts(x)?, self.parts(y)?);
        let r = match op {
            Add => (
                b.build_float_add(a.0, c.0, "re")?,
                b.build_float_add(a.1, c.1, "im")?,
            ),
            Sub => (
                b.build_float_sub(a.0, c.0, "re")?,
                b.build_float_sub(a.1, c.1, "im")?,
            ),
            Mul => self.cmul(a, c)?,
            Div => self.cdiv(a, c)?,
            Pow => {
                let f = self.cpow_helper(d)?;
                let args = [a.0.into(), a.1.into(), c.0.into(), c.1.into()];
                return self.call(f, &args);
            }
            Maximum | Minimum => {
                // NumPy: the first operand if it holds a NaN or is not smaller (larger).
                let keep = if op == Maximum {
                    self.cge(a, c)?
                } else {
                    self.cge(c, a)?
                };
                let nan = self.complex_has_nan(x)?;
                let keep = b.build_or(nan, keep, "keep")?;
                return Ok(b.build_select(keep, x, y, "ext")?);
            }
            _ => return Err(CodegenError::Internal(format!("{op:?} on complex values"))),
        };
        self.pack(d, r)
    }

    /// A comparison of complex registers: both parts equal; order lexicographic with
    /// NumPy's NaN rules.
    pub(super) fn complex_compare(
        &self,
        op: BinaryOp,
        x: BasicValueEnum<'ctx>,
        y: BasicValueEnum<'ctx>,
    ) -> Res<IntValue<'ctx>> {
        use BinaryOp::*;
        let b = self.builder;
        let (a, c) = (self.parts(x)?, self.parts(y)?);
        Ok(match op {
            Eq | Ne => {
                let (pred, join) = if op == Eq {
                    (FloatPredicate::OEQ, true)
                } else {
                    (FloatPredicate::UNE, false)
                };
                let r = b.build_float_compare(pred, a.0, c.0, "r")?;
                let i = b.build_float_compare(pred, a.1, c.1, "i")?;
                if join {
                    b.build_and(r, i, "eq")?
                } else {
                    b.build_or(r, i, "ne")?
                }
            }
            Gt => self.cgt(a, c, false)?,
            Ge => self.cgt(a, c, true)?,
            Lt => self.cgt(c, a, false)?,
            _ => self.cgt(c, a, true)?,
        })
    }

    /// NumPy's `CGT` (or `CGE` with `or_equal`): `a.re > c.re` with neither imaginary
    /// part NaN, or equal real parts and `a.im > c.im` (`>=`).
    fn cgt(&self, a: Parts<'ctx>, c: Parts<'ctx>, or_equal: bool) -> Res<IntValue<'ctx>> {
        let b = self.builder;
        let gt = b.build_float_compare(FloatPredicate::OGT, a.0, c.0, "gt")?;
        let ordered = b.build_float_compare(FloatPredicate::ORD, a.1, c.1, "ord")?;
        let first = b.build_and(gt, ordered, "first")?;
        let eq = b.build_float_compare(FloatPredicate::OEQ, a.0, c.0, "req")?;
        let pred = if or_equal {
            FloatPredicate::OGE
        } else {
            FloatPredicate::OGT
        };
        let second = b.build_float_compare(pred, a.1, c.1, "im")?;
        let second = b.build_and(eq, second, "second")?;
        Ok(b.build_or(first, second, "cgt")?)
    }

    fn cge(&self, a: Parts<'ctx>, c: Parts<'ctx>) -> Res<IntValue<'ctx>> {
        self.cgt(a, c, true)
    }

    /// `a * c` as NumPy's SIMD loops (and the interpreter's `mul`): one fused
    /// multiply-add per part, no recovery of infinities.
    fn cmul(&self, a: Parts<'ctx>, c: Parts<'ctx>) -> Res<Parts<'ctx>> {
        let b = self.builder;
        let fma = |x: FloatValue<'ctx>, y: FloatValue<'ctx>, z: FloatValue<'ctx>| self.fma(x, y, z);
        let ii = b.build_float_mul(a.1, c.1, "ii")?;
        let neg_ii = b.build_float_neg(ii, "nii")?;
        let ir = b.build_float_mul(a.1, c.0, "ir")?;
        Ok((fma(a.0, c.0, neg_ii)?, fma(a.0, c.1, ir)?))
    }

    /// `a * c` as NumPy's scalar code (its powers and product reductions): each
    /// product rounded.
    fn cmul_plain(&self, a: Parts<'ctx>, c: Parts<'ctx>) -> Res<Parts<'ctx>> {
        let b = self.builder;
        let rr = b.build_float_mul(a.0, c.0, "rr")?;
        let ii = b.build_float_mul(a.1, c.1, "ii")?;
        let ri = b.build_float_mul(a.0, c.1, "ri")?;
        let ir = b.build_float_mul(a.1, c.0, "ir")?;
        Ok((
            b.build_float_sub(rr, ii, "re")?,
            b.build_float_add(ri, ir, "im")?,
        ))
    }

    /// The running product of a complex product reduction (unfused, as NumPy's).
    pub(crate) fn complex_product(
        &self,
        x: BasicValueEnum<'ctx>,
        y: BasicValueEnum<'ctx>,
        d: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let r = self.cmul_plain(self.parts(x)?, self.parts(y)?)?;
        self.pack(d, r)
    }

    /// `x * y + z` rounded once (`llvm.fma`).
    fn fma(
        &self,
        x: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
        z: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        let intr = inkwell::intrinsics::Intrinsic::find("llvm.fma")
            .ok_or_else(|| CodegenError::Internal("no llvm.fma".into()))?;
        let decl = intr
            .get_declaration(self.module, &[x.get_type().into()])
            .ok_or_else(|| CodegenError::Internal("no llvm.fma declaration".into()))?;
        Ok(self
            .call(decl, &[x.into(), y.into(), z.into()])?
            .into_float_value())
    }

    /// `a / c` by Smith's method, as NumPy (both branches computed, one selected;
    /// neither traps).
    fn cdiv(&self, a: Parts<'ctx>, c: Parts<'ctx>) -> Res<Parts<'ctx>> {
        let b = self.builder;
        let t = a.0.get_type();
        let fabs = |x: FloatValue<'ctx>| -> Res<FloatValue<'ctx>> {
            let intr = inkwell::intrinsics::Intrinsic::find("llvm.fabs")
                .ok_or_else(|| CodegenError::Internal("no fabs".into()))?;
            let decl = intr
                .get_declaration(self.module, &[t.into()])
                .ok_or_else(|| CodegenError::Internal("no fabs".into()))?;
            Ok(self.call(decl, &[x.into()])?.into_float_value())
        };
        let one = t.const_float(1.0);
        let (br_abs, bi_abs) = (fabs(c.0)?, fabs(c.1)?);
        let real_larger = b.build_float_compare(FloatPredicate::OGE, br_abs, bi_abs, "rl")?;
        // |c.re| >= |c.im|.
        let rat = b.build_float_div(c.1, c.0, "rat")?;
        let den = b.build_float_mul(c.1, rat, "den")?;
        let den = b.build_float_add(c.0, den, "den")?;
        let scl = b.build_float_div(one, den, "scl")?;
        let r1 = b.build_float_mul(a.1, rat, "r1")?;
        let r1 = b.build_float_add(a.0, r1, "r1")?;
        let r1 = b.build_float_mul(r1, scl, "r1")?;
        let i1 = b.build_float_mul(a.0, rat, "i1")?;
        let i1 = b.build_float_sub(a.1, i1, "i1")?;
        let i1 = b.build_float_mul(i1, scl, "i1")?;
        // Both zero: a's parts over the zero magnitudes.
        let zero = t.const_zero();
        let r_zero = b.build_float_compare(FloatPredicate::OEQ, br_abs, zero, "rz")?;
        let i_zero = b.build_float_compare(FloatPredicate::OEQ, bi_abs, zero, "iz")?;
        let both_zero = b.build_and(r_zero, i_zero, "bz")?;
        let r0 = b.build_float_div(a.0, br_abs, "r0")?;
        let i0 = b.build_float_div(a.1, bi_abs, "i0")?;
        let r1 = b.build_select(both_zero, r0, r1, "r1")?.into_float_value();
        let i1 = b.build_select(both_zero, i0, i1, "i1")?.into_float_value();
        // |c.re| < |c.im|.
        let rat2 = b.build_float_div(c.0, c.1, "rat2")?;
        let den2 = b.build_float_mul(c.0, rat2, "den2")?;
        let den2 = b.build_float_add(c.1, den2, "den2")?;
        let scl2 = b.build_float_div(one, den2, "scl2")?;
        let r2 = b.build_float_mul(a.0, rat2, "r2")?;
        let r2 = b.build_float_add(r2, a.1, "r2")?;
        let r2 = b.build_float_mul(r2, scl2, "r2")?;
        let i2 = b.build_float_mul(a.1, rat2, "i2")?;
        let i2 = b.build_float_sub(i2, a.0, "i2")?;
        let i2 = b.build_float_mul(i2, scl2, "i2")?;
        Ok((
            b.build_select(real_larger, r1, r2, "re")?
                .into_float_value(),
            b.build_select(real_larger, i1, i2, "im")?
                .into_float_value(),
        ))
    }

    /// |z| as the interpreter's `abs` (NumPy's SIMD absolute): `larger * sqrt(ratio^2
    /// + 1)`, infinite for an infinite part, else NaN for a NaN part.
    fn cabs(&self, z: Parts<'ctx>, p: DType) -> Res<FloatValue<'ctx>> {
        let b = self.builder;
        let re = self.intrinsic("llvm.fabs", p, &[z.0.into()])?;
        let im = self.intrinsic("llvm.fabs", p, &[z.1.into()])?;
        let (zero, one) = (self.fconst(p, 0.0), self.fconst(p, 1.0));
        let (inf, nan) = (self.fconst(p, f64::INFINITY), self.fconst(p, f64::NAN));
        let re_larger = b.build_float_compare(FloatPredicate::OGE, re, im, "rl")?;
        let larger = b
            .build_select(re_larger, re, im, "larger")?
            .into_float_value();
        let smaller = b
            .build_select(re_larger, im, re, "smaller")?
            .into_float_value();
        let ratio = b.build_float_div(smaller, larger, "ratio")?;
        let larger_zero = b.build_float_compare(FloatPredicate::OEQ, larger, zero, "lz")?;
        let ratio = b
            .build_select(larger_zero, zero, ratio, "ratio")?
            .into_float_value();
        let root = self.fma(ratio, ratio, one)?;
        let root = self.intrinsic("llvm.sqrt", p, &[root.into()])?;
        let abs = b.build_float_mul(larger, root, "abs")?;
        let any_nan = b.build_float_compare(FloatPredicate::UNO, re, im, "nan")?;
        let abs = b.build_select(any_nan, nan, abs, "abs")?.into_float_value();
        let re_inf = b.build_float_compare(FloatPredicate::OEQ, re, inf, "ri")?;
        let im_inf = b.build_float_compare(FloatPredicate::OEQ, im, inf, "ii")?;
        let any_inf = b.build_or(re_inf, im_inf, "inf")?;
        Ok(b.build_select(any_inf, inf, abs, "abs")?.into_float_value())
    }

    /// `1 / z`, as NumPy's reciprocal loop.
    fn creciprocal(&self, z: Parts<'ctx>) -> Res<Parts<'ctx>> {
        let b = self.builder;
        let t = z.0.get_type();
        let one = t.const_float(1.0);
        let abs = |x: FloatValue<'ctx>| -> Res<FloatValue<'ctx>> {
            let n = b.build_float_neg(x, "n")?;
            let neg = b.build_float_compare(FloatPredicate::OLT, x, t.const_zero(), "neg")?;
            Ok(b.build_select(neg, n, x, "abs")?.into_float_value())
        };
        let imag_smaller =
            b.build_float_compare(FloatPredicate::OLE, abs(z.1)?, abs(z.0)?, "is")?;
        let r = b.build_float_div(z.1, z.0, "r")?;
        let d = b.build_float_mul(z.1, r, "d")?;
        let d = b.build_float_add(z.0, d, "d")?;
        let re1 = b.build_float_div(one, d, "re1")?;
        let nr = b.build_float_neg(r, "nr")?;
        let im1 = b.build_float_div(nr, d, "im1")?;
        let r2 = b.build_float_div(z.0, z.1, "r2")?;
        let d2 = b.build_float_mul(z.0, r2, "d2")?;
        let d2 = b.build_float_add(d2, z.1, "d2")?;
        let re2 = b.build_float_div(r2, d2, "re2")?;
        let m1 = t.const_float(-1.0);
        let im2 = b.build_float_div(m1, d2, "im2")?;
        Ok((
            b.build_select(imag_smaller, re1, re2, "re")?
                .into_float_value(),
            b.build_select(imag_smaller, im1, im2, "im")?
                .into_float_value(),
        ))
    }

    /// NumPy 2's complex sign (see the interpreter's `sign`).
    fn csign(&self, z: Parts<'ctx>, p: DType) -> Res<Parts<'ctx>> {
        let b = self.builder;
        let abs = self.libm("hypot", p, &[z.0.into(), z.1.into()])?;
        let (zero, one, nan) = (
            self.fconst(p, 0.0),
            self.fconst(p, 1.0),
            self.fconst(p, f64::NAN),
        );
        let inf = self.fconst(p, f64::INFINITY);
        let unit = |v: FloatValue<'ctx>| -> Res<FloatValue<'ctx>> {
            let pos = b.build_float_compare(FloatPredicate::OGT, v, zero, "pos")?;
            Ok(b.build_select(pos, one, self.fconst(p, -1.0), "unit")?
                .into_float_value())
        };
        let is_inf = |v: FloatValue<'ctx>| -> Res<IntValue<'ctx>> {
            let a = self.intrinsic("llvm.fabs", p, &[v.into()])?;
            Ok(b.build_float_compare(FloatPredicate::OEQ, a, inf, "inf")?)
        };
        let (re_inf, im_inf) = (is_inf(z.0)?, is_inf(z.1)?);
        // Finite, non-zero: z / |z|.
        let re = b.build_float_div(z.0, abs, "re")?;
        let im = b.build_float_div(z.1, abs, "im")?;
        let abs_zero = b.build_float_compare(FloatPredicate::OEQ, abs, zero, "az")?;
        let sel = |c: IntValue<'ctx>,
                   x: FloatValue<'ctx>,
                   y: FloatValue<'ctx>|
         -> Res<FloatValue<'ctx>> {
            Ok(b.build_select(c, x, y, "s")?.into_float_value())
        };
        let (re, im) = (sel(abs_zero, zero, re)?, sel(abs_zero, zero, im)?);
        // One infinite part: its unit direction; both: NaN.
        let (ur, ui) = (unit(z.0)?, unit(z.1)?);
        let inf_re = sel(re_inf, sel(im_inf, nan, ur)?, zero)?;
        let inf_im = sel(re_inf, sel(im_inf, nan, zero)?, ui)?;
        let abs_inf = b.build_float_compare(FloatPredicate::OEQ, abs, inf, "ainf")?;
        let (re, im) = (sel(abs_inf, inf_re, re)?, sel(abs_inf, inf_im, im)?);
        let abs_nan = b.build_float_compare(FloatPredicate::UNO, abs, abs, "anan")?;
        Ok((sel(abs_nan, nan, re)?, sel(abs_nan, nan, im)?))
    }

    /// ln(1 + z), as the interpreter's `log1p`.
    fn clog1p(&self, z: Parts<'ctx>, p: DType) -> Res<Parts<'ctx>> {
        let b = self.builder;
        let (x, y) = z;
        let one = self.fconst(p, 1.0);
        let half = self.fconst(p, 0.5);
        let x1 = b.build_float_add(x, one, "x1")?;
        let ax = self.intrinsic("llvm.fabs", p, &[x.into()])?;
        let ay = self.intrinsic("llvm.fabs", p, &[y.into()])?;
        let nx = b.build_float_compare(FloatPredicate::OLT, ax, half, "nx")?;
        let ny = b.build_float_compare(FloatPredicate::OLT, ay, half, "ny")?;
        let near_one = b.build_and(nx, ny, "near")?;
        let two_x = b.build_float_add(self.fconst(p, 2.0), x, "2x")?;
        let l = b.build_float_mul(x, two_x, "l")?;
        let y2 = b.build_float_mul(y, y, "y2")?;
        let l = b.build_float_add(l, y2, "l")?;
        let near = self.libm("log1p", p, &[l.into()])?;
        let near = b.build_float_div(near, self.fconst(p, 2.0), "near")?;
        let h = self.libm("hypot", p, &[x1.into(), y.into()])?;
        let far = self.libm("log", p, &[h.into()])?;
        let re = b
            .build_select(near_one, near, far, "re")?
            .into_float_value();
        let im = self.libm("atan2", p, &[y.into(), x1.into()])?;
        Ok((re, im))
    }

    /// A call of the C library's complex function `name` (`namef` for complex64).
    fn c_call(&self, name: &str, d: DType, args: &[Parts<'ctx>]) -> Res<Parts<'ctx>> {
        if !cfg!(target_arch = "x86_64") {
            return Err(CodegenError::Internal(format!(
                "complex {name} in compiled code needs x86-64"
            )));
        }
        let b = self.builder;
        if d == DType::C128 {
            let t = self.ctx.f64_type();
            let ret = self.complex_type(d);
            let params: Vec<BasicMetadataTypeEnum> =
                args.iter().flat_map(|_| [t.into(), t.into()]).collect();
            let f = self.declare(name, || ret.fn_type(&params, false));
            let flat: Vec<BasicValueEnum> = args
                .iter()
                .flat_map(|(re, im)| [(*re).into(), (*im).into()])
                .collect();
            let r = self.call(f, &flat)?;
            return self.parts(r);
        }
        // complex64: one <2 x float> each way.
        let v2 = self.ctx.f32_type().vec_type(2);
        let params: Vec<BasicMetadataTypeEnum> = args.iter().map(|_| v2.into()).collect();
        let f = self.declare(&format!("{name}f"), || v2.fn_type(&params, false));
        let i32t = self.ctx.i32_type();
        let mut flat = Vec::with_capacity(args.len());
        for (re, im) in args {
            let v = b.build_insert_element(v2.get_undef(), *re, i32t.const_zero(), "v")?;
            let v = b.build_insert_element(v, *im, i32t.const_int(1, false), "v")?;
            flat.push(v.into());
        }
        let r = self.call(f, &flat)?.into_vector_value();
        Ok((
            b.build_extract_element(r, i32t.const_zero(), "re")?
                .into_float_value(),
            b.build_extract_element(r, i32t.const_int(1, false), "im")?
                .into_float_value(),
        ))
    }

    /// The module's declaration of external function `name`, made on first use.
    fn declare(
        &self,
        name: &str,
        ty: impl FnOnce() -> inkwell::types::FunctionType<'ctx>,
    ) -> FunctionValue<'ctx> {
        self.module
            .get_function(name)
            .unwrap_or_else(|| self.module.add_function(name, ty(), None))
    }

    /// `lazyfuse.cpow.<d>(ar, ai, br, bi)`: NumPy's complex power (the interpreter's
    /// `pow`): 1 for a zero exponent, 0 or NaN for a zero base, repeated products for
    /// integer exponents below 100 in magnitude, C's `cpow` otherwise. Emitted once
    /// per module.
    fn cpow_helper(&self, d: DType) -> Res<FunctionValue<'ctx>> {
        let name = format!("lazyfuse.cpow.{}", d.name());
        if let Some(f) = self.module.get_function(&name) {
            return Ok(f);
        }
        let t = self.part_type(d);
        let ret = self.complex_type(d);
        let f = self.module.add_function(
            &name,
            ret.fn_type(&[t.into(), t.into(), t.into(), t.into()], false),
            Some(inkwell::module::Linkage::Private),
        );
        let b = self.ctx.create_builder();
        let inner = ScalarLowering {
            ctx: self.ctx,
            module: self.module,
            builder: &b,
            split_code: self.split_code,
        };
        let param = |i: u32| {
            f.get_nth_param(i)
                .expect("four parameters")
                .into_float_value()
        };
        let (a, c) = ((param(0), param(1)), (param(2), param(3)));
        let block = |n: &str| self.ctx.append_basic_block(f, n);
        let (entry, zero_exp, check_base, zero_base, check_int) = (
            block("entry"),
            block("zero_exp"),
            block("check_base"),
            block("zero_base"),
            block("check_int"),
        );
        let (small, head, body, done, general) = (
            block("small"),
            block("head"),
            block("body"),
            block("done"),
            block("general"),
        );
        let zero = t.const_zero();
        let one = t.const_float(1.0);
        let ret_parts = |p: Parts<'ctx>| -> Res<()> {
            let v = inner.pack(d, p)?;
            b.build_return(Some(&v))?;
            Ok(())
        };
        let is_zero = |z: Parts<'ctx>| -> Res<IntValue<'ctx>> {
            let r = b.build_float_compare(FloatPredicate::OEQ, z.0, zero, "rz")?;
            let i = b.build_float_compare(FloatPredicate::OEQ, z.1, zero, "iz")?;
            Ok(b.build_and(r, i, "z")?)
        };
        b.position_at_end(entry);
        b.build_conditional_branch(is_zero(c)?, zero_exp, check_base)?;
        b.position_at_end(zero_exp);
        ret_parts((one, zero))?;
        b.position_at_end(check_base);
        b.build_conditional_branch(is_zero(a)?, zero_base, check_int)?;
        b.position_at_end(zero_base);
        let pos = b.build_float_compare(FloatPredicate::OGT, c.0, zero, "pos")?;
        let nan = t.const_float(f64::NAN);
        let r = b.build_select(pos, zero, nan, "r")?.into_float_value();
        ret_parts((r, r))?;
        // An integer exponent of magnitude below 100 (so the conversion is exact).
        b.position_at_end(check_int);
        let fabs = inner.intrinsic("llvm.fabs", d.real_part(), &[c.0.into()])?;
        let in_range =
            b.build_float_compare(FloatPredicate::OLT, fabs, t.const_float(100.0), "rng")?;
        let bounded = b
            .build_select(in_range, c.0, zero, "bounded")?
            .into_float_value();
        let i64t = self.ctx.i64_type();
        let n = b.build_float_to_signed_int(bounded, i64t, "n")?;
        let back = b.build_signed_int_to_float(n, t, "back")?;
        let exact = b.build_float_compare(FloatPredicate::OEQ, back, c.0, "exact")?;
        let int_exp = b.build_and(in_range, exact, "int")?;
        let real = b.build_float_compare(FloatPredicate::OEQ, c.1, zero, "real")?;
        let int_exp = b.build_and(int_exp, real, "intreal")?;
        b.build_conditional_branch(int_exp, small, general)?;
        // n = 1, 2, 3 written out (as NumPy, for its handling of infinities), else
        // binary powering from 1.
        b.position_at_end(small);
        let (n1, n2, n3, loop_start) = (block("n1"), block("n2"), block("n3"), block("loop"));
        b.build_switch(
            n,
            loop_start,
            &[
                (i64t.const_int(1, false), n1),
                (i64t.const_int(2, false), n2),
                (i64t.const_int(3, false), n3),
            ],
        )?;
        b.position_at_end(n1);
        ret_parts(a)?;
        b.position_at_end(n2);
        ret_parts(inner.cmul_plain(a, a)?)?;
        b.position_at_end(n3);
        let sq = inner.cmul_plain(a, a)?;
        ret_parts(inner.cmul_plain(sq, a)?)?;
        b.position_at_end(loop_start);
        let neg = b.build_int_compare(IntPredicate::SLT, n, i64t.const_zero(), "neg")?;
        let mag = b.build_int_neg(n, "mag")?;
        let mag = b.build_select(neg, mag, n, "mag")?.into_int_value();
        b.build_unconditional_branch(head)?;
        b.position_at_end(head);
        let phi = |name: &str, ty: BasicTypeEnum<'ctx>| b.build_phi(ty, name);
        let (acc_r, acc_i) = (phi("accr", t.into())?, phi("acci", t.into())?);
        let (p_r, p_i) = (phi("pr", t.into())?, phi("pi", t.into())?);
        let e = phi("e", i64t.into())?;
        let acc = (
            acc_r.as_basic_value().into_float_value(),
            acc_i.as_basic_value().into_float_value(),
        );
        let pw = (
            p_r.as_basic_value().into_float_value(),
            p_i.as_basic_value().into_float_value(),
        );
        let ev = e.as_basic_value().into_int_value();
        let bit = b.build_and(ev, i64t.const_int(1, false), "bit")?;
        let bit = b.build_int_compare(IntPredicate::NE, bit, i64t.const_zero(), "set")?;
        let prod = inner.cmul_plain(acc, pw)?;
        let acc_next = (
            b.build_select(bit, prod.0, acc.0, "anr")?
                .into_float_value(),
            b.build_select(bit, prod.1, acc.1, "ani")?
                .into_float_value(),
        );
        let e_next = b.build_right_shift(ev, i64t.const_int(1, false), false, "en")?;
        let more = b.build_int_compare(IntPredicate::NE, e_next, i64t.const_zero(), "more")?;
        b.build_conditional_branch(more, body, done)?;
        b.position_at_end(body);
        let p_next = inner.cmul_plain(pw, pw)?;
        b.build_unconditional_branch(head)?;
        acc_r.add_incoming(&[(&one, loop_start), (&acc_next.0, body)]);
        acc_i.add_incoming(&[(&zero, loop_start), (&acc_next.1, body)]);
        p_r.add_incoming(&[(&a.0, loop_start), (&p_next.0, body)]);
        p_i.add_incoming(&[(&a.1, loop_start), (&p_next.1, body)]);
        e.add_incoming(&[(&mag, loop_start), (&e_next, body)]);
        b.position_at_end(done);
        let inv = inner.cdiv((one, zero), acc_next)?;
        let r = b
            .build_select(neg, inv.0, acc_next.0, "r")?
            .into_float_value();
        let i = b
            .build_select(neg, inv.1, acc_next.1, "i")?
            .into_float_value();
        ret_parts((r, i))?;
        b.position_at_end(general);
        let r = inner.c_call("cpow", d, &[a, c])?;
        ret_parts(r)?;
        Ok(f)
    }
}
