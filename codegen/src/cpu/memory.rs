//! A running plan's buffers (`Memory`): each buffer's storage, pointers, shapes and
//! strides, checked against the plan on entry, and the vectors a plan keeps between runs
//! (`Scratch`).

use super::*;

/// The buffers of a running plan.
pub(super) struct Memory {
    /// Each input buffer's borrowed element 0 (null for the others); only read.
    pub(super) inputs: Vec<*const u8>,
    /// A buffer stored in the caller's memory instead (`run_into`), and its element 0.
    pub(super) outside: Option<(usize, *mut u8)>,
    /// Each buffer's storage (aliases share their root's; inputs: their owner, if known).
    pub(super) values: Vec<Option<Value>>,
    /// Storage that starts uninitialised (instead of a value), until `outputs`.
    pub(super) uninit: Vec<Option<Uninit>>,
    /// Root buffer of each buffer.
    pub(super) root: Vec<usize>,
    /// Each buffer's element strides (aliases: C-contiguous for their shape).
    pub(super) strides: Vec<Dims<isize>>,
    /// Each buffer's shape.
    pub(super) shapes: Vec<Dims<usize>>,
    /// Each buffer's dtype.
    pub(super) dtypes: Vec<DType>,
}

/// Per-axis numbers of one buffer, inline up to four axes (no allocation per buffer per
/// run on the call path).
pub(super) type Dims<T> = smallvec::SmallVec<[T; 4]>;

/// Raw pointers to each buffer's element 0, for one launch.
pub(super) struct Pointers(pub(super) smallvec::SmallVec<[*mut u8; 16]>);
// SAFETY: the pointers are only dereferenced by kernels while `Memory` is alive and
// not otherwise accessed (the launch holds `&mut Memory`).
unsafe impl Send for Pointers {}
unsafe impl Sync for Pointers {}

pub(super) fn contiguous_strides(shape: &[usize]) -> Dims<isize> {
    let mut strides: Dims<isize> = smallvec::smallvec![1isize; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1].max(1) as isize;
    }
    strides
}

/// A run's per-buffer vectors, kept for the next run of the same plan: those of a run's
/// values and pointers empty, those fixed by the plan (roots, shapes, dtypes) filled
/// when `planned`.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) inputs: Vec<*const u8>,
    pub(super) values: Vec<Option<Value>>,
    pub(super) uninit: Vec<Option<Uninit>>,
    pub(super) root: Vec<usize>,
    pub(super) strides: Vec<Dims<isize>>,
    pub(super) shapes: Vec<Dims<usize>>,
    pub(super) dtypes: Vec<DType>,
    pub(super) planned: bool,
}
// SAFETY: a scratch holds no elements and no pointers (those vectors are empty).
unsafe impl Send for Scratch {}

