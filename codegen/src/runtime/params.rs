//! A loop kernel's run-time parameters, the same for every target: extents, then per
//! access site (a load, a store, a ramp or a gather, in order of appearance) its offset
//! and per-loop strides in elements. Every site's address range over the iteration space
//! is checked against its buffer here, so a kernel can never touch memory outside it.

use lazyfuse_ir::kernel::{Affine, LoopKernel, ScalarOp};

use crate::error::CodegenError;

/// The lowest and highest element offsets a buffer of this shape and these strides
/// spans (None when it has no element).
pub(crate) fn extent(shape: &[usize], strides: &[isize]) -> Option<(isize, isize)> {
    if shape.contains(&0) {
        return None;
    }
    let (mut lo, mut hi) = (0isize, 0isize);
    for (d, &s) in shape.iter().zip(strides) {
        let span = s * (*d as isize - 1);
        if span < 0 {
            lo += span;
        } else {
            hi += span;
        }
    }
    Some((lo, hi))
}

/// How many parameters [`loop_params`] gives `kernel` (fixed by its structure).
pub(crate) fn param_count(kernel: &LoopKernel) -> usize {
    let loops = kernel.outer.len() + kernel.inner.len();
    let sites: usize = kernel
        .phases
        .iter()
        .map(|p| {
            let (body, stores) = p.body_and_stores();
            crate::llvm::kernel::count_sites(body, stores)
        })
        .sum();
    loops + sites * (1 + loops)
}

/// The parameters of `kernel` over buffers of these shapes and element strides (indexed
/// by the kernel's buffer numbers).
pub(crate) fn loop_params<S: AsRef<[usize]>, T: AsRef<[isize]>>(
    kernel: &LoopKernel,
    shapes: &[S],
    strides: &[T],
) -> Result<Vec<i64>, CodegenError> {
    let extents: Vec<usize> = kernel.outer.iter().chain(&kernel.inner).copied().collect();
    let mut params: Vec<i64> = extents.iter().map(|&e| e as i64).collect();
    let empty = extents.contains(&0);
    let mut site = |buffer: Option<usize>, map: &[Affine]| -> Result<(), CodegenError> {
        let (offset, site_strides): (i64, Vec<i64>) = match buffer {
            Some(b) => {
                let s = strides[b].as_ref();
                let offset = map.iter().zip(s).map(|(a, &st)| a.offset * st as i64).sum();
                let per_loop = (0..extents.len())
                    .map(|k| {
                        map.iter()
                            .zip(s)
                            .map(|(a, &st)| a.coefs[k] * st as i64)
                            .sum()
                    })
                    .collect();
                (offset, per_loop)
            }
            None => (map[0].offset, map[0].coefs.clone()),
        };
        if let (Some(b), false) = (buffer, empty) {
            let (mut lo, mut hi) = (offset as isize, offset as isize);
            for (k, &st) in site_strides.iter().enumerate() {
                let span = st as isize * (extents[k] as isize - 1);
                if span < 0 {
                    lo += span;
                } else {
                    hi += span;
                }
            }
            let ok = extent(shapes[b].as_ref(), strides[b].as_ref())
                .is_some_and(|(blo, bhi)| lo >= blo && hi <= bhi);
            if !ok {
                return Err(CodegenError::Internal(format!(
                    "kernel access [{lo}, {hi}] outside buffer %{b}"
                )));
            }
        }
        params.push(offset);
        params.extend(site_strides);
        Ok(())
    };
    for phase in &kernel.phases {
        let (body, stores) = phase.body_and_stores();
        for instr in &body.instrs {
            match &instr.op {
                ScalarOp::Load(b, map) => site(Some(b.0 as usize), &map.0)?,
                ScalarOp::Ramp { index, .. } => site(None, std::slice::from_ref(index))?,
                // A gather site's parameter is its buffer's size (the bound its
                // positions are checked against in the kernel).
                ScalarOp::Gather { buffer, .. } => {
                    let size = shapes[buffer.0 as usize].as_ref().iter().product::<usize>();
                    site(None, &[Affine::constant(size as i64, extents.len())])?
                }
                _ => {}
            }
        }
        for st in stores {
            site(Some(st.buffer.0 as usize), &st.index.0)?;
        }
    }
    Ok(params)
}
