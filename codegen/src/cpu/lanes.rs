//! Library routines along one axis (`Kernel::Axis`): running folds (`cumsum`,
//! `cumprod`, `cummax`, `cummin`), sorts (`sort`, `argsort`) and FFTs (in `fft.rs`), on the operand gathered
//! in C order. Independent lanes run on the kernel pool's threads; each lane is computed
//! in NumPy's order, so results do not depend on the thread count.

use std::cmp::Ordering;

use lazyfuse_ir::kernel::AxisKernel;
use lazyfuse_ir::{evaluate_op, Op, ReduceOp, Value};
use rayon::prelude::*;

use super::library::{operand, store_result};
use super::radix::radix_sort;
use super::{pool, Memory};
use crate::error::CodegenError;

/// Below this many elements a routine runs on the calling thread.
const PARALLEL_ELEMENTS: usize = 1 << 15;

/// Runs an axis kernel.
pub(super) fn run(c: &AxisKernel, memory: &mut Memory) -> Result<(), CodegenError> {
    let out_dtype = memory.values[memory.root[c.out.0 as usize]]
        .as_ref()
        .map(|v| v.dtype())
        .ok_or_else(|| CodegenError::Internal("axis kernel output has no storage".into()))?;
    if let Op::Fft { axis, kind, scale } = c.op {
        return super::fft::run(c, memory, axis, kind, scale);
    }
    if let Op::Linalg(op) = c.op {
        return super::lapack::run(c, memory, op);
    }
    if let (Op::SearchSorted { right }, Some((y, y_ty))) = (&c.op, &c.y) {
        let sorted = operand(memory, &c.x, &c.x_ty)?;
        let values = operand(memory, y, y_ty)?;
        store_result(memory, c.out, searchsorted(*right, sorted, values)?);
        return Ok(());
    }
    let x = operand(memory, &c.x, &c.x_ty)?;
    let result = match c.op {
        // `x` itself when of the result's dtype: a cast's shared copy would make the
        // in-place scan copy the data again.
        Op::Scan { op, axis } if !out_dtype.is_complex() && x.dtype() == out_dtype => {
            scan(op, axis, x)?
        }
        Op::Scan { op, axis } if !out_dtype.is_complex() => scan(op, axis, x.cast(out_dtype))?,
        Op::Sort { axis, arg } if !x.dtype().is_complex() => sort(axis, arg, x)?,
        // Complex scans: the reference interpreter's.
        _ => evaluate_op(&c.op, &[x])?,
    };
    store_result(memory, c.out, result);
    Ok(())
}

/// For each value, its insertion position in the sorted array (NaN last; `right`: after
/// equal elements) by binary search; values in parallel blocks.
fn searchsorted(right: bool, sorted: Value, values: Value) -> Result<Value, CodegenError> {
    let dtype = sorted.dtype();
    lazyfuse_ir::with_dtype!(dtype, T => {
        let sorted = sorted.into_array::<T>()?;
        let sorted = sorted.as_slice().ok_or_else(|| CodegenError::Internal("searchsorted operand not contiguous".into()))?;
        let values = values.into_array::<T>()?;
        let shape = values.shape().to_vec();
        let keys = values.as_slice().ok_or_else(|| CodegenError::Internal("searchsorted values not contiguous".into()))?;
        let order = <T as LaneElement>::order;
        let find = |key: &T| -> i64 {
            sorted.partition_point(|x| match order(*x, *key) {
                Ordering::Less => true,
                Ordering::Equal => right,
                Ordering::Greater => false,
            }) as i64
        };
        let mut out = vec![0i64; keys.len()];
        if keys.len() >= PARALLEL_ELEMENTS / 8 {
            pool().install(|| {
                out.par_chunks_mut(4096)
                    .zip(keys.par_chunks(4096))
                    .for_each(|(o, k)| o.iter_mut().zip(k).for_each(|(o, k)| *o = find(k)))
            });
        } else {
            out.iter_mut().zip(keys).for_each(|(o, k)| *o = find(k));
        }
        let array = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), out)
            .map_err(|e| CodegenError::Internal(e.to_string()))?;
        Ok(Value::from_array(array))
    })
}

