//! Data lazyfuse does not own: memory borrowed from another library (a NumPy array),
//! kept alive by an owner handle, and read in place by the compiled backend.
//!
//! The memory is read when the program runs, not when the leaf is made: like a NumPy
//! view, writing to the owner's data before evaluation changes the result. Leaves made
//! through a [`BufferCell`] are the exception: the cell's owner (a mutable array base)
//! moves them to a snapshot before it writes, so they keep the version they were made of.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::error::IrError;
use crate::shape::TensorType;
use crate::value::Value;

/// A borrowed strided buffer and the handle that keeps it alive.
#[derive(Clone)]
pub struct External {
    ty: TensorType,
    location: Location,
    strides: Vec<isize>,
}

/// Where element 0 is.
#[derive(Clone)]
enum Location {
    /// A fixed address (kept as an integer so the type is Send and Sync) and its owner.
    Fixed {
        address: usize,
        _owner: Arc<dyn Any + Send + Sync>,
    },
    /// `offset` bytes into a cell's memory, wherever the cell points now.
    InCell {
        cell: Arc<BufferCell>,
        offset: usize,
    },
}

/// A span of bytes that leaves read through, which can be moved to a private snapshot.
///
/// A mutable array base (the Python frontend's model of a NumPy array) owns one cell
/// per version of its buffer: every lazy read of the base is a leaf in the cell. Before
/// writing the buffer in place the base asks [`BufferCell::readers`]; if pending leaves
/// exist it calls [`BufferCell::snapshot`], which copies the bytes and points the cell
/// (so every leaf in it) at the copy, then makes a new cell for the buffer. Pending
/// programs so read the values they were built over, as NumPy's eager order would give.
pub struct BufferCell {
    span: usize,
    target: Mutex<CellTarget>,
}

struct CellTarget {
    start: usize,
    _owner: Arc<dyn Any + Send + Sync>,
}

impl BufferCell {
    /// A cell over `span` bytes from `start`.
    ///
    /// # Safety
    /// While `owner` lives, the bytes `start..start + span` must stay allocated and
    /// readable; they may be written only when no program reading a leaf in this cell
    /// runs (the owner calls `snapshot` first when leaves are pending).
    pub unsafe fn new(
        start: *const u8,
        span: usize,
        owner: Arc<dyn Any + Send + Sync>,
    ) -> Arc<BufferCell> {
        Arc::new(BufferCell {
            span,
            target: Mutex::new(CellTarget {
                start: start as usize,
                _owner: owner,
            }),
        })
    }

    /// The first byte the cell covers now.
    pub fn start(&self) -> *const u8 {
        self.target.lock().expect("buffer cell").start as *const u8
    }

    /// Bytes covered.
    pub fn span(&self) -> usize {
        self.span
    }

    /// Leaves (and programs) holding this cell, besides `cell` itself.
    pub fn readers(cell: &Arc<BufferCell>) -> usize {
        Arc::strong_count(cell) - 1
    }

    /// Copies the bytes into memory the cell owns and points the cell at the copy:
    /// leaves in the cell read the values as they are now, whatever is written to the
    /// original bytes afterwards.
    ///
    /// Fails, changing nothing, if the copy cannot be allocated (the caller reports
    /// it; an allocation failure must not abort). Large spans are copied by several
    /// threads (the copy, and the page faults of fresh memory, are what a write after
    /// a pending read costs).
    pub fn snapshot(&self) -> Result<(), SnapshotError> {
        let mut target = self.target.lock().expect("buffer cell");
        // u64 words: aligned for every element type.
        let words = self.span.div_ceil(8);
        let mut copy: Vec<u64> = Vec::new();
        copy.try_reserve_exact(words)
            .map_err(|_| SnapshotError { bytes: self.span })?;
        let (from, to) = (target.start, copy.as_mut_ptr() as usize);
        let pieces = copy_pieces(self.span);
        let piece = self.span.div_ceil(pieces);
        let copy_range = |k: usize| {
            let lo = (k * piece).min(self.span);
            let hi = ((k + 1) * piece).min(self.span);
            // SAFETY: `new`'s contract: the span is readable while the owner lives
            // (held in `target`, locked); the copy has capacity for `span` bytes and
            // the pieces are disjoint.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    (from + lo) as *const u8,
                    (to + lo) as *mut u8,
                    hi - lo,
                );
            }
        };
        if pieces == 1 {
            copy_range(0);
        } else {
            std::thread::scope(|s| {
                for k in 1..pieces {
                    s.spawn(move || copy_range(k));
                }
                copy_range(0);
            });
        }
        // SAFETY: every byte of the `words` words was written above (the last word's
        // padding bytes beyond `span` are never read as elements, but are initialised
        // here so the Vec holds no uninitialised memory).
        unsafe {
            let tail = words * 8 - self.span;
            std::ptr::write_bytes((to + self.span) as *mut u8, 0, tail);
            copy.set_len(words);
        }
        let copy: Arc<Vec<u64>> = Arc::new(copy);
        target.start = copy.as_ptr() as usize;
        target._owner = copy;
        Ok(())
    }
}

/// A snapshot's copy could not be allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotError {
    /// The bytes it needed.
    pub bytes: usize,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "snapshot of a buffer before a write: cannot allocate {} bytes",
            self.bytes
        )
    }
}

