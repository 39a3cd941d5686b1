//! sin, cos and tan in the vector math library: reduction of |x| by π/2 (Cody–Waite in
//! three parts below 2^20, Payne–Hanek with a per-exponent table of 2/π's bits above),
//! then Taylor polynomials on [-π/4, π/4] carrying the reduced argument's low part.
//!
//! [`Math::trig`] computes both reductions and selects one, so the code stays
//! branch-free and vectorises (float32 is computed in float64 and rounded once).
//! [`Math::trig_fast`] is the common path alone: Cody–Waite, in float32 for float32,
//! where sin, cos and tan each evaluate one polynomial (float64 evaluates sin's and
//! cos's and selects by quadrant).
//! On the CPU, the vector functions of `vmath_variants.rs` run the fast path on every
//! lane and the full one only when some lane needs it.

use inkwell::values::{FloatValue, GlobalValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};

use super::vmath::{Math, Res};
use super::vmath_tables::{PIO2, TWO_OVER_PI_BITS};

/// Which trigonometric function.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Trig {
    Sin,
    Cos,
    Tan,
}

/// float32 sin r = r + r·r²·P(r²) on |r| <= π/2: P's coefficients (lowest first), a
/// relative-error fit with each coefficient rounded to float32 before the next is
/// fitted (2^-27.3 relative).
const SIN32: [f64; 5] = [
    -0.166_666_671_633_720_4,
    0.008_333_364_501_595_497,
    -0.000_198_462_366_824_969_65,
    2.783_519_903_459_819e-6,
    -2.974_762_836_061_018e-8,
];

/// float32 tan r = r + r·r²·T(r²) on |r| <= π/4, fitted as SIN32 is (2^-27 relative).
const TAN32: [f64; 8] = [
    0.333_333_313_465_118_4,
    0.133_335_262_537_002_56,
    0.053_921_870_887_279_51,
    0.022_322_190_925_478_935,
    0.006_697_934_586_554_766,
    0.009_014_250_710_606_575,
    -0.005_473_203_957_080_841,
    0.004_353_673_662_990_332,
];

/// Exponents s (|x| = M 2^s with M a 53-bit integer) the Payne–Hanek table covers:
/// from |x| = 2^20 up to the largest finite double.
const TABLE_MIN_S: i64 = -32;
const TABLE_MAX_S: i64 = 971;
/// Chunks of 53 bits of 2/π per exponent: 212 bits, enough for the reduced argument
/// to about 2^-150 absolute.
const CHUNKS: usize = 4;
/// Below this |x| the Cody–Waite reduction is exact enough (its products stay exact).
const CODY_WAITE_LIMIT: f64 = 1048576.0; // 2^20
/// Below this |x| the float32 Cody–Waite reduction keeps the result within the
/// documented bound (checked over every float32 below it by a test).
const FAST_LIMIT_F32: f64 = 65536.0; // 2^16

/// The |x| below which float32 cos takes its own short series.
pub(crate) const COS_NEAR_F32: f64 = 0.5708;

/// The |x| below which [`Math::trig_fast`] is exact enough for `f64` (else float32).
pub(crate) fn fast_trig_limit(f64: bool) -> f64 {
    if f64 {
        CODY_WAITE_LIMIT
    } else {
        FAST_LIMIT_F32
    }
}

/// π/2 as p1 + p2 + p3 in float32 (to about 2^-72), from the double-double of PIO2,
/// each part rounded toward zero so that all three are positive: then a - n·p1 - n·p2
/// - n·p3 adds only -0 where n = 0, and keeps the sign of a zero a.
fn pio2_f32_parts() -> [f32; 3] {
    let down = |v: f64| {
        let f = v as f32;
        if f as f64 > v {
            f32::from_bits(f.to_bits() - 1)
        } else {
            f
        }
    };
    let p1 = down(PIO2[0]);
    let rest = PIO2[0] - p1 as f64; // exact: both are near π/2
    let p2 = down(rest + PIO2[1]);
    let p3 = down((rest - p2 as f64) + PIO2[1]); // rest - p2 exact (close)
    [p1, p2, p3]
}

