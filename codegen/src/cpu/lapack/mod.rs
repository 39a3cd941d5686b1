//! Dense linear algebra (`Op::Linalg` in a `Kernel::Axis`) by LAPACK: the routines of
//! NumPy's OpenBLAS when the process has loaded it (`scipy_?getrf_64_`, ...: 64-bit
//! integers, the library NumPy's own `linalg` calls, with no second thread pool), else
//! those of the system OpenBLAS this crate links (32-bit integers).
//!
//! Each matrix of the stack is copied from the operand's view into a column-major
//! buffer (LAPACK's order; transposes and reversals cost nothing more), factored, and its
//! results written to a new C-ordered array. Values follow `numpy.linalg`'s routines:
//! `gesv` for solve and inv, `getrf` for det and slogdet (det = sign * exp(log|det|),
//! as NumPy's), `potrf` for cholesky, `syevd` for eigh, `gesdd` for singular values and vectors, and
//! `geqrf` with `orgqr` for QR (the last two in `orthogonal`), `geev` for eig (in
//! `eigen`).
//! Small matrices of a stack run in parallel on the kernel pool; large ones one after
//! another (OpenBLAS threads inside a routine).

mod eigen;
mod ffi;
mod orthogonal;

use lazyfuse_ir::kernel::AxisKernel;
use lazyfuse_ir::{DType, IrError, LinalgOp, Value};
use rayon::prelude::*;

use super::library::store_result;
use super::{alloc, gemm, pool, Memory};
use crate::error::CodegenError;
use ffi::{lapack, Lapack, LapackInt, Real, Routines};

/// Matrices of at most this order run in parallel across the stack.
const PARALLEL_ORDER: usize = 64;

/// Runs a linear-algebra kernel.
pub(super) fn run(c: &AxisKernel, memory: &mut Memory, op: LinalgOp) -> Result<(), CodegenError> {
    let view = gemm::view(memory, &c.x, &c.x_ty)?;
    let pointers = memory.pointers();
    let out_ty = c.op.infer(&[&c.x_ty])?;
    let dims = c.x_ty.shape.dims();
    let nd = dims.len();
    let stack = Stack {
        batch: dims[..nd - 2].to_vec(),
        batch_strides: view.strides[..nd - 2].to_vec(),
        rows: dims[nd - 2],
        cols: dims[nd - 1],
        row_stride: view.strides[nd - 2],
        col_stride: view.strides[nd - 1],
        offset: view.offset,
    };
    let input = pointers.0[view.base] as *const u8;
    let lapack = lapack();
    // SAFETY: `view` checked every element of the operand against its buffer, which holds
    // elements of its dtype; nothing writes it while this runs.
    let result = unsafe {
        match (c.x_ty.dtype, lapack) {
            (DType::F64, Lapack::Wide(t)) => {
                stack.run(op, &t.d, input.cast::<f64>(), out_ty.shape.dims())
            }
            (DType::F32, Lapack::Wide(t)) => {
                stack.run(op, &t.s, input.cast::<f32>(), out_ty.shape.dims())
            }
            (DType::F64, Lapack::Narrow(t)) => {
                stack.run(op, &t.d, input.cast::<f64>(), out_ty.shape.dims())
            }
            (DType::F32, Lapack::Narrow(t)) => {
                stack.run(op, &t.s, input.cast::<f32>(), out_ty.shape.dims())
            }
            (other, _) => return Err(CodegenError::Internal(format!("{} of {other}", op.name()))),
        }
    }?;
    store_result(memory, c.out, result);
    Ok(())
}

/// The matrices of an operand: a stack over the batch axes, each `rows x cols` read
/// through the view's strides (in elements) from `offset`.
struct Stack {
    batch: Vec<usize>,
    batch_strides: Vec<isize>,
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
    offset: isize,
}

impl Stack {
    /// Matrix `b`'s element (0, 0), C order over the batch axes.
    fn start(&self, mut b: usize) -> isize {
        let mut at = self.offset;
        for k in (0..self.batch.len()).rev() {
            at += (b % self.batch[k]) as isize * self.batch_strides[k];
            b /= self.batch[k];
        }
        at
    }

