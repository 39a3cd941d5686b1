//! Vector math emitted as LLVM IR: range reduction + polynomial, branch-free (selects),
//! so calls inline into kernel loops and vectorise, and nothing calls a host library.
//!
//! Each function is a private, always-inlined IR function per float type. Accuracy is
//! measured against the platform libm in `tests/vmath_accuracy.rs`.

use inkwell::attributes::AttributeLoc;
use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::{Linkage, Module};
use inkwell::values::{FloatValue, FunctionValue, GlobalValue, IntValue};
use inkwell::FloatPredicate;
use lazyfuse_ir::DType;

use super::vmath_log::Base;
use super::vmath_trig::Trig;
use crate::error::CodegenError;

pub(crate) type Res<T> = Result<T, CodegenError>;

/// The IR function computing `name` (`exp`, `sin`, `pow`, ...) for `dtype`, emitted on
/// first use. sin, cos and tan, and in JIT kernels the logarithms, branch to their
/// general path only where it is needed (`vmath_split.rs`, `vmath_variants.rs`):
/// `split_code` says whether they are inlined (the GPU) or out-of-line functions with
/// vector forms (the CPU); every other function is inlined.
pub(crate) fn function<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    name: &str,
    dtype: DType,
    split_code: super::vmath_variants::SplitCode,
) -> Res<FunctionValue<'ctx>> {
    if matches!(dtype, DType::F32 | DType::F64)
        && super::vmath_variants::has_vector_forms(name, split_code)
    {
        return super::vmath_variants::function(ctx, module, name, dtype, split_code);
    }
    if split_code == super::vmath_variants::SplitCode::Library
        && matches!(dtype, DType::F32 | DType::F64)
        && super::vmath_variants::is_shared(name)
    {
        return super::vmath_variants::shared_function(ctx, module, name, dtype);
    }
    inline_function(
        ctx,
        module,
        &format!("lazyfuse.{name}.{}", dtype.name()),
        name,
        dtype,
    )
}

/// How many arguments the vector-math function `name` takes.
pub(crate) fn arity(name: &str) -> u32 {
    if matches!(name, "atan2" | "pow") {
        2
    } else {
        1
    }
}

/// `name` for `dtype` as a private, always-inlined function `symbol`, emitted on first
/// use.
pub(crate) fn inline_function<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    symbol: &str,
    name: &str,
    dtype: DType,
) -> Res<FunctionValue<'ctx>> {
    if let Some(f) = module.get_function(symbol) {
        return Ok(f);
    }
    let t = if dtype == DType::F32 {
        ctx.f32_type()
    } else {
        ctx.f64_type()
    };
    let params: Vec<_> = (0..arity(name)).map(|_| t.into()).collect();
    let f = module.add_function(symbol, t.fn_type(&params, false), Some(Linkage::Private));
    f.add_attribute(
        AttributeLoc::Function,
        ctx.create_enum_attribute(
            inkwell::attributes::Attribute::get_named_enum_kind_id("alwaysinline"),
            0,
        ),
    );
    emit_body(ctx, module, f, name, dtype)?;
    Ok(f)
}

/// The body of `f` (declared with `name`'s arity in `dtype`): `name` of its arguments.
pub(crate) fn emit_body<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    f: FunctionValue<'ctx>,
    name: &str,
    dtype: DType,
) -> Res<()> {
    let builder = ctx.create_builder();
    builder.position_at_end(ctx.append_basic_block(f, "entry"));
    let m = Math {
        ctx,
        module,
        b: &builder,
        d: dtype,
    };
    let x = f
        .get_nth_param(0)
        .expect("one parameter")
        .into_float_value();
    let y = match name {
        "exp" => m.exp(x)?,
        "log" => m.log(x, Base::E)?,
        "log2" => m.log(x, Base::Two)?,
        "log10" => m.log(x, Base::Ten)?,
        "expm1" => m.expm1(x)?,
        "log1p" => m.log1p(x)?,
        "tanh" => m.tanh(x)?,
        "sinh" => m.sinh_cosh(x, true)?,
        "cosh" => m.sinh_cosh(x, false)?,
        "atan" => m.atan(x)?,
        "atan2" => m.atan2(
            x,
            f.get_nth_param(1)
                .expect("two parameters")
                .into_float_value(),
        )?,
        "asin" => m.asin_acos(x, true)?,
        "acos" => m.asin_acos(x, false)?,
        "sin" => m.trig(x, Trig::Sin)?,
        "cos" => m.trig(x, Trig::Cos)?,
        "tan" => m.trig(x, Trig::Tan)?,
        "erf" => m.erf(x)?,
        "pow" => m.pow(
            x,
            f.get_nth_param(1)
                .expect("two parameters")
                .into_float_value(),
        )?,
        other => return Err(CodegenError::Internal(format!("no vector {other}"))),
    };
    builder.build_return(Some(&y))?;
    Ok(())
}

