//! The call of lazyfuse.numpy's ufuncs (`lazyfuse.numpy.maximum(x, 1)`, `sqrt(x)`):
//! a plain call on a lazy array goes natively to the operator path `x + y` takes, as
//! the Python function it wraps would send it (`_core._unary`, `_core._binary`),
//! without that function's frames (about 0.3 µs of a small array's 0.7-1 µs call).
//! Every other call is the Python function's.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyTuple};

use super::handle::is_lazy_array;
use super::operators::{binary_operator, is_supported_numpy_scalar, unary_operator};

/// The base class of `lazyfuse.numpy.ufunc`: its call.
#[pyclass(name = "UfuncCall", module = "lazyfuse._native", subclass, frozen)]
pub(super) struct UfuncCall {
    /// The number of array arguments (1 or 2).
    nin: usize,
    /// The Python function the ufunc is (the generated one in `_ufuncs.py`).
    function: Py<PyAny>,
    /// Its IR op (`neg`, `add`, ...); None where it has none (no native path).
    op: Option<String>,
}

#[pymethods]
impl UfuncCall {
    #[new]
    #[pyo3(signature = (nin, function, op=None))]
    fn new(nin: usize, function: Py<PyAny>, op: Option<String>) -> Self {
        UfuncCall { nin, function, op }
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        slf: &Bound<'_, UfuncCall>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.get();
        if let Some(op) = &this.op {
            if kwargs.is_none_or(|k| k.is_empty()) && args.len() == this.nin {
                // As `_core._unary` and `_core._binary` do with no dtype: a lazy array
                // first, or a lazy array after a scalar (reflected).
                if this.nin == 1 {
                    let x = args.get_item(0)?;
                    if is_lazy_array(&x) {
                        return unary_operator(x.cast()?, op);
                    }
                } else {
                    let (a, b) = (args.get_item(0)?, args.get_item(1)?);
                    if is_lazy_array(&a) {
                        return binary_operator(a.cast()?, &b, op, false);
                    }
                    if is_lazy_array(&b) && is_eager_scalar(&a) {
                        return binary_operator(b.cast()?, &a, op, true);
                    }
                }
            }
        }
        this.function.bind(py).call(args, kwargs).map(Bound::unbind)
    }
}

/// Whether x is a Python float, int or bool, or a NumPy scalar the eager path takes
/// (a subset of `_core._EAGER_SCALARS`: the rest take the Python function's path).
fn is_eager_scalar(x: &Bound<'_, PyAny>) -> bool {
    x.is_exact_instance_of::<PyFloat>()
        || x.is_exact_instance_of::<PyInt>()
        || x.is_exact_instance_of::<PyBool>()
        || is_supported_numpy_scalar(x)
}