/// A running fold: each row i of the axis folds row i - 1's results with its elements,
/// the lanes after the axis contiguous (so the step vectorises when the axis is not the
/// last); blocks before the axis in parallel. Each element's order of operations is
/// NumPy's `ufunc.accumulate`'s, so results are its bits: sums and products wrap for
/// integers and round at every step for floats (float16 included), and the extremes
/// keep a NaN and take the element of equal values (NumPy's x86 loops).
fn scan(op: ReduceOp, axis: usize, x: Value) -> Result<Value, CodegenError> {
    let dims = x.ty().shape.dims().to_vec();
    let (n, lanes) = (dims[axis], dims[axis + 1..].iter().product::<usize>());
    let dtype = x.dtype();
    lazyfuse_ir::with_dtype!(dtype, T => {
        let mut data = x.into_array::<T>()?;
        let flat = data
            .as_slice_mut()
            .ok_or_else(|| CodegenError::Internal("scan operand not contiguous".into()))?;
        let unsupported = || CodegenError::Internal(format!("scan {op:?} of {dtype}"));
        if !<T as LaneElement>::folds(op) {
            return Err(unsupported());
        }
        let exact = !dtype.is_inexact();
        match op {
            ReduceOp::Sum => scan_blocks::<T, SUM>(flat, n, lanes, exact),
            ReduceOp::Prod => scan_blocks::<T, PROD>(flat, n, lanes, exact),
            ReduceOp::Max => scan_blocks::<T, MAX>(flat, n, lanes, exact),
            ReduceOp::Min => scan_blocks::<T, MIN>(flat, n, lanes, exact),
            _ => return Err(unsupported()),
        }
        Ok(Value::from_array(data))
    })
}

// A running fold's op as a const parameter: the loops are compiled per op with its fold
// inlined, where a function pointer cost an indirect call per element (cumsum along
// rows of 100 int64 elements ran at a third of NumPy's speed).
const SUM: u8 = 0;
const PROD: u8 = 1;
const MAX: u8 = 2;
const MIN: u8 = 3;

/// [`scan`]'s loops over the C-order data `flat` of blocks of `n` rows of `lanes`
/// elements (`exact`: an integer or bool type, whose folds are associative).
fn scan_blocks<T: LaneElement, const OP: u8>(flat: &mut [T], n: usize, lanes: usize, exact: bool) {
    let block_len = n * lanes;
    if n <= 1 || lanes == 0 {
        return;
    }
    if exact && flat.len() == block_len && flat.len() >= PARALLEL_ELEMENTS {
        // One long block of integers: a parallel scan (their folds are associative,
        // so the result is the sequential one's).
        return parallel_scan::<T, OP>(flat, n, lanes);
    }
    let one_block = |block: &mut [T]| {
        if lanes == 1 {
            running_fold::<T, OP>(block);
            return;
        }
        for i in 1..n {
            let (done, rest) = block.split_at_mut(i * lanes);
            let previous = &done[(i - 1) * lanes..];
            for (x, &p) in rest[..lanes].iter_mut().zip(previous) {
                *x = T::fold::<OP>(p, *x);
            }
        }
    };
    if flat.len() >= PARALLEL_ELEMENTS && flat.len() > block_len {
        // Blocks in groups of at least 4096 elements per task.
        let per_task = block_len * 4096usize.div_ceil(block_len);
        pool().install(|| {
            flat.par_chunks_mut(per_task)
                .for_each(|group| group.chunks_exact_mut(block_len).for_each(one_block))
        });
    } else {
        flat.chunks_exact_mut(block_len).for_each(one_block);
    }
}

/// The running fold of contiguous elements in place (the axis is the last one).
fn running_fold<T: LaneElement, const OP: u8>(data: &mut [T]) {
    let Some((first, rest)) = data.split_first_mut() else {
        return;
    };
    let mut acc = *first;
    for x in rest {
        acc = T::fold::<OP>(acc, *x);
        *x = acc;
    }
}

