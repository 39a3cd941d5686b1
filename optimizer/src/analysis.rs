//! The e-graph analysis: each e-class's type and, when every element is known to be
//! one value, that value (constant folding adds the folded constant to the class).

use egg::{Analysis, DidMerge, EGraph, Id};
use lazyfuse_ir::{evaluate_op, Op, Scalar, Shape, TensorType, Value};

use crate::lang::ENode;

/// The e-graph type used throughout the optimizer.
pub type LfEGraph = EGraph<ENode, LfAnalysis>;

/// What is known about an e-class.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// The type shared by every e-node of the class.
    pub ty: TensorType,
    /// Set when every element of the class's value equals this scalar (a constant, or a
    /// broadcast, reshape, ... of one), of the class's dtype.
    pub uniform: Option<Scalar>,
}

/// The analysis: needs the input slots' types to type `Input` e-nodes.
#[derive(Clone, Debug, Default)]
pub struct LfAnalysis {
    /// Input slot types.
    pub inputs: Vec<TensorType>,
}

/// The type and uniform value an e-node would have (no e-graph changes). `None` when
/// the op's type rule rejects its operands: rules check this before adding nodes.
pub fn node_facts(egraph: &LfEGraph, enode: &ENode) -> Option<Facts> {
    let ty = node_type(egraph, enode)?;
    let uniform = fold(egraph, enode, &ty);
    Some(Facts { ty, uniform })
}

/// The type of an e-node given its children's classes.
pub fn node_type(egraph: &LfEGraph, enode: &ENode) -> Option<TensorType> {
    if let Op::Input(slot) = enode.op {
        return egraph.analysis.inputs.get(slot).cloned();
    }
    let types: Vec<&TensorType> = enode.children.iter().map(|c| &egraph[*c].data.ty).collect();
    enode.op.infer(&types).ok()
}

/// The uniform value of an e-node whose operands are uniform, computed by the reference
/// interpreter on 0-d values, so folding agrees exactly with evaluation.
fn fold(egraph: &LfEGraph, enode: &ENode, ty: &TensorType) -> Option<Scalar> {
    let uniform = |c: &Id| egraph[*c].data.uniform;
    match &enode.op {
        Op::Const(v) => Some(*v),
        Op::Input(_) | Op::Arange { .. } | Op::MatMul | Op::Concat { .. } => None,
        // Uniform x: every gathered element is its value.
        Op::Gather => uniform(&enode.children[0]),
        _ if ty.shape.numel() == 0 => None,
        Op::Reshape(_) | Op::Transpose(_) | Op::BroadcastTo(_) | Op::Slice(_) => {
            uniform(&enode.children[0])
        }
        Op::Reduce { .. }
        | Op::Scan { .. }
        | Op::Sort { .. }
        | Op::Fft { .. }
        | Op::Linalg(_)
        | Op::SearchSorted { .. } => None,
        op => {
            let args = enode
                .children
                .iter()
                .map(|c| uniform(c).map(Value::from_scalar))
                .collect::<Option<Vec<_>>>()?;
            // Elementwise on uniform operands: one element of each decides.
            evaluate_op(op, &args).ok()?.get(&[])
        }
    }
}

impl Analysis<ENode> for LfAnalysis {
    type Data = Facts;

    fn make(egraph: &mut LfEGraph, enode: &ENode, _id: Id) -> Facts {
        // Rules only add e-nodes that type-check (see `rules::typed`), and conversion
        // from a verified Program only well-typed ones.
        node_facts(egraph, enode).expect("only well-typed e-nodes are added")
    }

    fn merge(&mut self, a: &mut Facts, b: Facts) -> DidMerge {
        debug_assert_eq!(a.ty, b.ty, "merged e-classes of different types");
        match (a.uniform, b.uniform) {
            (None, Some(v)) => {
                a.uniform = Some(v);
                DidMerge(true, false)
            }
            (Some(_), None) => DidMerge(false, true),
            _ => DidMerge(false, false),
        }
    }

    fn modify(egraph: &mut LfEGraph, id: Id) {
        let Facts { ty, uniform } = egraph[id].data.clone();
        let Some(value) = uniform else { return };
        // Add the constant (broadcast to the class's shape) unless the class has it.
        let has_constant = egraph[id].nodes.iter().any(|n| match &n.op {
            Op::Const(_) => true,
            Op::BroadcastTo(_) => egraph[n.children[0]]
                .nodes
                .iter()
                .any(|c| matches!(c.op, Op::Const(_))),
            _ => false,
        });
        if has_constant {
            return;
        }
        let c = egraph.add(ENode::new(Op::Const(value), vec![]));
        let folded = if ty.shape.ndim() == 0 {
            c
        } else {
            egraph.add(ENode::new(
                Op::BroadcastTo(Shape::from(ty.shape.dims())),
                vec![c],
            ))
        };
        egraph.union_trusted(id, folded, "constant-fold");
    }
}
