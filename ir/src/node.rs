//! `Node`: the immutable, shared expression DAG that array calls build.
//!
//! A node is either a leaf (bound data, or a numbered parameter for tracing) or an op
//! applied to other nodes. Its type is inferred, and the construction checked, when it
//! is made; [`crate::Program::from_outputs`] turns a set of output nodes into a Program.

use std::sync::{Arc, Mutex, OnceLock};

use crate::error::IrError;
use crate::external::External;
use crate::op::Op;
use crate::scalar::Scalar;
use crate::shape::{Shape, TensorType};
use crate::value::Value;

/// A cheap, clonable handle to one node of an expression DAG.
#[derive(Clone, Debug)]
pub struct Node(Arc<NodeData>);

#[derive(Debug)]
struct NodeData {
    kind: NodeKind,
    ty: TensorType,
    /// The node's value once an evaluation computed it (see [`Node::set_computed`]):
    /// later programs read it as data instead of computing the node again.
    computed: OnceLock<Value>,
    /// What `explain` says about the node when it is an input of a program (how the
    /// frontend made it: the evaluated positions of a mask, ...).
    note: OnceLock<Box<str>>,
}

#[derive(Debug)]
enum NodeKind {
    Leaf(Leaf),
    /// The operands are released (emptied) once the node is computed: a computed node
    /// is data, and keeping its history alive would hold memory and keep buffers read.
    Apply {
        op: Op,
        args: Mutex<Vec<Node>>,
    },
}

/// What a leaf stands for.
#[derive(Clone, Debug)]
pub enum Leaf {
    /// Concrete data; becomes an input slot bound to this value.
    Data(Value),
    /// The `n`-th parameter of a traced function; becomes input slot `n`.
    Param(usize),
    /// Borrowed memory (e.g. a NumPy array's); becomes an input slot read in place.
    External(External),
}

impl Leaf {
    /// The data this leaf binds, as an owned value (External data copied); None for a
    /// parameter.
    pub fn into_value(self) -> Option<Value> {
        match self {
            Leaf::Data(v) => Some(v),
            Leaf::External(e) => Some(e.to_value()),
            Leaf::Param(_) => None,
        }
    }
}

impl Node {
    /// A leaf holding data (shared, not copied).
    pub fn data(value: Value) -> Node {
        let ty = value.ty();
        Node(Arc::new(NodeData {
            kind: NodeKind::Leaf(Leaf::Data(value)),
            ty,
            computed: OnceLock::new(),
            note: OnceLock::new(),
        }))
    }

    /// A leaf reading borrowed memory in place.
    pub fn external(data: External) -> Node {
        let ty = data.ty().clone();
        Node(Arc::new(NodeData {
            kind: NodeKind::Leaf(Leaf::External(data)),
            ty,
            computed: OnceLock::new(),
            note: OnceLock::new(),
        }))
    }

    /// A placeholder for the `index`-th parameter of a traced function.
    pub fn param(index: usize, ty: TensorType) -> Node {
        Node(Arc::new(NodeData {
            kind: NodeKind::Leaf(Leaf::Param(index)),
            ty,
            computed: OnceLock::new(),
            note: OnceLock::new(),
        }))
    }

    /// A 0-d constant.
    pub fn constant(value: Scalar) -> Node {
        let ty = TensorType::new(value.dtype(), Shape::scalar());
        Node(Arc::new(NodeData {
            kind: NodeKind::Apply {
                op: Op::Const(value),
                args: Mutex::new(Vec::new()),
            },
            ty,
            computed: OnceLock::new(),
            note: OnceLock::new(),
        }))
    }

    /// `op` applied to `args`; fails if the op's type rule rejects the operands.
    pub fn apply(op: Op, args: Vec<Node>) -> Result<Node, IrError> {
        if let Op::Input(_) = op {
            return Err(IrError::invalid(
                "input",
                "inputs are leaves: use Node::data or Node::param",
            ));
        }
        let types: Vec<&TensorType> = args.iter().map(|a| a.ty()).collect();
        let ty = op.infer(&types)?;
        check_array_type(op.name(), &ty)?;
        Ok(Node(Arc::new(NodeData {
            kind: NodeKind::Apply {
                op,
                args: Mutex::new(args),
            },
            ty,
            computed: OnceLock::new(),
            note: OnceLock::new(),
        })))
    }

    /// Attaches what `explain` says about this node as a program input (the first
    /// note stays).
    pub fn set_note(&self, note: &str) {
        let _ = self.0.note.set(note.into());
    }

    /// The note attached with [`Node::set_note`], if any.
    pub fn note(&self) -> Option<&str> {
        self.0.note.get().map(|n| &**n)
    }

    /// dtype and shape.
    pub fn ty(&self) -> &TensorType {
        &self.0.ty
    }

    /// The extents.
    pub fn shape(&self) -> &Shape {
        &self.0.ty.shape
    }

