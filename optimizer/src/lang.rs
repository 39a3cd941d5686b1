//! The egg language: one e-node per IR op (parameters included), and the lossless
//! conversion between Programs and egg terms.

use std::fmt;

use egg::{FromOp, Id, Language, RecExpr};
use lazyfuse_ir::{BinaryOp, IrError, NodeId, Op, Program, ProgramBuilder, TensorType, UnaryOp};

/// An e-node: an IR op (with its parameters) applied to e-classes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ENode {
    /// The operation, parameters included (`reduce_sum[axes=(1)]` and
    /// `reduce_sum[axes=(0)]` are different operators).
    pub op: Op,
    /// Operand e-classes.
    pub children: Vec<Id>,
}

impl ENode {
    /// An e-node from its parts.
    pub fn new(op: Op, children: Vec<Id>) -> ENode {
        ENode { op, children }
    }
}

impl Language for ENode {
    type Discriminant = Op;

    fn discriminant(&self) -> Op {
        self.op.clone()
    }

    fn matches(&self, other: &Self) -> bool {
        self.op == other.op && self.children.len() == other.children.len()
    }

    fn children(&self) -> &[Id] {
        &self.children
    }

    fn children_mut(&mut self) -> &mut [Id] {
        &mut self.children
    }
}

impl fmt::Display for ENode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.op)
    }
}

/// egg's textual form (used when printing explanations) can name only the ops without
/// parameters (`mul`, `exp`, `where`, `matmul`). No rule is a syntactic pattern: rules
/// are Rust functions over the analysis (`rules/`).
impl FromOp for ENode {
    type Error = String;

    fn from_op(op: &str, children: Vec<Id>) -> Result<Self, Self::Error> {
        let op = if let Some(u) = UnaryOp::from_name(op) {
            Op::Unary(u)
        } else if let Some(b) = BinaryOp::from_name(op) {
            Op::Binary(b)
        } else {
            match op {
                "where" => Op::Where,
                "matmul" => Op::MatMul,
                "gather" => Op::Gather,
                other => {
                    return Err(format!(
                        "`{other}` has parameters: it cannot be parsed from egg text"
                    ))
                }
            }
        };
        Ok(ENode { op, children })
    }
}

/// A Program as an egg term: every node in the Program's order (so the conversion back
/// is exact), the outputs, and the input slot types.
#[derive(Clone, Debug)]
pub struct Term {
    /// The nodes; node `i` of the Program is entry `i`.
    pub expr: RecExpr<ENode>,
    /// The output entries.
    pub outputs: Vec<Id>,
    /// The input slots' types.
    pub inputs: Vec<TensorType>,
}

impl Term {
    /// The term of a Program.
    pub fn from_program(program: &Program) -> Term {
        let mut expr = RecExpr::default();
        for id in program.ids() {
            let instr = program.instr(id);
            let children = instr.args.iter().map(|a| Id::from(a.index())).collect();
            expr.add(ENode::new(instr.op.clone(), children));
        }
        let outputs = program
            .outputs()
            .iter()
            .map(|o| Id::from(o.index()))
            .collect();
        Term {
            expr,
            outputs,
            inputs: program.inputs().to_vec(),
        }
    }

    /// The Program of a term whose entries are in topological order with the inputs first
    /// (as [`Term::from_program`] and extraction produce).
    pub fn to_program(&self) -> Result<Program, IrError> {
        let mut builder = ProgramBuilder::new();
        let mut ids: Vec<NodeId> = Vec::with_capacity(self.expr.len());
        for node in self.expr.as_ref() {
            let id = match node.op {
                Op::Input(slot) => {
                    if slot != ids.len() {
                        return Err(IrError::InvalidArgument {
                            op: "input",
                            message: format!("input slot {slot} out of place in a term"),
                        });
                    }
                    builder.input(self.inputs[slot].clone())?
                }
                _ => builder.push(
                    node.op.clone(),
                    node.children.iter().map(|c| ids[usize::from(*c)]).collect(),
                )?,
            };
            ids.push(id);
        }
        builder.finish(self.outputs.iter().map(|o| ids[usize::from(*o)]).collect())
    }
}
