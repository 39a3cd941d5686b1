//! Inverse trigonometric functions (a part of the vector math, `vmath.rs`).
//!
//! arcsin and arccos, as fdlibm reduces them but
//! with one polynomial and no division in the polynomial: asin s = s + s z R(z), z = s²,
//! R fitted on z in [0, 1/4] (`ASIN`, `ASIN32` from `scripts/gen_vmath_tables.py`).
//! Below |x| = 1/2 the polynomial takes x itself; above, asin x = π/2 - 2 asin √((1-x)/2),
//! where 1 - |x| is exact and √ carries a correction term (one fused residual and a
//! division), so π/2 - 2√… cancels no precision.
//!
//! float32 arctan, in float32: atan |x| = π/2 - atan(1/|x|) above 1, and atan z = z -
//! z³ P(z²) on [0, 1] with P of degree 8 (`ATAN32`), one division for both sides. It
//! replaced fdlibm's five intervals (four compares and sixteen selects per element),
//! which float64 keeps for its shorter polynomial.

use inkwell::values::FloatValue;
use inkwell::FloatPredicate;

use super::vmath::{Math, Res};
use super::vmath_tables::{ASIN, ASIN32, ATAN32, PIO2};

impl<'ctx> Math<'_, 'ctx> {
    /// π/2 as hi + lo in this float type (lo rounds the rest of π/2 beyond hi).
    fn half_pi_parts(&self) -> (f64, f64) {
        if self.f64() {
            (PIO2[0], PIO2[1])
        } else {
            let hi = PIO2[0] as f32 as f64;
            (hi, (PIO2[0] - hi) + PIO2[1])
        }
    }

    /// float32 arctan x (see the module documentation). NaN carries through the
    /// division; ±inf give ±π/2 (z = 0), and a zero keeps its sign.
    pub(crate) fn atan32(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let one = self.c(1.0);
        let a = self.abs(x)?;
        let above = self.fcmp(FloatPredicate::OGT, a, one)?;
        // z = a / 1 or 1 / a: one division either way.
        let num = self.select(above, one, a)?;
        let den = self.select(above, a, one)?;
        let z = b.build_float_div(num, den, "z")?;
        let zz = b.build_float_mul(z, z, "zz")?;
        let t = b.build_float_mul(zz, self.poly(zz, &ATAN32)?, "t")?;
        let near = self.fma(b.build_float_neg(z, "nz")?, t, z)?;
        // π/2 - (z - z t) = (hi - z) + (z t + lo): hi - z is exact from z = hi/2 on,
        // and z t + lo is small.
        let (hi, lo) = self.half_pi_parts();
        let hi_minus_z = b.build_float_sub(self.c(hi), z, "hmz")?;
        let far = b.build_float_add(hi_minus_z, self.fma(z, t, self.c(lo))?, "far")?;
        let y = self.select(above, far, near)?;
        self.copysign(y, x)
    }

    /// arcsin x (`asin` true) or arccos x, branch-free. |x| > 1 and NaN give NaN (the
    /// square root of a negative z), ±1 the exact ends.
    pub(crate) fn asin_acos(&self, x: FloatValue<'ctx>, asin: bool) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let (one, half, two) = (self.c(1.0), self.c(0.5), self.c(2.0));
        let a = self.abs(x)?;
        // NaN compares false: it takes the reduced path, whose square root keeps it.
        let small = self.fcmp(FloatPredicate::OLT, a, half)?;
        // Reduced: z = (1 - |x|)/2, exact (Sterbenz: |x| >= 1/2), s = √z.
        let z_reduced = b.build_float_mul(b.build_float_sub(one, a, "1ma")?, half, "zr")?;
        let z = self.select(small, b.build_float_mul(x, x, "xx")?, z_reduced)?;
        let coefs: &[f64] = if self.f64() { &ASIN } else { &ASIN32 };
        let zr = b.build_float_mul(z, self.poly(z, coefs)?, "zR")?;
        let s = self.intrinsic("llvm.sqrt", &[z_reduced])?;
        // s + s_lo = √z to about twice the precision: s_lo = (z - s²) / 2s.
        let residual = self.fma_exact(b.build_float_neg(s, "ns")?, s, z_reduced)?;
        let twice_s = b.build_float_add(s, s, "2s")?;
        let s_lo = b.build_float_div(residual, twice_s, "slo")?;
        let at_one = self.fcmp(FloatPredicate::OEQ, s, self.c(0.0))?;
        let s_lo = self.select(at_one, self.c(0.0), s_lo)?;
        // asin s = s + tail.
        let tail = self.fma(s, zr, s_lo)?;
        let (hi, lo) = self.half_pi_parts();
        // c_hi - 2 asin s, as (c_hi - 2s) + (c_lo - 2 tail), the head's rounding error
        // kept (Fast2Sum: c_hi >= π/2 > 2s).
        let minus_twice = |c_hi: f64, c_lo: f64| -> Res<FloatValue<'ctx>> {
            let head = b.build_float_sub(self.c(c_hi), twice_s, "head")?;
            let head_err = b.build_float_sub(
                b.build_float_sub(self.c(c_hi), head, "taken")?,
                twice_s,
                "herr",
            )?;
            let rest = self.fma(self.c(-2.0), tail, self.c(c_lo))?;
            let rest = b.build_float_add(rest, head_err, "rest")?;
            Ok(b.build_float_add(head, rest, "m2")?)
        };
        if asin {
            let near_zero = self.fma(x, zr, x)?;
            let reduced = self.copysign(minus_twice(hi, lo)?, x)?;
            return self.select(small, near_zero, reduced);
        }
        // acos x = π/2 - asin x near 0; 2 asin s for x >= 1/2; π - 2 asin s for x <= -1/2.
        let inner = self.fma(b.build_float_neg(x, "nx")?, zr, self.c(lo))?;
        let near_zero = b.build_float_sub(self.c(hi), b.build_float_sub(x, inner, "xi")?, "nz")?;
        let positive = b.build_float_mul(two, b.build_float_add(s, tail, "st")?, "pos")?;
        let negative = minus_twice(2.0 * hi, 2.0 * lo)?;
        let below = self.fcmp(FloatPredicate::OLT, x, self.c(0.0))?;
        let reduced = self.select(below, negative, positive)?;
        self.select(small, near_zero, reduced)
    }
}

