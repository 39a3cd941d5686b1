//! Native paths of `Handle._view` (a view: the chain plus one view operation) and
//! `Handle._reduce` (a reduction by IR name), for the same reason as the operators': a
//! NumPy program pays for their dispatch on every call. The cases handled here are the
//! common ones; the rest go to the Python functions that define the semantics
//! (`replay_numpy`, `replay_native` in `lazyfuse._base`, `ndarray._reduce_slow`).

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyInt, PyTuple};

use lazyfuse_ir::ReduceOp;

use super::handle::from_numpy;
use super::handle::{new_handle, Handle};
use super::operators::{
    eager_limit, is_lazy_reported, native_value, pending_handle, small_view, Reading,
};
use super::{lazy, NativeArray};

/// `lazyfuse._base`'s replay functions, for view operations not handled natively.
static REPLAY: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// NumPy's reduction function for each reduction name (`sum` -> `numpy.add.reduce`,
/// `mean` -> `numpy.ndarray.mean`, ...).
static REDUCTIONS: PyOnceLock<Vec<(String, Py<PyAny>)>> = PyOnceLock::new();

/// Registers NumPy's reduction functions by name, for the eager path of `_reduce`.
#[pyfunction]
pub(super) fn register_reductions(table: &Bound<'_, PyDict>) -> PyResult<()> {
    let entries = table
        .iter()
        .map(|(name, f)| Ok((name.extract::<String>()?, f.unbind())))
        .collect::<PyResult<Vec<_>>>()?;
    let _ = REDUCTIONS.set(table.py(), entries);
    Ok(())
}

fn replay(py: Python<'_>) -> PyResult<&(Py<PyAny>, Py<PyAny>)> {
    REPLAY.get_or_try_init(py, || {
        let base = py.import("lazyfuse._base")?;
        Ok((
            base.getattr("replay_numpy")?.unbind(),
            base.getattr("replay_native")?.unbind(),
        ))
    })
}

/// A view of `slf`: its chain followed by (name, arg), checked now so that a bad
/// argument raises here, as in NumPy.
pub(super) fn view(
    slf: &Bound<'_, Handle>,
    name: &Bound<'_, PyAny>,
    arg: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    let Some(base) = Handle::base_of(slf)? else {
        return Err(pyo3::exceptions::PyAttributeError::new_err("_base"));
    };
    let h = slf.borrow();
    // `.T`: the most common view of all, done natively on either side.
    let transpose_all = arg.is_none() && name.eq(intern!(py, "transpose"))?;
    let step = PyTuple::new(py, [name, arg])?;
    let steps = PyTuple::new(py, [&step])?;
    let links: Vec<_> = h.chain.bind(py).iter().chain([step.into_any()]).collect();
    let chain = PyTuple::new(py, links)?;
    let parent_np = h.np_view(py);
    let parent_lazy = h.lazy_value(py);
    drop(h);
    let (replay_numpy, replay_native) = replay(py)?;
    let b = base.bind(py).borrow();
    if let Some(buffer) = &b.buffer {
        // In memory: NumPy's view, from the parent's view when known.
        let np = match parent_np {
            Some(parent) if transpose_all => parent.getattr(intern!(py, "T"))?.unbind(),
            // The common steps as NumPy's own methods on the parent's view, without
            // replay_numpy's Python frame (callers have checked that a reshape is a
            // view, which ndarray.reshape then returns).
            Some(parent) if name.eq(intern!(py, "reshape"))? => parent
                .call_method1(intern!(py, "reshape"), (arg,))?
                .unbind(),
            Some(parent) if name.eq(intern!(py, "index"))? => parent.get_item(arg)?.unbind(),
            Some(parent) => replay_numpy.call1(py, (parent, steps))?,
            None => replay_numpy.call1(py, (buffer.clone_ref(py), &chain))?,
        };
        drop(b);
        let out = new_handle(py, base, Some(chain.unbind()), Some(np))?;
        return Ok(out.into_any().unbind());
    }
    // Pending: the view of the parent's value (the base's node seen through the
    // parent's chain), cached with the node it was made of.
    let Some(node) = b.node.as_ref().map(|n| n.clone_ref(py)) else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "internal error: a base with neither a node nor a buffer",
        ));
    };
    drop(b);
    let parent = match parent_lazy {
        Some((made_of, value)) if made_of.is(&node) => value,
        _ if slf.borrow().chain_is_empty(py) => node.clone_ref(py).into_any(),
        _ => replay_native.call1(py, (node.clone_ref(py), slf.borrow().chain.clone_ref(py)))?,
    };
    let value = if transpose_all {
        let parent = parent.bind(py).cast::<NativeArray>()?.get().a.clone();
        Py::new(py, lazy(|| crate::transpose(&parent, None))?)?.into_any()
    } else {
        replay_native.call1(py, (parent, steps))?
    };
    let out = new_handle(py, base, Some(chain.unbind()), None)?;
    out.borrow_mut().set_lazy_value(
        PyTuple::new(py, [node.into_any(), value])?
            .into_any()
            .unbind(),
    );
    Ok(out.into_any().unbind())
}