    /// The element type.
    pub fn dtype(&self) -> crate::DType {
        self.0.ty.dtype
    }

    /// The leaf this node is, if it is one.
    pub fn leaf(&self) -> Option<&Leaf> {
        match &self.0.kind {
            NodeKind::Leaf(leaf) => Some(leaf),
            NodeKind::Apply { .. } => None,
        }
    }

    /// The op this node applies, if it is not a leaf.
    pub fn op(&self) -> Option<&Op> {
        match &self.0.kind {
            NodeKind::Leaf(_) => None,
            NodeKind::Apply { op, .. } => Some(op),
        }
    }

    /// Operand `index`, if there is one (see [`Node::args`]).
    pub fn arg(&self, index: usize) -> Option<Node> {
        match &self.0.kind {
            NodeKind::Leaf(_) => None,
            NodeKind::Apply { args, .. } => args.lock().expect("node operands").get(index).cloned(),
        }
    }

    /// The operands (empty for leaves, constants and computed nodes).
    pub fn args(&self) -> Vec<Node> {
        match &self.0.kind {
            NodeKind::Leaf(_) => Vec::new(),
            NodeKind::Apply { args, .. } => args.lock().expect("node operands").clone(),
        }
    }

    /// An identity for this node, equal for clones of one handle.
    pub fn identity(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// The value an evaluation computed for this node, if one did.
    pub fn computed(&self) -> Option<&Value> {
        self.0.computed.get()
    }

    /// Records the node's value (of the node's type; the first record stays): programs
    /// built from now on bind it as data where the node appears, so work shared by
    /// several evaluations is done once and pending graphs end at computed nodes.
    pub fn set_computed(&self, value: Value) {
        debug_assert_eq!(value.ty(), self.0.ty);
        if self.0.computed.set(value).is_ok() {
            if let NodeKind::Apply { args, .. } = &self.0.kind {
                // Released outside the lock (dropping may free a long history).
                let released = std::mem::take(&mut *args.lock().expect("node operands"));
                drop(released);
            }
        }
    }

    /// The value of a 0-d node known without computing anything: a constant, bound
    /// data, or a computed result; None otherwise.
    pub fn known_scalar(&self) -> Option<Scalar> {
        if !self.shape().is_empty() {
            return None;
        }
        if let Some(value) = self.computed() {
            return value.get(&[]);
        }
        match &self.0.kind {
            NodeKind::Leaf(Leaf::Data(value)) => value.get(&[]),
            NodeKind::Leaf(Leaf::External(e)) => e.to_value().get(&[]),
            NodeKind::Leaf(Leaf::Param(_)) => None,
            NodeKind::Apply {
                op: Op::Const(value),
                ..
            } => Some(*value),
            NodeKind::Apply { .. } => None,
        }
    }

    /// What a program binds for this node as an input slot: its leaf, or the data it
    /// was computed to; None for a node a program computes.
    pub fn binding(&self) -> Option<Leaf> {
        match (&self.0.kind, self.computed()) {
            (NodeKind::Leaf(leaf), _) => Some(leaf.clone()),
            (_, Some(value)) => Some(Leaf::Data(value.clone())),
            _ => None,
        }
    }

    /// Handles to this node (graph edges, arrays, caches), for finding nodes shared
    /// beyond one graph.
    pub fn handle_count(&self) -> usize {
        Arc::strong_count(&self.0)
    }
}

/// Dropping a long chain must not recurse once per node: operands whose last handle is
/// going away are unlinked onto an explicit stack.
impl Drop for NodeData {
    fn drop(&mut self) {
        let mut stack = match &mut self.kind {
            NodeKind::Apply { args, .. } => std::mem::take(args.get_mut().expect("node operands")),
            _ => return,
        };
        while let Some(node) = stack.pop() {
            if let Ok(mut data) = Arc::try_unwrap(node.0) {
                if let NodeKind::Apply { args, .. } = &mut data.kind {
                    stack.append(args.get_mut().expect("node operands"));
                }
            }
        }
    }
}

/// NumPy's most dimensions (NPY_MAXDIMS in NumPy 2).
pub const MAX_DIMS: usize = 64;

/// The checks NumPy makes of every array it creates: at most [`MAX_DIMS`] axes, and a
/// size in bytes (zero extents aside) that fits in `isize`.
pub(crate) fn check_array_type(op: &'static str, ty: &TensorType) -> Result<(), IrError> {
    if ty.shape.ndim() > MAX_DIMS {
        return Err(IrError::invalid(
            op,
            format!(
                "number of dimensions must be within [0, {MAX_DIMS}], the result would have {}",
                ty.shape.ndim()
            ),
        ));
    }
    if !ty.shape.fits_in_memory(ty.dtype.size_bytes()) {
        return Err(IrError::invalid(
            op,
            format!(
                "array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum possible size (shape {}, {})",
                ty.shape, ty.dtype
            ),
        ));
    }
    Ok(())
}
