//! The CUDA target's Python functions: evaluation on the GPU, the PTX of a program's
//! kernels, the devices and where the executor's time went.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::errors::{guarded, to_pyerr};
use super::{value_to_numpy, NativeArray};
use crate::array::Array;

/// Evaluates several lazy arrays as one program on the first CUDA device (inputs copied
/// there, results back), without the GIL; returns NumPy arrays. A `DeviceError` where
/// there is no CUDA driver or device.
#[pyfunction]
fn evaluate_cuda(py: Python<'_>, arrays: Vec<NativeArray>) -> PyResult<Vec<Py<PyAny>>> {
    let values = guarded(|| {
        py.detach(|| {
            let refs: Vec<&Array> = arrays.iter().map(|l| &l.a).collect();
            crate::eval_with(&refs, crate::Backend::Cuda)
        })
        .map_err(to_pyerr)
    })?;
    Ok(values.into_iter().map(|v| value_to_numpy(py, v)).collect())
}

/// The PTX of each loop kernel of the program computing `arrays` (no GPU needed).
#[pyfunction]
fn cuda_ptx(py: Python<'_>, arrays: Vec<NativeArray>) -> PyResult<Vec<String>> {
    guarded(|| {
        py.detach(|| {
            let refs: Vec<&Array> = arrays.iter().map(|l| &l.a).collect();
            crate::cuda_ptx(&refs)
        })
        .map_err(to_pyerr)
    })
}

/// Where the CUDA executor's time went so far (seconds): "upload", "kernels" (device
/// events around each plan's kernels) and "download"; None before it starts.
#[pyfunction]
fn cuda_timing(py: Python<'_>) -> PyResult<Option<Bound<'_, PyDict>>> {
    let Ok(exec) = lazyfuse_codegen::nvptx::CudaExecutor::global() else {
        return Ok(None);
    };
    let t = exec.timing();
    let (compiles, hits) = exec.stats();
    let d = PyDict::new(py);
    d.set_item("upload", t.upload)?;
    d.set_item("kernels", t.kernels)?;
    d.set_item("download", t.download)?;
    d.set_item("compiles", compiles)?;
    d.set_item("hits", hits)?;
    d.set_item("arch", exec.arch())?;
    d.set_item("device", exec.device_name())?;
    Ok(Some(d))
}

/// The CUDA devices of this machine by name (empty without a driver or device).
#[pyfunction]
fn cuda_devices(py: Python<'_>) -> Vec<String> {
    py.detach(lazyfuse_codegen::nvptx::devices)
}

/// Adds the CUDA functions to the native module.
pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(evaluate_cuda, m)?)?;
    m.add_function(wrap_pyfunction!(cuda_ptx, m)?)?;
    m.add_function(wrap_pyfunction!(cuda_devices, m)?)?;
    m.add_function(wrap_pyfunction!(cuda_timing, m)?)?;
    Ok(())
}
