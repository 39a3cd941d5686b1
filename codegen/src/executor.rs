//! What the frontend asks of any backend: run a kernel plan on its target.

use lazyfuse_ir::kernel::KernelPlan;
use lazyfuse_ir::Value;

use crate::error::CodegenError;

/// Where an executor runs kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// This machine's CPU ([`crate::CpuExecutor`]).
    Cpu,
    /// The first CUDA device ([`crate::nvptx::CudaExecutor`]).
    Cuda,
}

/// A backend: runs a plan's kernels on its target over host values (inputs copied to
/// a device and outputs copied back where the target is one).
pub trait Executor: Send + Sync {
    /// Where it runs.
    fn target(&self) -> TargetKind;

    /// Runs `plan` on `inputs` (one value per input slot).
    fn run(&self, plan: &KernelPlan, inputs: &[Value]) -> Result<Vec<Value>, CodegenError>;
}

/// The process-wide executor of `target`; for CUDA, a `Device` error naming what is
/// missing where there is no driver or device.
pub fn executor(target: TargetKind) -> Result<&'static dyn Executor, CodegenError> {
    Ok(match target {
        TargetKind::Cpu => crate::CpuExecutor::global(),
        TargetKind::Cuda => crate::nvptx::CudaExecutor::global()?,
    })
}

impl Executor for crate::CpuExecutor {
    fn target(&self) -> TargetKind {
        TargetKind::Cpu
    }

    fn run(&self, plan: &KernelPlan, inputs: &[Value]) -> Result<Vec<Value>, CodegenError> {
        crate::CpuExecutor::run(self, plan, inputs)
    }
}

impl Executor for crate::nvptx::CudaExecutor {
    fn target(&self) -> TargetKind {
        TargetKind::Cuda
    }

    fn run(&self, plan: &KernelPlan, inputs: &[Value]) -> Result<Vec<Value>, CodegenError> {
        crate::nvptx::CudaExecutor::run(self, plan, inputs)
    }
}
