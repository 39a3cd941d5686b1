//! pow in the vector math library.
//!
//! pow(x, y) = exp(y ln|x|) with ln|x| in double-double from a 128-row table (so y ln|x|
//! keeps about 66 bits even where it is near the overflow threshold) and the exponential
//! taking both parts (rounded once: exact results stay exact), then C99's special
//! cases and the sign for negative x by selects. float32 pow: |x|^y computed in
//! float64 and rounded once, the special cases in float32; its logarithm needs no
//! table (a division instead of two eight-lane gathers: 856 -> 1,030 M/s per core on
//! AVX-512, Zen 5, `benches/python/vector_math.py --only power`).

use inkwell::values::{FloatValue, IntValue};
use inkwell::FloatPredicate;

use super::vmath::{Math, Res, LN2_HI, LN2_LO};
use super::vmath_tables::{POW_INVC, POW_LOGC_HI, POW_LOGC_LO, POW_OFF, POW_TABLE_BITS};

/// 1/3, 1/5, ..., 1/15: ln(1 + f) = 2s (1 + z Q(z)) for s = f/(2 + f), z = s².
const ATANH_TAIL: [f64; 7] = [
    1.0 / 3.0,
    1.0 / 5.0,
    1.0 / 7.0,
    1.0 / 9.0,
    1.0 / 11.0,
    1.0 / 13.0,
    1.0 / 15.0,
];

/// e^r on |r| <= ln2/2 to 2^-39.7 relative, lowest degree first: 1 + r + r²·q(r),
/// q fitted by reweighted least squares toward minimax relative error (the Taylor
/// polynomial of the same degree: 2^-32 at the ends).
const EXP_FOR_F32: [f64; 9] = [
    1.0,
    1.0,
    0.500_000_000_042_733_3,
    0.166_666_667_844_607_96,
    0.041_666_664_402_834_27,
    0.008_333_281_803_837_585,
    0.001_388_919_741_970_666,
    0.000_199_089_412_037_884,
    2.470_817_273_438_356_7e-5,
];

/// Beyond this |y ln x|, float32 pow is 0 or infinite (its float64 core clamps here).
const POW32_Z_LIMIT: f64 = 200.0;

