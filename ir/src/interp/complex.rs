//! Complex semantics, as NumPy's complex loops define them: arithmetic written out the
//! way NumPy writes it (Smith's division, products without C99's infinity recovery:
//! fused multiply-adds in elementwise products as NumPy's SIMD loops, plain ones in
//! powers and product reductions as its scalar code), order lexicographic with NumPy's NaN rules, and the transcendental
//! functions from the platform's C library (`cexp`, `clog`, ...), which NumPy calls too.
//!
//! Compiled kernels call the same C functions and [`pow`]'s integer-exponent path is
//! written out the same way there, so the two agree bit for bit.

use num_complex::{Complex, Complex32, Complex64};

use super::scalar::Float;
use crate::op::{BinaryOp, UnaryOp};

// The C library's complex functions (C99 <complex.h>; glibc has them all). A
// `double _Complex` travels as a struct of two doubles in the C ABI, as `Complex64`
// (`#[repr(C)]`) does.
extern "C" {
    fn cexp(z: Complex64) -> Complex64;
    fn clog(z: Complex64) -> Complex64;
    fn csqrt(z: Complex64) -> Complex64;
    fn csin(z: Complex64) -> Complex64;
    fn ccos(z: Complex64) -> Complex64;
    fn ctan(z: Complex64) -> Complex64;
    fn csinh(z: Complex64) -> Complex64;
    fn ccosh(z: Complex64) -> Complex64;
    fn ctanh(z: Complex64) -> Complex64;
    fn casin(z: Complex64) -> Complex64;
    fn cacos(z: Complex64) -> Complex64;
    fn catan(z: Complex64) -> Complex64;
    fn casinh(z: Complex64) -> Complex64;
    fn cacosh(z: Complex64) -> Complex64;
    fn catanh(z: Complex64) -> Complex64;
    fn cpow(a: Complex64, b: Complex64) -> Complex64;
    fn cexpf(z: Complex32) -> Complex32;
    fn clogf(z: Complex32) -> Complex32;
    fn csqrtf(z: Complex32) -> Complex32;
    fn csinf(z: Complex32) -> Complex32;
    fn ccosf(z: Complex32) -> Complex32;
    fn ctanf(z: Complex32) -> Complex32;
    fn csinhf(z: Complex32) -> Complex32;
    fn ccoshf(z: Complex32) -> Complex32;
    fn ctanhf(z: Complex32) -> Complex32;
    fn casinf(z: Complex32) -> Complex32;
    fn cacosf(z: Complex32) -> Complex32;
    fn catanf(z: Complex32) -> Complex32;
    fn casinhf(z: Complex32) -> Complex32;
    fn cacoshf(z: Complex32) -> Complex32;
    fn catanhf(z: Complex32) -> Complex32;
    fn cpowf(a: Complex32, b: Complex32) -> Complex32;
}

/// The C library's name of the complex function a unary op calls, if it calls one
/// (`cexp` ...; the `float` versions add `f`). Compiled kernels call the same.
pub fn c_function(op: UnaryOp) -> Option<&'static str> {
    use UnaryOp::*;
    Some(match op {
        Exp => "cexp",
        Log => "clog",
        Sqrt => "csqrt",
        Sin => "csin",
        Cos => "ccos",
        Tan => "ctan",
        Sinh => "csinh",
        Cosh => "ccosh",
        Tanh => "ctanh",
        Arcsin => "casin",
        Arccos => "cacos",
        Arctan => "catan",
        Arcsinh => "casinh",
        Arccosh => "cacosh",
        Arctanh => "catanh",
        _ => return None,
    })
}

/// The part type of a complex element type, with the C library's complex functions.
pub(crate) trait Part: Float {
    /// The C function `c_function(op)` names, applied to `z`.
    fn c_call(op: UnaryOp, z: Complex<Self>) -> Complex<Self>;
    /// C's `cpow`.
    fn c_pow(a: Complex<Self>, b: Complex<Self>) -> Complex<Self>;
}

