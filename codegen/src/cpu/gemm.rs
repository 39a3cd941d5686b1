//! Float and complex matrix products, reading operands in place through their index
//! maps, batch axes broadcast: BLAS (`cblas_?gemm`, see `blas.rs`) when each operand has a unit
//! stride along one of its two matrix axes (plain and transposed layouts),
//! `matrixmultiply` for any other strides (reversed or stepped slices).

use lazyfuse_ir::kernel::{BufferId, IndexMap, MatMulKernel};
use lazyfuse_ir::{DType, TensorType};

use super::blas::{blas_gemm, cblas_ddot, cblas_sdot, BlasGemm, NO_TRANS, TRANS};
use super::{gemv, Memory};
use crate::error::CodegenError;

/// Which operand of a matrix-vector product is the matrix.
#[derive(Clone, Copy)]
enum Side {
    A,
    B,
}

/// The address of element `offset` (in elements of `dtype`) from `base`.
fn element(base: *mut u8, offset: isize, dtype: DType) -> *mut u8 {
    base.wrapping_offset(offset * dtype.size_bytes() as isize)
}

/// An operand of [`strided_gemm`]: its first element and (row, column) strides.
type Strided = (*mut u8, isize, isize);

/// `C = A B` for any strides by matrixmultiply (`(m, k, n)` the sizes).
///
/// # Safety
/// Every element the sizes and strides reach must lie inside its operand's buffer, and
/// `c`'s must be the kernel's own.
unsafe fn strided_gemm(
    dtype: DType,
    (m, k, n): (usize, usize, usize),
    a: Strided,
    b: Strided,
    c: Strided,
) {
    use matrixmultiply::CGemmOption::Standard;
    // The complex GEMMs take the same arguments (alpha = 1, beta = 0 as pairs).
    #[rustfmt::skip]
    macro_rules! complex_gemm {
        ($gemm:path) => {
            $gemm(Standard, Standard, m, k, n, [1.0, 0.0], a.0 as _, a.1, a.2, b.0 as _, b.1,
                  b.2, [0.0, 0.0], c.0 as _, c.1, c.2)
        };
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match dtype {
            DType::F64 => matrixmultiply::dgemm(
                m, k, n, 1.0, a.0 as _, a.1, a.2, b.0 as _, b.1, b.2, 0.0, c.0 as _, c.1, c.2,
            ),
            DType::F32 => matrixmultiply::sgemm(
                m, k, n, 1.0, a.0 as _, a.1, a.2, b.0 as _, b.1, b.2, 0.0, c.0 as _, c.1, c.2,
            ),
            DType::C128 => complex_gemm!(matrixmultiply::zgemm),
            _ => complex_gemm!(matrixmultiply::cgemm),
        }
    }
}

/// BLAS's description of a `rows × cols` operand with strides `(rs, cs)` in row-major
/// terms: (transpose flag, leading dimension), if BLAS can read it in place.
fn blas_layout(rows: usize, cols: usize, rs: isize, cs: isize) -> Option<(i32, i32)> {
    let fits = |v: usize| i32::try_from(v).ok();
    if (cs == 1 || cols == 1) && rs >= cols.max(1) as isize {
        Some((NO_TRANS, fits(rs as usize)?))
    } else if (rs == 1 || rows == 1) && cs >= rows.max(1) as isize {
        Some((TRANS, fits(cs as usize)?))
    } else if rows == 1 && cols == 1 {
        Some((NO_TRANS, 1))
    } else {
        None
    }
}

/// An operand as a strided view: element 0's offset and one stride per axis.
pub(super) struct View {
    /// The root buffer holding the elements.
    pub(super) base: usize,
    /// Element 0's offset from the root buffer's element 0.
    pub(super) offset: isize,
    /// One stride per operand axis, in elements.
    pub(super) strides: Vec<isize>,
}

