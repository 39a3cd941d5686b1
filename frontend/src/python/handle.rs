//! `Handle`: the native base class of `lazyfuse.ndarray`, so that the element loops of
//! NumPy programs (`a[i] = r * a[i - 1] + b[i]`) index a materialised array at the cost
//! of a C slot, not a Python method call.
//!
//! A handle whose base is in memory keeps its NumPy view (`_np`). Reading one element
//! (an `int`, or a tuple of them, giving a scalar) and writing a plain scalar to one
//! element go straight to that view; everything else, and every error, goes to the
//! Python methods `_getitem` and `_setitem`, which have NumPy's full semantics.

use numpy::npyffi::{NpyTypes, PY_ARRAY_API};
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PySlice, PyTuple, PyType};

use super::base::Base;
use super::operators::{binary_operator, is_numpy_scalar, unary_operator};
use super::NativeArray;

/// Python: `lazyfuse._native.Handle`, subclassed by `lazyfuse.ndarray`.
#[pyclass(name = "Handle", module = "lazyfuse._native", subclass)]
pub(super) struct Handle {
    /// The NumPy view of the materialised base this handle reads, once known.
    np: Option<Py<PyAny>>,
    /// The storage this handle views (unset between allocation and `_over`, and while
    /// `deferred`).
    base: Option<Py<Base>>,
    /// Whether the base is `np` itself, in memory, made when first asked for
    /// ([`Handle::base_of`]): an operation's result in memory gets no Base object
    /// until a view, a write or a lazy read needs one (a Base made and dropped was a
    /// tenth of a small binary operation's 500 ns).
    deferred: bool,
    /// The view operations from the base to this handle: a tuple of (name, argument).
    #[pyo3(get, set, name = "_chain")]
    pub(super) chain: Py<PyTuple>,
    /// The chain replayed on the base's pending node, with that node: (node, result).
    #[pyo3(get, set, name = "_lazy")]
    lazy: Option<Py<PyAny>>,
}

impl Handle {
    /// The NumPy view of the base's buffer this handle reads, once known.
    pub(super) fn np_view<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.np.as_ref().map(|v| v.bind(py).clone())
    }

    /// The base, once set: made now if it was deferred (see `deferred`).
    pub(super) fn base_of(slf: &Bound<'_, Handle>) -> PyResult<Option<Py<Base>>> {
        let py = slf.py();
        let mut h = slf.borrow_mut();
        if h.deferred {
            let np = match &h.np {
                Some(np) => np.bind(py).cast::<PyUntypedArray>()?.clone(),
                None => {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "internal error: a deferred base without its array",
                    ))
                }
            };
            h.base = Some(Py::new(py, Base::in_memory(&np))?);
            h.deferred = false;
        }
        Ok(h.base.as_ref().map(|b| b.clone_ref(py)))
    }

    /// The cached view of the base's pending node, `_lazy`: (node, value).
    pub(super) fn lazy_value(&self, py: Python<'_>) -> Option<(Py<PyAny>, Py<PyAny>)> {
        let pair = self.lazy.as_ref()?.bind(py).cast::<PyTuple>().ok()?.clone();
        if pair.len() != 2 {
            return None;
        }
        Some((
            pair.get_item(0).ok()?.unbind(),
            pair.get_item(1).ok()?.unbind(),
        ))
    }

    /// Sets `_lazy`.
    pub(super) fn set_lazy_value(&mut self, pair: Py<PyAny>) {
        self.lazy = Some(pair);
    }

    /// Whether the handle sees its base whole (no view operations).
    pub(super) fn chain_is_empty(&self, py: Python<'_>) -> bool {
        self.chain.bind(py).is_empty()
    }
}

/// The Python class of lazy arrays (`lazyfuse.ndarray`), registered when it is made.
static ARRAY_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Registers `lazyfuse.ndarray`, the class handles made natively belong to.
#[pyfunction]
pub(super) fn register_array_type(ty: &Bound<'_, PyType>) -> PyResult<()> {
    let py = ty.py();
    if !ty.is_subclass_of::<Handle>()? {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "the array type must subclass Handle",
        ));
    }
    // The first registration stays (a reloaded module keeps the class arrays have).
    let _ = ARRAY_TYPE.set(py, ty.clone().unbind());
    Ok(())
}

