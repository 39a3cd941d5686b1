//! Matrix products on the GPU as loop kernels: `out[..., i, j] = sum_k a[..., i, k] *
//! b[..., k, j]` with NumPy's matmul rules (1-d operands, broadcast batch axes), its
//! accesses the operands' index maps composed with the loop indices. The GPU then runs it
//! as any fold: a block per row for matrix-vector products, a thread per output element
//! for large products, chunks for a dot product of two vectors. (cuBLAS is not called
//! yet.)

use lazyfuse_ir::kernel::{
    Affine, Body, ElementwiseOp, IndexMap, LoopKernel, MatMulKernel, Phase, ScalarInstr, ScalarOp,
    Store,
};
use lazyfuse_ir::{BinaryOp, DType, ReduceOp, TensorType};

/// The loop kernel computing `m` into its output of type `out`, where its operands and
/// result share one float or integer dtype (other mixes run on the host).
pub(crate) fn matmul_loop(m: &MatMulKernel, out: &TensorType) -> Option<LoopKernel> {
    let d = out.dtype;
    let supported = matches!(
        d,
        DType::F32 | DType::F64 | DType::I8 | DType::I16 | DType::I32 | DType::I64
    ) || matches!(d, DType::U8 | DType::U16 | DType::U32 | DType::U64);
    if !supported || m.a_ty.dtype != d || m.b_ty.dtype != d {
        return None;
    }
    let (a, b, o) = (m.a_ty.shape.dims(), m.b_ty.shape.dims(), out.shape.dims());
    let (na, nb, no) = (a.len(), b.len(), o.len());
    if na == 0 || nb == 0 {
        return None;
    }
    let k = if na == 1 { a[0] } else { a[na - 1] };
    let loops = no + 1;
    let k_loop = no;
    // Batch axes of the output: all but the matrix axes it has.
    let matrix_axes = usize::from(na >= 2) + usize::from(nb >= 2);
    let out_batch = no.checked_sub(matrix_axes)?;
    let index = |l: usize| Affine::index(l, loops);
    // Operand batch axis j sits under output batch axis out_batch - n + j; one of
    // length 1 broadcasts (stays at 0).
    let batch = |dims: &[usize]| -> Option<Vec<Affine>> {
        let first = out_batch.checked_sub(dims.len())?;
        Some(
            dims.iter()
                .enumerate()
                .map(|(j, &d)| {
                    if d == 1 {
                        Affine::constant(0, loops)
                    } else {
                        index(first + j)
                    }
                })
                .collect(),
        )
    };
    let a_logical: Vec<Affine> = if na == 1 {
        vec![index(k_loop)]
    } else {
        let mut v = batch(&a[..na - 2])?;
        // a's row axis is the output's second-last axis, or its last when b is 1-d.
        let row = if nb == 1 { no - 1 } else { no - 2 };
        v.push(index(row));
        v.push(index(k_loop));
        v
    };
    let b_logical: Vec<Affine> = if nb == 1 {
        vec![index(k_loop)]
    } else {
        let mut v = batch(&b[..nb - 2])?;
        v.push(index(k_loop));
        v.push(index(no - 1));
        v
    };
    let a_map = compose(&m.a.1, &a_logical, loops)?;
    let b_map = compose(&m.b.1, &b_logical, loops)?;
    let instr = |op, dtype| ScalarInstr { op, dtype };
    let reduce = Phase::Reduce {
        body: Body {
            instrs: vec![
                instr(ScalarOp::Load(m.a.0, a_map), d),
                instr(ScalarOp::Load(m.b.0, b_map), d),
                instr(
                    ScalarOp::Apply(ElementwiseOp::Binary(BinaryOp::Mul), vec![0, 1]),
                    d,
                ),
            ],
        },
        value: 2,
        combiner: ReduceOp::Sum,
        dtype: d,
        stores: Vec::new(),
    };
    let store = Phase::Outer {
        body: Body {
            instrs: vec![instr(ScalarOp::Reduced(0), d)],
        },
        stores: vec![Store {
            buffer: m.out,
            index: IndexMap((0..no).map(index).collect()),
            value: 0,
        }],
    };
    Some(LoopKernel {
        outer: o.to_vec(),
        inner: vec![k],
        phases: vec![reduce, store],
    })
}

/// `map` (operand index -> buffer index) after `logical` (loop indices -> operand index).
fn compose(map: &IndexMap, logical: &[Affine], loops: usize) -> Option<IndexMap> {
    let mut out = Vec::with_capacity(map.0.len());
    for axis in &map.0 {
        if axis.coefs.len() != logical.len() {
            return None;
        }
        let mut composed = Affine::constant(axis.offset, loops);
        for (c, l) in axis.coefs.iter().zip(logical) {
            composed.offset += c * l.offset;
            for (dst, src) in composed.coefs.iter_mut().zip(&l.coefs) {
                *dst += c * src;
            }
        }
        out.push(composed);
    }
    Some(IndexMap(out))
}
