//! Logarithms: ln, log2 and log10 for float64 and float32. x = m·2^e; ln m from a
//! polynomial; the result e·log_b(2) + ln(m)·log_b(e). Subnormals are scaled up first;
//! 0, negatives, inf and NaN are set by selects.
//!
//! float64 uses fdlibm's atanh series (a division, seven minimax terms). (pow's 128-row table
//! instead, which needs no division, measured 30% slower on Zen 4: three gathers of
//! eight lanes cost more than the division.) float32 needs no division: with m in
//! [2/3, 4/3), ln m = r + r²·P(r) for r = m - 1 (exact), P of
//! degree 8 fitted to (ln(1+r) - r)/r² on [-1/3, 1/3] with error weighted relative to
//! ln(1+r) (reweighted least squares toward minimax; 2^-25 relative with the
//! coefficients rounded to float32). A vector of 16 float32 logarithms then costs
//! about 30 instructions instead of 40 and a division. log1p reuses both on
//! u = 1 + x with u's rounding error folded into r (every float32: at most 1 ulp,
//! as fast as the division it replaced, which was 2 ulps).

use inkwell::values::{FloatValue, IntValue};
use inkwell::FloatPredicate;

use super::vmath::{Math, Res};

/// The base of a logarithm.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Base {
    E,
    Two,
    Ten,
}

/// float32 P(r), lowest degree first (see the module documentation).
const LN1P_32: [f64; 9] = [
    -0.5,
    0.333_332_717_418_670_65,
    -0.249_998_480_081_558_23,
    0.200_073_227_286_338_8,
    -0.166_776_701_807_975_77,
    0.140_541_955_828_666_7,
    -0.122_257_180_511_951_45,
    0.137_566_596_269_607_54,
    -0.127_067_297_697_067_26,
];

/// fdlibm's minimax polynomial (e_log.c, Lg1..Lg7) for R(z) = z·P(z), z = s², of
/// ln(1+f) = 2s + s·R: error below 2^-58.45 for |s| <= 0.1716. The series' own
/// coefficients 2/(2k+1) needed eleven terms for the same precision; seven cost four
/// fused multiply-adds less per element.
const LG: [f64; 7] = [
    6.666_666_666_666_735e-1,
    3.999_999_999_940_942e-1,
    2.857_142_874_366_239e-1,
    2.222_219_843_214_978_4e-1,
    1.818_357_216_161_805e-1,
    1.531_383_769_920_937_3e-1,
    1.479_819_860_511_658_6e-1,
];

/// (e, lead, tail): x = m·2^e and ln m = lead + tail, lead = m - 1 exactly.
type Parts<'ctx> = (IntValue<'ctx>, FloatValue<'ctx>, FloatValue<'ctx>);

/// The bits of √2/2 in float64 (0x1.6a09e667f3bcdp-1).
const SQRT_HALF_BITS: i64 = 0x3fe6_a09e_667f_3bcd;

/// The bits of 2/3 in float32: x's bits minus these, shifted, give e with m in
/// [2/3, 4/3).
const TWO_THIRDS_BITS_32: i64 = 0x3f2a_aaab;

