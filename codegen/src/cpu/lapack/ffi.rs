//! The LAPACK routines lazyfuse calls, by precision and integer width: NumPy's OpenBLAS's
//! ILP64 symbols where the process has loaded them, else the system OpenBLAS's.

use std::ffi::{c_char, c_void, CStr};
use std::sync::OnceLock;

use lazyfuse_ir::Element;

use super::super::blas;

/// LAPACK's integer: i64 (NumPy's ILP64 OpenBLAS) or i32 (the system's).
pub(super) trait LapackInt: Copy + Send + Sync + 'static {
    fn from_usize(v: usize) -> Option<Self>;
    fn to_i64(self) -> i64;
    fn zero() -> Self;
    fn minus_one(self) -> Self;
}

macro_rules! lapack_int {
    ($t:ty) => {
        impl LapackInt for $t {
            fn from_usize(v: usize) -> Option<$t> {
                <$t>::try_from(v).ok()
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn zero() -> $t {
                0
            }
            fn minus_one(self) -> $t {
                -1
            }
        }
    };
}
lapack_int!(i32);
lapack_int!(i64);

/// float32 and float64.
pub(super) trait Real:
    Element
    + Copy
    + Send
    + Sync
    + PartialOrd
    + std::ops::Neg<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Add<Output = Self>
{
    fn zero() -> Self;
    fn one() -> Self;
    fn neg_infinity() -> Self;
    fn abs(self) -> Self;
    fn ln(self) -> Self;
    fn exp(self) -> Self;
    fn to_usize(self) -> usize;
    fn is_finite(self) -> bool;
}

macro_rules! real {
    ($t:ty) => {
        impl Real for $t {
            fn zero() -> $t {
                0.0
            }
            fn one() -> $t {
                1.0
            }
            fn neg_infinity() -> $t {
                <$t>::NEG_INFINITY
            }
            fn abs(self) -> $t {
                <$t>::abs(self)
            }
            fn ln(self) -> $t {
                <$t>::ln(self)
            }
            fn exp(self) -> $t {
                <$t>::exp(self)
            }
            fn to_usize(self) -> usize {
                self as usize
            }
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
        }
    };
}
real!(f32);
real!(f64);

/// `?gesv`: solves a x = b in place (LU with partial pivoting).
pub(super) type Gesv<I, T> =
    unsafe extern "C" fn(*const I, *const I, *mut T, *const I, *mut I, *mut T, *const I, *mut I);
/// `?getrf`: the LU factors in place.
pub(super) type Getrf<I, T> =
    unsafe extern "C" fn(*const I, *const I, *mut T, *const I, *mut I, *mut I);
/// `?potrf`: the Cholesky factor in place.
pub(super) type Potrf<I, T> =
    unsafe extern "C" fn(*const c_char, *const I, *mut T, *const I, *mut I, usize);
/// `?syevd`: a symmetric matrix's eigenvalues (and vectors, in place).
pub(super) type Syevd<I, T> = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const I,
    *mut T,
    *const I,
    *mut T,
    *mut T,
    *const I,
    *mut I,
    *const I,
    *mut I,
    usize,
    usize,
);
/// `?gesdd`: singular values (and vectors).
pub(super) type Gesdd<I, T> = unsafe extern "C" fn(
    *const c_char,
    *const I,
    *const I,
    *mut T,
    *const I,
    *mut T,
    *mut T,
    *const I,
    *mut T,
    *const I,
    *mut T,
    *const I,
    *mut I,
    *mut I,
    usize,
);

/// `?geqrf`: the QR factors in place (r above the diagonal, the reflectors below).
pub(super) type Geqrf<I, T> =
    unsafe extern "C" fn(*const I, *const I, *mut T, *const I, *mut T, *mut T, *const I, *mut I);
/// `?orgqr`: the orthogonal q from geqrf's reflectors, in place.
pub(super) type Orgqr<I, T> = unsafe extern "C" fn(
    *const I,
    *const I,
    *const I,
    *mut T,
    *const I,
    *const T,
    *mut T,
    *const I,
    *mut I,
);

