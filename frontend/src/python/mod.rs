//! The native module `lazyfuse._native` (feature `python`): a thin layer over the
//! frontend for the Python package in `frontend/python/lazyfuse`, which gives it the
//! NumPy-like surface. Conversions, evaluation and the jitted call path live here so
//! they run without the GIL and without Python overhead per element.

use std::sync::Arc;

use lazyfuse_codegen::{CpuExecutor, InputView, PreparedPlan};
use lazyfuse_ir::{
    BinaryOp, DType, FftKind, FftScale, Leaf, LinalgOp, Op, Program, ReduceOp, UnaryOp, Value,
};
use numpy::{IntoPyArray, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::elementwise::{apply, binary, Operand, WeakScalar};
use crate::error::{Error, ErrorKind};
use crate::Array;
use lazyfuse_ir::compose::IndexItem;

mod base;
mod cell;
mod constructors;
mod cuda;
mod elements;
mod errors;
mod export;
mod handle;
mod jit;
mod jit_frame;
mod operators;
mod pytree;
mod tracing;
mod transforms;
mod ufunc_call;
mod views;
mod warnings;

use errors::{error, guarded, to_pyerr};
use warnings::numpy_warnings;

/// The native lazy array (Python: `lazyfuse._native.NativeArray`, held by
/// `lazyfuse.ndarray` as `_native_array`): a handle on the Rust `Array`.
#[pyclass(name = "NativeArray", module = "lazyfuse._native", frozen)]
#[derive(Clone)]
struct NativeArray {
    a: Array,
}

/// The lazy array `build` makes, built with panics caught (a bug in graph building is
/// an InternalError, never pyo3's PanicException, which `except Exception` misses).
fn lazy(build: impl FnOnce() -> Array) -> PyResult<NativeArray> {
    let a = guarded(|| Ok(build()))?;
    // Errors are deferred in the Rust API; Python raises them at the call that made them.
    if let Some(e) = a.error() {
        return Err(to_pyerr(e.clone()));
    }
    Ok(NativeArray { a })
}

/// The dtypes lazyfuse supports, as NumPy names them (for error messages).
fn supported_dtypes() -> String {
    DType::ALL
        .iter()
        .map(|d| d.numpy_name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn dtype_from_name(name: &str) -> PyResult<DType> {
    match name {
        "f8" | "double" => Ok(DType::F64),
        "f4" | "single" => Ok(DType::F32),
        "f2" | "half" | "e" => Ok(DType::F16),
        "c16" | "cdouble" | "D" => Ok(DType::C128),
        "c8" | "csingle" | "F" => Ok(DType::C64),
        "i8" => Ok(DType::I64),
        "i4" => Ok(DType::I32),
        "i2" => Ok(DType::I16),
        "i1" => Ok(DType::I8),
        "u8" => Ok(DType::U64),
        "u4" => Ok(DType::U32),
        "u2" => Ok(DType::U16),
        "u1" => Ok(DType::U8),
        "?" => Ok(DType::Bool),
        // NumPy's names only: the IR's short names (`i8` is int64 to NumPy) are not.
        other => DType::ALL
            .into_iter()
            .find(|d| d.numpy_name() == other)
            .ok_or_else(|| {
                error(
                    ErrorKind::DType,
                    format!(
                        "lazyfuse does not support dtype {other} ({})",
                        supported_dtypes()
                    ),
                )
            }),
    }
}

fn dtype_name(d: DType) -> &'static str {
    d.numpy_name()
}

/// A NumPy array as a Value (copied into lazyfuse's storage).
fn value_from_numpy(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let obj = &native_layout(obj)?;
    // rust-numpy reads at most 32 axes: more are read flat (C order) and reshaped.
    if let Ok(shape) = obj.getattr("shape").and_then(|s| s.extract::<Vec<usize>>()) {
        if shape.len() > 32 {
            let flat = obj.call_method1("reshape", (-1,))?;
            return value_from_numpy(&flat)?
                .reshape(&shape)
                .map_err(|e| to_pyerr(e.into()));
        }
    }
    macro_rules! try_dtype {
        ($t:ty) => {
            if let Ok(arr) = obj.cast::<PyArrayDyn<$t>>() {
                let view = arr.readonly();
                return Ok(Value::from_array(view.as_array().to_owned()));
            }
        };
    }
    try_dtype!(f64);
    try_dtype!(f32);
    try_dtype!(i64);
    try_dtype!(i32);
    try_dtype!(bool);
    try_dtype!(u8);
    try_dtype!(i8);
    try_dtype!(i16);
    try_dtype!(u16);
    try_dtype!(u32);
    try_dtype!(u64);
    try_dtype!(lazyfuse_ir::half::f16);
    try_dtype!(lazyfuse_ir::num_complex::Complex64);
    try_dtype!(lazyfuse_ir::num_complex::Complex32);
    let dtype = obj
        .getattr("dtype")
        .map(|d| d.to_string())
        .unwrap_or_else(|_| obj.get_type().to_string());
    Err(error(
        ErrorKind::DType,
        format!(
            "lazyfuse does not support dtype {dtype} ({})",
            supported_dtypes()
        ),
    ))
}

/// `obj` itself when it is a NumPy array in native byte order whose strides are whole
/// elements; otherwise a C-contiguous native-order copy (big-endian data from files, a
/// field of a packed structured array: strides of 9 bytes would be misread).
fn native_layout<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let Ok(dtype) = obj.getattr("dtype") else {
        return Ok(obj.clone());
    };
    let native: bool = dtype.getattr("isnative")?.extract()?;
    let item: isize = dtype.getattr("itemsize")?.extract()?;
    let strides: Vec<isize> = obj.getattr("strides")?.extract()?;
    let whole = item > 0 && strides.iter().all(|s| s % item == 0);
    let numpy = obj.py().import("numpy")?;
    if dtype.getattr("kind")?.extract::<String>()? == "b" {
        // Bytes other than 0 and 1 in a bool array become True, as NumPy reads them.
        let bytes = obj.call_method1("view", (numpy.getattr("uint8")?,))?;
        let odd: bool = bytes
            .call_method1("__gt__", (1,))?
            .call_method0("any")?
            .extract()?;
        if odd {
            return bytes.call_method1("__ne__", (0,));
        }
    }
    if native && whole {
        return Ok(obj.clone());
    }
    let native_dtype = dtype.call_method1("newbyteorder", ("=",))?;
    // np.array, not np.ascontiguousarray: that one makes a 0-d array 1-d.
    let kwargs = PyDict::new(obj.py());
    kwargs.set_item("dtype", native_dtype)?;
    kwargs.set_item("order", "C")?;
    numpy.call_method("array", (obj,), Some(&kwargs))
}

/// A Value as a NumPy array (its storage moves into NumPy when unshared).
fn value_to_numpy(py: Python<'_>, v: Value) -> Py<PyAny> {
    // rust-numpy converts at most 32 axes; NumPy 2 has up to 64: more go through a 1-d
    // array reshaped by NumPy.
    const RUST_NUMPY_MAX_DIMS: usize = 32;
    if v.shape().len() > RUST_NUMPY_MAX_DIMS {
        let shape = v.shape().to_vec();
        let flat = v
            .reshape(&[v.shape().iter().product()])
            .expect("a C-order flattening has the same size");
        return value_to_numpy(py, flat)
            .bind(py)
            .call_method1("reshape", (shape,))
            .expect("NumPy reshapes a flat array to its own shape")
            .unbind();
    }
    lazyfuse_ir::with_value!(v, a => a.into_owned().into_pyarray(py).into_any().unbind())
}

/// A Python operand: a lazy array, or a Python scalar (weak, as NumPy 2 treats them).
fn operand(obj: &Bound<'_, PyAny>) -> PyResult<Operand> {
    if let Ok(l) = obj.cast::<NativeArray>() {
        return Ok(Operand::Array(l.get().a.clone()));
    }
    if let Ok(b) = obj.cast::<pyo3::types::PyBool>() {
        return Ok(Operand::Weak(WeakScalar::Bool(b.is_true())));
    }
    if let Ok(i) = obj.cast::<pyo3::types::PyInt>() {
        return match i.extract::<i128>() {
            Ok(v) => Ok(Operand::Weak(WeakScalar::Int(v))),
            Err(_) => Err(error(
                ErrorKind::Overflow,
                format!("Python integer {i} out of bounds for int64"),
            )),
        };
    }
    if let Ok(f) = obj.cast::<pyo3::types::PyFloat>() {
        return Ok(Operand::Weak(WeakScalar::Float(f.value())));
    }
    if let Ok(c) = obj.cast::<pyo3::types::PyComplex>() {
        return Ok(Operand::Weak(WeakScalar::Complex(c.real(), c.imag())));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "unsupported operand type {}",
        obj.get_type()
    )))
}

