//! Evaluation: lazy arrays → Program → a backend → values.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use lazyfuse_codegen::{CpuExecutor, PreparedPlan};
use lazyfuse_ir::{interpret, Element, Leaf, Program, ProgramHash, Value};
use ndarray::ArrayD;

use crate::array::Array;
use crate::error::{Error, Result};

/// Where evaluation runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// Optimised, fused and compiled for this machine's CPU (the default).
    #[default]
    Cpu,
    /// The reference interpreter of the ir crate (ndarray, op by op, unoptimised): the
    /// oracle, slower.
    Interpreter,
}

/// Optimised and planned programs by canonical hash: evaluating an equal program again
/// skips optimisation and planning (and its kernels are in the executor's cache).
pub(crate) fn planned(program: &Program) -> Result<Arc<PreparedPlan>> {
    static PLANS: OnceLock<Mutex<HashMap<ProgramHash, Arc<PreparedPlan>>>> = OnceLock::new();
    let plans = PLANS.get_or_init(Default::default);
    let key = program.canonical_hash();
    if let Some(plan) = plans.lock().expect("plan cache").get(&key) {
        return Ok(plan.clone());
    }
    let options = lazyfuse_optimizer::Options::default();
    let optimized = lazyfuse_optimizer::optimize(program, &options)?;
    let kernel_plan = lazyfuse_optimizer::plan(&optimized.program, &options.fusion)
        .map_err(lazyfuse_optimizer::OptimizeError::Plan)?;
    let plan = Arc::new(CpuExecutor::global().prepare(Arc::new(kernel_plan))?);
    let mut plans = plans.lock().expect("plan cache");
    if plans.len() >= 4096 {
        plans.clear(); // bounded memory for processes that build endless new programs
    }
    plans.insert(key, plan.clone());
    Ok(plan)
}

/// The Program computing `arrays` and the values bound to its input slots.
fn lower(arrays: &[&Array]) -> Result<(Program, Vec<Value>)> {
    let nodes = arrays
        .iter()
        .map(|a| a.node().cloned())
        .collect::<Result<Vec<_>>>()?;
    let (program, leaves) = Program::from_outputs(&nodes)?;
    let values = leaves
        .into_iter()
        .map(|leaf| match leaf {
            Leaf::Data(v) => Ok(v),
            Leaf::Param(n) => Err(Error::UnboundParameter(n)),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((program, values))
}

/// The Program that computes `arrays` (one output each), e.g. to print its text form.
pub fn program(arrays: &[&Array]) -> Result<Program> {
    let nodes = arrays
        .iter()
        .map(|a| a.node().cloned())
        .collect::<Result<Vec<_>>>()?;
    Ok(Program::from_outputs(&nodes)?.0)
}

/// What the optimizer does with the program computing `arrays`: the program before and
/// after optimisation, the rewrites and the kernel plan.
pub fn explain(
    arrays: &[&Array],
    options: &lazyfuse_optimizer::Options,
) -> Result<lazyfuse_optimizer::Explanation> {
    Ok(lazyfuse_optimizer::explain(&program(arrays)?, options)?)
}

/// Evaluates several arrays as one program (shared work is done once).
pub fn eval(arrays: &[&Array]) -> Result<Vec<Value>> {
    eval_with(arrays, Backend::default())
}

/// [`eval`] on a chosen backend.
pub fn eval_with(arrays: &[&Array], backend: Backend) -> Result<Vec<Value>> {
    let (program, inputs) = lower(arrays)?;
    match backend {
        Backend::Interpreter => Ok(interpret(&program, &inputs)?),
        Backend::Cpu => Ok(planned(&program)?.run(&inputs)?),
    }
}

impl Array {
    /// Computes this array.
    pub fn eval(&self) -> Result<Value> {
        self.eval_with(Backend::default())
    }

    /// Computes this array on a chosen backend.
    pub fn eval_with(&self, backend: Backend) -> Result<Value> {
        Ok(eval_with(&[self], backend)?.remove(0))
    }

    /// Computes this array as an ndarray of element type `T` (which must be its dtype).
    pub fn to_ndarray<T: Element>(&self) -> Result<ArrayD<T>> {
        let value = self.eval()?;
        if value.dtype() != T::DTYPE {
            return Err(Error::DTypeMismatch {
                expected: T::DTYPE,
                found: value.dtype(),
            });
        }
        Ok(value.into_array::<T>()?)
    }

    /// The Program computing this array.
    pub fn program(&self) -> Result<Program> {
        program(&[self])
    }

    /// What the optimizer does with this array's program (default options).
    pub fn explain(&self) -> Result<lazyfuse_optimizer::Explanation> {
        explain(&[self], &lazyfuse_optimizer::Options::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn shared_inputs_bind_once() {
        let a = Array::from(array![1.0, 2.0, 3.0]);
        let b = &a * &a + &a;
        let p = b.program().unwrap();
        assert_eq!(p.inputs().len(), 1);
        assert_eq!(
            b.to_ndarray::<f64>().unwrap(),
            array![2.0, 6.0, 12.0].into_dyn()
        );
        assert!(matches!(
            b.to_ndarray::<f32>(),
            Err(Error::DTypeMismatch { .. })
        ));
    }

    #[test]
    fn backends_agree() {
        let x = Array::from(array![[1.0, -2.0, 3.5], [0.25, 8.0, -1.0]]);
        let y = ((&x * 2.0).exp() - x.sum_axes(&[1], true))
            .tanh()
            .max_axes(&[0], false);
        let cpu = y
            .eval_with(Backend::Cpu)
            .unwrap()
            .into_array::<f64>()
            .unwrap();
        let reference = y
            .eval_with(Backend::Interpreter)
            .unwrap()
            .into_array::<f64>()
            .unwrap();
        for (a, b) in cpu.iter().zip(&reference) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{cpu} vs {reference}"
            );
        }
    }

    #[test]
    fn parameters_are_not_values() {
        let p = Array::param(0, lazyfuse_ir::DType::F64, &[3]);
        assert_eq!((p * 2.0).eval().unwrap_err(), Error::UnboundParameter(0));
    }
}
