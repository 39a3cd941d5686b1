//! Whole-array reductions split into chunks: which kernels may be split, and how the
//! chunks' partials (16-byte slots) combine, pairwise in a fixed order so results do not
//! depend on the thread count.

use lazyfuse_ir::kernel::{LoopKernel, LoopKind, Phase, ScalarOp};
use lazyfuse_ir::{evaluate_op, DType, Op, ReduceOp, Value};

use crate::error::CodegenError;

/// The value a kernel stored in a 16-byte slot (little-endian: a value's low bytes,
/// a complex value's real part, first).
pub(crate) fn scalar_from_bits(slot: [u64; 2], dtype: DType) -> lazyfuse_ir::Scalar {
    use lazyfuse_ir::num_complex::{Complex32, Complex64};
    use lazyfuse_ir::Scalar;
    let bits = slot[0];
    match dtype {
        DType::C64 => Scalar::C64(Complex32::new(
            f32::from_bits(bits as u32),
            f32::from_bits((bits >> 32) as u32),
        )),
        DType::C128 => Scalar::C128(Complex64::new(
            f64::from_bits(bits),
            f64::from_bits(slot[1]),
        )),
        DType::Bool => Scalar::Bool(bits & 0xff != 0),
        DType::F16 => Scalar::F16(lazyfuse_ir::half::f16::from_bits(bits as u16)),
        DType::F32 => Scalar::F32(f32::from_bits(bits as u32)),
        DType::F64 => Scalar::F64(f64::from_bits(bits)),
        // An integer's low bits (wrapping to the dtype keeps exactly those).
        d => Scalar::U64(bits).cast(d),
    }
}

/// Partials combined as a balanced tree, left to right (a fixed order).
pub(crate) fn combine_pairwise(
    values: &[lazyfuse_ir::Scalar],
    combiner: ReduceOp,
) -> Result<lazyfuse_ir::Scalar, CodegenError> {
    use lazyfuse_ir::BinaryOp;
    let op = match combiner {
        ReduceOp::Sum => BinaryOp::Add,
        ReduceOp::Prod => BinaryOp::Mul,
        ReduceOp::Max => BinaryOp::Maximum,
        ReduceOp::Min => BinaryOp::Minimum,
        ReduceOp::Any => BinaryOp::LogicalOr,
        _ => BinaryOp::LogicalAnd,
    };
    // Float sums, the common case: pairwise in the native type (the interpreter's
    // per-pair evaluation cost microseconds, and there is a partial per chunk).
    if combiner == ReduceOp::Sum {
        use lazyfuse_ir::Scalar;
        if let Some(Scalar::F64(_)) = values.first() {
            let v: Vec<f64> = values.iter().map(|s| s.as_f64()).collect();
            return Ok(Scalar::F64(pairwise_sum(v)));
        }
        if let Some(Scalar::F32(_)) = values.first() {
            let v: Vec<f32> = values.iter().map(|s| s.as_f64() as f32).collect();
            return Ok(Scalar::F32(pairwise_sum(v)));
        }
    }
    let mut level: Vec<lazyfuse_ir::Scalar> = values.to_vec();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        for pair in level.chunks(2) {
            next.push(match pair {
                [a, b] => evaluate_op(
                    &Op::Binary(op),
                    &[Value::from_scalar(*a), Value::from_scalar(*b)],
                )?
                .get(&[])
                .expect("0-d")
                .cast(a.dtype()),
                [a] => *a,
                _ => unreachable!("chunks of two"),
            });
        }
        level = next;
    }
    level
        .pop()
        .ok_or_else(|| CodegenError::Internal("no partials".into()))
}

/// Sums neighbours level by level (the same tree as the generic combine).
pub(crate) fn pairwise_sum<T: Copy + std::ops::Add<Output = T>>(mut level: Vec<T>) -> T {
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| if let [a, b] = pair { *a + *b } else { pair[0] })
            .collect();
    }
    level[0]
}