/// fdlibm's atan: breakpoints, atan at them (high and low parts), polynomial.
const ATAN_HI: [f64; 4] = [
    4.636_476_090_008_061e-1,
    std::f64::consts::FRAC_PI_4,
    9.827_937_232_473_29e-1,
    std::f64::consts::FRAC_PI_2,
];
const ATAN_LO: [f64; 4] = [
    2.269_877_745_296_168_7e-17,
    3.061_616_997_868_383e-17,
    1.390_331_103_123_099_8e-17,
    6.123_233_995_736_766e-17,
];
const ATAN_T: [f64; 11] = [
    3.333_333_333_333_293e-1,
    -1.999_999_999_987_648_3e-1,
    1.428_571_427_250_346_6e-1,
    -1.111_111_040_546_235_6e-1,
    9.090_887_133_436_507e-2,
    -7.691_876_205_044_83e-2,
    6.661_073_137_387_531e-2,
    -5.833_570_133_790_573e-2,
    4.976_877_994_615_932e-2,
    -3.653_157_274_421_691_5e-2,
    1.628_582_011_536_578_2e-2,
];

impl<'a, 'ctx> Math<'a, 'ctx> {
    /// atan by fdlibm's method: |x| reduced around 0, 0.5, 1, 1.5 or ∞ (selects),
    /// then an odd polynomial; sign restored.
    pub(crate) fn atan(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        if !self.f64() {
            return self.atan32(x);
        }
        let b = self.b;
        let a = self.abs(x)?;
        let one = self.c(1.0);
        // Each interval's reduction is num / den; the interval's pair is selected first,
        // so one division serves them all.
        let candidates = [
            (
                b.build_float_sub(b.build_float_add(a, a, "2a")?, one, "2am1")?,
                b.build_float_add(self.c(2.0), a, "2pa")?,
            ),
            (
                b.build_float_sub(a, one, "am1")?,
                b.build_float_add(a, one, "ap1")?,
            ),
            (
                b.build_float_sub(a, self.c(1.5), "am15")?,
                self.fma(a, self.c(1.5), one)?,
            ),
            (self.c(-1.0), a),
        ];
        let bounds = [7.0 / 16.0, 11.0 / 16.0, 19.0 / 16.0, 39.0 / 16.0];
        let ge = |v: f64| self.fcmp(FloatPredicate::OGE, a, self.c(v));
        // Start with no reduction (a / 1), then take each interval from the bottom up.
        let (mut num, mut den, mut hi, mut lo, mut reduced) = (
            a,
            one,
            self.c(0.0),
            self.c(0.0),
            self.ctx.bool_type().const_zero(),
        );
        for (k, (n, d)) in candidates.into_iter().enumerate() {
            let take = ge(bounds[k])?;
            num = self.select(take, n, num)?;
            den = self.select(take, d, den)?;
            hi = self.select(take, self.c(ATAN_HI[k]), hi)?;
            lo = self.select(take, self.c(ATAN_LO[k]), lo)?;
            reduced = b.build_or(reduced, take, "red")?;
        }
        let z = b.build_float_div(num, den, "z")?;
        let zz = b.build_float_mul(z, z, "zz")?;
        let p = b.build_float_mul(zz, self.poly(zz, &ATAN_T)?, "p")?;
        let zp = b.build_float_mul(z, p, "zp")?;
        // Unreduced: z - z p; reduced: hi - ((z p - lo) - z).
        let plain = b.build_float_sub(z, zp, "plain")?;
        let inner = b.build_float_sub(b.build_float_sub(zp, lo, "zpl")?, z, "inner")?;
        let shifted = b.build_float_sub(hi, inner, "shifted")?;
        let y = self.select(reduced, shifted, plain)?;
        let nan = self.fcmp(FloatPredicate::UNO, x, x)?;
        let y = self.select(nan, x, y)?;
        self.copysign(y, x)
    }