/// One entry of a Python index, as NumPy reads it.
fn index_item(k: &Bound<'_, PyAny>) -> PyResult<IndexItem> {
    let py = k.py();
    if k.is_none() {
        return Ok(IndexItem::NewAxis);
    }
    if k.is(py.Ellipsis()) {
        return Ok(IndexItem::Ellipsis);
    }
    if let Ok(s) = k.cast::<pyo3::types::PySlice>() {
        let bound = |name: &str| -> PyResult<Option<i64>> {
            let v = s.getattr(name)?;
            if v.is_none() {
                return Ok(None);
            }
            index_integer(&v)
                .map(Some)
                .ok_or_else(|| error(ErrorKind::Index, NOT_AN_INDEX))
        };
        return Ok(IndexItem::Slice(
            bound("start")?,
            bound("stop")?,
            bound("step")?,
        ));
    }
    let is_bool = k.cast::<pyo3::types::PyBool>().is_ok()
        || k.get_type()
            .name()
            .is_ok_and(|n| n == "bool" || n == "bool_");
    if !is_bool {
        if let Some(i) = index_integer(k) {
            return Ok(IndexItem::Int(i));
        }
    }
    let advanced = is_bool
        || k.cast::<PyList>().is_ok()
        || k.cast::<NativeArray>().is_ok()
        || k.hasattr("__array__").unwrap_or(false);
    if advanced {
        return Err(pyo3::exceptions::PyNotImplementedError::new_err(
            "lazyfuse supports basic indexing only (integers, slices, None, ...)",
        ));
    }
    Err(error(ErrorKind::Index, NOT_AN_INDEX))
}

