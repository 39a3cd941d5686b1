//! Run-time array data: one shared, possibly strided ndarray of one of the dtypes.

use ndarray::{ArcArray, ArrayD, IxDyn};
use num_complex::{Complex32, Complex64};

use crate::dtype::DType;
use crate::error::IrError;
use crate::scalar::Scalar;
use crate::shape::{Shape, TensorType};

/// Array data bound to an input slot or produced by evaluation.
///
/// Cloning shares the buffer. Inputs may be strided or reversed views of someone
/// else's buffer (`ArcArray` keeps it alive); nothing is copied to bind them.
#[derive(Clone, Debug)]
pub enum Value {
    /// bool data.
    Bool(ArcArray<bool, IxDyn>),
    /// int8 data.
    I8(ArcArray<i8, IxDyn>),
    /// int16 data.
    I16(ArcArray<i16, IxDyn>),
    /// int32 data.
    I32(ArcArray<i32, IxDyn>),
    /// int64 data.
    I64(ArcArray<i64, IxDyn>),
    /// uint8 data.
    U8(ArcArray<u8, IxDyn>),
    /// uint16 data.
    U16(ArcArray<u16, IxDyn>),
    /// uint32 data.
    U32(ArcArray<u32, IxDyn>),
    /// uint64 data.
    U64(ArcArray<u64, IxDyn>),
    /// float16 data.
    F16(ArcArray<half::f16, IxDyn>),
    /// float32 data.
    F32(ArcArray<f32, IxDyn>),
    /// float64 data.
    F64(ArcArray<f64, IxDyn>),
    /// complex64 data.
    C64(ArcArray<Complex32, IxDyn>),
    /// complex128 data.
    C128(ArcArray<Complex64, IxDyn>),
}

/// Applies `$body` to the array inside a [`Value`], whatever its element type.
#[macro_export]
#[doc(hidden)]
macro_rules! with_value {
    ($value:expr, $arr:ident => $body:expr) => {
        match $value {
            $crate::Value::Bool($arr) => $body,
            $crate::Value::I8($arr) => $body,
            $crate::Value::I16($arr) => $body,
            $crate::Value::I32($arr) => $body,
            $crate::Value::I64($arr) => $body,
            $crate::Value::U8($arr) => $body,
            $crate::Value::U16($arr) => $body,
            $crate::Value::U32($arr) => $body,
            $crate::Value::U64($arr) => $body,
            $crate::Value::F16($arr) => $body,
            $crate::Value::F32($arr) => $body,
            $crate::Value::F64($arr) => $body,
            $crate::Value::C64($arr) => $body,
            $crate::Value::C128($arr) => $body,
        }
    };
}

/// Runs `$body` with `$t` the Rust element type of a [`DType`](crate::DType).
#[macro_export]
#[doc(hidden)]
macro_rules! with_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            $crate::DType::Bool => {
                type $t = bool;
                $body
            }
            $crate::DType::I8 => {
                type $t = i8;
                $body
            }
            $crate::DType::I16 => {
                type $t = i16;
                $body
            }
            $crate::DType::I32 => {
                type $t = i32;
                $body
            }
            $crate::DType::I64 => {
                type $t = i64;
                $body
            }
            $crate::DType::U8 => {
                type $t = u8;
                $body
            }
            $crate::DType::U16 => {
                type $t = u16;
                $body
            }
            $crate::DType::U32 => {
                type $t = u32;
                $body
            }
            $crate::DType::U64 => {
                type $t = u64;
                $body
            }
            $crate::DType::F16 => {
                type $t = $crate::half::f16;
                $body
            }
            $crate::DType::F32 => {
                type $t = f32;
                $body
            }
            $crate::DType::F64 => {
                type $t = f64;
                $body
            }
            $crate::DType::C64 => {
                type $t = $crate::num_complex::Complex32;
                $body
            }
            $crate::DType::C128 => {
                type $t = $crate::num_complex::Complex64;
                $body
            }
        }
    };
}

mod sealed {
    pub trait Sealed {}
}

/// The Rust element types of the supported dtypes (`bool`, `i8` ... `u64`, `f16`, `f32`,
/// `f64`, `Complex32`, `Complex64`).
pub trait Element:
    Copy + Send + Sync + std::fmt::Debug + PartialEq + Default + 'static + sealed::Sealed
{
    /// This type's dtype.
    const DTYPE: DType;
    /// Wraps an array of this type.
    fn wrap(array: ArcArray<Self, IxDyn>) -> Value;
    /// The array inside `value` if it holds this type.
    fn unwrap(value: &Value) -> Option<&ArcArray<Self, IxDyn>>;
    /// The array `value` holds if it holds this type (moved out: its storage is not
    /// shared with a copy left behind).
    fn take(value: Value) -> Option<ArcArray<Self, IxDyn>>;
    /// A scalar converted to this type (`cast` semantics).
    fn from_scalar(s: Scalar) -> Self;
    /// This value as a scalar.
    fn to_scalar(self) -> Scalar;
}

