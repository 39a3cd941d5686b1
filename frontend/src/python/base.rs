//! `Base`: one array's storage in the array model (see the module docs of
//! `lazyfuse/_base.py` and docs/ARCHITECTURE.md, "The array model"). Its current version
//! is pending (a native node) or materialised (a NumPy buffer, read lazily through a
//! `BufferCell`). Native, because a base is made on the path of every operation.

use numpy::{PyArrayDescr, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyTuple};

use lazyfuse_ir::DType;

use super::cell::PyBufferCell;
use super::NativeArray;

/// Python: `lazyfuse._native.Base` (`lazyfuse._base._Base`).
#[pyclass(name = "Base", module = "lazyfuse._native")]
pub(super) struct Base {
    /// The current version's node while the base is pending.
    #[pyo3(get, set)]
    pub(super) node: Option<Py<NativeArray>>,
    /// The NumPy buffer once materialised (set by `adopt`).
    #[pyo3(get)]
    pub(super) buffer: Option<Py<PyAny>>,
    /// The cell lazy reads of the buffer go through (made by `read_cell`).
    #[pyo3(get, set)]
    pub(super) cell: Option<Py<PyBufferCell>>,
    /// Whether NumPy would lay the array out in Fortran order (an elementwise result of
    /// Fortran-ordered operands): its buffer is made in that order.
    pub(super) fortran: bool,
    shape: Option<Py<PyTuple>>,
    dtype: Option<Py<PyArrayDescr>>,
}