const NOT_AN_INDEX: &str = "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean arrays are valid indices";

/// `operator.index(v)` as an i64, if v is an integer (Python or NumPy, 0-d included).
fn index_integer(v: &Bound<'_, PyAny>) -> Option<i64> {
    if let Ok(i) = v.cast::<pyo3::types::PyInt>() {
        return i.extract::<i64>().ok();
    }
    v.call_method0("__index__").ok()?.extract::<i64>().ok()
}

fn op_from_name<T>(kind: &str, name: &str, parse: fn(&str) -> Option<T>) -> PyResult<T> {
    parse(name).ok_or_else(|| {
        error(
            ErrorKind::InvalidArgument,
            format!("no {kind} operation {name}"),
        )
    })
}

/// One axis of `a` (negative counts from the end), or NumPy's AxisError.
fn one_axis(a: &Array, axis: i64) -> PyResult<usize> {
    let ndim = a.shape().map_err(to_pyerr)?.len() as i64;
    if !(-ndim..ndim).contains(&axis) {
        return Err(error(
            ErrorKind::Axis,
            format!("axis {axis} is out of bounds for array of dimension {ndim}"),
        ));
    }
    Ok(axis.rem_euclid(ndim) as usize)
}

#[pymethods]
impl NativeArray {
    /// The shape.
    #[getter]
    fn shape(&self) -> PyResult<Vec<usize>> {
        self.a.shape().map(|s| s.to_vec()).map_err(to_pyerr)
    }

