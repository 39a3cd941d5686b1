//! Elementwise operations: methods, free functions and `std::ops` operators.
//!
//! Plain Rust numbers used as operands are *weak* scalars (NEP 50, as Python scalars
//! in NumPy 2): `x_f32 * 2.0` stays float32, `x_i32 + 1` stays int32, `x_i32 * 0.5`
//! becomes float64. Use [`Array::scalar`] for a scalar with a fixed dtype.

use std::ops;

use lazyfuse_ir::{
    promote_weak, BinaryOp, DType, IrError, Node, Op, Scalar, UnaryOp, Value, WeakKind,
};

use crate::array::Array;
use crate::error::Result;

/// A plain Rust number used as an operand: its dtype follows the other operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WeakScalar {
    /// A bool literal.
    Bool(bool),
    /// An integer literal (wide enough for every uint64 and int64 value).
    Int(i128),
    /// A float literal.
    Float(f64),
    /// A complex literal (real and imaginary parts).
    Complex(f64, f64),
}

impl WeakScalar {
    fn kind(self) -> WeakKind {
        match self {
            WeakScalar::Bool(_) => WeakKind::Bool,
            WeakScalar::Int(_) => WeakKind::Int,
            WeakScalar::Float(_) => WeakKind::Float,
            WeakScalar::Complex(..) => WeakKind::Complex,
        }
    }

    /// The 0-d operand this literal becomes next to an operand of dtype `other`.
    ///
    /// Most values become a 0-d *data* leaf: a run-time input of the kernel, not part of
    /// the program's structure, so a loop feeding a new value each iteration reuses one
    /// compiled kernel. The few values rewrite rules key on (`x ** 2`, `x * 1`, `x / 2`,
    /// ...) stay constants, so those rules still fire; they are a fixed handful, so they
    /// cannot grow the caches either.
    fn resolve(self, op: &'static str, other: DType) -> Result<Node, IrError> {
        let dtype = promote_weak(other, self.kind());
        let value = match self {
            WeakScalar::Bool(b) => Scalar::Bool(b).cast(dtype),
            WeakScalar::Int(i) => Scalar::from_weak_int_wide(op, i, dtype)?,
            WeakScalar::Float(f) => Scalar::F64(f).cast(dtype),
            WeakScalar::Complex(re, im) => {
                Scalar::C128(lazyfuse_ir::num_complex::Complex64::new(re, im)).cast(dtype)
            }
        };
        Ok(scalar_operand(value))
    }
}

/// A 0-d operand holding `value`: a constant if rewrite rules key on the value, else a
/// run-time data leaf (see [`WeakScalar::resolve`]).
pub(crate) fn scalar_operand(value: Scalar) -> Node {
    if is_rule_constant(value) {
        Node::constant(value)
    } else {
        Node::data(Value::from_scalar(value))
    }
}

/// Whether rewrite rules key on this value (identities, strength reduction of powers
/// and divisions): it stays a constant of the program rather than a run-time input.
fn is_rule_constant(value: Scalar) -> bool {
    match value {
        Scalar::Bool(_) => true,
        s => {
            let (v, im) = s.parts();
            im == 0.0 && [0.0, 1.0, -1.0, 2.0, 3.0, 0.5].contains(&v)
        }
    }
}

/// An operand of a binary operation: a lazy array or a weak scalar.
#[derive(Clone, Debug)]
pub enum Operand {
    /// A lazy array.
    Array(Array),
    /// A plain number.
    Weak(WeakScalar),
}

impl From<Array> for Operand {
    fn from(a: Array) -> Operand {
        Operand::Array(a)
    }
}

impl From<&Array> for Operand {
    fn from(a: &Array) -> Operand {
        Operand::Array(a.clone())
    }
}

macro_rules! weak_from {
    ($($t:ty => $variant:ident as $as:ty),*) => {$(
        impl From<$t> for Operand {
            fn from(v: $t) -> Operand {
                Operand::Weak(WeakScalar::$variant(v as $as))
            }
        }
    )*};
}

weak_from!(bool => Bool as bool, i32 => Int as i128, i64 => Int as i128, u64 => Int as i128, f32 => Float as f64, f64 => Float as f64);

impl Operand {
    fn into_array(self) -> Array {
        match self {
            Operand::Array(a) => a,
            Operand::Weak(w) => Array::from_result(w.resolve("asarray", w.kind().default_dtype())),
        }
    }
}

