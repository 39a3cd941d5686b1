//! Pytrees as `jit` and the transforms take them: arrays (lazy arrays, NumPy arrays and
//! NumPy scalars) are leaves; lists, tuples (namedtuples included) and dicts are
//! structure; anything else is a constant. A structure's spec is a Python tuple, so it
//! hashes and compares: `("leaf", i)`, `(type, (spec, ...))` for a list or tuple,
//! `(dict, ((key, spec), ...))` with the keys sorted, `("const", value)`.

use numpy::PyUntypedArray;
use pyo3::exceptions::{PyRecursionError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyComplex, PyDict, PyFloat, PyList, PyString, PyTuple, PyType};

use super::handle::Handle;

/// Deeper structures are refused (a pytree is walked recursively).
const MAX_DEPTH: usize = 256;

static NUMPY_GENERIC: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Whether `x` is an array leaf: a lazy array, a NumPy array or a NumPy scalar.
pub(super) fn is_array(x: &Bound<'_, PyAny>) -> PyResult<bool> {
    if x.is_instance_of::<Handle>() || x.is_instance_of::<PyUntypedArray>() {
        return Ok(true);
    }
    let py = x.py();
    let generic = NUMPY_GENERIC.get_or_try_init(py, || -> PyResult<_> {
        Ok(py
            .import("numpy")?
            .getattr("generic")?
            .cast_into::<PyType>()?
            .unbind())
    })?;
    x.is_instance(generic.bind(py))
}

/// The spec of `tree`, appending its array leaves to `leaves` in order.
pub(super) fn flatten<'py>(
    tree: &Bound<'py, PyAny>,
    leaves: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    flatten_at(tree, leaves, 0)
}

fn flatten_at<'py>(
    tree: &Bound<'py, PyAny>,
    leaves: &mut Vec<Bound<'py, PyAny>>,
    depth: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = tree.py();
    if depth > MAX_DEPTH {
        return Err(PyRecursionError::new_err(format!(
            "pytree nested more than {MAX_DEPTH} levels deep"
        )));
    }
    if is_array(tree)? {
        leaves.push(tree.clone());
        return PyTuple::new(
            py,
            [
                intern!(py, "leaf").clone().into_any(),
                (leaves.len() - 1).into_pyobject(py)?.into_any(),
            ],
        );
    }
    if tree.is_instance_of::<PyTuple>() || tree.is_instance_of::<PyList>() {
        let items = tree
            .try_iter()?
            .map(|item| flatten_at(&item?, leaves, depth + 1))
            .collect::<PyResult<Vec<_>>>()?;
        return PyTuple::new(
            py,
            [
                tree.get_type().into_any(),
                PyTuple::new(py, items)?.into_any(),
            ],
        );
    }
    if let Ok(dict) = tree.cast::<PyDict>() {
        let items = sorted_keys(dict)?
            .into_iter()
            .map(|k| {
                let spec = flatten_at(&dict.as_any().get_item(&k)?, leaves, depth + 1)?;
                PyTuple::new(py, [k, spec.into_any()])
            })
            .collect::<PyResult<Vec<_>>>()?;
        return PyTuple::new(
            py,
            [
                py.get_type::<PyDict>().into_any(),
                PyTuple::new(py, items)?.into_any(),
            ],
        );
    }
    PyTuple::new(py, [intern!(py, "const").clone().into_any(), tree.clone()])
}