/// Emits vector math for one float type into a function being built.
pub(crate) struct Math<'a, 'ctx> {
    pub(crate) ctx: &'ctx Context,
    pub(crate) module: &'a Module<'ctx>,
    pub(crate) b: &'a inkwell::builder::Builder<'ctx>,
    pub(crate) d: DType,
}

impl<'a, 'ctx> Math<'a, 'ctx> {
    pub(crate) fn f64(&self) -> bool {
        self.d == DType::F64
    }

    pub(crate) fn c(&self, v: f64) -> FloatValue<'ctx> {
        if self.f64() {
            self.ctx.f64_type().const_float(v)
        } else {
            self.ctx.f32_type().const_float(v as f32 as f64)
        }
    }

    pub(crate) fn int_t(&self) -> inkwell::types::IntType<'ctx> {
        if self.f64() {
            self.ctx.i64_type()
        } else {
            self.ctx.i32_type()
        }
    }

    pub(crate) fn ci(&self, v: i64) -> IntValue<'ctx> {
        self.int_t().const_int(v as u64, true)
    }

    pub(crate) fn intrinsic(&self, name: &str, args: &[FloatValue<'ctx>]) -> Res<FloatValue<'ctx>> {
        let t = if self.f64() {
            self.ctx.f64_type()
        } else {
            self.ctx.f32_type()
        };
        let decl = Intrinsic::find(name)
            .and_then(|i| i.get_declaration(self.module, &[t.into()]))
            .ok_or_else(|| CodegenError::Internal(format!("no intrinsic {name}")))?;
        let args: Vec<_> = args.iter().map(|a| (*a).into()).collect();
        match self.b.build_call(decl, &args, "m")?.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => Ok(v.into_float_value()),
            _ => Err(CodegenError::Internal(format!("{name} returned nothing"))),
        }
    }

    /// a * b + c, fused where the CPU can.
    pub(crate) fn fma(
        &self,
        a: FloatValue<'ctx>,
        b: FloatValue<'ctx>,
        c: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        self.intrinsic("llvm.fmuladd", &[a, b, c])
    }

    /// a * b + c with one rounding even without hardware FMA: for exact error terms
    /// (two-products), where an unfused result would be silently wrong.
    pub(crate) fn fma_exact(
        &self,
        a: FloatValue<'ctx>,
        b: FloatValue<'ctx>,
        c: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        self.intrinsic("llvm.fma", &[a, b, c])
    }

    /// `coefs[0] + coefs[1] x + ...`: Estrin's scheme from seven coefficients on
    /// ([`Math::poly_estrin`]), Horner's below.
    pub(crate) fn poly(&self, x: FloatValue<'ctx>, coefs: &[f64]) -> Res<FloatValue<'ctx>> {
        if coefs.len() >= 7 {
            return self.poly_estrin(x, coefs);
        }
        self.poly_horner(x, coefs)
    }

    /// Horner evaluation of `coefs[0] + coefs[1] x + ...`.
    pub(crate) fn poly_horner(&self, x: FloatValue<'ctx>, coefs: &[f64]) -> Res<FloatValue<'ctx>> {
        let mut acc = self.c(*coefs.last().expect("coefficients"));
        for &c in coefs.iter().rev().skip(1) {
            acc = self.fma(acc, x, self.c(c))?;
        }
        Ok(acc)
    }

    /// Estrin evaluation of `coefs[0] + coefs[1] x + ...`: pairs c_2i + c_2i+1 x, then
    /// pairs of those in x², x⁴, ... The dependency chain is about log2(n) fused
    /// multiply-adds long instead of Horner's n, for a few more multiplications: the
    /// vector math's loops are bound by latency (how many iterations the out-of-order
    /// window holds), not by the count of operations.
    pub(crate) fn poly_estrin(&self, x: FloatValue<'ctx>, coefs: &[f64]) -> Res<FloatValue<'ctx>> {
        if coefs.len() <= 3 {
            return self.poly_horner(x, coefs);
        }
        let mut terms = coefs
            .chunks(2)
            .map(|pair| match pair {
                [c0, c1] => self.fma(self.c(*c1), x, self.c(*c0)),
                _ => Ok(self.c(pair[0])),
            })
            .collect::<Res<Vec<_>>>()?;
        let mut power = x;
        while terms.len() > 1 {
            power = self.b.build_float_mul(power, power, "pw")?;
            terms = terms
                .chunks(2)
                .map(|pair| match pair {
                    [t0, t1] => self.fma(*t1, power, *t0),
                    _ => Ok(pair[0]),
                })
                .collect::<Res<Vec<_>>>()?;
        }
        Ok(terms[0])
    }

    pub(crate) fn select(
        &self,
        cond: IntValue<'ctx>,
        a: FloatValue<'ctx>,
        b: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        Ok(self.b.build_select(cond, a, b, "sel")?.into_float_value())
    }

    pub(crate) fn fcmp(
        &self,
        p: FloatPredicate,
        a: FloatValue<'ctx>,
        b: FloatValue<'ctx>,
    ) -> Res<IntValue<'ctx>> {
        Ok(self.b.build_float_compare(p, a, b, "cmp")?)
    }

    /// 1.5 · 2^(mantissa bits): added to an integer-valued float of magnitude below
    /// 2^(mantissa bits - 1), the integer lands in the sum's low bits.
    pub(super) fn magic(&self) -> (f64, i64) {
        if self.f64() {
            (6_755_399_441_055_744.0, 0x4338_0000_0000_0000)
        } else {
            (12_582_912.0, 0x4B40_0000)
        }
    }

    /// ln 2 as hi + lo with n·hi exact for every n the reductions by ln 2 meet (hi has
    /// trailing zeros: fdlibm's split for float64, 0.693359375 for float32).
    pub(crate) fn ln2_parts(&self) -> (f64, f64) {
        if self.f64() {
            (LN2_HI, LN2_LO)
        } else {
            (0.693_359_375, -2.121_944_4e-4)
        }
    }

    /// The bits of a float's mantissa field.
    pub(super) fn mantissa_bits(&self) -> i64 {
        if self.f64() {
            52
        } else {
            23
        }
    }

    /// The exponent field's bias.
    fn exponent_bias(&self) -> i64 {
        if self.f64() {
            1023
        } else {
            127
        }
    }

    /// x = n ln2 + r with n = rint(x·log2 e) from the magic-number sum t = x·log2 e +
    /// 1.5·2^p, whose low bits hold n: (n as a float, n << p ready to add to an exponent
    /// field, r). x must be clamped so that |n| stays well below 2^(p-1).
    pub(super) fn reduce_by_ln2_magic(
        &self,
        x: FloatValue<'ctx>,
    ) -> Res<(FloatValue<'ctx>, IntValue<'ctx>, FloatValue<'ctx>)> {
        let b = self.b;
        let (ln2_hi, ln2_lo) = self.ln2_parts();
        let (magic, _) = self.magic();
        let t = self.fma(x, self.c(std::f64::consts::LOG2_E), self.c(magic))?;
        let n = b.build_float_sub(t, self.c(magic), "n")?;
        let r = self.fma(n, self.c(-ln2_hi), x)?;
        let r = self.fma(n, self.c(-ln2_lo), r)?;
        // t's low bits are n (two's complement); the magic's bits shift out.
        let t_bits = b.build_bit_cast(t, self.int_t(), "tb")?.into_int_value();
        let n_field = b.build_left_shift(t_bits, self.ci(self.mantissa_bits()), "nf")?;
        Ok((n, n_field, r))
    }

    /// The float whose bits are `bits`.
    pub(super) fn float_of_bits(&self, bits: IntValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let t = if self.f64() {
            self.ctx.f64_type()
        } else {
            self.ctx.f32_type()
        };
        Ok(self.b.build_bit_cast(bits, t, "fb")?.into_float_value())
    }

    /// The integer an integer-valued float holds (|v| < 2^51 for f64, 2^22 for f32),
    /// by the magic-number trick: AVX2 has no vector f64 → i64 conversion, which LLVM
    /// would otherwise do one lane at a time.
    pub(crate) fn int_of_float(&self, v: FloatValue<'ctx>) -> Res<IntValue<'ctx>> {
        let (magic, magic_bits) = self.magic();
        let sum = self.b.build_float_add(v, self.c(magic), "mg")?;
        let bits = self
            .b
            .build_bit_cast(sum, self.int_t(), "mgb")?
            .into_int_value();
        Ok(self.b.build_int_sub(bits, self.ci(magic_bits), "iof")?)
    }

    /// The float of an integer (|i| < 2^51 for f64, 2^22 for f32), exactly, by the
    /// magic-number trick (AVX2 has no vector i64 → f64 conversion either).
    pub(crate) fn float_of_int(&self, i: IntValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let (magic, magic_bits) = self.magic();
        let bits = self.b.build_int_add(i, self.ci(magic_bits), "fib")?;
        let t = if self.f64() {
            self.ctx.f64_type()
        } else {
            self.ctx.f32_type()
        };
        let sum = self.b.build_bit_cast(bits, t, "fis")?.into_float_value();
        Ok(self.b.build_float_sub(sum, self.c(magic), "foi")?)
    }

    /// x = n ln2 + r with n = rint(x / ln2), |r| <= ln2/2 (Cody–Waite: ln2 as
    /// `ln2_hi + ln2_lo`, n ln2_hi exact): (n as a float, r).
    pub(crate) fn reduce_by_ln2(
        &self,
        x: FloatValue<'ctx>,
        ln2_hi: f64,
        ln2_lo: f64,
    ) -> Res<(FloatValue<'ctx>, FloatValue<'ctx>)> {
        let n = self.intrinsic(
            "llvm.rint",
            &[self
                .b
                .build_float_mul(x, self.c(std::f64::consts::LOG2_E), "xl")?],
        )?;
        let r = self.fma(n, self.c(-ln2_hi), x)?;
        Ok((n, self.fma(n, self.c(-ln2_lo), r)?))
    }

    /// 2^n for integer-valued n in the normal exponent range, as a float.
    pub(crate) fn pow2(&self, n: IntValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let biased = self
            .b
            .build_int_add(n, self.ci(self.exponent_bias()), "biased")?;
        self.float_of_bits(self.b.build_left_shift(
            biased,
            self.ci(self.mantissa_bits()),
            "bits",
        )?)
    }
}

impl<'a, 'ctx> Math<'a, 'ctx> {
    pub(crate) fn abs(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        self.intrinsic("llvm.fabs", &[x])
    }

    pub(crate) fn copysign(
        &self,
        mag: FloatValue<'ctx>,
        sign: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        self.intrinsic("llvm.copysign", &[mag, sign])
    }

    /// e^x - 1 from exp's reduction x = n ln2 + r (n from the magic-number sum, x
    /// clamped): 2^n (e^r - 1) + (2^n - 1) with one rounding, e^r - 1 = r + r² P(r) by
    /// its series (to r^14, r^8 for float32), so it keeps its relative precision near
    /// 0 (n = 0). 2^n is built in the exponent field from the sum's low bits. Above
    /// n = K (64 for float32, 512 for float64), where the -1 is far below an ulp, the
    /// field holds 2^(n - K) and one multiplication by 2^K finishes (and overflows to
    /// infinity where e^x does). Below the clamp's low end the result is -1 whatever x.
    fn expm1(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        // e^lo is below half an ulp of 1; e^hi overflows.
        let (lo, hi, k) = if self.f64() {
            (-40.0, 710.0, 512)
        } else {
            (-20.0, 89.0, 64)
        };
        let clamped = self.intrinsic(
            "llvm.minnum",
            &[self.intrinsic("llvm.maxnum", &[x, self.c(lo)])?, self.c(hi)],
        )?;
        let (n, n_field, q) = self.expm1_reduced(clamped)?;
        // 2^n (or 2^(n - K)) in the exponent field.
        let big = self.fcmp(FloatPredicate::OGT, n, self.c(k as f64))?;
        let (bias, p) = (self.exponent_bias(), self.mantissa_bits());
        let bias_field = b
            .build_select(big, self.ci((bias - k) << p), self.ci(bias << p), "bf")?
            .into_int_value();
        let scale = self.float_of_bits(b.build_int_add(n_field, bias_field, "sb")?)?;
        let minus_one = self.select(big, self.c(0.0), self.c(-1.0))?;
        let y = self.fma(scale, q, b.build_float_add(scale, minus_one, "s1")?)?;
        // Below n = -(p + 1), 2^n - 1 is not exact (1 - 2^-25 in float32 rounds to 1, a
        // tie): there e^x = 2^n (1 + q) is formed first and 1 taken from it once.
        let tiny = self.fcmp(
            FloatPredicate::OLT,
            n,
            self.c(-(self.mantissa_bits() as f64 + 1.0)),
        )?;
        let e_x = self.fma(scale, q, scale)?;
        let y = self.select(tiny, b.build_float_sub(e_x, self.c(1.0), "em1")?, y)?;
        let y = b.build_float_mul(
            y,
            self.select(big, self.c(2f64.powi(k as i32)), self.c(1.0))?,
            "y",
        )?;
        // NaN stays; so does a zero's sign.
        let keep = self.fcmp(FloatPredicate::UEQ, x, self.c(0.0))?;
        self.select(keep, x, y)
    }

    /// For x already clamped to expm1's range: (n, n << p, q = e^r - 1) with
    /// x = n ln2 + r ([`Math::reduce_by_ln2_magic`]).
    fn expm1_reduced(
        &self,
        x: FloatValue<'ctx>,
    ) -> Res<(FloatValue<'ctx>, IntValue<'ctx>, FloatValue<'ctx>)> {
        let (n, n_field, r) = self.reduce_by_ln2_magic(x)?;
        let degree = if self.f64() { 14 } else { 8 };
        let coefs: Vec<f64> = (2..=degree).map(|k| 1.0 / factorial(k)).collect();
        let rr = self.b.build_float_mul(r, r, "rr")?;
        let q = self.fma(rr, self.poly(r, &coefs)?, r)?;
        Ok((n, n_field, q))
    }

    /// 2^m for an exponent field m << p (m in the normal range), as a float.
    fn pow2_field(&self, field: IntValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let bias_field = self.ci(self.exponent_bias() << self.mantissa_bits());
        self.float_of_bits(self.b.build_int_add(field, bias_field, "pb")?)
    }

    /// tanh|x| = t / (t + 2) with t = e^(2|x|) - 1, 2|x| clamped to 40 (where the
    /// quotient rounds to 1 in either precision, and 2^n needs no second factor);
    /// sign restored, NaN kept.
    fn tanh(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let a = self.abs(x)?;
        let twice = self.intrinsic(
            "llvm.minnum",
            &[b.build_float_add(a, a, "2a")?, self.c(40.0)],
        )?;
        let (_, n_field, q) = self.expm1_reduced(twice)?;
        let scale = self.pow2_field(n_field)?;
        let t = self.fma(scale, q, b.build_float_sub(scale, self.c(1.0), "s1")?)?;
        let y = b.build_float_div(t, b.build_float_add(t, self.c(2.0), "t2")?, "th")?;
        let nan = self.fcmp(FloatPredicate::UNO, x, x)?;
        self.copysign(self.select(nan, x, y)?, x)
    }

    /// cosh|x| = (2^n e^r + 2^-n e^-r)/2 and sinh|x| = (2^n e^r - 2^-n e^-r)/2 from
    /// one reduction |x| = n ln2 + r (exp's), without a division: with C(r) and S(r)
    /// the even and odd parts of e^r's series (to r^14, r^8 for float32), e^±r =
    /// C ± S. For n = 0, sinh is S(r) itself, which keeps its relative precision near
    /// 0. Large n is scaled as exp scales (2^(n-1-K) in the exponent field, then times
    /// 2^K, which overflows where the result does; e^-r's term is then below an ulp).
    fn sinh_cosh(&self, x: FloatValue<'ctx>, sinh: bool) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        // Beyond hi the result overflows.
        let (hi, degree, k) = if self.f64() {
            (711.0, 14, 512)
        } else {
            (90.0, 8, 64)
        };
        let a = self.intrinsic("llvm.minnum", &[self.abs(x)?, self.c(hi)])?;
        let (n, n_field, r) = self.reduce_by_ln2_magic(a)?;
        let rr = b.build_float_mul(r, r, "rr")?;
        let even: Vec<f64> = (1..=degree / 2).map(|j| 1.0 / factorial(2 * j)).collect();
        let odd: Vec<f64> = (1..degree / 2)
            .map(|j| 1.0 / factorial(2 * j + 1))
            .collect();
        // C - 1 = r² P(r²), kept apart from the 1 (see below).
        let c1 = b.build_float_mul(rr, self.poly(rr, &even)?, "c1")?;
        // S = r + r³ Q(r²), rounded once at the end.
        let s = self.fma(b.build_float_mul(r, rr, "r3")?, self.poly(rr, &odd)?, r)?;
        // up = 2^(n-1) (2^(n-1-K) above K) and down = 2^(-n-1) (0 above K), built
        // from n's field.
        let big = self.fcmp(FloatPredicate::OGT, n, self.c(k as f64))?;
        let half = (self.exponent_bias() - 1) << self.mantissa_bits();
        let up_field = b
            .build_select(
                big,
                self.ci(half - (k << self.mantissa_bits())),
                self.ci(half),
                "uf",
            )?
            .into_int_value();
        let up = self.float_of_bits(b.build_int_add(n_field, up_field, "ub")?)?;
        let down = self.float_of_bits(b.build_int_sub(self.ci(half), n_field, "db")?)?;
        let down = self.select(big, self.c(0.0), down)?;
        // up e^r ± down e^-r = C (up ± down) + S (up ∓ down), the sum and difference of
        // two powers of two exact. The 1 of C is added last: where sinh's two parts
        // nearly cancel (n = 1, r near -ln2/2), the smaller terms keep their precision.
        let plus = b.build_float_add(up, down, "plus")?;
        let minus = b.build_float_sub(up, down, "minus")?;
        let (c_scale, s_scale) = if sinh { (minus, plus) } else { (plus, minus) };
        let small = self.fma(c1, c_scale, b.build_float_mul(s, s_scale, "ss")?)?;
        let y = b.build_float_add(small, c_scale, "y1")?;
        let y = b.build_float_mul(
            y,
            self.select(big, self.c(2f64.powi(k as i32)), self.c(1.0))?,
            "y",
        )?;
        let y = if sinh {
            let zero_n = self.fcmp(FloatPredicate::OEQ, n, self.c(0.0))?;
            self.copysign(self.select(zero_n, s, y)?, x)?
        } else {
            y
        };
        let nan = self.fcmp(FloatPredicate::UNO, x, x)?;
        self.select(nan, x, y)
    }
}

/// ln 2 split so that k·LN2_HI is exact for every |k| below 2^11 (fdlibm's constants).
pub(crate) const LN2_HI: f64 = 6.931_471_803_691_238e-1;
pub(crate) const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// Building blocks shared by the functions: exact sums, tables, float64 evaluation.
impl<'a, 'ctx> Math<'a, 'ctx> {
    /// a + b as (s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth).
    pub(crate) fn two_sum(
        &self,
        a: FloatValue<'ctx>,
        b: FloatValue<'ctx>,
    ) -> Res<(FloatValue<'ctx>, FloatValue<'ctx>)> {
        let bld = self.b;
        let s = bld.build_float_add(a, b, "ts")?;
        let bv = bld.build_float_sub(s, a, "bv")?;
        let av = bld.build_float_sub(s, bv, "av")?;
        let be = bld.build_float_sub(b, bv, "be")?;
        let ae = bld.build_float_sub(a, av, "ae")?;
        Ok((s, bld.build_float_add(ae, be, "te")?))
    }

    /// n clamped to [lo, hi] (integers of the float's width).
    pub(crate) fn clamp_int(&self, n: IntValue<'ctx>, lo: i64, hi: i64) -> Res<IntValue<'ctx>> {
        let b = self.b;
        let below = b.build_int_compare(inkwell::IntPredicate::SLT, n, self.ci(lo), "lt")?;
        let n = b
            .build_select(below, self.ci(lo), n, "cl")?
            .into_int_value();
        let above = b.build_int_compare(inkwell::IntPredicate::SGT, n, self.ci(hi), "gt")?;
        Ok(b.build_select(above, self.ci(hi), n, "ch")?
            .into_int_value())
    }

    /// A private constant f64 array in the module (emitted once per name).
    pub(crate) fn constant_table(&self, name: &str, values: &[f64]) -> GlobalValue<'ctx> {
        self.constant_table_in(name, values, self.ctx.f64_type())
    }

    /// A private constant array `name` of `values` in the float type `t` (each exact in
    /// it), made once per module, 8-byte aligned (float32 erf reads pairs).
    pub(crate) fn constant_table_in(
        &self,
        name: &str,
        values: &[f64],
        t: inkwell::types::FloatType<'ctx>,
    ) -> GlobalValue<'ctx> {
        if let Some(g) = self.module.get_global(name) {
            return g;
        }
        let consts: Vec<_> = values.iter().map(|&v| t.const_float(v)).collect();
        let g = self
            .module
            .add_global(t.array_type(values.len() as u32), None, name);
        g.set_initializer(&t.const_array(&consts));
        g.set_constant(true);
        g.set_linkage(Linkage::Private);
        g.set_alignment(8);
        g
    }

    /// table[index] for an in-range index (callers clamp it), in the table's float type.
    pub(crate) fn load_table(
        &self,
        table: GlobalValue<'ctx>,
        len: usize,
        index: IntValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        let t = match table.get_value_type() {
            inkwell::types::AnyTypeEnum::ArrayType(a) => a.get_element_type().into_float_type(),
            _ => return Err(CodegenError::Internal("a table that is no array".into())),
        };
        let zero = self.ctx.i64_type().const_zero();
        let index = self
            .b
            .build_int_s_extend_or_bit_cast(index, self.ctx.i64_type(), "ix")?;
        // SAFETY (of the generated code): every caller clamps index to [0, len).
        let ptr = unsafe {
            self.b.build_in_bounds_gep(
                t.array_type(len as u32),
                table.as_pointer_value(),
                &[zero, index],
                "tp",
            )?
        };
        Ok(self.b.build_load(t, ptr, "tv")?.into_float_value())
    }

    /// f computed in float64 on the arguments widened from float32, rounded once.
    pub(crate) fn via_f64(
        &self,
        args: &[FloatValue<'ctx>],
        f: impl Fn(&Math<'a, 'ctx>, &[FloatValue<'ctx>]) -> Res<FloatValue<'ctx>>,
    ) -> Res<FloatValue<'ctx>> {
        let wide = Math {
            d: DType::F64,
            ..*self
        };
        let t64 = self.ctx.f64_type();
        let widened = args
            .iter()
            .map(|&a| self.b.build_float_ext(a, t64, "wide"))
            .collect::<Result<Vec<_>, _>>()?;
        let y = f(&wide, &widened)?;
        Ok(self.b.build_float_trunc(y, self.ctx.f32_type(), "narrow")?)
    }
}

/// k! as a float (Taylor coefficients).
pub(crate) fn factorial(k: u32) -> f64 {
    (1..=k).map(|i| i as f64).product()
}