impl Memory {
    pub(super) fn new(
        plan: &KernelPlan,
        roots: &[usize],
        uninit: &[bool],
        inputs: &[InputView<'_>],
        owners: Option<&[Value]>,
    ) -> Result<Memory, CodegenError> {
        Memory::new_in(Scratch::default(), plan, roots, uninit, inputs, owners)
    }

    /// A run's memory, its vectors those of `scratch` (refilled).
    pub(super) fn new_in(
        scratch: Scratch,
        plan: &KernelPlan,
        roots: &[usize],
        uninit: &[bool],
        inputs: &[InputView<'_>],
        owners: Option<&[Value]>,
    ) -> Result<Memory, CodegenError> {
        let n = plan.buffers.len();
        let Scratch {
            inputs: mut input_ptrs,
            mut values,
            uninit: mut uninit_storage,
            mut root,
            mut strides,
            mut shapes,
            mut dtypes,
            planned,
        } = scratch;
        input_ptrs.resize(n, std::ptr::null());
        values.resize_with(n, || None);
        uninit_storage.resize_with(n, || None);
        strides.resize(n, Dims::new());
        if !planned {
            root.clear();
            root.extend_from_slice(roots);
            shapes.clear();
            shapes.extend(
                plan.buffers
                    .iter()
                    .map(|b| Dims::from_slice(b.ty.shape.dims())),
            );
            dtypes.clear();
            dtypes.extend(plan.buffers.iter().map(|b| b.ty.dtype));
        }
        let mut memory = Memory {
            inputs: input_ptrs,
            outside: None,
            values,
            uninit: uninit_storage,
            root,
            strides,
            shapes,
            dtypes,
        };
        for (i, b) in plan.buffers.iter().enumerate() {
            match b.kind {
                BufferKind::Input(slot) => {
                    let v = inputs
                        .get(slot)
                        .ok_or_else(|| CodegenError::Binding(format!("missing input {slot}")))?;
                    if v.dtype != b.ty.dtype || v.shape.as_slice() != b.ty.shape.dims() {
                        return Err(CodegenError::Binding(format!(
                            "slot {slot} expects {}, got {}{:?}",
                            b.ty,
                            v.dtype.name(),
                            v.shape
                        )));
                    }
                    if v.strides.len() != v.shape.len() {
                        return Err(CodegenError::Binding(format!(
                            "slot {slot}: {} strides for {} axes",
                            v.strides.len(),
                            v.shape.len()
                        )));
                    }
                    memory.strides[i] = Dims::from_slice(&v.strides);
                    memory.inputs[i] = v.ptr;
                    memory.values[i] = owners.map(|o| o[slot].clone());
                }
                BufferKind::Temp => {
                    memory.strides[i] = contiguous_strides(b.ty.shape.dims());
                    if memory.root[i] == i && uninit[i] {
                        memory.uninit[i] = Some(Uninit::new(b.ty.dtype, b.ty.shape.dims())?);
                    } else if memory.root[i] == i {
                        memory.values[i] = Some(zeros(b.ty.dtype, b.ty.shape.dims())?);
                    }
                }
                BufferKind::Alias(_) => {
                    memory.strides[i] = contiguous_strides(b.ty.shape.dims());
                }
            }
        }
        Ok(memory)
    }

    /// Buffer `b`'s dtype.
    pub(super) fn dtype(&self, b: usize) -> DType {
        self.dtypes[b]
    }

    pub(super) fn pointers(&mut self) -> Pointers {
        // Inputs are only read, through their borrowed pointers (never made unique).
        let outside = self.outside;
        let roots: smallvec::SmallVec<[*mut u8; 16]> = self
            .values
            .iter_mut()
            .zip(self.uninit.iter_mut())
            .zip(&self.inputs)
            .enumerate()
            .map(|(i, ((v, u), &input))| match (v, u) {
                _ if !input.is_null() => input as *mut u8,
                _ if outside.is_some_and(|(b, _)| b == i) => outside.expect("checked").1,
                (Some(v), _) => lazyfuse_ir::with_value!(v, a => a.as_mut_ptr().cast::<u8>()),
                (None, Some(u)) => u.as_mut_ptr(),
                (None, None) => std::ptr::null_mut(),
            })
            .collect();
        Pointers(self.root.iter().map(|&r| roots[r]).collect())
    }

    /// The element-offset range `[lo, hi]` buffer `b` may be accessed in, relative to
    /// its element 0 (for an empty buffer, an empty range).
    pub(super) fn extent(&self, b: usize) -> Option<(isize, isize)> {
        crate::runtime::params::extent(&self.shapes[b], &self.strides[b])
    }

    /// The vectors for the plan's next run: the values released (so that results are
    /// unique) and the pointers dropped; the plan's roots, shapes and dtypes kept.
    pub(super) fn into_scratch(self) -> Scratch {
        let Memory {
            mut inputs,
            mut values,
            mut uninit,
            root,
            mut strides,
            shapes,
            dtypes,
            ..
        } = self;
        inputs.clear();
        values.clear();
        uninit.clear();
        strides.clear();
        Scratch {
            inputs,
            values,
            uninit,
            root,
            strides,
            shapes,
            dtypes,
            planned: true,
        }
    }

    pub(super) fn outputs(&mut self, plan: &KernelPlan) -> Result<Vec<Value>, CodegenError> {
        for (root, storage) in self.uninit.iter_mut().enumerate() {
            if let Some(u) = storage.take() {
                // SAFETY: the run finished, and the first kernel touching this storage
                // wrote every element of it (`storage::written_first`).
                self.values[root] = Some(unsafe { u.into_value() });
            }
        }
        plan.outputs
            .iter()
            .map(|o| {
                let i = o.0 as usize;
                let root = self.root[i];
                let value = match &self.values[root] {
                    Some(v) => v.clone(),
                    // An input returned unchanged from borrowed memory: copied out.
                    // SAFETY: the view's elements are readable for the run (InputView).
                    None if !self.inputs[root].is_null() => unsafe {
                        Value::gather(self.inputs[root], plan.buffers[root].ty.dtype, 0, &self.strides[root], &self.shapes[root])
                    },
                    None => return Err(CodegenError::Internal("output without storage".into())),
                };
                if root == i {
                    return Ok(value);
                }
                // An alias: the same contiguous elements under another shape.
                let shape = self.shapes[i].clone();
                Ok(lazyfuse_ir::with_value!(value, a => {
                    let data: Vec<_> = a.iter().copied().collect();
                    Value::from_array(ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|e| CodegenError::Internal(e.to_string()))?)
                }))
            })
            .collect()
    }
}