    /// The dtype's NumPy name.
    #[getter]
    fn dtype(&self) -> PyResult<&'static str> {
        self.a.dtype().map(dtype_name).map_err(to_pyerr)
    }

    /// An elementwise unary op by IR name (`exp`, `neg`, ...).
    fn unary(&self, op: &str) -> PyResult<NativeArray> {
        let u = op_from_name("unary", op, UnaryOp::from_name)?;
        lazy(|| apply(Op::Unary(u), &[&self.a]))
    }

    /// A running fold by name (`cumsum`, `cumprod`, `cummax`, `cummin`) along `axis`
    /// (negative counts from the end).
    fn scan(&self, op: &str, axis: i64) -> PyResult<NativeArray> {
        let op = lazyfuse_ir::SCAN_NAMES
            .iter()
            .find(|(_, name)| *name == op)
            .map(|(o, _)| *o)
            .ok_or_else(|| error(ErrorKind::InvalidArgument, format!("no scan {op}")))?;
        let axis = one_axis(&self.a, axis)?;
        lazy(|| apply(Op::Scan { op, axis }, &[&self.a]))
    }

    /// Each lane along `axis` sorted (NaN last, stable), or its sorting positions.
    fn sort(&self, axis: i64, arg: bool) -> PyResult<NativeArray> {
        let axis = one_axis(&self.a, axis)?;
        lazy(|| apply(Op::Sort { axis, arg }, &[&self.a]))
    }

    /// An FFT of each lane along `axis` by name (`fft`, `ifft`, `rfft`, `irfft`; `n` is
    /// irfft's output length), its results multiplied by `scale` (`1`, `1/n`,
    /// `1/sqrt(n)`).
    fn fft(&self, kind: &str, axis: i64, n: usize, scale: &str) -> PyResult<NativeArray> {
        let scale = match scale {
            "1" => FftScale::One,
            "1/n" => FftScale::InverseN,
            "1/sqrt(n)" => FftScale::InverseSqrtN,
            _ => {
                return Err(error(
                    ErrorKind::InvalidArgument,
                    format!("no FFT scale {scale}"),
                ))
            }
        };
        let kind = match kind {
            "fft" => FftKind::Forward,
            "ifft" => FftKind::Inverse,
            "rfft" => FftKind::Real,
            "irfft" => FftKind::InverseReal { n },
            _ => {
                return Err(error(
                    ErrorKind::InvalidArgument,
                    format!("no transform {kind}"),
                ))
            }
        };
        let axis = one_axis(&self.a, axis)?;
        lazy(|| apply(Op::Fft { axis, kind, scale }, &[&self.a]))
    }

    /// A linear-algebra routine by IR name (`solve` of an augmented matrix, `inv`, `det`,
    /// `slogdet_sign`, `slogdet_logabs`, `cholesky`, `eigh_values`, `eigh` (values and vectors packed),
    /// `svd_values`, `svd` and `svd_full` (u, s, vt packed), `qr` and `qr_complete` (q, r
    /// packed)) on the matrices of the trailing two axes.
    fn linalg(&self, name: &str) -> PyResult<NativeArray> {
        let op = op_from_name("linalg", name, LinalgOp::from_name)?;
        lazy(|| apply(Op::Linalg(op), &[&self.a]))
    }

    /// Positions in this sorted 1-d array where `values` would be inserted (NaN last;
    /// `right`: after equal elements), int64 of the values' shape.
    fn searchsorted(&self, values: &NativeArray, right: bool) -> PyResult<NativeArray> {
        lazy(|| apply(Op::SearchSorted { right }, &[&self.a, &values.a]))
    }

    /// A binary op by IR name with a lazy array or Python scalar; `reflected` swaps sides.
    fn binary(&self, op: &str, other: &Bound<'_, PyAny>, reflected: bool) -> PyResult<NativeArray> {
        let b = op_from_name("binary", op, BinaryOp::from_name)?;
        let other = operand(other)?;
        let me = Operand::Array(self.a.clone());
        lazy(|| {
            if reflected {
                binary(b, other, me)
            } else {
                binary(b, me, other)
            }
        })
    }

    /// A reduction by IR name (`sum`, `argmax`, ...) over `axes` (None: all).
    #[pyo3(signature = (op, axes=None, keepdims=false))]
    fn reduce(&self, op: &str, axes: Option<Vec<i64>>, keepdims: bool) -> PyResult<NativeArray> {
        let r = op_from_name("reduction", op, ReduceOp::from_name)?;
        lazy(|| self.a.reduce(r, axes.as_deref(), keepdims))
    }

    fn reshape(&self, shape: Vec<i64>) -> PyResult<NativeArray> {
        lazy(|| self.a.reshape(&shape))
    }

    #[pyo3(signature = (perm=None))]
    fn transpose(&self, perm: Option<Vec<i64>>) -> PyResult<NativeArray> {
        lazy(|| crate::transpose(&self.a, perm.as_deref()))
    }

    fn broadcast_to(&self, shape: Vec<usize>) -> PyResult<NativeArray> {
        lazy(|| self.a.broadcast_to(&shape))
    }

    /// NumPy basic indexing `x[key]` (integers, slices, None, one Ellipsis); NumPy's
    /// IndexError for anything else. Advanced indices (arrays, lists, booleans) raise
    /// NotImplementedError, which the Python layer answers with NumPy.
    fn index(&self, key: &Bound<'_, PyAny>) -> PyResult<NativeArray> {
        let items = match key.cast::<PyTuple>() {
            Ok(t) => t
                .iter()
                .map(|k| index_item(&k))
                .collect::<PyResult<Vec<_>>>()?,
            Err(_) => vec![index_item(key)?],
        };
        lazy(|| self.a.index(&items))
    }

    fn swapaxes(&self, a: i64, b: i64) -> PyResult<NativeArray> {
        lazy(|| self.a.swapaxes(a, b))
    }

    fn moveaxis(&self, source: Vec<i64>, destination: Vec<i64>) -> PyResult<NativeArray> {
        lazy(|| self.a.moveaxis(&source, &destination))
    }

    fn dot(&self, other: &NativeArray) -> PyResult<NativeArray> {
        lazy(|| self.a.dot(&other.a))
    }

    /// Attaches a note to the array's node (`divmod` names its divisions' warnings).
    fn set_note(&self, note: &str) {
        self.a.set_note(note);
    }

    /// The elements at flat C-order `positions` (a native int64 array); `note` (how the
    /// positions were made) is attached to the positions for `explain`.
    #[pyo3(signature = (positions, note=None))]
    fn gather(&self, positions: &NativeArray, note: Option<&str>) -> PyResult<NativeArray> {
        if let Some(note) = note {
            positions.a.set_note(note);
        }
        lazy(|| self.a.gather(&positions.a))
    }

    #[pyo3(signature = (axes=None, ddof=0.0, keepdims=false))]
    fn var(&self, axes: Option<Vec<i64>>, ddof: f64, keepdims: bool) -> PyResult<NativeArray> {
        lazy(|| self.a.var(axes.as_deref(), ddof, keepdims))
    }

    #[pyo3(signature = (axes=None, ddof=0.0, keepdims=false))]
    fn std(&self, axes: Option<Vec<i64>>, ddof: f64, keepdims: bool) -> PyResult<NativeArray> {
        lazy(|| self.a.std(axes.as_deref(), ddof, keepdims))
    }

    fn expand_dims(&self, axes: Vec<i64>) -> PyResult<NativeArray> {
        lazy(|| self.a.expand_dims(&axes))
    }

    #[pyo3(signature = (axes=None))]
    fn squeeze(&self, axes: Option<Vec<i64>>) -> PyResult<NativeArray> {
        lazy(|| crate::squeeze(&self.a, axes.as_deref()))
    }

    fn matmul(&self, other: &NativeArray) -> PyResult<NativeArray> {
        lazy(|| self.a.matmul(&other.a))
    }

    fn astype(&self, dtype: &str) -> PyResult<NativeArray> {
        let dtype = dtype_from_name(dtype)?;
        lazy(|| self.a.astype(dtype))
    }

    /// The program computing this array, as text.
    fn program_text(&self) -> PyResult<String> {
        Ok(self.a.program().map_err(to_pyerr)?.to_string())
    }

    /// The program computing this array, as Graphviz DOT.
    fn to_dot(&self) -> PyResult<String> {
        Ok(self.a.program().map_err(to_pyerr)?.to_dot())
    }
}

