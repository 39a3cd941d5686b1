//! One value of a supported dtype (`Scalar`) and the single definition of conversion
//! between dtypes (`Scalar::cast`, NumPy's x86-64 conversions).

use std::fmt;
use std::hash::{Hash, Hasher};

use num_complex::{Complex32, Complex64};

use crate::dtype::DType;
use crate::error::IrError;

/// One value of one of the supported dtypes.
///
/// Equality and hashing compare floats by their bits, so `NaN == NaN` here and a
/// Program holding a NaN constant hashes stably.
#[derive(Clone, Copy, Debug)]
pub enum Scalar {
    /// A bool.
    Bool(bool),
    /// An int8.
    I8(i8),
    /// An int16.
    I16(i16),
    /// An int32.
    I32(i32),
    /// An int64.
    I64(i64),
    /// A uint8.
    U8(u8),
    /// A uint16.
    U16(u16),
    /// A uint32.
    U32(u32),
    /// A uint64.
    U64(u64),
    /// A float16.
    F16(half::f16),
    /// A float32.
    F32(f32),
    /// A float64.
    F64(f64),
    /// A complex64.
    C64(Complex32),
    /// A complex128.
    C128(Complex64),
}

/// Applies `$body` to the value inside a [`Scalar`] (bound as `$v`), whatever its type.
macro_rules! with_scalar {
    ($s:expr, $v:ident => $body:expr) => {
        match $s {
            Scalar::Bool($v) => $body,
            Scalar::I8($v) => $body,
            Scalar::I16($v) => $body,
            Scalar::I32($v) => $body,
            Scalar::I64($v) => $body,
            Scalar::U8($v) => $body,
            Scalar::U16($v) => $body,
            Scalar::U32($v) => $body,
            Scalar::U64($v) => $body,
            Scalar::F16($v) => $body,
            Scalar::F32($v) => $body,
            Scalar::F64($v) => $body,
            Scalar::C64($v) => $body,
            Scalar::C128($v) => $body,
        }
    };
}