/// The operand `access` reads, as a view checked to lie inside its buffer.
pub(super) fn view(
    memory: &Memory,
    (buf, map): &(BufferId, IndexMap),
    ty: &TensorType,
) -> Result<View, CodegenError> {
    let b = buf.0 as usize;
    let s = &memory.strides[b];
    let n = ty.shape.ndim();
    let offset: isize = map
        .0
        .iter()
        .zip(s)
        .map(|(a, &st)| a.offset as isize * st)
        .sum();
    let strides: Vec<isize> = (0..n)
        .map(|k| {
            map.0
                .iter()
                .zip(s)
                .map(|(a, &st)| a.coefs[k] as isize * st)
                .sum()
        })
        .collect();
    let shape = ty.shape.dims();
    if !shape.contains(&0) {
        let lo = offset
            + (0..n)
                .map(|k| strides[k].min(0) * (shape[k] as isize - 1))
                .sum::<isize>();
        let hi = offset
            + (0..n)
                .map(|k| strides[k].max(0) * (shape[k] as isize - 1))
                .sum::<isize>();
        if !memory
            .extent(b)
            .is_some_and(|(blo, bhi)| lo >= blo && hi <= bhi)
        {
            return Err(CodegenError::Internal(format!(
                "matmul operand [{lo}, {hi}] outside buffer %{b}"
            )));
        }
    }
    Ok(View {
        base: memory.root[b],
        offset,
        strides,
    })
}

/// `Some(result)` when the product is a float or complex GEMM (operands and result of
/// one such dtype); `None` to use the general path.
pub(super) fn float_matmul(
    m: &MatMulKernel,
    memory: &mut Memory,
    threads: usize,
) -> Option<Result<(), CodegenError>> {
    let out_dtype = memory.values[memory.root[m.out.0 as usize]]
        .as_ref()?
        .dtype();
    if !matches!(
        out_dtype,
        DType::F32 | DType::F64 | DType::C64 | DType::C128
    ) || m.a_ty.dtype != out_dtype
        || m.b_ty.dtype != out_dtype
    {
        return None;
    }
    Some(run(m, memory, out_dtype, threads))
}

/// A product's core sizes (`mm × k` times `k × n`) and its operands' and output's
/// (row, column) strides, in elements.
struct Strides {
    mm: usize,
    k: usize,
    n: usize,
    a: (isize, isize),
    b: (isize, isize),
    c: (isize, isize),
}

/// A matrix times a vector, as [`gemv`] runs it: `y = M v` (`transposed` false) or
/// `y = Mᵀ v`, `M` being `rows × cols` with contiguous rows `ld` apart.
struct Gemv {
    transposed: bool,
    rows: usize,
    cols: usize,
    ld: usize,
    incx: usize,
    incy: usize,
    /// Which operand is the matrix.
    side: Side,
}

/// A real matrix-vector product (either side) as a [`Gemv`], if its matrix has
/// contiguous rows or columns and its vectors positive strides.
fn gemv_layout(real: bool, s: &Strides) -> Option<Gemv> {
    let fits = |v: isize| usize::try_from(v).ok().filter(|&v| v > 0);
    let (mm, k, n) = (s.mm, s.k, s.n);
    if !real || k == 0 || (mm == 1) == (n == 1) {
        return None;
    }
    let (ta, ld, rows, cols, incx, incy, side) = if n == 1 {
        // y[mm] = A[mm×k] x[k]: A as stored (mm×k, or k×mm transposed).
        let (ta, lda) = blas_layout(mm, k, s.a.0, s.a.1)?;
        let (rows, cols) = if ta == NO_TRANS { (mm, k) } else { (k, mm) };
        (ta, lda, rows, cols, s.b.0, s.c.0, Side::A)
    } else {
        // y[n] = x[k] B[k×n] = Bᵀ x: B as stored, the other way round.
        let (tb, ldb) = blas_layout(k, n, s.b.0, s.b.1)?;
        let (trans, rows, cols) = if tb == NO_TRANS {
            (TRANS, k, n)
        } else {
            (NO_TRANS, n, k)
        };
        (trans, ldb, rows, cols, s.a.1, s.c.1, Side::B)
    };
    Some(Gemv {
        transposed: ta == TRANS,
        rows,
        cols,
        ld: usize::try_from(ld).ok()?,
        incx: fits(incx)?,
        incy: fits(incy)?,
        side,
    })
}

impl Gemv {
    /// Runs the product of the matrix at `mat` and the vector at `vec` into `out`
    /// (element pointers of `dtype`, f32 or f64).
    ///
    /// # Safety
    /// The pointers hold what the layout describes; `out` overlaps nothing read.
    unsafe fn run(&self, dtype: DType, threads: usize, mat: *mut u8, vec: *mut u8, out: *mut u8) {
        macro_rules! product {
            ($t:ty) => {{
                let (mat, vec, out) = (mat as *const $t, vec as *const $t, out as *mut $t);
                let (rows, cols, ld, incx, incy) =
                    (self.rows, self.cols, self.ld, self.incx, self.incy);
                // SAFETY: the caller's guarantee.
                unsafe {
                    if self.transposed {
                        gemv::cols(threads, rows, cols, mat, ld, vec, incx, out, incy)
                    } else {
                        gemv::rows(threads, rows, cols, mat, ld, vec, incx, out, incy)
                    }
                }
            }};
        }
        match dtype {
            DType::F64 => product!(f64),
            _ => product!(f32),
        }
    }
}

