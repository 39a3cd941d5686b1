//! The BLAS the matrix products call: `cblas_?gemm` (and `?dot`) of the OpenBLAS this
//! crate links (32-bit sizes), or, for GEMM, NumPy's own OpenBLAS when the process has
//! loaded it: the `scipy_openblas64_` library bundled in NumPy's PyPI wheels (64-bit
//! sizes, prefixed symbols), found among the loaded objects on first use.
//!
//! Why: Debian's OpenBLAS 0.3.21 ran a 1024 x 1024 float64 GEMM in 48 ms and a float32
//! one in 26 ms on this project's 2-core AMD EPYC, NumPy's 0.3.31 in 30 and 13 ms (same
//! process, interleaved). Using NumPy's library makes a lazyfuse product as fast as
//! NumPy's wherever NumPy ships one, and adds no thread pool of its own.
//! `LAZYFUSE_BLAS=system` keeps the linked one.

use std::ffi::{c_void, CStr};
use std::sync::OnceLock;

use lazyfuse_ir::DType;

pub(super) const ROW_MAJOR: i32 = 101;
pub(super) const NO_TRANS: i32 = 111;
pub(super) const TRANS: i32 = 112;

extern "C" {
    fn cblas_dgemm(
        layout: i32,
        ta: i32,
        tb: i32,
        m: i32,
        n: i32,
        k: i32,
        alpha: f64,
        a: *const f64,
        lda: i32,
        b: *const f64,
        ldb: i32,
        beta: f64,
        c: *mut f64,
        ldc: i32,
    );
    fn cblas_zgemm(
        layout: i32,
        ta: i32,
        tb: i32,
        m: i32,
        n: i32,
        k: i32,
        alpha: *const f64,
        a: *const f64,
        lda: i32,
        b: *const f64,
        ldb: i32,
        beta: *const f64,
        c: *mut f64,
        ldc: i32,
    );
    // (Declared over f64 pointers like zgemm: complex64 data is passed by address.)
    fn cblas_cgemm(
        layout: i32,
        ta: i32,
        tb: i32,
        m: i32,
        n: i32,
        k: i32,
        alpha: *const f64,
        a: *const f64,
        lda: i32,
        b: *const f64,
        ldb: i32,
        beta: *const f64,
        c: *mut f64,
        ldc: i32,
    );
    pub(super) fn cblas_ddot(n: i32, x: *const f64, incx: i32, y: *const f64, incy: i32) -> f64;
    pub(super) fn cblas_sdot(n: i32, x: *const f32, incx: i32, y: *const f32, incy: i32) -> f32;
    fn cblas_sgemm(
        layout: i32,
        ta: i32,
        tb: i32,
        m: i32,
        n: i32,
        k: i32,
        alpha: f32,
        a: *const f32,
        lda: i32,
        b: *const f32,
        ldb: i32,
        beta: f32,
        c: *mut f32,
        ldc: i32,
    );
}

/// A real GEMM of the 64-bit interface (`scipy_cblas_?gemm64_`).
type Gemm64<T> = unsafe extern "C" fn(
    i32,
    i32,
    i32,
    i64,
    i64,
    i64,
    T,
    *const T,
    i64,
    *const T,
    i64,
    T,
    *mut T,
    i64,
);

/// A complex GEMM of the 64-bit interface: alpha and beta by address.
type ComplexGemm64 = unsafe extern "C" fn(
    i32,
    i32,
    i32,
    i64,
    i64,
    i64,
    *const f64,
    *const f64,
    i64,
    *const f64,
    i64,
    *const f64,
    *mut f64,
    i64,
);

/// NumPy's OpenBLAS GEMMs.
struct NumpyBlas {
    dgemm: Gemm64<f64>,
    sgemm: Gemm64<f32>,
    zgemm: ComplexGemm64,
    cgemm: ComplexGemm64,
}

/// NumPy's OpenBLAS, if the process has loaded it (looked up once).
fn numpy_blas() -> Option<&'static NumpyBlas> {
    static BLAS: OnceLock<Option<NumpyBlas>> = OnceLock::new();
    BLAS.get_or_init(find_numpy_blas).as_ref()
}

/// A symbol of NumPy's OpenBLAS (`scipy_...64_`), if the process has loaded it and
/// `LAZYFUSE_BLAS=system` does not keep the linked one.
pub(super) fn numpy_symbol(name: &CStr) -> Option<*mut c_void> {
    #[derive(Clone, Copy)]
    struct Handle(*mut c_void);
    // SAFETY: a dlopen handle is a process-wide reference, usable from any thread.
    unsafe impl Send for Handle {}
    unsafe impl Sync for Handle {}
    static HANDLE: OnceLock<Option<Handle>> = OnceLock::new();
    let handle = HANDLE.get_or_init(|| {
        if std::env::var("LAZYFUSE_BLAS").is_ok_and(|v| v == "system") {
            return None;
        }
        numpy_library().map(Handle)
    });
    let handle = (*handle)?;
    // SAFETY: dlsym looks a name up in a loaded object (never unloaded: see numpy_library).
    let p = unsafe { libc::dlsym(handle.0, name.as_ptr()) };
    (!p.is_null()).then_some(p)
}

#[cfg(not(target_os = "linux"))]
fn numpy_library() -> Option<*mut c_void> {
    None
}

