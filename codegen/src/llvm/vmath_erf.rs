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
//! float32, in float32, the same scheme with its own table (`vmath_erf32_table.rs`: erf(r)
//! and erf'(r) rounded to float32 at r = i/128 up to 4, beyond which erf rounds to ±1)
//! and three terms of the series: about 15 operations and one 64-bit table read per
//! element. It replaced two fits evaluated for every lane (x P(2x² - 1) below 1 and
//! 1 - e^(t R(t)) above, about 35 operations and an exponential): 1.3x faster through
//! `lazyfuse.jit`, with more results off by one ulp (27% against 20% of erf rounded
//! from float64; at most 2 ulp, as before).

use inkwell::values::{FloatValue, IntValue};
use inkwell::FloatPredicate;

use super::vmath::{Math, Res};
use super::vmath_erf32_table::{ERF32_STEPS, ERF32_TABLE};
use super::vmath_erf_table::{ERF_STEPS, ERF_TABLE};
use super::vmath_tables::{ERF32_ONE, ERF_ONE};

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

    /// float32 erf in float32, from its own table (see the module documentation).
    fn erf32(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let a = self.abs(x)?;
        let one = self.c(ERF32_ONE);
        // |x| >= 4 and NaN read the last row; a NaN then carries through d.
        let ac = self.select(self.fcmp(FloatPredicate::OLT, a, one)?, a, one)?;
        // z = 128 a + 1.5·2^23 holds rint(128 a) in its low bits.
        let (shift, _) = self.magic();
        let z = self.fma(ac, self.c(ERF32_STEPS), self.c(shift))?;
        let z_bits = b.build_bit_cast(z, self.int_t(), "zb")?.into_int_value();
        let rows = ERF32_TABLE.len() / 2;
        let row_mask = (rows.next_power_of_two() - 1) as i64;
        let row = b.build_and(z_bits, self.ci(row_mask), "row")?;
        let (erf_r, slope) = self.erf32_row(row)?;
        // r = row / 128 and d = a - r, both exact.
        let r = self.fma(z, self.c(1.0 / ERF32_STEPS), self.c(-shift / ERF32_STEPS))?;
        let d = b.build_float_sub(a, r, "d")?;
        // erf(r + d) = erf(r) + erf'(r) (d - r d² + (2r² - 1)/3 d³), |d| <= 1/256: the
        // next term is below 2^-27 of the result.
        let rr = b.build_float_mul(r, r, "rr")?;
        let p2 = self.fma(rr, self.c(2.0 / 3.0), self.c(-1.0 / 3.0))?;
        let q = self.fma(d, p2, b.build_float_neg(r, "nr")?)?;
        let inner = self.fma(b.build_float_mul(d, d, "dd")?, q, d)?;
        let y = self.fma(slope, inner, erf_r)?;
        let y = self.select(self.fcmp(FloatPredicate::OGE, a, one)?, self.c(1.0), y)?;
        // y >= +0 (or NaN): flipping its sign bit by x's is copysign.
        self.xor_sign(y, x)
    }

    /// Row `row` of [`ERF32_TABLE`]: (erf(r), erf'(r)), read as one 64-bit load (the
    /// loop vectoriser makes scalar loads of a table, since gathers are slow on the
    /// CPUs it tunes for: one load per lane instead of two).
    fn erf32_row(&self, row: IntValue<'ctx>) -> Res<(FloatValue<'ctx>, FloatValue<'ctx>)> {
        let b = self.b;
        let values: Vec<f64> = ERF32_TABLE.iter().map(|&v| f64::from(v)).collect();
        let table = self.constant_table_in("lazyfuse.erf32_table", &values, self.ctx.f32_type());
        let i64t = self.ctx.i64_type();
        let row = b.build_int_s_extend_or_bit_cast(row, i64t, "row64")?;
        let rows = i64t.array_type((ERF32_TABLE.len() / 2) as u32);
        // SAFETY (of the generated code): the caller's row is below the table's rows.
        let at = unsafe {
            b.build_in_bounds_gep(
                rows,
                table.as_pointer_value(),
                &[i64t.const_zero(), row],
                "pair",
            )?
        };
        let both = b.build_load(i64t, at, "both")?.into_int_value();
        let i32t = self.ctx.i32_type();
        let f32t = self.ctx.f32_type();
        // Little-endian: the row's first float32 is the low half.
        let first = b.build_int_truncate(both, i32t, "lo")?;
        let high = b.build_right_shift(both, i64t.const_int(32, false), false, "hi64")?;
        let second = b.build_int_truncate(high, i32t, "hi")?;
        Ok((
            b.build_bit_cast(first, f32t, "erf_r")?.into_float_value(),
            b.build_bit_cast(second, f32t, "slope")?.into_float_value(),
        ))
    }
}
