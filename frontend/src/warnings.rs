//! The warnings NumPy gives for integer division by zero ("divide by zero encountered in
//! floor_divide"), which lazyfuse's integer division (0 for a zero divisor) gives too.
//!
//! An evaluation asks, next to its outputs, whether any divisor of an integer
//! `floordiv`, `rem` or `fmod` in the program is zero: one `reduce_any(divisor == 0)` per
//! such op, which the planner fuses into the kernels computing the divisors. The
//! answers wait here (per thread) until the caller takes them: the Python module turns
//! them into NumPy's `RuntimeWarning`s, under `numpy.errstate` as NumPy's own.

use std::cell::RefCell;
use std::collections::HashSet;

use lazyfuse_ir::{BinaryOp, DType, Node, Op, Program, ReduceOp, Scalar, Value};

/// A warning an evaluation raised: NumPy's floating-point-error category and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// NumPy's error category (`divide`: division by zero).
    pub category: &'static str,
    /// The NumPy function named in the message (`floor_divide`, `remainder`, `fmod`).
    pub function: &'static str,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "divide by zero encountered in {}", self.function)
    }
}

thread_local! {
    static PENDING: RefCell<Vec<Warning>> = const { RefCell::new(Vec::new()) };
}

/// The warnings this thread's evaluations raised since the last call, oldest first.
pub fn take_warnings() -> Vec<Warning> {
    PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// Whether `program` holds an integer `floordiv`, `rem` or `fmod` (a cheap scan of the
/// lowered program, so evaluations without one never walk the graph for probes).
pub(crate) fn has_integer_division(program: &Program) -> bool {
    program.ids().any(|id| {
        let instr = program.instr(id);
        matches!(
            instr.op,
            Op::Binary(BinaryOp::FloorDiv | BinaryOp::Rem | BinaryOp::Fmod)
        ) && instr.ty.dtype.is_int()
    })
}

/// One probe per integer division in the graph of `outputs` that is still to be
/// computed: the NumPy function it is and a 0-d bool node, true if a divisor is zero.
pub(crate) fn division_probes(outputs: &[Node]) -> Vec<(&'static str, Node)> {
    let mut probes = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<Node> = outputs.to_vec();
    while let Some(node) = stack.pop() {
        if !seen.insert(node.identity()) || node.computed().is_some() {
            continue;
        }
        if let Some(Op::Binary(op)) = node.op() {
            let function = match op {
                // Both halves of `divmod` warn as NumPy's one function does.
                BinaryOp::FloorDiv | BinaryOp::Rem if node.note() == Some("divmod") => {
                    Some("divmod")
                }
                BinaryOp::FloorDiv => Some("floor_divide"),
                BinaryOp::Rem => Some("remainder"),
                BinaryOp::Fmod => Some("fmod"),
                _ => None,
            };
            let integer = node.dtype().is_int();
            if let (Some(function), true, false) = (function, integer, node.shape().numel() == 0) {
                if let Some(probe) = node.arg(1).and_then(|d| zero_probe(&d, node.dtype())) {
                    probes.push((function, probe));
                }
            }
        }
        stack.extend(node.args());
    }
    probes
}

/// `any(divisor == 0)` in the division's dtype, or None for a divisor known non-zero.
fn zero_probe(divisor: &Node, dtype: DType) -> Option<Node> {
    if let Some(s) = divisor.known_scalar() {
        if s.cast(dtype).truthy() {
            return None;
        }
    }
    let zero = Node::constant(Scalar::I64(0).cast(divisor.dtype()));
    let is_zero = Node::apply(Op::Binary(BinaryOp::Eq), vec![divisor.clone(), zero]).ok()?;
    let axes: Vec<usize> = (0..divisor.shape().ndim()).collect();
    Node::apply(
        Op::Reduce {
            op: ReduceOp::Any,
            axes,
            keepdims: false,
        },
        vec![is_zero],
    )
    .ok()
}

/// Records the warnings whose probes (`values`, in the order of `probes`) are true.
pub(crate) fn record(probes: &[(&'static str, Node)], values: &[Value]) {
    record_functions(probes.iter().map(|(f, _)| *f), values);
}

/// [`record`] given the probes' functions only (a compiled function keeps those).
pub(crate) fn record_functions(functions: impl Iterator<Item = &'static str>, values: &[Value]) {
    let mut raised: Vec<Warning> = Vec::new();
    let hits = functions
        .zip(values)
        .filter(|(_, v)| v.get(&[]).is_some_and(|s| s.truthy()));
    for (function, _) in hits {
        let warning = Warning {
            category: "divide",
            function,
        };
        // One warning per function and evaluation (divmod's two halves are one).
        if !raised.contains(&warning) {
            raised.push(warning);
        }
    }
    if !raised.is_empty() {
        PENDING.with(|p| p.borrow_mut().extend(raised));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Array, Backend};

    #[test]
    fn integer_division_by_zero_is_reported_once_per_op() {
        for backend in [Backend::Cpu, Backend::Interpreter] {
            let a = Array::from_value(Value::from_array(ndarray::arr1(&[7i64, 8, 9]).into_dyn()));
            let b = Array::from_value(Value::from_array(ndarray::arr1(&[2i64, 0, 3]).into_dyn()));
            take_warnings();
            let q = a.floor_divide(&b);
            let values = crate::eval_with(&[&q], backend).unwrap();
            assert_eq!(
                values[0].to_scalars(),
                vec![Scalar::I64(3), Scalar::I64(0), Scalar::I64(3)]
            );
            let got = take_warnings();
            assert_eq!(got.len(), 1, "{backend:?}");
            assert_eq!(
                got[0].to_string(),
                "divide by zero encountered in floor_divide"
            );
            // No zero: nothing to report.
            let r = a.remainder(&(&b + 1i64));
            crate::eval_with(&[&r], backend).unwrap();
            assert!(take_warnings().is_empty());
        }
    }
}