macro_rules! element {
    ($t:ty, $variant:ident) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn wrap(array: ArcArray<Self, IxDyn>) -> Value {
                Value::$variant(array)
            }
            fn unwrap(value: &Value) -> Option<&ArcArray<Self, IxDyn>> {
                match value {
                    Value::$variant(a) => Some(a),
                    _ => None,
                }
            }
            fn take(value: Value) -> Option<ArcArray<Self, IxDyn>> {
                match value {
                    Value::$variant(a) => Some(a),
                    _ => None,
                }
            }
            fn from_scalar(s: Scalar) -> Self {
                match s.cast(DType::$variant) {
                    Scalar::$variant(v) => v,
                    _ => unreachable!("cast returns the requested dtype"),
                }
            }
            fn to_scalar(self) -> Scalar {
                Scalar::$variant(self)
            }
        }
    };
}

element!(bool, Bool);
element!(i8, I8);
element!(i16, I16);
element!(i32, I32);
element!(i64, I64);
element!(u8, U8);
element!(u16, U16);
element!(u32, U32);
element!(u64, U64);
element!(half::f16, F16);
element!(f32, F32);
element!(f64, F64);
element!(Complex32, C64);
element!(Complex64, C128);

impl Value {
    /// A C-ordered copy of the strided elements starting `offset` elements from `ptr`.
    ///
    /// # Safety
    /// `ptr` must be aligned for `dtype` and every element reachable through `shape`
    /// and `strides` readable and initialised (bool: a byte of 0 or 1).
    pub unsafe fn gather(
        ptr: *const u8,
        dtype: crate::DType,
        offset: isize,
        strides: &[isize],
        shape: &[usize],
    ) -> Value {
        unsafe fn typed<T: Element>(
            ptr: *const T,
            offset: isize,
            strides: &[isize],
            shape: &[usize],
        ) -> Value {
            let len: usize = shape.iter().product();
            let mut data = Vec::with_capacity(len);
            if len > 0 {
                // Row by row (the last axis), the outer axes counted like an odometer:
                // a contiguous row is one copy, and no index is built per element.
                let (row, row_stride) = match shape.last() {
                    Some(&n) => (n, strides[shape.len() - 1]),
                    None => (1, 0),
                };
                let outer = shape.len().saturating_sub(1);
                let mut index = vec![0usize; outer];
                let mut at = offset;
                'rows: loop {
                    // SAFETY: the caller vouches for every reachable element.
                    unsafe {
                        if row_stride == 1 {
                            data.extend_from_slice(std::slice::from_raw_parts(ptr.offset(at), row));
                        } else {
                            for j in 0..row as isize {
                                data.push(*ptr.offset(at + j * row_stride));
                            }
                        }
                    }
                    let mut k = outer;
                    loop {
                        if k == 0 {
                            break 'rows;
                        }
                        k -= 1;
                        index[k] += 1;
                        at += strides[k];
                        if index[k] < shape[k] {
                            break;
                        }
                        at -= strides[k] * shape[k] as isize;
                        index[k] = 0;
                    }
                }
            }
            Value::from_array(
                ArrayD::from_shape_vec(ndarray::IxDyn(shape), data).expect("one element per index"),
            )
        }
        // SAFETY: forwarded from the caller.
        unsafe { crate::with_dtype!(dtype, T => typed(ptr as *const T, offset, strides, shape)) }
    }

    /// Wraps an owned ndarray of any supported element type (no copy).
    pub fn from_array<T: Element>(array: ArrayD<T>) -> Value {
        T::wrap(array.into_shared())
    }

    /// A 0-d array holding `s`.
    pub fn from_scalar(s: Scalar) -> Value {
        crate::with_dtype!(s.dtype(), T => Value::from_array(ArrayD::from_elem(IxDyn(&[]), T::from_scalar(s))))
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        fn of<T: Element>(_: &ArcArray<T, IxDyn>) -> DType {
            T::DTYPE
        }
        with_value!(self, a => of(a))
    }

    /// The extents.
    pub fn shape(&self) -> &[usize] {
        with_value!(self, a => a.shape())
    }

    /// dtype and shape.
    pub fn ty(&self) -> TensorType {
        TensorType::new(self.dtype(), Shape::from(self.shape()))
    }

    /// The array if it holds `T`; an error naming both dtypes otherwise.
    pub fn as_array<T: Element>(&self) -> Result<&ArcArray<T, IxDyn>, IrError> {
        T::unwrap(self).ok_or_else(|| IrError::Binding {
            message: format!(
                "expected {} data, found {}",
                T::DTYPE.numpy_name(),
                self.dtype().numpy_name()
            ),
        })
    }

    /// The data as an owned ndarray of `T` (no copy when not shared).
    pub fn into_array<T: Element>(self) -> Result<ArrayD<T>, IrError> {
        self.as_array::<T>()?;
        Ok(T::take(self).expect("checked to hold T").into_owned())
    }

    /// An array of type `ty` from its elements in C order (each converted to the dtype
    /// with `cast` semantics).
    pub fn from_scalars(ty: &TensorType, data: &[Scalar]) -> Result<Value, IrError> {
        fn build<T: Element>(ty: &TensorType, data: &[Scalar]) -> Result<Value, IrError> {
            let values: Vec<T> = data.iter().map(|&s| T::from_scalar(s)).collect();
            ArrayD::from_shape_vec(IxDyn(ty.shape.dims()), values)
                .map(Value::from_array)
                .map_err(|_| {
                    IrError::invalid("value", format!("{} elements for type {ty}", data.len()))
                })
        }
        crate::with_dtype!(ty.dtype, T => build::<T>(ty, data))
    }

    /// The element at a multi-index, as a scalar.
    pub fn get(&self, index: &[usize]) -> Option<Scalar> {
        with_value!(self, a => a.get(IxDyn(index)).map(|v| v.to_scalar()))
    }

    /// Elements in C order, as scalars (for tests and printing).
    pub fn to_scalars(&self) -> Vec<Scalar> {
        with_value!(self, a => a.iter().map(|v| v.to_scalar()).collect())
    }

    /// The same elements in C order under another shape of the same size.
    pub fn reshape(&self, shape: &[usize]) -> Result<Value, IrError> {
        let size: usize = self.shape().iter().product();
        if shape.iter().product::<usize>() != size {
            return Err(IrError::InvalidReshape {
                from: Shape::from(self.shape()),
                size,
                to: format!("{shape:?}"),
            });
        }
        Ok(with_value!(self, a => {
            let data: Vec<_> = a.iter().cloned().collect();
            Value::from_array(
                ArrayD::from_shape_vec(IxDyn(shape), data).expect("the size was checked"),
            )
        }))
    }

    /// Converts to another dtype as [`Scalar::cast`] does (NumPy's conversions,
    /// float to int as on x86-64), anything to bool is `!= 0`, bool to a number is 0
    /// or 1. Same dtype: shares the buffer.
    pub fn cast(&self, to: DType) -> Value {
        if self.dtype() == to {
            return self.clone();
        }
        fn conv<S: Element, T: Element>(a: &ArcArray<S, IxDyn>) -> ArrayD<T> {
            a.mapv(|v| T::from_scalar(v.to_scalar()))
        }
        crate::with_dtype!(to, T => with_value!(self, a => Value::from_array(conv::<_, T>(a))))
    }
}

