//! A traced function compiled once (`Compiled`), called by `tracing::Jitted`.

use std::sync::OnceLock;

use super::jit_frame::{FrameCall, Outputs};
use super::*;

/// A traced function compiled once: its plan, and where each input slot comes from
/// (captured data, or the n-th call argument).
#[pyclass(name = "Compiled", module = "lazyfuse._native", frozen)]
pub(super) struct Compiled {
    plan: Arc<PreparedPlan>,
    leaves: Vec<Leaf>,
    /// Whether the slots are exactly the parameters in order (no captured data), so a
    /// call's arguments are the plan's inputs as they are.
    params_only: bool,
    params: Vec<(DType, Vec<usize>)>,
    /// The NumPy functions of the integer divisions whose zero-divisor probes follow
    /// the outputs (see `crate::warnings`).
    probes: Vec<&'static str>,
    /// Whether a run is short enough (loop kernels over few elements) that it keeps
    /// the GIL: releasing and taking it back costs more than the run (about 0.1 us of
    /// a 1 us call).
    brief: bool,
    /// The call prepared for the layout of the first run's arguments, where the plan
    /// allows one (brief, parameters only, no probes: see `jit_frame`).
    frame: OnceLock<Option<FrameCall>>,
}

/// Buffers of at most this many elements in all make a brief run (a few microseconds
/// of loops at most).
const BRIEF_ELEMENTS: usize = 1 << 14;

/// Whether `plan` runs only loop kernels over at most [`BRIEF_ELEMENTS`] elements.
fn brief(plan: &lazyfuse_ir::kernel::KernelPlan) -> bool {
    plan.kernels
        .iter()
        .all(|k| matches!(k, lazyfuse_ir::kernel::Kernel::Loop(_)))
        && plan
            .buffers
            .iter()
            .map(|b| b.ty.shape.numel())
            .fold(0usize, usize::saturating_add)
            <= BRIEF_ELEMENTS
}

/// A placeholder for argument `index` of a traced function.
#[pyfunction]
pub(super) fn param(index: usize, dtype: &str, shape: Vec<usize>) -> PyResult<NativeArray> {
    let dtype = dtype_from_name(dtype)?;
    lazy(|| Array::param(index, dtype, &shape))
}

/// Optimises, plans and compiles the program computing `outputs` from parameters
/// `0..params.len()` (each given as (dtype, shape)).
#[pyfunction]
pub(super) fn compile(
    py: Python<'_>,
    outputs: Vec<NativeArray>,
    params: Vec<(String, Vec<usize>)>,
) -> PyResult<Compiled> {
    let params = params
        .into_iter()
        .map(|(d, s)| Ok((dtype_from_name(&d)?, s)))
        .collect::<PyResult<Vec<_>>>()?;
    guarded(|| {
        py.detach(|| -> Result<Compiled, Error> {
            let nodes = outputs
                .iter()
                .map(|l| l.a.node().cloned())
                .collect::<Result<Vec<_>, Error>>()?;
            let probes = crate::warnings::division_probes(&nodes);
            let all: Vec<_> = nodes
                .iter()
                .cloned()
                .chain(probes.iter().map(|(_, n)| n.clone()))
                .collect();
            let (program, leaves): (Program, Vec<Leaf>) = Program::from_outputs(&all)?;
            let plan = crate::eval::planned(&program)?;
            let params_only = leaves.len() == params.len()
                && leaves
                    .iter()
                    .enumerate()
                    .all(|(k, l)| matches!(l, Leaf::Param(n) if *n == k));
            Ok(Compiled {
                brief: brief(plan.plan()),
                plan,
                leaves,
                params_only,
                params,
                probes: probes.into_iter().map(|(f, _)| f).collect(),
                frame: OnceLock::new(),
            })
        })
        .map_err(to_pyerr)
    })
}

