//! A small plan's call prepared once (`Frame`): each kernel's run-time parameters,
//! pointer slots and loop bounds fixed for one layout of the inputs, and the plan's
//! temporaries kept, so that a call checks nothing it checked before, keeps no
//! bookkeeping and allocates nothing but its outputs, which the caller provides (a
//! jitted function on small arrays writes straight into NumPy's arrays).

use std::sync::{Arc, Mutex};

use lazyfuse_ir::kernel::{BufferKind, Kernel};
use lazyfuse_ir::DType;
use smallvec::SmallVec;

use super::launch::single_call;
use super::{CompiledKernel, InputView, KernelFn, PreparedPlan, Uninit};

/// A plan's calls on inputs of one layout, prepared: see the module comment.
pub struct Frame {
    inputs: Vec<FrameInput>,
    outputs: Vec<FrameOutput>,
    steps: Vec<Step>,
    /// The plan's other storage (temporaries), kept between calls; locked by a call.
    temps: Mutex<Vec<Temp>>,
}

/// An input slot of a frame: the dtype, shape and element strides it was made for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInput {
    /// The element type.
    pub dtype: DType,
    /// The shape.
    pub shape: Vec<usize>,
    /// Strides in elements.
    pub strides: Vec<isize>,
}

/// An output of a frame: a C-contiguous array the caller allocates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameOutput {
    /// The element type.
    pub dtype: DType,
    /// The shape.
    pub shape: Vec<usize>,
    /// Whether the plan reads it before writing all of it, so a call clears it first.
    zero_first: bool,
}

/// Where a kernel's buffer lives during a call.
#[derive(Clone, Copy, Debug)]
enum Slot {
    Input(usize),
    Output(usize),
    Temp(usize),
}

/// One kernel's call: `(entry)(pointers, params, 0, rows, 0, cols)`.
struct Step {
    /// Keeps `entry`'s code alive.
    _kernel: Arc<CompiledKernel>,
    entry: KernelFn,
    params: Vec<i64>,
    slots: Vec<Slot>,
    rows: usize,
    cols: usize,
}

struct Temp {
    storage: Uninit,
    bytes: usize,
    dtype: DType,
    /// Whether the plan reads it before writing all of it, so a call clears it first.
    zero_first: bool,
}

impl PreparedPlan {
    /// A frame for calls on inputs laid out as `inputs`, or None where the plan does not
    /// allow one: a kernel that is not a loop, gathers, or runs on several threads or in
    /// chunks; an output that is an input, a view of other storage or repeated; or run-time
    /// parameters not yet computed for these strides (a run on such inputs computes them).
    pub fn frame(&self, inputs: &[InputView<'_>]) -> Option<Frame> {
        let cached = self
            .params
            .lock()
            .ok()?
            .as_ref()
            .filter(|c| c.fits(inputs))
            .cloned()?;
        let plan = &self.plan;
        let mut slot_of: Vec<Option<Slot>> = vec![None; plan.buffers.len()];
        let mut outputs = Vec::with_capacity(plan.outputs.len());
        for (j, o) in plan.outputs.iter().enumerate() {
            let b = o.0 as usize;
            let buffer = &plan.buffers[b];
            if self.roots[b] != b
                || !matches!(buffer.kind, BufferKind::Temp)
                || slot_of[b].is_some()
            {
                return None;
            }
            slot_of[b] = Some(Slot::Output(j));
            outputs.push(FrameOutput {
                dtype: buffer.ty.dtype,
                shape: buffer.ty.shape.dims().to_vec(),
                zero_first: !self.uninit[b],
            });
        }
        let mut temps = Vec::new();
        for (b, buffer) in plan.buffers.iter().enumerate() {
            match buffer.kind {
                BufferKind::Input(slot) => slot_of[b] = Some(Slot::Input(slot)),
                BufferKind::Temp if self.roots[b] == b && slot_of[b].is_none() => {
                    let shape = buffer.ty.shape.dims();
                    let storage = Uninit::new(buffer.ty.dtype, shape).ok()?;
                    slot_of[b] = Some(Slot::Temp(temps.len()));
                    temps.push(Temp {
                        storage,
                        bytes: shape.iter().product::<usize>() * buffer.ty.dtype.size_bytes(),
                        dtype: buffer.ty.dtype,
                        zero_first: !self.uninit[b],
                    });
                }
                _ => {}
            }
        }
        let mut steps = Vec::with_capacity(plan.kernels.len());
        for (k, kernel) in plan.kernels.iter().enumerate() {
            let (Kernel::Loop(l), Some((compiled, order))) = (kernel, &self.steps[k]) else {
                return None;
            };
            if compiled.gathers {
                return None;
            }
            if l.outer.contains(&0) {
                continue; // a launch stores nothing (see `launch`)
            }
            let (rows, cols) = single_call(self.threads, l)?;
            let slots = order
                .iter()
                .map(|&b| slot_of[self.roots[b]])
                .collect::<Option<Vec<Slot>>>()?;
            let params = cached.per_kernel[k].clone();
            steps.push(Step {
                _kernel: compiled.clone(),
                entry: compiled.entry(&params).ok()?,
                params,
                slots,
                rows,
                cols,
            });
        }
        Some(Frame {
            inputs: inputs
                .iter()
                .map(|v| FrameInput {
                    dtype: v.dtype,
                    shape: v.shape.to_vec(),
                    strides: v.strides.to_vec(),
                })
                .collect(),
            outputs,
            steps,
            temps: Mutex::new(temps),
        })
    }
}

impl Frame {
    /// The input slots: each one's dtype, shape and strides.
    pub fn inputs(&self) -> &[FrameInput] {
        &self.inputs
    }