impl Scalar {
    /// The dtype of this value.
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I8(_) => DType::I8,
            Scalar::I16(_) => DType::I16,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::U8(_) => DType::U8,
            Scalar::U16(_) => DType::U16,
            Scalar::U32(_) => DType::U32,
            Scalar::U64(_) => DType::U64,
            Scalar::F16(_) => DType::F16,
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
            Scalar::C64(_) => DType::C64,
            Scalar::C128(_) => DType::C128,
        }
    }

    /// An integer or bool value exactly; None for floats.
    fn as_i128(self) -> Option<i128> {
        match self {
            Scalar::Bool(b) => Some(b as i128),
            Scalar::F16(_) | Scalar::F32(_) | Scalar::F64(_) => None,
            Scalar::C64(_) | Scalar::C128(_) => None,
            Scalar::I8(v) => Some(v as i128),
            Scalar::I16(v) => Some(v as i128),
            Scalar::I32(v) => Some(v as i128),
            Scalar::I64(v) => Some(v as i128),
            Scalar::U8(v) => Some(v as i128),
            Scalar::U16(v) => Some(v as i128),
            Scalar::U32(v) => Some(v as i128),
            Scalar::U64(v) => Some(v as i128),
        }
    }

    /// The value as f64 (exact for everything but 64-bit integers beyond 2^53; the
    /// real part of a complex value).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::F16(v) => v.to_f64(),
            Scalar::F32(v) => v as f64,
            Scalar::F64(v) => v,
            Scalar::C64(v) => v.re as f64,
            Scalar::C128(v) => v.re,
            other => other.as_i128().expect("an integer") as f64,
        }
    }

    /// The value as i64, with float-to-int conversion truncating toward zero and
    /// saturating (NaN becomes 0), and uint64 wrapping (the real part of a complex value).
    pub fn as_i64(self) -> i64 {
        match self {
            Scalar::F16(v) => v.to_f64() as i64,
            Scalar::F32(v) => v as i64,
            Scalar::F64(v) => v as i64,
            Scalar::C64(v) => v.re as i64,
            Scalar::C128(v) => v.re as i64,
            other => other.as_i128().expect("an integer") as i64,
        }
    }

    /// Whether the value is non-zero (NaN is truthy, as in NumPy).
    pub fn truthy(self) -> bool {
        match self {
            Scalar::Bool(b) => b,
            Scalar::F16(v) => v.to_f32() != 0.0,
            Scalar::F32(v) => v != 0.0,
            Scalar::F64(v) => v != 0.0,
            Scalar::C64(v) => v.re != 0.0 || v.im != 0.0,
            Scalar::C128(v) => v.re != 0.0 || v.im != 0.0,
            other => other.as_i128() != Some(0),
        }
    }

    /// Converts to another dtype with `cast` semantics (see [`crate::Value::cast`]):
    /// integers wrap modulo 2^bits, integers to floats round to nearest, and floats to
    /// integers truncate toward zero as NumPy's compiled casts do on x86-64 (C's
    /// conversions, built from the `cvtt` instructions): through int32 for types of 32
    /// bits and less, int64 for 64 bits, wrapped to the target; uint32 and uint64 take
    /// values from 2^31 (2^63) up by subtracting that first. A value out of the range
    /// converted through, and NaN, gives that type's minimum (`cvtt`'s "indefinite").
    /// A complex value converts to a real type through its real part (NumPy warns that
    /// the imaginary part is discarded); a real value becomes the real part of a complex
    /// one, converted to the part's type.
    pub fn cast(self, to: DType) -> Scalar {
        if self.dtype().is_complex() {
            let (re, im) = self.parts();
            return match to {
                DType::Bool => Scalar::Bool(self.truthy()),
                DType::C64 => Scalar::C64(Complex32::new(re as f32, im as f32)),
                DType::C128 => Scalar::C128(Complex64::new(re, im)),
                // The real part, from its own precision (exact in f64 for complex64).
                _ if self.dtype() == DType::C64 => Scalar::F32(re as f32).cast(to),
                _ => Scalar::F64(re).cast(to),
            };
        }
        match to {
            DType::C64 => {
                let Scalar::F32(re) = self.cast(DType::F32) else {
                    unreachable!("cast returns the requested dtype")
                };
                return Scalar::C64(Complex32::new(re, 0.0));
            }
            DType::C128 => return Scalar::C128(Complex64::new(self.as_f64(), 0.0)),
            _ => {}
        }
        let float_to_int = |v: f64, to: DType| -> i128 {
            match to {
                DType::U32 if v >= TWO_31 => (cvtt32(v - TWO_31) as u32 ^ (1 << 31)) as i128,
                DType::U64 if v >= TWO_63 => (cvtt64(v - TWO_63) as u64 ^ (1 << 63)) as i128,
                DType::I64 | DType::U64 => cvtt64(v) as i128,
                _ => cvtt32(v) as i128,
            }
        };
        macro_rules! to_int {
            ($t:ty, $variant:ident) => {
                Scalar::$variant(match self {
                    Scalar::F16(v) => float_to_int(v.to_f64(), to) as $t,
                    Scalar::F32(v) => float_to_int(v as f64, to) as $t,
                    Scalar::F64(v) => float_to_int(v, to) as $t,
                    other => other.as_i128().expect("an integer") as $t,
                })
            };
        }
        match to {
            DType::Bool => Scalar::Bool(self.truthy()),
            DType::I8 => to_int!(i8, I8),
            DType::I16 => to_int!(i16, I16),
            DType::I32 => to_int!(i32, I32),
            DType::I64 => to_int!(i64, I64),
            DType::U8 => to_int!(u8, U8),
            DType::U16 => to_int!(u16, U16),
            DType::U32 => to_int!(u32, U32),
            DType::U64 => to_int!(u64, U64),
            // Correctly rounded from each source: half's f32 conversion rounds to
            // nearest even; f64 goes through f32 rounded to odd (half's own f64
            // conversion rounds twice); integers beyond f32's exact range are beyond
            // half's finite range too.
            DType::F16 => Scalar::F16(match self {
                Scalar::F16(v) => v,
                Scalar::F64(v) => half::f16::from_f32(f32_rounded_to_odd(v)),
                Scalar::F32(v) => half::f16::from_f32(v),
                other => half::f16::from_f32(other.as_i128().expect("an integer") as f32),
            }),
            DType::F32 => Scalar::F32(match self {
                Scalar::F16(v) => v.to_f32(),
                Scalar::F32(v) => v,
                Scalar::F64(v) => v as f32,
                // Straight from the integer: through f64 would round twice.
                other => other.as_i128().expect("an integer") as f32,
            }),
            DType::F64 => Scalar::F64(self.as_f64()),
            DType::C64 | DType::C128 => unreachable!("complex targets are handled above"),
        }
    }

    /// The real and imaginary parts as f64 (a real value's imaginary part is 0).
    pub fn parts(self) -> (f64, f64) {
        match self {
            Scalar::C64(v) => (v.re as f64, v.im as f64),
            Scalar::C128(v) => (v.re, v.im),
            real => (real.as_f64(), 0.0),
        }
    }

    /// A weak integer literal given the dtype it promotes to; errors when it does not
    /// fit (NumPy 2 raises `OverflowError` for `int32_array + 2**40`, `uint8_array - 1`).
    pub fn from_weak_int(op: &'static str, value: i64, dtype: DType) -> Result<Scalar, IrError> {
        Scalar::from_weak_int_wide(op, value as i128, dtype)
    }

    /// [`Scalar::from_weak_int`] for any Python integer up to 128 bits (a uint64
    /// operand may be as large as 2^64 - 1).
    pub fn from_weak_int_wide(
        op: &'static str,
        value: i128,
        dtype: DType,
    ) -> Result<Scalar, IrError> {
        let overflow = || IrError::Overflow {
            op,
            value: value.to_string(),
            dtype,
        };
        if dtype == DType::Bool {
            return Err(overflow());
        }
        if dtype.is_int() {
            let (lo, hi) = int_range(dtype);
            if value < lo || value > hi {
                return Err(overflow());
            }
        }
        Ok(match dtype {
            DType::F16 => Scalar::F16(half::f16::from_f32(value as f32)),
            DType::F32 => Scalar::F32(value as f32),
            DType::F64 => Scalar::F64(value as f64),
            DType::C64 => Scalar::C64(Complex32::new(value as f32, 0.0)),
            DType::C128 => Scalar::C128(Complex64::new(value as f64, 0.0)),
            d => Scalar::I64(value as i64).cast(d).with_u64(d, value),
        })
    }

    /// For uint64, the exact value (an i64 cannot hold the top half of the range).
    fn with_u64(self, dtype: DType, value: i128) -> Scalar {
        if dtype == DType::U64 {
            Scalar::U64(value as u64)
        } else {
            self
        }
    }

    /// Parses a literal of the given dtype, as the printer writes it.
    pub fn parse(text: &str, dtype: DType) -> Result<Scalar, String> {
        let bad = |e: &dyn fmt::Display| format!("invalid {dtype} literal `{text}`: {e}");
        macro_rules! num {
            ($variant:ident) => {
                Scalar::$variant(text.parse().map_err(|e| bad(&e))?)
            };
        }
        Ok(match dtype {
            DType::Bool => match text {
                "true" => Scalar::Bool(true),
                "false" => Scalar::Bool(false),
                _ => return Err(bad(&"expected true or false")),
            },
            DType::I8 => num!(I8),
            DType::I16 => num!(I16),
            DType::I32 => num!(I32),
            DType::I64 => num!(I64),
            DType::U8 => num!(U8),
            DType::U16 => num!(U16),
            DType::U32 => num!(U32),
            DType::U64 => num!(U64),
            DType::F16 => Scalar::F16(half::f16::from_f32(text.parse().map_err(|e| bad(&e))?)),
            DType::F32 => num!(F32),
            DType::F64 => num!(F64),
            DType::C64 | DType::C128 => {
                let (re, im) = split_complex(text).ok_or_else(|| bad(&"expected re+imj"))?;
                let part = |t: &str| t.parse::<f64>().map_err(|e| bad(&e));
                let (re, im) = if dtype == DType::C64 {
                    let part32 = |t: &str| t.parse::<f32>().map_err(|e| bad(&e));
                    return Ok(Scalar::C64(Complex32::new(part32(re)?, part32(im)?)));
                } else {
                    (part(re)?, part(im)?)
                };
                Scalar::C128(Complex64::new(re, im))
            }
        })
    }

    /// The value's bits, zero-extended, tagged by dtype (for equality, order, hashing);
    /// the second word is a complex value's imaginary part.
    fn bits(self) -> (DType, u64, u64) {
        let bits = match self {
            Scalar::F16(v) => (v.to_bits() as u64, 0),
            Scalar::F32(v) => (v.to_bits() as u64, 0),
            Scalar::F64(v) => (v.to_bits(), 0),
            Scalar::C64(v) => (v.re.to_bits() as u64, v.im.to_bits() as u64),
            Scalar::C128(v) => (v.re.to_bits(), v.im.to_bits()),
            other => {
                let mask = u64::MAX >> (64 - other.dtype().bits());
                ((other.as_i128().expect("an integer") as u64) & mask, 0)
            }
        };
        (self.dtype(), bits.0, bits.1)
    }
}