/// A lazy array over a NumPy array: read in place at evaluation (the lazy array keeps
/// the NumPy array alive), or over a copy where it cannot be (unaligned data).
#[pyfunction]
fn asarray(obj: &Bound<'_, PyAny>) -> PyResult<NativeArray> {
    if let Some(external) = external_numpy(obj) {
        return Ok(NativeArray {
            a: Array::from_node(lazyfuse_ir::Node::external(external)),
        });
    }
    Ok(NativeArray {
        a: Array::from_value(value_from_numpy(obj)?),
    })
}

/// A NumPy array that can be read in place, as external data owned by a reference to
/// the array.
fn external_numpy(obj: &Bound<'_, PyAny>) -> Option<lazyfuse_ir::External> {
    let view = numpy_view_any(obj)?;
    let ty = lazyfuse_ir::TensorType::new(view.dtype(), lazyfuse_ir::Shape::from(view.shape()));
    let owner: Arc<dyn std::any::Any + Send + Sync> = Arc::new(obj.clone().unbind());
    // SAFETY: numpy_view checked alignment and strides; `owner` (a reference to the
    // array) keeps the elements allocated; like a NumPy view, writes to the array
    // before evaluation are seen by it.
    unsafe { lazyfuse_ir::External::new(ty, view.ptr(), view.strides().to_vec(), owner).ok() }
}

