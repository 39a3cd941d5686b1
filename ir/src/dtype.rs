//! Element types, scalar values and NumPy 2 type promotion (NEP 50).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::IrError;

/// The element types lazyfuse supports.
///
/// The order is the promotion lattice's order within each kind (bool < ints < floats).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`: one byte, 0 or 1.
    Bool,
    /// `int32`: two's complement, wrapping arithmetic.
    I32,
    /// `int64`: two's complement, wrapping arithmetic; the default integer.
    I64,
    /// `float32`: IEEE 754 binary32.
    F32,
    /// `float64`: IEEE 754 binary64; the default float.
    F64,
}

impl DType {
    /// Every dtype, in lattice order.
    pub const ALL: [DType; 5] = [DType::Bool, DType::I32, DType::I64, DType::F32, DType::F64];

    /// The short name used by the textual IR (`bool`, `i32`, `i64`, `f32`, `f64`).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::F32 => "f32",
            DType::F64 => "f64",
        }
    }

    /// NumPy's name for this dtype (`bool`, `int32`, `int64`, `float32`, `float64`).
    pub fn numpy_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// Parses either the short name or NumPy's name.
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL
            .into_iter()
            .find(|d| d.name() == name || d.numpy_name() == name)
    }

    /// True for `f32` and `f64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// True for the signed integer types.
    pub fn is_int(self) -> bool {
        matches!(self, DType::I32 | DType::I64)
    }

    /// Size of one element in bytes.
    pub fn size_bytes(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    /// The float type NumPy computes float-valued functions of this type in
    /// (`sqrt`, `exp`, true division ...): ints become `f64`.
    ///
    /// `bool` has no such type here: NumPy answers `float16`, which lazyfuse does not
    /// support, so the caller reports the dtype as unsupported.
    pub fn float_result(self) -> Option<DType> {
        match self {
            DType::Bool => None,
            DType::I32 | DType::I64 => Some(DType::F64),
            DType::F32 => Some(DType::F32),
            DType::F64 => Some(DType::F64),
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DType {
    type Err = IrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DType::from_name(s).ok_or_else(|| IrError::parse(0, format!("unknown dtype `{s}`")))
    }
}

/// NumPy 2's result type of two array dtypes (`np.result_type(a, b)`).
pub fn promote(a: DType, b: DType) -> DType {
    use DType::*;
    match (a.min(b), a.max(b)) {
        (x, y) if x == y => x,
        (Bool, y) => y,
        (I32, I64) => I64,
        // Integers mixed with a float need a float that holds them: float64,
        // except that NumPy keeps float32 only for small ints, which we do not have.
        (I32 | I64, F32 | F64) => F64,
        (F32, F64) => F64,
        _ => unreachable!("promotion table is symmetric and total"),
    }
}

/// The kind of a Python (or plain Rust) scalar: a *weak* type under NEP 50, which takes
/// the array's dtype when it is of the same or a lower kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WeakKind {
    /// `True` / `false`.
    Bool,
    /// An integer literal.
    Int,
    /// A float literal.
    Float,
}

impl WeakKind {
    /// The dtype a weak scalar gets on its own (NumPy's defaults).
    pub fn default_dtype(self) -> DType {
        match self {
            WeakKind::Bool => DType::Bool,
            WeakKind::Int => DType::I64,
            WeakKind::Float => DType::F64,
        }
    }
}

/// NEP 50: the result type of an array of dtype `array` combined with a weak scalar.
pub fn promote_weak(array: DType, weak: WeakKind) -> DType {
    match weak {
        WeakKind::Bool => array,
        WeakKind::Int if array == DType::Bool => DType::I64,
        WeakKind::Int => array,
        WeakKind::Float if array.is_float() => array,
        WeakKind::Float => DType::F64,
    }
}

/// One value of one of the supported dtypes.
///
/// Equality and hashing compare floats by their bits, so `NaN == NaN` here and a
/// Program holding a NaN constant hashes stably.
#[derive(Clone, Copy, Debug)]
pub enum Scalar {
    /// A bool.
    Bool(bool),
    /// An int32.
    I32(i32),
    /// An int64.
    I64(i64),
    /// A float32.
    F32(f32),
    /// A float64.
    F64(f64),
}

impl Scalar {
    /// The dtype of this value.
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
        }
    }

    /// The value as f64 (exact for everything but int64 beyond 2^53).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::I32(v) => v as f64,
            Scalar::I64(v) => v as f64,
            Scalar::F32(v) => v as f64,
            Scalar::F64(v) => v,
        }
    }

    /// The value as i64, with float-to-int conversion truncating toward zero and
    /// saturating (NaN becomes 0).
    pub fn as_i64(self) -> i64 {
        match self {
            Scalar::Bool(b) => b as i64,
            Scalar::I32(v) => v as i64,
            Scalar::I64(v) => v,
            Scalar::F32(v) => v as i64,
            Scalar::F64(v) => v as i64,
        }
    }

    /// Whether the value is non-zero (NaN is truthy, as in NumPy).
    pub fn truthy(self) -> bool {
        match self {
            Scalar::Bool(b) => b,
            Scalar::I32(v) => v != 0,
            Scalar::I64(v) => v != 0,
            Scalar::F32(v) => v != 0.0,
            Scalar::F64(v) => v != 0.0,
        }
    }

    /// Converts to another dtype with `cast` semantics (see [`crate::Value::cast`]).
    pub fn cast(self, to: DType) -> Scalar {
        match to {
            DType::Bool => Scalar::Bool(self.truthy()),
            DType::I32 => Scalar::I32(match self {
                Scalar::I64(v) => v as i32,
                Scalar::F32(v) => v as i32,
                Scalar::F64(v) => v as i32,
                other => other.as_i64() as i32,
            }),
            DType::I64 => Scalar::I64(self.as_i64()),
            DType::F32 => Scalar::F32(match self {
                Scalar::F64(v) => v as f32,
                Scalar::I64(v) => v as f32,
                other => other.as_f64() as f32,
            }),
            DType::F64 => Scalar::F64(self.as_f64()),
        }
    }

    /// A weak integer literal given the dtype it promotes to; errors when it does not
    /// fit (NumPy 2 raises `OverflowError` for `int32_array + 2**40`).
    pub fn from_weak_int(op: &'static str, value: i64, dtype: DType) -> Result<Scalar, IrError> {
        match dtype {
            DType::I32 => i32::try_from(value)
                .map(Scalar::I32)
                .map_err(|_| IrError::Overflow {
                    op,
                    value: value.to_string(),
                    dtype,
                }),
            DType::Bool => Err(IrError::Overflow {
                op,
                value: value.to_string(),
                dtype,
            }),
            _ => Ok(Scalar::I64(value).cast(dtype)),
        }
    }

    /// Parses a literal of the given dtype, as the printer writes it.
    pub fn parse(text: &str, dtype: DType) -> Result<Scalar, String> {
        let bad = |e: &dyn fmt::Display| format!("invalid {dtype} literal `{text}`: {e}");
        Ok(match dtype {
            DType::Bool => match text {
                "true" => Scalar::Bool(true),
                "false" => Scalar::Bool(false),
                _ => return Err(bad(&"expected true or false")),
            },
            DType::I32 => Scalar::I32(text.parse().map_err(|e| bad(&e))?),
            DType::I64 => Scalar::I64(text.parse().map_err(|e| bad(&e))?),
            DType::F32 => Scalar::F32(text.parse().map_err(|e| bad(&e))?),
            DType::F64 => Scalar::F64(text.parse().map_err(|e| bad(&e))?),
        })
    }

    fn bits(self) -> (u8, u64) {
        match self {
            Scalar::Bool(b) => (0, b as u64),
            Scalar::I32(v) => (1, v as u32 as u64),
            Scalar::I64(v) => (2, v as u64),
            Scalar::F32(v) => (3, v.to_bits() as u64),
            Scalar::F64(v) => (4, v.to_bits()),
        }
    }
}

