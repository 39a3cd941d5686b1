//! The plan interpreter: scalar loops giving a plan its meaning, for tests.

use crate::dtype::DType;
use crate::error::IrError;
use crate::op::{BinaryOp, Op, ReduceOp};
use crate::scalar::Scalar;
use crate::shape::{Shape, TensorType};
use crate::value::Value;

use super::{
    Body, BufferId, BufferKind, IndexMap, Kernel, KernelPlan, LoopKernel, MatMulKernel, Phase,
    ScalarOp, Store,
};

/// Runs a plan with scalar loops: the meaning of a plan, for tests (slow; every scalar
/// op is evaluated by the reference interpreter's rules).
pub fn interpret_plan(plan: &KernelPlan, inputs: &[Value]) -> Result<Vec<Value>, IrError> {
    let mut memory: Vec<Vec<Scalar>> = Vec::with_capacity(plan.buffers.len());
    for b in &plan.buffers {
        memory.push(match b.kind {
            BufferKind::Input(slot) => {
                let v = inputs.get(slot).ok_or_else(|| IrError::Binding {
                    message: format!("missing input {slot}"),
                })?;
                if v.ty() != b.ty {
                    return Err(IrError::Binding {
                        message: format!("slot {slot} expects {}, got {}", b.ty, v.ty()),
                    });
                }
                v.to_scalars()
            }
            BufferKind::Temp => vec![Scalar::I64(0).cast(b.ty.dtype); b.ty.shape.numel()],
            BufferKind::Alias(_) => Vec::new(),
        });
    }
    let root = |mut id: BufferId| {
        while let BufferKind::Alias(of) = plan.buffers[id.0 as usize].kind {
            id = of;
        }
        id
    };
    for kernel in &plan.kernels {
        match kernel {
            Kernel::Loop(l) => run_loop(plan, l, &mut memory, &root)?,
            Kernel::MatMul(m) => run_matmul(plan, m, &mut memory, &root)?,
            Kernel::Axis(c) => {
                let mut args = vec![operand_value(plan, &memory, &root, &c.x, &c.x_ty)?];
                if let Some((y, ty)) = &c.y {
                    args.push(operand_value(plan, &memory, &root, y, ty)?);
                }
                let out = crate::evaluate_op(&c.op, &args)?;
                memory[root(c.out).0 as usize] = out.to_scalars();
            }
        }
    }
    plan.outputs
        .iter()
        .map(|&o| {
            let ty = &plan.buffers[o.0 as usize].ty;
            Value::from_scalars(ty, &memory[root(o).0 as usize])
        })
        .collect()
}

fn flat_index(shape: &Shape, map: &IndexMap, idx: &[usize]) -> Result<usize, IrError> {
    let mut flat = 0usize;
    for (d, a) in map.0.iter().enumerate() {
        let i = a.eval(idx);
        if i < 0 || i as usize >= shape[d] {
            return Err(IrError::invalid(
                "kernel",
                format!("index {i} out of bounds on axis {d} of {shape}"),
            ));
        }
        flat = flat * shape[d] + i as usize;
    }
    Ok(flat)
}

