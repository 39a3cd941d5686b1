//! Storage the executor allocates: zeroed, 64-byte aligned, from the OS's untouched
//! pages where large (with a hint for 2 MiB pages), and OutOfMemory instead of an
//! abort when an allocation fails.

use std::sync::OnceLock;

use lazyfuse_ir::{DType, Value};
use ndarray::{ArrayD, IxDyn};

use crate::error::CodegenError;

/// Asks the kernel for 2 MiB pages under a large fresh allocation: a fresh 80 MB output
/// otherwise takes ~20,000 page faults on first write, which can cost as much as the
/// kernel (measured: a fused 10-op chain on 10M float64 takes 37 ms without, 14 ms with;
/// `cargo bench -p lazyfuse-codegen --bench cpu`). NumPy does the same for arrays of
/// 4 MB and more. Only a hint; where the OS compacts memory synchronously to find huge
/// pages a call can occasionally stall. `LAZYFUSE_HUGE_PAGES=0` switches it off.
pub(super) fn prefer_huge_pages(ptr: *const u8, bytes: usize) {
    const HUGE: usize = 2 << 20;
    static ENABLED: OnceLock<bool> = OnceLock::new();
    let enabled =
        *ENABLED.get_or_init(|| std::env::var("LAZYFUSE_HUGE_PAGES").map_or(true, |v| v != "0"));
    if bytes < 2 * HUGE || !enabled {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let start = (ptr as usize).div_ceil(HUGE) * HUGE;
        let end = (ptr as usize + bytes) / HUGE * HUGE;
        if end > start {
            // SAFETY: the range lies inside an allocation we own; MADV_HUGEPAGE only
            // changes how the kernel backs it, never its contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}

pub(super) fn zeros(dtype: DType, shape: &[usize]) -> Result<Value, CodegenError> {
    let s = IxDyn(shape);
    let value = zeros_untouched(dtype, s)?;
    lazyfuse_ir::with_value!(&value, a => prefer_huge_pages(a.as_ptr().cast::<u8>(), a.len() * dtype.size_bytes()));
    Ok(value)
}

/// Zeroed storage (large ones come from the OS as untouched zero pages) whose first
/// element is 64-byte aligned (a cache line; whole vectors for every SIMD width).
pub(super) fn zeros_untouched(dtype: DType, s: IxDyn) -> Result<Value, CodegenError> {
    Ok(lazyfuse_ir::with_dtype!(dtype, T => Value::from_array(aligned_zeros::<T>(s)?)))
}

/// The element types whose all-zero bytes are their zero value (`false`, `0`, `+0.0`).
trait ZeroBytes: Copy + Default {}
macro_rules! zero_bytes {
    ($($t:ty),*) => {$(impl ZeroBytes for $t {})*};
}
zero_bytes!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
zero_bytes!(lazyfuse_ir::half::f16);
zero_bytes!(
    lazyfuse_ir::num_complex::Complex32,
    lazyfuse_ir::num_complex::Complex64
);

/// `len` zeros from the allocator's zeroed memory (calloc: large ones are untouched
/// pages), or OutOfMemory where the allocation fails: never an abort.
fn try_zeroed_vec<T: ZeroBytes>(len: usize) -> Result<Vec<T>, CodegenError> {
    let too_big = || CodegenError::OutOfMemory {
        bytes: len.saturating_mul(std::mem::size_of::<T>()),
    };
    let layout = std::alloc::Layout::array::<T>(len).map_err(|_| too_big())?;
    if layout.size() == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
    if ptr.is_null() {
        return Err(too_big());
    }
    // SAFETY: allocated by the global allocator with T's layout for `len` elements, all
    // initialised (zero bytes are a valid T: ZeroBytes).
    Ok(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

/// A C-contiguous zeroed array starting on a 64-byte boundary: the allocation is one
/// cache line longer and the array a slice of it (its storage owns the whole).
fn aligned_zeros<T: ZeroBytes>(s: IxDyn) -> Result<ArrayD<T>, CodegenError> {
    const ALIGN: usize = 64;
    let size = std::mem::size_of::<T>().max(1);
    let n = ndarray::Dimension::size(&s);
    let slack = ALIGN / size;
    let data = try_zeroed_vec::<T>(
        n.checked_add(slack)
            .ok_or(CodegenError::OutOfMemory { bytes: usize::MAX })?,
    )?;
    let misalignment = data.as_ptr() as usize % ALIGN;
    let skip = if misalignment == 0 {
        0
    } else {
        (ALIGN - misalignment) / size
    };
    let flat = ndarray::Array1::from_vec(data).slice_move(ndarray::s![skip..skip + n]);
    Ok(flat
        .into_shape_with_order(s)
        .expect("a contiguous slice takes any shape of its size"))
}

/// Storage a run's kernels write in full before anything reads it (decided per plan by
/// `storage::written_first`): allocated without clearing, laid out as `aligned_zeros`
/// lays out its arrays (first element on a 64-byte boundary; only the slack around it
/// is cleared), and a value once the run has written it.
pub(super) struct Uninit {
    ptr: std::ptr::NonNull<u8>,
    layout: std::alloc::Layout,
    dtype: DType,
    shape: Vec<usize>,
    /// Elements before the first one (alignment slack).
    skip: usize,
}

// SAFETY: plain memory owned by this value; kernels write it through raw pointers
// while `Memory` holds it, as they write the zeroed temporaries.
unsafe impl Send for Uninit {}
unsafe impl Sync for Uninit {}

/// `LAZYFUSE_POISON_TEMPS=1` (tests): uninitialised storage starts as 0xFF bytes (NaN,
/// -1; `true` for bool), so a kernel reading it before writing shows up in results.
pub(super) fn poison() -> bool {
    static POISON: OnceLock<bool> = OnceLock::new();
    *POISON.get_or_init(|| std::env::var("LAZYFUSE_POISON_TEMPS").is_ok_and(|v| v == "1"))
}

impl Uninit {
    /// Storage for a C-contiguous array of `shape` (at least one element).
    pub(super) fn new(dtype: DType, shape: &[usize]) -> Result<Uninit, CodegenError> {
        const ALIGN: usize = 64;
        let size = dtype.size_bytes();
        let n: usize = shape.iter().product();
        let oom = || CodegenError::OutOfMemory {
            bytes: n.saturating_mul(size),
        };
        let cap = n.checked_add(ALIGN / size).ok_or_else(oom)?;
        let layout = lazyfuse_ir::with_dtype!(dtype, T => std::alloc::Layout::array::<T>(cap))
            .map_err(|_| oom())?;
        // SAFETY: the layout has a non-zero size (cap >= ALIGN / size >= 1).
        let raw = unsafe { std::alloc::alloc(layout) };
        let ptr = std::ptr::NonNull::new(raw).ok_or_else(oom)?;
        let misalignment = raw as usize % ALIGN;
        let skip = if misalignment == 0 {
            0
        } else {
            (ALIGN - misalignment) / size
        };
        // SAFETY: all ranges lie inside the allocation of cap * size bytes.
        unsafe {
            std::ptr::write_bytes(raw, 0, skip * size);
            let end = (skip + n) * size;
            std::ptr::write_bytes(raw.add(end), 0, layout.size() - end);
            if poison() {
                let byte = if dtype == DType::Bool { 1 } else { 0xFF };
                std::ptr::write_bytes(raw.add(skip * size), byte, n * size);
            }
        }
        prefer_huge_pages(raw, layout.size());
        Ok(Uninit {
            ptr,
            layout,
            dtype,
            shape: shape.to_vec(),
            skip,
        })
    }

    /// Element 0.
    pub(super) fn as_mut_ptr(&mut self) -> *mut u8 {
        // SAFETY: skip elements lie inside the allocation.
        unsafe { self.ptr.as_ptr().add(self.skip * self.dtype.size_bytes()) }
    }

    /// The array the run wrote.
    ///
    /// # Safety
    /// Every element has been written with a valid value of the dtype (a bool 0 or 1).
    pub(super) unsafe fn into_value(self) -> Value {
        let mut this = std::mem::ManuallyDrop::new(self);
        let dims = std::mem::take(&mut this.shape);
        let n: usize = dims.iter().product();
        let shape = IxDyn(&dims);
        lazyfuse_ir::with_dtype!(this.dtype, T => {
            let cap = this.layout.size() / std::mem::size_of::<T>();
            // SAFETY: allocated with Layout::array::<T>(cap); the slack was cleared and
            // the caller guarantees the elements were written: all cap are initialised.
            let data = Vec::from_raw_parts(this.ptr.as_ptr().cast::<T>(), cap, cap);
            let flat = ndarray::Array1::from_vec(data).slice_move(ndarray::s![this.skip..this.skip + n]);
            Value::from_array(flat.into_shape_with_order(shape).expect("a contiguous slice takes any shape of its size"))
        })
    }
}

impl Drop for Uninit {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; never turned into a value (that
        // path does not drop).
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}