/// Evaluates several lazy arrays as one program (shared work once), without the GIL;
/// returns NumPy arrays.
#[pyfunction]
fn evaluate(py: Python<'_>, arrays: Vec<NativeArray>) -> PyResult<Vec<Py<PyAny>>> {
    let refs: Vec<&Array> = arrays.iter().map(|l| &l.a).collect();
    evaluate_arrays(py, &refs)
}

/// [`evaluate`] of arrays the caller holds (`Base.materialise` evaluates one this way).
fn evaluate_arrays(py: Python<'_>, arrays: &[&Array]) -> PyResult<Vec<Py<PyAny>>> {
    let values = guarded(|| py.detach(|| crate::eval(arrays)).map_err(to_pyerr))?;
    numpy_warnings(py)?;
    Ok(values.into_iter().map(|v| value_to_numpy(py, v)).collect())
}

/// Evaluates `array` straight into `out`, a writable NumPy array of its dtype and shape
/// (`out[...] = array` without a temporary); False, having done nothing, where it
/// cannot (see `lazyfuse_frontend::eval_into`): the caller then assigns as usual.
#[pyfunction]
fn evaluate_into(py: Python<'_>, array: NativeArray, out: &Bound<'_, PyAny>) -> PyResult<bool> {
    let Ok(untyped) = out.cast::<numpy::PyUntypedArray>() else {
        return Ok(false);
    };
    // SAFETY: reading the flags of a live array object.
    let flags = unsafe { (*untyped.as_array_ptr()).flags };
    if flags & numpy::npyffi::NPY_ARRAY_WRITEABLE == 0 {
        return Ok(false);
    }
    let Some(view) = numpy_view(out, array.a.node().map_err(to_pyerr)?.dtype()) else {
        return Ok(false);
    };
    guarded(|| {
        py.detach(|| {
            // SAFETY: `out` is a writable, aligned NumPy array held by the caller for
            // the call; its elements are the view's. Like NumPy's own ufuncs without the
            // GIL, another thread touching it meanwhile races.
            unsafe { crate::eval_into(&array.a, &view) }
        })
        .map_err(to_pyerr)
    })
}

/// `explain`'s answer: program before and after (text), rewrites, kernels (text), and
/// the Graphviz picture of both.
type ExplainParts = (
    String,
    String,
    Vec<String>,
    Vec<String>,
    String,
    Vec<String>,
);