/// A new, empty `lazyfuse.ndarray` (no base, no view yet).
fn new_array(py: Python<'_>) -> PyResult<Bound<'_, Handle>> {
    let ty = ARRAY_TYPE.get(py).ok_or_else(|| {
        pyo3::exceptions::PyRuntimeError::new_err("lazyfuse.ndarray is not registered")
    })?;
    allocate(ty.bind(py))
}

/// A new `lazyfuse.ndarray` on `base` through `chain`, whose NumPy view is `np`.
pub(super) fn new_handle<'py>(
    py: Python<'py>,
    base: Py<Base>,
    chain: Option<Py<PyTuple>>,
    np: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, Handle>> {
    let out = new_array(py)?;
    {
        let mut h = out.borrow_mut();
        h.base = Some(base);
        if let Some(chain) = chain {
            h.chain = chain;
        }
        h.np = np;
    }
    Ok(out)
}

/// A new `lazyfuse.ndarray` over `array` (a NumPy array that owns its memory or that
/// no other base holds), its base deferred until needed (see `Handle::deferred`).
pub(super) fn new_in_memory_handle<'py>(
    py: Python<'py>,
    array: Bound<'py, PyUntypedArray>,
) -> PyResult<Bound<'py, Handle>> {
    let out = new_array(py)?;
    {
        let mut h = out.borrow_mut();
        h.deferred = true;
        h.np = Some(array.into_any().unbind());
    }
    Ok(out)
}

/// Whether x is exactly a `lazyfuse.ndarray` (not a subclass, not another type).
pub(super) fn is_lazy_array(x: &Bound<'_, PyAny>) -> bool {
    let py = x.py();
    ARRAY_TYPE
        .get(py)
        .is_some_and(|t| x.get_type().is(t.bind(py)))
}

/// A new instance of `ty` (Handle or a subclass) through its `tp_new` alone: `ty()`
/// would also go through `type.__call__` and `__init__`, a large part of an
/// operation's cost.
fn allocate<'py>(ty: &Bound<'py, PyType>) -> PyResult<Bound<'py, Handle>> {
    let py = ty.py();
    let args = PyTuple::empty(py);
    // SAFETY: `ty` is a heap type object (a Python subclass of Handle, checked at
    // registration), so PyType_GetSlot answers for it and the slot is a newfunc;
    // its tp_new is Handle's (Python subclasses inherit it) and is called with a valid
    // argument tuple and no keywords, as `type.__call__` would call it.
    unsafe {
        let ty_ptr = ty.as_type_ptr();
        let slot = pyo3::ffi::PyType_GetSlot(ty_ptr, pyo3::ffi::Py_tp_new);
        if slot.is_null() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "lazyfuse.ndarray has no tp_new",
            ));
        }
        let new: pyo3::ffi::newfunc = std::mem::transmute(slot);
        let obj = new(ty_ptr, args.as_ptr(), std::ptr::null_mut());
        Bound::from_owned_ptr_or_err(py, obj)?
            .cast_into::<Handle>()
            .map_err(Into::into)
    }
}

/// A lazy array in memory holding `result` (a NumPy array, or anything `asarray`
/// makes one of).
#[pyfunction]
pub(super) fn from_numpy<'py>(result: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Handle>> {
    let py = result.py();
    let array = match result.cast::<PyUntypedArray>() {
        Ok(a) if a.is_exact_instance_of::<PyUntypedArray>() => a.clone(),
        _ if is_numpy_scalar(result) => scalar_array(result)?,
        _ => numpy_asarray(result)?,
    };
    new_in_memory_handle(py, array)
}

