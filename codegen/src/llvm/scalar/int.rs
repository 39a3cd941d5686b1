//! Integer arithmetic with NumPy's non-trapping semantics: wrapping, guarded division
//! and remainder, shifts, powers, and the unsigned forms.

use inkwell::builder::Builder;
use inkwell::types::IntType;
use inkwell::values::{BasicValueEnum, FunctionValue, IntValue};
use inkwell::IntPredicate;
use lazyfuse_ir::{BinaryOp, DType, UnaryOp};

use super::{Res, ScalarLowering};
use crate::error::CodegenError;

impl<'ctx> ScalarLowering<'_, 'ctx> {
    /// NumPy's integer reciprocal of 0: float64 1.0 / 0 = inf converted back, the
    /// minimum for signed 32- and 64-bit types (x86's conversion), 0 otherwise.
    pub(super) fn recip_of_zero(&self, d: DType) -> IntValue<'ctx> {
        if d.is_signed() && d.bits() >= 32 {
            self.iconst(d, lazyfuse_ir::int_range(d).0 as i64)
        } else {
            self.iconst(d, 0)
        }
    }

    /// abs, sign and reciprocal of an unsigned integer: x, x != 0, x == 1.
    pub(super) fn unsigned_unary(
        &self,
        op: UnaryOp,
        x: IntValue<'ctx>,
        out: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let b = self.builder;
        let pred = match op {
            UnaryOp::Abs => return Ok(x.into()),
            UnaryOp::Sign => (IntPredicate::NE, 0),
            _ => (IntPredicate::EQ, 1),
        };
        let c = b.build_int_compare(pred.0, x, self.iconst(out, pred.1), "c")?;
        Ok(b.build_int_z_extend(c, self.int_type(out), "u")?.into())
    }

    pub(super) fn int_binary(
        &self,
        op: BinaryOp,
        x: IntValue<'ctx>,
        y: IntValue<'ctx>,
        d: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        use BinaryOp::*;
        let b = self.builder;
        let zero = self.iconst(d, 0);
        let one = self.iconst(d, 1);
        let minus_one = self.iconst(d, -1);
        let signed = d.is_signed();
        Ok(match op {
            Add => b.build_int_add(x, y, "add")?.into(),
            Sub => b.build_int_sub(x, y, "sub")?.into(),
            Mul => b.build_int_mul(x, y, "mul")?.into(),
            Maximum | Minimum => {
                // x where x >= y (max) or x <= y (min), compared by signedness.
                let pred = match (op == Maximum, signed) {
                    (true, true) => IntPredicate::SGE,
                    (true, false) => IntPredicate::UGE,
                    (false, true) => IntPredicate::SLE,
                    (false, false) => IntPredicate::ULE,
                };
                let keep_x = b.build_int_compare(pred, x, y, "keep")?;
                b.build_select(keep_x, x, y, "extreme")?
            }
            BitwiseAnd => b.build_and(x, y, "and")?.into(),
            BitwiseOr => b.build_or(x, y, "or")?.into(),
            BitwiseXor => b.build_xor(x, y, "xor")?.into(),
            Fmod => {
                // C's remainder (the dividend's sign); divisors 0 and -1 (MIN % -1
                // overflows) give 0, as NumPy's fmod, and never reach the instruction.
                let is_zero = b.build_int_compare(IntPredicate::EQ, y, zero, "z")?;
                let special = if signed {
                    let is_m1 = b.build_int_compare(IntPredicate::EQ, y, minus_one, "m1")?;
                    b.build_or(is_zero, is_m1, "special")?
                } else {
                    is_zero
                };
                let safe = b.build_select(special, one, y, "safe")?.into_int_value();
                let r = if signed {
                    b.build_int_signed_rem(x, safe, "srem")?
                } else {
                    b.build_int_unsigned_rem(x, safe, "urem")?
                };
                b.build_select(special, zero, r, "fmod")?
            }
            FloorDiv | Rem if !signed => {
                // A zero divisor never reaches udiv/urem (it traps); the answer is 0.
                let is_zero = b.build_int_compare(IntPredicate::EQ, y, zero, "z")?;
                let safe = b.build_select(is_zero, one, y, "safe")?.into_int_value();
                let r = if op == FloorDiv {
                    b.build_int_unsigned_div(x, safe, "q")?
                } else {
                    b.build_int_unsigned_rem(x, safe, "r")?
                };
                b.build_select(is_zero, zero, r, "udivrem")?
            }
            FloorDiv | Rem => {
                // Divisors 0 and -1 never reach sdiv/srem (0 traps, MIN / -1 overflows).
                let is_zero = b.build_int_compare(IntPredicate::EQ, y, zero, "z")?;
                let is_m1 = b.build_int_compare(IntPredicate::EQ, y, minus_one, "m1")?;
                let special = b.build_or(is_zero, is_m1, "special")?;
                let safe = b.build_select(special, one, y, "safe")?.into_int_value();
                let q = b.build_int_signed_div(x, safe, "q")?;
                let r = b.build_int_signed_rem(x, safe, "r")?;
                let r_nz = b.build_int_compare(IntPredicate::NE, r, zero, "rnz")?;
                let r_neg = b.build_int_compare(IntPredicate::SLT, r, zero, "rneg")?;
                let y_neg = b.build_int_compare(IntPredicate::SLT, y, zero, "yneg")?;
                let differ = b.build_xor(r_neg, y_neg, "differ")?;
                let fix = b.build_and(r_nz, differ, "fix")?;
                if op == FloorDiv {
                    let q1 = b.build_int_sub(q, one, "q1")?;
                    let q = b.build_select(fix, q1, q, "qf")?.into_int_value();
                    let neg_x = b.build_int_sub(zero, x, "negx")?;
                    let q = b.build_select(is_m1, neg_x, q, "qm1")?.into_int_value();
                    b.build_select(is_zero, zero, q, "floordiv")?
                } else {
                    let r1 = b.build_int_add(r, y, "r1")?;
                    let r = b.build_select(fix, r1, r, "rf")?.into_int_value();
                    b.build_select(special, zero, r, "rem")?
                }
            }
            Pow => self.int_pow(x, y, d)?,
            Gcd | Lcm => self.gcd_lcm(op, x, y, d)?,
            LeftShift | RightShift => {
                // NumPy's shifts: a count outside [0, bits) (an unsigned compare) shifts
                // every bit out; LLVM's shl/ashr would give poison there, so the count
                // reaching them is clamped and the answer selected.
                let bits = self.iconst(d, x.get_type().get_bit_width() as i64);
                let in_range = b.build_int_compare(IntPredicate::ULT, y, bits, "inrange")?;
                let count = b.build_select(in_range, y, zero, "count")?.into_int_value();
                if op == LeftShift {
                    let shifted = b.build_left_shift(x, count, "shl")?;
                    b.build_select(in_range, shifted, zero, "lshift")?
                } else {
                    let shifted = b.build_right_shift(x, count, signed, "shr")?;
                    // Shifted out: the sign fills a signed value, zeros an unsigned one.
                    let negative = if signed {
                        b.build_int_compare(IntPredicate::SLT, x, zero, "neg")?
                    } else {
                        self.ctx.bool_type().const_zero()
                    };
                    let out = b
                        .build_select(negative, minus_one, zero, "out")?
                        .into_int_value();
                    b.build_select(in_range, shifted, out, "rshift")?
                }
            }
            Philox => self.philox(x, y)?.into(),
            _ => return Err(CodegenError::Internal(format!("{op:?} on integers"))),
        })
    }

    /// Philox4x32-10 of a uint64 counter under a uint64 key, as `lazyfuse_ir::philox`:
    /// the 32x32 -> 64 products are zero-extended multiplies, which vectorise (one
    /// `vpmuludq` per product on x86).
    fn philox(&self, counter: IntValue<'ctx>, key: IntValue<'ctx>) -> Res<IntValue<'ctx>> {
        use lazyfuse_ir::philox::{KEY_STEPS, MULTIPLIERS, ROUNDS};
        let b = self.builder;
        let (i32t, i64t) = (self.ctx.i32_type(), self.ctx.i64_type());
        let low = |v: IntValue<'ctx>| b.build_int_truncate(v, i32t, "lo");
        let high = |v: IntValue<'ctx>| {
            let shifted = b.build_right_shift(v, i64t.const_int(32, false), false, "hi64")?;
            b.build_int_truncate(shifted, i32t, "hi")
        };
        let (mut c0, mut c1) = (low(counter)?, high(counter)?);
        let (mut c2, mut c3) = (i32t.const_zero(), i32t.const_zero());
        let (mut k0, mut k1) = (low(key)?, high(key)?);
        let wide_mul = |m: u32, c: IntValue<'ctx>| {
            let c = b.build_int_z_extend(c, i64t, "cw")?;
            b.build_int_mul(c, i64t.const_int(u64::from(m), false), "p")
        };
        for round in 0..ROUNDS {
            if round > 0 {
                k0 = b.build_int_add(k0, i32t.const_int(u64::from(KEY_STEPS[0]), false), "k0")?;
                k1 = b.build_int_add(k1, i32t.const_int(u64::from(KEY_STEPS[1]), false), "k1")?;
            }
            let p0 = wide_mul(MULTIPLIERS[0], c0)?;
            let p1 = wide_mul(MULTIPLIERS[1], c2)?;
            let n0 = b.build_xor(b.build_xor(high(p1)?, c1, "x")?, k0, "n0")?;
            let n2 = b.build_xor(b.build_xor(high(p0)?, c3, "x")?, k1, "n2")?;
            (c0, c1, c2, c3) = (n0, low(p1)?, n2, low(p0)?);
        }
        let w0 = b.build_int_z_extend(c0, i64t, "w0")?;
        let w1 = b.build_int_z_extend(c1, i64t, "w1")?;
        let w1 = b.build_left_shift(w1, i64t.const_int(32, false), "w1s")?;
        Ok(b.build_or(w0, w1, "philox")?)
    }

    /// Integer power by squaring, wrapping; a negative exponent gives the truncated
    /// 1 / x^-n. A helper function per integer type, emitted once per module.
    pub(super) fn int_pow(
        &self,
        x: IntValue<'ctx>,
        y: IntValue<'ctx>,
        d: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let name = format!("lazyfuse.ipow.{}", d.name());
        let f = match self.module.get_function(&name) {
            Some(f) => f,
            None => self.emit_int_pow(&name, d)?,
        };
        self.call(f, &[x.into(), y.into()])
    }

    pub(super) fn emit_int_pow(&self, name: &str, d: DType) -> Res<FunctionValue<'ctx>> {
        let (f, b, t) = self.binary_helper(name, d);
        let entry = self.ctx.append_basic_block(f, "entry");
        let negative = self.ctx.append_basic_block(f, "negative");
        let head = self.ctx.append_basic_block(f, "head");
        let body = self.ctx.append_basic_block(f, "body");
        let done = self.ctx.append_basic_block(f, "done");
        let (x, e) = (
            f.get_nth_param(0).unwrap().into_int_value(),
            f.get_nth_param(1).unwrap().into_int_value(),
        );
        let c = |v: i64| t.const_int(v as u64, true);
        b.position_at_end(entry);
        let is_neg = if d.is_signed() {
            b.build_int_compare(IntPredicate::SLT, e, c(0), "neg")?
        } else {
            self.ctx.bool_type().const_zero()
        };
        b.build_conditional_branch(is_neg, negative, head)?;
        // Negative exponent: 1 for x == 1, ±1 for x == -1 by parity, reciprocal's
        // answer for 0, else 0.
        b.position_at_end(negative);
        let is_one = b.build_int_compare(IntPredicate::EQ, x, c(1), "one")?;
        let is_m1 = b.build_int_compare(IntPredicate::EQ, x, c(-1), "m1")?;
        let odd = b.build_and(e, c(1), "odd")?;
        let odd = b.build_int_compare(IntPredicate::NE, odd, c(0), "isodd")?;
        let m1_val = b.build_select(odd, c(-1), c(1), "m1v")?.into_int_value();
        let is_zero = b.build_int_compare(IntPredicate::EQ, x, c(0), "zero")?;
        let r = b
            .build_select(is_zero, self.recip_of_zero(d), c(0), "r0")?
            .into_int_value();
        let r = b.build_select(is_m1, m1_val, r, "r")?.into_int_value();
        let r = b.build_select(is_one, c(1), r, "r1")?;
        b.build_return(Some(&r))?;
        // Squaring loop.
        b.position_at_end(head);
        let acc = b.build_phi(t, "acc")?;
        let base = b.build_phi(t, "base")?;
        let exp = b.build_phi(t, "exp")?;
        // The exponent is not negative here: any bit left means more to do.
        let more = b.build_int_compare(
            IntPredicate::NE,
            exp.as_basic_value().into_int_value(),
            c(0),
            "more",
        )?;
        b.build_conditional_branch(more, body, done)?;
        b.position_at_end(body);
        let (accv, basev, expv) = (
            acc.as_basic_value().into_int_value(),
            base.as_basic_value().into_int_value(),
            exp.as_basic_value().into_int_value(),
        );
        let bit = b.build_and(expv, c(1), "bit")?;
        let bit = b.build_int_compare(IntPredicate::NE, bit, c(0), "isbit")?;
        let prod = b.build_int_mul(accv, basev, "prod")?;
        let acc_next = b.build_select(bit, prod, accv, "accn")?.into_int_value();
        let base_next = b.build_int_mul(basev, basev, "basen")?;
        let exp_next = b.build_right_shift(expv, c(1), false, "expn")?;
        b.build_unconditional_branch(head)?;
        acc.add_incoming(&[(&c(1), entry), (&acc_next, body)]);
        base.add_incoming(&[(&x, entry), (&base_next, body)]);
        exp.add_incoming(&[(&e, entry), (&exp_next, body)]);
        b.position_at_end(done);
        b.build_return(Some(&acc.as_basic_value()))?;
        Ok(f)
    }

    /// NumPy's gcd (Euclid on the magnitudes, unsigned) or lcm (|a| / gcd * |b|,
    /// wrapping; 0 for gcd 0), through a helper function per type, emitted once per
    /// module.
    fn gcd_lcm(
        &self,
        op: BinaryOp,
        x: IntValue<'ctx>,
        y: IntValue<'ctx>,
        d: DType,
    ) -> Res<BasicValueEnum<'ctx>> {
        let name = format!("lazyfuse.gcd.{}", d.name());
        let f = match self.module.get_function(&name) {
            Some(f) => f,
            None => self.emit_gcd(&name, d)?,
        };
        let b = self.builder;
        let (ax, ay) = (self.magnitude(x, d)?, self.magnitude(y, d)?);
        let g = self.call(f, &[ax.into(), ay.into()])?.into_int_value();
        if op == BinaryOp::Gcd {
            return Ok(g.into());
        }
        let zero = self.iconst(d, 0);
        let g_zero = b.build_int_compare(IntPredicate::EQ, g, zero, "gzero")?;
        let safe = b
            .build_select(g_zero, self.iconst(d, 1), g, "safe")?
            .into_int_value();
        let q = b.build_int_unsigned_div(ax, safe, "q")?;
        let l = b.build_int_mul(q, ay, "l")?;
        Ok(b.build_select(g_zero, zero, l, "lcm")?)
    }

    /// |x| as an unsigned bit pattern (MIN's is 2^(bits-1)).
    fn magnitude(&self, x: IntValue<'ctx>, d: DType) -> Res<IntValue<'ctx>> {
        if !d.is_signed() {
            return Ok(x);
        }
        let b = self.builder;
        let zero = self.iconst(d, 0);
        let neg = b.build_int_sub(zero, x, "neg")?;
        let is_neg = b.build_int_compare(IntPredicate::SLT, x, zero, "isneg")?;
        Ok(b.build_select(is_neg, neg, x, "mag")?.into_int_value())
    }

    fn emit_gcd(&self, name: &str, d: DType) -> Res<FunctionValue<'ctx>> {
        let (f, b, t) = self.binary_helper(name, d);
        let entry = self.ctx.append_basic_block(f, "entry");
        let head = self.ctx.append_basic_block(f, "head");
        let body = self.ctx.append_basic_block(f, "body");
        let done = self.ctx.append_basic_block(f, "done");
        let (x, y) = (
            f.get_nth_param(0).unwrap().into_int_value(),
            f.get_nth_param(1).unwrap().into_int_value(),
        );
        b.position_at_end(entry);
        b.build_unconditional_branch(head)?;
        // Euclid: (a, b) <- (b, a mod b) until b is 0; unsigned, so MIN's magnitude works.
        b.position_at_end(head);
        let a = b.build_phi(t, "a")?;
        let bb = b.build_phi(t, "b")?;
        let (av, bv) = (
            a.as_basic_value().into_int_value(),
            bb.as_basic_value().into_int_value(),
        );
        let more = b.build_int_compare(IntPredicate::NE, bv, t.const_zero(), "more")?;
        b.build_conditional_branch(more, body, done)?;
        b.position_at_end(body);
        let r = b.build_int_unsigned_rem(av, bv, "r")?;
        b.build_unconditional_branch(head)?;
        a.add_incoming(&[(&x, entry), (&bv, body)]);
        bb.add_incoming(&[(&y, entry), (&r, body)]);
        b.position_at_end(done);
        b.build_return(Some(&av))?;
        Ok(f)
    }

    /// A private function `name(t, t) -> t` over dtype `d`'s integer type, with a
    /// builder of its own (the caller's stays where it is).
    fn binary_helper(
        &self,
        name: &str,
        d: DType,
    ) -> (FunctionValue<'ctx>, Builder<'ctx>, IntType<'ctx>) {
        let t = self.int_type(d);
        let f = self.module.add_function(
            name,
            t.fn_type(&[t.into(), t.into()], false),
            Some(inkwell::module::Linkage::Private),
        );
        (f, self.ctx.create_builder(), t)
    }
}
