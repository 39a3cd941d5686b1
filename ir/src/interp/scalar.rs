//! Scalar semantics of the elementwise ops, one function per (op family, type family).
//!
//! This is the definition the compiled code must match. Float ops follow NumPy (and
//! IEEE 754 via the platform libm); integer ops wrap on overflow and never trap:
//! division and remainder by zero give 0, `MIN / -1` gives `MIN`, reciprocal is NumPy's
//! float64 `1.0 / x` converted back, a negative integer power gives the truncated value
//! of `1 / x^n`, with 0 as reciprocal has it (NumPy raises there).

use half::f16;

use crate::op::{BinaryOp, UnaryOp};
use crate::value::Element;

/// Float element types (`f32`, `f64`).
pub(crate) trait Float: num_traits::Float + Element {
    fn erf(self) -> Self;
    fn round_even(self) -> Self;
    fn next_after(self, toward: Self) -> Self;
    /// The C library's asinh, acosh, atanh and cbrt (as NumPy and compiled kernels
    /// call them; Rust's own formulas differ in the last place).
    fn c_asinh(self) -> Self;
    fn c_acosh(self) -> Self;
    fn c_atanh(self) -> Self;
    fn c_cbrt(self) -> Self;
}

// The platform's C math library (linked by std on every target lazyfuse builds for).
extern "C" {
    fn asinh(x: f64) -> f64;
    fn acosh(x: f64) -> f64;
    fn atanh(x: f64) -> f64;
    fn cbrt(x: f64) -> f64;
    fn asinhf(x: f32) -> f32;
    fn acoshf(x: f32) -> f32;
    fn atanhf(x: f32) -> f32;
    fn cbrtf(x: f32) -> f32;
}

macro_rules! c_math {
    ($($method:ident => $f:ident),*) => {$(
        fn $method(self) -> Self {
            // SAFETY: pure C math functions, defined for every input (NaN outside
            // their domain).
            unsafe { $f(self) }
        }
    )*};
}

impl Float for f32 {
    c_math!(c_asinh => asinhf, c_acosh => acoshf, c_atanh => atanhf, c_cbrt => cbrtf);
    fn erf(self) -> Self {
        libm::erff(self)
    }
    fn round_even(self) -> Self {
        self.round_ties_even()
    }
    fn next_after(self, toward: Self) -> Self {
        libm::nextafterf(self, toward)
    }
}

impl Float for f64 {
    c_math!(c_asinh => asinh, c_acosh => acosh, c_atanh => atanh, c_cbrt => cbrt);
    fn erf(self) -> Self {
        libm::erf(self)
    }
    fn round_even(self) -> Self {
        self.round_ties_even()
    }
    fn next_after(self, toward: Self) -> Self {
        libm::nextafter(self, toward)
    }
}

