//! The arithmetic and comparison operators of `Handle` (`a + b`, `a < 1.0`, ...), with
//! native paths for the common cases, since every operation of a NumPy program pays
//! for its dispatch:
//!
//! * *eager*: both operands tiny and in memory (at most the eager limit's elements, see
//!   `lazyfuse.set_eager_limit`): NumPy's ufunc computes the result at once;
//! * *lazy*: both operands plain (a pending base seen whole, or a C-contiguous array in
//!   memory; the other may be a Python float, int or bool): one native node and a
//!   handle on a new pending base.
//!
//! Everything else (views of pending bases, Fortran order, NumPy scalars and arrays,
//! comparisons with Python ints, errors) goes to Python's `ndarray._binary`, which has
//! NumPy's full semantics; both paths give the same results.

use std::sync::atomic::{AtomicUsize, Ordering};

use numpy::npyffi::{NpyTypes, PY_ARRAY_API};
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyArithmeticError, PyFloatingPointError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyTuple};

use lazyfuse_ir::{BinaryOp, Op, UnaryOp};

use super::base::Base;
use super::handle::{from_numpy, new_handle, Handle};
use super::lazy;
use crate::elementwise::{apply, binary, Operand, WeakScalar};

/// Arrays in memory with at most this many elements are computed by NumPy at once.
static EAGER_LIMIT: AtomicUsize = AtomicUsize::new(4096);

/// NumPy's ufunc of each IR op that has one, by op name (registered by
/// `lazyfuse._core`; short lists, searched without making Python strings).
static UFUNCS: PyOnceLock<Ufuncs> = PyOnceLock::new();

struct Ufuncs {
    binary: Vec<(String, Py<PyAny>)>,
    unary: Vec<(String, Py<PyAny>)>,
}

/// The eager limit now.
pub(super) fn eager_limit() -> usize {
    EAGER_LIMIT.load(Ordering::Relaxed)
}

/// Sets the eager limit (see `lazyfuse.set_eager_limit`); returns the previous one.
#[pyfunction]
pub(super) fn set_eager_limit(elements: usize) -> usize {
    EAGER_LIMIT.swap(elements, Ordering::Relaxed)
}

/// Registers NumPy's ufuncs by binary IR op name, for the eager path.
#[pyfunction]
pub(super) fn register_ufuncs(
    binary: &Bound<'_, PyDict>,
    unary: &Bound<'_, PyDict>,
) -> PyResult<()> {
    let entries = |table: &Bound<'_, PyDict>| {
        table
            .iter()
            .map(|(name, ufunc)| Ok((name.extract::<String>()?, ufunc.unbind())))
            .collect::<PyResult<Vec<_>>>()
    };
    let ufuncs = Ufuncs {
        binary: entries(binary)?,
        unary: entries(unary)?,
    };
    let _ = UFUNCS.set(binary.py(), ufuncs);
    Ok(())
}

/// NumPy's ufunc for the IR op `op` (binary or unary), if registered.
fn ufunc<'py>(py: Python<'py>, op: &str, binary: bool) -> Option<&'py Py<PyAny>> {
    let ufuncs = UFUNCS.get(py)?;
    let table = if binary {
        &ufuncs.binary
    } else {
        &ufuncs.unary
    };
    table.iter().find(|(name, _)| name == op).map(|(_, f)| f)
}

/// The IR op of an arithmetic operator (`add`, `sub`, `mul`, `div`) whose NumPy ufunc
/// is `ufunc`, if it is one.
pub(super) fn operator_of_ufunc(py: Python<'_>, ufunc: &Bound<'_, PyAny>) -> Option<&'static str> {
    let ufuncs = UFUNCS.get(py)?;
    ["add", "sub", "mul", "div"].into_iter().find(|op| {
        ufuncs
            .binary
            .iter()
            .any(|(name, f)| name == op && f.is(ufunc))
    })
}