/// (before, after, rewrites, kernels, DOT) for the program computing `arrays`.
#[pyfunction]
fn explain(py: Python<'_>, arrays: Vec<NativeArray>) -> PyResult<ExplainParts> {
    guarded(|| {
        let e = py
            .detach(|| {
                let refs: Vec<&Array> = arrays.iter().map(|l| &l.a).collect();
                crate::explain(&refs, &lazyfuse_optimizer::Options::default())
            })
            .map_err(to_pyerr)?;
        let dot = e.to_dot();
        Ok((e.before, e.after, e.rewrites, e.kernels, dot, e.inputs))
    })
}

/// Kernel cache counters of the CPU executor.
#[pyfunction]
fn cache_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let stats = CpuExecutor::global().stats();
    let d = PyDict::new(py);
    d.set_item("compiles", stats.compiles)?;
    d.set_item("hits", stats.hits)?;
    d.set_item("disk_hits", stats.disk_hits)?;
    let (vector_math_compiles, vector_math_loads) = lazyfuse_codegen::vector_math_stats();
    d.set_item("vector_math_compiles", vector_math_compiles)?;
    d.set_item("vector_math_disk_hits", vector_math_loads)?;
    let frames = jit_frame::FRAME_CALLS.load(std::sync::atomic::Ordering::Relaxed);
    d.set_item("frame_calls", frames)?;
    let dir = CpuExecutor::global()
        .disk_cache()
        .map(|c| c.dir().to_string_lossy().into_owned());
    d.set_item("disk_cache", dir)?;
    Ok(d)
}

/// Which BLAS float matrix products call: "numpy" (NumPy's own OpenBLAS, when loaded)
/// or "system" (the one lazyfuse links).
#[pyfunction]
fn blas() -> &'static str {
    lazyfuse_codegen::blas_in_use()
}

/// A view of a NumPy array's elements in place, when it has dtype `dtype`, aligned data
/// and strides that are whole elements; None otherwise (such arrays are copied).
///
/// The view is valid while the caller holds `arr` (a strong reference keeps the data
/// allocated). As with NumPy's own ufuncs, which also run without the GIL, another
/// thread writing the array meanwhile races with the read.
fn numpy_view<'py>(arr: &Bound<'py, PyAny>, dtype: DType) -> Option<InputView<'py>> {
    macro_rules! typed {
        ($t:ty) => {{
            let typed = arr.cast::<PyArrayDyn<$t>>().ok()?;
            let ptr = typed.data() as *const u8;
            let item = std::mem::size_of::<$t>() as isize;
            if (ptr as usize) % std::mem::align_of::<$t>() != 0 {
                return None;
            }
            let strides = typed
                .strides()
                .iter()
                .map(|&s| (s % item == 0).then_some(s / item))
                .collect::<Option<smallvec::SmallVec<[isize; 4]>>>()?;
            let shape = typed.shape();
            // SAFETY: the strides and shape are the array's own, in whole elements.
            if dtype == DType::Bool && !unsafe { bytes_are_bools(ptr, shape, &strides) } {
                return None; // bytes other than 0 and 1: copied and normalised instead
            }
            // SAFETY: aligned (checked), whole-element strides (checked), data kept
            // allocated by the caller's reference for the view's use.
            Some(unsafe { InputView::from_raw(ptr, dtype, shape, &strides) })
        }};
    }
    lazyfuse_ir::with_dtype!(dtype, T => typed!(T))
}

/// [`numpy_view`] in whichever dtype the array has (the common ones tried first).
pub(super) fn numpy_view_any<'py>(arr: &Bound<'py, PyAny>) -> Option<InputView<'py>> {
    use DType::*;
    [
        F64, F32, I64, I32, Bool, U8, I8, I16, U16, U32, U64, F16, C128, C64,
    ]
    .into_iter()
    .find_map(|d| numpy_view(arr, d))
}

