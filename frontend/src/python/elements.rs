//! Element reads and writes by integer index on arrays in memory (`a[i]`, `a[i, j] = v`),
//! the hot path of element loops: the element's address from the NumPy view's strides,
//! the read made into NumPy's scalar by `PyArray_Scalar` (what NumPy's own integer
//! indexing returns), a Python float stored straight into a float64 array and a Python
//! int or NumPy int64 into an int64 one. Everything else (an index out of range, which
//! NumPy reports, other dtypes, values or layouts) takes NumPy's own indexing.

use std::os::raw::{c_int, c_long, c_void};

use numpy::npyffi::{NPY_TYPES, PY_ARRAY_API};
use numpy::{PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyTuple};

/// The address of `view[key]` for an integer key naming one element (an int for a 1-d
/// view, a tuple of ints, one per axis), each index within its axis after NumPy's
/// wrap of negatives; None otherwise.
fn element(view: &Bound<'_, PyUntypedArray>, key: &Bound<'_, PyAny>) -> Option<*mut u8> {
    // SAFETY: reading the fields of a live array object; `dimensions` and `strides`
    // hold `nd` entries.
    let (data, dims, strides) = unsafe {
        let a = &*view.as_array_ptr();
        let nd = usize::try_from(a.nd).ok()?;
        let dims = std::slice::from_raw_parts(a.dimensions, nd);
        let strides = std::slice::from_raw_parts(a.strides, nd);
        (a.data as *mut u8, dims, strides)
    };
    let mut offset: isize = 0;
    let mut add = |axis: usize, index: &Bound<'_, PyAny>| -> Option<()> {
        // SAFETY: `index` is a live int (checked by the callers); an int beyond isize
        // sets an OverflowError, cleared here (NumPy's indexing then reports it).
        let i = unsafe { pyo3::ffi::PyLong_AsSsize_t(index.as_ptr()) };
        if i == -1 && PyErr::take(index.py()).is_some() {
            return None;
        }
        let n = dims[axis];
        let i = if i < 0 { i + n } else { i };
        if !(0..n).contains(&i) {
            return None;
        }
        offset += i * strides[axis];
        Some(())
    };
    if key.is_exact_instance_of::<PyInt>() {
        if dims.len() != 1 {
            return None;
        }
        add(0, key)?;
    } else {
        let items = key.cast_exact::<PyTuple>().ok()?;
        if items.len() != dims.len() {
            return None;
        }
        for (axis, item) in items.iter().enumerate() {
            if !item.is_exact_instance_of::<PyInt>() {
                return None;
            }
            add(axis, &item)?;
        }
    }
    Some(data.wrapping_offset(offset))
}

/// `view[key]` as NumPy's scalar, when `key` names one element in range.
pub(super) fn read(view: &Bound<'_, PyUntypedArray>, key: &Bound<'_, PyAny>) -> Option<Py<PyAny>> {
    let at = element(view, key)?;
    let py = view.py();
    // SAFETY: `at` is an element of the live array `view` (in range), `descr` its
    // dtype; PyArray_Scalar copies the element (swapping or aligning as needed) and
    // returns a new reference, or NULL with an exception set.
    unsafe {
        let descr = (*view.as_array_ptr()).descr;
        let scalar = PY_ARRAY_API.PyArray_Scalar(py, at as *mut c_void, descr, view.as_ptr());
        Bound::from_owned_ptr_or_opt(py, scalar).map(Bound::unbind)
    }
}