/// Splits `re+imj` (as [`Scalar`]'s `Display` writes complex values) into its parts'
/// texts: the sign before the imaginary part is the last one not opening the text nor
/// an exponent.
fn split_complex(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_suffix('j')?;
    let bytes = body.as_bytes();
    let at = (1..bytes.len())
        .rev()
        .find(|&i| matches!(bytes[i], b'+' | b'-') && !matches!(bytes[i - 1], b'e' | b'E'))?;
    let im = &body[at..];
    Some((&body[..at], im.strip_prefix('+').unwrap_or(im)))
}

const TWO_31: f64 = 2147483648.0;
const TWO_63: f64 = 9223372036854775808.0;

/// x86's `cvttsd2si` to 32 bits: truncation toward zero, `i32::MIN` out of range or NaN.
pub fn cvtt32(v: f64) -> i32 {
    if v > -TWO_31 - 1.0 && v < TWO_31 {
        v as i32
    } else {
        i32::MIN
    }
}

/// x86's `cvttsd2si` to 64 bits: truncation toward zero, `i64::MIN` out of range or NaN.
pub fn cvtt64(v: f64) -> i64 {
    if (-TWO_63..TWO_63).contains(&v) {
        v as i64
    } else {
        i64::MIN
    }
}

/// The smallest and largest value of an integer dtype.
pub fn int_range(dtype: DType) -> (i128, i128) {
    let bits = dtype.bits();
    if dtype.is_unsigned() {
        (0, (1i128 << bits) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
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
            // The half's value as the shortest f32 text, which parses back to it.
            Scalar::F16(v) => write!(f, "{:?}", v.to_f32()),
            Scalar::F32(v) => write!(f, "{v:?}"),
            Scalar::F64(v) => write!(f, "{v:?}"),
            Scalar::C64(v) => {
                write_complex(f, v.re as f64, v.im as f64, |x| format!("{:?}", x as f32))
            }
            Scalar::C128(v) => write_complex(f, v.re, v.im, |x| format!("{x:?}")),
            other => with_scalar!(other, v => write!(f, "{v}")),
        }
    }
}