/// Reduction axes as Python gives them to `_reduce` natively: None, an int, or a
/// tuple of ints; None (not handled here) for anything else.
fn plain_axes(axis: &Bound<'_, PyAny>) -> Option<Option<Vec<i64>>> {
    if axis.is_none() {
        return Some(None);
    }
    if let Ok(i) = axis.cast_exact::<PyInt>() {
        return i.extract::<i64>().ok().map(|v| Some(vec![v]));
    }
    let items = axis.cast_exact::<PyTuple>().ok()?;
    items
        .iter()
        .map(|k| {
            k.cast_exact::<PyInt>()
                .ok()
                .and_then(|i| i.extract::<i64>().ok())
        })
        .collect::<Option<Vec<_>>>()
        .map(Some)
}

/// The reduction `op` (`sum`, `max`, `argmax`, ...) of `slf` over `axis`.
pub(super) fn reduce(
    slf: &Bound<'_, Handle>,
    op: &str,
    axis: &Bound<'_, PyAny>,
    keepdims: bool,
) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    let limit = eager_limit();
    if limit > 0 {
        let f = REDUCTIONS
            .get(py)
            .and_then(|t| t.iter().find(|(name, _)| name == op))
            .map(|(_, f)| f.bind(py));
        if let (Some(view), Some(f)) = (small_view(slf, limit), f) {
            let result = if matches!(op, "sum" | "prod" | "max" | "min") {
                // A ufunc's reduce (what ndarray.sum calls), positionally: (array, axis,
                // dtype, out, keepdims), no keyword dictionary and no Python wrapper.
                let none = py.None();
                f.call1((view, axis, &none, &none, keepdims))
            } else {
                let kwargs = PyDict::new(py);
                kwargs.set_item(intern!(py, "axis"), axis)?;
                kwargs.set_item(intern!(py, "keepdims"), keepdims)?;
                f.call((view,), Some(&kwargs))
            };
            match result {
                Ok(result) => return Ok(from_numpy(&result)?.into_any().unbind()),
                Err(e)
                    if !is_lazy_reported(py, &e)
                        && !e.is_instance_of::<pyo3::exceptions::PyIndexError>(py) =>
                {
                    return Err(e)
                }
                Err(_) => {}
            }
        }
    }
    let arg_op = matches!(op, "argmax" | "argmin");
    if let (Some(axes), Some(r)) = (
        plain_axes(axis),
        ReduceOp::ALL
            .iter()
            .copied()
            .find(|r| r.name().strip_prefix("reduce_") == Some(op)),
    ) {
        // argmax/argmin take one axis (a tuple is NumPy's TypeError: Python raises it).
        if !(arg_op && axis.cast_exact::<PyTuple>().is_ok()) {
            if let Some(x) = native_value(slf, Reading::Any)? {
                // 0-d arrays with an axis follow NumPy's special cases in Python.
                if axes.is_none() || !x.shape().map(|s| s.is_empty()).unwrap_or(true) {
                    let result = lazy(|| x.reduce(r, axes.as_deref(), keepdims))?;
                    return pending_handle(py, result);
                }
            }
        }
    }
    slf.call_method1(intern!(py, "_reduce_slow"), (op, axis, keepdims))
        .map(Bound::unbind)
}