/// Integer element types (`i8` ... `u64`) with NumPy's non-trapping semantics.
pub(crate) trait Int: Element + Ord {
    fn wrapping_add(self, o: Self) -> Self;
    fn wrapping_sub(self, o: Self) -> Self;
    fn wrapping_mul(self, o: Self) -> Self;
    fn wrapping_neg(self) -> Self;
    fn wrapping_abs(self) -> Self;
    fn signum(self) -> Self;
    fn floor_div(self, o: Self) -> Self;
    fn floor_rem(self, o: Self) -> Self;
    fn trunc_recip(self) -> Self;
    fn int_pow(self, exponent: Self) -> Self;
    /// `self ** exponent` for `exponent >= 0`, wrapping.
    fn pow_by_squaring(self, exponent: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    fn left_shift(self, o: Self) -> Self;
    fn right_shift(self, o: Self) -> Self;
    /// C's `%`: the remainder with the dividend's sign; 0 for a zero divisor (and for
    /// `MIN % -1`), as NumPy's `fmod` gives.
    fn c_rem(self, o: Self) -> Self;
    /// Every bit set.
    fn all_ones() -> Self;
    /// The magnitude as an unsigned value (`MIN`'s too: 2^(bits-1)).
    fn magnitude(self) -> u128;
    /// The low bits of `v`, as this type (wrapping).
    fn from_wide(v: u128) -> Self;
}

/// NumPy's gcd: Euclid on the magnitudes (gcd(MIN, 0) wraps back to MIN).
fn int_gcd<T: Int>(a: T, b: T) -> T {
    T::from_wide(gcd_wide(a.magnitude(), b.magnitude()))
}

fn gcd_wide(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// NumPy's lcm: |a| / gcd * |b|, wrapping; 0 when both are 0.
fn int_lcm<T: Int>(a: T, b: T) -> T {
    let (a, b) = (a.magnitude(), b.magnitude());
    match gcd_wide(a, b) {
        0 => T::from_wide(0),
        g => T::from_wide((a / g).wrapping_mul(b)),
    }
}

/// The methods of [`Int`] that read the same for signed and unsigned types.
macro_rules! shared_int_methods {
    ($t:ty) => {
        fn wrapping_add(self, o: Self) -> Self {
            <$t>::wrapping_add(self, o)
        }
        fn wrapping_sub(self, o: Self) -> Self {
            <$t>::wrapping_sub(self, o)
        }
        fn wrapping_mul(self, o: Self) -> Self {
            <$t>::wrapping_mul(self, o)
        }
        fn wrapping_neg(self) -> Self {
            <$t>::wrapping_neg(self)
        }
        fn and(self, o: Self) -> Self {
            self & o
        }
        fn or(self, o: Self) -> Self {
            self | o
        }
        fn xor(self, o: Self) -> Self {
            self ^ o
        }
        fn c_rem(self, o: Self) -> Self {
            self.checked_rem(o).unwrap_or(0)
        }
        fn from_wide(v: u128) -> Self {
            v as $t
        }
        fn pow_by_squaring(self, exponent: Self) -> Self {
            let (mut base, mut e, mut acc) = (self, exponent, 1 as $t);
            while e > 0 {
                if e & 1 == 1 {
                    acc = acc.wrapping_mul(base);
                }
                base = base.wrapping_mul(base);
                e >>= 1;
            }
            acc
        }
    };
}

macro_rules! signed_impl {
    ($t:ty) => {
        impl Int for $t {
            shared_int_methods!($t);
            fn wrapping_abs(self) -> Self {
                <$t>::wrapping_abs(self)
            }
            fn signum(self) -> Self {
                <$t>::signum(self)
            }
            fn floor_div(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                if o == -1 {
                    return self.wrapping_neg();
                }
                let q = self / o;
                if self % o != 0 && ((self < 0) != (o < 0)) {
                    q - 1
                } else {
                    q
                }
            }
            fn floor_rem(self, o: Self) -> Self {
                if o == 0 || o == -1 {
                    return 0;
                }
                let r = self % o;
                if r != 0 && ((r < 0) != (o < 0)) {
                    r + o
                } else {
                    r
                }
            }
            // NumPy computes 1.0 / x in float64 and converts: 1 / 0 is inf, which
            // x86's conversion makes the minimum at 32 and 64 bits (0 below, after the
            // int32 conversion wraps).
            fn trunc_recip(self) -> Self {
                match self {
                    0 if <$t>::BITS >= 32 => <$t>::MIN,
                    1 => 1,
                    -1 => -1,
                    _ => 0,
                }
            }
            fn int_pow(self, exponent: Self) -> Self {
                if exponent < 0 {
                    return match self {
                        1 => 1,
                        -1 if exponent % 2 == 0 => 1,
                        -1 => -1,
                        _ => self.trunc_recip(), // 1 / 0 as reciprocal gives it
                    };
                }
                self.pow_by_squaring(exponent)
            }
            fn all_ones() -> Self {
                -1
            }
            fn magnitude(self) -> u128 {
                self.unsigned_abs() as u128
            }
            // NumPy's npy_lshift/npy_rshift: a count outside [0, bits) shifts every bit
            // out (the sign bit fills a right shift).
            fn left_shift(self, o: Self) -> Self {
                if (0..<$t>::BITS as $t).contains(&o) {
                    self << o
                } else {
                    0
                }
            }
            fn right_shift(self, o: Self) -> Self {
                if (0..<$t>::BITS as $t).contains(&o) {
                    self >> o
                } else if self < 0 {
                    -1
                } else {
                    0
                }
            }
        }
    };
}

signed_impl!(i8);
signed_impl!(i16);
signed_impl!(i32);
signed_impl!(i64);

macro_rules! unsigned_impl {
    ($t:ty) => {
        impl Int for $t {
            shared_int_methods!($t);
            fn wrapping_abs(self) -> Self {
                self
            }
            fn signum(self) -> Self {
                (self > 0) as $t
            }
            fn floor_div(self, o: Self) -> Self {
                self.checked_div(o).unwrap_or(0)
            }
            fn floor_rem(self, o: Self) -> Self {
                self.checked_rem(o).unwrap_or(0)
            }
            fn trunc_recip(self) -> Self {
                (self == 1) as $t
            }
            fn int_pow(self, exponent: Self) -> Self {
                self.pow_by_squaring(exponent)
            }
            fn all_ones() -> Self {
                <$t>::MAX
            }
            fn magnitude(self) -> u128 {
                self as u128
            }
            fn left_shift(self, o: Self) -> Self {
                if o < <$t>::BITS as $t {
                    self << o
                } else {
                    0
                }
            }
            fn right_shift(self, o: Self) -> Self {
                if o < <$t>::BITS as $t {
                    self >> o
                } else {
                    0
                }
            }
        }
    };
}

unsigned_impl!(u8);
unsigned_impl!(u16);
unsigned_impl!(u32);
unsigned_impl!(u64);

/// An element type's unary and arithmetic binary functions, so that callers dispatch
/// once on the dtype ([`crate::with_value!`]) rather than once per type family.
pub(crate) trait Arith: Element {
    /// The function of a unary op that keeps the type.
    fn unary(op: UnaryOp) -> Box<dyn Fn(Self) -> Self>;
    /// The function of an arithmetic binary op (operands already promoted).
    fn binary(op: BinaryOp) -> Box<dyn Fn(Self, Self) -> Self>;
    /// A comparison (operands already promoted).
    fn compare(op: BinaryOp) -> fn(Self, Self) -> bool;
}

macro_rules! arith {
    ($unary:ident, $binary:ident, $compare:path: $($t:ty),*) => {$(
        impl Arith for $t {
            fn unary(op: UnaryOp) -> Box<dyn Fn(Self) -> Self> {
                Box::new($unary::<$t>(op))
            }
            fn binary(op: BinaryOp) -> Box<dyn Fn(Self, Self) -> Self> {
                Box::new($binary::<$t>(op))
            }
            fn compare(op: BinaryOp) -> fn(Self, Self) -> bool {
                $compare(op)
            }
        }
    )*};
}

arith!(int_unary, int_binary, compare: i8, i16, i32, i64, u8, u16, u32, u64);
arith!(float_unary, float_binary, compare: f32, f64);

impl<T: super::complex::Part> Arith for num_complex::Complex<T>
where
    num_complex::Complex<T>: Element,
{
    fn unary(op: UnaryOp) -> Box<dyn Fn(Self) -> Self> {
        super::complex::unary::<T>(op)
    }
    fn binary(op: BinaryOp) -> Box<dyn Fn(Self, Self) -> Self> {
        Box::new(super::complex::binary::<T>(op))
    }
    fn compare(op: BinaryOp) -> fn(Self, Self) -> bool {
        super::complex::compare::<T>(op)
    }
}

impl Arith for bool {
    fn unary(op: UnaryOp) -> Box<dyn Fn(bool) -> bool> {
        // Only invert (logical not), imag (false), the rounding functions, abs and
        // real (the identity) accept bool.
        match op {
            UnaryOp::Invert => Box::new(|v: bool| !v),
            UnaryOp::Imag => Box::new(|_| false),
            _ => Box::new(|v| v),
        }
    }
    fn binary(op: BinaryOp) -> Box<dyn Fn(bool, bool) -> bool> {
        Box::new(bool_binary(op))
    }
    fn compare(op: BinaryOp) -> fn(bool, bool) -> bool {
        compare(op)
    }
}

/// float16 computes in float32 and rounds each result to half, as NumPy's loops do
/// (for +, -, *, / and sqrt the double rounding is exact: float32 carries more than
/// twice half's precision).
impl Arith for f16 {
    fn unary(op: UnaryOp) -> Box<dyn Fn(f16) -> f16> {
        let f = float_unary::<f32>(op);
        Box::new(move |x| f16::from_f32(f(x.to_f32())))
    }
    fn compare(op: BinaryOp) -> fn(f16, f16) -> bool {
        compare(op)
    }
    fn binary(op: BinaryOp) -> Box<dyn Fn(f16, f16) -> f16> {
        if op == BinaryOp::Nextafter {
            return Box::new(half_nextafter); // a step in half, not in float32
        }
        let f = float_binary::<f32>(op);
        Box::new(move |x, y| f16::from_f32(f(x.to_f32(), y.to_f32())))
    }
}

/// NumPy's `npy_half_nextafter`: the neighbouring half of `x` toward `y` (NaN if
/// either is NaN; `x` itself if they are equal, so `nextafter(0.0, -0.0)` is `0.0`).
pub(crate) fn half_nextafter(x: f16, y: f16) -> f16 {
    if x.is_nan() || y.is_nan() {
        return f16::NAN;
    }
    if x == y {
        return x;
    }
    let (xb, yb) = (x.to_bits(), y.to_bits());
    let bits = if xb & 0x7fff == 0 {
        (yb & 0x8000) + 1 // the smallest subnormal, with y's sign
    } else if xb & 0x8000 == 0 {
        // x > 0: away from zero when y is larger (both positive), else toward it.
        if (xb as i16) > (yb as i16) {
            xb - 1
        } else {
            xb + 1
        }
    } else if yb & 0x8000 == 0 || (xb & 0x7fff) > (yb & 0x7fff) {
        xb - 1
    } else {
        xb + 1
    };
    f16::from_bits(bits)
}

/// NumPy's `sign` for floats: -1, 0 (for ±0) or 1; NaN stays NaN.
fn float_sign<T: Float>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else if x == T::zero() {
        T::zero()
    } else {
        x
    }
}

/// 1 / (1 + e^-x) without overflow for large |x|.
fn sigmoid<T: Float>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// The float function of a unary op whose result is a float of the operand's type.
pub(crate) fn float_unary<T: Float>(op: UnaryOp) -> fn(T) -> T {
    use UnaryOp::*;
    match op {
        Neg => |x: T| -x,
        Abs => |x: T| x.abs(),
        Sign => float_sign,
        Exp => |x: T| x.exp(),
        Expm1 => |x: T| x.exp_m1(),
        Log => |x: T| x.ln(),
        Log1p => |x: T| x.ln_1p(),
        Log2 => |x: T| x.log2(),
        Log10 => |x: T| x.log10(),
        Sqrt => |x: T| x.sqrt(),
        Square => |x: T| x * x,
        Reciprocal => |x: T| T::one() / x,
        Sin => |x: T| x.sin(),
        Cos => |x: T| x.cos(),
        Tan => |x: T| x.tan(),
        Arcsin => |x: T| x.asin(),
        Arccos => |x: T| x.acos(),
        Arctan => |x: T| x.atan(),
        Sinh => |x: T| x.sinh(),
        Cosh => |x: T| x.cosh(),
        Tanh => |x: T| x.tanh(),
        Floor => |x: T| x.floor(),
        Ceil => |x: T| x.ceil(),
        Round => |x: T| x.round_even(),
        Trunc => |x: T| x.trunc(),
        Sigmoid => sigmoid,
        Erf => |x: T| x.erf(),
        Arcsinh => |x: T| x.c_asinh(),
        Arccosh => |x: T| x.c_acosh(),
        Arctanh => |x: T| x.c_atanh(),
        Cbrt => |x: T| x.c_cbrt(),
        Conj | Real => |x: T| x,
        Imag => |_: T| T::zero(),
        IsNan | IsInf | IsFinite | LogicalNot | Signbit => unreachable!("predicates return bool"),
        Invert => unreachable!("the type rule rejects invert on floats"),
    }
}

/// The integer function of a unary op that keeps the integer type.
pub(crate) fn int_unary<T: Int>(op: UnaryOp) -> fn(T) -> T {
    use UnaryOp::*;
    match op {
        Neg => |x: T| x.wrapping_neg(),
        Abs => |x: T| x.wrapping_abs(),
        Sign => |x: T| x.signum(),
        Square => |x: T| x.wrapping_mul(x),
        Reciprocal => |x: T| x.trunc_recip(),
        Floor | Ceil | Round | Trunc | Conj | Real => |x: T| x,
        Imag => |_: T| T::from_wide(0),
        Invert => |x: T| x.xor(T::all_ones()),
        _ => unreachable!("the type rule sends {op:?} on integers to float"),
    }
}

/// NumPy's `npy_divmod` for floats: (floor quotient, remainder with the divisor's sign).
fn float_divmod<T: Float>(a: T, b: T) -> (T, T) {
    let mut m = a % b;
    if b == T::zero() {
        return (a / b, m);
    }
    let mut div = (a - m) / b;
    if m != T::zero() {
        if (b < T::zero()) != (m < T::zero()) {
            m = m + b;
            div = div - T::one();
        }
    } else {
        m = T::zero().copysign(b);
    }
    let floordiv = if div != T::zero() {
        let f = div.floor();
        if div - f > T::from(0.5).expect("0.5 is representable") {
            f + T::one()
        } else {
            f
        }
    } else {
        T::zero().copysign(a / b)
    };
    (floordiv, m)
}

fn nan_max<T: Float>(a: T, b: T) -> T {
    if a.is_nan() || a >= b {
        a
    } else {
        b
    }
}

fn nan_min<T: Float>(a: T, b: T) -> T {
    if a.is_nan() || a <= b {
        a
    } else {
        b
    }
}

/// The float function of an arithmetic binary op (operands already promoted).
pub(crate) fn float_binary<T: Float>(op: BinaryOp) -> fn(T, T) -> T {
    use BinaryOp::*;
    match op {
        Add => |a: T, b: T| a + b,
        Sub => |a: T, b: T| a - b,
        Mul => |a: T, b: T| a * b,
        Div => |a: T, b: T| a / b,
        FloorDiv => |a: T, b: T| {
            if b == T::zero() {
                a / b
            } else {
                float_divmod(a, b).0
            }
        },
        Rem => |a: T, b: T| {
            if b == T::zero() {
                a % b
            } else {
                float_divmod(a, b).1
            }
        },
        Pow => |a: T, b: T| a.powf(b),
        Maximum => |a: T, b: T| if b.is_nan() { b } else { nan_max(a, b) },
        Minimum => |a: T, b: T| if b.is_nan() { b } else { nan_min(a, b) },
        Arctan2 => |a: T, b: T| a.atan2(b),
        Copysign => |a: T, b: T| a.copysign(b),
        Fmod => |a: T, b: T| a % b,
        Nextafter => |a: T, b: T| a.next_after(b),
        _ => unreachable!("{op:?} is not arithmetic"),
    }
}

/// The integer function of an arithmetic binary op (operands already promoted).
pub(crate) fn int_binary<T: Int>(op: BinaryOp) -> fn(T, T) -> T {
    use BinaryOp::*;
    match op {
        Add => |a: T, b: T| a.wrapping_add(b),
        Sub => |a: T, b: T| a.wrapping_sub(b),
        Mul => |a: T, b: T| a.wrapping_mul(b),
        FloorDiv => |a: T, b: T| a.floor_div(b),
        Rem => |a: T, b: T| a.floor_rem(b),
        Pow => |a: T, b: T| a.int_pow(b),
        Maximum => |a: T, b: T| a.max(b),
        Minimum => |a: T, b: T| a.min(b),
        BitwiseAnd => |a: T, b: T| a.and(b),
        BitwiseOr => |a: T, b: T| a.or(b),
        BitwiseXor => |a: T, b: T| a.xor(b),
        LeftShift => |a: T, b: T| a.left_shift(b),
        RightShift => |a: T, b: T| a.right_shift(b),
        Fmod => |a: T, b: T| a.c_rem(b),
        Gcd => int_gcd,
        Lcm => int_lcm,
        // The type rule admits uint64 only, whose magnitude is its value.
        Philox => |a: T, b: T| {
            T::from_wide(crate::philox::philox(a.magnitude() as u64, b.magnitude() as u64).into())
        },
        _ => unreachable!("the type rule sends {op:?} on integers elsewhere"),
    }
}

/// The bool function of an arithmetic binary op on two bools.
pub(crate) fn bool_binary(op: BinaryOp) -> fn(bool, bool) -> bool {
    use BinaryOp::*;
    match op {
        Add | Maximum | BitwiseOr => |a, b| a | b,
        Mul | Minimum | BitwiseAnd => |a, b| a & b,
        BitwiseXor => |a, b| a ^ b,
        _ => unreachable!("the type rule rejects {op:?} on booleans"),
    }
}

/// A comparison (operands already promoted); IEEE semantics for NaN.
pub(crate) fn compare<T: PartialOrd>(op: BinaryOp) -> fn(T, T) -> bool {
    use BinaryOp::*;
    match op {
        Eq => |a, b| a == b,
        Ne => |a, b| a != b,
        Lt => |a, b| a < b,
        Le => |a, b| a <= b,
        Gt => |a, b| a > b,
        Ge => |a, b| a >= b,
        _ => unreachable!("{op:?} is not a comparison"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_never_traps_and_floors() {
        let fd = int_binary::<i64>(BinaryOp::FloorDiv);
        let rem = int_binary::<i64>(BinaryOp::Rem);
        assert_eq!(fd(7, -2), -4);
        assert_eq!(rem(7, -2), -1);
        assert_eq!(fd(-7, 2), -4);
        assert_eq!(rem(-7, 2), 1);
        assert_eq!(fd(5, 0), 0);
        assert_eq!(rem(5, 0), 0);
        assert_eq!(fd(i64::MIN, -1), i64::MIN);
        assert_eq!(rem(i64::MIN, -1), 0);
        let pow = int_binary::<i32>(BinaryOp::Pow);
        assert_eq!(pow(3, 4), 81);
        assert_eq!(pow(-1, -3), -1);
        assert_eq!(pow(2, -1), 0);
        assert_eq!(pow(2, 40), 0); // wraps like NumPy
    }

    #[test]
    fn float_floor_division_matches_numpy() {
        let fd = float_binary::<f64>(BinaryOp::FloorDiv);
        let rem = float_binary::<f64>(BinaryOp::Rem);
        assert_eq!(fd(7.5, -2.0), -4.0);
        assert_eq!(rem(7.5, -2.0), -0.5);
        assert_eq!(rem(-0.0, 3.0).to_bits(), 0.0f64.to_bits());
        assert!(fd(1.0, 0.0).is_infinite());
        assert!(rem(1.0, 0.0).is_nan());
        assert!(fd(f64::NAN, 2.0).is_nan());
    }

    #[test]
    fn maximum_propagates_nan_from_either_side() {
        let max = float_binary::<f64>(BinaryOp::Maximum);
        assert!(max(f64::NAN, 1.0).is_nan());
        assert!(max(1.0, f64::NAN).is_nan());
        assert_eq!(max(1.0, 2.0), 2.0);
    }
}
