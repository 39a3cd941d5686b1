//! Element types, scalar values and NumPy 2 type promotion (NEP 50).

use std::fmt;
use std::hash::Hash;
use std::str::FromStr;

use crate::error::IrError;

/// The element types lazyfuse supports.
///
/// The order is the promotion lattice's order within each kind (bool < signed ints <
/// unsigned ints < floats); [`promote`] holds NumPy's rules across kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`: one byte, 0 or 1.
    Bool,
    /// `int8`: two's complement, wrapping arithmetic.
    I8,
    /// `int16`: two's complement, wrapping arithmetic.
    I16,
    /// `int32`: two's complement, wrapping arithmetic.
    I32,
    /// `int64`: two's complement, wrapping arithmetic; the default integer.
    I64,
    /// `uint8`: unsigned, wrapping arithmetic.
    U8,
    /// `uint16`: unsigned, wrapping arithmetic.
    U16,
    /// `uint32`: unsigned, wrapping arithmetic.
    U32,
    /// `uint64`: unsigned, wrapping arithmetic.
    U64,
    /// `float16`: IEEE 754 binary16, stored as half and computed in float32 with each
    /// result rounded to half, as NumPy does.
    F16,
    /// `float32`: IEEE 754 binary32.
    F32,
    /// `float64`: IEEE 754 binary64; the default float.
    F64,
    /// `complex64`: two float32s, real part first.
    C64,
    /// `complex128`: two float64s, real part first; the default complex type.
    C128,
}

impl DType {
    /// Every dtype, in lattice order.
    pub const ALL: [DType; 14] = [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F16,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];

    /// The short name used by the textual IR (`bool`, `i8` ... `u64`, `f32`, `f64`).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "i8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::U8 => "u8",
            DType::U16 => "u16",
            DType::U32 => "u32",
            DType::U64 => "u64",
            DType::F16 => "f16",
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::C64 => "c64",
            DType::C128 => "c128",
        }
    }

    /// NumPy's name for this dtype (`bool`, `int8` ... `uint64`, `float32`, `float64`).
    pub fn numpy_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F16 => "float16",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::C64 => "complex64",
            DType::C128 => "complex128",
        }
    }

    /// Parses either the short name or NumPy's name.
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL
            .into_iter()
            .find(|d| d.name() == name || d.numpy_name() == name)
    }

    /// True for `f16`, `f32` and `f64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::F32 | DType::F64)
    }

    /// True for `c64` and `c128`.
    pub fn is_complex(self) -> bool {
        matches!(self, DType::C64 | DType::C128)
    }

    /// True for the float and complex types (NumPy's `inexact`).
    pub fn is_inexact(self) -> bool {
        self.is_float() || self.is_complex()
    }

    /// The dtype of one part of a complex type (`c64` -> `f32`); others map to themselves.
    pub fn real_part(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            d => d,
        }
    }

    /// The complex type whose parts hold this float type (`f16` and `f32` -> `c64`,
    /// `f64` -> `c128`); complex types map to themselves.
    pub fn complex_of(self) -> DType {
        match self.float_result() {
            DType::F16 | DType::F32 | DType::C64 => DType::C64,
            _ => DType::C128,
        }
    }

    /// True for every integer type, signed or unsigned (not bool).
    pub fn is_int(self) -> bool {
        self.is_signed() || self.is_unsigned()
    }

    /// True for the signed integer types.
    pub fn is_signed(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }

    /// True for the unsigned integer types.
    pub fn is_unsigned(self) -> bool {
        matches!(self, DType::U8 | DType::U16 | DType::U32 | DType::U64)
    }

    /// Size of one element in bytes.
    pub fn size_bytes(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 | DType::F16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 | DType::C64 => 8,
            DType::C128 => 16,
        }
    }

    /// Width in bits (bool counts as 8, its storage).
    pub fn bits(self) -> u32 {
        self.size_bytes() as u32 * 8
    }

    /// The integer type of a kind (signed or not) and width in bits.
    fn int_of(signed: bool, bits: u32) -> Option<DType> {
        DType::ALL.into_iter().find(|d| {
            d.bits() == bits
                && if signed {
                    d.is_signed()
                } else {
                    d.is_unsigned()
                }
        })
    }

    /// The float type NumPy computes float-valued functions of this type in
    /// (`sqrt`, `exp`, ...): the smallest float that holds every value (bool and 8-bit
    /// ints become `f16`, 16-bit ints `f32`, wider ints `f64`).
    pub fn float_result(self) -> DType {
        match self {
            DType::Bool | DType::I8 | DType::U8 | DType::F16 => DType::F16,
            DType::I16 | DType::U16 | DType::F32 => DType::F32,
            DType::I32 | DType::I64 | DType::U32 | DType::U64 | DType::F64 => DType::F64,
            DType::C64 | DType::C128 => self,
        }
    }

    /// The dtype NumPy sums and multiplies integers and bools in: the platform's
    /// `int64`, or `uint64` for unsigned types; floats keep theirs.
    pub fn accumulator(self) -> DType {
        match self {
            d if d.is_inexact() => d,
            d if d.is_unsigned() => DType::U64,
            _ => DType::I64,
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
    let (lo, hi) = (a.min(b), a.max(b));
    match (lo, hi) {
        (x, y) if x == y => x,
        (Bool, y) => y,
        // With a complex type: the complex type whose parts hold both.
        (x, y) if y.is_complex() => y.real_part().max(x.real_part().float_result()).complex_of(),
        // Same kind: the wider one.
        (x, y) if x.is_signed() == y.is_signed() && x.is_unsigned() == y.is_unsigned() => {
            if x.bits() >= y.bits() {
                x
            } else {
                y
            }
        }
        // Signed with unsigned: a signed type that holds both, float64 past 64 bits.
        (s, u) if s.is_signed() && u.is_unsigned() => {
            let bits = s.bits().max(2 * u.bits());
            DType::int_of(true, bits).unwrap_or(F64)
        }
        // An integer with a float: a float whose mantissa holds the integer's values.
        (i, f) => {
            debug_assert!(i.is_int() && f.is_float(), "{i} with {f}");
            f.max(i.float_result())
        }
    }
}

/// A signed integer dtype with uint64, either way round: the one integer pair whose
/// promoted type is float64. NumPy 2 still compares such a pair exactly (its `qQ->?`
/// loops), so comparisons take 128-bit integers, not the promoted type.
pub fn is_signed_with_u64(a: DType, b: DType) -> bool {
    (a.is_signed() && b == DType::U64) || (a == DType::U64 && b.is_signed())
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
    /// A complex literal.
    Complex,
}

impl WeakKind {
    /// The dtype a weak scalar gets on its own (NumPy's defaults).
    pub fn default_dtype(self) -> DType {
        match self {
            WeakKind::Bool => DType::Bool,
            WeakKind::Int => DType::I64,
            WeakKind::Float => DType::F64,
            WeakKind::Complex => DType::C128,
        }
    }
}

/// NEP 50: the result type of an array of dtype `array` combined with a weak scalar.
pub fn promote_weak(array: DType, weak: WeakKind) -> DType {
    match weak {
        WeakKind::Bool => array,
        WeakKind::Int if array == DType::Bool => DType::I64,
        WeakKind::Int => array,
        WeakKind::Float if array.is_inexact() => array,
        WeakKind::Float => DType::F64,
        WeakKind::Complex if array.is_inexact() => array.complex_of(),
        WeakKind::Complex => DType::C128,
    }
}

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
}
