//! A jitted function's call on small NumPy arrays of one layout, straight to its
//! compiled loops (`FrameCall`): the arguments checked by their array structs' fields,
//! the outputs allocated by NumPy and written in place by a prepared
//! `lazyfuse_codegen::Frame`. No allocation but the outputs', no bookkeeping: the path
//! that brings a jitted `a * b + c` on 1,000 float64 under NumPy's eager expression.

use std::sync::atomic::{AtomicU64, Ordering};

use numpy::npyffi::{npy_intp, NpyTypes, PyArrayObject, PyArray_Descr, PY_ARRAY_API};
use numpy::PyArrayDescr;
use pyo3::ffi;
use smallvec::SmallVec;

use lazyfuse_codegen::Frame;

use super::*;

/// A call's outputs: inline up to four (a frame's call allocates nothing but the arrays).
pub(super) type Outputs = SmallVec<[Py<PyAny>; 4]>;

/// Calls that ran through a frame (`lazyfuse.cache_info()["frame_calls"]`).
pub(super) static FRAME_CALLS: AtomicU64 = AtomicU64::new(0);

/// A frame and what a call must match to use it.
pub(super) struct FrameCall {
    frame: Frame,
    /// NumPy's ndarray type: arguments of exactly this type (no subclasses) qualify.
    ndarray: *mut ffi::PyTypeObject,
    /// Per input slot of the plan: a call argument, or captured data at a fixed place.
    slots: Vec<SlotSource>,
    /// Per call argument, its layout.
    args: Vec<ArrayLayout>,
    outputs: Vec<ArrayLayout>,
}

/// Where an input slot's elements are during a call.
enum SlotSource {
    /// Argument n of the call.
    Arg(usize),
    /// Element 0 of data the traced function captured, owned by the `Compiled` that
    /// owns this frame call (so alive, and not moved, as long as it).
    Fixed(*const u8),
}

// SAFETY: the raw pointers are NumPy's type and dtype singletons (held by `descr`),
// alive as long as the interpreter, and only used with the GIL held.
unsafe impl Send for FrameCall {}
unsafe impl Sync for FrameCall {}

/// One array's dtype (NumPy's own descriptor), shape and byte strides.
struct ArrayLayout {
    descr: Py<PyArrayDescr>,
    dims: SmallVec<[npy_intp; 4]>,
    /// In bytes; empty for outputs (C-contiguous, NumPy's default).
    strides: SmallVec<[npy_intp; 4]>,
    /// The element type's alignment.
    align: usize,
    bool: bool,
}

impl ArrayLayout {
    fn new(py: Python<'_>, dtype: DType, shape: &[usize], strides: &[isize]) -> ArrayLayout {
        let descr = lazyfuse_ir::with_dtype!(dtype, T => numpy::dtype::<T>(py));
        let item = dtype.size_bytes();
        ArrayLayout {
            descr: descr.unbind(),
            dims: shape.iter().map(|&d| d as npy_intp).collect(),
            strides: strides
                .iter()
                .map(|&s| (s * item as isize) as npy_intp)
                .collect(),
            align: lazyfuse_ir::with_dtype!(dtype, T => std::mem::align_of::<T>()),
            bool: dtype == DType::Bool,
        }
    }

    fn descr_ptr(&self) -> *mut PyArray_Descr {
        self.descr.as_ptr().cast()
    }
}

