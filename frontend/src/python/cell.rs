//! `BufferCell`: the native side of a mutable array base (see `lazyfuse/_base.py`).
//!
//! A base's buffer is a NumPy array written in place by NumPy; lazy reads of it are
//! leaves in the base's cell, so that before a write the base can ask whether reads are
//! pending and move them to a snapshot (`lazyfuse_ir::BufferCell`).

use std::sync::Arc;

use lazyfuse_codegen::InputView;
use lazyfuse_ir::{BufferCell, TensorType};
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;

use super::{asarray, numpy_view_any, NativeArray};
use crate::Array;

/// A version of a base's buffer that lazy reads go through (Python:
/// `lazyfuse._native.BufferCell(buffer)`).
#[pyclass(name = "BufferCell", module = "lazyfuse._native", frozen)]
pub(super) struct PyBufferCell {
    cell: Arc<BufferCell>,
    /// Address of the buffer's lowest byte when the cell was made (views are located
    /// relative to it; a snapshot moves the cell, not the views' NumPy arrays).
    start: usize,
    /// What `explain` says about every read of this version (a fallback's result).
    note: std::sync::OnceLock<Box<str>>,
}

/// The lowest byte and the number of bytes an array's elements cover.
fn byte_extent(array: &Bound<'_, PyUntypedArray>) -> (usize, usize) {
    let item = array.dtype().itemsize() as isize;
    // SAFETY: a live NumPy array object; only its data pointer is read.
    let data = unsafe { (*array.as_array_ptr()).data } as isize;
    if array.shape().contains(&0) {
        return (data as usize, 0);
    }
    let (mut low, mut high) = (0isize, 0isize);
    for (&n, &stride) in array.shape().iter().zip(array.strides()) {
        let reach = stride * (n as isize - 1);
        if reach < 0 {
            low += reach;
        } else {
            high += reach;
        }
    }
    ((data + low) as usize, (high - low + item) as usize)
}

fn view_in_cell(cell: &PyBufferCell, view: &InputView<'_>) -> Option<lazyfuse_ir::External> {
    let item = view.dtype().size_bytes() as isize;
    let mut low = 0isize;
    let mut high = 0isize;
    if view.shape().contains(&0) {
        return None;
    }
    for (&n, &stride) in view.shape().iter().zip(view.strides()) {
        let reach = stride * item * (n as isize - 1);
        if reach < 0 {
            low += reach;
        } else {
            high += reach;
        }
    }
    let first = view.ptr() as isize;
    let start = cell.start as isize;
    let inside = first + low >= start && first + high + item <= start + cell.cell.span() as isize;
    if !inside {
        return None;
    }
    let ty = TensorType::new(view.dtype(), lazyfuse_ir::Shape::from(view.shape()));
    // SAFETY: every element lies in the cell's span (checked); the span starts at the
    // buffer's lowest element, so offsets keep the elements' alignment in a snapshot
    // (8-byte aligned); numpy_view checked alignment and bool bytes.
    unsafe {
        lazyfuse_ir::External::in_cell(
            ty,
            cell.cell.clone(),
            (first - start) as usize,
            view.strides().to_vec(),
        )
        .ok()
    }
}

#[pymethods]
impl PyBufferCell {
    /// A cell over `buffer`'s bytes (a NumPy array the caller keeps and writes only
    /// through `snapshot`'s protocol).
    #[new]
    pub(super) fn new(buffer: &Bound<'_, PyAny>) -> PyResult<PyBufferCell> {
        let array = buffer.cast::<PyUntypedArray>()?;
        let (start, span) = byte_extent(array);
        let owner: Arc<dyn std::any::Any + Send + Sync> = Arc::new(buffer.clone().unbind());
        // SAFETY: the owner (a reference to the array) keeps the bytes allocated; the
        // base writes them only after `snapshot` when readers are pending.
        let cell = unsafe { BufferCell::new(start as *const u8, span, owner) };
        Ok(PyBufferCell {
            cell,
            start,
            note: std::sync::OnceLock::new(),
        })
    }

    /// A lazy read of `view` (a NumPy view of the buffer) that keeps this version's
    /// values; a view the cell cannot hold (outside it, unaligned, byte-swapped) is
    /// copied now, which keeps them too.
    pub(super) fn read(&self, view: &Bound<'_, PyAny>) -> PyResult<NativeArray> {
        let in_cell = numpy_view_any(view).and_then(|v| view_in_cell(self, &v));
        let read = match in_cell {
            Some(external) => NativeArray {
                a: Array::from_node(lazyfuse_ir::Node::external(external)),
            },
            None => {
                let copied = view.call_method0("copy")?;
                asarray(&copied)?
            }
        };
        if let Some(note) = self.note.get() {
            read.a.set_note(note);
        }
        Ok(read)
    }

    /// Notes every later read of this version for `explain` (the first note stays).
    fn set_note(&self, note: &str) {
        let _ = self.note.set(note.into());
    }

    /// Lazy reads (leaves, programs) still holding this version.
    pub(super) fn readers(&self) -> usize {
        BufferCell::readers(&self.cell)
    }

    /// Moves every pending read to a private copy of the bytes as they are now.
    pub(super) fn snapshot(&self) -> PyResult<()> {
        self.cell
            .snapshot()
            .map_err(|e| pyo3::exceptions::PyMemoryError::new_err(e.to_string()))
    }
}
