//! Tracing, shared by `jit`, `explain` and the transforms (which are jitted functions
//! of their traced form): a function runs once on parameters standing for the array
//! leaves of its arguments, and its outputs' graph is compiled per signature.
//! `Jitted` is `lazyfuse.jit(f)`: its calls are keyed, looked up and run here, so a
//! call with pytrees, static arguments or Python scalars costs no Python beyond f.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;

use pyo3::intern;
use pyo3::sync::PyOnceLock;
use smallvec::SmallVec;

use super::handle::Handle;
use super::jit::{param, Compiled};
use super::jit_frame::Outputs;
use super::operators::pending_handle;
use super::pytree::{flatten, key, unflatten};
use super::*;

/// How many traced functions are running: writes then check whether they must be
/// functional updates (`lazyfuse._indexing`).
static TRACING: AtomicUsize = AtomicUsize::new(0);

/// How many traced functions are running now.
#[pyfunction(name = "tracing")]
pub(super) fn tracing_depth() -> usize {
    TRACING.load(Ordering::Relaxed)
}

static CORE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn core(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    Ok(CORE
        .get_or_try_init(py, || py.import("lazyfuse._core").map(Bound::unbind))?
        .bind(py))
}

/// The tracing state for the duration of a trace: nothing is computed at once (tiny
/// arrays included), so arrays the function makes stay pending and its writes to them
/// are functional updates; restored on drop, errors included.
struct TraceScope<'py> {
    core: Bound<'py, PyModule>,
    eager: Bound<'py, PyAny>,
}

impl<'py> TraceScope<'py> {
    fn enter(py: Python<'py>) -> PyResult<TraceScope<'py>> {
        let core = core(py)?.clone();
        let eager = core.call_method1(intern!(py, "_set_eager_limit"), (0,))?;
        TRACING.fetch_add(1, Ordering::Relaxed);
        Ok(TraceScope { core, eager })
    }
}

impl Drop for TraceScope<'_> {
    fn drop(&mut self) {
        TRACING.fetch_sub(1, Ordering::Relaxed);
        let py = self.core.py();
        if let Err(e) = self
            .core
            .call_method1(intern!(py, "_set_eager_limit"), (&self.eager,))
        {
            e.restore(py);
        }
    }
}

/// What a trace gives: f's output (a pytree of lazy arrays and constants), and the
/// (dtype name, shape) of each parameter.
pub(super) struct Trace<'py> {
    pub(super) out: Bound<'py, PyAny>,
    pub(super) signature: Vec<(String, Vec<usize>)>,
}

/// Calls `f` on parameters standing for the array leaves of the non-static `args`.
pub(super) fn trace<'py>(
    f: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    is_static: impl Fn(usize) -> bool,
) -> PyResult<Trace<'py>> {
    trace_shaped(f, args, is_static, None)
}

/// [`trace`], with each array leaf's shape replaced by `shapes[k]` when given (the
/// dtypes stay the arguments'): how a shape-generic export traces f at other sizes.
pub(super) fn trace_shaped<'py>(
    f: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    is_static: impl Fn(usize) -> bool,
    shapes: Option<&[Vec<usize>]>,
) -> PyResult<Trace<'py>> {
    let py = f.py();
    let mut leaves = Vec::new();
    let specs = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if is_static(i) {
                PyTuple::new(py, [intern!(py, "const").clone().into_any(), a])
            } else {
                flatten(&a, &mut leaves)
            }
        })
        .collect::<PyResult<Vec<_>>>()?;
    let mut signature = Vec::with_capacity(leaves.len());
    let mut params = Vec::with_capacity(leaves.len());
    for (k, leaf) in leaves.iter().enumerate() {
        let dtype: String = leaf
            .getattr(intern!(py, "dtype"))?
            .getattr(intern!(py, "name"))?
            .extract()?;
        let shape: Vec<usize> = match shapes.and_then(|s| s.get(k)) {
            Some(shape) => shape.clone(),
            None => leaf.getattr(intern!(py, "shape"))?.extract()?,
        };
        params.push(pending_handle(py, param(k, &dtype, shape.clone())?)?.into_bound(py));
        signature.push((dtype, shape));
    }
    let traced_args = specs
        .iter()
        .map(|s| unflatten(s, &params))
        .collect::<PyResult<Vec<_>>>()?;
    let scope = TraceScope::enter(py)?;
    let out = f.call1(PyTuple::new(py, traced_args)?);
    drop(scope);
    let out = out.map_err(|e| concretization(py, f, e))?;
    Ok(Trace { out, signature })
}