impl PartialEq for Scalar {
    fn eq(&self, other: &Self) -> bool {
        self.bits() == other.bits()
    }
}

impl Eq for Scalar {}

/// A total order by dtype, then bits (so Programs and e-graph nodes can be sorted
/// deterministically); not numeric order.
impl PartialOrd for Scalar {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scalar {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bits().cmp(&other.bits())
    }
}

impl Hash for Scalar {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bits().hash(state)
    }
}

/// Prints the literal so that [`Scalar::parse`] with the same dtype gives it back
/// exactly (shortest round-trip float formatting; `NaN`, `inf`, `-inf`, `-0.0`).
impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::I32(v) => write!(f, "{v}"),
            Scalar::I64(v) => write!(f, "{v}"),
            Scalar::F32(v) => write!(f, "{v:?}"),
            Scalar::F64(v) => write!(f, "{v:?}"),
        }
    }
}

macro_rules! scalar_from {
    ($($t:ty => $variant:ident),*) => {$(
        impl From<$t> for Scalar {
            fn from(v: $t) -> Scalar {
                Scalar::$variant(v)
            }
        }
    )*};
}

scalar_from!(bool => Bool, i32 => I32, i64 => I64, f32 => F32, f64 => F64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_is_symmetric_and_idempotent() {
        for a in DType::ALL {
            assert_eq!(promote(a, a), a);
            for b in DType::ALL {
                assert_eq!(promote(a, b), promote(b, a));
            }
        }
    }

    #[test]
    fn weak_scalars_follow_nep50() {
        assert_eq!(promote_weak(DType::F32, WeakKind::Float), DType::F32);
        assert_eq!(promote_weak(DType::I32, WeakKind::Int), DType::I32);
        assert_eq!(promote_weak(DType::I32, WeakKind::Float), DType::F64);
        assert_eq!(promote_weak(DType::Bool, WeakKind::Int), DType::I64);
        assert_eq!(promote_weak(DType::Bool, WeakKind::Bool), DType::Bool);
    }

    #[test]
    fn weak_int_overflow_is_an_error() {
        assert!(Scalar::from_weak_int("add", 1 << 40, DType::I32).is_err());
        assert_eq!(
            Scalar::from_weak_int("add", 7, DType::F32).unwrap(),
            Scalar::F32(7.0)
        );
    }

    #[test]
    fn literals_round_trip() {
        let values = [
            Scalar::F64(0.1),
            Scalar::F64(-0.0),
            Scalar::F64(f64::NAN),
            Scalar::F64(f64::NEG_INFINITY),
            Scalar::F64(5e-324),
            Scalar::F32(0.1),
            Scalar::F32(f32::MAX),
            Scalar::I64(i64::MIN),
            Scalar::I32(-7),
            Scalar::Bool(true),
        ];
        for v in values {
            assert_eq!(Scalar::parse(&v.to_string(), v.dtype()).unwrap(), v, "{v}");
        }
    }
}