/// `op(slf)` for the unary IR op `op`: tiny arrays in memory by NumPy's ufunc at once,
/// plain operands as one native node; other cases by Python's `_unary`.
pub(super) fn unary_operator(slf: &Bound<'_, Handle>, op: &str) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    let limit = EAGER_LIMIT.load(Ordering::Relaxed);
    if limit > 0 {
        if let (Some(view), Some(ufunc)) = (small_view(slf, limit), ufunc(py, op, false)) {
            match ufunc.bind(py).call1((scalar_if_0d(view)?,)) {
                Ok(result) => return Ok(from_numpy(&result)?.into_any().unbind()),
                Err(e) if !is_lazy_reported(py, &e) => return Err(e),
                Err(_) => {}
            }
        }
    }
    if let (Some(x), Some(u)) = (native_value(slf, Reading::Plain)?, UnaryOp::from_name(op)) {
        if op != "round" {
            let result = lazy(|| apply(Op::Unary(u), &[&x]))?;
            return pending_handle(py, result);
        }
    }
    let core = py.import(intern!(py, "lazyfuse._core"))?;
    core.getattr(intern!(py, "_unary_slow"))?
        .call1((op, slf, py.None()))
        .map(Bound::unbind)
}

/// The dtypes (NumPy's type characters) of the arrays the eager path hands to NumPy
/// and takes back: bool, the integers of every width and sign, float32 and float64.
/// (float16 and the complex types stay on the lazy path.)
pub(super) const EAGER_DTYPES: &[u8] = b"?bBhHiIlLqQfd";

/// Errors NumPy raises that the lazy path reports in lazyfuse's words instead.
/// (Not NumPy's FloatingPointError: `np.errstate` asked for it, and NumPy raises it.)
pub(super) fn is_lazy_reported(py: Python<'_>, e: &PyErr) -> bool {
    e.is_instance_of::<PyValueError>(py)
        || e.is_instance_of::<PyTypeError>(py)
        || (e.is_instance_of::<PyArithmeticError>(py)
            && !e.is_instance_of::<PyFloatingPointError>(py))
}

/// A handle on a new pending base whose version is `result`.
pub(super) fn pending_handle(py: Python<'_>, result: super::NativeArray) -> PyResult<Py<PyAny>> {
    let base = Py::new(py, Base::pending(Py::new(py, result)?))?;
    Ok(new_handle(py, base, None, None)?.into_any().unbind())
}

/// `slf op other` (`other op slf` if reflected).
pub(super) fn binary_operator(
    slf: &Bound<'_, Handle>,
    other: &Bound<'_, PyAny>,
    op: &str,
    reflected: bool,
) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    if let Some(out) = eager(slf, other, op, reflected)? {
        return Ok(out);
    }
    if let Some(out) = lazy_plain(slf, other, op, reflected)? {
        return Ok(out);
    }
    slf.call_method1(intern!(py, "_binary"), (op, other, reflected))
        .map(Bound::unbind)
}

/// The handle's NumPy view if its base is in memory with at most the eager limit's
/// elements (and the view is known).
pub(super) fn small_view<'py>(
    h: &Bound<'py, Handle>,
    limit: usize,
) -> Option<Bound<'py, PyUntypedArray>> {
    let view = h.borrow().np_view(h.py())?;
    let view = view.cast_into::<PyUntypedArray>().ok()?;
    (view.len() <= limit).then_some(view)
}

/// The number of elements of the broadcast of two shapes; None if they do not
/// broadcast or the count overflows.
fn broadcast_len(a: &[usize], b: &[usize]) -> Option<usize> {
    let ndim = a.len().max(b.len());
    let dim = |s: &[usize], k: usize| (k + s.len()).checked_sub(ndim).map_or(1, |i| s[i]);
    (0..ndim).try_fold(1usize, |n, k| {
        let (x, y) = (dim(a, k), dim(b, k));
        let d = match (x, y) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
        n.checked_mul(d)
    })
}

/// `x` as NumPy computes it at once: a tiny lazy array's view, a tiny NumPy array of
/// a supported dtype, a Python or NumPy scalar of a supported type; else None.
fn eager_operand<'py>(x: &Bound<'py, PyAny>, limit: usize) -> Option<Bound<'py, PyAny>> {
    if let Ok(h) = x.cast::<Handle>() {
        return small_view(h, limit).map(Bound::into_any);
    }
    if x.is_exact_instance_of::<PyFloat>()
        || x.is_exact_instance_of::<PyInt>()
        || x.is_exact_instance_of::<PyBool>()
        || is_supported_numpy_scalar(x)
    {
        return Some(x.clone());
    }
    let array = x.cast_exact::<PyUntypedArray>().ok()?;
    (array.len() <= limit && EAGER_DTYPES.contains(&array.dtype().char())).then(|| x.clone())
}