/// A BindingError from reading a parameter's values, as JAX's ConcretizationTypeError
/// explains it; any other error as it is.
fn concretization(py: Python<'_>, f: &Bound<'_, PyAny>, e: PyErr) -> PyErr {
    let errors = match py.import("lazyfuse.errors") {
        Ok(m) => m,
        Err(_) => return e,
    };
    let is_binding = errors
        .getattr("BindingError")
        .is_ok_and(|c| e.is_instance(py, &c));
    if !is_binding || !e.to_string().contains("placeholders for tracing") {
        return e;
    }
    let name = f
        .getattr(intern!(py, "__name__"))
        .and_then(|n| n.extract::<String>())
        .unwrap_or_else(|_| "the function".into());
    let message = format!(
        "jit: {name} needs the values of its array arguments while it is traced \
         (boolean-mask or integer-array indexing, nonzero/unique, float(x), `if x > 0:`), \
         but a traced function is compiled for shapes and dtypes, not values. Use \
         where(mask, x, 0)-style code, pass the value as a static argument \
         (static_argnums), or call the function without jit"
    );
    match errors.getattr("ConcretizationError") {
        Ok(class) => match class.call1((message,)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(err) => err,
        },
        Err(err) => err,
    }
}

/// Whether argument `i` of `n` is static under `static_argnums` (negative ones count
/// from the end, as jit's).
pub(super) fn is_static_arg(static_argnums: &[i64], i: usize, n: usize) -> bool {
    let (i, n) = (i as i64, n as i64);
    static_argnums.iter().any(|&s| s == i || s == i - n)
}

/// `trace` for Python (`explain`): f's output traced on `args`.
#[pyfunction(name = "trace")]
pub(super) fn py_trace<'py>(
    f: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    static_argnums: Vec<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let n = args.len();
    Ok(trace(f, args, |i| is_static_arg(&static_argnums, i, n))?.out)
}

/// The native lazy array of a traced output leaf (a lazy array, a NumPy array or a
/// NumPy scalar), through `lazyfuse.asarray`.
pub(super) fn native_of(leaf: &Bound<'_, PyAny>) -> PyResult<NativeArray> {
    let py = leaf.py();
    let array = if leaf.is_instance_of::<Handle>() {
        leaf.clone()
    } else {
        core(py)?.call_method1(intern!(py, "asarray"), (leaf,))?
    };
    Ok(array
        .getattr(intern!(py, "_native_array"))?
        .cast_into::<NativeArray>()?
        .get()
        .clone())
}

/// One traced signature: its compiled plan (None when f returns no array) and the
/// structure of its output.
struct Entry {
    compiled: Option<Py<Compiled>>,
    out_spec: Py<PyTuple>,
}

/// A call's cache key and its arrays (NumPy arrays, in leaf order).
type CallArguments<'py> = (Bound<'py, PyTuple>, Vec<Bound<'py, PyAny>>);

/// How a call's arguments are run.
enum Arguments<'py> {
    /// Arrays in memory: the compiled plan of their signature.
    Values(CallArguments<'py>),
    /// A lazy array (or a parameter of an enclosing trace): f traced through.
    Lazy,
    /// A Dask collection: `lazyfuse.dask` builds a Dask graph of fused kernels.
    Dask,
}

/// Signatures a jitted function keeps (each with its compiled plan) before it starts
/// over.
const MAX_SIGNATURES: usize = 1024;

/// The signature traced last, for calls that match it without computing their key: a
/// compiled plan, the structure of its output (None: a single array) and what each
/// argument was.
struct FastPath {
    compiled: Py<Compiled>,
    spec: Option<Py<PyTuple>>,
    args: Vec<FastArg>,
}