    /// `op` of every matrix into a new C-ordered array of shape `out`.
    ///
    /// # Safety
    /// `input` holds a `T` at every position the stack reaches.
    unsafe fn run<I: LapackInt, T: Real>(
        &self,
        op: LinalgOp,
        routines: &Routines<I, T>,
        input: *const T,
        out: &[usize],
    ) -> Result<Value, CodegenError> {
        let count: usize = self.batch.iter().product();
        let per: usize = out[self.batch.len()..].iter().product();
        if count * per == 0 {
            return alloc::zeros(T::DTYPE, out);
        }
        let mut storage = alloc::Uninit::new(T::DTYPE, out)?;
        let output = Shared(storage.as_mut_ptr().cast::<T>());
        let input = Shared(input as *mut T);
        let one = |b: usize| -> Result<(), CodegenError> {
            let (input, output) = (input, output);
            // Column-major copy of matrix b.
            let at = self.start(b);
            let mut a = Vec::with_capacity(self.rows * self.cols);
            for j in 0..self.cols {
                for i in 0..self.rows {
                    let p = at + i as isize * self.row_stride + j as isize * self.col_stride;
                    // SAFETY: a position of the operand (the function's contract).
                    a.push(unsafe { *input.0.offset(p) });
                }
            }
            // SAFETY: matrix b's results are elements b * per .. (b + 1) * per of the
            // output, written by this call only.
            let target = unsafe { std::slice::from_raw_parts_mut(output.0.add(b * per), per) };
            matrix(op, routines, self.rows, self.cols, a, target)
        };
        let result = if count > 1 && self.rows.max(self.cols) <= PARALLEL_ORDER {
            pool().install(|| (0..count).into_par_iter().try_for_each(one))
        } else {
            (0..count).try_for_each(one)
        };
        result?;
        // SAFETY: every matrix's results were written in full (the routines below write
        // every element of their target or return an error, and errors return above).
        Ok(unsafe { storage.into_value() })
    }
}

/// A pointer shared by the tasks of one kernel, each writing its own elements.
#[derive(Clone, Copy)]
struct Shared<E>(*mut E);
// SAFETY: tasks read the operand and write disjoint parts of the output.
unsafe impl<E> Send for Shared<E> {}
unsafe impl<E> Sync for Shared<E> {}

