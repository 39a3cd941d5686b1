//! `Program`: a typed DAG of ops over numbered input slots, stored as a petgraph graph.
//!
//! Invariants, established by [`ProgramBuilder`] and checked by [`Program::verify`]:
//! node `i` for `i < inputs.len()` is `Input(i)`; every operand of a node has a smaller
//! id (ids are a topological order); every node's type is what its op's rule infers.

use crate::idhash::{id_map, IdMap};
use std::fmt;
use std::hash::{Hash, Hasher};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::error::IrError;
use crate::node::{Leaf, Node};
use crate::op::Op;
use crate::shape::TensorType;

/// Identifies a node of one Program; ids are a topological order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The id of the node at this position (node `i < inputs.len()` is input slot `i`).
    pub fn from_index(index: usize) -> NodeId {
        NodeId(index as u32)
    }

    /// The position of this node in the Program's topological order.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    fn graph_index(self) -> NodeIndex<u32> {
        NodeIndex::new(self.index())
    }
}

/// One node of a Program: an op, its operands and its result type.
#[derive(Clone, Debug, PartialEq)]
pub struct Instr {
    /// The operation.
    pub op: Op,
    /// Operands, in order.
    pub args: Vec<NodeId>,
    /// Result type.
    pub ty: TensorType,
}

/// A typed DAG of ops whose leaves are input slots and constants.
///
/// Edges run from operand to user and carry the operand position; they mirror
/// `Instr::args` so petgraph's algorithms (cycle checks, DOT) apply directly.
#[derive(Clone, Debug)]
pub struct Program {
    graph: DiGraph<Instr, u32, u32>,
    inputs: Vec<TensorType>,
    outputs: Vec<NodeId>,
}

/// A 128-bit structural hash: equal for programs of equal structure, whatever the node
/// numbering, the handles they were built from or the data bound to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgramHash(pub u128);

impl fmt::Display for ProgramHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl Program {
    /// The program computing `outputs`, and what each of its input slots stands for.
    ///
    /// Parameters take the first slots in the order of their numbers (`Param(n)` is slot
    /// `n` when every number up to the largest is used; a number the outputs do not use
    /// has no slot); data leaves take the following slots in the order a depth-first walk from the
    /// outputs first finishes them. Shared nodes appear once, and so do external leaves
    /// reading the same elements ([`crate::External::same_elements`]: the Python frontend makes
    /// a leaf per use of an array: Horner's rule over `x` made a kernel of 17 inputs,
    /// slow to compile and to cache, where 10 do).
    pub fn from_outputs(outputs: &[Node]) -> Result<(Program, Vec<Leaf>), IrError> {
        Program::from_order(&post_order(outputs), outputs)
    }

    /// [`Program::from_outputs`] given the outputs' [`post_order`] (a caller that walked
    /// the graph already, as [`shared_intermediates_in`] does, walks it once).
    pub fn from_order(order: &[Node], outputs: &[Node]) -> Result<(Program, Vec<Leaf>), IrError> {
        let (slots, repeated) = input_slots(order)?;
        let mut builder = ProgramBuilder::new();
        let mut ids: IdMap<usize, NodeId> = id_map(order.len());
        let mut leaves = Vec::with_capacity(slots.len());
        for node in &slots {
            ids.insert(node.identity(), builder.input(node.ty().clone())?);
            leaves.push(node.binding().expect("slots are leaves or computed"));
        }
        for (repeat, first) in repeated {
            let id = ids[&first];
            ids.insert(repeat, id);
        }
        for node in order {
            if node.computed().is_some() {
                continue; // an input slot
            }
            if let Some(op) = node.op() {
                let args: Vec<NodeId> = node.args().iter().map(|a| ids[&a.identity()]).collect();
                let id = builder.push_inferred(op.clone(), args, node.ty().clone());
                ids.insert(node.identity(), id);
            }
        }
        let outs = outputs.iter().map(|o| ids[&o.identity()]).collect();
        Ok((builder.finish(outs)?, leaves))
    }