/// Bit `i` (1 = first after the binary point) of 2/π.
fn two_over_pi_bit(i: usize) -> u64 {
    let word = TWO_OVER_PI_BITS[(i - 1) / 64];
    (word >> (63 - (i - 1) % 64)) & 1
}

/// For each exponent s, CHUNKS doubles G_c = 2^s Σ b_i 2^-i over bits i in
/// [j0 + 53c, j0 + 53c + 52], j0 = max(s - 1, 1): the bits of 2/π that matter for
/// x·2/π mod 4 (bits before j0 contribute multiples of 4), scaled so M·G_c stays
/// far from overflow and underflow.
fn payne_hanek_table() -> Vec<f64> {
    let mut table = Vec::with_capacity((TABLE_MAX_S - TABLE_MIN_S + 1) as usize * CHUNKS);
    for s in TABLE_MIN_S..=TABLE_MAX_S {
        let j0 = (s - 1).max(1) as usize;
        for c in 0..CHUNKS {
            let first = j0 + 53 * c;
            let window = (first..first + 53).fold(0u64, |acc, i| (acc << 1) | two_over_pi_bit(i));
            // window is the integer of bits first..first+52: value window·2^-(first+52).
            let exponent = s as i32 - (first as i32 + 52);
            table.push(window as f64 * 2f64.powi(exponent));
        }
    }
    table
}

/// fdlibm's minimax S(s) (k_sin.c, S1..S6) for sin r = r + r·s·S(s), s = r², on
/// |r| <= π/4: error below 2^-58. Taylor's coefficients needed eight terms for that
/// precision (to r^17); six cost two fused multiply-adds less per element.
const SIN_MINIMAX: [f64; 6] = [
    -1.666_666_666_666_663_2e-1,
    8.333_333_333_322_49e-3,
    -1.984_126_982_985_795e-4,
    2.755_731_370_707_006_8e-6,
    -2.505_076_025_340_686_3e-8,
    1.589_690_995_211_55e-10,
];

/// fdlibm's minimax C(s) (k_cos.c, C1..C6) for cos r = 1 - s/2 + s²·C(s) on
/// |r| <= π/4: error below 2^-58 (Taylor: eight terms, to r^18).
const COS_MINIMAX: [f64; 6] = [
    4.166_666_666_666_66e-2,
    -1.388_888_888_887_411e-3,
    2.480_158_728_947_673e-5,
    -2.755_731_435_139_066_3e-7,
    2.087_572_321_298_175e-9,
    -1.135_964_755_778_819_5e-11,
];