macro_rules! part {
    ($t:ty, $pow:ident: $($op:ident => $f:ident),*) => {
        impl Part for $t {
            fn c_call(op: UnaryOp, z: Complex<$t>) -> Complex<$t> {
                // SAFETY: pure C math functions, defined for every input.
                unsafe {
                    match op {
                        $(UnaryOp::$op => $f(z),)*
                        _ => unreachable!("{op:?} calls no C function"),
                    }
                }
            }
            fn c_pow(a: Complex<$t>, b: Complex<$t>) -> Complex<$t> {
                // SAFETY: as above.
                unsafe { $pow(a, b) }
            }
        }
    };
}

part!(f64, cpow: Exp => cexp, Log => clog, Sqrt => csqrt, Sin => csin, Cos => ccos,
    Tan => ctan, Sinh => csinh, Cosh => ccosh, Tanh => ctanh, Arcsin => casin,
    Arccos => cacos, Arctan => catan, Arcsinh => casinh, Arccosh => cacosh,
    Arctanh => catanh);
part!(f32, cpowf: Exp => cexpf, Log => clogf, Sqrt => csqrtf, Sin => csinf, Cos => ccosf,
    Tan => ctanf, Sinh => csinhf, Cosh => ccoshf, Tanh => ctanhf, Arcsin => casinf,
    Arccos => cacosf, Arctan => catanf, Arcsinh => casinhf, Arccosh => cacoshf,
    Arctanh => catanhf);

fn c<T: Part>(re: T, im: T) -> Complex<T> {
    Complex::new(re, im)
}

fn constant<T: Part>(v: f64) -> T {
    T::from(v).expect("a representable constant")
}

/// `a * b` as NumPy's SIMD loops compute it: each part one fused multiply-add
/// (`fma(ar, br, -(ai bi))`, `fma(ar, bi, ai br)`), no recovery of infinities from NaN
/// parts.
pub(crate) fn mul<T: Part>(a: Complex<T>, b: Complex<T>) -> Complex<T> {
    c(
        a.re.mul_add(b.re, -(a.im * b.im)),
        a.re.mul_add(b.im, a.im * b.re),
    )
}