/// An argument of the calls the fast path takes: a NumPy array (its dtype and shape
/// checked by the plan), or a Python scalar of exactly the type and value traced (the
/// signature keys Python scalars by type and bits).
#[derive(Clone, Copy, PartialEq)]
enum FastArg {
    Array,
    Float(u64),
    Int(i64),
    Bool(bool),
}

impl FastArg {
    /// What `a` is as a fast-path argument; None for anything else (pytrees, NumPy
    /// scalars, subclasses of Python's scalar types, integers beyond int64).
    fn of(a: &Bound<'_, PyAny>) -> Option<FastArg> {
        if a.is_instance_of::<numpy::PyUntypedArray>() {
            Some(FastArg::Array)
        } else if let Ok(f) = a.cast_exact::<pyo3::types::PyFloat>() {
            Some(FastArg::Float(f.value().to_bits()))
        } else if let Ok(b) = a.cast_exact::<pyo3::types::PyBool>() {
            Some(FastArg::Bool(b.is_true()))
        } else if let Ok(i) = a.cast_exact::<pyo3::types::PyInt>() {
            i.extract::<i64>().ok().map(FastArg::Int)
        } else {
            None
        }
    }
}

impl FastPath {
    /// The array arguments of a call matching this signature, in order; None where an
    /// argument differs in kind, or a scalar in type or value.
    fn arrays<'py>(&self, args: &Bound<'py, PyTuple>) -> Option<SmallVec<[Bound<'py, PyAny>; 4]>> {
        if args.len() != self.args.len() {
            return None;
        }
        let mut arrays = SmallVec::new();
        for (a, want) in args.iter().zip(&self.args) {
            if *want == FastArg::Array {
                arrays.push(a);
            } else if FastArg::of(&a) != Some(*want) {
                return None;
            }
        }
        Some(arrays)
    }
}

/// `lazyfuse.jit(f)`: traced once per signature (the arguments' structure, static
/// values and Python scalars by type and bits, each array's dtype and shape), then run
/// straight from the compiled plan. Calls with NumPy arrays only, of the signature
/// traced last, take a shorter path still.
#[pyclass(name = "Jitted", module = "lazyfuse._native", frozen)]
pub(super) struct Jitted {
    f: Py<PyAny>,
    /// As given: negative numbers count from the last argument.
    static_argnums: Vec<i64>,
    cache: Py<PyDict>,
    entries: RwLock<Vec<Entry>>,
    fast: RwLock<Option<Arc<FastPath>>>,
    traces: AtomicUsize,
}

impl Jitted {
    /// Whether argument `i` of `n` is static.
    fn is_static(&self, i: usize, n: usize) -> bool {
        is_static_arg(&self.static_argnums, i, n)
    }