/// `op` applied to two operands, resolving weak scalars against the other side.
pub(crate) fn binary(op: BinaryOp, a: impl Into<Operand>, b: impl Into<Operand>) -> Array {
    let name = op.name();
    let (a, b) = match (a.into(), b.into()) {
        (Operand::Weak(x), Operand::Array(y)) => match y.node() {
            Ok(node) => (Array::from_result(x.resolve(name, node.dtype())), y),
            Err(e) => return Array { inner: Err(e) },
        },
        (Operand::Array(x), Operand::Weak(y)) => match x.node() {
            Ok(node) => {
                let y = Array::from_result(y.resolve(name, node.dtype()));
                (x, y)
            }
            Err(e) => return Array { inner: Err(e) },
        },
        (Operand::Weak(x), Operand::Weak(y)) => {
            let dtype = x.kind().max(y.kind()).default_dtype();
            (
                Array::from_result(x.resolve(name, dtype)),
                Array::from_result(y.resolve(name, dtype)),
            )
        }
        (x, y) => (x.into_array(), y.into_array()),
    };
    if op == BinaryOp::Pow {
        if let Some(root) = scalar_half_power(&a, &b) {
            return root;
        }
    }
    apply(Op::Binary(op), &[&a, &b])
}

/// NumPy's float power loop takes the square root when the exponent is one scalar
/// (a stride-0 operand) equal to 0.5. That differs from C's pow, the IR's `pow`, at
/// -inf (nan, not inf) and -0.0 (-0.0, not +0.0); `x ** 0.5` gives NumPy's answer.
fn scalar_half_power(base: &Array, exponent: &Array) -> Option<Array> {
    let (x, e) = (base.node().ok()?, exponent.node().ok()?);
    if e.known_scalar()?.as_f64() != 0.5 {
        return None;
    }
    let ty = Op::Binary(BinaryOp::Pow).infer(&[x.ty(), e.ty()]).ok()?;
    if !ty.dtype.is_float() || ty.shape != *x.shape() {
        return None;
    }
    Some(base.astype(ty.dtype).sqrt())
}

/// `op` applied to arrays, passing on the first error.
pub(crate) fn apply(op: Op, args: &[&Array]) -> Array {
    let nodes: Result<Vec<Node>> = args.iter().map(|a| a.node().cloned()).collect();
    match nodes {
        Ok(nodes) => Array::from_result(Node::apply(op, nodes)),
        Err(e) => Array { inner: Err(e) },
    }
}