/// `a * b` as NumPy's scalar code computes it (its `pow` and its product reductions):
/// the textbook formula, each product rounded.
pub(crate) fn mul_plain<T: Part>(a: Complex<T>, b: Complex<T>) -> Complex<T> {
    c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

/// `a / b` by Smith's method, as NumPy's division loop: scaled by the larger part of
/// `b`, and by zero (giving infinities or NaN) when `b` is zero.
pub(crate) fn div<T: Part>(a: Complex<T>, b: Complex<T>) -> Complex<T> {
    let (br_abs, bi_abs) = (b.re.abs(), b.im.abs());
    if br_abs >= bi_abs {
        if br_abs == T::zero() && bi_abs == T::zero() {
            return c(a.re / br_abs, a.im / bi_abs);
        }
        let rat = b.im / b.re;
        let scl = T::one() / (b.re + b.im * rat);
        c((a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl)
    } else {
        let rat = b.re / b.im;
        let scl = T::one() / (b.im + b.re * rat);
        c((a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl)
    }
}

/// `1 / z`, as NumPy's reciprocal loop.
fn reciprocal<T: Part>(z: Complex<T>) -> Complex<T> {
    if z.im.abs() <= z.re.abs() {
        let r = z.im / z.re;
        let d = z.re + z.im * r;
        c(T::one() / d, -r / d)
    } else {
        let r = z.re / z.im;
        let d = z.re * r + z.im;
        c(r / d, -T::one() / d)
    }
}

/// NumPy 2's complex sign: `z / |z|`, 0 for 0, NaN for NaN parts and for two
/// infinite parts, the unit direction of the infinite part when one is.
fn sign<T: Part>(z: Complex<T>) -> Complex<T> {
    let abs = z.re.hypot(z.im);
    let one = T::one();
    let unit = |v: T| if v > T::zero() { one } else { -one };
    if abs.is_nan() {
        c(T::nan(), T::nan())
    } else if abs.is_infinite() {
        match (z.re.is_infinite(), z.im.is_infinite()) {
            (true, true) => c(T::nan(), T::nan()),
            (true, false) => c(unit(z.re), T::zero()),
            _ => c(T::zero(), unit(z.im)),
        }
    } else if abs == T::zero() {
        c(T::zero(), T::zero())
    } else {
        c(z.re / abs, z.im / abs)
    }
}

/// e^z - 1 with the real part free of cancellation near 0 (NumPy's formula).
fn expm1<T: Part>(z: Complex<T>) -> Complex<T> {
    let a = (z.im / constant(2.0)).sin();
    c(
        z.re.exp_m1() * z.im.cos() - constant::<T>(2.0) * a * a,
        z.re.exp() * z.im.sin(),
    )
}

/// ln(1 + z) accurate near 0: |1 + z|^2 - 1 = x(2 + x) + y^2 goes to log1p.
fn log1p<T: Part>(z: Complex<T>) -> Complex<T> {
    let (x, y) = (z.re, z.im);
    let near_one = x.abs() < constant(0.5) && y.abs() < constant(0.5);
    let re = if near_one {
        (x * (constant::<T>(2.0) + x) + y * y).ln_1p() / constant(2.0)
    } else {
        (x + T::one()).hypot(y).ln()
    };
    c(re, y.atan2(x + T::one()))
}

/// `a ** b` as NumPy's `nc_pow`: 1 for a zero exponent, 0 for a zero base under an
/// exponent of positive real part (else NaN), repeated (unfused)
/// products for integer exponents below 100 in magnitude, the C library's `cpow`
/// otherwise.
pub(crate) fn pow<T: Part>(a: Complex<T>, b: Complex<T>) -> Complex<T> {
    let zero = T::zero();
    if b.re == zero && b.im == zero {
        return c(T::one(), zero);
    }
    if a.re == zero && a.im == zero {
        return if b.re > zero {
            c(zero, zero)
        } else {
            c(T::nan(), T::nan())
        };
    }
    if b.im == zero {
        if let Some(n) = b.re.to_i64().filter(|&n| T::from(n) == Some(b.re)) {
            if n == 1 {
                return a;
            }
            if n == 2 {
                return mul_plain(a, a);
            }
            if n == 3 {
                return mul_plain(mul_plain(a, a), a);
            }
            if n > -100 && n < 100 {
                let (mut acc, mut p, mut e) = (c(T::one(), zero), a, n.unsigned_abs());
                loop {
                    if e & 1 == 1 {
                        acc = mul_plain(acc, p);
                    }
                    e >>= 1;
                    if e == 0 {
                        break;
                    }
                    p = mul_plain(p, p);
                }
                return if n < 0 {
                    div(c(T::one(), zero), acc)
                } else {
                    acc
                };
            }
        }
    }
    T::c_pow(a, b)
}

/// |z| as NumPy's SIMD absolute computes it: `larger * sqrt(ratio^2 + 1)` with the
/// square-plus-one fused, infinite for an infinite part, NaN for a NaN part otherwise.
pub(crate) fn abs<T: Part>(z: Complex<T>) -> T {
    let (re, im) = (z.re.abs(), z.im.abs());
    if re.is_infinite() || im.is_infinite() {
        return T::infinity();
    }
    if re.is_nan() || im.is_nan() {
        return T::nan();
    }
    let (larger, smaller) = if re >= im { (re, im) } else { (im, re) };
    let ratio = if larger == T::zero() {
        T::zero()
    } else {
        smaller / larger
    };
    larger * ratio.mul_add(ratio, T::one()).sqrt()
}

/// A complex array's real part, imaginary part or magnitude (`op` is real, imag or
/// abs), in the part's type.
pub(crate) fn to_real(op: UnaryOp, x: &crate::Value) -> crate::Value {
    fn parts<T: Part>(
        a: &ndarray::ArcArray<Complex<T>, ndarray::IxDyn>,
        op: UnaryOp,
    ) -> ndarray::ArrayD<T> {
        a.mapv(|z| match op {
            UnaryOp::Real => z.re,
            UnaryOp::Imag => z.im,
            _ => abs(z),
        })
    }
    match x {
        crate::Value::C64(a) => crate::Value::from_array(parts(a, op)),
        crate::Value::C128(a) => crate::Value::from_array(parts(a, op)),
        _ => unreachable!("to_real takes complex values"),
    }
}

/// Whether either part is NaN.
pub(crate) fn has_nan<T: Part>(z: Complex<T>) -> bool {
    z.re.is_nan() || z.im.is_nan()
}

/// NumPy's `CGE`: lexicographic `a >= b`, false when a NaN decides.
fn ge<T: Part>(a: Complex<T>, b: Complex<T>) -> bool {
    (a.re > b.re && !a.im.is_nan() && !b.im.is_nan()) || (a.re == b.re && a.im >= b.im)
}

fn gt<T: Part>(a: Complex<T>, b: Complex<T>) -> bool {
    (a.re > b.re && !a.im.is_nan() && !b.im.is_nan()) || (a.re == b.re && a.im > b.im)
}

/// A comparison of complex values: equality of both parts, order lexicographic.
pub(crate) fn compare<T: Part>(op: BinaryOp) -> fn(Complex<T>, Complex<T>) -> bool {
    use BinaryOp::*;
    match op {
        Eq => |a, b| a.re == b.re && a.im == b.im,
        Ne => |a, b| a.re != b.re || a.im != b.im,
        Lt => |a, b| gt(b, a),
        Le => |a, b| ge(b, a),
        Gt => gt,
        Ge => ge,
        _ => unreachable!("{op:?} is not a comparison"),
    }
}

/// The function of a unary op that keeps the complex type.
pub(crate) fn unary<T: Part>(op: UnaryOp) -> Box<dyn Fn(Complex<T>) -> Complex<T>> {
    use UnaryOp::*;
    if c_function(op).is_some() {
        return Box::new(move |z| T::c_call(op, z));
    }
    let log2e: T = constant(std::f64::consts::LOG2_E);
    let log10e: T = constant(std::f64::consts::LOG10_E);
    match op {
        Neg => Box::new(|z: Complex<T>| c(-z.re, -z.im)),
        Conj => Box::new(|z: Complex<T>| c(z.re, -z.im)),
        Sign => Box::new(sign),
        Square => Box::new(|z| mul(z, z)),
        Reciprocal => Box::new(reciprocal),
        Round => Box::new(|z: Complex<T>| c(z.re.round_even(), z.im.round_even())),
        Expm1 => Box::new(expm1),
        Log1p => Box::new(log1p),
        Log2 => Box::new(move |z| {
            let l = T::c_call(Log, z);
            c(l.re * log2e, l.im * log2e)
        }),
        Log10 => Box::new(move |z| {
            let l = T::c_call(Log, z);
            c(l.re * log10e, l.im * log10e)
        }),
        _ => unreachable!("the type rule rejects {op:?} on complex values"),
    }
}

/// The function of an arithmetic binary op on complex operands.
pub(crate) fn binary<T: Part>(op: BinaryOp) -> fn(Complex<T>, Complex<T>) -> Complex<T> {
    use BinaryOp::*;
    match op {
        Add => |a, b| c(a.re + b.re, a.im + b.im),
        Sub => |a, b| c(a.re - b.re, a.im - b.im),
        Mul => mul,
        Div => div,
        Pow => pow,
        // NumPy's maximum: the first operand if it holds a NaN or is not smaller.
        Maximum => |a, b| if has_nan(a) || ge(a, b) { a } else { b },
        Minimum => |a, b| if has_nan(a) || ge(b, a) { a } else { b },
        _ => unreachable!("the type rule rejects {op:?} on complex values"),
    }
}