/// Whether every byte of a bool array (one byte per element, `strides` in elements)
/// is 0 or 1: NumPy lets other bytes in (`np.frombuffer(b'\x02', bool)`), and reading
/// one as a Rust or LLVM bool is undefined.
///
/// # Safety
/// `ptr`, `shape` and `strides` must describe readable memory of one array.
unsafe fn bytes_are_bools(ptr: *const u8, shape: &[usize], strides: &[isize]) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let Some((&len, outer)) = shape.split_last() else {
        // SAFETY: a 0-d array's one element (the caller's contract).
        return unsafe { *ptr } <= 1;
    };
    let step = strides[shape.len() - 1];
    // Row by row along the last axis; a contiguous row is checked with an OR over its
    // bytes, which vectorises (a 10 MB mask: 25 ms element by element, now a fraction
    // of a millisecond; this runs on every call that reads a NumPy bool array in place).
    let row_ok = |start: *const u8| -> bool {
        if step == 1 {
            // SAFETY: `len` consecutive elements of the array.
            let row = unsafe { std::slice::from_raw_parts(start, len) };
            row.iter().fold(0u8, |acc, &byte| acc | byte) <= 1
        } else {
            // SAFETY: elements of the array, `step` apart.
            (0..len as isize).all(|i| unsafe { *start.offset(i * step) } <= 1)
        }
    };
    let mut index = vec![0usize; outer.len()];
    loop {
        let offset: isize = index
            .iter()
            .zip(strides)
            .map(|(&i, &s)| i as isize * s)
            .sum();
        // SAFETY: the first element of a row of the array.
        if !row_ok(unsafe { ptr.offset(offset) }) {
            return false;
        }
        // The next row in C order.
        let mut axis = outer.len();
        loop {
            if axis == 0 {
                return true;
            }
            axis -= 1;
            index[axis] += 1;
            if index[axis] < outer[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
}

/// The native module.
/// Large blocks kept for reuse instead of faulted in afresh (`lazyfuse_codegen::BlockCache`).
#[global_allocator]
static ALLOCATOR: lazyfuse_codegen::BlockCache = lazyfuse_codegen::BlockCache::new();

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ALLOCATOR.configure();
    m.add_class::<NativeArray>()?;
    m.add_class::<jit::Compiled>()?;
    m.add_class::<cell::PyBufferCell>()?;
    m.add_class::<handle::Handle>()?;
    m.add_class::<base::Base>()?;
    m.add_class::<ufunc_call::UfuncCall>()?;
    m.add_function(wrap_pyfunction!(handle::register_array_type, m)?)?;
    m.add_function(wrap_pyfunction!(handle::from_numpy, m)?)?;
    m.add_function(wrap_pyfunction!(operators::set_eager_limit, m)?)?;
    m.add_function(wrap_pyfunction!(operators::register_ufuncs, m)?)?;
    m.add_function(wrap_pyfunction!(operators::eager_call, m)?)?;
    m.add_function(wrap_pyfunction!(operators::eager_pair, m)?)?;
    m.add_function(wrap_pyfunction!(views::register_reductions, m)?)?;
    m.add_function(wrap_pyfunction!(asarray, m)?)?;
    m.add_function(wrap_pyfunction!(blas, m)?)?;
    m.add_function(wrap_pyfunction!(constructors::full, m)?)?;
    m.add_function(wrap_pyfunction!(constructors::scalar, m)?)?;
    m.add_function(wrap_pyfunction!(constructors::ramp, m)?)?;
    m.add_function(wrap_pyfunction!(constructors::where_, m)?)?;
    m.add_function(wrap_pyfunction!(constructors::concatenate, m)?)?;
    m.add_function(wrap_pyfunction!(constructors::stack, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_into, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    cuda::register(m)?;
    m.add_function(wrap_pyfunction!(cache_info, m)?)?;
    m.add_function(wrap_pyfunction!(jit::param, m)?)?;
    m.add_function(wrap_pyfunction!(jit::compile, m)?)?;
    m.add_function(wrap_pyfunction!(jit::program_of, m)?)?;
    m.add_function(wrap_pyfunction!(jit::compile_text, m)?)?;
    m.add_function(wrap_pyfunction!(export::export, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_panic_probe, m)?)?;
    tracing::register(m)?;
    transforms::register(m)?;
    Ok(())
}
