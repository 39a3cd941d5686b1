//! Evaluation: lazy arrays → Program → a backend → values.

use std::sync::{Arc, Mutex, OnceLock};

use lazyfuse_codegen::{CpuExecutor, InputView, PreparedPlan, TargetKind};
use lazyfuse_ir::{interpret, Element, Leaf, Node, Program, ProgramHash, Value};
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
    /// Optimised, fused and compiled for the first CUDA device (inputs copied there,
    /// results copied back); a `Device` error where there is no driver or device.
    Cuda,
}

/// A program optimised and planned for one target: for the CPU, prepared (its kernels
/// found in the executor's cache); for another target, the plan its executor runs.
enum Planned {
    Cpu(Arc<PreparedPlan>),
    Other(Arc<lazyfuse_ir::kernel::KernelPlan>),
}

/// Plans by (program hash, target), at most 4,096 (a process that builds endless new
/// programs starts over).
type PlanCache = Mutex<lazyfuse_ir::idhash::IdMap<(ProgramHash, TargetKind), Planned>>;

fn plan_cache() -> &'static PlanCache {
    static PLANS: OnceLock<PlanCache> = OnceLock::new();
    PLANS.get_or_init(Default::default)
}

impl Clone for Planned {
    fn clone(&self) -> Planned {
        match self {
            Planned::Cpu(p) => Planned::Cpu(p.clone()),
            Planned::Other(p) => Planned::Other(p.clone()),
        }
    }
}

/// `program` optimised and planned for `target`, from the cache or made now and kept
/// there: evaluating an equal program again skips optimisation and planning.
fn cached_plan(program: &Program, target: TargetKind) -> Result<Planned> {
    let key = (program.canonical_hash(), target);
    if let Some(plan) = plan_cache().lock().expect("plan cache").get(&key) {
        return Ok(plan.clone());
    }
    let options = lazyfuse_optimizer::Options::default();
    let optimized = lazyfuse_optimizer::optimize(program, &options)?;
    let kernel_plan = lazyfuse_optimizer::plan(&optimized.program, &options.fusion)
        .map_err(lazyfuse_optimizer::OptimizeError::Plan)?;
    let plan = match target {
        TargetKind::Cpu => Planned::Cpu(Arc::new(
            CpuExecutor::global().prepare(Arc::new(kernel_plan))?,
        )),
        _ => {
            kernel_plan.verify()?;
            Planned::Other(Arc::new(kernel_plan))
        }
    };
    let mut plans = plan_cache().lock().expect("plan cache");
    if plans.len() >= 4096 {
        plans.clear();
    }
    plans.insert(key, plan.clone());
    Ok(plan)
}

/// The plan of `program` for a target other than the CPU.
fn planned_for(
    program: &Program,
    target: TargetKind,
) -> Result<Arc<lazyfuse_ir::kernel::KernelPlan>> {
    match cached_plan(program, target)? {
        Planned::Other(plan) => Ok(plan),
        Planned::Cpu(prepared) => Ok(Arc::new(prepared.plan().clone())),
    }
}

/// The PTX of each loop kernel of the program computing `arrays`, as the GPU backend
/// compiles it: for the first CUDA device's architecture, else for
/// [`lazyfuse_codegen::nvptx::DEFAULT_ARCH`] (no GPU needed).
pub fn cuda_ptx(arrays: &[&Array]) -> Result<Vec<String>> {
    use lazyfuse_codegen::nvptx;
    // (Parameters are fine: a traced function's PTX needs no values.)
    let (program, _) = Program::from_outputs(&nodes(arrays)?)?;
    let plan = planned_for(&program, TargetKind::Cuda)?;
    let arch = nvptx::CudaExecutor::global()
        .map(|e| e.arch().to_string())
        .unwrap_or_else(|_| nvptx::DEFAULT_ARCH.to_string());
    let dtypes: Vec<lazyfuse_ir::DType> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
    let mut out = Vec::new();
    for kernel in &plan.kernels {
        if let lazyfuse_ir::kernel::Kernel::Loop(l) = kernel {
            out.push(nvptx::kernel_ptx(
                l,
                &dtypes,
                &arch,
                nvptx::Variant::Threads,
            )?);
        }
    }
    Ok(out)
}

