//! `KernelPlan` from its text form (`Display`), so tests of backends can start from
//! text and golden files can hold plans; printing then parsing gives the same plan.

use std::str::FromStr;

use crate::dtype::DType;
use crate::error::IrError;
use crate::op::ReduceOp;
use crate::scalar::Scalar;
use crate::text::{parse_op, parse_type};

use super::{
    Affine, AxisKernel, Body, Buffer, BufferId, BufferKind, ElementwiseOp, IndexMap, Kernel,
    KernelPlan, LoopKernel, MatMulKernel, Phase, ScalarInstr, ScalarOp, Store,
};

type Res<T> = Result<T, String>;

impl FromStr for KernelPlan {
    type Err = IrError;

    fn from_str(text: &str) -> Result<KernelPlan, IrError> {
        let mut parser = Parser {
            lines: text
                .lines()
                .enumerate()
                .map(|(i, l)| (i + 1, l.trim()))
                .filter(|(_, l)| !l.is_empty())
                .collect(),
            at: 0,
        };
        parser.plan().map_err(|message| IrError::Parse {
            line: parser.line_number(),
            message,
        })
    }
}

struct Parser<'a> {
    lines: Vec<(usize, &'a str)>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn line_number(&self) -> usize {
        self.lines.get(self.at).map_or(0, |(n, _)| *n)
    }

    fn peek(&self) -> Option<&'a str> {
        self.lines.get(self.at).map(|(_, l)| *l)
    }

    fn next(&mut self) -> Res<&'a str> {
        let line = self.peek().ok_or("unexpected end of plan")?;
        self.at += 1;
        Ok(line)
    }

    fn plan(&mut self) -> Res<KernelPlan> {
        if self.next()? != "plan {" {
            return Err("expected `plan {`".into());
        }
        let mut buffers = Vec::new();
        let mut kernels = Vec::new();
        loop {
            let line = self.next()?;
            if let Some(rest) = line.strip_prefix("return") {
                let outputs = rest
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(buffer_id)
                    .collect::<Res<Vec<_>>>()?;
                if self.next()? != "}" {
                    return Err("expected `}` after return".into());
                }
                if self.peek().is_some() {
                    return Err("text after the plan".into());
                }
                return Ok(KernelPlan {
                    buffers,
                    kernels,
                    outputs,
                });
            }
            if line.starts_with('%') {
                if buffer_id(line.split(':').next().unwrap_or(""))?.0 as usize != buffers.len() {
                    return Err("buffers must be numbered in order".into());
                }
                buffers.push(buffer(line)?);
            } else if line.starts_with("kernel ") {
                kernels.push(self.kernel(line)?);
            } else {
                return Err(format!("unexpected line `{line}`"));
            }
        }
    }

    fn kernel(&mut self, header: &str) -> Res<Kernel> {
        let (_, what) = header
            .split_once(": ")
            .ok_or_else(|| format!("bad kernel header `{header}`"))?;
        if let Some(rest) = what.strip_prefix("matmul ") {
            return matmul(rest).map(Kernel::MatMul);
        }
        if let Some(c) = axis_kernel(what)? {
            return Ok(Kernel::Axis(c));
        }
        let rest = what
            .strip_prefix("loop outer ")
            .ok_or_else(|| format!("expected `loop` or `matmul` in `{header}`"))?;
        let (outer, inner) = rest
            .split_once(" inner ")
            .ok_or_else(|| format!("expected `inner` in `{header}`"))?;
        let (outer, inner) = (extents(outer)?, extents(inner)?);
        let loops = outer.len() + inner.len();
        let mut phases = Vec::new();
        while let Some(line) = self.peek().filter(|l| l.starts_with("phase ")) {
            self.at += 1;
            let (_, kind) = line
                .split_once(": ")
                .ok_or_else(|| format!("bad phase header `{line}`"))?;
            let (body, stores) = self.body_and_stores(loops)?;
            phases.push(match kind {
                "map over inner" => Phase::Map { body, stores },
                "per outer point" => Phase::Outer { body, stores },
                reduce => {
                    let (combiner, value, dtype) = reduce_header(reduce)?;
                    Phase::Reduce {
                        body,
                        value,
                        combiner,
                        dtype,
                        stores,
                    }
                }
            });
        }
        Ok(Kernel::Loop(LoopKernel {
            outer,
            inner,
            phases,
        }))
    }

    fn body_and_stores(&mut self, loops: usize) -> Res<(Body, Vec<Store>)> {
        let mut body = Body::default();
        let mut stores = Vec::new();
        while let Some(line) = self.peek() {
            if let Some(rest) = line.strip_prefix("store ") {
                let (target, value) = rest
                    .split_once(" = ")
                    .ok_or_else(|| format!("bad store `{line}`"))?;
                let (buffer, index) = access(target, loops)?;
                stores.push(Store {
                    buffer,
                    index,
                    value: register(value)?,
                });
            } else if line.starts_with('r') && line.contains(" = ") {
                let (reg, rest) = line.split_once(": ").ok_or("expected `rN: dtype = op`")?;
                if register(reg)? != body.instrs.len() {
                    return Err("registers must be numbered in order".into());
                }
                let (dtype, op) = rest
                    .split_once(" = ")
                    .ok_or_else(|| format!("bad instruction `{line}`"))?;
                let dtype =
                    DType::from_name(dtype).ok_or_else(|| format!("unknown dtype {dtype}"))?;
                body.instrs.push(ScalarInstr {
                    op: scalar_op(op, dtype, loops)?,
                    dtype,
                });
            } else {
                break;
            }
            // Consumed only once parsed, so an error names this line.
            self.at += 1;
        }
        Ok((body, stores))
    }
}