/// `re+imj` (or `re-imj`), each part as `part` writes it.
fn write_complex(
    f: &mut fmt::Formatter<'_>,
    re: f64,
    im: f64,
    part: impl Fn(f64) -> String,
) -> fmt::Result {
    let im_text = part(im);
    let sign = if im_text.starts_with('-') { "" } else { "+" };
    write!(f, "{}{sign}{im_text}j", part(re))
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

scalar_from!(
    bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64,
    u8 => U8, u16 => U16, u32 => U32, u64 => U64, half::f16 => F16, f32 => F32, f64 => F64,
    Complex32 => C64, Complex64 => C128
);

/// `v` as f32 rounded to odd: truncated toward zero, the last bit set when inexact. A
/// further rounding to a narrower float (half) is then correct, where f32's rounding to
/// nearest followed by half's would round twice (2526.999999999999 would give 2528).
fn f32_rounded_to_odd(v: f64) -> f32 {
    let nearest = v as f32;
    if nearest.is_nan() || f64::from(nearest) == v {
        return nearest;
    }
    let mut bits = nearest.to_bits();
    if f64::from(nearest).abs() > v.abs() {
        bits -= 1; // one step toward zero (the magnitude's bits)
    }
    f32::from_bits(bits | 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_to_int_casts_match_numpy_on_x86_64() {
        // NumPy 2.x's answers (x86-64) for each value cast to each type.
        let values = [
            -1.0,
            -3e9,
            3e9,
            5e9,
            1e19,
            3e19,
            -1e19,
            f64::NAN,
            f64::INFINITY,
            300.0,
            -129.0,
        ];
        let want: [(DType, [i128; 11]); 5] = [
            (DType::U8, [255, 0, 0, 0, 0, 0, 0, 0, 0, 44, 127]),
            (
                DType::I32,
                [
                    -1,
                    -2147483648,
                    -2147483648,
                    -2147483648,
                    -2147483648,
                    -2147483648,
                    -2147483648,
                    -2147483648,
                    -2147483648,
                    300,
                    -129,
                ],
            ),
            (
                DType::U32,
                [
                    4294967295, 2147483648, 3000000000, 0, 0, 0, 2147483648, 2147483648, 0, 300,
                    4294967167,
                ],
            ),
            (
                DType::I64,
                [
                    -1,
                    -3000000000,
                    3000000000,
                    5000000000,
                    i64::MIN as i128,
                    i64::MIN as i128,
                    i64::MIN as i128,
                    i64::MIN as i128,
                    i64::MIN as i128,
                    300,
                    -129,
                ],
            ),
            (
                DType::U64,
                [
                    18446744073709551615,
                    18446744070709551616,
                    3000000000,
                    5000000000,
                    10000000000000000000,
                    0,
                    9223372036854775808,
                    9223372036854775808,
                    0,
                    300,
                    18446744073709551487,
                ],
            ),
        ];
        for (dtype, answers) in want {
            for (v, w) in values.iter().zip(answers) {
                let got = Scalar::F64(*v).cast(dtype).as_i128().unwrap();
                assert_eq!(got, w, "{v} as {dtype}");
            }
        }
    }

    #[test]
    fn float64_to_half_rounds_once() {
        // NumPy 2.x's bits for each value cast to float16: halfway cases, values just
        // off them (f32's rounding to nearest would make them halfway), the overflow
        // boundary and half's subnormal boundary.
        let cases: [(f64, u16); 15] = [
            (2526.999999999999, 0x68ef),
            (2527.000000000001, 0x68f0),
            (2527.0, 0x68f0),
            (2529.0, 0x68f0),
            (-2526.999999999999, 0xe8ef),
            (65519.99999999999, 0x7bff),
            (65520.0, 0x7c00),
            (2f64.powi(-25), 0x0000),
            (2f64.powi(-25) + 2f64.powi(-60), 0x0001),
            (2f64.powi(-25) - 2f64.powi(-60), 0x0000),
            (1e300, 0x7c00),
            (-1e-300, 0x8000),
            (0.1, 0x2e66),
            (1.0 / 3.0, 0x3555),
            (1.0 + 2f64.powi(-11) + 2f64.powi(-40), 0x3c01),
        ];
        for (v, want) in cases {
            let Scalar::F16(got) = Scalar::F64(v).cast(DType::F16) else {
                unreachable!("cast returns the requested dtype")
            };
            assert_eq!(got.to_bits(), want, "{v:e} as float16");
        }
        let Scalar::F16(nan) = Scalar::F64(f64::NAN).cast(DType::F16) else {
            unreachable!("cast returns the requested dtype")
        };
        assert!(nan.is_nan());
    }

    #[test]
    fn weak_int_overflow_is_an_error() {
        assert!(Scalar::from_weak_int("add", 1 << 40, DType::I32).is_err());
        assert!(Scalar::from_weak_int("sub", -1, DType::U8).is_err());
        assert!(Scalar::from_weak_int("add", 256, DType::U8).is_err());
        assert_eq!(
            Scalar::from_weak_int_wide("add", u64::MAX as i128, DType::U64).unwrap(),
            Scalar::U64(u64::MAX)
        );
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
            Scalar::I8(-128),
            Scalar::U64(u64::MAX),
            Scalar::U16(65535),
            Scalar::F16(half::f16::from_f32(0.1)),
            Scalar::F16(half::f16::NEG_INFINITY),
            Scalar::F16(half::f16::from_bits(1)),
            Scalar::Bool(true),
            Scalar::C128(Complex64::new(1.5, -2.0)),
            Scalar::C128(Complex64::new(-0.0, 1e-300)),
            Scalar::C128(Complex64::new(f64::NEG_INFINITY, f64::NAN)),
            Scalar::C64(Complex32::new(0.1, -1e-7)),
        ];
        for v in values {
            assert_eq!(Scalar::parse(&v.to_string(), v.dtype()).unwrap(), v, "{v}");
        }
    }
}
