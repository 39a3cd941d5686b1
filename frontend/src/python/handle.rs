//! `Handle`: the native base class of `lazyfuse.ndarray`, so that the element loops of
//! NumPy programs (`a[i] = r * a[i - 1] + b[i]`) index a materialised array at the cost
//! of a C slot, not a Python method call.
//!
//! A handle whose base is in memory keeps its NumPy view (`_np`). Reading one element
//! (an `int`, or a tuple of them, giving a scalar) and writing a plain scalar to one
//! element go straight to that view; everything else, and every error, goes to the
//! Python methods `_getitem` and `_setitem`, which have NumPy's full semantics.

use numpy::npyffi::{NpyTypes, PY_ARRAY_API};
use numpy::PyUntypedArray;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyTuple};

use super::cell::PyBufferCell;

/// Python: `lazyfuse._native.Handle`, subclassed by `lazyfuse.ndarray`.
#[pyclass(name = "Handle", module = "lazyfuse._native", subclass)]
pub(super) struct Handle {
    /// The NumPy view of the materialised base this handle reads, once known.
    np: Option<Py<PyAny>>,
}

/// A key of Python ints (one, or a tuple of them): maybe one element.
fn is_int_key(key: &Bound<'_, PyAny>) -> bool {
    if key.is_exact_instance_of::<PyInt>() {
        return true;
    }
    match key.cast_exact::<PyTuple>() {
        Ok(items) => items.iter().all(|k| k.is_exact_instance_of::<PyInt>()),
        Err(_) => false,
    }
}

/// A value NumPy stores into one element without calling back into lazyfuse: a Python
/// float, int or bool, or a NumPy scalar.
fn is_plain_scalar(value: &Bound<'_, PyAny>) -> bool {
    if value.is_instance_of::<PyFloat>()
        || value.is_exact_instance_of::<PyInt>()
        || value.is_exact_instance_of::<PyBool>()
    {
        return true;
    }
    // SAFETY: NumPy's C API table (imported by the numpy crate) gives the type object of
    // numpy.generic; the type check only reads the value's type.
    unsafe {
        let generic = PY_ARRAY_API.get_type_object(value.py(), NpyTypes::PyGenericArrType_Type);
        pyo3::ffi::PyObject_TypeCheck(value.as_ptr(), generic) != 0
    }
}

/// Whether lazy reads are pending on the handle's base buffer (a write must first move
/// them to a snapshot: the Python path does that).
fn has_pending_readers(slf: &Bound<'_, Handle>) -> PyResult<bool> {
    let py = slf.py();
    let cell = slf
        .getattr(intern!(py, "_base"))?
        .getattr(intern!(py, "cell"))?;
    if cell.is_none() {
        return Ok(false);
    }
    Ok(cell.cast::<PyBufferCell>()?.get().readers() > 0)
}

#[pymethods]
impl Handle {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Handle {
        Handle { np: None }
    }

    /// The NumPy view of the base's buffer (None while the base is pending).
    #[getter(_np)]
    fn get_np(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.np.as_ref().map(|v| v.clone_ref(py))
    }

    #[setter(_np)]
    fn set_np(&mut self, view: Option<Py<PyAny>>) {
        self.np = view;
    }

    fn __getitem__(slf: &Bound<'_, Handle>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if let Some(view) = &slf.borrow().np {
            if is_int_key(key) {
                if let Ok(item) = view.bind(py).get_item(key) {
                    if !item.is_instance_of::<PyUntypedArray>() {
                        return Ok(item.unbind()); // NumPy's scalar
                    }
                }
            }
        }
        slf.call_method1(intern!(py, "_getitem"), (key,))
            .map(Bound::unbind)
    }

    fn __setitem__(
        slf: &Bound<'_, Handle>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let view = slf.borrow().np.as_ref().map(|v| v.clone_ref(py));
        if let Some(view) = view {
            if is_int_key(key)
                && is_plain_scalar(value)
                && !has_pending_readers(slf)?
                && view.bind(py).set_item(key, value).is_ok()
            {
                return Ok(());
            }
        }
        slf.call_method1(intern!(py, "_setitem"), (key, value))
            .map(|_| ())
    }
}