impl FrameCall {
    /// A frame call for input slots laid out as `views` (those of a run that just
    /// computed the plan's parameters), or None where the plan allows no frame. Slot k
    /// reads call argument `params[k]`, or where that is None, captured data that stays
    /// where `views[k]` has it while the caller lives. Calls take `arity` arguments,
    /// each read by one slot (else None: an unread argument's layout would go unchecked).
    pub(super) fn new(
        py: Python<'_>,
        plan: &PreparedPlan,
        views: &[InputView<'_>],
        params: &[Option<usize>],
        arity: usize,
    ) -> Option<FrameCall> {
        let frame = plan.frame(views)?;
        let mut args: Vec<Option<ArrayLayout>> = Vec::new();
        args.resize_with(arity, || None);
        let mut slots = Vec::with_capacity(params.len());
        for ((input, view), param) in frame.inputs().iter().zip(views).zip(params) {
            let Some(n) = *param else {
                slots.push(SlotSource::Fixed(view.ptr()));
                continue;
            };
            if args.get(n)?.is_some() {
                return None; // one argument in two slots: not a plan of its parameters
            }
            args[n] = Some(ArrayLayout::new(
                py,
                input.dtype,
                &input.shape,
                &input.strides,
            ));
            slots.push(SlotSource::Arg(n));
        }
        let args = args.into_iter().collect::<Option<Vec<_>>>()?;
        let outputs = frame
            .outputs()
            .iter()
            .map(|o| ArrayLayout::new(py, o.dtype, &o.shape, &[]))
            .collect();
        // SAFETY: NumPy's API table is loaded (the numpy crate loads it on first use).
        let ndarray = unsafe { PY_ARRAY_API.get_type_object(py, NpyTypes::PyArray_Type) };
        Some(FrameCall {
            frame,
            ndarray,
            slots,
            args,
            outputs,
        })
    }

    /// The outputs of a call on `args`, or None (nothing done) where an argument is not
    /// a NumPy ndarray of the frame's dtype, shape and strides, aligned (a bool array
    /// holding only 0 and 1), or another thread is in the frame.
    pub(super) fn call(
        &self,
        py: Python<'_>,
        args: &[Bound<'_, PyAny>],
    ) -> Option<PyResult<Outputs>> {
        if args.len() != self.args.len() {
            return None;
        }
        let mut data: SmallVec<[*const u8; 8]> = SmallVec::new();
        for (arg, want) in args.iter().zip(&self.args) {
            // SAFETY: `arg` is a live object; its array struct is read only after its
            // type is checked to be exactly ndarray.
            data.push(unsafe { self.data_of(arg.as_ptr(), want) }?);
        }
        let ins: SmallVec<[*const u8; 8]> = self
            .slots
            .iter()
            .map(|s| match *s {
                SlotSource::Arg(n) => data[n],
                SlotSource::Fixed(ptr) => ptr,
            })
            .collect();
        let mut outs = Outputs::new();
        let mut out_ptrs: SmallVec<[*mut u8; 4]> = SmallVec::new();
        for layout in &self.outputs {
            match self.allocate(py, layout) {
                Ok((array, data)) => {
                    outs.push(array);
                    out_ptrs.push(data);
                }
                Err(e) => return Some(Err(e)),
            }
        }
        // SAFETY: each argument is an aligned ndarray of its slot's dtype, shape and
        // strides (checked), held by `args` and, with the GIL held throughout, unwritten;
        // captured data is where the frame was made for (`new`'s contract); each output
        // is a fresh C-contiguous array of its dtype and shape.
        if !unsafe { self.frame.run(&ins, &out_ptrs) } {
            return None;
        }
        FRAME_CALLS.fetch_add(1, Ordering::Relaxed);
        Some(Ok(outs))
    }

    /// Element 0 of `obj` where it is an ndarray laid out as `want`.
    ///
    /// # Safety
    /// `obj` must be a live object, the GIL held.
    unsafe fn data_of(&self, obj: *mut ffi::PyObject, want: &ArrayLayout) -> Option<*const u8> {
        // SAFETY: the caller's contract; the struct is an ndarray's (its exact type).
        unsafe {
            if ffi::Py_TYPE(obj) != self.ndarray {
                return None;
            }
            let array = &*obj.cast::<PyArrayObject>();
            let nd = array.nd as usize;
            if array.descr != want.descr_ptr()
                || nd != want.dims.len()
                || std::slice::from_raw_parts(array.dimensions, nd) != want.dims.as_slice()
                || std::slice::from_raw_parts(array.strides, nd) != want.strides.as_slice()
            {
                return None;
            }
            let data = array.data as *const u8;
            if !(data as usize).is_multiple_of(want.align) {
                return None;
            }
            if want.bool {
                // One byte per element: byte strides are element strides.
                let shape: SmallVec<[usize; 4]> = want.dims.iter().map(|&d| d as usize).collect();
                if !bytes_are_bools(data, &shape, &want.strides) {
                    return None;
                }
            }
            Some(data)
        }
    }

    /// A new C-contiguous ndarray laid out as `layout`, and its element 0.
    fn allocate(&self, py: Python<'_>, layout: &ArrayLayout) -> PyResult<(Py<PyAny>, *mut u8)> {
        let descr = layout.descr_ptr();
        // SAFETY: NumPy's constructor with its own type and a descriptor it steals (a
        // new reference taken for it); null strides and data ask for a fresh
        // C-contiguous array.
        unsafe {
            ffi::Py_INCREF(descr.cast());
            let raw = PY_ARRAY_API.PyArray_NewFromDescr(
                py,
                self.ndarray,
                descr,
                layout.dims.len() as i32,
                layout.dims.as_ptr() as *mut npy_intp,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
            );
            let array = Py::<PyAny>::from_owned_ptr_or_err(py, raw)?;
            let data = (*raw.cast::<PyArrayObject>()).data as *mut u8;
            Ok((array, data))
        }
    }
}