/// `program` optimised, planned and prepared for the CPU (cached: see [`cached_plan`]).
pub(crate) fn planned(program: &Program) -> Result<Arc<PreparedPlan>> {
    match cached_plan(program, TargetKind::Cpu)? {
        Planned::Cpu(prepared) => Ok(prepared),
        Planned::Other(_) => Err(Error::Codegen(lazyfuse_codegen::CodegenError::Internal(
            "a CPU plan cached as another target's".into(),
        ))),
    }
}

/// Evaluates `array` straight into `out` (NumPy's `dst[...] = expr` without a
/// temporary) and returns `Ok(true)`; `Ok(false)`, having computed nothing, where the
/// compiled plan cannot write there (see `PreparedPlan::run_into`). Shared work is not
/// remembered here (the one output is the caller's memory).
///
/// # Safety
/// As [`PreparedPlan::run_into`]: `out`'s elements are valid, aligned and writable, and
/// nothing else touches them during the call.
pub unsafe fn eval_into(array: &Array, out: &InputView<'_>) -> Result<bool> {
    let (program, leaves) = lower(&[array])?;
    if crate::warnings::has_integer_division(&program) {
        return Ok(false); // an integer division's warnings need the probes' outputs
    }
    let plan = planned(&program)?;
    let views: Vec<InputView<'_>> = leaves.iter().map(input_view).collect();
    // SAFETY: forwarded from the caller.
    Ok(unsafe { plan.run_into(&views, out)? })
}

/// The arrays' nodes, or the first error one carries.
fn nodes(arrays: &[&Array]) -> Result<Vec<Node>> {
    arrays.iter().map(|a| a.node().cloned()).collect()
}

/// The Program computing `arrays` and what its input slots are bound to.
fn lower(arrays: &[&Array]) -> Result<(Program, Vec<Leaf>)> {
    lower_nodes(&nodes(arrays)?)
}

/// Probes of the integer divisions in `outputs`' graph (see `crate::warnings`).
type Probes = Vec<(&'static str, Node)>;

/// [`lower_nodes`] of `all` (the outputs first), with the zero-divisor probes of the
/// integer divisions computing `outputs` appended as further outputs when the program
/// holds any (the graph is walked for them only then).
fn lower_probed(all: Vec<Node>, outputs: &[Node]) -> Result<(Program, Vec<Leaf>, Probes)> {
    let order = lazyfuse_ir::post_order(&all);
    lower_probed_in(&order, all, outputs)
}

/// [`lower_probed`] given `all`'s [`lazyfuse_ir::post_order`].
fn lower_probed_in(
    order: &[Node],
    mut all: Vec<Node>,
    outputs: &[Node],
) -> Result<(Program, Vec<Leaf>, Probes)> {
    let (program, leaves) = lower_order(order, &all)?;
    if !crate::warnings::has_integer_division(&program) {
        return Ok((program, leaves, Vec::new()));
    }
    let probes = crate::warnings::division_probes(outputs);
    all.extend(probes.iter().map(|(_, n)| n.clone()));
    let (program, leaves) = lower_nodes(&all)?;
    Ok((program, leaves, probes))
}

/// The Program computing `nodes` and what its input slots are bound to.
fn lower_nodes(nodes: &[Node]) -> Result<(Program, Vec<Leaf>)> {
    lower_order(&lazyfuse_ir::post_order(nodes), nodes)
}

/// [`lower_nodes`] given the nodes' [`lazyfuse_ir::post_order`].
fn lower_order(order: &[Node], nodes: &[Node]) -> Result<(Program, Vec<Leaf>)> {
    let (program, leaves) = Program::from_order(order, nodes)?;
    if let Some(Leaf::Param(n)) = leaves.iter().find(|l| matches!(l, Leaf::Param(_))) {
        return Err(Error::UnboundParameter(*n));
    }
    Ok((program, leaves))
}

/// The in-place view of a data leaf (parameters were rejected by `lower`).
pub(crate) fn input_view(leaf: &Leaf) -> InputView<'_> {
    match leaf {
        Leaf::Data(v) => InputView::of(v),
        // SAFETY: External's contract: aligned and readable while its owner lives,
        // and the leaf holds the owner for the view's lifetime.
        Leaf::External(e) => unsafe {
            InputView::from_raw(e.ptr(), e.ty().dtype, e.ty().shape.dims(), e.strides())
        },
        Leaf::Param(n) => unreachable!("lower rejects unbound parameter {n}"),
    }
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
    let mut e = lazyfuse_optimizer::explain(&program(arrays)?, options)?;
    e.inputs = Program::input_notes(&nodes(arrays)?)?
        .into_iter()
        .map(|(slot, note)| format!("{}: {note}", lazyfuse_ir::node_name(slot)))
        .collect();
    Ok(e)
}