/// A [`Gemv`] with its dtype and its matrix, vector and output element pointers.
type BoundGemv = (DType, Gemv, [*mut u8; 3]);

/// A plain (unbatched) real matrix-vector product as a [`Gemv`] with its matrix,
/// vector and output element pointers, if it is one.
fn single_gemv(m: &MatMulKernel, memory: &mut Memory) -> Result<Option<BoundGemv>, CodegenError> {
    let Some(out) = memory.values[memory.root[m.out.0 as usize]].as_ref() else {
        return Ok(None);
    };
    let dtype = out.dtype();
    let (sa, sb) = (m.a_ty.shape.dims(), m.b_ty.shape.dims());
    if !matches!(dtype, DType::F32 | DType::F64)
        || m.a_ty.dtype != dtype
        || m.b_ty.dtype != dtype
        || !matches!((sa.len(), sb.len()), (2, 1) | (1, 2))
    {
        return Ok(None);
    }
    let (a, b) = (view(memory, &m.a, &m.a_ty)?, view(memory, &m.b, &m.b_ty)?);
    let out_stride = memory.strides[m.out.0 as usize][0];
    let layout = if sa.len() == 2 {
        Strides {
            mm: sa[0],
            k: sa[1],
            n: 1,
            a: (a.strides[0], a.strides[1]),
            b: (b.strides[0], 0),
            c: (out_stride, 0),
        }
    } else {
        Strides {
            mm: 1,
            k: sb[0],
            n: sb[1],
            a: (0, a.strides[0]),
            b: (b.strides[0], b.strides[1]),
            c: (0, out_stride),
        }
    };
    let Some(g) = gemv_layout(true, &layout) else {
        return Ok(None);
    };
    let pointers = memory.pointers();
    let at = |v: &View| element(pointers.0[v.base], v.offset, dtype);
    let (mat, vec) = match g.side {
        Side::A => (at(&a), at(&b)),
        Side::B => (at(&b), at(&a)),
    };
    Ok(Some((dtype, g, [mat, vec, pointers.0[m.out.0 as usize]])))
}

/// A plain real matrix-vector product as a [`gemv::RowRanges`] (run by rows of its
/// matrix, beside other work on those rows), with the matrix's row count and root
/// buffer; None when it is not one.
pub(super) fn matvec_by_rows(
    m: &MatMulKernel,
    memory: &mut Memory,
) -> Result<Option<(AnyRowRanges, usize, usize)>, CodegenError> {
    let Some((dtype, g, [mat, vec, out])) = single_gemv(m, memory)? else {
        return Ok(None);
    };
    let matrix = if m.a_ty.shape.dims().len() == 2 {
        &m.a
    } else {
        &m.b
    };
    let root = memory.root[matrix.0 .0 as usize];
    macro_rules! ranges {
        ($t:ty) => {
            // SAFETY: the layout was checked against the operands' views
            // (`single_gemv`); the output is this product's own storage.
            unsafe {
                gemv::RowRanges::<$t>::new(
                    g.transposed,
                    g.rows,
                    g.cols,
                    mat as *const $t,
                    g.ld,
                    (vec as *const $t, g.incx),
                    (out as *mut $t, g.incy),
                )
            }
        };
    }
    let ranges = match dtype {
        DType::F64 => AnyRowRanges::F64(ranges!(f64)),
        _ => AnyRowRanges::F32(ranges!(f32)),
    };
    Ok(Some((ranges, g.rows, root)))
}

/// A [`gemv::RowRanges`] of either float type.
pub(super) enum AnyRowRanges {
    F32(gemv::RowRanges<f32>),
    F64(gemv::RowRanges<f64>),
}

