//! Errors as Python exceptions: one class of `lazyfuse.errors` per [`ErrorKind`], each
//! also the builtin class NumPy raises in the same situation (see errors.py).

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{
    PyIndexError, PyMemoryError, PyOverflowError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::error::{Error, ErrorKind};

/// The `lazyfuse.errors` class of a kind.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Shape => "ShapeError",
        ErrorKind::DType => "DTypeError",
        ErrorKind::Axis => "AxisError",
        ErrorKind::Overflow => "ScalarOverflowError",
        ErrorKind::Index => "IndexingError",
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        ErrorKind::LinAlg => "LinAlgError",
        ErrorKind::Parse => "ParseError",
        ErrorKind::Binding => "BindingError",
        ErrorKind::Compile => "CompileError",
        ErrorKind::Device => "DeviceError",
        ErrorKind::Memory => "OutOfMemoryError",
        ErrorKind::Internal => "InternalError",
    }
}

/// The builtin class raised if `lazyfuse.errors` cannot be imported (the native
/// module used on its own).
fn builtin(kind: ErrorKind, message: String) -> PyErr {
    match kind {
        ErrorKind::DType => PyTypeError::new_err(message),
        ErrorKind::Overflow => PyOverflowError::new_err(message),
        ErrorKind::Index => PyIndexError::new_err(message),
        ErrorKind::Memory => PyMemoryError::new_err(message),
        ErrorKind::Compile | ErrorKind::Device | ErrorKind::Internal => {
            PyRuntimeError::new_err(message)
        }
        _ => PyValueError::new_err(message),
    }
}

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// An exception of `kind` with `message`.
pub(crate) fn error(kind: ErrorKind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        let class = ERRORS
            .get_or_try_init(py, || py.import("lazyfuse.errors").map(|m| m.unbind()))
            .and_then(|m| m.bind(py).getattr(class_name(kind)))
            .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(class) => PyErr::from_type(class, (message,)),
            Err(_) => builtin(kind, message),
        }
    })
}

/// The Python exception for `e`.
pub(crate) fn to_pyerr(e: Error) -> PyErr {
    error(e.kind(), e.to_string())
}

/// Runs `f`, turning a Rust panic into `lazyfuse.InternalError` (a RuntimeError)
/// instead of unwinding into Python.
pub(crate) fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(error(
            ErrorKind::Internal,
            format!("lazyfuse internal error: {what}"),
        ))
    })
}

/// Panics while building a lazy array, as a bug in graph building would: the tests
/// check that Python sees `lazyfuse.errors.InternalError`, not pyo3's PanicException.
#[pyfunction]
pub(crate) fn _panic_probe() -> PyResult<super::NativeArray> {
    super::lazy(|| panic!("panic probe"))
}