/// `view[key] = value` for a Python float into a float64 array or a Python int (in
/// range) or NumPy int64 into an int64 one, aligned, in native byte order and writeable; false if not
/// done (NumPy's indexing then does it, or raises).
pub(super) fn write(
    view: &Bound<'_, PyUntypedArray>,
    key: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
) -> bool {
    // SAFETY: reading the flags and dtype fields of a live array object.
    let (flags, type_num, native) = unsafe {
        let a = &*view.as_array_ptr();
        (
            a.flags,
            (*a.descr).type_num,
            is_native((*a.descr).byteorder),
        )
    };
    let writable = flags & numpy::npyffi::NPY_ARRAY_WRITEABLE != 0;
    if !native || !writable {
        return false;
    }
    let is = |t: NPY_TYPES| type_num == t as c_int;
    let int64 = is(NPY_TYPES::NPY_LONGLONG) || (is(NPY_TYPES::NPY_LONG) && c_long::BITS == 64);
    if is(NPY_TYPES::NPY_DOUBLE) && value.is_instance_of::<PyFloat>() {
        let Ok(v) = value.extract::<f64>() else {
            return false;
        };
        return store(view, key, v);
    }
    if int64 && value.is_exact_instance_of::<PyInt>() {
        let Ok(v) = value.extract::<i64>() else {
            return false;
        };
        return store(view, key, v);
    }
    if let Ok(zero_d) = value.cast_exact::<PyUntypedArray>() {
        // A 0-d array of the same dtype (a lazy 0-d result's view: `r[i, j] =
        // np.dot(u, v)`): its element, when aligned and in native byte order.
        return (is(NPY_TYPES::NPY_DOUBLE) || int64)
            && store_element_of(view, key, zero_d, type_num);
    }
    if int64 && is_numpy_int64(value) {
        // SAFETY: `value` is a NumPy int64 scalar: NumPy's PyLongLongScalarObject
        // (numpy/arrayscalars.h), the value right after the object header.
        // (PyArray_ScalarAsCtype, which looks up the scalar's dtype first, made this
        // write slower than NumPy's own indexing.)
        let v = unsafe { (*value.as_ptr().cast::<Int64Scalar>()).value };
        return store(view, key, v);
    }
    false
}

/// `view[key] = zero_d[()]` for a 0-d array `zero_d` of type number `type_num` (the
/// view's, float64 or int64) whose element is aligned and in native byte order.
fn store_element_of(
    view: &Bound<'_, PyUntypedArray>,
    key: &Bound<'_, PyAny>,
    zero_d: &Bound<'_, PyUntypedArray>,
    type_num: c_int,
) -> bool {
    // SAFETY: reading the fields of a live array object; its data holds one element
    // of its dtype when it is 0-d.
    unsafe {
        let a = &*zero_d.as_array_ptr();
        if a.nd != 0 || (*a.descr).type_num != type_num || !is_native((*a.descr).byteorder) {
            return false;
        }
        let at = a.data as *const u8;
        if !(at as usize).is_multiple_of(8) {
            return false;
        }
        if type_num == NPY_TYPES::NPY_DOUBLE as c_int {
            store(view, key, *(at as *const f64))
        } else {
            store(view, key, *(at as *const i64))
        }
    }
}

/// Whether a dtype's byte-order character means this machine's order.
fn is_native(byteorder: std::os::raw::c_char) -> bool {
    let byteorder = byteorder as u8;
    byteorder == b'=' || (cfg!(target_endian = "little") && byteorder == b'<')
}

/// NumPy's int64 scalar object (`PyLongLongScalarObject`, and `PyLongScalarObject`
/// where C's long has 64 bits).
#[repr(C)]
struct Int64Scalar {
    head: pyo3::ffi::PyObject,
    value: i64,
}

/// Whether `value`'s type is exactly NumPy's int64 (an element an element loop read
/// from an int64 array: `table[i, j] = table[i - 1, j] + 1`).
fn is_numpy_int64(value: &Bound<'_, PyAny>) -> bool {
    use numpy::npyffi::NpyTypes;
    if c_long::BITS == 64 {
        super::operators::is_scalar_of(
            value,
            [
                NpyTypes::PyLongLongArrType_Type,
                NpyTypes::PyLongArrType_Type,
            ],
        )
    } else {
        super::operators::is_scalar_of(value, [NpyTypes::PyLongLongArrType_Type])
    }
}

/// Stores `v` at `view[key]` if the key names an aligned element in range.
fn store<T: Copy>(view: &Bound<'_, PyUntypedArray>, key: &Bound<'_, PyAny>, v: T) -> bool {
    let Some(at) = element(view, key) else {
        return false;
    };
    if !(at as usize).is_multiple_of(std::mem::align_of::<T>()) {
        return false;
    }
    // SAFETY: `at` is an aligned element of a writeable array of T (checked by the
    // caller: dtype, byte order, writeable flag), in range.
    unsafe { (at as *mut T).write(v) };
    true
}
