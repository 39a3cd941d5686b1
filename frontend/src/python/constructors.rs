//! Native constructors of lazy arrays from Python values: `full`, `scalar`, `ramp`,
//! `where_`, `concatenate` and `stack` (`lazyfuse._native`).

use lazyfuse_ir::{DType, Scalar};
use pyo3::prelude::*;

use super::errors::to_pyerr;
use super::{dtype_from_name, lazy, operand, NativeArray};
use crate::elementwise::{Operand, WeakScalar};
use crate::Array;

/// An array of `shape` filled with a Python scalar, in `dtype` (None: the scalar's default).
#[pyfunction]
#[pyo3(signature = (shape, value, dtype=None))]
pub(super) fn full(
    shape: Vec<usize>,
    value: &Bound<'_, PyAny>,
    dtype: Option<&str>,
) -> PyResult<NativeArray> {
    let dtype = dtype.map(dtype_from_name).transpose()?;
    let scalar = match operand(value)? {
        Operand::Weak(WeakScalar::Bool(b)) => Scalar::Bool(b),
        Operand::Weak(WeakScalar::Int(i)) => {
            // A Python integer must fit an integer dtype, as NumPy checks.
            let d = dtype.filter(|d| d.is_int()).unwrap_or(DType::I64);
            Scalar::from_weak_int_wide("full", i, d).map_err(|e| to_pyerr(e.into()))?
        }
        Operand::Weak(WeakScalar::Float(f)) => Scalar::F64(f),
        Operand::Weak(WeakScalar::Complex(re, im)) => {
            Scalar::C128(lazyfuse_ir::num_complex::Complex64::new(re, im))
        }
        _ => {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "full: the fill value must be a Python scalar",
            ))
        }
    };
    // A fill value is a run-time input, as a weak scalar operand is: a loop filling
    // with new values reuses one kernel.
    lazy(|| {
        let a = Array::from_node(crate::elementwise::scalar_operand(scalar)).broadcast_to(&shape);
        match dtype {
            Some(d) => a.astype(d),
            None => a,
        }
    })
}

/// A 0-d array of `dtype` holding a NumPy scalar's value (a *strong* scalar: its dtype
/// takes part in promotion). A run-time input like a weak scalar, so new values never
/// compile new kernels.
#[pyfunction]
pub(super) fn scalar(value: &Bound<'_, PyAny>, dtype: &str) -> PyResult<NativeArray> {
    let d = dtype_from_name(dtype)?;
    let s = if d.is_complex() {
        let part = |name: &str| value.getattr(name)?.extract::<f64>();
        Scalar::C128(lazyfuse_ir::num_complex::Complex64::new(
            part("real")?,
            part("imag")?,
        ))
        .cast(d)
    } else if d.is_float() {
        Scalar::F64(value.extract::<f64>()?).cast(d)
    } else if d == DType::Bool {
        Scalar::Bool(value.extract::<bool>()?)
    } else {
        Scalar::I64(value.extract::<i128>()? as i64).cast(d) // uint64 too: its low bits
    };
    lazy(|| Array::from_node(crate::elementwise::scalar_operand(s)))
}

/// `len` values `start + i * step` computed in `dtype` (the Python layer fixes the
/// length and the first two values as NumPy's `arange` does).
#[pyfunction]
pub(super) fn ramp(
    start: &Bound<'_, PyAny>,
    step: &Bound<'_, PyAny>,
    len: usize,
    dtype: &str,
) -> PyResult<NativeArray> {
    let d = dtype_from_name(dtype)?;
    let scalar = |v: &Bound<'_, PyAny>| -> PyResult<Scalar> {
        Ok(if d.is_float() {
            Scalar::F64(v.extract::<f64>()?).cast(d)
        } else if d == DType::Bool {
            Scalar::Bool(v.extract::<bool>()?)
        } else {
            Scalar::I64(v.extract::<i128>()? as i64).cast(d) // uint64 too: its low bits
        })
    };
    let (start, step) = (scalar(start)?, scalar(step)?);
    lazy(|| Array::from_result(lazyfuse_ir::compose::ramp(start, step, len)))
}

/// NumPy `where`.
#[pyfunction(name = "where_")]
pub(super) fn where_(
    cond: &Bound<'_, PyAny>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
) -> PyResult<NativeArray> {
    let cond = match operand(cond)? {
        Operand::Array(c) => c,
        _ => {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "where: the condition must be an array",
            ))
        }
    };
    let (a, b) = (operand(a)?, operand(b)?);
    lazy(|| Array::select(&cond, a, b))
}

#[pyfunction]
pub(super) fn concatenate(arrays: Vec<NativeArray>, axis: i64) -> PyResult<NativeArray> {
    let arrays: Vec<Array> = arrays.into_iter().map(|l| l.a).collect();
    lazy(|| crate::concatenate(&arrays, axis))
}

#[pyfunction]
pub(super) fn stack(arrays: Vec<NativeArray>, axis: i64) -> PyResult<NativeArray> {
    let arrays: Vec<Array> = arrays.into_iter().map(|l| l.a).collect();
    lazy(|| crate::stack(&arrays, axis))
}
