//! The transforms' native side: `vjp` over native arrays, and the differentiation
//! roots and constants (`fresh`, `stop_gradient`) `lazyfuse._transforms` builds on.

use pyo3::prelude::*;

use super::errors::{guarded, to_pyerr};
use super::{lazy, NativeArray};

/// A custom rule from Python: the node, its inputs and `rule(g) -> [cotangent or None]`.
type PyCustom = (NativeArray, Vec<NativeArray>, Py<PyAny>);

/// A rule as the Rust API takes it.
type CustomFn<'a> = Box<dyn Fn(&crate::Array) -> crate::Result<Vec<Option<crate::Array>>> + 'a>;

/// Python's custom rules as the Rust API's: each rule calls back into Python (the GIL
/// is held: the transforms run inside a Python call).
fn customs<'py>(py: Python<'py>, list: Vec<PyCustom>) -> Vec<crate::Custom<'py>> {
    list.into_iter()
        .map(|(node, inputs, rule)| {
            let call = move |g: &crate::Array| -> crate::Result<Vec<Option<crate::Array>>> {
                let out = rule
                    .call1(py, (NativeArray { a: g.clone() },))
                    .and_then(|r| r.extract::<Vec<Option<NativeArray>>>(py))
                    .map_err(|e| {
                        crate::Error::from(lazyfuse_ir::IrError::InvalidArgument {
                            op: "custom_vjp",
                            message: format!("the backward rule raised {e}"),
                        })
                    })?;
                Ok(out.into_iter().map(|o| o.map(|n| n.a)).collect())
            };
            let boxed: CustomFn<'py> = Box::new(call);
            (node.a, inputs.into_iter().map(|n| n.a).collect(), boxed)
        })
        .collect()
}

/// The native arrays of a transform's results (its error as Python's).
fn natives(result: crate::Result<Vec<crate::Array>>) -> PyResult<Vec<NativeArray>> {
    result
        .map_err(to_pyerr)?
        .into_iter()
        .map(|a| lazy(|| a))
        .collect()
}

/// Registers the transforms' functions in the native module.
pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(vjp, m)?)?;
    m.add_function(wrap_pyfunction!(jvp, m)?)?;
    m.add_function(wrap_pyfunction!(vmap, m)?)?;
    m.add_function(wrap_pyfunction!(fresh, m)?)?;
    m.add_function(wrap_pyfunction!(is_traced, m)?)?;
    m.add_function(wrap_pyfunction!(stop_gradient, m)?)?;
    Ok(())
}

/// The Rust arrays of native ones.
fn arrays(v: &[NativeArray]) -> Vec<&crate::Array> {
    v.iter().map(|n| &n.a).collect()
}

/// The cotangents of `wrt` given those of `outputs` (see `lazyfuse::vjp`); a None
/// cotangent is ones (constants the optimizer folds: `grad`'s seed).
#[pyfunction]
#[pyo3(signature = (outputs, cotangents, wrt, custom=Vec::new()))]
pub(super) fn vjp(
    py: Python<'_>,
    outputs: Vec<NativeArray>,
    cotangents: Vec<Option<NativeArray>>,
    wrt: Vec<NativeArray>,
    custom: Vec<PyCustom>,
) -> PyResult<Vec<NativeArray>> {
    guarded(|| {
        let seeds = outputs
            .iter()
            .zip(&cotangents)
            .map(|(o, c)| match c {
                Some(c) => Ok(c.a.clone()),
                None => Ok(crate::Array::ones(o.a.shape()?, o.a.dtype()?)),
            })
            .collect::<crate::Result<Vec<_>>>()
            .map_err(to_pyerr)?;
        natives(crate::vjp_custom(
            &arrays(&outputs),
            &seeds.iter().collect::<Vec<_>>(),
            &arrays(&wrt),
            customs(py, custom),
        ))
    })
}

/// The tangents of `outputs` given those of `wrt` (see `lazyfuse::jvp`).
#[pyfunction]
#[pyo3(signature = (outputs, wrt, tangents, custom=Vec::new()))]
pub(super) fn jvp(
    py: Python<'_>,
    outputs: Vec<NativeArray>,
    wrt: Vec<NativeArray>,
    tangents: Vec<NativeArray>,
    custom: Vec<PyCustom>,
) -> PyResult<Vec<NativeArray>> {
    guarded(|| {
        natives(crate::jvp_custom(
            &arrays(&outputs),
            &arrays(&wrt),
            &arrays(&tangents),
            customs(py, custom),
        ))
    })
}

/// `outputs` (computed from the per-example `placeholders`) rebuilt for a batch: each
/// placeholder replaced by its batched value (`values`, the mapped axis first, of
/// length `size`); every result gets a leading batch axis.
#[pyfunction]
pub(super) fn vmap(
    outputs: Vec<NativeArray>,
    placeholders: Vec<NativeArray>,
    values: Vec<NativeArray>,
    size: usize,
) -> PyResult<Vec<NativeArray>> {
    guarded(|| {
        let node = |n: &NativeArray| n.a.node().cloned().map_err(to_pyerr);
        let outs = outputs.iter().map(node).collect::<PyResult<Vec<_>>>()?;
        let subs = placeholders
            .iter()
            .zip(&values)
            .map(|(p, v)| Ok((node(p)?, node(v)?)))
            .collect::<PyResult<Vec<_>>>()?;
        lazyfuse_ir::batching::vmap(&outs, &subs, size)
            .map_err(|e| to_pyerr(e.into()))?
            .into_iter()
            .map(|n| lazy(|| crate::Array::from_node(n)))
            .collect()
    })
}

/// Whether the array's graph reads a traced function's parameters.
#[pyfunction]
pub(super) fn is_traced(a: &NativeArray) -> bool {
    a.a.is_traced()
}

/// The same values as a new node: a root to differentiate against.
#[pyfunction]
pub(super) fn fresh(a: &NativeArray) -> PyResult<NativeArray> {
    lazy(|| a.a.fresh())
}

/// The same values, a constant for differentiation.
#[pyfunction]
pub(super) fn stop_gradient(a: &NativeArray) -> PyResult<NativeArray> {
    lazy(|| a.a.stop_gradient())
}