/// Elements of the first inner axis per chunk of a long whole-array reduction. Within
/// a chunk values are summed in order (no reassociation without fast-math), chunks
/// pairwise. Measured: 2,048 did not help accuracy (float32 sum of 4M normal values 93
/// -> 117 ulp off math.fsum, NumPy 19; float64 with cancellation 3,513 -> 1,465 ulp,
/// NumPy 583): the in-chunk order dominates, so the fix is pairwise (or several
/// accumulators) inside the reduce loop, not smaller chunks.
pub(crate) const CHUNK: usize = 8192;

/// The combiner of a kernel that only folds one value per outer point and stores it
/// (`sum(expr)`, `max(expr)` ...), which the executor may split into chunks.
pub(crate) fn chunkable_reduction(kernel: &LoopKernel) -> Option<ReduceOp> {
    match kernel.kind() {
        LoopKind::Reduction { combiner, .. }
            if long_whole_array(kernel) && combines_partials(combiner) =>
        {
            Some(combiner)
        }
        _ => None,
    }
}

/// One outer point and a first inner axis long enough for at least two chunks.
fn long_whole_array(kernel: &LoopKernel) -> bool {
    let rows: usize = kernel.outer.iter().product();
    let rest = kernel
        .inner
        .get(1..)
        .map_or(1, |r| r.iter().product::<usize>().max(1));
    rows == 1
        && kernel
            .inner
            .first()
            .is_some_and(|&first| first >= 2 * CHUNK / rest)
}

/// Whether chunks' partials of this fold combine by the fold itself (not arg-folds).
pub(crate) fn combines_partials(op: ReduceOp) -> bool {
    matches!(
        op,
        ReduceOp::Sum
            | ReduceOp::Prod
            | ReduceOp::Max
            | ReduceOp::Min
            | ReduceOp::Any
            | ReduceOp::All
    )
}

/// A whole-array kernel of independent folds, each stored once (`sum(a)`, or `sum(a)`
/// and `max(b)` in one kernel, as the optimizer makes of `sum(a + b)`): the executor
/// runs every fold on each chunk of the first inner axis and combines each fold's
/// partials.
pub(crate) struct Folds {
    /// Each reduce phase's combiner, in phase order.
    pub combiners: Vec<ReduceOp>,
    /// For each store of the last phase, the reduce phase whose value it stores.
    pub stored: Vec<usize>,
}

/// The folds of a kernel the executor may split into chunks: one outer point, a long
/// first inner axis, reduce phases that store nothing and read no earlier phase's
/// value, with combiners that combine partials (not arg-reductions), and a last phase
/// that only stores reduced values as they are, each into its own buffer.
pub(crate) fn chunkable_folds(kernel: &LoopKernel) -> Option<Folds> {
    if !long_whole_array(kernel) {
        return None;
    }
    let (last, reduces) = kernel.phases.split_last()?;
    let mut combiners = Vec::with_capacity(reduces.len());
    let mut dtypes = Vec::with_capacity(reduces.len());
    for phase in reduces {
        let Phase::Reduce {
            body,
            combiner,
            dtype,
            stores,
            ..
        } = phase
        else {
            return None;
        };
        let combines = combines_partials(*combiner);
        let independent = body
            .instrs
            .iter()
            .all(|i| !matches!(i.op, ScalarOp::Reduced(_)));
        if !combines || !independent || !stores.is_empty() {
            return None;
        }
        combiners.push(*combiner);
        dtypes.push(*dtype);
    }
    let Phase::Outer { body, stores } = last else {
        return None;
    };
    if combiners.is_empty() || stores.is_empty() {
        return None;
    }
    let mut stored = Vec::with_capacity(stores.len());
    for (k, store) in stores.iter().enumerate() {
        let reduced = match body.instrs.get(store.value) {
            Some(i) => match i.op {
                ScalarOp::Reduced(p) if dtypes.get(p) == Some(&i.dtype) => p,
                _ => return None,
            },
            None => return None,
        };
        // Its own buffer, at element 0 (the executor redirects the store to a partial).
        let at_zero = store
            .index
            .0
            .iter()
            .all(|a| a.offset == 0 && a.coefs.iter().all(|&c| c == 0));
        if !at_zero || stores[..k].iter().any(|s| s.buffer == store.buffer) {
            return None;
        }
        stored.push(reduced);
    }
    Some(Folds { combiners, stored })
}
