//! The jitted call path: a traced function compiled once (`Compiled`) and the front
//! that calls it straight from Rust when the arguments are NumPy arrays of the traced
//! dtypes and shapes (`JitFront`).

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
                plan,
                leaves,
                params_only,
                params,
                probes: probes.into_iter().map(|(f, _)| f).collect(),
            })
        })
        .map_err(to_pyerr)
    })
}

impl Compiled {
    /// Views of the call's arguments when they are NumPy arrays of exactly the traced
    /// dtypes and shapes that can be read in place; None otherwise.
    fn views_exact<'py>(&self, args: &Bound<'py, PyTuple>) -> Option<Vec<InputView<'py>>> {
        if args.len() != self.params.len() {
            return None;
        }
        args.iter()
            .zip(&self.params)
            .map(|(arg, (dtype, shape))| {
                let v = numpy_view(&arg, *dtype)?;
                (v.shape() == shape.as_slice()).then_some(v)
            })
            .collect()
    }

    /// Runs the plan with `args` in the parameters' slots (captured data in the others);
    /// NumPy arrays out.
    fn run(&self, py: Python<'_>, args: Vec<InputView<'_>>) -> PyResult<Vec<Py<PyAny>>> {
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
            py.detach(|| self.plan.run_views(&views))
                .map_err(|e| to_pyerr(Error::Codegen(e)))
        })?;
        if !self.probes.is_empty() {
            let probed = values.split_off(values.len() - self.probes.len());
            crate::warnings::record_functions(self.probes.iter().copied(), &probed);
            super::numpy_warnings(py)?;
        }
        Ok(values.into_iter().map(|v| value_to_numpy(py, v)).collect())
    }
}

#[pymethods]
impl Compiled {
    /// Runs the compiled plan on NumPy arrays (one per parameter); returns NumPy arrays.
    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyList>> {
        if let Some(views) = self.views_exact(args) {
            return Ok(PyList::new(py, self.run(py, views)?)?.unbind());
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
            return Ok(PyList::new(py, self.run(py, views)?)?.unbind());
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

/// A compiled plan and how its outputs are returned: the single array, or the list
/// passed to a Python function rebuilding the output structure.
type FastPath = (Py<Compiled>, Option<Py<PyAny>>);

/// The call path of a jitted function: NumPy arrays of the signature traced last go
/// straight to its compiled plan, in Rust; any other call goes to the Python tracer
/// (`slow`, which installs the fast path for array-only signatures).
#[pyclass(name = "JitFront", module = "lazyfuse._native", frozen)]
pub(super) struct JitFront {
    slow: Py<PyAny>,
    fast: std::sync::RwLock<Option<FastPath>>,
}

#[pymethods]
impl JitFront {
    #[new]
    fn new(slow: Py<PyAny>) -> JitFront {
        JitFront {
            slow,
            fast: std::sync::RwLock::new(None),
        }
    }

    /// Calls with arrays of `compiled`'s signature go straight to it; `unflatten`
    /// (None: one output) rebuilds the output structure from the list of arrays.
    #[pyo3(signature = (compiled, unflatten=None))]
    fn set_fast(&self, compiled: Py<Compiled>, unflatten: Option<Py<PyAny>>) {
        if let Ok(mut fast) = self.fast.write() {
            *fast = Some((compiled, unflatten));
        }
    }

    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let fast = self.fast.read().ok().and_then(|f| {
            f.as_ref()
                .map(|(c, u)| (c.clone_ref(py), u.as_ref().map(|u| u.clone_ref(py))))
        });
        if let Some((compiled, unflatten)) = fast {
            let compiled = compiled.get();
            if let Some(views) = compiled.views_exact(args) {
                let mut out = compiled.run(py, views)?;
                return match unflatten {
                    None if out.len() == 1 => Ok(out.remove(0)),
                    None => Ok(PyTuple::new(py, out)?.into_any().unbind()),
                    Some(u) => u.call1(py, (PyList::new(py, out)?,)),
                };
            }
        }
        self.slow.call1(py, args)
    }

    /// Everything else (traces, the wrapped function, ...) is the tracer's.
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.slow.getattr(py, name)
    }
}