/// One matrix (`a`, column-major m x n) through `op`, its results in C order in `out`.
fn matrix<I: LapackInt, T: Real>(
    op: LinalgOp,
    r: &Routines<I, T>,
    m: usize,
    n: usize,
    mut a: Vec<T>,
    out: &mut [T],
) -> Result<(), CodegenError> {
    let fail = |message: &str| {
        CodegenError::Ir(IrError::LinAlg {
            op: op.name(),
            message: message.into(),
        })
    };
    let int = |v: usize| I::from_usize(v).ok_or_else(|| fail("matrix too large for this LAPACK"));
    let (mi, one_i) = (int(m)?, int(1)?);
    let ld = int(m.max(1))?;
    let mut info = I::zero();
    match op {
        LinalgOp::Solve | LinalgOp::Inv => {
            // a x = b (augmented: b is a's columns m..n) or a x = I.
            let k = if op == LinalgOp::Solve { n - m } else { m };
            let mut b = if op == LinalgOp::Solve {
                a.split_off(m * m)
            } else {
                let mut eye = vec![T::zero(); m * m];
                (0..m).for_each(|i| eye[i * m + i] = T::one());
                eye
            };
            let mut pivots = vec![I::zero(); m];
            // SAFETY: LAPACK's gesv with the sizes of these buffers.
            unsafe {
                (r.gesv)(
                    &mi,
                    &int(k)?,
                    a.as_mut_ptr(),
                    &ld,
                    pivots.as_mut_ptr(),
                    b.as_mut_ptr(),
                    &ld,
                    &mut info,
                )
            };
            if info.to_i64() > 0 {
                return Err(fail("Singular matrix"));
            }
            for i in 0..m {
                for j in 0..k {
                    out[i * k + j] = b[i + j * m];
                }
            }
        }
        LinalgOp::Det | LinalgOp::SlogdetSign | LinalgOp::SlogdetLogAbs => {
            let mut pivots = vec![I::zero(); m];
            // SAFETY: LAPACK's getrf with the sizes of these buffers.
            unsafe {
                (r.getrf)(
                    &mi,
                    &mi,
                    a.as_mut_ptr(),
                    &ld,
                    pivots.as_mut_ptr(),
                    &mut info,
                )
            };
            let (sign, log) = if info.to_i64() > 0 {
                (T::zero(), T::neg_infinity())
            } else {
                // NumPy's order: the pivots' sign, then each diagonal element's sign and
                // log magnitude in turn.
                let swaps = pivots
                    .iter()
                    .enumerate()
                    .filter(|(i, p)| p.to_i64() != *i as i64 + 1)
                    .count();
                let mut sign = if swaps % 2 == 1 { -T::one() } else { T::one() };
                let mut log = T::zero();
                for i in 0..m {
                    let u = a[i + i * m];
                    if u < T::zero() {
                        sign = -sign;
                    }
                    log = log + u.abs().ln();
                }
                (sign, log)
            };
            out[0] = match op {
                LinalgOp::Det => sign * log.exp(),
                LinalgOp::SlogdetSign => sign,
                _ => log,
            };
        }
        LinalgOp::Cholesky => {
            // SAFETY: LAPACK's potrf on the lower triangle of this buffer.
            unsafe { (r.potrf)(c"L".as_ptr(), &mi, a.as_mut_ptr(), &ld, &mut info, 1) };
            if info.to_i64() != 0 {
                return Err(fail("Matrix is not positive definite"));
            }
            for i in 0..m {
                for j in 0..m {
                    out[i * m + j] = if j <= i { a[i + j * m] } else { T::zero() };
                }
            }
        }
        LinalgOp::EighValues | LinalgOp::Eigh => {
            let vectors = op == LinalgOp::Eigh;
            let jobz = if vectors { c"V" } else { c"N" };
            let mut w = vec![T::zero(); m];
            let (mut work_len, mut iwork_len) = (T::zero(), I::zero());
            let query = int(0)?.minus_one();
            // SAFETY: a workspace query, then the routine with the sizes it asked for.
            unsafe {
                (r.syevd)(
                    jobz.as_ptr(),
                    c"L".as_ptr(),
                    &mi,
                    a.as_mut_ptr(),
                    &ld,
                    w.as_mut_ptr(),
                    &mut work_len,
                    &query,
                    &mut iwork_len,
                    &query,
                    &mut info,
                    1,
                    1,
                );
                let mut work = vec![T::zero(); work_len.to_usize().max(1)];
                let mut iwork = vec![I::zero(); (iwork_len.to_i64().max(1)) as usize];
                (r.syevd)(
                    jobz.as_ptr(),
                    c"L".as_ptr(),
                    &mi,
                    a.as_mut_ptr(),
                    &ld,
                    w.as_mut_ptr(),
                    work.as_mut_ptr(),
                    &int(work.len())?,
                    iwork.as_mut_ptr(),
                    &int(iwork.len())?,
                    &mut info,
                    1,
                    1,
                );
            }
            if info.to_i64() != 0 {
                return Err(fail("Eigenvalues did not converge"));
            }
            out[..m].copy_from_slice(&w);
            if vectors {
                // Rows 1..=m: the eigenvectors as columns.
                for i in 0..m {
                    for j in 0..m {
                        out[m + i * m + j] = a[i + j * m];
                    }
                }
            }
        }
        LinalgOp::SvdValues => {
            let k = m.min(n);
            let mut s = vec![T::zero(); k];
            let mut iwork = vec![I::zero(); 8 * k.max(1)];
            let mut work_len = T::zero();
            let (mut u, mut vt) = (T::zero(), T::zero());
            let query = int(0)?.minus_one();
            // SAFETY: a workspace query, then the routine with the size it asked for;
            // no singular vectors are computed (u and vt are not referenced).
            unsafe {
                (r.gesdd)(
                    c"N".as_ptr(),
                    &mi,
                    &int(n)?,
                    a.as_mut_ptr(),
                    &ld,
                    s.as_mut_ptr(),
                    &mut u,
                    &one_i,
                    &mut vt,
                    &one_i,
                    &mut work_len,
                    &query,
                    iwork.as_mut_ptr(),
                    &mut info,
                    1,
                );
                let mut work = vec![T::zero(); work_len.to_usize().max(1)];
                (r.gesdd)(
                    c"N".as_ptr(),
                    &mi,
                    &int(n)?,
                    a.as_mut_ptr(),
                    &ld,
                    s.as_mut_ptr(),
                    &mut u,
                    &one_i,
                    &mut vt,
                    &one_i,
                    work.as_mut_ptr(),
                    &int(work.len())?,
                    iwork.as_mut_ptr(),
                    &mut info,
                    1,
                );
            }
            if info.to_i64() != 0 {
                return Err(fail("SVD did not converge"));
            }
            out.copy_from_slice(&s);
        }
        LinalgOp::Svd | LinalgOp::SvdFull => {
            let full = op == LinalgOp::SvdFull;
            orthogonal::svd(r, (m, n), a, full, out, &int, &fail)?;
        }
        LinalgOp::Qr | LinalgOp::QrComplete => {
            let complete = op == LinalgOp::QrComplete;
            orthogonal::qr(r, (m, n), a, complete, out, &int)?;
        }
        LinalgOp::EigValues | LinalgOp::Eig => {
            eigen::eig(r, m, a, op == LinalgOp::Eig, out, &int, &fail)?;
        }
    }
    Ok(())
}