/// NumPy's dtype object for a native dtype.
pub(super) fn numpy_dtype(py: Python<'_>, dtype: DType) -> Bound<'_, PyArrayDescr> {
    lazyfuse_ir::with_dtype!(dtype, T => numpy::dtype::<T>(py))
}

impl Base {
    /// A pending base whose current version is `node`, in C order.
    pub(super) fn pending(node: Py<NativeArray>) -> Base {
        Base {
            node: Some(node),
            buffer: None,
            cell: None,
            fortran: false,
            shape: None,
            dtype: None,
        }
    }

    /// A base in memory: `buffer`, a NumPy array.
    pub(super) fn in_memory(buffer: &Bound<'_, PyUntypedArray>) -> Base {
        let mut base = Base::pending_none();
        base.adopt_array(buffer);
        base
    }

    fn pending_none() -> Base {
        Base {
            node: None,
            buffer: None,
            cell: None,
            fortran: false,
            shape: None,
            dtype: None,
        }
    }

    fn adopt_array(&mut self, buffer: &Bound<'_, PyUntypedArray>) {
        // Shape and dtype are asked of the buffer on first use (see the getters).
        self.shape = None;
        self.dtype = None;
        self.buffer = Some(buffer.clone().into_any().unbind());
        self.cell = None;
        self.node = None;
    }

    /// The buffer as a NumPy array, if materialised.
    fn buffer_array<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyUntypedArray>> {
        let buffer = self.buffer.as_ref()?.bind(py);
        buffer.cast::<PyUntypedArray>().ok().cloned()
    }
}

/// `lazyfuse._base.evaluate_bases`, which computes pending bases together.
static EVALUATE_BASES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

#[pymethods]
impl Base {
    #[new]
    #[pyo3(signature = (node=None, buffer=None))]
    fn new(node: Option<Py<NativeArray>>, buffer: Option<&Bound<'_, PyAny>>) -> PyResult<Base> {
        let mut base = Base::pending_none();
        base.node = node;
        if let Some(buffer) = buffer {
            base.adopt_array(buffer.cast::<PyUntypedArray>()?);
        }
        Ok(base)
    }

    /// The shape, as a tuple (asked of the node on first use).
    #[getter]
    fn shape(&mut self, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        if let Some(shape) = &self.shape {
            return Ok(shape.clone_ref(py));
        }
        let shape = match self.buffer_array(py) {
            Some(buffer) => PyTuple::new(py, buffer.shape())?,
            None => {
                let node = self.pending_node(py)?;
                PyTuple::new(py, node.shape().map_err(super::errors::to_pyerr)?)?
            }
        };
        self.shape = Some(shape.clone().unbind());
        Ok(shape.unbind())
    }

    /// NumPy's dtype (asked of the node on first use).
    #[getter]
    fn dtype(&mut self, py: Python<'_>) -> PyResult<Py<PyArrayDescr>> {
        if let Some(dtype) = &self.dtype {
            return Ok(dtype.clone_ref(py));
        }
        let dtype = match self.buffer_array(py) {
            Some(buffer) => buffer.dtype(),
            None => {
                let node = self.pending_node(py)?;
                numpy_dtype(py, node.dtype().map_err(super::errors::to_pyerr)?)
            }
        };
        self.dtype = Some(dtype.clone().unbind());
        Ok(dtype.unbind())
    }

    /// "C", or "F" for a base NumPy would lay out in Fortran order.
    #[getter]
    fn order(&self) -> &'static str {
        if self.fortran {
            "F"
        } else {
            "C"
        }
    }

    #[setter]
    fn set_order(&mut self, order: &str) -> PyResult<()> {
        self.fortran = match order {
            "C" => false,
            "F" => true,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "order must be 'C' or 'F', not {other:?}"
                )))
            }
        };
        Ok(())
    }

    /// Makes `buffer` (a NumPy array) the storage: materialised from now on.
    fn adopt(&mut self, buffer: &Bound<'_, PyAny>) -> PyResult<()> {
        self.adopt_array(buffer.cast::<PyUntypedArray>()?);
        Ok(())
    }

    /// The buffer, computing the pending version first if needed.
    fn materialise(slf: &Bound<'_, Base>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let pending_c = {
            let base = slf.borrow();
            match (&base.buffer, &base.node) {
                (None, Some(node)) if !base.fortran => Some(node.bind(py).borrow().a.clone()),
                _ => None,
            }
        };
        if let Some(array) = pending_c {
            // One C-ordered base: what `evaluate_bases` does, without its Python frame,
            // lists and attribute reads (a tenth of an evaluated `a * s + 1`'s overhead).
            let value = super::evaluate_arrays(py, &[&array])?.remove(0);
            slf.borrow_mut()
                .adopt_array(value.bind(py).cast::<PyUntypedArray>()?);
        } else if slf.borrow().buffer.is_none() {
            let evaluate = EVALUATE_BASES.get_or_try_init(py, || {
                py.import("lazyfuse._base")?
                    .getattr("evaluate_bases")
                    .map(Bound::unbind)
            })?;
            evaluate.call1(py, (PyList::new(py, [slf])?,))?;
        }
        match &slf.borrow().buffer {
            Some(buffer) => Ok(buffer.clone_ref(py)),
            None => Err(pyo3::exceptions::PyRuntimeError::new_err(
                "internal error: an evaluated base has no buffer",
            )),
        }
    }

    /// Called right before the buffer is written in place: pending lazy reads of the
    /// buffer move to a snapshot of its current values, and later reads go through a
    /// new cell.
    pub(super) fn before_write(&mut self, py: Python<'_>) -> PyResult<()> {
        if let Some(cell) = &self.cell {
            let cell = cell.bind(py).get();
            if cell.readers() > 0 {
                cell.snapshot()?;
                self.cell = None;
            }
        }
        Ok(())
    }

    /// The cell lazy reads of the buffer go through (made on first use).
    fn read_cell(&mut self, py: Python<'_>) -> PyResult<Py<PyBufferCell>> {
        if let Some(cell) = &self.cell {
            return Ok(cell.clone_ref(py));
        }
        let buffer = match &self.buffer {
            Some(buffer) => buffer.bind(py).clone(),
            None => {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "internal error: a lazy read of a pending base's buffer",
                ))
            }
        };
        let cell = Py::new(py, PyBufferCell::new(&buffer)?)?;
        self.cell = Some(cell.clone_ref(py));
        Ok(cell)
    }

    /// A whole-array write to a pending base: the new version is `node` (already of
    /// the base's shape and dtype).
    fn replace(&mut self, node: Py<NativeArray>) {
        self.node = Some(node);
    }
}

impl Base {
    /// `base.read_cell()` for native callers.
    pub(super) fn read_cell_of(base: &Bound<'_, Base>) -> PyResult<Py<PyBufferCell>> {
        base.borrow_mut().read_cell(base.py())
    }

    fn pending_node(&self, py: Python<'_>) -> PyResult<crate::Array> {
        match &self.node {
            Some(node) => Ok(node.bind(py).get().a.clone()),
            None => Err(pyo3::exceptions::PyAttributeError::new_err(
                "internal error: a base with neither a node nor a buffer",
            )),
        }
    }
}
