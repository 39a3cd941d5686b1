//! `KernelPlan::verify`: the plan's structural invariants, checked after planning.

use crate::error::IrError;

use super::{BufferId, BufferKind, IndexMap, Kernel, KernelPlan, Phase, ScalarOp};

impl KernelPlan {
    /// Checks the plan's invariants: buffer references exist, inputs are never written,
    /// index maps have one entry per buffer axis and one coefficient per loop, registers
    /// are defined before use, `Reduced` refers to an earlier reduction phase.
    pub fn verify(&self) -> Result<(), IrError> {
        let bad = |k: usize, m: String| Err(IrError::invalid("plan", format!("kernel {k}: {m}")));
        let buffer = |b: BufferId| self.buffers.get(b.0 as usize);
        for (i, b) in self.buffers.iter().enumerate() {
            match b.kind {
                BufferKind::Input(slot) if slot != i => {
                    return Err(IrError::invalid(
                        "plan",
                        format!("input buffer {i} holds slot {slot}"),
                    ));
                }
                BufferKind::Alias(of)
                    if of.0 as usize >= i
                        || self.buffers[of.0 as usize].ty.shape.numel() != b.ty.shape.numel() =>
                {
                    return Err(IrError::invalid(
                        "plan",
                        format!("buffer {i} aliases {of} of another size"),
                    ));
                }
                _ => {}
            }
        }
        let check_map =
            |k: usize, b: BufferId, map: &IndexMap, loops: usize| -> Result<(), IrError> {
                let Some(buf) = buffer(b) else {
                    return bad(k, format!("no buffer {b}"));
                };
                if map.0.len() != buf.ty.shape.ndim()
                    || map.0.iter().any(|a| a.coefs.len() != loops)
                {
                    return bad(
                        k,
                        format!(
                            "index map {map} does not fit {b}: {} over {loops} loops",
                            buf.ty
                        ),
                    );
                }
                Ok(())
            };
        for (k, kernel) in self.kernels.iter().enumerate() {
            match kernel {
                Kernel::Axis(c) => {
                    check_map(k, c.x.0, &c.x.1, c.x_ty.shape.ndim())?;
                    if let Some(((b, map), ty)) = &c.y {
                        check_map(k, *b, map, ty.shape.ndim())?;
                    }
                    let out = buffer(c.out);
                    if out.is_none_or(|b| matches!(b.kind, BufferKind::Input(_))) {
                        return bad(k, format!("cannot write {}", c.out));
                    }
                    let ty = c.op.infer(&c.operand_types()).ok();
                    let fits = ty.is_some_and(|t| out.is_some_and(|b| b.ty == t));
                    if !c.op.is_axis_routine() || !fits {
                        return bad(k, format!("{} of {} into {}", c.op, c.x_ty, c.out));
                    }
                }
                Kernel::MatMul(m) => {
                    check_map(k, m.a.0, &m.a.1, m.a_ty.shape.ndim())?;
                    check_map(k, m.b.0, &m.b.1, m.b_ty.shape.ndim())?;
                    if buffer(m.out).is_none_or(|b| matches!(b.kind, BufferKind::Input(_))) {
                        return bad(k, format!("cannot write {}", m.out));
                    }
                }
                Kernel::Loop(l) => {
                    let loops = l.outer.len() + l.inner.len();
                    let mut reductions = 0;
                    for phase in &l.phases {
                        let (body, stores) = phase.body_and_stores();
                        let value = match phase {
                            Phase::Reduce { value, .. } => Some(*value),
                            _ => None,
                        };
                        for (r, instr) in body.instrs.iter().enumerate() {
                            match &instr.op {
                                ScalarOp::Load(b, map) => check_map(k, *b, map, loops)?,
                                ScalarOp::Ramp { index, .. } if index.coefs.len() != loops => {
                                    return bad(k, "ramp index".into())
                                }
                                ScalarOp::Reduced(p) if *p >= reductions => {
                                    return bad(
                                        k,
                                        format!("r{r} reads reduction {p} before it exists"),
                                    )
                                }
                                ScalarOp::Gather { buffer: b, .. } if buffer(*b).is_none() => {
                                    return bad(k, format!("r{r} gathers from no buffer {b}"))
                                }
                                ScalarOp::Gather { position, .. }
                                    if *position >= r
                                        || body.instrs[*position].dtype != crate::DType::I64 =>
                                {
                                    return bad(
                                        k,
                                        format!("r{r}: gather positions must be an earlier int64 register"),
                                    )
                                }
                                ScalarOp::Gather { buffer: b, .. }
                                    if buffer(*b).is_some_and(|buf| buf.ty.dtype != instr.dtype) =>
                                {
                                    return bad(k, format!("r{r}: gather of {b} in another dtype"))
                                }
                                ScalarOp::Apply(_, args) if args.iter().any(|&a| a >= r) => {
                                    return bad(k, format!("r{r} uses a later register"))
                                }
                                ScalarOp::Apply(op, args) if args.len() != op.arity() => {
                                    return bad(
                                        k,
                                        format!("r{r}: {op} takes {} operands", op.arity()),
                                    )
                                }
                                _ => {}
                            }
                        }
                        for st in stores {
                            check_map(k, st.buffer, &st.index, loops)?;
                            if st.value >= body.instrs.len()
                                || matches!(
                                    buffer(st.buffer).map(|b| &b.kind),
                                    Some(BufferKind::Input(_))
                                )
                            {
                                return bad(k, format!("bad store to {}", st.buffer));
                            }
                        }
                        if value.is_some_and(|v| v >= body.instrs.len()) {
                            return bad(k, "reduced register out of range".into());
                        }
                        if value.is_some() {
                            reductions += 1;
                        }
                    }
                }
            }
        }
        if let Some(o) = self.outputs.iter().find(|o| buffer(**o).is_none()) {
            return Err(IrError::invalid(
                "plan",
                format!("output {o} is not a buffer"),
            ));
        }
        Ok(())
    }
}