/// A 0-d array's element as a NumPy scalar, else the array itself. A unary ufunc runs
/// the same loop on a scalar and gives the same result (a scalar: ufuncs unwrap 0-d
/// results) through a much shorter path (measured: sqrt 0.10 against 0.26 µs). Not
/// for binary ufuncs, which NumPy 2.4 runs slower on two scalars than on two 0-d
/// arrays (0.46 against 0.27 µs).
fn scalar_if_0d<'py>(view: Bound<'py, PyUntypedArray>) -> PyResult<Bound<'py, PyAny>> {
    if view.ndim() != 0 {
        return Ok(view.into_any());
    }
    let py = view.py();
    // SAFETY: `view` is a live ndarray; PyArray_Return steals the reference `into_ptr`
    // gives up and returns a new one (the scalar), or null with a Python error set.
    unsafe {
        let ptr = PY_ARRAY_API.PyArray_Return(py, view.into_ptr().cast());
        Bound::from_owned_ptr_or_err(py, ptr)
    }
}

/// Whether x's type is exactly one of NumPy's float64, float32, int64, int32 or bool_.
pub(super) fn is_supported_numpy_scalar(x: &Bound<'_, PyAny>) -> bool {
    is_scalar_of(
        x,
        [
            NpyTypes::PyDoubleArrType_Type,
            NpyTypes::PyFloatArrType_Type,
            NpyTypes::PyLongArrType_Type,
            NpyTypes::PyLongLongArrType_Type,
            NpyTypes::PyIntArrType_Type,
            NpyTypes::PyBoolArrType_Type,
        ],
    )
}

/// Whether x's type is exactly one of NumPy's scalar types `types`.
pub(super) fn is_scalar_of<const N: usize>(x: &Bound<'_, PyAny>, types: [NpyTypes; N]) -> bool {
    let py = x.py();
    let ty = x.get_type().as_type_ptr();
    // SAFETY: NumPy's C API table (imported by the numpy crate) gives type objects;
    // only their addresses are compared.
    types
        .into_iter()
        .any(|t| unsafe { PY_ARRAY_API.get_type_object(py, t) } == ty)
}