/// Two matrix-vector products of one matrix, one of it and one of its transpose (as
/// BiCG's `A @ p` and `A.T @ r`), in one pass over the matrix: `Some` when `first` and
/// `second` are such a pair and neither reads the other's output.
pub(super) fn matvec_pair(
    first: &MatMulKernel,
    second: &MatMulKernel,
    memory: &mut Memory,
    threads: usize,
) -> Option<Result<(), CodegenError>> {
    let roots = |m: &MatMulKernel| {
        [
            memory.root[m.a.0 .0 as usize],
            memory.root[m.b.0 .0 as usize],
        ]
    };
    let (out1, out2) = (
        memory.root[first.out.0 as usize],
        memory.root[second.out.0 as usize],
    );
    if out1 == out2 || roots(first).contains(&out2) || roots(second).contains(&out1) {
        return None;
    }
    let (g1, g2) = match (single_gemv(first, memory), single_gemv(second, memory)) {
        (Ok(Some(g1)), Ok(Some(g2))) => (g1, g2),
        (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
        _ => return None,
    };
    let ((d1, plain, [mat, p, q]), (d2, trans, [mat2, r, s])) =
        if g1.1.transposed { (g2, g1) } else { (g1, g2) };
    let same_matrix =
        mat == mat2 && (plain.rows, plain.cols, plain.ld) == (trans.rows, trans.cols, trans.ld);
    if d1 != d2 || plain.transposed == trans.transposed || !same_matrix {
        return None;
    }
    let (m, n, ld) = (plain.rows, plain.cols, plain.ld);
    macro_rules! pair {
        ($t:ty) => {
            // SAFETY: both layouts were checked against their views (`single_gemv`);
            // the outputs are distinct storage that neither product reads.
            unsafe {
                gemv::rows_and_cols::<$t>(
                    threads,
                    m,
                    n,
                    mat as *const $t,
                    ld,
                    (p as *const $t, plain.incx),
                    (r as *const $t, trans.incx),
                    (q as *mut $t, plain.incy),
                    (s as *mut $t, trans.incy),
                )
            }
        };
    }
    match d1 {
        DType::F64 => pair!(f64),
        _ => pair!(f32),
    }
    Some(Ok(()))
}

fn run(
    m: &MatMulKernel,
    memory: &mut Memory,
    dtype: DType,
    threads: usize,
) -> Result<(), CodegenError> {
    let (a, b) = (view(memory, &m.a, &m.a_ty)?, view(memory, &m.b, &m.b_ty)?);
    let (sa, sb) = (m.a_ty.shape.dims(), m.b_ty.shape.dims());
    // Core dimensions; a 1-d operand is a row (left) or a column (right).
    let (mm, k, rsa, csa) = if sa.len() == 1 {
        (1, sa[0], 0, a.strides[0])
    } else {
        let r = sa.len();
        (sa[r - 2], sa[r - 1], a.strides[r - 2], a.strides[r - 1])
    };
    let (n, rsb, csb) = if sb.len() == 1 {
        (1, b.strides[0], 0)
    } else {
        let r = sb.len();
        (sb[r - 1], b.strides[r - 2], b.strides[r - 1])
    };
    let batch_a = &sa[..sa.len().saturating_sub(2)];
    let batch_b = &sb[..sb.len().saturating_sub(2)];
    let out_idx = m.out.0 as usize;
    let out_shape = memory.shapes[out_idx].clone();
    let out_strides = memory.strides[out_idx].clone();
    let batch_rank = batch_a.len().max(batch_b.len());
    let batch: Vec<usize> = out_shape[..batch_rank].to_vec();
    let (rsc, csc) = match (sa.len() >= 2, sb.len() >= 2) {
        (true, true) => (out_strides[batch_rank], out_strides[batch_rank + 1]),
        (true, false) => (out_strides[batch_rank], 0),
        (false, true) => (0, out_strides[batch_rank]),
        (false, false) => (0, 0),
    };
    // Per batch axis: the stride of each operand (0 where it broadcasts) and the output's.
    let axis_stride = |shape: &[usize], strides: &[isize], k: usize| -> isize {
        let pad = batch_rank - shape.len();
        if k < pad || shape[k - pad] == 1 {
            0
        } else {
            strides[k - pad]
        }
    };
    let pointers = memory.pointers();
    let a_ptr = pointers.0[a.base];
    let b_ptr = pointers.0[b.base];
    let c_ptr = pointers.0[out_idx];
    let batches: usize = batch.iter().product();
    for flat in 0..batches {
        let (mut oa, mut ob, mut oc) = (a.offset, b.offset, 0isize);
        let mut rest = flat;
        for ax in (0..batch_rank).rev() {
            let i = (rest % batch[ax]) as isize;
            rest /= batch[ax];
            oa += i * axis_stride(batch_a, &a.strides, ax);
            ob += i * axis_stride(batch_b, &b.strides, ax);
            oc += i * out_strides[ax];
        }
        // A vector times a vector: BLAS's dot (NumPy's too), not a 1×1 gemm.
        let positive = |v: isize| i32::try_from(v).ok().filter(|&v| v > 0);
        let real = !dtype.is_complex();
        let dot = match (real && mm == 1 && n == 1 && k > 0, i32::try_from(k)) {
            (true, Ok(k32)) => positive(csa)
                .zip(positive(rsb))
                .map(|(ia, ib)| (k32, ia, ib)),
            _ => None,
        };
        if let Some((k32, inca, incb)) = dot {
            // SAFETY: both vectors' k elements step by positive increments inside their
            // checked views; the one output element is the kernel's own.
            unsafe {
                match dtype {
                    DType::F64 => {
                        *(c_ptr as *mut f64).offset(oc) = cblas_ddot(
                            k32,
                            (a_ptr as *const f64).offset(oa),
                            inca,
                            (b_ptr as *const f64).offset(ob),
                            incb,
                        )
                    }
                    _ => {
                        *(c_ptr as *mut f32).offset(oc) = cblas_sdot(
                            k32,
                            (a_ptr as *const f32).offset(oa),
                            inca,
                            (b_ptr as *const f32).offset(ob),
                            incb,
                        )
                    }
                }
            }
            continue;
        }
        // A matrix times a vector (either side): our threaded gemv (`gemv/`), several
        // times faster than a gemm with one column and twice the system BLAS's gemv.
        let layout = Strides {
            mm,
            k,
            n,
            a: (rsa, csa),
            b: (rsb, csb),
            c: (rsc, csc),
        };
        if let Some(g) = gemv_layout(real, &layout) {
            let (mat, vec) = match g.side {
                Side::A => (element(a_ptr, oa, dtype), element(b_ptr, ob, dtype)),
                Side::B => (element(b_ptr, ob, dtype), element(a_ptr, oa, dtype)),
            };
            // SAFETY: the matrix operand's rows×cols elements through `ld` are exactly
            // its checked strides (blas_layout), the vector's elements step by a
            // positive increment inside its checked view, and the output's elements
            // step by a positive increment inside the kernel's own output.
            unsafe { g.run(dtype, threads, mat, vec, element(c_ptr, oc, dtype)) };
            continue;
        }
        // Row-major output rows of n elements (a 1-d or 0-d result is one row or column).
        let blas = (|| {
            let (ta, lda) = blas_layout(mm, k, rsa, csa)?;
            let (tb, ldb) = blas_layout(k, n, rsb, csb)?;
            let ldc = if mm == 1 || n == 1 {
                n.max(1) as isize
            } else {
                rsc
            };
            let c_ok = (csc == 1 || n == 1) && (mm == 1 || rsc == n as isize);
            let dims = (
                i32::try_from(mm).ok()?,
                i32::try_from(n).ok()?,
                i32::try_from(k).ok()?,
            );
            (c_ok && k > 0).then_some((ta, lda, tb, ldb, i32::try_from(ldc.max(1)).ok()?, dims))
        })();
        if let Some((ta, lda, tb, ldb, ldc, (m32, n32, k32))) = blas {
            let layout = BlasGemm {
                ta,
                tb,
                m: m32,
                n: n32,
                k: k32,
                lda,
                ldb,
                ldc,
            };
            // SAFETY: as below; OpenBLAS reads m×k and k×n elements through the given
            // leading dimensions, which describe exactly the checked strides, and writes
            // the m×n output rows of the contiguous temporary.
            unsafe {
                blas_gemm(
                    dtype,
                    &layout,
                    element(a_ptr, oa, dtype),
                    element(b_ptr, ob, dtype),
                    element(c_ptr, oc, dtype),
                )
            };
            continue;
        }
        // SAFETY: every operand element lies inside its buffer (checked in `view`), the
        // output is the kernel's own contiguous temporary of the result's shape, and
        // matrixmultiply reads and writes exactly the m×k, k×n and m×n elements given.
        unsafe {
            strided_gemm(
                dtype,
                (mm, k, n),
                (element(a_ptr, oa, dtype), rsa, csa),
                (element(b_ptr, ob, dtype), rsb, csb),
                (element(c_ptr, oc, dtype), rsc, csc),
            )
        };
    }
    Ok(())
}
