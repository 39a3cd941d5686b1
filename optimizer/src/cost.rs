//! The cost model: an estimate of run time in units of "one simple operation on one
//! element". Elementwise ops cost their element count times a per-op weight
//! (transcendentals more), reductions their input size, matmul 2·M·N·K, views nothing
//! but a small index-arithmetic charge. Every node also pays a fixed overhead, so among
//! equally fast programs the smaller wins and extraction never picks a cycle.

use lazyfuse_ir::{BinaryOp, Op, ReduceOp, TensorType, UnaryOp};

/// The per-node overhead (in element-operations).
pub const NODE_OVERHEAD: f64 = 1.0;

/// Relative cost of one element of a unary op.
pub fn unary_weight(op: UnaryOp) -> f64 {
    use UnaryOp::*;
    match op {
        Neg | Abs | Sign | Floor | Ceil | Round | Trunc | IsNan | IsInf | IsFinite | LogicalNot
        | Square | Signbit | Invert | Conj | Real | Imag => 1.0,
        Sqrt | Reciprocal => 4.0,
        Exp | Expm1 | Log | Log1p | Log2 | Log10 => 8.0,
        Sin | Cos | Sinh | Cosh | Tanh | Sigmoid => 10.0,
        Tan | Arcsin | Arccos | Arctan | Erf => 12.0,
        // Scalar C library calls: not vectorised.
        Arcsinh | Arccosh | Arctanh | Cbrt => 30.0,
    }
}

/// Relative cost of one element of a binary op.
pub fn binary_weight(op: BinaryOp) -> f64 {
    use BinaryOp::*;
    match op {
        Div => 4.0,
        FloorDiv | Rem | Fmod => 6.0,
        Nextafter | Gcd | Lcm => 20.0,
        // Ten rounds of two widening products, shifts and xors (about 80 vector ops).
        Philox => 40.0,
        Arctan2 => 15.0,
        Pow => 20.0,
        _ => 1.0,
    }
}

/// The estimated cost of one op producing `out` from operands of types `args`.
pub fn node_cost(op: &Op, out: &TensorType, args: &[&TensorType]) -> f64 {
    let n = out.shape.numel() as f64;
    let work = match op {
        Op::Input(_) | Op::Const(_) => 0.0,
        Op::Reshape(_) | Op::Transpose(_) | Op::BroadcastTo(_) | Op::Slice(_) => 0.01 * n,
        Op::Arange { .. } => 0.5 * n,
        Op::Unary(u) => unary_weight(*u) * n,
        Op::Binary(b) => binary_weight(*b) * n,
        Op::Where | Op::Cast(_) => n,
        // A random-access read per element, and its position's read.
        Op::Gather => 4.0 * n,
        Op::Reduce { op, .. } => {
            let input = args.first().map_or(0.0, |a| a.shape.numel() as f64);
            input
                * if matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) {
                    2.0
                } else {
                    1.0
                }
        }
        Op::MatMul => {
            // Output elements times the contracted length, two flops each.
            let k = args
                .first()
                .and_then(|a| a.shape.last().copied())
                .unwrap_or(1) as f64;
            2.0 * n * k
        }
        Op::Concat { .. } => 0.5 * n,
        // A sequential fold along one axis, written out: about a load, an op and a
        // store per element.
        Op::Scan { .. } => 2.0 * n,
        // Comparisons of a sort: about log2 of the lane length per element.
        Op::Sort { axis, .. } => {
            let lane = out.shape.dims().get(*axis).copied().unwrap_or(1).max(2) as f64;
            2.0 * n * lane.log2()
        }
        // A binary search per value: about log2 of the sorted length each.
        Op::SearchSorted { .. } => {
            let len = args.first().map_or(1, |a| a.shape.numel()).max(2) as f64;
            2.0 * n * len.log2()
        }
        // A factorisation: about n^3 flops per matrix of order n.
        Op::Linalg(_) => {
            let a = args.first().map_or(&[][..], |a| a.shape.dims());
            let n = a.iter().rev().take(2).copied().max().unwrap_or(1) as f64;
            let batch: usize = a.iter().rev().skip(2).product();
            batch as f64 * n * n * n
        }
        // A split-radix FFT: about 5 n log2 n flops per lane of n.
        Op::Fft { axis, .. } => {
            let lane = args.first().map_or(1, |a| a.shape[*axis]).max(2) as f64;
            5.0 * n * lane.log2()
        }
    };
    work + NODE_OVERHEAD
}

/// The extra cost of an operand a kernel must read from memory (a gather's source)
/// when it is computed rather than an input: it is stored, then read back, one write
/// and one read per element, each worth several simple operations on a memory-bound
/// machine (16 bytes per element at ~20 GB/s against several vector operations per
/// nanosecond). Pushing a gather through the ops computing its source saves that,
/// besides computing them at the gathered positions only. At 2 per element the
/// Rosenbrock gradient kept two stored intermediates read through gathers (10^7
/// float64: value_and_grad 48.7 ms); at 8 it is one kernel (36.4 ms, same run).
pub fn stored_operand_cost(operand: &TensorType) -> f64 {
    8.0 * operand.shape.numel() as f64
}

/// The cost of a whole Program: every node reachable from the outputs, once.
pub fn program_cost(program: &lazyfuse_ir::Program) -> f64 {
    let mut live = vec![false; program.len()];
    for o in program.outputs() {
        live[o.index()] = true;
    }
    let mut total = 0.0;
    for id in program.ids().collect::<Vec<_>>().into_iter().rev() {
        if !live[id.index()] {
            continue;
        }
        let instr = program.instr(id);
        let args: Vec<&TensorType> = instr.args.iter().map(|a| &program.instr(*a).ty).collect();
        total += node_cost(&instr.op, &instr.ty, &args);
        if instr.op == Op::Gather && !matches!(program.instr(instr.args[0]).op, Op::Input(_)) {
            total += stored_operand_cost(args[0]);
        }
        for a in &instr.args {
            live[a.index()] = true;
        }
    }
    total
}