/// Evaluates several arrays as one program (shared work is done once).
pub fn eval(arrays: &[&Array]) -> Result<Vec<Value>> {
    eval_with(arrays, Backend::default())
}

/// [`eval`] on a chosen backend.
pub fn eval_with(arrays: &[&Array], backend: Backend) -> Result<Vec<Value>> {
    let outputs = nodes(arrays)?;
    match backend {
        Backend::Interpreter => {
            let (program, leaves, probes) = lower_probed(outputs.clone(), &outputs)?;
            // The oracle works on owned values: borrowed data is copied.
            let inputs: Vec<Value> = leaves.into_iter().filter_map(Leaf::into_value).collect();
            let mut values = interpret(&program, &inputs)?;
            crate::warnings::record(&probes, &values[outputs.len()..]);
            values.truncate(outputs.len());
            Ok(values)
        }
        Backend::Cuda => {
            let (program, leaves) = lower_nodes(&outputs)?;
            let plan = planned_for(&program, TargetKind::Cuda)?;
            let inputs: Vec<Value> = leaves.into_iter().filter_map(Leaf::into_value).collect();
            Ok(lazyfuse_codegen::executor(TargetKind::Cuda)?.run(&plan, &inputs)?)
        }
        Backend::Cpu => {
            // Work other arrays or graphs still hold is output too and remembered on its
            // node: a loop evaluating a scalar each iteration (a norm, a residual) does
            // not recompute the loop-carried arrays from the start, and the pending
            // graph ends where the last evaluation did.
            // One walk of the graph serves both: the shared nodes are reached from the
            // outputs, so the walk from all of them is the same.
            let order = lazyfuse_ir::post_order(&outputs);
            let shared = lazyfuse_ir::shared_intermediates_in(&order, &outputs);
            let all: Vec<Node> = outputs.iter().chain(&shared).cloned().collect();
            let (program, leaves, probes) = lower_probed_in(&order, all, &outputs)?;
            let plan = planned(&program)?;
            let mut values = if leaves.iter().all(|l| matches!(l, Leaf::Data(_))) {
                // Owned values: an output that is an input unchanged is shared.
                let inputs: Vec<Value> = leaves.into_iter().filter_map(Leaf::into_value).collect();
                plan.run(&inputs)?
            } else {
                let views: Vec<InputView<'_>> = leaves.iter().map(input_view).collect();
                plan.run_views(&views)?
            };
            let probed = values.split_off(outputs.len() + shared.len());
            crate::warnings::record(&probes, &probed);
            for (node, value) in shared.iter().zip(values.drain(outputs.len()..)) {
                node.set_computed(value);
            }
            Ok(values)
        }
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

    /// `eval_into` writes an elementwise result through any destination strides, and
    /// refuses (writing nothing) where it cannot: an overlapping destination, another
    /// shape, a reduction.
    #[test]
    fn eval_into_writes_strided_destinations_and_refuses_unsafe_ones() {
        let a = Array::from(array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        let expr = &a * 2.0 + 1.0;
        // A 2x3 destination inside a 4x6 buffer, every other row and column, reversed.
        let mut storage = vec![0.0f64; 24];
        let base = storage.as_mut_ptr();
        // SAFETY: element 0 is storage[20]; offsets 20 - 12i - 2j stay inside.
        let out = unsafe {
            InputView::from_raw(
                base.add(20) as *const u8,
                lazyfuse_ir::DType::F64,
                &[2, 3],
                &[-12, -2],
            )
        };
        // SAFETY: the view's elements lie in `storage`, which nothing else touches.
        assert!(unsafe { eval_into(&expr, &out) }.unwrap());
        for (i, j) in [(0usize, 0usize), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)] {
            let want = (a.to_ndarray::<f64>().unwrap()[[i, j]]) * 2.0 + 1.0;
            assert_eq!(storage[20 - 12 * i - 2 * j], want);
        }
        assert_eq!(storage.iter().filter(|v| **v != 0.0).count(), 6);
        let small = unsafe {
            InputView::from_raw(base as *const u8, lazyfuse_ir::DType::F64, &[3, 2], &[2, 1])
        };
        // SAFETY: as above.
        assert!(!unsafe { eval_into(&expr, &small) }.unwrap()); // another shape
        let reduced = &a - a.sum_axes(&[1], true);
        let whole = unsafe {
            InputView::from_raw(base as *const u8, lazyfuse_ir::DType::F64, &[2, 3], &[3, 1])
        };
        // SAFETY: as above.
        assert!(!unsafe { eval_into(&reduced, &whole) }.unwrap()); // not elementwise
    }

    /// Borrowed (external) data is read in place by the CPU backend, copied for the
    /// interpreter, through any strides, and mixed with owned data.
    #[test]
    fn external_data_is_read_in_place() {
        let storage: Arc<Vec<f64>> = Arc::new((0..12).map(|i| i as f64).collect());
        // A reversed 3x4 view of the 12 values: element 0 is the last one.
        let ty = lazyfuse_ir::TensorType::new(
            lazyfuse_ir::DType::F64,
            lazyfuse_ir::Shape::from([3usize, 4].as_slice()),
        );
        // SAFETY: aligned f64s, all reachable offsets (0 down to -11) inside the Vec,
        // kept alive by the owner; nothing writes them.
        let external = unsafe {
            lazyfuse_ir::External::new(
                ty,
                storage.as_ptr().add(11) as *const u8,
                vec![-4, -1],
                storage.clone(),
            )
            .unwrap()
        };
        let x = Array::from_node(lazyfuse_ir::Node::external(external));
        let y = Array::from(array![1.0, 2.0, 3.0, 4.0]);
        let z = (&x * 2.0 + &y).sum_axes(&[1], false);
        let want = array![
            11.0 + 10.0 + 9.0 + 8.0,
            7.0 + 6.0 + 5.0 + 4.0,
            3.0 + 2.0 + 1.0
        ]
        .mapv(|s: f64| 2.0 * s + 10.0)
        .into_dyn();
        for backend in [Backend::Cpu, Backend::Interpreter] {
            let got = z.eval_with(backend).unwrap().into_array::<f64>().unwrap();
            assert_eq!(got, want, "{backend:?}");
        }
        // Returned unchanged: a copy of the borrowed elements.
        assert_eq!(
            x.eval().unwrap().into_array::<f64>().unwrap(),
            ndarray::Array1::from_iter((0..12).rev().map(|i| i as f64))
                .into_shape_with_order((3, 4))
                .unwrap()
                .into_dyn()
        );
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