    /// One pass over the arguments: the cache key and the arrays (as NumPy arrays) in
    /// leaf order; or how else to run the call (a lazy array or a Dask array among them).
    fn arguments<'py>(&self, args: &Bound<'py, PyTuple>) -> PyResult<Arguments<'py>> {
        let py = args.py();
        let mut parts = Vec::with_capacity(args.len());
        let mut values = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if self.is_static(i, args.len()) {
                let k = key(&a, &|| format!("static argument {i}"))?;
                parts.push(PyTuple::new(
                    py,
                    [intern!(py, "static").clone().into_any(), k],
                )?);
                continue;
            }
            if may_be_dask(&a) && a.hasattr(intern!(py, "__dask_graph__"))? {
                return Ok(Arguments::Dask);
            }
            let mut leaves = Vec::new();
            let spec = flatten(&a, &mut leaves)?;
            let mut shapes = Vec::with_capacity(leaves.len());
            for leaf in leaves {
                if leaf.is_instance_of::<Handle>() {
                    return Ok(Arguments::Lazy);
                }
                let leaf = if leaf.is_instance_of::<numpy::PyUntypedArray>() {
                    leaf
                } else {
                    numpy_module(py)?.call_method1(intern!(py, "asarray"), (leaf,))?
                };
                let array = leaf.cast::<numpy::PyUntypedArray>()?;
                shapes.push(PyTuple::new(
                    py,
                    [
                        array.dtype().into_any(),
                        PyTuple::new(py, array.shape())?.into_any(),
                    ],
                )?);
                values.push(leaf);
            }
            parts.push(PyTuple::new(
                py,
                [
                    key(spec.as_any(), &|| format!("argument {i}"))?,
                    PyTuple::new(py, shapes)?.into_any(),
                ],
            )?);
        }
        Ok(Arguments::Values((PyTuple::new(py, parts)?, values)))
    }

    /// Traces and compiles f for `args`; the new entry's index.
    fn compile_for(&self, args: &Bound<'_, PyTuple>) -> PyResult<usize> {
        let py = args.py();
        let traced = trace(self.f.bind(py), args, |i| self.is_static(i, args.len()))?;
        let mut leaves = Vec::new();
        let out_spec = flatten(&traced.out, &mut leaves)?;
        let natives = leaves.iter().map(native_of).collect::<PyResult<Vec<_>>>()?;
        // A function returning no array (only Python values) compiles nothing.
        let compiled = if natives.is_empty() {
            None
        } else {
            Some(Py::new(
                py,
                super::jit::compile(py, natives, traced.signature)?,
            )?)
        };
        let mut entries = self
            .entries
            .write()
            .map_err(|_| error(ErrorKind::Internal, "internal error: jit cache poisoned"))?;
        if entries.len() >= MAX_SIGNATURES {
            // A loop passing a new Python scalar per call makes a signature per value:
            // start over rather than grow without bound (the plans stay cached).
            entries.clear();
            self.cache.bind(py).clear();
            if let Ok(mut fast) = self.fast.write() {
                *fast = None;
            }
        }
        entries.push(Entry {
            compiled,
            out_spec: out_spec.unbind(),
        });
        self.traces.fetch_add(1, Ordering::Relaxed);
        Ok(entries.len() - 1)
    }
}

static NUMPY: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Whether `a` could be a Dask collection: not an array, a lazy array, a Python
/// scalar or a container (so the usual arguments skip the attribute lookup, which
/// costs an exception where it fails).
fn may_be_dask(a: &Bound<'_, PyAny>) -> bool {
    use pyo3::types::{PyBool, PyComplex, PyDict, PyFloat, PyInt, PyList, PyString};
    !(a.is_instance_of::<numpy::PyUntypedArray>()
        || a.is_instance_of::<Handle>()
        || a.is_instance_of::<PyFloat>()
        || a.is_instance_of::<PyInt>()
        || a.is_instance_of::<PyBool>()
        || a.is_instance_of::<PyComplex>()
        || a.is_instance_of::<PyTuple>()
        || a.is_instance_of::<PyList>()
        || a.is_instance_of::<PyDict>()
        || a.is_instance_of::<PyString>()
        || a.is_none())
}

fn numpy_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    Ok(NUMPY
        .get_or_try_init(py, || py.import("numpy").map(Bound::unbind))?
        .bind(py))
}

/// `outputs` in the structure `spec` (None: the single array, or a tuple of several).
fn structured(
    py: Python<'_>,
    outputs: impl Into<Outputs>,
    spec: Option<&Py<PyTuple>>,
) -> PyResult<Py<PyAny>> {
    let mut outputs: Outputs = outputs.into();
    match spec {
        None if outputs.len() == 1 => Ok(outputs.remove(0)),
        None => Ok(PyTuple::new(py, outputs)?.into_any().unbind()),
        Some(spec) => {
            let values: Vec<_> = outputs.into_iter().map(|o| o.into_bound(py)).collect();
            Ok(unflatten(spec.bind(py).as_any(), &values)?.unbind())
        }
    }
}

