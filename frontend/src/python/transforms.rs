//! The transforms' native side: `vjp` over native arrays, and the differentiation
//! roots and constants (`fresh`, `stop_gradient`) `lazyfuse._transforms` builds on.

use pyo3::prelude::*;

use super::errors::{guarded, to_pyerr};
use super::{lazy, NativeArray};

/// The cotangents of `wrt` given those of `outputs` (see `lazyfuse::vjp`); a None
/// cotangent is ones (constants the optimizer folds: `grad`'s seed).
#[pyfunction]
pub(super) fn vjp(
    outputs: Vec<NativeArray>,
    cotangents: Vec<Option<NativeArray>>,
    wrt: Vec<NativeArray>,
) -> PyResult<Vec<NativeArray>> {
    guarded(|| {
        fn arrays(v: &[NativeArray]) -> Vec<&crate::Array> {
            v.iter().map(|n| &n.a).collect()
        }
        let seeds = outputs
            .iter()
            .zip(&cotangents)
            .map(|(o, c)| match c {
                Some(c) => Ok(c.a.clone()),
                None => Ok(crate::Array::ones(o.a.shape()?, o.a.dtype()?)),
            })
            .collect::<crate::Result<Vec<_>>>()
            .map_err(to_pyerr)?;
        crate::vjp(
            &arrays(&outputs),
            &seeds.iter().collect::<Vec<_>>(),
            &arrays(&wrt),
        )
        .map_err(to_pyerr)?
        .into_iter()
        .map(lazy)
        .collect()
    })
}

/// The tangents of `outputs` given those of `wrt` (see `lazyfuse::jvp`).
#[pyfunction]
pub(super) fn jvp(
    outputs: Vec<NativeArray>,
    wrt: Vec<NativeArray>,
    tangents: Vec<NativeArray>,
) -> PyResult<Vec<NativeArray>> {
    guarded(|| {
        fn arrays(v: &[NativeArray]) -> Vec<&crate::Array> {
            v.iter().map(|n| &n.a).collect()
        }
        crate::jvp(&arrays(&outputs), &arrays(&wrt), &arrays(&tangents))
            .map_err(to_pyerr)?
            .into_iter()
            .map(lazy)
            .collect()
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
            .map(|n| lazy(crate::Array::from_node(n)))
            .collect()
    })
}

/// The same values as a new node: a root to differentiate against.
#[pyfunction]
pub(super) fn fresh(a: &NativeArray) -> PyResult<NativeArray> {
    lazy(a.a.fresh())
}

/// The same values, a constant for differentiation.
#[pyfunction]
pub(super) fn stop_gradient(a: &NativeArray) -> PyResult<NativeArray> {
    lazy(a.a.stop_gradient())
}