impl<'a, 'ctx> Math<'a, 'ctx> {
    /// log_base(x) (see the module documentation).
    pub(crate) fn log(&self, x: FloatValue<'ctx>, base: Base) -> Res<FloatValue<'ctx>> {
        self.log_of_sum(x, None, base)
    }

    /// log_base(x) for positive normal finite x only (other x give unspecified values):
    /// [`Math::log`] without the scaling of subnormals and the special values, the
    /// same bits on that range.
    pub(crate) fn log_fast(&self, x: FloatValue<'ctx>, base: Base) -> Res<FloatValue<'ctx>> {
        self.log_scaled(x, None, self.ci(0), base)
    }

    /// ln(1 + x): ln(u) for u = fl(1 + x), whose reduced mantissa m = 1 + r is then
    /// corrected by u's rounding error d scaled as m is (c = d·2^-e): ln(m + c) =
    /// ln m + c/m, with 1/m as a short series in r (|c| <= 2^-p |m|, so the dropped
    /// terms are far below an ulp). No division of its own (float64's ln has one).
    pub(crate) fn log1p(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let (u, d) = self.two_sum(x, self.c(1.0))?;
        let y = self.log_of_sum(u, Some(d), Base::E)?;
        self.exactly_one(x, u, y)
    }

    /// ln(1 + x) for finite x above -1 only (other x give unspecified values):
    /// [`Math::log1p`] without the special values, the same bits on that range.
    pub(crate) fn log1p_fast(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let (u, d) = self.two_sum(x, self.c(1.0))?;
        let y = self.log_scaled(u, Some(d), self.ci(0), Base::E)?;
        self.exactly_one(x, u, y)
    }

    /// y, or x where u = fl(1 + x) is 1: |x| below half an ulp of 1, where ln(1 + x)
    /// rounds to x (and -0 stays).
    fn exactly_one(
        &self,
        x: FloatValue<'ctx>,
        u: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        let exact_one = self.fcmp(FloatPredicate::OEQ, u, self.c(1.0))?;
        self.select(exact_one, x, y)
    }

    /// log_base(x + d) for a float32 correction d much smaller than x (None: 0); with
    /// d, x is 1 + something (not subnormal).
    fn log_of_sum(
        &self,
        x: FloatValue<'ctx>,
        d: Option<FloatValue<'ctx>>,
        base: Base,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let (min_normal, scale_exp) = if self.f64() {
            (f64::MIN_POSITIVE, 54)
        } else {
            (f32::MIN_POSITIVE as f64, 25)
        };
        // (A sum 1 + x is never subnormal: zero or at least 2^-24.)
        let (xs, extra) = if d.is_some() {
            (x, self.ci(0))
        } else {
            let subnormal = self.fcmp(FloatPredicate::OLT, x, self.c(min_normal))?;
            let scaled = b.build_float_mul(x, self.c(2f64.powi(scale_exp)), "scaled")?;
            let extra =
                b.build_select(subnormal, self.ci(scale_exp as i64), self.ci(0), "extra")?;
            (self.select(subnormal, scaled, x)?, extra.into_int_value())
        };
        let y = self.log_scaled(xs, d, extra, base)?;
        let zero = self.fcmp(FloatPredicate::OEQ, x, self.c(0.0))?;
        let negative = self.fcmp(FloatPredicate::OLT, x, self.c(0.0))?;
        let inf = self.fcmp(FloatPredicate::OEQ, x, self.c(f64::INFINITY))?;
        let nan = self.fcmp(FloatPredicate::UNO, x, x)?;
        let y = self.select(inf, x, y)?;
        let y = self.select(zero, self.c(f64::NEG_INFINITY), y)?;
        let bad = b.build_or(negative, nan, "bad")?;
        self.select(bad, self.c(f64::NAN), y)
    }

    /// log_base((x + d)·2^-extra) for a positive normal finite x (see
    /// [`Math::log_of_sum`] for d).
    fn log_scaled(
        &self,
        x: FloatValue<'ctx>,
        d: Option<FloatValue<'ctx>>,
        extra: IntValue<'ctx>,
        base: Base,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let (scale_e, scale_m) = match base {
            Base::E => (std::f64::consts::LN_2, 1.0),
            Base::Two => (1.0, std::f64::consts::LOG2_E),
            Base::Ten => (std::f64::consts::LOG10_2, std::f64::consts::LOG10_E),
        };
        // float32's tail comes scaled by log_b(e) (its polynomial's coefficients are),
        // one multiplication less.
        let (e, lead, tail) = if self.f64() {
            self.ln_mantissa_64(x)?
        } else {
            self.ln_mantissa_32(x, scale_m)?
        };
        let tail = match d {
            // x + d is normal, so e is x's own exponent. Far from 1 the correction is
            // far below the result's ulp; the clamp keeps 2^-e normal.
            Some(d) => {
                let minus_e = b.build_int_neg(e, "ne")?;
                let limit = if self.f64() { 1022 } else { 126 };
                let scale = self.pow2(self.clamp_int(minus_e, -limit, limit)?)?;
                let c = b.build_float_mul(d, scale, "c")?;
                // c/m = c/(1 + lead), as c·(1 - lead + lead² ...): |lead| < 1/3
                // (float32), < 0.42 (float64, one more term).
                let q: &[f64] = if self.f64() {
                    &[1.0, -1.0, 1.0, -1.0]
                } else {
                    &[1.0, -1.0, 1.0]
                };
                self.fma(c, self.poly(lead, q)?, tail)?
            }
            None => tail,
        };
        let e = b.build_int_sub(e, extra, "e2")?;
        let ef = self.float_of_int(e)?;
        // result = e·log_b(2) + ln(m)·log_b(e), constants split in two so e·log_b(2),
        // exact in its high part, keeps its precision.
        let split = |v: f64| {
            let hi = if self.f64() {
                f64::from_bits(v.to_bits() & !((1u64 << 32) - 1))
            } else {
                f32::from_bits((v as f32).to_bits() & !((1u32 << 12) - 1)) as f64
            };
            (hi, v - hi)
        };
        let (e_hi, e_lo) = if base == Base::E && !self.f64() {
            self.ln2_parts()
        } else {
            split(scale_e)
        };
        // ln(m)·log_b(e) = lead·log_b(e) + tail·log_b(e), the exact lead times the
        // constant in two parts, rounded once.
        let lm = if base == Base::E {
            b.build_float_add(lead, tail, "lnm")?
        } else {
            let (m_hi, m_lo) = split(scale_m);
            let small = if self.f64() {
                b.build_float_mul(tail, self.c(scale_m), "tl")?
            } else {
                tail
            };
            let lo = self.fma(lead, self.c(m_lo), small)?;
            self.fma(lead, self.c(m_hi), lo)?
        };
        // (log2's e_lo is 0; LLVM keeps a multiply-add by 0, which may flip a zero's sign.)
        let lo = if e_lo == 0.0 {
            lm
        } else {
            self.fma(ef, self.c(e_lo), lm)?
        };
        self.fma(ef, self.c(e_hi), lo)
    }

    /// (e, f, t) with ln m = f + t (f exact) for a positive normal float64 x = m·2^e,
    /// m in [√2/2, √2): fdlibm's
    /// ln(1+f) = f - (f²/2 - s (f²/2 + R)), s = f/(2+f), R ≈ Σ_{k≥1} 2/(2k+1) s^2k
    /// ([`LG`]), which keeps the leading term f exact.
    fn ln_mantissa_64(&self, x: FloatValue<'ctx>) -> Res<Parts<'ctx>> {
        let b = self.b;
        let (e, m) = self.split_at_sqrt_half(x)?;
        let f = b.build_float_sub(m, self.c(1.0), "f")?;
        let s = b.build_float_div(f, b.build_float_add(f, self.c(2.0), "fp2")?, "s")?;
        let z = b.build_float_mul(s, s, "z")?;
        let r = b.build_float_mul(z, self.poly(z, &LG)?, "r")?;
        let hfsq = b.build_float_mul(b.build_float_mul(f, f, "ff")?, self.c(0.5), "hfsq")?;
        let inner = self.fma(
            s,
            b.build_float_add(hfsq, r, "hr")?,
            b.build_float_neg(hfsq, "nh")?,
        )?;
        Ok((e, f, inner))
    }

    /// (e, m) with x = m·2^e, m in [√2/2, √2), for a positive normal float64 x:
    /// t = bits(x) - (bits(√2/2) - 1022·2^52) is non-negative, and its exponent field
    /// is e + 1022; m's bits are t's mantissa plus bits(√2/2). Integer operations only
    /// (no compare, no select), and a logical shift (AVX2 has no 64-bit arithmetic one).
    pub(super) fn split_at_sqrt_half(
        &self,
        x: FloatValue<'ctx>,
    ) -> Res<(IntValue<'ctx>, FloatValue<'ctx>)> {
        let b = self.b;
        let bits = b.build_bit_cast(x, self.int_t(), "bits")?.into_int_value();
        let offset = SQRT_HALF_BITS - (1022 << 52);
        let t = b.build_int_sub(bits, self.ci(offset), "t")?;
        let e_field = b.build_right_shift(t, self.ci(52), false, "ef")?;
        let e = b.build_int_sub(e_field, self.ci(1022), "e")?;
        let mant = b.build_and(t, self.ci((1i64 << 52) - 1), "mant")?;
        let m_bits = b.build_int_add(mant, self.ci(SQRT_HALF_BITS), "mbits")?;
        let m = b
            .build_bit_cast(m_bits, self.ctx.f64_type(), "m")?
            .into_float_value();
        Ok((e, m))
    }

    /// (e, r, scale·r²·P(r)) with ln m = r + r²·P(r), r = m - 1, for a positive normal
    /// float32 x = m·2^e, m in [2/3, 4/3): e from the bits of x minus those of 2/3, m's
    /// bits as x's less e in the exponent field. The scale multiplies P's coefficients.
    fn ln_mantissa_32(&self, x: FloatValue<'ctx>, scale: f64) -> Res<Parts<'ctx>> {
        let b = self.b;
        let bits = b.build_bit_cast(x, self.int_t(), "bits")?.into_int_value();
        let offset = b.build_int_sub(bits, self.ci(TWO_THIRDS_BITS_32), "off")?;
        let e = b.build_right_shift(offset, self.ci(23), true, "e")?;
        let e_field = b.build_left_shift(e, self.ci(23), "ef")?;
        let m_bits = b.build_int_sub(bits, e_field, "mbits")?;
        let m = b
            .build_bit_cast(m_bits, self.ctx.f32_type(), "m")?
            .into_float_value();
        let r = b.build_float_sub(m, self.c(1.0), "r")?;
        let r2 = b.build_float_mul(r, r, "r2")?;
        let coefficients = LN1P_32.map(|c| c * scale);
        let tail = b.build_float_mul(r2, self.poly(r, &coefficients)?, "tail")?;
        Ok((e, r, tail))
    }
}
