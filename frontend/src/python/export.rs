//! `lazyfuse.export`'s native half: trace a function, plan it, and export it as a C
//! library (`crate::export`).

use std::path::PathBuf;

use pyo3::types::PyTuple;

use super::tracing::{native_of, trace};
use super::*;
use crate::export::{export_traced, ExportOptions, ExportTarget};

/// Traces `f` on `args` (static positions as jit's) and exports it; returns the paths
/// written, the link libraries, the CPU, and each output's (dtype, shape).
#[pyfunction]
#[pyo3(signature = (f, args, static_argnums, name, out_dir, target, arg_names, summary))]
#[allow(clippy::too_many_arguments)]
pub(super) fn export<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    static_argnums: Vec<i64>,
    name: String,
    out_dir: PathBuf,
    target: String,
    arg_names: Vec<String>,
    summary: String,
) -> PyResult<Bound<'py, PyDict>> {
    let n = args.len() as i64;
    let traced = trace(f, args, |i| {
        static_argnums
            .iter()
            .any(|&s| s == i as i64 || s == i as i64 - n)
    })?;
    let mut leaves = Vec::new();
    super::pytree::flatten(&traced.out, &mut leaves)?;
    if leaves.is_empty() {
        return Err(error(
            ErrorKind::InvalidArgument,
            format!("export: {summary} returns no array"),
        ));
    }
    let natives = leaves.iter().map(native_of).collect::<PyResult<Vec<_>>>()?;
    let params = traced
        .signature
        .iter()
        .map(|(d, s)| Ok((dtype_from_name(d)?, s.clone())))
        .collect::<PyResult<Vec<_>>>()?;
    let options = ExportOptions {
        name,
        out_dir,
        target: match target.as_str() {
            "host" | "native" => ExportTarget::Host,
            cpu => ExportTarget::Cpu(cpu.to_string()),
        },
        arg_names,
        summary,
    };
    let exported = guarded(|| {
        py.detach(|| {
            let outputs: Vec<&Array> = natives.iter().map(|a| &a.a).collect();
            export_traced(&outputs, &params, &options)
        })
        .map_err(to_pyerr)
    })?;
    let outputs = natives
        .iter()
        .map(|a| -> PyResult<(String, Vec<usize>)> {
            let dtype = a.a.dtype().map_err(to_pyerr)?;
            Ok((
                dtype.numpy_name().to_string(),
                a.a.shape().map_err(to_pyerr)?.to_vec(),
            ))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let d = PyDict::new(py);
    d.set_item("shared_library", exported.shared_library)?;
    d.set_item("static_library", exported.static_library)?;
    d.set_item("header", exported.header)?;
    d.set_item("dlpack_header", exported.dlpack_header)?;
    d.set_item("link_libraries", exported.link_libraries)?;
    d.set_item("cpu", exported.cpu)?;
    d.set_item("inputs", traced.signature)?;
    d.set_item("outputs", outputs)?;
    Ok(d)
}