    /// The notes ([`Node::set_note`]) of the input slots of the program
    /// [`Program::from_outputs`] makes of `outputs`: (slot, note).
    pub fn input_notes(outputs: &[Node]) -> Result<Vec<(usize, String)>, IrError> {
        let order = post_order(outputs);
        Ok(input_slots(&order)?
            .0
            .iter()
            .enumerate()
            .filter_map(|(slot, node)| node.note().map(|n| (slot, n.to_string())))
            .collect())
    }

    /// The input slots' types.
    pub fn inputs(&self) -> &[TensorType] {
        &self.inputs
    }

    /// The output nodes, in order.
    pub fn outputs(&self) -> &[NodeId] {
        &self.outputs
    }

    /// Number of nodes (inputs included).
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether the program has no nodes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The node with this id.
    pub fn instr(&self, id: NodeId) -> &Instr {
        &self.graph[id.graph_index()]
    }

    /// Every node id in topological order.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.len() as u32).map(NodeId)
    }

    /// How many times each node is used as an operand or output.
    pub fn use_counts(&self) -> Vec<usize> {
        let mut counts: Vec<usize> = self
            .ids()
            .map(|id| {
                self.graph
                    .edges_directed(id.graph_index(), Direction::Outgoing)
                    .count()
            })
            .collect();
        for out in &self.outputs {
            counts[out.index()] += 1;
        }
        counts
    }

    /// Checks every invariant: input layout, topological ids (every operand precedes its
    /// user, which also proves the graph acyclic), types as inferred, outputs in range.
    /// Later stages call this after each transformation.
    pub fn verify(&self) -> Result<(), IrError> {
        let bad = |id: NodeId, msg: String| {
            IrError::invalid("verify", format!("node {}: {msg}", id.index()))
        };
        for id in self.ids() {
            let instr = self.instr(id);
            if id.index() < self.inputs.len() {
                if instr.op != Op::Input(id.index())
                    || instr.ty != self.inputs[id.index()]
                    || !instr.args.is_empty()
                {
                    return Err(bad(
                        id,
                        format!(
                            "expected input slot {} of type {}",
                            id.index(),
                            self.inputs[id.index()]
                        ),
                    ));
                }
                continue;
            }
            if matches!(instr.op, Op::Input(_)) {
                return Err(bad(id, "inputs must come first".into()));
            }
            if let Some(arg) = instr.args.iter().find(|a| a.index() >= id.index()) {
                return Err(bad(
                    id,
                    format!("operand {} does not precede it", arg.index()),
                ));
            }
            let types: Vec<&TensorType> = instr.args.iter().map(|a| &self.instr(*a).ty).collect();
            let inferred = instr.op.infer(&types)?;
            if inferred != instr.ty {
                return Err(bad(
                    id,
                    format!("declared {} but {} infers {inferred}", instr.ty, instr.op),
                ));
            }
        }
        if let Some(out) = self.outputs.iter().find(|o| o.index() >= self.len()) {
            return Err(IrError::invalid(
                "verify",
                format!("output {} is not a node", out.index()),
            ));
        }
        Ok(())
    }

    /// The canonical structural hash (see [`ProgramHash`]); keys the kernel cache.
    pub fn canonical_hash(&self) -> ProgramHash {
        // Each node's hash covers its op, type and its operands' hashes (not their
        // numbers). Ops and types are fed through their `Hash` impls as raw bytes:
        // this runs on every evaluation, and formatting them cost ~3x more.
        let mut node_hashes: Vec<u128> = Vec::with_capacity(self.len());
        let mut bytes = Vec::new();
        for id in self.ids() {
            let instr = self.instr(id);
            bytes.clear();
            let mut sink = ByteSink(&mut bytes);
            instr.op.hash(&mut sink);
            instr.ty.hash(&mut sink);
            for arg in &instr.args {
                bytes.extend_from_slice(&node_hashes[arg.index()].to_le_bytes());
            }
            node_hashes.push(xxhash_rust::xxh3::xxh3_128(&bytes));
        }
        bytes.clear();
        self.inputs.hash(&mut ByteSink(&mut bytes));
        bytes.push(b'|');
        for out in &self.outputs {
            bytes.extend_from_slice(&node_hashes[out.index()].to_le_bytes());
        }
        ProgramHash(xxhash_rust::xxh3::xxh3_128(&bytes))
    }
}

