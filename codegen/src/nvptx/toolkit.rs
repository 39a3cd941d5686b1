//! The pieces of CUDA's toolkit the GPU backend uses besides the driver: libdevice (the
//! math library, as LLVM bitcode) and ptxas (to check PTX where no GPU is). Neither is
//! needed to build lazyfuse; both come with the pip wheel `nvidia-cuda-nvcc-cu12` or a
//! CUDA installation.
//!
//! Looked for in `LAZYFUSE_CUDA_HOME`, the wheel's `nvidia/cuda_nvcc` folder
//! (`LAZYFUSE_NVCC_WHEEL`, set by the Python package where the wheel is installed),
//! `CUDA_HOME`, `CUDA_PATH`, the wheel in the environment of `LAZYFUSE_PYTHON` (the
//! Python `make test` uses), and `/usr/local/cuda`.

use std::path::PathBuf;

/// Candidate toolkit roots, in order of preference.
fn roots() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = [
        "LAZYFUSE_CUDA_HOME",
        "LAZYFUSE_NVCC_WHEEL",
        "CUDA_HOME",
        "CUDA_PATH",
    ]
    .iter()
    .filter_map(std::env::var_os)
    .map(PathBuf::from)
    .collect();
    if let Some(python) = std::env::var_os("LAZYFUSE_PYTHON") {
        // <venv>/bin/python -> <venv>/lib/python3.*/site-packages/nvidia/cuda_nvcc
        // (Lexically: the interpreter is often a link out of the venv.)
        let python = PathBuf::from(python);
        let lib = python
            .parent()
            .and_then(|bin| bin.parent())
            .map(|v| v.join("lib"));
        if let Some(Ok(entries)) = lib.map(std::fs::read_dir) {
            roots.extend(
                entries
                    .flatten()
                    .map(|e| e.path().join("site-packages/nvidia/cuda_nvcc")),
            );
        }
    }
    roots.push(PathBuf::from("/usr/local/cuda"));
    roots
}

/// CUDA's libdevice bitcode, if found.
pub fn libdevice() -> Option<PathBuf> {
    roots()
        .into_iter()
        .map(|r| r.join("nvvm/libdevice/libdevice.10.bc"))
        .find(|p| p.is_file())
}

/// CUDA's PTX assembler, if found (a toolkit root's `bin/ptxas`, else `ptxas` on the
/// `PATH`).
pub fn ptxas() -> Option<PathBuf> {
    roots()
        .into_iter()
        .map(|r| r.join("bin/ptxas"))
        .chain(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths)
                .map(|d| d.join("ptxas")),
        )
        .find(|p| p.is_file())
}