fn buffer_id(text: &str) -> Res<BufferId> {
    text.trim()
        .strip_prefix('%')
        .and_then(|n| n.parse().ok())
        .map(BufferId)
        .ok_or_else(|| format!("expected a buffer like %3, got `{text}`"))
}

fn register(text: &str) -> Res<usize> {
    text.trim()
        .strip_prefix('r')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("expected a register like r3, got `{text}`"))
}

/// `%2: f64[30,20] (input 2)`, `(temp)`, `(alias of %1)`.
fn buffer(line: &str) -> Res<Buffer> {
    let (_, rest) = line.split_once(": ").ok_or("expected `%N: type (kind)`")?;
    let (ty, kind) = rest.split_once(" (").ok_or("expected `(kind)`")?;
    let kind = kind.strip_suffix(')').ok_or("expected `)`")?;
    let kind = if kind == "temp" {
        BufferKind::Temp
    } else if let Some(slot) = kind.strip_prefix("input ") {
        BufferKind::Input(
            slot.parse()
                .map_err(|_| format!("bad input slot `{slot}`"))?,
        )
    } else if let Some(of) = kind.strip_prefix("alias of ") {
        BufferKind::Alias(buffer_id(of)?)
    } else {
        return Err(format!("unknown buffer kind `{kind}`"));
    };
    Ok(Buffer {
        ty: parse_type(ty)?,
        kind,
    })
}

/// `[30,20]`.
fn extents(text: &str) -> Res<Vec<usize>> {
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| format!("expected extents like [3,4], got `{text}`"))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("bad extent `{s}`")))
        .collect()
}

/// `reduce reduce_sum r3 (f64) over inner`.
fn reduce_header(text: &str) -> Res<(ReduceOp, usize, DType)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["reduce", name, value, dtype, "over", "inner"] => {
            let combiner =
                ReduceOp::from_name(name).ok_or_else(|| format!("unknown reduction {name}"))?;
            let dtype = dtype
                .strip_prefix('(')
                .and_then(|d| d.strip_suffix(')'))
                .and_then(DType::from_name)
                .ok_or_else(|| format!("bad accumulator dtype `{dtype}`"))?;
            Ok((combiner, register(value)?, dtype))
        }
        _ => Err(format!("unknown phase `{text}`")),
    }
}

/// `%0[i0, 2*i1-1]` with `loops` loop indices.
fn access(text: &str, loops: usize) -> Res<(BufferId, IndexMap)> {
    let open = text
        .find('[')
        .ok_or_else(|| format!("expected `%N[...]`, got `{text}`"))?;
    let inner = text[open + 1..]
        .strip_suffix(']')
        .ok_or_else(|| format!("unclosed `[` in `{text}`"))?;
    let map = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|a| affine(a, loops))
        .collect::<Res<Vec<_>>>()?;
    Ok((buffer_id(&text[..open])?, IndexMap(map)))
}

/// `i0`, `2*i1-1`, `-3*i0+i2+4`, `0` over `loops` loop indices.
fn affine(text: &str, loops: usize) -> Res<Affine> {
    let mut out = Affine::constant(0, loops);
    let mut terms = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if (c == '+' || c == '-') && i > start {
            terms.push(&text[start..i]);
            start = if c == '+' { i + 1 } else { i };
        }
    }
    terms.push(&text[start..]);
    for term in terms {
        let bad = || format!("bad index term `{term}` in `{text}`");
        let (coef, var) = match term.split_once('*') {
            Some((c, v)) => (c.parse::<i64>().map_err(|_| bad())?, Some(v)),
            None if term.trim_start_matches('-').starts_with('i') => (
                if term.starts_with('-') { -1 } else { 1 },
                Some(term.trim_start_matches('-')),
            ),
            None => (term.parse::<i64>().map_err(|_| bad())?, None),
        };
        match var {
            Some(v) => {
                let k: usize = v
                    .strip_prefix('i')
                    .and_then(|k| k.parse().ok())
                    .ok_or_else(bad)?;
                if k >= loops {
                    return Err(format!("loop index i{k} of a kernel with {loops} loops"));
                }
                out.coefs[k] += coef;
            }
            None => out.offset += coef,
        }
    }
    Ok(out)
}