/// A `Hasher` that collects the bytes it is fed, for hashing them with xxh3.
struct ByteSink<'a>(&'a mut Vec<u8>);

impl Hasher for ByteSink<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("ByteSink only collects bytes")
    }
}

/// Structural equality: same inputs, same nodes in the same order, same outputs.
impl PartialEq for Program {
    fn eq(&self, other: &Program) -> bool {
        self.inputs == other.inputs
            && self.outputs == other.outputs
            && self.len() == other.len()
            && self.ids().all(|id| self.instr(id) == other.instr(id))
    }
}

/// Builds a Program node by node, checking each node's operands and type as it goes.
#[derive(Debug, Default)]
pub struct ProgramBuilder {
    graph: DiGraph<Instr, u32, u32>,
    inputs: Vec<TensorType>,
}

impl ProgramBuilder {
    /// An empty builder.
    pub fn new() -> ProgramBuilder {
        ProgramBuilder::default()
    }

    /// Adds the next input slot; inputs must all come before other nodes.
    pub fn input(&mut self, ty: TensorType) -> Result<NodeId, IrError> {
        if self.graph.node_count() != self.inputs.len() {
            return Err(IrError::invalid(
                "input",
                "inputs must be declared before other nodes",
            ));
        }
        if ty.shape.checked_numel().is_none() {
            return Err(IrError::invalid(
                "input",
                format!("shape {} is too large", ty.shape),
            ));
        }
        let slot = self.inputs.len();
        self.inputs.push(ty.clone());
        Ok(self.add(Instr {
            op: Op::Input(slot),
            args: Vec::new(),
            ty,
        }))
    }

    /// Adds `op` applied to existing nodes; returns its id.
    pub fn push(&mut self, op: Op, args: Vec<NodeId>) -> Result<NodeId, IrError> {
        let ty = self.infer(&op, &args)?;
        Ok(self.add(Instr { op, args, ty }))
    }

    /// Like [`ProgramBuilder::push`], but checks the inferred type against `declared`.
    pub fn push_typed(
        &mut self,
        op: Op,
        args: Vec<NodeId>,
        declared: TensorType,
    ) -> Result<NodeId, IrError> {
        let ty = self.infer(&op, &args)?;
        if ty != declared {
            return Err(IrError::invalid(
                op.name(),
                format!("declared type {declared} but the operands give {ty}"),
            ));
        }
        Ok(self.add(Instr { op, args, ty }))
    }

    /// Adds `op` of `args` with `ty`, a type already inferred from operands of these
    /// args' types (a [`Node`]'s: [`Node::apply`] inferred it and it never changes), so
    /// it is not inferred again (checked in debug builds).
    pub(crate) fn push_inferred(&mut self, op: Op, args: Vec<NodeId>, ty: TensorType) -> NodeId {
        debug_assert_eq!(self.infer(&op, &args).ok().as_ref(), Some(&ty));
        self.add(Instr { op, args, ty })
    }

    /// The type of a node added so far.
    pub fn ty(&self, id: NodeId) -> Option<&TensorType> {
        self.graph.node_weight(id.graph_index()).map(|i| &i.ty)
    }

    /// The finished Program returning `outputs` (at least one).
    pub fn finish(self, outputs: Vec<NodeId>) -> Result<Program, IrError> {
        if outputs.is_empty() {
            return Err(IrError::invalid(
                "program",
                "a program needs at least one output",
            ));
        }
        if let Some(o) = outputs
            .iter()
            .find(|o| o.index() >= self.graph.node_count())
        {
            return Err(IrError::invalid(
                "program",
                format!("output {} is not a node", o.index()),
            ));
        }
        Ok(Program {
            graph: self.graph,
            inputs: self.inputs,
            outputs,
        })
    }