impl<T: Element> From<ArrayD<T>> for Value {
    fn from(array: ArrayD<T>) -> Value {
        Value::from_array(array)
    }
}

impl<T: Element> From<ArcArray<T, IxDyn>> for Value {
    fn from(array: ArcArray<T, IxDyn>) -> Value {
        T::wrap(array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_follow_documented_rules() {
        let v = Value::from_array(ndarray::arr1(&[f64::NAN, 2.9, -2.9, 1e30, 0.0]).into_dyn());
        // NumPy's x86-64 answers: out of range and NaN give the minimum.
        let ints = v.cast(DType::I32).into_array::<i32>().unwrap();
        assert_eq!(ints.as_slice().unwrap(), &[i32::MIN, 2, -2, i32::MIN, 0]);
        let bools = v.cast(DType::Bool).into_array::<bool>().unwrap();
        assert_eq!(bools.as_slice().unwrap(), &[true, true, true, true, false]);
    }

    #[test]
    fn wrong_dtype_access_is_an_error() {
        let v = Value::from_scalar(Scalar::I32(3));
        assert!(v.as_array::<f64>().is_err());
        assert_eq!(v.get(&[]), Some(Scalar::I32(3)));
    }

    #[test]
    fn gather_reads_any_strided_layout_in_logical_order() {
        let data: Vec<f64> = (0..60).map(f64::from).collect();
        let base = data.as_ptr() as *const u8;
        // (offset, strides, shape) in elements: contiguous, transposed, stepped,
        // reversed rows and columns, 0-d, zero-size, broadcast (stride 0).
        let cases: [(isize, Vec<isize>, Vec<usize>); 7] = [
            (0, vec![12, 4, 1], vec![5, 3, 4]),
            (0, vec![1, 12], vec![12, 5]),
            (1, vec![24, 3], vec![3, 4]),
            (59, vec![-12, -1], vec![5, 12]),
            (7, vec![], vec![]),
            (0, vec![12, 1], vec![0, 12]),
            (2, vec![0, 1], vec![3, 4]),
        ];
        for (offset, strides, shape) in cases {
            // SAFETY: every reachable element lies in `data`.
            let got = unsafe { Value::gather(base, crate::DType::F64, offset, &strides, &shape) };
            let want: Vec<f64> = ndarray::indices(ndarray::IxDyn(&shape))
                .into_iter()
                .map(|i| {
                    let at: isize = (0..shape.len()).map(|k| i[k] as isize * strides[k]).sum();
                    data[(offset + at) as usize]
                })
                .collect();
            assert_eq!(got.shape(), &shape[..]);
            let got: Vec<f64> = got.as_array::<f64>().unwrap().iter().copied().collect();
            assert_eq!(got, want, "strides {strides:?} shape {shape:?}");
        }
    }
}