/// `?geev`: a general matrix's eigenvalues (and eigenvectors).
pub(super) type Geev<I, T> = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const I,
    *mut T,
    *const I,
    *mut T,
    *mut T,
    *mut T,
    *const I,
    *mut T,
    *const I,
    *mut T,
    *const I,
    *mut I,
    usize,
    usize,
);

/// The routines of one precision and integer width (Fortran interface: every argument
/// by address, then the lengths of the character arguments).
pub(super) struct Routines<I, T> {
    pub(super) gesv: Gesv<I, T>,
    pub(super) getrf: Getrf<I, T>,
    pub(super) potrf: Potrf<I, T>,
    pub(super) syevd: Syevd<I, T>,
    pub(super) gesdd: Gesdd<I, T>,
    pub(super) geqrf: Geqrf<I, T>,
    pub(super) orgqr: Orgqr<I, T>,
    pub(super) geev: Geev<I, T>,
}

/// Both precisions of one library.
pub(super) struct Table<I> {
    pub(super) s: Routines<I, f32>,
    pub(super) d: Routines<I, f64>,
}

pub(super) enum Lapack {
    Wide(Table<i64>),
    Narrow(Table<i32>),
}

extern "C" {
    fn sgesv_(
        n: *const i32,
        k: *const i32,
        a: *mut f32,
        lda: *const i32,
        p: *mut i32,
        b: *mut f32,
        ldb: *const i32,
        info: *mut i32,
    );
    fn dgesv_(
        n: *const i32,
        k: *const i32,
        a: *mut f64,
        lda: *const i32,
        p: *mut i32,
        b: *mut f64,
        ldb: *const i32,
        info: *mut i32,
    );
    fn sgetrf_(
        m: *const i32,
        n: *const i32,
        a: *mut f32,
        lda: *const i32,
        p: *mut i32,
        info: *mut i32,
    );
    fn dgetrf_(
        m: *const i32,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        p: *mut i32,
        info: *mut i32,
    );
    fn spotrf_(
        uplo: *const c_char,
        n: *const i32,
        a: *mut f32,
        lda: *const i32,
        info: *mut i32,
        len: usize,
    );
    fn dpotrf_(
        uplo: *const c_char,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        info: *mut i32,
        len: usize,
    );
    fn ssyevd_(
        jobz: *const c_char,
        uplo: *const c_char,
        n: *const i32,
        a: *mut f32,
        lda: *const i32,
        w: *mut f32,
        work: *mut f32,
        lwork: *const i32,
        iwork: *mut i32,
        liwork: *const i32,
        info: *mut i32,
        l1: usize,
        l2: usize,
    );
    fn dsyevd_(
        jobz: *const c_char,
        uplo: *const c_char,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        w: *mut f64,
        work: *mut f64,
        lwork: *const i32,
        iwork: *mut i32,
        liwork: *const i32,
        info: *mut i32,
        l1: usize,
        l2: usize,
    );
    fn sgesdd_(
        jobz: *const c_char,
        m: *const i32,
        n: *const i32,
        a: *mut f32,
        lda: *const i32,
        s: *mut f32,
        u: *mut f32,
        ldu: *const i32,
        vt: *mut f32,
        ldvt: *const i32,
        work: *mut f32,
        lwork: *const i32,
        iwork: *mut i32,
        info: *mut i32,
        len: usize,
    );
    fn dgesdd_(
        jobz: *const c_char,
        m: *const i32,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        s: *mut f64,
        u: *mut f64,
        ldu: *const i32,
        vt: *mut f64,
        ldvt: *const i32,
        work: *mut f64,
        lwork: *const i32,
        iwork: *mut i32,
        info: *mut i32,
        len: usize,
    );
    fn sgeqrf_(
        m: *const i32,
        n: *const i32,
        a: *mut f32,
        lda: *const i32,
        tau: *mut f32,
        work: *mut f32,
        lwork: *const i32,
        info: *mut i32,
    );
    fn sorgqr_(
        m: *const i32,
        n: *const i32,
        k: *const i32,
        a: *mut f32,
        lda: *const i32,
        tau: *const f32,
        work: *mut f32,
        lwork: *const i32,
        info: *mut i32,
    );
    fn dgeqrf_(
        m: *const i32,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        tau: *mut f64,
        work: *mut f64,
        lwork: *const i32,
        info: *mut i32,
    );
    fn dorgqr_(
        m: *const i32,
        n: *const i32,
        k: *const i32,
        a: *mut f64,
        lda: *const i32,
        tau: *const f64,
        work: *mut f64,
        lwork: *const i32,
        info: *mut i32,
    );
    fn sgeev_(
        jobvl: *const c_char,
        jobvr: *const c_char,
        n: *const i32,
        a: *mut f32,
        lda: *const i32,
        wr: *mut f32,
        wi: *mut f32,
        vl: *mut f32,
        ldvl: *const i32,
        vr: *mut f32,
        ldvr: *const i32,
        work: *mut f32,
        lwork: *const i32,
        info: *mut i32,
        l1: usize,
        l2: usize,
    );
    fn dgeev_(
        jobvl: *const c_char,
        jobvr: *const c_char,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        wr: *mut f64,
        wi: *mut f64,
        vl: *mut f64,
        ldvl: *const i32,
        vr: *mut f64,
        ldvr: *const i32,
        work: *mut f64,
        lwork: *const i32,
        info: *mut i32,
        l1: usize,
        l2: usize,
    );
}