impl Compiled {
    /// The outputs of a call on `args` through the prepared frame, or None where the
    /// arguments do not fit it (the general path then runs).
    pub(super) fn call_frame(
        &self,
        py: Python<'_>,
        args: &[Bound<'_, PyAny>],
    ) -> Option<PyResult<Outputs>> {
        self.frame.get()?.as_ref()?.call(py, args)
    }

    /// Views of the call's arguments when they are NumPy arrays of exactly the traced
    /// dtypes and shapes that can be read in place; None otherwise.
    pub(super) fn views_exact<'py>(
        &self,
        args: &[Bound<'py, PyAny>],
    ) -> Option<Vec<InputView<'py>>> {
        if args.len() != self.params.len() {
            return None;
        }
        args.iter()
            .zip(&self.params)
            .map(|(arg, (dtype, shape))| {
                let v = numpy_view(arg, *dtype)?;
                (v.shape() == shape.as_slice()).then_some(v)
            })
            .collect()
    }

    /// Runs the plan with `args` in the parameters' slots (captured data in the others);
    /// NumPy arrays out.
    pub(super) fn run(&self, py: Python<'_>, args: Vec<InputView<'_>>) -> PyResult<Vec<Py<PyAny>>> {
        let views: Vec<InputView<'_>> = if self.params_only {
            args
        } else {
            self.leaves
                .iter()
                .map(|leaf| match leaf {
                    Leaf::Param(n) => args[*n].clone(),
                    data => crate::eval::input_view(data),
                })
                .collect()
        };
        let mut values = guarded(|| {
            if self.brief {
                self.plan.run_views(&views)
            } else {
                py.detach(|| self.plan.run_views(&views))
            }
            .map_err(|e| to_pyerr(Error::Codegen(e)))
        })?;
        if self.brief && self.probes.is_empty() && self.frame.get().is_none() {
            // The run computed the parameters for these arguments' layout. Captured
            // data stays where it is: `self.leaves` owns it.
            let params: Vec<Option<usize>> = if self.params_only {
                (0..views.len()).map(Some).collect()
            } else {
                self.leaves
                    .iter()
                    .map(|l| match l {
                        Leaf::Param(n) => Some(*n),
                        _ => None,
                    })
                    .collect()
            };
            let arity = self.params.len();
            let frame = guarded(|| Ok(FrameCall::new(py, &self.plan, &views, &params, arity)))?;
            let _ = self.frame.set(frame);
        }
        if !self.probes.is_empty() {
            let probed = values.split_off(values.len() - self.probes.len());
            crate::warnings::record_functions(self.probes.iter().copied(), &probed);
            super::warnings::numpy_warnings(py)?;
        }
        Ok(values.into_iter().map(|v| value_to_numpy(py, v)).collect())
    }
}

#[pymethods]
impl Compiled {
    /// Runs the compiled plan on NumPy arrays (one per parameter); returns NumPy arrays.
    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyList>> {
        Ok(PyList::new(py, self.call_values(py, args)?)?.unbind())
    }
}

impl Compiled {
    /// Runs the compiled plan on NumPy arrays or sequences (one per parameter, copied
    /// where they cannot be read in place); NumPy arrays out.
    pub(super) fn call_values(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let arrays: Vec<Bound<'_, PyAny>> = args.iter().collect();
        if let Some(views) = self.views_exact(&arrays) {
            return self.run(py, views);
        }
        // Arrays that cannot be read in place (unaligned, other sequences): copies.
        let copies: Vec<Value> = args
            .iter()
            .map(|a| value_from_numpy(&a))
            .collect::<PyResult<_>>()?;
        let matches = copies.len() == self.params.len()
            && copies
                .iter()
                .zip(&self.params)
                .all(|(v, (d, shape))| v.dtype() == *d && v.shape() == shape.as_slice());
        if matches {
            let views: Vec<InputView<'_>> = copies.iter().map(InputView::of).collect();
            return self.run(py, views);
        }
        let got: Vec<String> = copies
            .iter()
            .map(|v| format!("{} {:?}", dtype_name(v.dtype()), v.shape()))
            .collect();
        let want: Vec<String> = self
            .params
            .iter()
            .map(|(d, s)| format!("{} {:?}", dtype_name(*d), s))
            .collect();
        Err(error(
            ErrorKind::Binding,
            format!(
                "compiled function expects arrays [{}], got [{}]",
                want.join(", "),
                got.join(", ")
            ),
        ))
    }
}

