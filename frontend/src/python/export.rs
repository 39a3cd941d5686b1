//! `lazyfuse.export`'s native half: trace a function, plan it, and export it as a C
//! library (`crate::export`).

use std::path::PathBuf;

use pyo3::types::PyTuple;

use super::tracing::{is_static_arg, native_of, trace_shaped};
use super::*;
use crate::export::{export_instances, plan_instances, plan_traced, ExportOptions, ExportTarget};

/// A trace's output arrays and its parameters' (dtype name, shape).
type Traced = (Vec<NativeArray>, Vec<(String, Vec<usize>)>);

/// Traces `f` on `args` (static positions as jit's) and exports it (shape-generic:
/// traced again at a grid of sizes); returns the paths written, the link libraries,
/// the CPU, each output's (dtype, shape) and the sizes [(input, axis, traced value)].
#[pyfunction]
#[pyo3(signature = (f, args, static_argnums, name, out_dir, target, arg_names, summary, dynamic))]
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
    dynamic: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let n = args.len();
    let is_static = |i: usize| is_static_arg(&static_argnums, i, n);
    // The outputs traced at `shapes` (None: the arguments' own).
    let outputs_at = |shapes: Option<&[Vec<usize>]>| -> PyResult<Traced> {
        let traced = trace_shaped(f, args, is_static, shapes)?;
        let mut leaves = Vec::new();
        super::pytree::flatten(&traced.out, &mut leaves)?;
        if leaves.is_empty() {
            return Err(error(
                ErrorKind::InvalidArgument,
                format!("export: {summary} returns no array"),
            ));
        }
        let natives = leaves.iter().map(native_of).collect::<PyResult<Vec<_>>>()?;
        Ok((natives, traced.signature))
    };
    let (natives, signature) = outputs_at(None)?;
    let params = signature
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
        summary: summary.clone(),
        dynamic,
    };
    // Tracing needs the interpreter; planning and compiling run without the GIL's help.
    let mut first = Some(natives.iter().map(|a| a.a.clone()).collect::<Vec<Array>>());
    let mut python_error = None;
    let planned = guarded(|| {
        plan_instances(
            |shaped| {
                let arrays = match first.take() {
                    Some(arrays) if shaped == params.as_slice() => arrays,
                    _ => {
                        let shapes: Vec<Vec<usize>> =
                            shaped.iter().map(|(_, s)| s.clone()).collect();
                        match outputs_at(Some(&shapes)) {
                            Ok((natives, _)) => natives.into_iter().map(|a| a.a).collect(),
                            Err(e) => {
                                let message = format!("export: tracing at shapes {shapes:?}: {e}");
                                python_error = Some(e);
                                return Err(crate::Error::Codegen(
                                    lazyfuse_codegen::CodegenError::Export(message),
                                ));
                            }
                        }
                    }
                };
                let refs: Vec<&Array> = arrays.iter().collect();
                py.detach(|| plan_traced(&refs, shaped.len(), dynamic))
            },
            &params,
            &options,
        )
        .map_err(to_pyerr)
    });
    if let Some(e) = python_error {
        return Err(e);
    }
    let (instances, symbols) = planned?;
    // LLVM and the C compiler run without the GIL.
    let exported = guarded(|| {
        py.detach(|| export_instances(&instances, &symbols, &options))
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
    d.set_item("inputs", signature)?;
    d.set_item("outputs", outputs)?;
    let sizes: Vec<(usize, usize, usize)> = if dynamic {
        crate::export::size_symbols(&params)
            .iter()
            .map(|s| (s.arg, s.axis, s.example))
            .collect()
    } else {
        Vec::new()
    };
    d.set_item("sizes", sizes)?;
    Ok(d)
}