fn eval_body(
    plan: &KernelPlan,
    body: &Body,
    idx: &[usize],
    reduced: &[Scalar],
    memory: &[Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
) -> Result<Vec<Scalar>, IrError> {
    let mut regs: Vec<Scalar> = Vec::with_capacity(body.instrs.len());
    for instr in &body.instrs {
        let v = match &instr.op {
            ScalarOp::Load(b, map) => {
                let shape = &plan.buffers[b.0 as usize].ty.shape;
                memory[root(*b).0 as usize][flat_index(shape, map, idx)?]
            }
            ScalarOp::Const(v) => *v,
            ScalarOp::Ramp { start, step, index } => {
                let n = Value::from_scalar(Scalar::I64(index.eval(idx)).cast(start.dtype()));
                let prod = crate::evaluate_op(
                    &Op::Binary(BinaryOp::Mul),
                    &[Value::from_scalar(*step), n],
                )?;
                let sum = crate::evaluate_op(
                    &Op::Binary(BinaryOp::Add),
                    &[Value::from_scalar(*start), prod],
                )?;
                sum.get(&[]).expect("0-d")
            }
            ScalarOp::Reduced(p) => reduced[*p],
            ScalarOp::Gather { buffer, position } => {
                let data = &memory[root(*buffer).0 as usize];
                let size = plan.buffers[buffer.0 as usize].ty.shape.numel();
                let p = match regs[*position] {
                    Scalar::I64(p) => p,
                    other => {
                        return Err(IrError::invalid(
                            "kernel",
                            format!("gather position {other}"),
                        ))
                    }
                };
                match usize::try_from(p).ok().filter(|&p| p < size) {
                    Some(p) => data[p],
                    None => {
                        return Err(IrError::index(format!(
                            "gather: index {p} is out of bounds for size {size}"
                        )))
                    }
                }
            }
            ScalarOp::Apply(op, args) => {
                let vals: Vec<Value> = args.iter().map(|&r| Value::from_scalar(regs[r])).collect();
                crate::evaluate_op(&op.to_op(), &vals)?
                    .get(&[])
                    .expect("0-d")
            }
        };
        if v.dtype() != instr.dtype {
            return Err(IrError::invalid(
                "kernel",
                format!("register of dtype {} holds {}", instr.dtype, v.dtype()),
            ));
        }
        regs.push(v);
    }
    Ok(regs)
}

/// All multi-indices of `dims` in C order (one empty index for no dims).
fn points(dims: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for &d in dims {
        out = out
            .into_iter()
            .flat_map(|p| (0..d).map(move |i| [p.clone(), vec![i]].concat()))
            .collect();
    }
    out
}

fn run_loop(
    plan: &KernelPlan,
    l: &LoopKernel,
    memory: &mut [Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
) -> Result<(), IrError> {
    let inner_points = points(&l.inner);
    for o in points(&l.outer) {
        let mut reduced: Vec<Scalar> = Vec::new();
        for phase in &l.phases {
            match phase {
                Phase::Reduce {
                    body,
                    value,
                    combiner,
                    dtype,
                    stores,
                } => {
                    let mut acc = Accumulator::new(*combiner, *dtype);
                    for (flat, i) in inner_points.iter().enumerate() {
                        let idx = [o.as_slice(), i.as_slice()].concat();
                        let regs = eval_body(plan, body, &idx, &reduced, memory, root)?;
                        store_all(plan, stores, &regs, &idx, memory, root)?;
                        acc.push(regs[*value], flat)?;
                    }
                    reduced.push(acc.finish());
                }
                Phase::Map { body, stores } => {
                    for i in &inner_points {
                        let idx = [o.as_slice(), i.as_slice()].concat();
                        let regs = eval_body(plan, body, &idx, &reduced, memory, root)?;
                        store_all(plan, stores, &regs, &idx, memory, root)?;
                    }
                }
                Phase::Outer { body, stores } => {
                    let idx: Vec<usize> = o
                        .iter()
                        .copied()
                        .chain(std::iter::repeat_n(0, l.inner.len()))
                        .collect();
                    let regs = eval_body(plan, body, &idx, &reduced, memory, root)?;
                    store_all(plan, stores, &regs, &idx, memory, root)?;
                }
            }
        }
    }
    Ok(())
}

fn store_all(
    plan: &KernelPlan,
    stores: &[Store],
    regs: &[Scalar],
    idx: &[usize],
    memory: &mut [Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
) -> Result<(), IrError> {
    for st in stores {
        let shape = &plan.buffers[st.buffer.0 as usize].ty.shape;
        let at = flat_index(shape, &st.index, idx)?;
        memory[root(st.buffer).0 as usize][at] = regs[st.value];
    }
    Ok(())
}

/// A running reduction with the interpreter's semantics (sequential order).
struct Accumulator {
    op: ReduceOp,
    acc: Option<Scalar>,
    arg: i64,
    dtype: DType,
}

impl Accumulator {
    fn new(op: ReduceOp, dtype: DType) -> Accumulator {
        Accumulator {
            op,
            acc: None,
            arg: 0,
            dtype,
        }
    }

    fn push(&mut self, v: Scalar, flat: usize) -> Result<(), IrError> {
        // Arg-reductions compare values in their own dtype; the result is an index.
        let v = if matches!(self.op, ReduceOp::ArgMax | ReduceOp::ArgMin) {
            v
        } else {
            v.cast(self.dtype)
        };
        let acc = match (self.acc, self.op) {
            // Sums start from +0, as NumPy's and the executor's do: a sum of -0.0 alone
            // is +0.0, not -0.0.
            (None, ReduceOp::Sum | ReduceOp::Mean) => Scalar::I64(0).cast(self.dtype),
            (None, _) => {
                self.acc = Some(v);
                return Ok(());
            }
            (Some(acc), _) => acc,
        };
        let bin = |op: BinaryOp| -> Result<Scalar, IrError> {
            Ok(crate::evaluate_op(
                &Op::Binary(op),
                &[Value::from_scalar(acc), Value::from_scalar(v)],
            )?
            .get(&[])
            .expect("0-d"))
        };
        let is_nan = |s: Scalar| s.as_f64().is_nan();
        self.acc = Some(match self.op {
            ReduceOp::Sum | ReduceOp::Mean => bin(BinaryOp::Add)?,
            ReduceOp::Prod => bin(BinaryOp::Mul)?,
            ReduceOp::Max => bin(BinaryOp::Maximum)?,
            ReduceOp::Min => bin(BinaryOp::Minimum)?,
            ReduceOp::Any => Scalar::Bool(acc.truthy() || v.truthy()),
            ReduceOp::All => Scalar::Bool(acc.truthy() && v.truthy()),
            ReduceOp::ArgMax | ReduceOp::ArgMin => {
                // acc < v finds a new maximum, acc > v a new minimum.
                let better = if self.op == ReduceOp::ArgMax {
                    bin(BinaryOp::Lt)?
                } else {
                    bin(BinaryOp::Gt)?
                };
                if !is_nan(acc) && (is_nan(v) || better.truthy()) {
                    self.arg = flat as i64;
                    v
                } else {
                    acc
                }
            }
        });
        Ok(())
    }

    fn finish(self) -> Scalar {
        match self.op {
            ReduceOp::ArgMax | ReduceOp::ArgMin => Scalar::I64(self.arg),
            ReduceOp::Sum | ReduceOp::Mean => self.acc.unwrap_or(Scalar::I64(0).cast(self.dtype)),
            ReduceOp::Prod => self.acc.unwrap_or(Scalar::I64(1).cast(self.dtype)),
            ReduceOp::Any => self
                .acc
                .map_or(Scalar::Bool(false), |a| Scalar::Bool(a.truthy())),
            ReduceOp::All => self
                .acc
                .map_or(Scalar::Bool(true), |a| Scalar::Bool(a.truthy())),
            ReduceOp::Max | ReduceOp::Min => self.acc.expect("type rules reject empty max/min"),
        }
    }
}

/// An operand of a matmul or call kernel read through its index map.
fn operand_value(
    plan: &KernelPlan,
    memory: &[Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
    (b, map): &(BufferId, IndexMap),
    ty: &TensorType,
) -> Result<Value, IrError> {
    let shape = &plan.buffers[b.0 as usize].ty.shape;
    let data = points(ty.shape.dims())
        .iter()
        .map(|p| Ok(memory[root(*b).0 as usize][flat_index(shape, map, p)?]))
        .collect::<Result<Vec<_>, IrError>>()?;
    Value::from_scalars(ty, &data)
}

fn run_matmul(
    plan: &KernelPlan,
    m: &MatMulKernel,
    memory: &mut [Vec<Scalar>],
    root: &dyn Fn(BufferId) -> BufferId,
) -> Result<(), IrError> {
    let a = operand_value(plan, memory, root, &m.a, &m.a_ty)?;
    let b = operand_value(plan, memory, root, &m.b, &m.b_ty)?;
    let out = crate::evaluate_op(&Op::MatMul, &[a, b])?;
    memory[root(m.out).0 as usize] = out.to_scalars();
    Ok(())
}