    fn infer(&self, op: &Op, args: &[NodeId]) -> Result<TensorType, IrError> {
        if let Op::Input(_) = op {
            return Err(IrError::invalid(
                "input",
                "use ProgramBuilder::input for inputs",
            ));
        }
        let mut types = Vec::with_capacity(args.len());
        for a in args {
            types.push(self.ty(*a).ok_or_else(|| {
                IrError::invalid(
                    op.name(),
                    format!("operand {} is not a node yet", a.index()),
                )
            })?);
        }
        op.infer(&types)
    }

    fn add(&mut self, instr: Instr) -> NodeId {
        let args = instr.args.clone();
        let id = self.graph.add_node(instr);
        for (pos, a) in args.iter().enumerate() {
            self.graph.add_edge(a.graph_index(), id, pos as u32);
        }
        NodeId(id.index() as u32)
    }
}

/// Unique nodes reachable from `outputs`, each after its operands (iterative DFS).
/// The nodes a program computing `outputs` would compute (not leaves, not computed
/// ones) that something outside that program also holds (an array, another graph): an
/// evaluation that also outputs them does work later evaluations would repeat once.
/// Constants, sources and views (cheap to recompute, or storage-free in NumPy) are left
/// out, as are the outputs themselves.
pub fn shared_intermediates(outputs: &[Node]) -> Vec<Node> {
    shared_intermediates_in(&post_order(outputs), outputs)
}

/// [`shared_intermediates`] given the outputs' [`post_order`].
pub fn shared_intermediates_in(order: &[Node], outputs: &[Node]) -> Vec<Node> {
    let mut uses: IdMap<usize, usize> = id_map(order.len());
    for node in order {
        if node.computed().is_none() {
            for arg in node.args() {
                *uses.entry(arg.identity()).or_default() += 1;
            }
        }
    }
    let outputs: IdMap<usize, ()> = outputs.iter().map(|o| (o.identity(), ())).collect();
    let is_output = |n: &Node| outputs.contains_key(&n.identity());
    order
        .iter()
        .filter(|n| {
            n.computed().is_none()
                && matches!(
                    n.op(),
                    Some(
                        Op::Unary(_)
                            | Op::Binary(_)
                            | Op::Where
                            | Op::Cast(_)
                            | Op::Reduce { .. }
                            | Op::MatMul
                            | Op::Concat { .. }
                    )
                )
                && !is_output(n)
                // Handles besides `order`'s own and this graph's edges.
                && n.handle_count() > 1 + uses.get(&n.identity()).copied().unwrap_or(0)
        })
        .cloned()
        .collect()
}

/// The nodes bound to input slots, in slot order: parameters by number, then data
/// leaves and nodes computed by an earlier evaluation, in `order`. External leaves
/// reading the same elements as an earlier one (several lazy reads of one array
/// version) share its slot: they are returned apart, as (identity, the slot node's
/// identity).
#[allow(clippy::type_complexity)]
fn input_slots(order: &[Node]) -> Result<(Vec<&Node>, Vec<(usize, usize)>), IrError> {
    let mut params: Vec<Option<&Node>> = Vec::new();
    let mut data: Vec<&Node> = Vec::new();
    let mut repeated: Vec<(usize, usize)> = Vec::new();
    let mut by_place: IdMap<(usize, usize), Vec<&Node>> = id_map(0);
    for node in order {
        if node.leaf().is_none() && node.computed().is_some() {
            data.push(node); // computed by an earlier evaluation: bound as data
            continue;
        }
        match node.leaf() {
            Some(Leaf::Param(n)) => {
                if *n >= params.len() {
                    params.resize(n + 1, None);
                }
                if params[*n].replace(node).is_some() {
                    return Err(IrError::Binding {
                        message: format!("two different parameters numbered {n}"),
                    });
                }
            }
            Some(Leaf::External(e)) => {
                let same_place = by_place.entry(e.place()).or_default();
                let first = same_place.iter().find(|n| match n.leaf() {
                    Some(Leaf::External(f)) => f.same_elements(e),
                    _ => false,
                });
                match first {
                    Some(first) => repeated.push((node.identity(), first.identity())),
                    None => {
                        same_place.push(node);
                        data.push(node);
                    }
                }
            }
            Some(Leaf::Data(_)) => data.push(node),
            None => {}
        }
    }
    // Parameters in number order; one the outputs do not use (a traced function
    // ignoring an argument) has no slot: callers bind slots through their leaves.
    let mut slots: Vec<&Node> = Vec::with_capacity(params.len() + data.len());
    slots.extend(params.iter().flatten());
    slots.extend(data);

    Ok((slots, repeated))
}

