//! Computing a plan straight into a caller's memory (`PreparedPlan::run_into`): NumPy's
//! `dst[...] = expr` and `y += expr` without a temporary, where that is the same.

use lazyfuse_ir::kernel::{
    BufferKind, IndexMap, Kernel, KernelPlan, LoopKernel, LoopKind, ScalarOp,
};

use super::{CodegenError, CpuExecutor, InputView, Memory, PreparedPlan};

impl PreparedPlan {
    /// Runs a one-output plan writing its output straight into `out` (a caller's
    /// strided memory, NumPy's `dst[...] = expr` without a temporary). Returns
    /// `Ok(false)`, having run nothing, where the plan cannot: the output is not a
    /// temporary of its own written only by elementwise loop kernels, its type differs
    /// from `out`'s, or `out` overlaps an input (a kernel could read what it wrote).
    ///
    /// # Safety
    /// `out`'s elements (`ptr + Σ i_k strides[k]`, in elements of its dtype) must be
    /// valid, aligned and writable for the call, and nothing else may read or write them
    /// meanwhile.
    pub unsafe fn run_into(
        &self,
        inputs: &[InputView<'_>],
        out: &InputView<'_>,
    ) -> Result<bool, CodegenError> {
        let plan = &self.plan;
        let [target] = plan.outputs.as_slice() else {
            return Ok(false);
        };
        let target = target.0 as usize;
        let buffer = &plan.buffers[target];
        let own_storage = self.roots[target] == target
            && self
                .roots
                .iter()
                .enumerate()
                .all(|(i, &r)| r != target || i == target);
        let elementwise = plan
            .kernels
            .iter()
            .all(|k| matches!(k, Kernel::Loop(l) if l.kind() == LoopKind::Elementwise));
        if !matches!(buffer.kind, BufferKind::Temp)
            || !own_storage
            || !elementwise
            || buffer.ty.dtype != out.dtype
            || buffer.ty.shape.dims() != out.shape.as_slice()
            || out.strides.len() != out.shape.len()
        {
            return Ok(false);
        }
        for (slot, input) in inputs.iter().enumerate() {
            if views_overlap(input, out) && !reads_in_step(plan, slot, input, out, target) {
                return Ok(false);
            }
        }
        let mut memory = Memory::new(&self.plan, &self.roots, &self.uninit, inputs, None)?;
        memory.values[target] = None;
        memory.uninit[target] = None;
        memory.outside = Some((target, out.ptr as *mut u8));
        memory.strides[target] = super::Dims::from_slice(&out.strides);
        for (kernel, step) in self.plan.kernels.iter().zip(&self.steps) {
            match (kernel, step) {
                (Kernel::Loop(l), Some((compiled, order))) => {
                    CpuExecutor::launch(self.threads, compiled, l, order, &mut memory, None, None)?;
                }
                _ => return Err(CodegenError::Internal("prepared plan out of step".into())),
            }
        }
        Ok(true)
    }
}

/// Whether input `slot`, whose view overlaps `out`, is safe to read while the plan
/// writes `target` into `out`: it is `out` itself, nothing reshapes it, and only the
/// last kernel stores `target` (once) and loads the input, always at the element it
/// stores, so each element is read before it is written, by the same iteration.
fn reads_in_step(
    plan: &KernelPlan,
    slot: usize,
    input: &InputView<'_>,
    out: &InputView<'_>,
    target: usize,
) -> bool {
    if input.ptr != out.ptr || input.shape != out.shape || input.strides != out.strides {
        return false;
    }
    let Some(buffer) = plan
        .buffers
        .iter()
        .position(|b| matches!(b.kind, BufferKind::Input(s) if s == slot))
    else {
        return true; // an unused slot
    };
    if plan
        .buffers
        .iter()
        .any(|b| matches!(b.kind, BufferKind::Alias(a) if a.0 as usize == buffer))
    {
        return false;
    }
    let loops: Vec<&LoopKernel> = plan
        .kernels
        .iter()
        .filter_map(|k| match k {
            Kernel::Loop(l) => Some(l),
            Kernel::MatMul(_) | Kernel::Axis(_) => None,
        })
        .collect();
    let Some((last, earlier)) = loops.split_last() else {
        return false;
    };
    let touches = |l: &LoopKernel| {
        l.phases.iter().any(|p| {
            let (body, stores) = p.body_and_stores();
            stores.iter().any(|s| s.buffer.0 as usize == target)
                || body
                    .instrs
                    .iter()
                    .any(|i| i.op.buffer_read().is_some_and(|b| b.0 as usize == buffer))
        })
    };
    if earlier.iter().any(|l| touches(l)) {
        return false;
    }
    let stores: Vec<&IndexMap> = last
        .phases
        .iter()
        .flat_map(|p| p.body_and_stores().1)
        .filter(|s| s.buffer.0 as usize == target)
        .map(|s| &s.index)
        .collect();
    let [store] = stores.as_slice() else {
        return false;
    };
    last.phases.iter().all(|p| {
        p.body_and_stores().0.instrs.iter().all(|i| match &i.op {
            ScalarOp::Load(b, map) if b.0 as usize == buffer => map == *store,
            // Data-dependent positions may read elements stored earlier in the loop.
            ScalarOp::Gather { buffer: b, .. } => b.0 as usize != buffer,
            _ => true,
        })
    })
}

/// Whether two views' byte ranges (lowest to highest element) intersect.
fn views_overlap(a: &InputView<'_>, b: &InputView<'_>) -> bool {
    fn range(v: &InputView<'_>) -> Option<(isize, isize)> {
        if v.shape.contains(&0) {
            return None;
        }
        let item = v.dtype.size_bytes() as isize;
        let (mut lo, mut hi) = (v.ptr as isize, v.ptr as isize);
        for (&n, &s) in v.shape.iter().zip(&v.strides) {
            let span = s * item * (n as isize - 1);
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        Some((lo, hi + item))
    }
    match (range(a), range(b)) {
        (Some((alo, ahi)), Some((blo, bhi))) => alo < bhi && blo < ahi,
        _ => false,
    }
}
