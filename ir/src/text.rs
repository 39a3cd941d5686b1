//! The textual IR: a stable printer and a parser that read each other's output.
//!
//! ```text
//! program(a: f64[4000,2500]) {
//!   b: f64[4000,1]    = reduce_max[axes=(1), keepdims] a
//!   c: f64[4000,2500] = sub a b
//!   d: f64[4000,2500] = exp c
//!   e: f64[4000,1]    = reduce_sum[axes=(1), keepdims] d
//!   f: f64[4000,2500] = div d e
//!   return f
//! }
//! ```
//!
//! Node `i` is printed with the name `node_name(i)` (a, b, ..., z, aa, ab, ...). The
//! parser accepts any identifiers as names, in any order of definition before use.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::dtype::DType;
use crate::error::IrError;
use crate::op::{BinaryOp, Op, ReduceOp, SliceAxis, UnaryOp};
use crate::program::{NodeId, Program, ProgramBuilder};
use crate::scalar::Scalar;
use crate::shape::{Shape, TensorType};

/// The printed name of node `index`: bijective base 26 (a..z, aa..az, ba.., zz, aaa..).
pub fn node_name(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        n -= 1;
        letters.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ascii")
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n_inputs = self.inputs().len();
        let params: Vec<String> = self
            .inputs()
            .iter()
            .enumerate()
            .map(|(i, ty)| format!("{}: {ty}", node_name(i)))
            .collect();
        writeln!(f, "program({}) {{", params.join(", "))?;
        let heads: Vec<String> = self
            .ids()
            .skip(n_inputs)
            .map(|id| format!("{}: {}", node_name(id.index()), self.instr(id).ty))
            .collect();
        let width = heads.iter().map(|h| h.len()).max().unwrap_or(0);
        for (head, id) in heads.iter().zip(self.ids().skip(n_inputs)) {
            let instr = self.instr(id);
            write!(f, "  {head:<width$} = {}", instr.op)?;
            for arg in &instr.args {
                write!(f, " {}", node_name(arg.index()))?;
            }
            writeln!(f)?;
        }
        let outs: Vec<String> = self
            .outputs()
            .iter()
            .map(|o| node_name(o.index()))
            .collect();
        writeln!(f, "  return {}", outs.join(", "))?;
        f.write_str("}")
    }
}

impl FromStr for Program {
    type Err = IrError;

    fn from_str(text: &str) -> Result<Program, IrError> {
        Parser::default().parse(text)
    }
}

#[derive(Default)]
struct Parser {
    builder: ProgramBuilder,
    names: HashMap<String, NodeId>,
}