fn scalar_op(text: &str, dtype: DType, loops: usize) -> Res<ScalarOp> {
    if let Some(rest) = text.strip_prefix("load ") {
        let (b, map) = access(rest, loops)?;
        return Ok(ScalarOp::Load(b, map));
    }
    if let Some(rest) = text.strip_prefix("const ") {
        return Ok(ScalarOp::Const(Scalar::parse(rest, dtype)?));
    }
    if let Some(rest) = text.strip_prefix("gather %") {
        let (b, r) = rest.split_once(' ').ok_or("expected `gather %buffer rN`")?;
        let buffer = b
            .parse()
            .map(BufferId)
            .map_err(|_| format!("bad buffer in `{text}`"))?;
        return Ok(ScalarOp::Gather {
            buffer,
            position: register(r)?,
        });
    }
    if let Some(rest) = text.strip_prefix("reduced ") {
        return rest
            .parse()
            .map(ScalarOp::Reduced)
            .map_err(|_| format!("bad phase number in `{text}`"));
    }
    if let Some(rest) = text.strip_prefix("ramp ") {
        let (start, rest) = rest
            .split_once(" + ")
            .ok_or("expected `ramp start + step * (index)`")?;
        let (step, index) = rest.split_once(" * (").ok_or("expected `step * (index)`")?;
        let index = index
            .strip_suffix(')')
            .ok_or("expected `)` after the ramp index")?;
        return Ok(ScalarOp::Ramp {
            start: Scalar::parse(start, dtype)?,
            step: Scalar::parse(step, dtype)?,
            index: affine(index, loops)?,
        });
    }
    let mut words = text.split_whitespace();
    let name = words.next().ok_or("empty instruction")?;
    let op = parse_op(
        name,
        &crate::shape::TensorType::new(dtype, Vec::<usize>::new()),
    )?;
    let op = ElementwiseOp::from_op(&op).ok_or_else(|| {
        format!("`{name}` is not an elementwise op: it cannot be in a kernel body")
    })?;
    let args = words.map(register).collect::<Res<Vec<_>>>()?;
    Ok(ScalarOp::Apply(op, args))
}

/// An operand of a matmul kernel: `%0[i0, i1] (f64[3,4])`.
fn operand(t: &str) -> Res<((BufferId, IndexMap), crate::shape::TensorType)> {
    let (access_text, ty) = t
        .split_once(" (")
        .ok_or("expected `(type)` after an operand")?;
    let ty = parse_type(ty.strip_suffix(')').ok_or("expected `)`")?)?;
    Ok((access(access_text, ty.shape.ndim())?, ty))
}

/// `%0[i0, i1] (f64[3,4]) @ %1[i0, i1] (f64[4,5]) -> %2`.
fn matmul(text: &str) -> Res<MatMulKernel> {
    let (operands, out) = text.split_once(" -> ").ok_or("expected `-> %out`")?;
    let (a, b) = operands.split_once(" @ ").ok_or("expected `a @ b`")?;
    let (a, a_ty) = operand(a)?;
    let (b, b_ty) = operand(b)?;
    Ok(MatMulKernel {
        a,
        a_ty,
        b,
        b_ty,
        out: buffer_id(out)?,
    })
}

/// `cumsum[axis=1] %0[i0, i1] (f64[3,4]) -> %1`; None for another kernel kind.
fn axis_kernel(text: &str) -> Res<Option<AxisKernel>> {
    // The op's parameters may hold spaces (`irfft[axis=0, n=8]`).
    let op_end = match (text.find(' '), text.find('[')) {
        (Some(space), Some(open)) if open < space => text.find(']').map(|close| close + 1),
        (space, _) => space,
    };
    let Some((op_text, rest)) = op_end.map(|end| text.split_at(end)) else {
        return Ok(None);
    };
    let name = op_text.split('[').next().unwrap_or(op_text);
    let library = matches!(
        name,
        "sort" | "argsort" | "fft" | "ifft" | "rfft" | "irfft" | "searchsorted"
    ) || crate::op::LinalgOp::from_name(name).is_some();
    if !library && !crate::op::SCAN_NAMES.iter().any(|(_, n)| *n == name) {
        return Ok(None);
    }
    let rest = rest
        .strip_prefix(' ')
        .ok_or("expected an operand after the op")?;
    let (operands, out) = rest.split_once(" -> ").ok_or("expected `-> %out`")?;
    // A second operand follows the first's type: `%0[i0] (f64[9]), %1[i0] (f64[4])`.
    let (x, y) = match operands.split_once("), %") {
        Some((x, y)) => (format!("{x})"), Some(format!("%{y}"))),
        None => (operands.to_string(), None),
    };
    let (x, x_ty) = operand(&x)?;
    let y = y.map(|y| operand(&y)).transpose()?;
    let op = parse_op(op_text, &x_ty)?;
    Ok(Some(AxisKernel {
        op,
        x,
        x_ty,
        y,
        out: buffer_id(out)?,
    }))
}
