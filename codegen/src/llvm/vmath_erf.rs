//! The error function in the vector math library.
//!
//! float64: a table of erf(r) (in two parts) and erf'(r) = 2/√π e^(-r²) at r = i/128
//! up to 6 (`vmath_erf_table.rs`, from scripts/gen_vmath_tables.py), then erf's Taylor series
//! about the r nearest |x|: with d = |x| - r, |d| <= 1/256,
//! erf(r + d) = erf(r) + erf'(r) (d - r d² + p2 d³ + p3 d⁴ + p4 d⁵ + p5 d⁶),
//! the p's polynomials in r from the Hermite polynomials (e^(-(r+d)²) =
//! e^(-r²) Σ (-1)^n H_n(r) dⁿ/n!). The first term dropped is below 2^-53 relative
//! (d⁷/42 at r = 0). About 30 operations and two table reads per element, no
//! division and no exponential; the previous scheme evaluated both of its two
//! branches (a degree-14 and a degree-26 polynomial, a division and an exp) for
//! every lane. ±1 from 6 on, where erf rounds to ±1.
//!
//! float32, in float32: x P(2x² - 1) below 1 and erf(t) = 1 - e^(ln erfc(t)) for
//! t = |x| up to 4 (beyond, erf rounds to ±1), with ln(erfc(t)) = t R(t), P and R
//! Chebyshev fits of degree 6 and 7. Both are evaluated for every lane, as before, but
//! the large side needs no division and no exact x² (the previous erfc = e^(-x²) Q(1/x)
//! did). (One formula for every t, -expm1(t R(t)), measured up to 5 ulp near 0.1: ln
//! erfc(t) reaches the next binade before erf(t) does, doubling its rounding error.)

use inkwell::values::FloatValue;
use inkwell::FloatPredicate;

use super::vmath::{Math, Res};
use super::vmath_erf_table::{ERF_STEPS, ERF_TABLE};
use super::vmath_tables::{ERF32_LN_ERFC, ERF32_ONE, ERF32_SMALL, ERF32_SPLIT, ERF_ONE};

impl<'a, 'ctx> Math<'a, 'ctx> {
    /// erf(x) (see the module documentation).
    pub(crate) fn erf(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        if self.f64() {
            self.erf_table(x)
        } else {
            self.erf32(x)
        }
    }

    /// float64 erf from the table.
    fn erf_table(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let a = self.abs(x)?;
        let one = self.c(ERF_ONE);
        // The magic-number sum z = 128 a + 1.5·2^52 holds rint(128 a) in its low bits.
        let (shift, _) = self.magic();
        // |x| >= 6 and NaN read row 768; a NaN then carries through d to the result.
        let ac = self.select(self.fcmp(FloatPredicate::OLT, a, one)?, a, one)?;
        let z = self.fma(ac, self.c(ERF_STEPS), self.c(shift))?;
        let z_bits = b.build_bit_cast(z, self.int_t(), "zb")?.into_int_value();
        let rows = ERF_TABLE.len() / 3;
        let row_mask = (rows.next_power_of_two() - 1) as i64;
        let row = b.build_and(z_bits, self.ci(row_mask), "row")?;
        let at = b.build_int_add(b.build_left_shift(row, self.ci(1), "r2")?, row, "at")?;
        let table = self.constant_table("lazyfuse.erf_table", &ERF_TABLE);
        let entry = |k: i64| -> Res<FloatValue<'ctx>> {
            let index = b.build_int_add(at, self.ci(k), "ix")?;
            self.load_table(table, ERF_TABLE.len(), index)
        };
        let (erf_hi, erf_lo, slope) = (entry(0)?, entry(1)?, entry(2)?);
        // r = row / 128, exactly (z / 128 and the shift / 128 are exact); d = a - r
        // exactly (Sterbenz, or r = 0).
        let r = self.fma(z, self.c(1.0 / ERF_STEPS), self.c(-shift / ERF_STEPS))?;
        let d = b.build_float_sub(a, r, "d")?;
        let d2 = b.build_float_mul(d, d, "d2")?;
        // erf(r + d) = erf(r) + erf'(r) (d + d² q), with q = -r + p2 d + p3 d² + p4 d³ +
        // p5 d⁴ grouped by parity: q = d (p2 + d² p4) + r (d² (P3 + d² P5) - 1), where
        // p3 = r P3 and p5 = r P5.
        let r2 = b.build_float_mul(r, r, "r2")?;
        let p2 = self.fma(r2, self.c(2.0 / 3.0), self.c(-1.0 / 3.0))?;
        let p4 = self.poly(r2, &[1.0 / 10.0, -2.0 / 5.0, 2.0 / 15.0])?;
        let odd_p3 = self.fma(r2, self.c(-1.0 / 3.0), self.c(0.5))?;
        let odd_p5 = self.poly(r2, &[-1.0 / 6.0, 2.0 / 9.0, -2.0 / 45.0])?;
        let even = self.fma(d2, p4, p2)?;
        let odd = self.fma(d2, self.fma(d2, odd_p5, odd_p3)?, self.c(-1.0))?;
        let q = self.fma(d, even, b.build_float_mul(r, odd, "rodd")?)?;
        let y = self.fma(slope, self.fma(d2, q, d)?, erf_lo)?;
        let y = b.build_float_add(erf_hi, y, "y")?;
        let y = self.select(self.fcmp(FloatPredicate::OGE, a, one)?, self.c(1.0), y)?;
        // y >= +0 (or NaN): flipping its sign bit by x's is copysign.
        self.xor_sign(y, x)
    }

    /// float32 erf in float32: x P(2x² - 1) below 1, 1 - e^(t R(t)) for t = |x| up to
    /// 4, ±1 beyond, R a fit of ln(erfc(t)) / t (see the module documentation).
    fn erf32(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let a = self.abs(x)?;
        let xx = b.build_float_mul(x, x, "xx")?;
        let v = self.fma(xx, self.c(2.0), self.c(-1.0))?;
        let small = b.build_float_mul(x, self.poly_horner(v, &ERF32_SMALL)?, "small")?;
        // erf rounds to 1 from 4 on (1 - erf(4) is below half an ulp of 1).
        let t = self.select(
            self.fcmp(FloatPredicate::OGT, a, self.c(ERF32_ONE))?,
            self.c(ERF32_ONE),
            a,
        )?;
        let (mid, half) = (
            (ERF32_SPLIT + ERF32_ONE) / 2.0,
            (ERF32_ONE - ERF32_SPLIT) / 2.0,
        );
        let v = self.fma(t, self.c(1.0 / half), self.c(-mid / half))?;
        let ln_erfc = b.build_float_mul(t, self.poly(v, &ERF32_LN_ERFC)?, "lnerfc")?;
        // ln erfc(t) is in [-16.3, -0.15] where the result is used, so e^ln_erfc is a
        // normal number: no clamps, no NaN select (a NaN x takes the small side).
        let erfc = self.exp_of_sum_normal(ln_erfc, self.c(-0.0))?;
        let large = b.build_float_sub(self.c(1.0), erfc, "large")?;
        let large = self.xor_sign(large, x)?;
        // NaN takes the small side, which carries it.
        let below = self.fcmp(FloatPredicate::ULT, a, self.c(ERF32_SPLIT))?;
        self.select(below, small, large)
    }
}
