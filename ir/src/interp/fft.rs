//! The reference discrete Fourier transforms: each output value summed directly from its
//! definition in float64 (O(n²) per lane), with twiddle angles reduced exactly
//! (`jk mod n`) before the sine and cosine, so the only rounding is the sum's. Slow,
//! and independent of the library the compiled path calls.

use ndarray::{ArrayD, Axis, IxDyn};
use num_complex::{Complex32, Complex64};

use crate::dtype::DType;
use crate::error::IrError;
use crate::op::{FftKind, FftScale};
use crate::shape::TensorType;
use crate::value::{Element, Value};

/// `kind` of each lane of `x` along `axis` in `ty` (the op's type), each part of each
/// result then multiplied by the scale's factor in the result's precision.
pub(super) fn fft(
    axis: usize,
    kind: FftKind,
    scale: FftScale,
    x: &Value,
    ty: &TensorType,
) -> Result<Value, IrError> {
    let wide = if x.dtype().is_complex() {
        x.cast(DType::C128)
    } else {
        x.cast(DType::F64).cast(DType::C128)
    };
    let a = wide.as_array::<Complex64>()?;
    let out_dims = ty.shape.dims().to_vec();
    let m = out_dims[axis];
    let mut out = ArrayD::<Complex64>::zeros(IxDyn(&out_dims));
    let n = match kind {
        FftKind::InverseReal { n } => n,
        _ => a.shape()[axis],
    };
    let sign = if matches!(kind, FftKind::Forward | FftKind::Real) {
        -1.0
    } else {
        1.0
    };
    let twiddles: Vec<Complex64> = (0..n)
        .map(|k| Complex64::from_polar(1.0, sign * std::f64::consts::TAU * k as f64 / n as f64))
        .collect();
    for (lane, mut target) in a
        .lanes(Axis(axis))
        .into_iter()
        .zip(out.lanes_mut(Axis(axis)))
    {
        let input: Vec<Complex64> = match kind {
            FftKind::InverseReal { n } => hermitian(&lane.to_vec(), n),
            _ => lane.to_vec(),
        };
        for k in 0..m {
            let mut total = Complex64::new(0.0, 0.0);
            for (j, v) in input.iter().enumerate() {
                total += v * twiddles[(j * k) % n];
            }
            target[k] = total;
        }
    }
    let full = Value::from_array(out);
    let result = if ty.dtype.is_complex() {
        full.cast(ty.dtype)
    } else {
        real_part(&full)?.cast(ty.dtype)
    };
    Ok(match result.dtype() {
        DType::F32 => scaled(&result, scale.factor_f32(n), |v: &f32, s| v * s)?,
        DType::F64 => scaled(&result, scale.factor_f64(n), |v: &f64, s| v * s)?,
        DType::C64 => scaled(&result, scale.factor_f32(n), |v: &Complex32, s| {
            Complex32::new(v.re * s, v.im * s)
        })?,
        _ => scaled(&result, scale.factor_f64(n), |v: &Complex64, s| {
            Complex64::new(v.re * s, v.im * s)
        })?,
    })
}

/// Each element through `times` with the factor, or `x` itself without one.
fn scaled<T: Element, S: Copy>(
    x: &Value,
    factor: Option<S>,
    times: impl Fn(&T, S) -> T,
) -> Result<Value, IrError> {
    Ok(match factor {
        None => x.clone(),
        Some(s) => Value::from_array(x.as_array::<T>()?.map(|v| times(v, s))),
    })
}

/// The full spectrum of n points whose values 0..=n/2 are `half`: value n - k is the
/// conjugate of value k, and the values that are their own conjugates' (0, and n/2 for
/// even n) keep their real parts only.
fn hermitian(half: &[Complex64], n: usize) -> Vec<Complex64> {
    let mut full: Vec<Complex64> = (0..n)
        .map(|k| {
            if k < half.len() {
                half[k]
            } else {
                half[n - k].conj()
            }
        })
        .collect();
    full[0].im = 0.0;
    if n.is_multiple_of(2) {
        full[n / 2].im = 0.0;
    }
    full
}

fn real_part(x: &Value) -> Result<Value, IrError> {
    Ok(Value::from_array(x.as_array::<Complex64>()?.map(|c| c.re)))
}