impl<'a, 'ctx> Math<'a, 'ctx> {
    /// x^y as C99's pow (NumPy's float power).
    pub(crate) fn pow(&self, x: FloatValue<'ctx>, y: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        if !self.f64() {
            // |x|^y in float64, rounded once; the special cases in float32, twice the
            // lanes per instruction.
            let ax = self.abs(x)?;
            let r = self.via_f64(&[ax, y], |m, args| m.pow_of_f32(args[0], args[1]))?;
            return self.pow_special_cases(x, y, ax, r);
        }
        let b = self.b;
        let inf = self.c(f64::INFINITY);
        let ax = self.abs(x)?;
        let (lh, ll) = self.log_dd(ax)?;
        // z = y ln|x| in double-double; its low part only where the high part is finite.
        let zh = b.build_float_mul(y, lh, "zh")?;
        let zl = self.fma_exact(y, lh, b.build_float_neg(zh, "nzh")?)?;
        let zl = self.fma(y, ll, zl)?;
        let finite = self.fcmp(FloatPredicate::OLT, self.abs(zh)?, inf)?;
        let zl = self.select(finite, zl, self.c(0.0))?;
        let r = self.exp_of_sum(zh, Some(zl))?;
        self.pow_special_cases(x, y, ax, r)
    }

    /// x^y where x is a positive normal number other than 1 and the result stays
    /// well inside the range (|y ln x| below 200 for float32, computed in float64; below
    /// 708 for float64, so the result is normal): the same bits as [`Math::pow`], without
    /// its special cases, clamps and subnormal scaling. NaN elsewhere, for the caller
    /// to recompute with [`Math::pow`] (a NaN result never arises inside the domain).
    pub(crate) fn pow_fast(
        &self,
        x: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let min_normal = if self.f64() {
            f64::MIN_POSITIVE
        } else {
            f32::MIN_POSITIVE as f64
        };
        // NaN fails the first comparison.
        let base_ok = b.build_and(
            b.build_and(
                self.fcmp(FloatPredicate::OGE, x, self.c(min_normal))?,
                self.fcmp(FloatPredicate::OLT, x, self.c(f64::INFINITY))?,
                "pos",
            )?,
            self.fcmp(FloatPredicate::ONE, x, self.c(1.0))?,
            "base",
        )?;
        let (r, z_ok) = if self.f64() {
            let (lh, ll) = self.log_dd_parts(x, self.ci(0))?;
            let zh = b.build_float_mul(y, lh, "zh")?;
            let zl = self.fma_exact(y, lh, b.build_float_neg(zh, "nzh")?)?;
            let zl = self.fma(y, ll, zl)?;
            let ok = self.fcmp(FloatPredicate::OLT, self.abs(zh)?, self.c(708.0))?;
            (self.exp_of_sum_normal(zh, zl)?, ok)
        } else {
            let wide = Math {
                d: lazyfuse_ir::DType::F64,
                ..*self
            };
            let t64 = self.ctx.f64_type();
            let (xw, yw) = (
                b.build_float_ext(x, t64, "wx")?,
                b.build_float_ext(y, t64, "wy")?,
            );
            let z = b.build_float_mul(yw, wide.ln_core_f32(xw)?, "z")?;
            let ok = wide.fcmp(FloatPredicate::OLT, wide.abs(z)?, wide.c(POW32_Z_LIMIT))?;
            let r = wide.exp_core_f32(z)?;
            (b.build_float_trunc(r, self.ctx.f32_type(), "narrow")?, ok)
        };
        let ok = b.build_and(base_ok, z_ok, "fast")?;
        self.select(ok, r, self.c(f64::NAN))
    }

    /// |x|^y for float32 arguments widened to float64 (x >= 0 here; the caller applies
    /// the special cases): e^(y ln x) with a logarithm and an exponential only as
    /// precise as a float32 result needs. ln|x| has relative error below 2^-44 (the
    /// atanh series to s^15), e^z 2^-39.7 ([`EXP_FOR_F32`]); where the result is a finite
    /// float32, |z| < 104, so the result is off by at most about 2^-37 relative before
    /// its rounding to float32: within 1 ulp (misrounded: 0.001% of 8M random pairs),
    /// and exact where the result is representable (an error that small rounds back).
    fn pow_of_f32(&self, ax: FloatValue<'ctx>, y: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let z = self.b.build_float_mul(y, self.ln_for_f32(ax)?, "z")?;
        self.exp_for_f32(z)
    }

    /// ln a (float64, a widened from float32, so never subnormal) to below 2^-44
    /// relative (see [`Math::ln_core_f32`]). 0 gives -inf, inf and NaN themselves.
    fn ln_for_f32(&self, a: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let ln = self.ln_core_f32(a)?;
        let special = self.fcmp(FloatPredicate::UGE, a, self.c(f64::INFINITY))?;
        let ln = self.select(special, a, ln)?;
        let zero = self.fcmp(FloatPredicate::OEQ, a, self.c(0.0))?;
        self.select(zero, self.c(f64::NEG_INFINITY), ln)
    }

    /// [`Math::ln_for_f32`] for a positive finite a (float64, widened from float32, so
    /// normal): a = 2^e m, m in [√2/2, √2), f = m - 1 (exact), s = f/(2 + f) and
    /// ln m = 2s + 2s·z·Q(z), z = s², Q the atanh series' 1/3 ... 1/15 (|s| <= 0.1716:
    /// the first term dropped is below 2^-44 of ln m). No table: one division instead
    /// of the two eight-lane gathers a table costs.
    fn ln_core_f32(&self, a: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let (e, m) = self.split_at_sqrt_half(a)?;
        let f = b.build_float_sub(m, self.c(1.0), "f")?;
        let s = b.build_float_div(f, b.build_float_add(f, self.c(2.0), "fp2")?, "s")?;
        let s2 = b.build_float_add(s, s, "s2")?;
        let z = b.build_float_mul(s, s, "z")?;
        let q = self.poly(z, &ATANH_TAIL)?;
        let tail = b.build_float_mul(b.build_float_mul(s2, z, "s2z")?, q, "tail")?;
        let ef = self.float_of_int(e)?;
        let head = self.fma(ef, self.c(std::f64::consts::LN_2), s2)?;
        Ok(b.build_float_add(head, tail, "ln")?)
    }

    /// e^z (float64) to about 2^-32 relative, for a result rounded to float32: z is
    /// clamped to ±200 (beyond float32's range either way; NaN stays), z = n ln2 + r,
    /// e^r by [`EXP_FOR_F32`], times 2^n (a normal float64 for |n| <= 289).
    fn exp_for_f32(&self, z: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let limit = POW32_Z_LIMIT;
        let z = self.select(
            self.fcmp(FloatPredicate::OGT, z, self.c(limit))?,
            self.c(limit),
            z,
        )?;
        let z = self.select(
            self.fcmp(FloatPredicate::OLT, z, self.c(-limit))?,
            self.c(-limit),
            z,
        )?;
        self.exp_core_f32(z)
    }

    /// [`Math::exp_for_f32`] for |z| <= 200 or NaN.
    fn exp_core_f32(&self, z: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let (nf, r) = self.reduce_by_ln2(z, LN2_HI, LN2_LO)?;
        let p = self.poly(r, &EXP_FOR_F32)?;
        // NaN's n is garbage, but p is NaN and so is the product.
        let n = self.int_of_float(nf)?;
        Ok(b.build_float_mul(p, self.pow2(n)?, "e")?)
    }

    /// C99's special cases of pow around r = |x|^y (computed for finite, infinite and
    /// zero |x| alike): the sign for negative x, NaN outside the domain, and the ones.
    fn pow_special_cases(
        &self,
        x: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
        ax: FloatValue<'ctx>,
        r: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let inf = self.c(f64::INFINITY);
        // Sign and domain: y an odd integer flips the sign for negative x (-0, -inf
        // included); a finite negative x with a non-integer y has no real power.
        let y_int = self.fcmp(FloatPredicate::OEQ, self.intrinsic("llvm.trunc", &[y])?, y)?;
        let half = b.build_float_mul(y, self.c(0.5), "yh")?;
        let half_int = self.fcmp(
            FloatPredicate::OEQ,
            self.intrinsic("llvm.trunc", &[half])?,
            half,
        )?;
        let y_odd = b.build_and(y_int, b.build_not(half_int, "nhi")?, "yodd")?;
        let x_bits = b.build_bit_cast(x, self.int_t(), "xb")?.into_int_value();
        let x_neg = b.build_int_compare(inkwell::IntPredicate::SLT, x_bits, self.ci(0), "xneg")?;
        let flip = b.build_and(x_neg, y_odd, "flip")?;
        let r = self.select(flip, b.build_float_neg(r, "nr")?, r)?;
        let finite_negative = b.build_and(
            self.fcmp(FloatPredicate::OLT, x, self.c(0.0))?,
            self.fcmp(FloatPredicate::OGT, x, self.c(f64::NEG_INFINITY))?,
            "fneg",
        )?;
        let y_fraction = b.build_and(
            b.build_not(y_int, "nyi")?,
            self.fcmp(FloatPredicate::ORD, y, y)?,
            "yfrac",
        )?;
        let domain = b.build_and(finite_negative, y_fraction, "dom")?;
        let r = self.select(domain, self.c(f64::NAN), r)?;
        // pow(±1, ±inf) = 1 and pow(1, y) = 1 for every y; pow(x, ±0) = 1 for every x.
        let one = self.c(1.0);
        let unit_inf = b.build_and(
            self.fcmp(FloatPredicate::OEQ, ax, one)?,
            self.fcmp(FloatPredicate::OEQ, self.abs(y)?, inf)?,
            "uinf",
        )?;
        let r = self.select(unit_inf, one, r)?;
        let r = self.select(self.fcmp(FloatPredicate::OEQ, x, one)?, one, r)?;
        self.select(self.fcmp(FloatPredicate::OEQ, y, self.c(0.0))?, one, r)
    }

    /// A positive normal float64 a as 2^k z with z in [OFF, 2 OFF): (k, the table row
    /// of z, z). Garbage (but in range) for 0, inf and NaN, which callers select away.
    fn table_reduction(
        &self,
        a: FloatValue<'ctx>,
    ) -> Res<(IntValue<'ctx>, IntValue<'ctx>, FloatValue<'ctx>)> {
        let b = self.b;
        let ix = b.build_bit_cast(a, self.int_t(), "ix")?.into_int_value();
        let tmp = b.build_int_sub(ix, self.ci(POW_OFF as i64), "tmp")?;
        // k = tmp >> 52 (arithmetic), as a logical shift of tmp + 2^62 (AVX2 has no
        // vector arithmetic shift of 64-bit lanes).
        let shifted = b.build_right_shift(
            b.build_int_add(tmp, self.ci(1i64 << 62), "tmpb")?,
            self.ci(52),
            false,
            "kb",
        )?;
        let k = b.build_int_sub(shifted, self.ci(1024), "k")?;
        let index = b.build_and(
            b.build_right_shift(tmp, self.ci(52 - POW_TABLE_BITS as i64), false, "ti")?,
            self.ci((1 << POW_TABLE_BITS) - 1),
            "index",
        )?;
        let iz = b.build_int_sub(ix, b.build_left_shift(k, self.ci(52), "k52")?, "iz")?;
        let z = b
            .build_bit_cast(iz, self.ctx.f64_type(), "z")?
            .into_float_value();
        Ok((k, index, z))
    }

    /// ln a for a ≥ 0 as a double-double (hi, lo) accurate to about 2^-66 relative:
    /// a = 2^k z, z in [OFF, 2 OFF); ln z = -ln(invc) + ln(z invc) with z invc = 1 + r
    /// (|r| < 2^-8, computed exactly as rh + rl) and ln(1 + r) by its series.
    /// 0 gives -inf, inf gives inf, NaN gives NaN.
    fn log_dd(&self, a: FloatValue<'ctx>) -> Res<(FloatValue<'ctx>, FloatValue<'ctx>)> {
        let b = self.b;
        let subnormal = self.fcmp(FloatPredicate::OLT, a, self.c(f64::MIN_POSITIVE))?;
        let scaled = b.build_float_mul(a, self.c(2f64.powi(54)), "scaled")?;
        let xs = self.select(subnormal, scaled, a)?;
        let extra = b
            .build_select(subnormal, self.ci(54), self.ci(0), "extra")?
            .into_int_value();
        let (hi, lo) = self.log_dd_parts(xs, extra)?;
        let zero = self.fcmp(FloatPredicate::OEQ, a, self.c(0.0))?;
        let special = self.fcmp(FloatPredicate::UGE, a, self.c(f64::INFINITY))?;
        let hi = self.select(special, a, hi)?;
        let hi = self.select(zero, self.c(f64::NEG_INFINITY), hi)?;
        let quiet = b.build_or(zero, special, "quiet")?;
        let lo = self.select(quiet, self.c(0.0), lo)?;
        Ok((hi, lo))
    }

    /// [`Math::log_dd`] of 2^-extra xs for a positive normal finite xs.
    fn log_dd_parts(
        &self,
        xs: FloatValue<'ctx>,
        extra: IntValue<'ctx>,
    ) -> Res<(FloatValue<'ctx>, FloatValue<'ctx>)> {
        let b = self.b;
        let (k, index, z) = self.table_reduction(xs)?;
        let k = b.build_int_sub(k, extra, "k2")?;
        let kf = self.float_of_int(k)?;
        let rows = 1usize << POW_TABLE_BITS;
        let invc = self.load_table(
            self.constant_table("lazyfuse.pow_invc", &POW_INVC),
            rows,
            index,
        )?;
        let logc_hi = self.load_table(
            self.constant_table("lazyfuse.pow_logc_hi", &POW_LOGC_HI),
            rows,
            index,
        )?;
        let logc_lo = self.load_table(
            self.constant_table("lazyfuse.pow_logc_lo", &POW_LOGC_LO),
            rows,
            index,
        )?;
        // z invc - 1 = rh + rl exactly (z invc in [0.99, 1.01], so p - 1 is exact).
        let p = b.build_float_mul(z, invc, "p")?;
        let rl = self.fma_exact(z, invc, b.build_float_neg(p, "np")?)?;
        let rh = b.build_float_sub(p, self.c(1.0), "rh")?;
        let (t_hi, t_lo) = self.two_sum(b.build_float_mul(kf, self.c(LN2_HI), "kln2")?, logc_hi)?;
        let (u_hi, u_lo) = self.two_sum(t_hi, rh)?;
        // ln(1 + r) - r = -r²/2 + r³ (1/3 - r/4 + ... + r^6/9) + rl (1 - rh).
        let rr = b.build_float_mul(rh, rh, "rr")?;
        let series: Vec<f64> = (3..=9)
            .map(|k| if k % 2 == 1 { 1.0 } else { -1.0 } / k as f64)
            .collect();
        let cubic = b.build_float_mul(rr, rh, "r3")?;
        let tail = self.fma(
            cubic,
            self.poly(rh, &series)?,
            b.build_float_mul(rr, self.c(-0.5), "hr")?,
        )?;
        let tail = self.fma(rl, b.build_float_sub(self.c(1.0), rh, "1mr")?, tail)?;
        let lo = self.fma(kf, self.c(LN2_LO), logc_lo)?;
        let lo = b.build_float_add(lo, t_lo, "lo1")?;
        let lo = b.build_float_add(lo, u_lo, "lo2")?;
        let lo = b.build_float_add(lo, tail, "lo3")?;
        self.two_sum(u_hi, lo)
    }
}