#[pymethods]
impl Jitted {
    #[new]
    #[pyo3(signature = (f, static_argnums=Vec::new()))]
    fn new(py: Python<'_>, f: Py<PyAny>, static_argnums: Vec<i64>) -> Jitted {
        Jitted {
            f,
            static_argnums,
            cache: PyDict::new(py).unbind(),
            entries: RwLock::new(Vec::new()),
            fast: RwLock::new(None),
            traces: AtomicUsize::new(0),
        }
    }

    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let fast = self.fast.read().ok().and_then(|f| f.clone());
        if let Some(fast) = fast {
            if let Some(arrays) = fast.arrays(args) {
                let compiled = fast.compiled.get();
                if let Some(out) = compiled.call_frame(py, &arrays) {
                    return structured(py, out?, fast.spec.as_ref());
                }
                if let Some(views) = compiled.views_exact(&arrays) {
                    let out = compiled.run(py, views)?;
                    return structured(py, out, fast.spec.as_ref());
                }
            }
        }
        let (call_key, values) = match self.arguments(args)? {
            Arguments::Values(values) => values,
            // Lazy arguments (or the parameters of an enclosing trace: a jitted function
            // called inside another one) are traced through, as JAX inlines nested jit:
            // the caller's graph then fuses with this function's.
            Arguments::Lazy => return self.f.call1(py, args),
            Arguments::Dask => {
                let statics: Vec<usize> = (0..args.len())
                    .filter(|&i| self.is_static(i, args.len()))
                    .collect();
                return Ok(py
                    .import(intern!(py, "lazyfuse.dask"))?
                    .call_method1(intern!(py, "_jit_call"), (self.f.bind(py), args, statics))?
                    .unbind());
            }
        };
        let cache = self.cache.bind(py);
        let index: usize = match cache.get_item(&call_key)? {
            Some(i) => i.extract()?,
            None => {
                let i = self.compile_for(args)?;
                cache.set_item(&call_key, i)?;
                i
            }
        };
        let (compiled, out_spec) = {
            let entries = self
                .entries
                .read()
                .map_err(|_| error(ErrorKind::Internal, "internal error: jit cache poisoned"))?;
            let entry = entries.get(index).ok_or_else(|| {
                error(ErrorKind::Internal, "internal error: jit signature dropped")
            })?;
            (
                entry.compiled.as_ref().map(|c| c.clone_ref(py)),
                entry.out_spec.clone_ref(py),
            )
        };
        let Some(compiled) = compiled else {
            return Ok(unflatten(out_spec.bind(py).as_any(), &[])?.unbind());
        };
        let single = out_spec
            .bind(py)
            .get_item(0)?
            .cast::<pyo3::types::PyString>()
            .is_ok_and(|s| s.to_cow().is_ok_and(|s| s == "leaf"));
        let spec = (!single).then_some(out_spec);
        let fast_args = args
            .iter()
            .map(|a| FastArg::of(&a))
            .collect::<Option<Vec<_>>>();
        if let (Some(fast_args), true) = (fast_args, self.static_argnums.is_empty()) {
            if let Ok(mut fast) = self.fast.write() {
                *fast = Some(Arc::new(FastPath {
                    compiled: compiled.clone_ref(py),
                    spec: spec.as_ref().map(|s| s.clone_ref(py)),
                    args: fast_args,
                }));
            }
        }
        let out = compiled.get().call_values(py, &PyTuple::new(py, values)?)?;
        structured(py, out, spec.as_ref())
    }

    /// How many signatures f has been traced for.
    #[getter]
    fn traces(&self) -> usize {
        self.traces.load(Ordering::Relaxed)
    }

    /// The function traced.
    #[getter]
    fn __wrapped__(&self, py: Python<'_>) -> Py<PyAny> {
        self.f.clone_ref(py)
    }

    /// Anything else (`__name__`, `__module__`, ...) is the function's.
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.f.getattr(py, name)
    }
}

/// Registers the tracing functions and classes.
pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Jitted>()?;
    m.add_function(wrap_pyfunction!(tracing_depth, m)?)?;
    m.add_function(wrap_pyfunction!(py_trace, m)?)?;
    m.add_function(wrap_pyfunction!(super::pytree::py_flatten, m)?)?;
    m.add_function(wrap_pyfunction!(super::pytree::py_unflatten, m)?)?;
    Ok(())
}