/// A NumPy scalar as a new 0-d array of its dtype: `numpy.asarray(scalar)` through
/// NumPy's C API (no Python call; results of eager operations on 0-d arrays are
/// scalars, so every such operation makes one).
pub(super) fn scalar_array<'py>(
    scalar: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = scalar.py();
    // SAFETY: `scalar` is a live NumPy scalar (callers check `is_numpy_scalar`); a null
    // descriptor asks for the scalar's own dtype. The result is a new reference or null
    // with a Python error set.
    let array = unsafe {
        let ptr = PY_ARRAY_API.PyArray_FromScalar(py, scalar.as_ptr(), std::ptr::null_mut());
        Bound::from_owned_ptr_or_err(py, ptr)?
    };
    Ok(array.cast_into::<PyUntypedArray>()?)
}

fn numpy_asarray<'py>(x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyUntypedArray>> {
    static ASARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = x.py();
    let asarray = ASARRAY.get_or_try_init(py, || {
        py.import("numpy")?.getattr("asarray").map(Bound::unbind)
    })?;
    Ok(asarray
        .bind(py)
        .call1((x,))?
        .cast_into::<PyUntypedArray>()?)
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

/// `key` as a tuple of basic index items already in canonical form (Python ints, None,
/// Ellipsis, slices of ints and None), or None for any other key (Python's `_getitem`
/// canonicalises or rejects it).
fn canonical_basic_key<'py>(key: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let py = key.py();
    let items = match key.cast_exact::<PyTuple>() {
        Ok(t) => t.clone(),
        Err(_) => PyTuple::new(py, [key])?,
    };
    for k in items.iter() {
        let ok = k.is_exact_instance_of::<PyInt>()
            || k.is_none()
            || k.is(py.Ellipsis())
            || k.cast_exact::<PySlice>().is_ok_and(|s| plain_slice(s));
        if !ok {
            return Ok(None);
        }
    }
    Ok(Some(items))
}

/// CPython's slice object (`PySliceObject`, Include/sliceobject.h): outside the limited
/// API, but its layout (the object header, then start, stop and step, never null) has
/// not changed since Python 2.3. Read directly, the three fields cost nothing; their
/// attribute lookups were a third of a 2-d slice's dispatch.
#[repr(C)]
struct SliceObject {
    ob_base: pyo3::ffi::PyObject,
    start: *mut pyo3::ffi::PyObject,
    stop: *mut pyo3::ffi::PyObject,
    step: *mut pyo3::ffi::PyObject,
}

/// Whether the slice's start, stop and step are each None or exactly a Python int.
fn plain_slice(s: &Bound<'_, PySlice>) -> bool {
    // SAFETY: `s` is exactly a slice (a cast_exact), so its object is a SliceObject
    // whose fields are live references held by it; only their types are read.
    unsafe {
        let raw = &*(s.as_ptr() as *const SliceObject);
        [raw.start, raw.stop, raw.step]
            .into_iter()
            .all(|v| v == pyo3::ffi::Py_None() || pyo3::ffi::PyLong_CheckExact(v) != 0)
    }
}

/// A value NumPy writes as it is: a plain scalar, a NumPy array of a supported dtype,
/// or a lazy array in memory (as its NumPy view); None for anything else.
fn value_in_memory<'py>(value: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    if let Ok(h) = value.cast::<Handle>() {
        return h.borrow().np_view(value.py());
    }
    if is_plain_scalar(value) {
        return Some(value.clone());
    }
    let array = value.cast_exact::<PyUntypedArray>().ok()?;
    super::operators::EAGER_DTYPES
        .contains(&array.dtype().char())
        .then(|| value.clone())
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

/// The NumPy view of `value` if it is a lazy 0-d array in memory.
fn zero_d_view<'py>(value: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    let h = value.cast::<Handle>().ok()?;
    let view = h.borrow().np_view(value.py())?;
    let is_0d = view.cast::<PyUntypedArray>().is_ok_and(|a| a.ndim() == 0);
    is_0d.then_some(view)
}

/// Whether lazy reads are pending on the handle's base buffer (a write must first move
/// them to a snapshot: the Python path does that).
fn has_pending_readers(h: &Handle, py: Python<'_>) -> bool {
    let Some(base) = &h.base else {
        return false;
    };
    let base = base.bind(py).borrow();
    match &base.cell {
        Some(cell) => cell.bind(py).get().readers() > 0,
        None => false,
    }
}