/// NumPy's OpenBLAS among the loaded objects: a dlopen handle to it.
#[cfg(target_os = "linux")]
fn numpy_library() -> Option<*mut c_void> {
    use std::ffi::CString;
    // The loaded objects' paths.
    unsafe extern "C" fn collect(
        info: *mut libc::dl_phdr_info,
        _size: usize,
        data: *mut c_void,
    ) -> libc::c_int {
        // SAFETY: dl_iterate_phdr passes a valid info and our Vec's address.
        unsafe {
            let paths = &mut *(data as *mut Vec<CString>);
            let name = (*info).dlpi_name;
            if !name.is_null() {
                paths.push(CStr::from_ptr(name).to_owned());
            }
        }
        0
    }
    let mut paths: Vec<CString> = Vec::new();
    // SAFETY: the callback only reads the entries and pushes to `paths`.
    unsafe { libc::dl_iterate_phdr(Some(collect), &mut paths as *mut _ as *mut c_void) };
    let path = paths.iter().find(|p| {
        p.to_bytes()
            .windows(19)
            .any(|w| w == b"libscipy_openblas64")
    })?;
    // SAFETY: RTLD_NOLOAD only takes a reference to an object already loaded (it is
    // never unloaded: the reference is not closed); dlsym looks up symbols in it.
    let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD) };
    (!handle.is_null()).then_some(handle)
}

fn find_numpy_blas() -> Option<NumpyBlas> {
    let symbol = numpy_symbol;
    // SAFETY: each symbol is the named CBLAS routine of the 64-bit interface, whose
    // signature the type spells out.
    unsafe {
        Some(NumpyBlas {
            dgemm: std::mem::transmute::<*mut c_void, Gemm64<f64>>(symbol(
                c"scipy_cblas_dgemm64_",
            )?),
            sgemm: std::mem::transmute::<*mut c_void, Gemm64<f32>>(symbol(
                c"scipy_cblas_sgemm64_",
            )?),
            zgemm: std::mem::transmute::<*mut c_void, ComplexGemm64>(symbol(
                c"scipy_cblas_zgemm64_",
            )?),
            cgemm: std::mem::transmute::<*mut c_void, ComplexGemm64>(symbol(
                c"scipy_cblas_cgemm64_",
            )?),
        })
    }
}

/// Which BLAS the products call: "numpy" (NumPy's OpenBLAS) or "system".
pub fn blas_in_use() -> &'static str {
    if numpy_blas().is_some() {
        "numpy"
    } else {
        "system"
    }
}

/// A row-major BLAS GEMM's transposes, sizes and leading dimensions.
pub(super) struct BlasGemm {
    pub(super) ta: i32,
    pub(super) tb: i32,
    pub(super) m: i32,
    pub(super) n: i32,
    pub(super) k: i32,
    pub(super) lda: i32,
    pub(super) ldb: i32,
    pub(super) ldc: i32,
}

/// `C = A B` by BLAS's `cblas_?gemm` for `dtype` (float or complex).
///
/// # Safety
/// `a`, `b` and `c` must address `dtype` elements that `g` describes exactly.
pub(super) unsafe fn blas_gemm(dtype: DType, g: &BlasGemm, a: *mut u8, b: *mut u8, c: *mut u8) {
    let BlasGemm {
        ta,
        tb,
        m,
        n,
        k,
        lda,
        ldb,
        ldc,
    } = *g;
    // Complex alpha = 1 and beta = 0 by pointer, in the parts' precision.
    let (one64, zero64) = ([1.0f64, 0.0], [0.0f64, 0.0]);
    let (one32, zero32) = ([1.0f32, 0.0], [0.0f32, 0.0]);
    let (one, zero): (*const f64, *const f64) = if dtype == DType::C128 {
        (one64.as_ptr(), zero64.as_ptr())
    } else {
        (one32.as_ptr() as _, zero32.as_ptr() as _)
    };
    // One call shape for every GEMM: the library's function and its integer type.
    macro_rules! gemm {
        ($f:expr, $int:ty, $alpha:expr, $beta:expr) => {
            $f(
                ROW_MAJOR,
                ta,
                tb,
                m as $int,
                n as $int,
                k as $int,
                $alpha,
                a as _,
                lda as $int,
                b as _,
                ldb as $int,
                $beta,
                c as _,
                ldc as $int,
            )
        };
    }
    // SAFETY: forwarded from the caller; complex alpha and beta are read through
    // pointers to values that outlive the call.
    unsafe {
        match (numpy_blas(), dtype) {
            (Some(blas), DType::F64) => gemm!(blas.dgemm, i64, 1.0, 0.0),
            (Some(blas), DType::F32) => gemm!(blas.sgemm, i64, 1.0, 0.0),
            (Some(blas), DType::C128) => gemm!(blas.zgemm, i64, one, zero),
            (Some(blas), _) => gemm!(blas.cgemm, i64, one, zero),
            (None, DType::F64) => gemm!(cblas_dgemm, i32, 1.0, 0.0),
            (None, DType::F32) => gemm!(cblas_sgemm, i32, 1.0, 0.0),
            (None, DType::C128) => gemm!(cblas_zgemm, i32, one, zero),
            (None, _) => gemm!(cblas_cgemm, i32, one, zero),
        }
    }
}