/// How many threads copy a snapshot of `span` bytes: one below 16 MiB (a thread's
/// start costs more than it saves), else up to four.
fn copy_pieces(span: usize) -> usize {
    const PER_THREAD: usize = 16 << 20;
    // Asked once: `available_parallelism` reads cgroup files, 54 µs a call here, and
    // snapshots are taken inside element loops.
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads =
        *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    (span / PER_THREAD).clamp(1, threads.min(4))
}

impl fmt::Debug for BufferCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BufferCell({} bytes at {:p})", self.span, self.start())
    }
}

impl External {
    /// A leaf's data at `ptr` (element 0) with `strides` in elements.
    ///
    /// # Safety
    /// While `owner` lives, `ptr` must stay aligned for `ty`'s dtype and every element
    /// `ptr + Σ i_k strides[k]` (`i_k < shape[k]`) readable and initialised (bool: a
    /// byte of 0 or 1); nobody may write it while a program reading it runs.
    pub unsafe fn new(
        ty: TensorType,
        ptr: *const u8,
        strides: Vec<isize>,
        owner: Arc<dyn Any + Send + Sync>,
    ) -> Result<External, IrError> {
        External::located(
            ty,
            Location::Fixed {
                address: ptr as usize,
                _owner: owner,
            },
            strides,
        )
    }

    /// A leaf at `location`, its strides checked against its type.
    fn located(
        ty: TensorType,
        location: Location,
        strides: Vec<isize>,
    ) -> Result<External, IrError> {
        if strides.len() != ty.shape.ndim() {
            return Err(IrError::invalid(
                "external",
                format!(
                    "{} strides for a {}-d array",
                    strides.len(),
                    ty.shape.ndim()
                ),
            ));
        }
        Ok(External {
            ty,
            location,
            strides,
        })
    }

    /// A leaf whose element 0 is `offset` bytes into `cell`, with `strides` in elements.
    ///
    /// # Safety
    /// Every element `offset + Σ i_k strides[k] * itemsize` (`i_k < shape[k]`) must lie
    /// in the cell's span, aligned for `ty`'s dtype wherever the cell points (the span
    /// starts 8-byte aligned and `offset` is a multiple of the itemsize), and hold a
    /// valid value of the dtype (bool: a byte of 0 or 1).
    pub unsafe fn in_cell(
        ty: TensorType,
        cell: Arc<BufferCell>,
        offset: usize,
        strides: Vec<isize>,
    ) -> Result<External, IrError> {
        External::located(ty, Location::InCell { cell, offset }, strides)
    }

    /// dtype and shape.
    pub fn ty(&self) -> &TensorType {
        &self.ty
    }

    /// Element 0 (for a leaf in a cell: where the cell points now).
    pub fn ptr(&self) -> *const u8 {
        match &self.location {
            Location::Fixed { address, .. } => *address as *const u8,
            Location::InCell { cell, offset } => cell.start().wrapping_add(*offset),
        }
    }

    /// Strides in elements.
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// Whether `other` reads the same elements: the same type and strides at the same
    /// place (the same address, or the same offset into the same cell, which is one
    /// version of a buffer). A program binds such leaves to one input.
    pub fn same_elements(&self, other: &External) -> bool {
        let place = match (&self.location, &other.location) {
            (Location::Fixed { address: a, .. }, Location::Fixed { address: b, .. }) => a == b,
            (Location::InCell { cell: a, offset: i }, Location::InCell { cell: b, offset: j }) => {
                Arc::ptr_eq(a, b) && i == j
            }
            _ => false,
        };
        place && self.ty == other.ty && self.strides == other.strides
    }

    /// Where element 0 is, as a key: (the address, or the cell's identity, and the
    /// offset into it). Leaves that [`External::same_elements`] have equal keys.
    pub fn place(&self) -> (usize, usize) {
        match &self.location {
            Location::Fixed { address, .. } => (*address, usize::MAX),
            Location::InCell { cell, offset } => (Arc::as_ptr(cell) as usize, *offset),
        }
    }

    /// A copy of the elements as an owned value (for backends that need one).
    pub fn to_value(&self) -> Value {
        // SAFETY: `new`'s contract holds while self (and so the owner) lives.
        unsafe {
            Value::gather(
                self.ptr(),
                self.ty.dtype,
                0,
                &self.strides,
                self.ty.shape.dims(),
            )
        }
    }
}

impl fmt::Debug for External {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "External({} at {:p}, strides {:?})",
            self.ty,
            self.ptr(),
            self.strides
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_keeps_the_bytes_as_they_were_and_copies_large_spans_in_pieces() {
        // 40 MiB and an odd length: copied in pieces (on a machine with several
        // threads), with a partial last word.
        for len in [13usize, (40 << 20) + 5] {
            let original: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let data = Arc::new(Mutex::new(original.clone()));
            let start = data.lock().unwrap().as_ptr();
            // SAFETY: the Vec is never resized, so its bytes stay allocated while `data`
            // (the owner) lives; it is written below only after the snapshot.
            let cell = unsafe { BufferCell::new(start, len, data.clone()) };
            cell.snapshot().unwrap();
            data.lock().unwrap().iter_mut().for_each(|b| *b = 0);
            // SAFETY: the cell now points at its own copy of `len` bytes.
            let seen = unsafe { std::slice::from_raw_parts(cell.start(), len) };
            assert!(
                seen == original.as_slice(),
                "snapshot of {len} bytes changed"
            );
            assert_ne!(cell.start(), start);
        }
    }
}