impl Parser {
    fn parse(mut self, text: &str) -> Result<Program, IrError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with("//"));
        let (line_no, header) = lines
            .next()
            .ok_or_else(|| IrError::parse(1, "empty program"))?;
        self.header(line_no, header)?;
        let mut outputs = None;
        let mut closed = false;
        for (line_no, line) in lines {
            let err = |m: String| IrError::parse(line_no, m);
            if closed {
                return Err(err(format!(
                    "unexpected text after the closing brace: `{line}`"
                )));
            }
            if line == "}" {
                closed = true;
            } else if let Some(rest) = line.strip_prefix("return ") {
                let mut outs = Vec::new();
                for name in rest.split(',') {
                    outs.push(self.lookup(name.trim()).map_err(err)?);
                }
                outputs = Some(outs);
            } else if outputs.is_some() {
                return Err(err("nodes cannot follow `return`".into()));
            } else {
                self.node(line).map_err(|e| match e {
                    IrError::Parse { message, .. } => IrError::parse(line_no, message),
                    other => IrError::parse(line_no, other.to_string()),
                })?;
            }
        }
        if !closed {
            return Err(IrError::parse(0, "missing closing `}`"));
        }
        let outputs = outputs.ok_or_else(|| IrError::parse(0, "missing `return`"))?;
        self.builder.finish(outputs)
    }

    fn header(&mut self, line_no: usize, header: &str) -> Result<(), IrError> {
        let err = |m: &str| IrError::parse(line_no, format!("{m}: `{header}`"));
        let inner = header
            .strip_prefix("program(")
            .and_then(|h| h.strip_suffix(") {"))
            .ok_or_else(|| err("expected `program(name: type, ...) {`"))?;
        for param in split_top_level(inner).into_iter().filter(|p| !p.is_empty()) {
            let (name, ty) = param
                .split_once(':')
                .ok_or_else(|| err("expected `name: type`"))?;
            let ty = parse_type(ty.trim()).map_err(|m| IrError::parse(line_no, m))?;
            let id = self.builder.input(ty)?;
            self.define(name.trim(), id)
                .map_err(|m| IrError::parse(line_no, m))?;
        }
        Ok(())
    }

    fn node(&mut self, line: &str) -> Result<(), IrError> {
        let (lhs, rhs) = line
            .split_once('=')
            .ok_or_else(|| IrError::parse(0, "expected `name: type = op args`"))?;
        let (name, ty) = lhs
            .split_once(':')
            .ok_or_else(|| IrError::parse(0, "expected `name: type` before `=`"))?;
        let ty = parse_type(ty.trim()).map_err(|m| IrError::parse(0, m))?;
        let rhs = rhs.trim();
        let (op_text, args_text) = split_op(rhs).map_err(|m| IrError::parse(0, m))?;
        let op = parse_op(op_text, &ty).map_err(|m| IrError::parse(0, m))?;
        let mut args = Vec::new();
        for a in args_text.split_whitespace() {
            args.push(self.lookup(a).map_err(|m| IrError::parse(0, m))?);
        }
        let id = self.builder.push_typed(op, args, ty)?;
        self.define(name.trim(), id)
            .map_err(|m| IrError::parse(0, m))
    }

    fn define(&mut self, name: &str, id: NodeId) -> Result<(), String> {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("invalid name `{name}`"));
        }
        if self.names.insert(name.to_string(), id).is_some() {
            return Err(format!("`{name}` is defined twice"));
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Result<NodeId, String> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| format!("`{name}` is not defined"))
    }
}

/// `op[params] rest` or `op rest` → (`op[params]`, `rest`).
fn split_op(rhs: &str) -> Result<(&str, &str), String> {
    match (rhs.find('['), rhs.find(char::is_whitespace)) {
        (Some(open), ws) if ws.is_none_or(|w| open < w) => {
            let close = rhs
                .find(']')
                .ok_or_else(|| format!("unclosed `[` in `{rhs}`"))?;
            Ok((&rhs[..=close], &rhs[close + 1..]))
        }
        (_, Some(w)) => Ok((&rhs[..w], &rhs[w..])),
        (_, None) => Ok((rhs, "")),
    }
}

/// Splits on commas that are not inside parentheses or brackets.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts
}

/// `f64[4000,2500]`, `bool[]`.
pub(crate) fn parse_type(text: &str) -> Result<TensorType, String> {
    let open = text
        .find('[')
        .ok_or_else(|| format!("expected a type like f64[2,3], got `{text}`"))?;
    let dtype =
        DType::from_name(&text[..open]).ok_or_else(|| format!("unknown dtype in `{text}`"))?;
    let dims = text[open + 1..]
        .strip_suffix(']')
        .ok_or_else(|| format!("expected `]` at the end of `{text}`"))?;
    let shape = parse_list::<usize>(dims).map_err(|e| format!("bad shape in `{text}`: {e}"))?;
    Ok(TensorType::new(dtype, shape))
}

fn parse_list<T: FromStr>(text: &str) -> Result<Vec<T>, String>
where
    T::Err: fmt::Display,
{
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|p| p.trim().parse::<T>().map_err(|e| format!("`{p}`: {e}")))
        .collect()
}

fn parse_tuple<T: FromStr>(text: &str) -> Result<Vec<T>, String>
where
    T::Err: fmt::Display,
{
    let inner = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| format!("expected a tuple like (1,2), got `{text}`"))?;
    parse_list(inner)
}