/// The running fold of one block of `n` rows of `lanes` elements, exactly as the
/// sequential one for an associative fold: the rows cut into chunks scanned in parallel,
/// each chunk's last row carried into the next chunks' start in turn, then folded into
/// every row of the later chunks in parallel.
fn parallel_scan<T: LaneElement, const OP: u8>(block: &mut [T], n: usize, lanes: usize) {
    let fold = T::fold::<OP>;
    let chunks = (pool().current_num_threads() * 4).clamp(1, n);
    let rows_per = n.div_ceil(chunks);
    let scan_rows = |chunk: &mut [T]| {
        if lanes == 1 {
            running_fold::<T, OP>(chunk);
            return;
        }
        let rows = chunk.len() / lanes;
        for i in 1..rows {
            let (done, rest) = chunk.split_at_mut(i * lanes);
            for (x, &p) in rest[..lanes].iter_mut().zip(&done[(i - 1) * lanes..]) {
                *x = fold(p, *x);
            }
        }
    };
    pool().install(|| block.par_chunks_mut(rows_per * lanes).for_each(scan_rows));
    // Each chunk's carry: the fold of every earlier row (the previous chunk's last row,
    // once that chunk has its own carry folded in).
    let mut carries: Vec<Vec<T>> = Vec::new();
    let mut carry: Option<Vec<T>> = None;
    for chunk in block.chunks(rows_per * lanes) {
        carries.push(carry.clone().unwrap_or_default());
        let last = &chunk[chunk.len() - lanes..];
        carry = Some(match carry {
            None => last.to_vec(),
            Some(c) => c.iter().zip(last).map(|(&c, &x)| fold(c, x)).collect(),
        });
    }
    pool().install(|| {
        block
            .par_chunks_mut(rows_per * lanes)
            .zip(carries.par_iter())
            .skip(1)
            .for_each(|(chunk, carry)| {
                if let [c] = carry[..] {
                    chunk.iter_mut().for_each(|x| *x = fold(c, *x));
                    return;
                }
                for row in chunk.chunks_mut(lanes) {
                    for (x, &c) in row.iter_mut().zip(carry) {
                        *x = fold(c, *x);
                    }
                }
            })
    });
}

/// A stable sort of each lane (NaN last), or its positions: the axis moved last, rows
/// sorted in parallel, moved back.
fn sort(axis: usize, arg: bool, x: Value) -> Result<Value, CodegenError> {
    let ndim = x.ty().shape.ndim();
    let dtype = x.dtype();
    lazyfuse_ir::with_dtype!(dtype, T => {
        let a = x.into_array::<T>()?;
        let mut perm: Vec<usize> = (0..ndim).filter(|&k| k != axis).collect();
        perm.push(axis);
        let moved = a.permuted_axes(perm.clone()).as_standard_layout().into_owned();
        let n = moved.shape()[ndim - 1];
        let rows = moved
            .as_slice()
            .ok_or_else(|| CodegenError::Internal("sort operand not contiguous".into()))?;
        let order = <T as LaneElement>::order;
        let parallel = rows.len() >= PARALLEL_ELEMENTS && rows.len() > n;
        let mut positions = Vec::new();
        let mut values = Vec::new();
        if arg {
            // Positions: a stable sort of (value, position) pairs (next to each other in
            // memory, unlike positions compared through the row).
            positions = vec![0i64; rows.len()];
            let one_row = |(row, out): (&[T], &mut [i64])| {
                let mut pairs: Vec<(T, i64)> =
                    row.iter().enumerate().map(|(i, &v)| (v, i as i64)).collect();
                if n >= RADIX_MIN {
                    radix_sort(&mut pairs, |p| T::key(p.0));
                } else {
                    pairs.sort_by(|a, b| order(a.0, b.0));
                }
                for (slot, (_, i)) in out.iter_mut().zip(pairs) {
                    *slot = i;
                }
            };
            if n > 0 && parallel {
                pool().install(|| {
                    rows.par_chunks_exact(n).zip(positions.par_chunks_exact_mut(n)).for_each(one_row)
                });
            } else if n > 0 {
                rows.chunks_exact(n).zip(positions.chunks_exact_mut(n)).for_each(one_row);
            }
        } else {
            // Values: any sort gives them (equal values are equal; of -0.0 and 0.0,
            // NumPy's own sort keeps no order either).
            values = rows.to_vec();
            let one_row = |row: &mut [T]| {
                if row.len() >= RADIX_MIN {
                    radix_sort(row, |&v| T::key(v));
                } else {
                    row.sort_unstable_by(|&a, &b| order(a, b));
                }
            };
            if n > 0 && parallel {
                pool().install(|| values.par_chunks_exact_mut(n).for_each(one_row));
            } else if n > 0 {
                values.chunks_exact_mut(n).for_each(one_row);
            }
        }
        // Back to the operand's axis order.
        let mut inverse = vec![0; ndim];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i;
        }
        let shape = moved.raw_dim();

        Ok(if arg {
            let p = ndarray::ArrayD::from_shape_vec(shape, positions)
                .map_err(|e| CodegenError::Internal(e.to_string()))?;
            Value::from_array(restore(p, &inverse))
        } else {
            let v = ndarray::ArrayD::from_shape_vec(shape, values)
                .map_err(|e| CodegenError::Internal(e.to_string()))?;
            Value::from_array(restore(v, &inverse))
        })
    })
}

/// Lanes at least this long are radix sorted (shorter ones by comparisons).
const RADIX_MIN: usize = 512;