macro_rules! unary_ops {
    ($($(#[$doc:meta])* $name:ident => $op:ident,)*) => {
        impl Array {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Array {
                    apply(Op::Unary(UnaryOp::$op), &[self])
                }
            )*
        }

        /// Free-function forms of the elementwise unary operations.
        pub mod unary_fns {
            use super::*;
            $(
                $(#[$doc])*
                pub fn $name(x: &Array) -> Array {
                    x.$name()
                }
            )*
        }
    };
}

unary_ops! {
    /// Elementwise `-x` (not for bool).
    negative => Neg,
    /// Elementwise absolute value.
    abs => Abs,
    /// Elementwise sign: -1, 0 or 1 (NaN stays NaN).
    sign => Sign,
    /// Elementwise e^x.
    exp => Exp,
    /// Elementwise e^x - 1.
    expm1 => Expm1,
    /// Elementwise natural logarithm.
    log => Log,
    /// Elementwise ln(1 + x).
    log1p => Log1p,
    /// Elementwise base-2 logarithm.
    log2 => Log2,
    /// Elementwise base-10 logarithm.
    log10 => Log10,
    /// Elementwise square root.
    sqrt => Sqrt,
    /// Elementwise x * x.
    square => Square,
    /// Elementwise 1 / x (truncating for integers; 0 for 0).
    reciprocal => Reciprocal,
    /// Elementwise sine.
    sin => Sin,
    /// Elementwise cosine.
    cos => Cos,
    /// Elementwise tangent.
    tan => Tan,
    /// Elementwise inverse sine.
    arcsin => Arcsin,
    /// Elementwise inverse cosine.
    arccos => Arccos,
    /// Elementwise inverse tangent.
    arctan => Arctan,
    /// Elementwise hyperbolic sine.
    sinh => Sinh,
    /// Elementwise hyperbolic cosine.
    cosh => Cosh,
    /// Elementwise hyperbolic tangent.
    tanh => Tanh,
    /// Elementwise floor.
    floor => Floor,
    /// Elementwise ceiling.
    ceil => Ceil,
    /// Elementwise round half to even.
    round => Round,
    /// Elementwise truncation toward zero.
    trunc => Trunc,
    /// Elementwise NaN test.
    isnan => IsNan,
    /// Elementwise ±inf test.
    isinf => IsInf,
    /// Elementwise finiteness test.
    isfinite => IsFinite,
    /// Elementwise `x == 0`.
    logical_not => LogicalNot,
    /// Elementwise logistic sigmoid 1 / (1 + e^-x).
    sigmoid => Sigmoid,
    /// Elementwise error function.
    erf => Erf,
    /// Elementwise inverse hyperbolic sine.
    arcsinh => Arcsinh,
    /// Elementwise inverse hyperbolic cosine.
    arccosh => Arccosh,
    /// Elementwise inverse hyperbolic tangent.
    arctanh => Arctanh,
    /// Elementwise cube root.
    cbrt => Cbrt,
    /// Elementwise sign-bit test (true for -0.0).
    signbit => Signbit,
    /// Elementwise bitwise not (integers), logical not (bool).
    invert => Invert,
}

macro_rules! binary_ops {
    ($($(#[$doc:meta])* $name:ident => $op:ident,)*) => {
        #[allow(clippy::should_implement_trait)]
        impl Array {
            $(
                $(#[$doc])*
                pub fn $name(&self, other: impl Into<Operand>) -> Array {
                    binary(BinaryOp::$op, self, other)
                }
            )*
        }

        /// Free-function forms of the elementwise binary operations.
        pub mod binary_fns {
            use super::*;
            $(
                $(#[$doc])*
                pub fn $name(a: impl Into<Operand>, b: impl Into<Operand>) -> Array {
                    binary(BinaryOp::$op, a, b)
                }
            )*
        }
    };
}

binary_ops! {
    /// Elementwise a + b (or for bool).
    add => Add,
    /// Elementwise a - b (not for bool).
    subtract => Sub,
    /// Elementwise a * b (and for bool).
    multiply => Mul,
    /// Elementwise true division (integers give float64).
    divide => Div,
    /// Elementwise floor division (NumPy `floor_divide`; integer division by 0 gives 0).
    floor_divide => FloorDiv,
    /// Elementwise remainder with the divisor's sign (NumPy `remainder`).
    remainder => Rem,
    /// Elementwise power.
    power => Pow,
    /// Elementwise maximum, NaN-propagating.
    maximum => Maximum,
    /// Elementwise minimum, NaN-propagating.
    minimum => Minimum,
    /// Elementwise atan2(a, b).
    arctan2 => Arctan2,
    /// Elementwise a == b.
    equal => Eq,
    /// Elementwise a != b.
    not_equal => Ne,
    /// Elementwise a < b.
    less => Lt,
    /// Elementwise a <= b.
    less_equal => Le,
    /// Elementwise a > b.
    greater => Gt,
    /// Elementwise a >= b.
    greater_equal => Ge,
    /// Elementwise logical and.
    logical_and => LogicalAnd,
    /// Elementwise logical or.
    logical_or => LogicalOr,
    /// Elementwise logical xor.
    logical_xor => LogicalXor,
    /// Elementwise bitwise and (integers, bool).
    bitwise_and => BitwiseAnd,
    /// Elementwise bitwise or (integers, bool).
    bitwise_or => BitwiseOr,
    /// Elementwise bitwise xor (integers, bool).
    bitwise_xor => BitwiseXor,
    /// Elementwise |a| with the sign of b.
    copysign => Copysign,
    /// Elementwise C `fmod` (the dividend's sign; integer division by 0 gives 0).
    fmod => Fmod,
    /// Elementwise next float after a toward b.
    nextafter => Nextafter,
    /// Elementwise greatest common divisor (integers).
    gcd => Gcd,
    /// Elementwise least common multiple (integers, wrapping).
    lcm => Lcm,
}

impl Array {
    /// NumPy `where(cond, a, b)`: `a` where `cond` is non-zero, else `b`.
    pub fn select(cond: &Array, a: impl Into<Operand>, b: impl Into<Operand>) -> Array {
        let (a, b) = (a.into(), b.into());
        // Weak scalars resolve against the other branch (or their defaults).
        let other_dtype = match (&a, &b) {
            (Operand::Weak(_), Operand::Array(arr)) | (Operand::Array(arr), Operand::Weak(_)) => {
                match arr.node() {
                    Ok(node) => Some(node.dtype()),
                    Err(e) => return Array { inner: Err(e) },
                }
            }
            _ => None,
        };
        let resolve = |o: Operand| match (o, other_dtype) {
            (Operand::Weak(w), Some(dtype)) => Array::from_result(w.resolve("where", dtype)),
            (o, _) => o.into_array(),
        };
        let (a, b) = (resolve(a), resolve(b));
        apply(Op::Where, &[cond, &a, &b])
    }

    /// Converts to `dtype` (see [`lazyfuse_ir::Value::cast`] for the rules).
    pub fn astype(&self, dtype: DType) -> Array {
        apply(Op::Cast(dtype), &[self])
    }
}

macro_rules! operator {
    ($trait:ident, $method:ident, $op:ident) => {
        impl<R: Into<Operand>> ops::$trait<R> for &Array {
            type Output = Array;
            fn $method(self, rhs: R) -> Array {
                binary(BinaryOp::$op, self, rhs)
            }
        }
        impl<R: Into<Operand>> ops::$trait<R> for Array {
            type Output = Array;
            fn $method(self, rhs: R) -> Array {
                binary(BinaryOp::$op, self, rhs)
            }
        }
        // One impl per kind, so a bare literal (`2 - x`, `0.5 * x`) infers its type.
        operator!(@scalars $trait, $method, $op, bool, i64, f64);
    };
    (@scalars $trait:ident, $method:ident, $op:ident, $($t:ty),*) => {$(
        impl ops::$trait<Array> for $t {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                binary(BinaryOp::$op, self, rhs)
            }
        }
        impl ops::$trait<&Array> for $t {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                binary(BinaryOp::$op, self, rhs)
            }
        }
    )*};
}

operator!(Add, add, Add);
operator!(Sub, sub, Sub);
operator!(Mul, mul, Mul);
operator!(Div, div, Div);
operator!(Rem, rem, Rem);
operator!(BitAnd, bitand, BitwiseAnd);
operator!(BitOr, bitor, BitwiseOr);
operator!(BitXor, bitxor, BitwiseXor);

impl ops::Neg for &Array {
    type Output = Array;
    fn neg(self) -> Array {
        self.negative()
    }
}

impl ops::Neg for Array {
    type Output = Array;
    fn neg(self) -> Array {
        self.negative()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32s(n: usize) -> Array {
        Array::from(ndarray::Array1::<f32>::zeros(n))
    }

    #[test]
    fn weak_scalars_keep_the_array_dtype() {
        assert_eq!((f32s(3) * 2.0).dtype().unwrap(), DType::F32);
        assert_eq!((2 - f32s(3)).dtype().unwrap(), DType::F32);
        let ints = Array::from(ndarray::Array1::<i32>::zeros(3));
        assert_eq!((&ints + 1).dtype().unwrap(), DType::I32);
        assert_eq!((&ints * 0.5).dtype().unwrap(), DType::F64);
        assert!((&ints + (1i64 << 40)).error().is_some());
    }

    #[test]
    fn a_scalar_half_power_is_numpys_square_root() {
        let x = Array::from(ndarray::arr1(&[f64::NEG_INFINITY, -0.0, 9.0, 2.0]));
        let bits = |a: Array| -> Vec<u64> {
            let v = a.eval().unwrap().to_scalars();
            v.iter().map(|s| s.as_f64().to_bits()).collect()
        };
        let root = bits(x.sqrt());
        assert!(f64::from_bits(root[0]).is_nan() && root[1] == (-0.0f64).to_bits());
        assert_eq!(bits(x.power(0.5)), root);
        let half = Array::from(ndarray::arr0(0.5f64));
        assert_eq!(bits(x.power(&half)), root);
        // An array of exponents is C's pow: (-inf) ** 0.5 is inf there.
        let halves = Array::from(ndarray::arr1(&[0.5f64; 4]));
        assert_eq!(bits(x.power(&halves))[0], f64::INFINITY.to_bits());
    }

    #[test]
    fn errors_propagate_through_chains() {
        let bad = f32s(3) + f32s(4);
        let err = bad.error().unwrap().to_string();
        assert_eq!(
            err,
            "add: operands could not be broadcast together with shapes (3,) (4,)"
        );
        let later = (bad * 2.0).exp().sum();
        assert_eq!(later.error().unwrap().to_string(), err);
    }
}