/// A dict's keys sorted by their type first, so that dicts mixing key types (1 and
/// "a") flatten too; keys of one type in their own order.
fn sorted_keys<'py>(dict: &Bound<'py, PyDict>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let py = dict.py();
    let keys = dict.keys();
    if keys.iter().all(|k| k.is_exact_instance_of::<PyString>()) {
        keys.sort()?; // the common case: one key type, no decoration needed
        return Ok(keys.iter().collect());
    }
    let decorated = dict
        .keys()
        .iter()
        .map(|k| {
            let ty = k.get_type();
            PyTuple::new(
                py,
                [
                    ty.getattr(intern!(py, "__module__"))?,
                    ty.getattr(intern!(py, "__qualname__"))?,
                    k,
                ],
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    let list = PyList::new(py, decorated)?;
    list.sort()?;
    list.iter().map(|t| t.get_item(2)).collect()
}

/// `spec`'s structure with its leaves taken from `values`.
pub(super) fn unflatten<'py>(
    spec: &Bound<'py, PyAny>,
    values: &[Bound<'py, PyAny>],
) -> PyResult<Bound<'py, PyAny>> {
    let py = spec.py();
    let kind = spec.get_item(0)?;
    let payload = spec.get_item(1)?;
    if let Ok(name) = kind.cast::<PyString>() {
        return match name.to_cow()?.as_ref() {
            "leaf" => {
                let i: usize = payload.extract()?;
                values.get(i).cloned().ok_or_else(|| {
                    PyTypeError::new_err(format!("unflatten: leaf {i} of {} values", values.len()))
                })
            }
            _ => Ok(payload),
        };
    }
    if kind.is(py.get_type::<PyDict>()) {
        let dict = PyDict::new(py);
        for pair in payload.try_iter()? {
            let pair = pair?;
            dict.set_item(pair.get_item(0)?, unflatten(&pair.get_item(1)?, values)?)?;
        }
        return Ok(dict.into_any());
    }
    let items = payload
        .try_iter()?
        .map(|s| unflatten(&s?, values))
        .collect::<PyResult<Vec<_>>>()?;
    if kind.hasattr(intern!(py, "_fields"))? {
        // A namedtuple takes its fields as arguments.
        return kind.call1(PyTuple::new(py, items)?);
    }
    kind.call1((PyList::new(py, items)?,))
}

/// A cache key for a non-array value, by type and value: 1, 1.0 and True differ, so do
/// 0.0 and -0.0, and a NaN matches itself (its bit pattern). Unhashable values are
/// rejected with TypeError, as JAX does: a key by repr() could confuse two values (NumPy
/// abbreviates long arrays). `place` names the value in that message.
pub(super) fn key<'py>(
    x: &Bound<'py, PyAny>,
    place: &dyn Fn() -> String,
) -> PyResult<Bound<'py, PyAny>> {
    let py = x.py();
    let tagged = |tag: Bound<'py, PyAny>, value: Bound<'py, PyAny>| {
        PyTuple::new(py, [tag, value]).map(Bound::into_any)
    };
    if let Ok(f) = x.cast::<PyFloat>() {
        let bytes = PyBytes::new(py, &f.value().to_le_bytes());
        return tagged(py.get_type::<PyFloat>().into_any(), bytes.into_any());
    }
    if let Ok(c) = x.cast::<PyComplex>() {
        let mut raw = c.real().to_le_bytes().to_vec();
        raw.extend_from_slice(&c.imag().to_le_bytes());
        return tagged(
            py.get_type::<PyComplex>().into_any(),
            PyBytes::new(py, &raw).into_any(),
        );
    }
    if x.is_instance_of::<PyTuple>() {
        let items = x
            .try_iter()?
            .map(|v| key(&v?, place))
            .collect::<PyResult<Vec<_>>>()?;
        return tagged(
            py.get_type::<PyTuple>().into_any(),
            PyTuple::new(py, items)?.into_any(),
        );
    }
    if x.hash().is_err() {
        return Err(PyTypeError::new_err(format!(
            "jit: {} holds a value of unhashable type {}; pass arrays as array \
             arguments, and static arguments as hashable values (a tuple instead of a list)",
            place(),
            x.get_type().name()?
        )));
    }
    tagged(x.get_type().into_any(), x.clone())
}

/// `flatten` for Python: the spec of `tree`, its array leaves appended to `leaves`.
#[pyfunction(name = "flatten")]
pub(super) fn py_flatten<'py>(
    tree: &Bound<'py, PyAny>,
    leaves: &Bound<'py, PyList>,
) -> PyResult<Bound<'py, PyTuple>> {
    let mut found = Vec::new();
    let spec = flatten(tree, &mut found)?;
    for leaf in found {
        leaves.append(leaf)?;
    }
    Ok(spec)
}

/// `unflatten` for Python: `spec`'s structure with leaves from the sequence `values`.
#[pyfunction(name = "unflatten")]
pub(super) fn py_unflatten<'py>(
    spec: &Bound<'py, PyAny>,
    values: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let values = values.try_iter()?.collect::<PyResult<Vec<_>>>()?;
    unflatten(spec, &values)
}