/// Parameters of `op[k=v, flag, positional]`.
struct Params<'a> {
    op: &'a str,
    items: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Params<'a> {
    fn get(&self, key: &str) -> Result<&'a str, String> {
        self.items
            .iter()
            .find_map(|(k, v)| (*k == key).then_some(*v).flatten())
            .ok_or_else(|| format!("{}: missing parameter `{key}`", self.op))
    }

    fn flag(&self, key: &str) -> bool {
        self.items.iter().any(|(k, v)| *k == key && v.is_none())
    }

    fn positional(&self) -> Result<&'a str, String> {
        match self.items.as_slice() {
            [(value, None)] => Ok(value),
            _ => Err(format!("{}: expected one parameter", self.op)),
        }
    }
}

pub(crate) fn parse_op(text: &str, ty: &TensorType) -> Result<Op, String> {
    let (name, params) = match text.find('[') {
        Some(open) => {
            let inner = text[open + 1..]
                .strip_suffix(']')
                .ok_or_else(|| format!("unclosed `[` in `{text}`"))?;
            let items = split_top_level(inner)
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.trim(), Some(v.trim())),
                    None => (p, None),
                })
                .collect();
            (&text[..open], items)
        }
        None => (text, Vec::new()),
    };
    let p = Params {
        op: name,
        items: params,
    };
    if let Some(u) = UnaryOp::from_name(name) {
        return Ok(Op::Unary(u));
    }
    if let Some(b) = BinaryOp::from_name(name) {
        return Ok(Op::Binary(b));
    }
    if let Some(r) = ReduceOp::from_name(name) {
        let axes = parse_tuple(p.get("axes")?)?;
        return Ok(Op::Reduce {
            op: r,
            axes,
            keepdims: p.flag("keepdims"),
        });
    }
    Ok(match name {
        "const" => Op::Const(Scalar::parse(p.positional()?, ty.dtype)?),
        "arange" => Op::Arange {
            start: Scalar::parse(p.get("start")?, ty.dtype)?,
            step: Scalar::parse(p.get("step")?, ty.dtype)?,
            len: p
                .get("len")?
                .parse()
                .map_err(|e| format!("arange: len: {e}"))?,
        },
        "where" => Op::Where,
        "matmul" => Op::MatMul,
        "gather" => Op::Gather,
        "cast" => Op::Cast(DType::from_name(p.positional()?).ok_or("cast: unknown dtype")?),
        "reshape" => Op::Reshape(Shape(parse_tuple(p.get("shape")?)?)),
        "broadcast_to" => Op::BroadcastTo(Shape(parse_tuple(p.get("shape")?)?)),
        "transpose" => Op::Transpose(parse_tuple(p.get("perm")?)?),
        name if crate::op::SCAN_NAMES.iter().any(|(_, n)| *n == name) => Op::Scan {
            op: crate::op::SCAN_NAMES
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(o, _)| *o)
                .expect("found"),
            axis: p
                .get("axis")?
                .parse()
                .map_err(|e| format!("{name}: axis: {e}"))?,
        },
        "fft" | "ifft" | "rfft" | "irfft" => Op::Fft {
            axis: p
                .get("axis")?
                .parse()
                .map_err(|e| format!("{name}: axis: {e}"))?,
            kind: match name {
                "fft" => crate::op::FftKind::Forward,
                "ifft" => crate::op::FftKind::Inverse,
                "rfft" => crate::op::FftKind::Real,
                _ => crate::op::FftKind::InverseReal {
                    n: p.get("n")?.parse().map_err(|e| format!("{name}: n: {e}"))?,
                },
            },
            scale: match p.items.iter().find(|(k, _)| *k == "scale") {
                None => crate::op::FftScale::One,
                Some((_, Some("1/n"))) => crate::op::FftScale::InverseN,
                Some((_, Some("1/sqrt(n)"))) => crate::op::FftScale::InverseSqrtN,
                Some((_, other)) => return Err(format!("{name}: scale {other:?}")),
            },
        },
        name if crate::op::LinalgOp::from_name(name).is_some() => {
            Op::Linalg(crate::op::LinalgOp::from_name(name).expect("checked"))
        }
        "searchsorted" => Op::SearchSorted {
            right: match p.get("side")? {
                "left" => false,
                "right" => true,
                other => return Err(format!("searchsorted: side {other}")),
            },
        },
        "sort" | "argsort" => Op::Sort {
            axis: p
                .get("axis")?
                .parse()
                .map_err(|e| format!("{name}: axis: {e}"))?,
            arg: name == "argsort",
        },
        "concat" => Op::Concat {
            axis: p
                .get("axis")?
                .parse()
                .map_err(|e| format!("concat: axis: {e}"))?,
        },
        "slice" => {
            let starts: Vec<usize> = parse_tuple(p.get("starts")?)?;
            let steps: Vec<i64> = parse_tuple(p.get("steps")?)?;
            let lens: Vec<usize> = parse_tuple(p.get("lens")?)?;
            if starts.len() != steps.len() || steps.len() != lens.len() {
                return Err("slice: starts, steps and lens must have one entry per axis".into());
            }
            Op::Slice(
                starts
                    .into_iter()
                    .zip(steps)
                    .zip(lens)
                    .map(|((start, step), len)| SliceAxis { start, step, len })
                    .collect(),
            )
        }
        "input" => return Err("inputs are declared in the program header".into()),
        other => return Err(format!("unknown op `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bijective_base26() {
        assert_eq!(node_name(0), "a");
        assert_eq!(node_name(25), "z");
        assert_eq!(node_name(26), "aa");
        assert_eq!(node_name(27), "ab");
        assert_eq!(node_name(26 + 26 * 26), "aaa");
    }

    #[test]
    fn the_design_example_parses_and_prints_back() {
        let text = "program(a: f64[4000,2500]) {
  b: f64[4000,1]    = reduce_max[axes=(1), keepdims] a
  c: f64[4000,2500] = sub a b
  d: f64[4000,2500] = exp c
  e: f64[4000,1]    = reduce_sum[axes=(1), keepdims] d
  f: f64[4000,2500] = div d e
  return f
}";
        let program: Program = text.parse().unwrap();
        assert_eq!(program.to_string(), text);
    }

    #[test]
    fn parse_errors_name_the_line() {
        let text = "program(a: f64[3]) {\n  b: f64[3] = exp a\n  c: f32[3] = exp b\n  return c\n}";
        let err = text.parse::<Program>().unwrap_err();
        assert!(matches!(err, IrError::Parse { line: 3, .. }), "{err}");
        let err = "program(a: f64[3]) {\n  b: f64[3] = exp zz\n  return b\n}"
            .parse::<Program>()
            .unwrap_err();
        assert!(err.to_string().contains("`zz` is not defined"), "{err}");
        assert!("program() {\n  return a\n}".parse::<Program>().is_err());
        assert!("program(a: f64[3]) {\n  return a\n"
            .parse::<Program>()
            .is_err());
    }

    #[test]
    fn every_parameterised_op_round_trips() {
        let text = "program(a: f32[4,3], b: i32[3]) {
  c: f32[3,4]  = transpose[perm=(1,0)] a
  d: f32[2,4]  = slice[starts=(2,0), steps=(-2,1), lens=(2,4)] c
  e: f32[8]    = reshape[shape=(8)] d
  f: f32[2,8]  = broadcast_to[shape=(2,8)] e
  g: i32[]     = const[-3]
  h: i64[5]    = arange[start=0, step=2, len=5]
  i: f32[]     = const[NaN]
  j: f64[3]    = cast[f64] b
  k: i64[2]    = reduce_argmax[axes=(1)] f
  l: bool[1,1] = reduce_any[axes=(0,1), keepdims] f
  m: f32[4,8]  = concat[axis=0] f f
  n: f32[2,8]  = where l f i
  return n, k, j, h, g, m
}";
        let program: Program = text.parse().unwrap();
        program.verify().unwrap();
        let printed = program.to_string();
        let again: Program = printed.parse().unwrap();
        assert_eq!(again, program);
        assert_eq!(again.to_string(), printed);
    }
}