    /// atan2(y, x): the angle of |y|/|x| (or its complement, so the argument stays at
    /// most 1), mirrored for negative x (−0 included), with y's sign; zeros and
    /// infinities as C99 specifies, NaN propagated.
    pub(crate) fn atan2(&self, y: FloatValue<'ctx>, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let (ay, ax) = (self.abs(y)?, self.abs(x)?);
        let steep = self.fcmp(FloatPredicate::OGT, ay, ax)?;
        let num = self.select(steep, ax, ay)?;
        let den = self.select(steep, ay, ax)?;
        let ratio = b.build_float_div(num, den, "ratio")?;
        // 0/0 (both zero) and inf/inf (both infinite) have known angles.
        let both_inf = b.build_and(
            self.fcmp(FloatPredicate::OEQ, ax, self.c(f64::INFINITY))?,
            self.fcmp(FloatPredicate::OEQ, ay, self.c(f64::INFINITY))?,
            "binf",
        )?;
        let both_zero = self.fcmp(FloatPredicate::OEQ, den, self.c(0.0))?;
        let ratio = self.select(both_zero, self.c(0.0), ratio)?;
        let ratio = self.select(both_inf, self.c(1.0), ratio)?;
        let t = self.atan(ratio)?;
        let half_pi = self.c(std::f64::consts::FRAC_PI_2);
        let angle = self.select(steep, b.build_float_sub(half_pi, t, "comp")?, t)?;
        // x negative, or -0: the angle from the negative axis.
        let x_bits = b.build_bit_cast(x, self.int_t(), "xb")?.into_int_value();
        let x_neg = b.build_int_compare(inkwell::IntPredicate::SLT, x_bits, self.ci(0), "xneg")?;
        let mirrored = b.build_float_sub(self.c(std::f64::consts::PI), angle, "mir")?;
        let angle = self.select(x_neg, mirrored, angle)?;
        let r = self.copysign(angle, y)?;
        let nan = b.build_or(
            self.fcmp(FloatPredicate::UNO, x, x)?,
            self.fcmp(FloatPredicate::UNO, y, y)?,
            "nan",
        )?;
        self.select(nan, self.c(f64::NAN), r)
    }
}