/// The canonical text of the program computing `outputs` from parameters only, and the
/// parameter each of its inputs is (input k is parameter `order[k]`). The text is what
/// lazyfuse.dask sends to its workers: it names no memory of this process. Captured
/// arrays (anything but parameters) are refused.
#[pyfunction]
pub(super) fn program_of(outputs: Vec<NativeArray>) -> PyResult<(String, Vec<usize>)> {
    guarded(|| {
        let nodes = outputs
            .iter()
            .map(|l| l.a.node().cloned())
            .collect::<Result<Vec<_>, Error>>()
            .map_err(to_pyerr)?;
        let (program, leaves) = Program::from_outputs(&nodes).map_err(|e| to_pyerr(e.into()))?;
        let (program, order) = with_scalars_inlined(&program, leaves)?;
        Ok((program.to_string(), order))
    })
}

/// `program` with its 0-d data inputs (the Python scalars of an expression) as
/// constants, and the parameter each remaining input is. Other data is refused.
fn with_scalars_inlined(program: &Program, leaves: Vec<Leaf>) -> PyResult<(Program, Vec<usize>)> {
    let ir = |e: lazyfuse_ir::IrError| to_pyerr(e.into());
    let mut builder = lazyfuse_ir::ProgramBuilder::new();
    let mut slot_ids = Vec::with_capacity(leaves.len());
    let mut order = Vec::new();
    for (slot, leaf) in leaves.iter().enumerate() {
        slot_ids.push(match leaf {
            Leaf::Param(n) => {
                order.push(*n);
                Some(builder.input(program.inputs()[slot].clone()).map_err(ir)?)
            }
            _ => None,
        });
    }
    let mut ids = Vec::with_capacity(program.len());
    for (id, leaf) in program.ids().zip(
        leaves
            .into_iter()
            .map(Some)
            .chain(std::iter::repeat_with(|| None)),
    ) {
        let instr = program.instr(id);
        let new = match (&instr.op, leaf) {
            (lazyfuse_ir::Op::Input(slot), _) if slot_ids[*slot].is_some() => {
                slot_ids[*slot].unwrap()
            }
            (lazyfuse_ir::Op::Input(_), Some(leaf)) => {
                let value = leaf.into_value().expect("not a parameter");
                if value.ty().shape.ndim() != 0 {
                    return Err(error(
                        ErrorKind::InvalidArgument,
                        format!(
                            "program_of: the program reads a {} array that is not a parameter \
                             (its text would not carry the data)",
                            value.ty()
                        ),
                    ));
                }
                builder
                    .push(lazyfuse_ir::Op::Const(value.to_scalars()[0]), Vec::new())
                    .map_err(ir)?
            }
            _ => {
                let args = instr.args.iter().map(|a| ids[a.index()]).collect();
                builder
                    .push_typed(instr.op.clone(), args, instr.ty.clone())
                    .map_err(ir)?
            }
        };
        ids.push(new);
    }
    let outputs = program.outputs().iter().map(|o| ids[o.index()]).collect();
    Ok((builder.finish(outputs).map_err(ir)?, order))
}

/// Compiles a program given as text (as [`program_of`] writes it): a plan whose
/// parameters are the program's inputs in order. Equal programs share one plan (the
/// plan cache is keyed by the canonical program), so a process compiles each once.
#[pyfunction]
pub(super) fn compile_text(py: Python<'_>, text: &str) -> PyResult<Compiled> {
    guarded(|| {
        py.detach(|| -> Result<Compiled, Error> {
            let program: Program = text.parse()?;
            let params: Vec<(DType, Vec<usize>)> = program
                .inputs()
                .iter()
                .map(|ty| (ty.dtype, ty.shape.dims().to_vec()))
                .collect();
            let plan = crate::eval::planned(&program)?;
            Ok(Compiled {
                brief: brief(plan.plan()),
                plan,
                leaves: (0..params.len()).map(Leaf::Param).collect(),
                params_only: true,
                params,
                probes: Vec::new(),
                frame: OnceLock::new(),
            })
        })
        .map_err(to_pyerr)
    })
}