/// The LAPACK in use, chosen once: NumPy's where loaded (see `blas::numpy_symbol`).
pub(super) fn lapack() -> &'static Lapack {
    static LAPACK: OnceLock<Lapack> = OnceLock::new();
    LAPACK.get_or_init(|| {
        numpy_lapack().unwrap_or(Lapack::Narrow(Table {
            s: Routines {
                gesv: sgesv_,
                getrf: sgetrf_,
                potrf: spotrf_,
                syevd: ssyevd_,
                gesdd: sgesdd_,
                geqrf: sgeqrf_,
                orgqr: sorgqr_,
                geev: sgeev_,
            },
            d: Routines {
                gesv: dgesv_,
                getrf: dgetrf_,
                potrf: dpotrf_,
                syevd: dsyevd_,
                gesdd: dgesdd_,
                geqrf: dgeqrf_,
                orgqr: dorgqr_,
                geev: dgeev_,
            },
        }))
    })
}

/// NumPy's OpenBLAS's routines (`scipy_dgesv_64_`, ...), if every one is there.
fn numpy_lapack() -> Option<Lapack> {
    let symbol = |name: &CStr| blas::numpy_symbol(name);
    macro_rules! routine {
        ($kind:ident, $t:ty, $name:literal) => {
            // SAFETY: the named LAPACK routine of the ILP64 interface, whose signature
            // the type spells out.
            unsafe { std::mem::transmute::<*mut c_void, $kind<i64, $t>>(symbol($name)?) }
        };
    }
    Some(Lapack::Wide(Table {
        s: Routines {
            gesv: routine!(Gesv, f32, c"scipy_sgesv_64_"),
            getrf: routine!(Getrf, f32, c"scipy_sgetrf_64_"),
            potrf: routine!(Potrf, f32, c"scipy_spotrf_64_"),
            syevd: routine!(Syevd, f32, c"scipy_ssyevd_64_"),
            gesdd: routine!(Gesdd, f32, c"scipy_sgesdd_64_"),
            geqrf: routine!(Geqrf, f32, c"scipy_sgeqrf_64_"),
            orgqr: routine!(Orgqr, f32, c"scipy_sorgqr_64_"),
            geev: routine!(Geev, f32, c"scipy_sgeev_64_"),
        },
        d: Routines {
            gesv: routine!(Gesv, f64, c"scipy_dgesv_64_"),
            getrf: routine!(Getrf, f64, c"scipy_dgetrf_64_"),
            potrf: routine!(Potrf, f64, c"scipy_dpotrf_64_"),
            syevd: routine!(Syevd, f64, c"scipy_dsyevd_64_"),
            gesdd: routine!(Gesdd, f64, c"scipy_dgesdd_64_"),
            geqrf: routine!(Geqrf, f64, c"scipy_dgeqrf_64_"),
            orgqr: routine!(Orgqr, f64, c"scipy_dorgqr_64_"),
            geev: routine!(Geev, f64, c"scipy_dgeev_64_"),
        },
    }))
}