/// The eager path: None if an operand is not tiny and in memory, or NumPy raises one
/// of the errors the lazy path reports in lazyfuse's words.
fn eager(
    slf: &Bound<'_, Handle>,
    other: &Bound<'_, PyAny>,
    op: &str,
    reflected: bool,
) -> PyResult<Option<Py<PyAny>>> {
    let py = slf.py();
    let limit = EAGER_LIMIT.load(Ordering::Relaxed);
    if limit == 0 {
        return Ok(None);
    }
    let Some(view) = small_view(slf, limit) else {
        return Ok(None);
    };
    let Some(other) = eager_operand(other, limit) else {
        return Ok(None);
    };
    // Tiny operands can broadcast to a large result (`d[:, k, None] + d[None, k, :]`):
    // that is the lazy path's work.
    if let Ok(array) = other.cast::<PyUntypedArray>() {
        if broadcast_len(view.shape(), array.shape()).is_none_or(|n| n > limit) {
            return Ok(None);
        }
    }
    if let Some(result) = float_scalar_arithmetic(&view, &other, op, reflected) {
        return match result {
            Ok(result) => Ok(Some(from_numpy(&result)?.into_any().unbind())),
            Err(e) if is_lazy_reported(py, &e) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let Some(ufunc) = ufunc(py, op, true) else {
        return Ok(None);
    };
    let ufunc = ufunc.bind(py);
    let result = if reflected {
        ufunc.call1((other, view))
    } else {
        ufunc.call1((view, other))
    };
    match result {
        Ok(result) => Ok(Some(from_numpy(&result)?.into_any().unbind())),
        Err(e) if is_lazy_reported(py, &e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `view op other` (reflected: `other op view`) for a 0-d float `view` and a 0-d float
/// `other` (an array, a NumPy float scalar or a Python float) by NumPy's scalar
/// arithmetic on their elements: the values, result dtype and floating-point warnings
/// of the ufunc on 0-d arrays, through a far shorter path (a dot product's 0-d result
/// divided by another: 0.59 against NumPy's 0.04 µs on its scalars). None for other
/// operands and ops (integers stay with the ufunc, which wraps on overflow where
/// scalar arithmetic warns).
fn float_scalar_arithmetic<'py>(
    view: &Bound<'py, PyUntypedArray>,
    other: &Bound<'py, PyAny>,
    op: &str,
    reflected: bool,
) -> Option<PyResult<Bound<'py, PyAny>>> {
    let is_float =
        |a: &Bound<'py, PyUntypedArray>| a.ndim() == 0 && matches!(a.dtype().char(), b'f' | b'd');
    if !is_float(view) || !matches!(op, "add" | "sub" | "mul" | "div") {
        return None;
    }
    let other = match other.cast::<PyUntypedArray>() {
        Ok(array) if is_float(array) => scalar_if_0d(array.clone()),
        Ok(_) => return None,
        Err(_) if other.is_exact_instance_of::<PyFloat>() || is_float_scalar(other) => {
            Ok(other.clone())
        }
        Err(_) => return None,
    };
    let operands = scalar_if_0d(view.clone()).and_then(|a| Ok((a, other?)));
    Some(operands.and_then(|(a, b)| {
        let (x, y) = if reflected { (b, a) } else { (a, b) };
        match op {
            "add" => x.add(y),
            "sub" => x.sub(y),
            "mul" => x.mul(y),
            _ => x.div(y),
        }
    }))
}

/// Whether x's type is exactly NumPy's float64 or float32.
fn is_float_scalar(x: &Bound<'_, PyAny>) -> bool {
    is_scalar_of(
        x,
        [
            NpyTypes::PyDoubleArrType_Type,
            NpyTypes::PyFloatArrType_Type,
        ],
    )
}

/// Which handles a native path may read without Python (see [`native_value`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// Elementwise operands: the result's memory order is C's only if theirs is, so a
    /// pending base seen whole in C order, or an array in memory with a C-contiguous
    /// view.
    Plain,
    /// Reductions: any array in memory, a pending base seen whole, or the cached view
    /// of a pending base's current node.
    Any,
}

/// The handle's value as a native array (a read through its base's cell for an array
/// in memory), if `reading` allows it without Python; None otherwise.
pub(super) fn native_value(
    h: &Bound<'_, Handle>,
    reading: Reading,
) -> PyResult<Option<crate::Array>> {
    let py = h.py();
    let Some(base) = Handle::base_of(h)?.map(|b| b.into_bound(py)) else {
        return Ok(None);
    };
    let handle = h.borrow();
    if base.borrow().buffer.is_some() {
        let Some(view) = handle.np_view(py) else {
            return Ok(None);
        };
        drop(handle);
        let contiguous = view
            .cast::<PyUntypedArray>()
            .is_ok_and(|a| a.is_c_contiguous());
        if reading == Reading::Plain && !contiguous {
            return Ok(None);
        }
        let cell = Base::read_cell_of(&base)?;
        return Ok(Some(cell.bind(py).get().read(&view)?.a));
    }
    let b = base.borrow();
    let Some(node) = &b.node else {
        return Ok(None);
    };
    if handle.chain_is_empty(py) && !(reading == Reading::Plain && b.fortran) {
        return Ok(Some(node.bind(py).get().a.clone()));
    }
    if reading == Reading::Plain {
        return Ok(None);
    }
    Ok(match handle.lazy_value(py) {
        Some((made_of, value)) if made_of.is(node) => value
            .bind(py)
            .cast::<super::NativeArray>()
            .ok()
            .map(|v| v.get().a.clone()),
        _ => None,
    })
}

/// The lazy path for plain operands (see the module docs); None for any other.
fn lazy_plain(
    slf: &Bound<'_, Handle>,
    other: &Bound<'_, PyAny>,
    op: &str,
    reflected: bool,
) -> PyResult<Option<Py<PyAny>>> {
    let py = slf.py();
    let comparison = matches!(op, "eq" | "ne" | "lt" | "le" | "gt" | "ge");
    let other = if let Ok(h) = other.cast::<Handle>() {
        match native_value(h, Reading::Plain)? {
            Some(a) => Operand::Array(a),
            None => return Ok(None),
        }
    } else if let Ok(f) = other.cast_exact::<PyFloat>() {
        Operand::Weak(WeakScalar::Float(f.value()))
    } else if let Ok(c) = other.cast_exact::<pyo3::types::PyComplex>() {
        Operand::Weak(WeakScalar::Complex(c.real(), c.imag()))
    } else if let Ok(b) = other.cast_exact::<PyBool>() {
        Operand::Weak(WeakScalar::Bool(b.is_true()))
    } else if let (false, Ok(i)) = (comparison, other.cast_exact::<PyInt>()) {
        match i.extract::<i128>() {
            Ok(v) => Operand::Weak(WeakScalar::Int(v)),
            Err(_) => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    let Some(me) = native_value(slf, Reading::Plain)? else {
        return Ok(None);
    };
    let Some(op) = BinaryOp::from_name(op) else {
        return Ok(None);
    };
    let me = Operand::Array(me);
    let result = lazy(|| {
        if reflected {
            binary(op, other, me)
        } else {
            binary(op, me, other)
        }
    })?;
    pending_handle(py, result).map(Some)
}

/// `slf op= other` by NumPy's `ufunc` into the handle's memory, when the handle is a
/// tiny array in memory and `other` is eager too (as the Python path computes it);
/// otherwise, or if NumPy raises, Python's `ndarray._inplace_slow`.
pub(super) fn inplace_operator(
    slf: &Bound<'_, Handle>,
    ufunc: &Bound<'_, PyAny>,
    op: &Bound<'_, PyAny>,
    other: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    let limit = eager_limit();
    if limit > 0 {
        if let (Some(view), Some(value)) = (small_view(slf, limit), eager_operand(other, limit)) {
            let base = Handle::base_of(slf)?;
            if let (Some(base), true) = (base, is_writeable(&view)) {
                base.bind(py).borrow_mut().before_write(py)?;
                // The output as the third positional argument (a ufunc's `out`): no
                // keyword dictionary to build and parse on every call.
                if ufunc.call1((&view, value, &view)).is_ok() {
                    return Ok(slf.clone().into_any().unbind());
                }
            }
        }
    }
    slf.call_method1(intern!(py, "_inplace_slow"), (ufunc, op, other))
        .map(Bound::unbind)
}

/// Whether NumPy lets `view` be written.
fn is_writeable(view: &Bound<'_, PyUntypedArray>) -> bool {
    // SAFETY: reading the flags of a live array object.
    let flags = unsafe { (*view.as_array_ptr()).flags };
    flags & numpy::npyffi::NPY_ARRAY_WRITEABLE != 0
}

/// `func(*args, **kwargs)` by NumPy at once when every lazy array among the arguments
/// (lists and tuples looked into) is tiny and in memory, as its NumPy view; the result
/// in memory if NumPy answers with an array or scalar (or a tuple of arrays) of a
/// supported dtype within the eager limit; None otherwise (NumPy's ValueError,
/// TypeError, ArithmeticError or IndexError included: the lazy function then reports
/// it in lazyfuse's words).
#[pyfunction]
#[pyo3(signature = (func, args, kwargs=None))]
pub(super) fn eager_call(
    func: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Option<Py<PyAny>>> {
    let py = func.py();
    let limit = eager_limit();
    if limit == 0 {
        return Ok(None);
    }
    let Some(views) = small_args(args.as_any(), limit)? else {
        return Ok(None);
    };
    if let Some(kwargs) = kwargs {
        if kwargs.values().iter().any(|v| v.cast::<Handle>().is_ok()) {
            return Ok(None);
        }
    }
    eager_result(py, func.call(views.cast::<PyTuple>()?, kwargs), limit)
}

/// `func(a, b)` by NumPy at once for two lazy arrays that are tiny and in memory (the
/// products: `dot`, `@`): [`eager_call`]'s rules without walking an argument tuple
/// (a 64-element `dot` costs 0.1-0.2 µs less). None where either is not such an array
/// or [`eager_call`] would give None.
#[pyfunction]
pub(super) fn eager_pair(
    func: &Bound<'_, PyAny>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
) -> PyResult<Option<Py<PyAny>>> {
    let limit = eager_limit();
    if limit == 0 {
        return Ok(None);
    }
    let (Ok(a), Ok(b)) = (a.cast::<Handle>(), b.cast::<Handle>()) else {
        return Ok(None);
    };
    let (Some(a), Some(b)) = (small_view(a, limit), small_view(b, limit)) else {
        return Ok(None);
    };
    eager_result(func.py(), func.call1((a, b)), limit)
}

/// NumPy's answer to an eager call in memory, if it is an array or scalar of a
/// supported dtype within the eager limit, or a tuple of such arrays (`where(c)`'s
/// indices); None otherwise, and where NumPy raised an error the lazy path reports in
/// lazyfuse's words.
fn eager_result<'py>(
    py: Python<'py>,
    result: PyResult<Bound<'py, PyAny>>,
    limit: usize,
) -> PyResult<Option<Py<PyAny>>> {
    let result = match result {
        Ok(result) => result,
        Err(e)
            if is_lazy_reported(py, &e)
                || e.is_instance_of::<pyo3::exceptions::PyIndexError>(py) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    if let Ok(items) = result.cast_exact::<PyTuple>() {
        let mut arrays = Vec::with_capacity(items.len());
        for item in items.iter() {
            // (Arrays only: a tuple of NumPy scalars is left to the lazy path.)
            let Ok(array) = item.cast_into::<PyUntypedArray>() else {
                return Ok(None);
            };
            match eager_array(py, array, limit)? {
                Some(a) => arrays.push(a),
                None => return Ok(None),
            }
        }
        return Ok(Some(PyTuple::new(py, arrays)?.into_any().unbind()));
    }
    let array = if let Ok(array) = result.cast::<PyUntypedArray>() {
        array.clone()
    } else if is_numpy_scalar(&result) {
        super::handle::scalar_array(&result)?
    } else {
        return Ok(None);
    };
    eager_array(py, array, limit)
}

/// One array of an eager answer as a lazy array in memory, if its dtype is supported
/// and it is within the eager limit; None otherwise.
fn eager_array<'py>(
    py: Python<'py>,
    array: Bound<'py, PyUntypedArray>,
    limit: usize,
) -> PyResult<Option<Py<PyAny>>> {
    if array.len() > limit || !EAGER_DTYPES.contains(&array.dtype().char()) {
        return Ok(None);
    }
    // A view (of an argument, as `astype(copy=False)` can return, or of NumPy's own
    // temporary, as `where(c)`'s indices are) is copied: a new base must own its
    // memory, or writes through another base aliasing it would go unseen. The copy
    // keeps NumPy's memory layout (order "K": advanced indexing can answer in a
    // transposed one), so that later views and copies are as NumPy's would be; a view
    // with gaps (a column of a 2-d `nonzero`'s temporary) has no copy of its layout,
    // so it is left to the lazy path, which keeps NumPy's view of its temporary.
    // SAFETY: reading the base pointer and flags of a live array object.
    let (owns, dense) = unsafe {
        let a = &*array.as_array_ptr();
        let dense = numpy::npyffi::NPY_ARRAY_C_CONTIGUOUS | numpy::npyffi::NPY_ARRAY_F_CONTIGUOUS;
        (a.base.is_null(), a.flags & dense != 0)
    };
    let array = if owns {
        array
    } else if dense {
        array
            .call_method1(intern!(py, "copy"), (intern!(py, "K"),))?
            .cast_into::<PyUntypedArray>()?
    } else {
        return Ok(None);
    };
    Ok(Some(from_numpy(array.as_any())?.into_any().unbind()))
}

/// `args` (a list or tuple) with every lazy array replaced by its NumPy view, if each
/// is tiny and in memory, looking into nested lists and tuples; None otherwise (and for
/// a NumPy array over the limit, which the lazy path computes better).
fn small_args<'py>(args: &Bound<'py, PyAny>, limit: usize) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = args.py();
    let is_list = args.is_exact_instance_of::<PyList>();
    // Tuples and lists by index (an iterator's end costs a Python error check).
    let items: Vec<Bound<'py, PyAny>> = if let Ok(t) = args.cast_exact::<PyTuple>() {
        t.iter().collect()
    } else if let Ok(l) = args.cast_exact::<PyList>() {
        l.iter().collect()
    } else {
        args.try_iter()?.collect::<PyResult<_>>()?
    };
    let mut out = Vec::with_capacity(items.len());
    for a in items {
        if let Ok(h) = a.cast::<Handle>() {
            match small_view(h, limit) {
                Some(view) => out.push(view.into_any()),
                None => return Ok(None),
            }
        } else if a.is_exact_instance_of::<PyList>() || a.is_exact_instance_of::<PyTuple>() {
            match small_args(&a, limit)? {
                Some(inner) => out.push(inner),
                None => return Ok(None),
            }
        } else if a
            .cast_exact::<PyUntypedArray>()
            .is_ok_and(|x| x.len() > limit)
        {
            return Ok(None);
        } else {
            out.push(a);
        }
    }
    Ok(Some(if is_list {
        PyList::new(py, out)?.into_any()
    } else {
        PyTuple::new(py, out)?.into_any()
    }))
}

/// Whether x is a NumPy scalar (an instance of numpy.generic).
pub(super) fn is_numpy_scalar(x: &Bound<'_, PyAny>) -> bool {
    // SAFETY: NumPy's C API table gives the type object of numpy.generic; the check
    // only reads x's type.
    unsafe {
        let generic = PY_ARRAY_API.get_type_object(x.py(), NpyTypes::PyGenericArrType_Type);
        pyo3::ffi::PyObject_TypeCheck(x.as_ptr(), generic) != 0
    }
}