/// An array whose axes were permuted by `perm`, back in the operand's order (C layout).
fn restore<E: Clone>(a: ndarray::ArrayD<E>, inverse: &[usize]) -> ndarray::ArrayD<E> {
    a.permuted_axes(inverse.to_vec())
        .as_standard_layout()
        .into_owned()
}

/// Per element type: one step of a scan (NumPy's binary loop for the op) and NumPy's
/// sort order (NaN last).
trait LaneElement: Copy + Send + Sync {
    /// Whether running folds of `op` take this type's loops (not complex values').
    fn folds(op: ReduceOp) -> bool;
    /// The fold of op `OP` ([`SUM`], [`PROD`], [`MAX`] or [`MIN`]; only those
    /// [`LaneElement::folds`] accepts).
    fn fold<const OP: u8>(a: Self, b: Self) -> Self;
    fn order(a: Self, b: Self) -> Ordering;
    /// An unsigned key in `order`'s order (every NaN the largest).
    fn key(self) -> u64;
}

macro_rules! int_lanes {
    ($($t:ty),*) => {$(
        impl LaneElement for $t {
            fn folds(op: ReduceOp) -> bool {
                matches!(op, ReduceOp::Sum | ReduceOp::Prod | ReduceOp::Max | ReduceOp::Min)
            }
            #[inline(always)]
            fn fold<const OP: u8>(a: $t, b: $t) -> $t {
                match OP {
                    SUM => a.wrapping_add(b),
                    PROD => a.wrapping_mul(b),
                    MAX => a.max(b),
                    _ => a.min(b),
                }
            }
            fn order(a: $t, b: $t) -> Ordering {
                a.cmp(&b)
            }
            fn key(self) -> u64 {
                // Signed values offset by 2^63: the order of u64.
                if <$t>::MIN == 0 {
                    self as u64
                } else {
                    (self as i64 as u64) ^ (1 << 63)
                }
            }
        }
    )*};
}
int_lanes!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_lanes {
    ($($t:ty),*) => {$(
        impl LaneElement for $t {
            fn folds(op: ReduceOp) -> bool {
                matches!(op, ReduceOp::Sum | ReduceOp::Prod | ReduceOp::Max | ReduceOp::Min)
            }
            #[inline(always)]
            fn fold<const OP: u8>(a: $t, b: $t) -> $t {
                // NumPy's x86 loops: a NaN accumulator stays, a NaN element is taken,
                // and of equal values the element (maximum(0.0, -0.0) is -0.0).
                match OP {
                    SUM => a + b,
                    PROD => a * b,
                    MAX => if !a.is_nan() && (b >= a || b.is_nan()) { b } else { a },
                    _ => if !a.is_nan() && (b <= a || b.is_nan()) { b } else { a },
                }
            }
            fn order(a: $t, b: $t) -> Ordering {
                match (a.is_nan(), b.is_nan()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
                }
            }
            fn key(self) -> u64 {
                float_key(f64::from(self))
            }
        }
    )*};
}

/// A float's order as an unsigned key: negative values' bits inverted, positive ones'
/// sign bit set, every NaN last, -0.0 the key of 0.0 (they compare equal, so a stable
/// sort keeps their order, as NumPy's stable argsort does).
fn float_key(v: f64) -> u64 {
    if v.is_nan() {
        return u64::MAX;
    }
    if v == 0.0 {
        return 1 << 63;
    }
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}
float_lanes!(f32, f64, lazyfuse_ir::half::f16);

impl LaneElement for bool {
    fn folds(op: ReduceOp) -> bool {
        matches!(op, ReduceOp::Max | ReduceOp::Min)
    }
    #[inline(always)]
    fn fold<const OP: u8>(a: bool, b: bool) -> bool {
        if OP == MAX {
            a | b
        } else {
            a & b
        }
    }
    fn order(a: bool, b: bool) -> Ordering {
        a.cmp(&b)
    }
    fn key(self) -> u64 {
        self as u64
    }
}

// Complex values take the interpreter's path (`run`): no fold and no order here.
macro_rules! complex_lanes {
    ($($t:ty),*) => {$(
        impl LaneElement for $t {
            fn folds(_: ReduceOp) -> bool {
                false
            }
            fn fold<const OP: u8>(_: Self, _: Self) -> Self {
                unreachable!("complex scans take the interpreter's path")
            }
            fn order(_: Self, _: Self) -> Ordering {
                Ordering::Equal
            }
            fn key(self) -> u64 {
                0
            }
        }
    )*};
}
complex_lanes!(
    lazyfuse_ir::num_complex::Complex32,
    lazyfuse_ir::num_complex::Complex64
);
