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
