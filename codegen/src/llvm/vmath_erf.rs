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
//! float32, in float32: x P(2x² - 1) below 1, 1 - e^(-x²) Q(1/x) up to 4, ±1 beyond
//! (P and Q Chebyshev fits).

use inkwell::values::FloatValue;
use inkwell::FloatPredicate;

use super::vmath::{Math, Res};
use super::vmath_erf_table::{ERF_STEPS, ERF_TABLE};
use super::vmath_tables::{
    ERF32_LARGE, ERF32_LARGE_HALF, ERF32_LARGE_MID, ERF32_ONE, ERF32_SMALL, ERF_ONE, ERF_SPLIT,
};

/// 1.5·2^52: adding it to a float64 below 2^51 in magnitude rounds it to an integer,
/// which the sum's low bits then hold.
const ROUNDING_SHIFT: f64 = 6_755_399_441_055_744.0;

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
        // |x| >= 6 and NaN read row 768; a NaN then carries through d to the result.
        let ac = self.select(self.fcmp(FloatPredicate::OLT, a, one)?, a, one)?;
        let z = self.fma(ac, self.c(ERF_STEPS), self.c(ROUNDING_SHIFT))?;
        let z_bits = b.build_bit_cast(z, self.int_t(), "zb")?.into_int_value();
        let row = b.build_and(z_bits, self.ci(1023), "row")?;
        let at = b.build_int_add(b.build_left_shift(row, self.ci(1), "r2")?, row, "at")?;
        let table = self.constant_table("lazyfuse.erf_table", &ERF_TABLE);
        let entry = |k: i64| -> Res<FloatValue<'ctx>> {
            let index = b.build_int_add(at, self.ci(k), "ix")?;
            self.load_table(table, ERF_TABLE.len(), index)
        };
        let (erf_hi, erf_lo, slope) = (entry(0)?, entry(1)?, entry(2)?);
        // r = row / 128, exactly (z / 128 and the shift / 128 are exact); d = a - r
        // exactly (Sterbenz, or r = 0).
        let r = self.fma(
            z,
            self.c(1.0 / ERF_STEPS),
            self.c(-ROUNDING_SHIFT / ERF_STEPS),
        )?;
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
        // y >= +0 (or NaN): x's sign bit or-ed in is copysign.
        let it = self.int_t();
        let y_bits = b.build_bit_cast(y, it, "yb")?.into_int_value();
        let x_bits = b.build_bit_cast(x, it, "xb")?.into_int_value();
        let sign = b.build_and(x_bits, self.ci(i64::MIN), "sign")?;
        let bits = b.build_or(y_bits, sign, "ys")?;
        self.float_of_bits(bits)
    }

    /// float32 erf in float32, with its own shorter fits.
    fn erf32(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let a = self.abs(x)?;
        // |x| < 1: x P(2x² - 1).
        let xx = b.build_float_mul(x, x, "xx")?;
        let v = self.fma(xx, self.c(2.0 / (ERF_SPLIT * ERF_SPLIT)), self.c(-1.0))?;
        let small = b.build_float_mul(x, self.poly(v, &ERF32_SMALL)?, "small")?;
        // 1 <= |x| < 4: 1 - e^(-x²) Q(1/x), with x² = sh + sl exactly.
        let u = b.build_float_div(self.c(1.0), a, "u")?;
        let v = self.fma(
            u,
            self.c(1.0 / ERF32_LARGE_HALF),
            self.c(-ERF32_LARGE_MID / ERF32_LARGE_HALF),
        )?;
        let q = self.poly(v, &ERF32_LARGE)?;
        let sh = b.build_float_mul(a, a, "sh")?;
        let sl = self.fma_exact(a, a, b.build_float_neg(sh, "nsh")?)?;
        let g = self.exp(b.build_float_neg(sh, "nsh2")?)?;
        let g = self.fma(g, b.build_float_neg(sl, "nsl")?, g)?;
        let erfc = b.build_float_mul(g, q, "erfc")?;
        let large = b.build_float_sub(self.c(1.0), erfc, "large")?;
        let large = self.select(
            self.fcmp(FloatPredicate::OGE, a, self.c(ERF32_ONE))?,
            self.c(1.0),
            large,
        )?;
        let large = self.copysign(large, x)?;
        let y = self.select(
            self.fcmp(FloatPredicate::OLT, a, self.c(ERF_SPLIT))?,
            small,
            large,
        )?;
        let nan = self.fcmp(FloatPredicate::UNO, x, x)?;
        self.select(nan, x, y)
    }
}
