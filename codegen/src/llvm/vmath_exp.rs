//! exp and the exponentials built on it (a part of `vmath.rs`): e^x, e^(x + tail) for
//! pow's double-double argument, and its form for results known to be normal.

use inkwell::values::FloatValue;
use inkwell::FloatPredicate;

use super::vmath::{Math, Res};
use super::vmath_tables::{EXP32_TAIL, EXP_TAIL};

impl<'a, 'ctx> Math<'a, 'ctx> {
    /// e^x: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite), e^r by a near-minimax
    /// polynomial (degree 11 for f64, 6 for f32; `EXP_TAIL`), then scaled by 2^n (see [`Math::exp_of_sum`]).
    pub(crate) fn exp(&self, x: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        self.exp_of_sum(x, None)
    }

    /// e^(x + tail) for a small `tail` (the low part of a double-double argument): the
    /// tail joins the reduced argument before the polynomial, so the result is rounded
    /// once (pow's results that are representable, 8^-3 say, come out exact).
    ///
    /// n = rint(x/ln2) comes from the magic-number sum t = x·log2(e) + 1.5·2^p, whose low
    /// bits hold n, so n << p is ready to add to the exponent field. The scale is split
    /// as 2^(n - k)·2^k with k = ±K (K = 64 for float32, 512 for float64, by n's sign):
    /// the first factor is an exact exponent add, and the one multiplication by 2^k
    /// rounds overflow to infinity and underflow to subnormals or zero by itself. x is
    /// clamped first so n stays small; NaN is restored by a select. About 24 vector
    /// instructions per float32 vector, against 36 with a float scale in two factors.
    pub(crate) fn exp_of_sum(
        &self,
        x: FloatValue<'ctx>,
        tail: Option<FloatValue<'ctx>>,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        // Beyond these, e^x is 0 or infinite whatever the tail (and n fits the trick).
        let (lo_limit, hi_limit, k) = if self.f64() {
            (-746.0, 710.0, 512)
        } else {
            (-104.0, 89.0, 64)
        };
        let mantissa_bits = self.mantissa_bits();
        let clamped = self.intrinsic(
            "llvm.minnum",
            &[
                self.intrinsic("llvm.maxnum", &[x, self.c(lo_limit)])?,
                self.c(hi_limit),
            ],
        )?;
        let (n, n_field, r) = self.reduce_by_ln2_magic(clamped)?;
        let r = match tail {
            // Out of range the tail may be anything (inf - inf from an overflowed
            // product): the clamped x alone decides.
            Some(t) => {
                let inside = self.fcmp(FloatPredicate::OEQ, x, clamped)?;
                b.build_float_add(r, self.select(inside, t, self.c(0.0))?, "rt")?
            }
            None => r,
        };
        let p = self.exp_poly(r)?;
        let positive = self.fcmp(FloatPredicate::OGT, n, self.c(0.0))?;
        let k_field = b
            .build_select(
                positive,
                self.ci(-k << mantissa_bits),
                self.ci(k << mantissa_bits),
                "kf",
            )?
            .into_int_value();
        let p_bits = b.build_bit_cast(p, self.int_t(), "pb")?.into_int_value();
        let scaled_bits = b.build_int_add(p_bits, b.build_int_add(n_field, k_field, "s")?, "yb")?;
        let scaled = b
            .build_bit_cast(scaled_bits, p.get_type(), "ys")?
            .into_float_value();
        let two_k = self.select(
            positive,
            self.c(2f64.powi(k as i32)),
            self.c(2f64.powi(-k as i32)),
        )?;
        let y = b.build_float_mul(scaled, two_k, "y")?;
        let nan = self.fcmp(FloatPredicate::UNO, x, x)?;
        self.select(nan, x, y)
    }

    /// e^r for |r| <= ln2/2 (a little beyond, for a tail): 1 + r + r² Q(r), Q a
    /// near-minimax fit (degree 11 in all for float64, 6 for float32: two and one fused
    /// multiply-adds fewer than Taylor's for a smaller error).
    fn exp_poly(&self, r: FloatValue<'ctx>) -> Res<FloatValue<'ctx>> {
        let tail: &[f64] = if self.f64() { &EXP_TAIL } else { &EXP32_TAIL };
        // Q by Estrin (short dependency chain), 1 + r (1 + r Q) by Horner (rounded
        // last, so the leading terms keep their precision).
        let q = self.poly(r, tail)?;
        let p = self.fma(q, r, self.c(1.0))?;
        self.fma(p, r, self.c(1.0))
    }

    /// [`Math::exp_of_sum`] where its result is known to be a normal number (x not NaN,
    /// and e^(x + tail) between the smallest normal and the largest finite float):
    /// the same bits with neither clamp nor NaN select, and the scale by 2^n as one
    /// exponent add (exact for a normal result, as the general path's two factors are).
    pub(crate) fn exp_of_sum_normal(
        &self,
        x: FloatValue<'ctx>,
        tail: FloatValue<'ctx>,
    ) -> Res<FloatValue<'ctx>> {
        let b = self.b;
        let (_, n_field, r) = self.reduce_by_ln2_magic(x)?;
        let p = self.exp_poly(b.build_float_add(r, tail, "rt")?)?;
        let p_bits = b.build_bit_cast(p, self.int_t(), "pb")?.into_int_value();
        self.float_of_bits(b.build_int_add(p_bits, n_field, "yb")?)
    }
}