    /// The outputs: each one's dtype and shape.
    pub fn outputs(&self) -> &[FrameOutput] {
        &self.outputs
    }

    /// Runs the plan; false (nothing run) while another call holds the temporaries.
    ///
    /// # Safety
    /// `inputs[k]` must be element 0 of an array of `self.inputs()[k]`'s dtype, shape
    /// and strides, aligned for its dtype and readable (a bool one byte of 0 or 1) and
    /// unwritten during the call; `outputs[j]` element 0 of a C-contiguous array of
    /// `self.outputs()[j]`'s dtype and shape, aligned, writable, and overlapping neither
    /// the inputs nor the other outputs.
    pub unsafe fn run(&self, inputs: &[*const u8], outputs: &[*mut u8]) -> bool {
        assert!(inputs.len() == self.inputs.len() && outputs.len() == self.outputs.len());
        let Ok(mut temps) = self.temps.try_lock() else {
            return false;
        };
        for (out, &ptr) in self.outputs.iter().zip(outputs) {
            let bytes = out.shape.iter().product::<usize>() * out.dtype.size_bytes();
            // SAFETY: the caller's output of this many bytes.
            unsafe { prepare_storage(ptr, bytes, out.dtype, out.zero_first) };
        }
        let mut temp_ptrs: SmallVec<[*mut u8; 8]> = SmallVec::new();
        for t in temps.iter_mut() {
            let ptr = t.storage.as_mut_ptr();
            // SAFETY: the temporary holds `bytes`.
            unsafe { prepare_storage(ptr, t.bytes, t.dtype, t.zero_first) };
            temp_ptrs.push(ptr);
        }
        for step in &self.steps {
            let pointers: SmallVec<[*mut u8; 16]> = step
                .slots
                .iter()
                .map(|s| match *s {
                    Slot::Input(k) => inputs[k] as *mut u8,
                    Slot::Output(j) => outputs[j],
                    Slot::Temp(t) => temp_ptrs[t],
                })
                .collect();
            // SAFETY: the parameters were computed and bounds-checked for buffers of
            // these shapes and strides (`PreparedPlan::frame`, the caller's contract);
            // one call on this thread, as `launch` makes for this kernel.
            unsafe {
                (step.entry)(
                    pointers.as_ptr(),
                    step.params.as_ptr(),
                    0,
                    step.rows as i64,
                    0,
                    step.cols as i64,
                )
            }
        }
        true
    }
}

/// Clears storage the plan reads before writing all of it; under
/// `LAZYFUSE_POISON_TEMPS=1` fills the rest with garbage (0xFF bytes; `true` for bool),
/// as `Uninit` does, so a kernel reading it before writing shows in results.
///
/// # Safety
/// `ptr` must be valid for writing `bytes` bytes.
unsafe fn prepare_storage(ptr: *mut u8, bytes: usize, dtype: DType, zero_first: bool) {
    let fill = if zero_first {
        0
    } else if super::alloc::poison() {
        if dtype == DType::Bool {
            1
        } else {
            0xFF
        }
    } else {
        return;
    };
    // SAFETY: the caller's contract.
    unsafe { std::ptr::write_bytes(ptr, fill, bytes) };
}