#[pymethods]
impl Handle {
    /// `ndarray(native)`: a handle on a new pending base whose version is `native`;
    /// `ndarray()`: a handle without a base yet (see `_over`).
    #[new]
    #[pyo3(signature = (native=None))]
    fn new(py: Python<'_>, native: Option<Py<NativeArray>>) -> PyResult<Handle> {
        let base = match native {
            Some(node) => Some(Py::new(py, Base::pending(node))?),
            None => None,
        };
        Ok(Handle {
            np: None,
            base,
            deferred: false,
            chain: PyTuple::empty(py).unbind(),
            lazy: None,
        })
    }

    /// A handle on `base` through `chain`.
    #[classmethod]
    #[pyo3(signature = (base, chain=None))]
    fn _over<'py>(
        cls: &Bound<'py, PyType>,
        base: Py<Base>,
        chain: Option<Py<PyTuple>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let out = cls.call0()?;
        {
            let handle = out.cast::<Handle>()?;
            let mut h = handle.borrow_mut();
            h.base = Some(base);
            h.deferred = false;
            if let Some(chain) = chain {
                h.chain = chain;
            }
        }
        Ok(out)
    }

    /// `self op other` (`other op self` if reflected) for the binary IR op `op`, as the
    /// operators compute it (for the functions of `lazyfuse.numpy`).
    fn _operator(
        slf: &Bound<'_, Handle>,
        op: &str,
        other: &Bound<'_, PyAny>,
        reflected: bool,
    ) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, op, reflected)
    }

    /// NumPy's ufunc protocol. A plain call of the ufunc of an arithmetic operator on
    /// two operands, one a lazy array (what `s * x` becomes for a NumPy scalar `s`:
    /// NumPy's scalar hands it to the ufunc), goes to the operator natively; the rest
    /// to `_array_ufunc` (lazyfuse._protocols).
    #[pyo3(signature = (ufunc, method, *inputs, **kwargs))]
    fn __array_ufunc__(
        slf: &Bound<'_, Handle>,
        ufunc: &Bound<'_, PyAny>,
        method: &Bound<'_, PyAny>,
        inputs: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let plain = inputs.len() == 2 && kwargs.is_none_or(|k| k.is_empty());
        if plain && method.eq(intern!(py, "__call__"))? {
            if let Some(op) = super::operators::operator_of_ufunc(py, ufunc) {
                let (a, b) = (inputs.get_item(0)?, inputs.get_item(1)?);
                let operands = if is_lazy_array(&a) {
                    Some((a, b, false))
                } else if is_lazy_array(&b) {
                    Some((b, a, true))
                } else {
                    None
                };
                if let Some((array, other, reflected)) = operands {
                    let result = binary_operator(array.cast()?, &other, op, reflected)?;
                    if !result.is(py.NotImplemented()) {
                        return Ok(result);
                    }
                }
            }
        }
        let args: Vec<_> = [ufunc.clone(), method.clone()]
            .into_iter()
            .chain(inputs.iter())
            .collect();
        slf.call_method(intern!(py, "_array_ufunc"), PyTuple::new(py, args)?, kwargs)
            .map(Bound::unbind)
    }

    /// `self op= other` computed by NumPy's `ufunc` (IR op `op`, or None), in place.
    fn _inplace(
        slf: &Bound<'_, Handle>,
        ufunc: &Bound<'_, PyAny>,
        op: &Bound<'_, PyAny>,
        other: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        super::operators::inplace_operator(slf, ufunc, op, other)
    }

    /// A view: this handle's chain followed by the view operation (name, arg),
    /// checked now so that a bad argument raises here, as in NumPy.
    fn _view(
        slf: &Bound<'_, Handle>,
        name: &Bound<'_, PyAny>,
        arg: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        super::views::view(slf, name, arg)
    }

    /// The transpose, a view (NumPy's `.T`).
    #[getter(T)]
    fn transposed(slf: &Bound<'_, Handle>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        super::views::view(
            slf,
            intern!(py, "transpose").as_any(),
            &py.None().into_bound(py),
        )
    }

    /// The reduction `op` (`sum`, `max`, `argmax`, ...) over `axis`.
    #[pyo3(signature = (op, axis=None, keepdims=None))]
    fn _reduce(
        slf: &Bound<'_, Handle>,
        op: &str,
        axis: Option<&Bound<'_, PyAny>>,
        keepdims: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let none = slf.py().None().into_bound(slf.py());
        let keepdims = match keepdims {
            Some(k) => k.is_truthy()?,
            None => false,
        };
        super::views::reduce(slf, op, axis.unwrap_or(&none), keepdims)
    }

    /// `op(self)` for the unary IR op `op` (for the functions of `lazyfuse.numpy`).
    fn _unary_op(slf: &Bound<'_, Handle>, op: &str) -> PyResult<Py<PyAny>> {
        unary_operator(slf, op)
    }

    /// The shape: the NumPy view's for an array in memory (the common case, read
    /// natively: element loops ask for it), else `_shape_slow`'s.
    #[getter(shape)]
    fn shape(slf: &Bound<'_, Handle>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if let Some(view) = slf.borrow().np_view(py) {
            if let Ok(array) = view.cast::<PyUntypedArray>() {
                return Ok(PyTuple::new(py, array.shape())?.into_any().unbind());
            }
        }
        slf.call_method0(intern!(py, "_shape_slow"))
            .map(Bound::unbind)
    }

    /// `a.shape = new`: NumPy's in-place reshape (a view of the same memory, else
    /// NumPy's AttributeError), by `_set_shape`.
    #[setter(shape)]
    fn set_shape(slf: &Bound<'_, Handle>, shape: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let py = slf.py();
        let Some(shape) = shape else {
            return Err(pyo3::exceptions::PyAttributeError::new_err(
                "cannot delete array shape",
            ));
        };
        slf.call_method1(intern!(py, "_set_shape"), (shape,))?;
        Ok(())
    }

    /// The number of dimensions (see `shape`).
    #[getter(ndim)]
    fn ndim(slf: &Bound<'_, Handle>) -> PyResult<usize> {
        let py = slf.py();
        if let Some(view) = slf.borrow().np_view(py) {
            if let Ok(array) = view.cast::<PyUntypedArray>() {
                return Ok(array.ndim());
            }
        }
        Self::shape(slf)?.bind(py).len()
    }

    /// The number of elements (see `shape`).
    #[getter(size)]
    fn size(slf: &Bound<'_, Handle>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if let Some(view) = slf.borrow().np_view(py) {
            if let Ok(array) = view.cast::<PyUntypedArray>() {
                return Ok(array.len().into_pyobject(py)?.into_any().unbind());
            }
        }
        // Python ints: a zero-size or huge shape's product without overflow.
        let mut n = 1usize.into_pyobject(py)?.into_any();
        for d in Self::shape(slf)?.bind(py).try_iter()? {
            n = n.mul(d?)?;
        }
        Ok(n.unbind())
    }

    #[getter(_base)]
    fn get_base(slf: &Bound<'_, Handle>) -> PyResult<Py<Base>> {
        match Handle::base_of(slf)? {
            Some(base) => Ok(base),
            None => Err(pyo3::exceptions::PyAttributeError::new_err("_base")),
        }
    }

    #[setter(_base)]
    fn set_base(&mut self, base: Py<Base>) {
        self.base = Some(base);
        self.deferred = false;
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
        let view = slf.borrow().np_view(py);
        if let Some(view) = view {
            if let Ok(array) = view.cast::<PyUntypedArray>() {
                if let Some(item) = super::elements::read(array, key) {
                    return Ok(item);
                }
            }
            // An int key that gives a subarray (a row, say) is a view as below, of the
            // item NumPy already made.
            let mut row = None;
            if is_int_key(key) {
                if let Ok(item) = view.get_item(key) {
                    if !item.is_instance_of::<PyUntypedArray>() {
                        return Ok(item.unbind()); // NumPy's scalar
                    }
                    row = Some(item);
                }
            }
            if let Some(items) = canonical_basic_key(key)? {
                // A view of an array in memory: NumPy's view, and a handle on the
                // same base whose chain ends with this index.
                let item = match row {
                    Some(item) => Ok(item),
                    None => view.get_item(&items),
                };
                if let Ok(item) = item {
                    if !item.is_instance_of::<PyUntypedArray>() {
                        return Ok(item.unbind());
                    }
                    let base = Handle::base_of(slf)?;
                    let h = slf.borrow();
                    if let Some(base) = base {
                        let step =
                            PyTuple::new(py, [intern!(py, "index").as_any(), items.as_any()])?;
                        let chain = h.chain.bind(py);
                        let links: Vec<_> = chain.iter().chain([step.into_any()]).collect();
                        let chain = PyTuple::new(py, links)?;
                        drop(h);
                        let out = new_handle(py, base, Some(chain.unbind()), Some(item.unbind()))?;
                        return Ok(out.into_any().unbind());
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
        // One borrow for both: this is an element loop's hot path.
        let (view, readers) = {
            let h = slf.borrow();
            (h.np_view(py), has_pending_readers(&h, py))
        };
        if let Some(view) = view {
            // A plain scalar, or a lazy 0-d array in memory as its NumPy view.
            let element = if is_plain_scalar(value) {
                Some(value.clone())
            } else {
                zero_d_view(value)
            };
            if let (Some(element), false) = (element, readers) {
                // (write checks the key itself: one walk of a tuple key.)
                let written = match view.cast::<PyUntypedArray>() {
                    Ok(array) => super::elements::write(array, key, &element),
                    Err(_) => false,
                };
                if written || (is_int_key(key) && view.set_item(key, &element).is_ok()) {
                    return Ok(());
                }
            }
            // A basic index of an array in memory and a value in memory: NumPy writes
            // it, once lazy reads pending on the buffer have their snapshot.
            if let (Some(items), Some(value)) = (canonical_basic_key(key)?, value_in_memory(value))
            {
                let base = Handle::base_of(slf)?;
                if let Some(base) = base {
                    base.bind(py).borrow_mut().before_write(py)?;
                    if view.set_item(&items, value).is_ok() {
                        return Ok(());
                    }
                }
            }
        }
        slf.call_method1(intern!(py, "_setitem"), (key, value))
            .map(|_| ())
    }

    fn __add__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "add", false)
    }

    fn __radd__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "add", true)
    }

    fn __sub__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "sub", false)
    }

    fn __rsub__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "sub", true)
    }

    fn __mul__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "mul", false)
    }

    fn __rmul__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "mul", true)
    }

    fn __truediv__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "div", false)
    }

    fn __rtruediv__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "div", true)
    }

    fn __floordiv__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "floordiv", false)
    }

    fn __rfloordiv__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "floordiv", true)
    }

    fn __mod__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "rem", false)
    }

    fn __rmod__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "rem", true)
    }

    fn __and__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "bitwise_and", false)
    }

    fn __rand__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "bitwise_and", true)
    }

    fn __or__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "bitwise_or", false)
    }

    fn __ror__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "bitwise_or", true)
    }

    fn __xor__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "bitwise_xor", false)
    }

    fn __rxor__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "bitwise_xor", true)
    }

    fn __lshift__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "left_shift", false)
    }

    fn __rlshift__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "left_shift", true)
    }

    fn __rshift__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "right_shift", false)
    }

    fn __rrshift__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "right_shift", true)
    }

    fn __pow__(
        slf: &Bound<'_, Handle>,
        other: &Bound<'_, PyAny>,
        modulo: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        if !modulo.is_none() {
            return Ok(slf.py().NotImplemented());
        }
        binary_operator(slf, other, "pow", false)
    }

    fn __rpow__(
        slf: &Bound<'_, Handle>,
        other: &Bound<'_, PyAny>,
        modulo: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        if !modulo.is_none() {
            return Ok(slf.py().NotImplemented());
        }
        binary_operator(slf, other, "pow", true)
    }

    fn __eq__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "eq", false)
    }

    fn __ne__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "ne", false)
    }

    fn __lt__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "lt", false)
    }

    fn __le__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "le", false)
    }

    fn __gt__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "gt", false)
    }

    fn __ge__(slf: &Bound<'_, Handle>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary_operator(slf, other, "ge", false)
    }
}