/// The nodes computing `outputs`, each once, operands before their users (a node
/// computed already is a leaf here: its operands are not visited). Iterative: a deep
/// graph cannot overflow the stack.
pub fn post_order(outputs: &[Node]) -> Vec<Node> {
    let mut done: IdMap<usize, ()> = id_map(outputs.len() * 4);
    let mut order = Vec::new();
    // (node, index of the next operand to visit)
    let mut stack: Vec<(Node, usize)> = Vec::new();
    for out in outputs {
        if done.contains_key(&out.identity()) {
            continue;
        }
        stack.push((out.clone(), 0));
        while let Some((node, next)) = stack.last_mut() {
            // A computed node is data: its operands are not part of the program.
            let arg = if node.computed().is_some() {
                None
            } else {
                node.arg(*next)
            };
            if let Some(arg) = arg {
                *next += 1;
                if !done.contains_key(&arg.identity()) {
                    stack.push((arg, 0));
                }
            } else {
                let node = node.clone();
                stack.pop();
                if done.insert(node.identity(), ()).is_none() {
                    order.push(node);
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn leaf(values: &[f64]) -> Node {
        Node::data(Value::from_array(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[values.len()]), values.to_vec())
                .unwrap(),
        ))
    }

    fn mul(a: &Node, b: &Node) -> Node {
        Node::apply(Op::Binary(crate::BinaryOp::Mul), vec![a.clone(), b.clone()]).unwrap()
    }

    #[test]
    fn shared_intermediates_are_those_held_outside_the_graph() {
        let x = leaf(&[1.0, 2.0]);
        let held = mul(&x, &x); // also held by this test: shared
        let out = mul(&mul(&held, &x), &held); // the inner product is a temporary
        let shared = shared_intermediates(std::slice::from_ref(&out));
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0].identity(), held.identity());
        drop(shared);
        let temp_only = mul(&mul(&x, &x), &x);
        assert!(shared_intermediates(&[temp_only]).is_empty());
    }

    /// Lazy reads of the same elements of one buffer version (the Python frontend makes
    /// a leaf per use of an array) bind one input; reads of other elements, another
    /// view of them or another cell do not.
    #[test]
    fn reads_of_the_same_elements_share_an_input() {
        use crate::external::{BufferCell, External};
        use crate::shape::{Shape, TensorType};
        use crate::{DType, Scalar};
        use std::sync::Arc;
        let data: Arc<Vec<f64>> = Arc::new((0..8).map(f64::from).collect());
        let owner: Arc<dyn std::any::Any + Send + Sync> = data.clone();
        // SAFETY: the owner keeps the 64 bytes alive and nobody writes them.
        let cell =
            |_: ()| unsafe { BufferCell::new(data.as_ptr() as *const u8, 64, owner.clone()) };
        let (first, second) = (cell(()), cell(()));
        let ty = |n: usize| TensorType::new(DType::F64, Shape::from(vec![n]));
        // SAFETY: every read lies in the 8 elements.
        let read = |c: &Arc<BufferCell>, offset: usize, n: usize, stride: isize| unsafe {
            Node::external(External::in_cell(ty(n), c.clone(), offset, vec![stride]).unwrap())
        };
        let inputs = |a: &Node, b: &Node| {
            let (program, leaves) = Program::from_outputs(&[mul(a, b)]).unwrap();
            assert_eq!(program.inputs().len(), leaves.len());
            program.inputs().len()
        };
        assert_eq!(inputs(&read(&first, 0, 4, 1), &read(&first, 0, 4, 1)), 1);
        assert_eq!(inputs(&read(&first, 0, 4, 1), &read(&first, 32, 4, 1)), 2);
        assert_eq!(inputs(&read(&first, 0, 4, 1), &read(&first, 0, 4, 2)), 2);
        assert_eq!(inputs(&read(&first, 0, 4, 1), &read(&second, 0, 4, 1)), 2);
        let (program, _) =
            Program::from_outputs(&[mul(&read(&first, 0, 4, 1), &read(&first, 0, 4, 1))]).unwrap();
        let values = [Value::from_array(
            ndarray::arr1(&[0.0, 1.0, 2.0, 3.0]).into_dyn(),
        )];
        let got = crate::interpret(&program, &values).unwrap();
        let squares: Vec<Scalar> = [0.0, 1.0, 4.0, 9.0].map(Scalar::F64).to_vec();
        assert_eq!(got[0].to_scalars(), squares);
    }

    #[test]
    fn a_computed_node_is_an_input_slot_and_its_operands_are_not_visited() {
        let x = leaf(&[1.0, 2.0]);
        let y = mul(&x, &x);
        let z = mul(&y, &y);
        let (before, _) = Program::from_outputs(std::slice::from_ref(&z)).unwrap();
        assert_eq!(before.inputs().len(), 1);
        y.set_computed(Value::from_array(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2]), vec![1.0, 4.0]).unwrap(),
        ));
        let (after, leaves) = Program::from_outputs(&[z]).unwrap();
        assert_eq!(after.len(), 2, "{after}"); // the input (y's value) and z
        let values: Vec<Value> = leaves.into_iter().filter_map(Leaf::into_value).collect();
        let out = crate::interpret(&after, &values).unwrap();
        assert_eq!(out[0].to_scalars(), vec![1.0.into(), 16.0.into()]);
    }

    const SOFTMAX: &str = "program(a: f64[4,5]) {
  b: f64[4,1] = reduce_max[axes=(1), keepdims] a
  c: f64[4,5] = sub a b
  d: f64[4,5] = exp c
  e: f64[4,1] = reduce_sum[axes=(1), keepdims] d
  f: f64[4,5] = div d e
  return f
}";

    #[test]
    fn dot_export_has_every_node_and_edge() {
        let p: Program = SOFTMAX.parse().unwrap();
        let dot = p.to_dot();
        assert!(dot.starts_with("digraph program {"));
        let node_lines = dot
            .lines()
            .filter(|l| {
                l.trim_start()
                    .strip_prefix('n')
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                    && !l.contains("->")
            })
            .count();
        assert_eq!(node_lines, 6, "{dot}");
        assert_eq!(dot.matches("-> n").count(), 7, "{dot}");
        assert!(
            dot.contains("n0 [label=\"a = input[0]\\nf64[4,5]\", style=rounded]"),
            "{dot}"
        );
        assert!(
            dot.contains("n3 -> n5 [label=\"0\"]") && dot.contains("n4 -> n5 [label=\"1\"]"),
            "{dot}"
        );
        assert!(dot.contains("n5 -> out0"), "{dot}");
    }

    #[test]
    fn use_counts_include_outputs() {
        let p: Program = SOFTMAX.parse().unwrap();
        assert_eq!(p.use_counts(), vec![2, 1, 1, 2, 1, 1]);
    }

    #[test]
    fn verify_rejects_a_mistyped_node() {
        let mut b = ProgramBuilder::new();
        let a = b
            .input(TensorType::new(crate::DType::F32, vec![3]))
            .unwrap();
        let err = b.push_typed(
            Op::Unary(crate::UnaryOp::Exp),
            vec![a],
            TensorType::new(crate::DType::F64, vec![3]),
        );
        assert!(err.is_err());
        assert!(b.finish(vec![]).is_err());
    }
}