impl<'a, 'ctx> Math<'a, 'ctx> {
    /// sin, cos or tan of any x (any float type), branch-free: both reductions are
    /// computed and one selected. float32 is computed in float64 and rounded once.
    pub(crate) fn trig(&self, x: FloatValue<'ctx>, which: Trig) -> Res<FloatValue<'ctx>> {
        if !self.f64() {
            return self.via_f64(&[x], |m, args| m.trig(args[0], which));
        }
        let a = self.abs(x)?;
        let (rh, rl, q) = self.reduce_half_pi(a)?;
        let y = self.trig_of_reduced(x, rh, rl, q, which)?;
        let finite = self.fcmp(FloatPredicate::OLT, a, self.c(f64::INFINITY))?;
        self.select(finite, y, self.c(f64::NAN))
    }

    /// sin, cos or tan of x for |x| < [`fast_trig_limit`] only (other x give unspecified
    /// values): the Cody–Waite reduction alone, and for float32 all in float32. The
    /// vector functions run this on every lane and [`Math::trig`] only when a lane is
    /// outside the range.
    pub(crate) fn trig_fast(&self, x: FloatValue<'ctx>, which: Trig) -> Res<FloatValue<'ctx>> {
        if !self.f64() {
            return match which {
                Trig::Tan => self.tan_fast_f32(x),
                _ => self.sin_cos_fast_f32(x, which == Trig::Cos, true),
            };
        }
        let (rh, rl, q) = self.cody_waite(self.abs(x)?)?;
        self.trig_of_reduced(x, rh, rl, q, which)
    }

    /// float32 sin x or cos x for |x| below 2^16, with one polynomial: x = m π/2 + r,
    /// |r| <= π/2, with m = 2n even for sin and odd for cos (n = rint(x/π), or
    /// rint(|x|/π - 1/2) for cos), so that sin x = (-1)^n sin r and cos x =
    /// -(-1)^n sin r. n is rounded by adding 1.5·2^23 (in the same fused rounding as
    /// the product, for sin), whose low bit is then n's parity, the sign to flip. The
    /// reduction is Cody–Waite's by π/2 with m as the multiple; sin r = r + r·r²·P(r²),
    /// P a fit on [0, π/2] (2^-27 relative with its float32 coefficients). sin reduces
    /// x itself (odd: r and n carry x's sign); cos reduces |x| and negates. cos below
    /// 0.57 has its own short series (see below). (Every float32 below 2^16: within 1
    /// ulp. One polynomial instead of sin's and cos's on [-π/4, π/4] and a quadrant
    /// select: sin up to 40% faster. The same scheme for float64 measured up to 30%
    /// faster but rounded 15-23% of results the wrong way instead of 3%, so float64
    /// keeps the two polynomials.)
    fn sin_cos_fast_f32(
        &self,
        x: FloatValue<'ctx>,
        cos: bool,
        near: bool,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let inv_pi = std::f64::consts::FRAC_1_PI;
        // n and the bits whose lowest is n's parity.
        let (v, n, q) = if cos {
            // cos x = -sin(|x| - π/2): n = rint(|x|/π - 1/2), rounded by the magic
            // number after the product (which rounds first).
            let (shifter, _) = self.magic();
            let a = self.abs(x)?;
            let t = self.fma(a, self.c(inv_pi), self.c(-0.5))?;
            let shifted = b.build_float_add(t, self.c(shifter), "sh")?;
            let n = b.build_float_sub(shifted, self.c(shifter), "n")?;
            let bits = b.build_bit_cast(shifted, self.int_t(), "shb")?;
            (a, n, bits.into_int_value())
        } else {
            let (n, q) = self.round_by_magic(x, inv_pi)?;
            (x, n, q)
        };
        // x - m π/2 as x - (m/2) π, the parts of π twice those of π/2 (same products).
        let h = if cos {
            b.build_float_add(n, self.c(0.5), "h")?
        } else {
            n
        };
        let r = self.cody_waite_f32_by(v, h, 2.0)?;
        // r²·c0 is rounded only in the final sum (at π/2 this term is a third of the
        // result: rounding it alone cost an ulp).
        let y = self.fma(r, self.odd_series_tail(r, &SIN32)?, r)?;
        // n's parity, moved to the sign bit, flips the sign.
        let parity = b.build_left_shift(q, self.ci(31), "par")?;
        let yb = b.build_bit_cast(y, self.int_t(), "yb")?.into_int_value();
        let yb = b.build_xor(yb, parity, "yp")?;
        let y = b.build_bit_cast(yb, y.get_type(), "ys")?.into_float_value();
        if !cos {
            return Ok(y);
        }
        let a = v;
        let y = b.build_float_neg(y, "ncos")?;
        if !near {
            return Ok(y);
        }
        // Below 0.57, a - π/2 has a larger exponent than a and its rounding drops a's
        // low bits (an ulp of error): there cos a = 1 - a²/2 + a⁴·C(a²) directly
        // (to a^10, below 2^-29 relative).
        let aa = b.build_float_mul(a, a, "aa")?;
        let c = self.poly(aa, &[1.0 / 24.0, -1.0 / 720.0, 1.0 / 40320.0])?;
        let head = self.fma(aa, self.c(-0.5), self.c(1.0))?;
        let near = self.fma(b.build_float_mul(aa, aa, "a4")?, c, head)?;
        let small = self.fcmp(FloatPredicate::OLT, a, self.c(COS_NEAR_F32))?;
        self.select(small, near, y)
    }

    /// float32 cos x for |x| from [`COS_NEAR_F32`] to 2^16 only: the fast path without
    /// its short series for small |x| (the same bits there).
    pub(crate) fn cos_common_f32(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        self.sin_cos_fast_f32(x, true, false)
    }

    /// float32 tan x for |x| below 2^16: |x| = n π/2 + r, |r| <= π/4 (Cody–Waite),
    /// tan r = r + r·r²·T(r²) by one fit (2^-27 relative), and -1/tan r for odd n, as
    /// one division num/den in every lane (den = 1 for even n); x's sign. Fewer
    /// operations than sin r / cos r from two series, and fewer results off by 2 ulp
    /// (0.6% against 1.4% of 5M inputs; max 3 both).
    fn tan_fast_f32(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let (r, q) = self.cody_waite_f32(self.abs(x)?)?;
        let t = self.fma(r, self.odd_series_tail(r, &TAN32)?, r)?;
        let odd = self.quadrant_bit(q, 1)?;
        let num = self.select(odd, self.c(-1.0), t)?;
        let den = self.select(odd, t, self.c(1.0))?;
        self.xor_sign(b.build_float_div(num, den, "tan")?, x)
    }

    /// r²·P(r²) for P's coefficients `coefs` (lowest first), as r²·c0 + r⁴·Q(r²) with
    /// r²·c0 rounded only in that sum (it is the largest term).
    fn odd_series_tail(&self, r: FloatValue<'ctx>, coefs: &[f64]) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let s = b.build_float_mul(r, r, "s")?;
        let q = self.poly_estrin(s, &coefs[1..])?;
        let ssq = b.build_float_mul(b.build_float_mul(s, s, "s2")?, q, "ssq")?;
        self.fma(s, self.c(coefs[0]), ssq)
    }

    /// The float64 function of x from its reduction |x| = q π/2 + (rh + rl),
    /// |rh| <= π/4: minimax polynomials of sin and cos on [-π/4, π/4] ([`SIN_MINIMAX`],
    /// [`COS_MINIMAX`]), the quadrant's choice and signs.
    fn trig_of_reduced(
        &self,
        x: FloatValue<'ctx>,
        rh: FloatValue<'ctx>,
        rl: FloatValue<'ctx>,
        q: IntValue<'ctx>,
        which: Trig,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let s = b.build_float_mul(rh, rh, "s")?;
        // sin r = r + (r s S(s) + rl).
        let rs = b.build_float_mul(rh, s, "rs")?;
        let sin_poly = self.poly_estrin(s, &SIN_MINIMAX)?;
        let sin_tail = self.fma(rs, sin_poly, rl)?;
        let sin_r = b.build_float_add(rh, sin_tail, "sinr")?;
        // cos r = 1 - s/2 + s² C(s) - r rl, with 1 - s/2 split so its rounding is kept.
        let hz = b.build_float_mul(s, self.c(0.5), "hz")?;
        let w = b.build_float_sub(self.c(1.0), hz, "w")?;
        let w_err = b.build_float_sub(b.build_float_sub(self.c(1.0), w, "1w")?, hz, "werr")?;
        let ss = b.build_float_mul(s, s, "ss")?;
        let tail = self.fma(ss, self.poly_estrin(s, &COS_MINIMAX)?, w_err)?;
        let tail = self.fma(b.build_float_neg(rh, "nrh")?, rl, tail)?;
        let cos_r = b.build_float_add(w, tail, "cosr")?;

        let odd = self.quadrant_bit(q, 1)?;
        // The sign bits to flip: quadrant bit 2 (of q + 1 for cos), moved to the sign
        // bit, and for sin and tan (odd) x's sign, so that sin(-0) = -0.
        let (y, flip) = match which {
            Trig::Sin => (self.select(odd, cos_r, sin_r)?, self.quadrant_sign(q)?),
            Trig::Cos => {
                let q1 = b.build_int_add(q, self.ci(1), "q1")?;
                (self.select(odd, sin_r, cos_r)?, self.quadrant_sign(q1)?)
            }
            Trig::Tan => {
                // tan r, or -cot r in odd quadrants: one division.
                let num = self.select(odd, b.build_float_neg(cos_r, "ncos")?, sin_r)?;
                let den = self.select(odd, sin_r, cos_r)?;
                (b.build_float_div(num, den, "tan")?, self.ci(0))
            }
        };
        let flip = if which == Trig::Cos {
            flip
        } else {
            let xb = b.build_bit_cast(x, self.int_t(), "xb")?.into_int_value();
            let sign = b.build_and(xb, self.ci(i64::MIN), "xsign")?;
            b.build_xor(flip, sign, "flip")?
        };
        let yb = b.build_bit_cast(y, self.int_t(), "yb")?.into_int_value();
        let yb = b.build_xor(yb, flip, "yf")?;
        Ok(b.build_bit_cast(yb, y.get_type(), "y")?.into_float_value())
    }

    /// Quadrant bit 2 of `q` (float64) moved to the sign bit.
    fn quadrant_sign(&self, q: IntValue<'ctx>) -> Res<IntValue<'ctx>> {
        let bit = self.b.build_and(q, self.ci(2), "q2")?;
        Ok(self.b.build_left_shift(bit, self.ci(62), "qsign")?)
    }

    /// n = rint(a·scale) as a float, computed by adding 1.5·2^p (exp's magic number) in
    /// the product's own rounding, and n's low bits, read from that sum's bits
    /// (|a·scale| < 2^22 for float32, 2^51 for float64).
    fn round_by_magic(
        &self,
        a: FloatValue<'ctx>,
        scale: f64,
    ) -> Res<(FloatValue<'ctx>, IntValue<'ctx>)> {
        let b = self.b;
        let (magic, magic_bits) = self.magic();
        let shifted = self.fma_exact(a, self.c(scale), self.c(magic))?;
        let n = b.build_float_sub(shifted, self.c(magic), "n")?;
        let bits = b
            .build_bit_cast(shifted, self.int_t(), "nb")?
            .into_int_value();
        Ok((n, b.build_int_sub(bits, self.ci(magic_bits), "q")?))
    }

    /// Whether `bit` of the quadrant is set.
    fn quadrant_bit(&self, q: IntValue<'ctx>, bit: i64) -> Res<IntValue<'ctx>> {
        let masked = self.b.build_and(q, self.ci(bit), "qb")?;
        Ok(self
            .b
            .build_int_compare(IntPredicate::NE, masked, self.ci(0), "qset")?)
    }

    /// v with its sign flipped where `sign_of` is negative (-0 included).
    pub(super) fn xor_sign(
        &self,
        v: FloatValue<'ctx>,
        sign_of: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let vb = b.build_bit_cast(v, self.int_t(), "vb")?.into_int_value();
        let sb = b
            .build_bit_cast(sign_of, self.int_t(), "sb")?
            .into_int_value();
        let sign_bit = if self.f64() {
            i64::MIN
        } else {
            i32::MIN as i64
        };
        let sign = b.build_and(sb, self.ci(sign_bit), "sign")?;
        let flipped = b.build_xor(vb, sign, "flip")?;
        Ok(b.build_bit_cast(flipped, v.get_type(), "xs")?
            .into_float_value())
    }

    /// a ≥ 0 (f64) as n π/2 + (rh + rl) with |rh| <= π/4; returns (rh, rl, n mod 4
    /// in the low bits of an integer).
    fn reduce_half_pi(
        &self,
        a: FloatValue<'ctx>,
    ) -> Res<(FloatValue<'ctx>, FloatValue<'ctx>, IntValue<'ctx>)> {
        let (cw_h, cw_l, cw_q) = self.cody_waite(a)?;
        let (ph_h, ph_l, ph_q) = self.payne_hanek(a)?;
        let large = self.fcmp(FloatPredicate::OGE, a, self.c(CODY_WAITE_LIMIT))?;
        let rh = self.select(large, ph_h, cw_h)?;
        let rl = self.select(large, ph_l, cw_l)?;
        let q = self
            .b
            .build_select(large, ph_q, cw_q, "q")?
            .into_int_value();
        Ok((rh, rl, q))
    }

    /// Cody–Waite for 0 <= a < 2^20 (f64): n = rint(a 2/π), a - n p1 by one fused
    /// rounding, then the next parts with their rounding errors carried into rl.
    fn cody_waite(
        &self,
        a: FloatValue<'ctx>,
    ) -> Res<(FloatValue<'ctx>, FloatValue<'ctx>, IntValue<'ctx>)> {
        let b = self.b;
        let (p1, p2, p3) = (self.c(PIO2[0]), self.c(PIO2[1]), self.c(PIO2[2]));
        let (n, q) = self.round_by_magic(a, std::f64::consts::FRAC_2_PI)?;
        let nn = b.build_float_neg(n, "nn")?;
        let r1 = self.fma(nn, p1, a)?;
        let w_hi = b.build_float_mul(n, p2, "whi")?;
        let w_lo = self.fma_exact(n, p2, b.build_float_neg(w_hi, "nwhi")?)?;
        let cw_h = b.build_float_sub(r1, w_hi, "cwh")?;
        let cw_l = b.build_float_sub(b.build_float_sub(r1, cw_h, "d")?, w_hi, "d2")?;
        let cw_l = b.build_float_sub(cw_l, w_lo, "d3")?;
        let cw_l = self.fma(nn, p3, cw_l)?;
        Ok((cw_h, cw_l, q))
    }

    /// Cody–Waite in float32 for 0 <= a < [`FAST_LIMIT_F32`]: π/2 as three float32
    /// parts, each product subtracted by one fused rounding (the first exactly), so
    /// the reduced argument keeps float32's relative precision (no low part).
    fn cody_waite_f32(&self, a: FloatValue<'ctx>) -> Res<(FloatValue<'ctx>, IntValue<'ctx>)> {
        let (n, q) = self.round_by_magic(a, std::f64::consts::FRAC_2_PI)?;
        Ok((self.cody_waite_f32_by(a, n, 1.0)?, q))
    }

    /// a - n·(scale π/2) in float32 for n·scale an integer near a 2/π (|n·scale| <
    /// 2^16), scale a power of two (π/2's parts scaled exactly).
    fn cody_waite_f32_by(
        &self,
        a: FloatValue<'ctx>,
        n: FloatValue<'ctx>,
        scale: f64,
    ) -> Res<FloatValue<'ctx>> {
        // n·(-p), not (-n)·p: for n = +0 each product is -0 (the parts are positive),
        // which leaves a zero a as it is: sin(-0) = -0.
        let [p1, p2, p3] = pio2_f32_parts().map(|p| self.c(-(p as f64) * scale));
        let r = self.fma_exact(n, p1, a)?;
        let r = self.fma_exact(n, p2, r)?;
        self.fma_exact(n, p3, r)
    }

    /// Payne–Hanek reduction for a ≥ 2^20: a = M 2^s; M·(bits of 2/π that matter, from
    /// the table) = Σ (p_c + e_c) exactly (two-products), summed modulo 4 in double-double
    /// while the integer parts are peeled off into the quadrant.
    fn payne_hanek(
        &self,
        a: FloatValue<'ctx>,
    ) -> Res<(FloatValue<'ctx>, FloatValue<'ctx>, IntValue<'ctx>)> {
        let b = self.b;
        let bits = b.build_bit_cast(a, self.int_t(), "abits")?.into_int_value();
        let biased = b.build_right_shift(bits, self.ci(52), false, "be")?;
        let s = b.build_int_sub(biased, self.ci(1075), "s")?;
        let s = self.clamp_int(s, TABLE_MIN_S, TABLE_MAX_S)?;
        let row = b.build_int_mul(
            b.build_int_sub(s, self.ci(TABLE_MIN_S), "srow")?,
            self.ci(CHUNKS as i64),
            "row",
        )?;
        // M = 2^52 + mantissa, exactly: (1.mantissa) · 2^52 (no int → float convert).
        let mant = b.build_and(bits, self.ci((1i64 << 52) - 1), "mant")?;
        let one_m = b.build_or(mant, self.ci(1.0f64.to_bits() as i64), "onem")?;
        let one_m = b
            .build_bit_cast(one_m, self.ctx.f64_type(), "onemf")?
            .into_float_value();
        let m = b.build_float_mul(one_m, self.c(2f64.powi(52)), "m")?;
        let table = self.two_over_pi_table();
        let mut products = Vec::with_capacity(CHUNKS);
        for c in 0..CHUNKS {
            let index = b.build_int_add(row, self.ci(c as i64), "idx")?;
            let g = self.load_table(
                table,
                CHUNKS * (TABLE_MAX_S - TABLE_MIN_S + 1) as usize,
                index,
            )?;
            let p = b.build_float_mul(m, g, "p")?;
            let e = self.fma_exact(m, g, b.build_float_neg(p, "np")?)?;
            products.push((p, e));
        }
        let (p0, e0) = products[0];
        // p0 mod 4 (exact).
        let quarter =
            self.intrinsic("llvm.floor", &[b.build_float_mul(p0, self.c(0.25), "p4")?])?;
        let p0 = self.fma(quarter, self.c(-4.0), p0)?;
        let (h, l) = self.two_sum(p0, e0)?;
        let q0 = self.intrinsic("llvm.rint", &[h])?;
        let h = b.build_float_sub(h, q0, "h0")?;
        let (h, l2) = self.two_sum(h, products[1].0)?;
        let q1 = self.intrinsic("llvm.rint", &[h])?;
        let h = b.build_float_sub(h, q1, "h1")?;
        // The rest can cancel h down to about 2^-61 (the closest a double comes to a
        // multiple of π/2), so the terms near 2^-51 are added exactly and only the
        // rounding errors, near 2^-104, are summed plainly.
        let mut errors = vec![b.build_float_add(products[2].1, products[3].0, "tail")?];
        let mut h = h;
        for term in [l, l2, products[1].1, products[2].0] {
            let (s, e) = self.two_sum(h, term)?;
            h = s;
            errors.push(e);
        }
        let mut l = errors[0];
        for &e in &errors[1..] {
            l = b.build_float_add(l, e, "err")?;
        }
        let q2 = self.intrinsic("llvm.rint", &[h])?;
        let h = b.build_float_sub(h, q2, "h2")?;
        let (h, l) = self.two_sum(h, l)?;
        // (h + l) quarter turns → radians.
        let (pio2_h, pio2_l) = (self.c(PIO2[0]), self.c(PIO2[1]));
        let rh = b.build_float_mul(h, pio2_h, "rh")?;
        let rl = self.fma_exact(h, pio2_h, b.build_float_neg(rh, "nrh")?)?;
        let rl = self.fma(h, pio2_l, rl)?;
        let rl = self.fma(l, pio2_h, rl)?;
        let q = b.build_float_add(b.build_float_add(q0, q1, "q01")?, q2, "q")?;
        let q = self.int_of_float(q)?;
        Ok((rh, rl, q))
    }

    fn two_over_pi_table(&self) -> GlobalValue<'ctx> {
        self.constant_table("lazyfuse.payne_hanek", &payne_hanek_table())
    }
}
