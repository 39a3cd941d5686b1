//! An allocator for programs that run lazyfuse on large arrays (the Python module's
//! global allocator): the system allocator, except that large blocks (1 MiB and more:
//! outputs and temporaries of big arrays) are kept when freed and handed out again for
//! the next allocation of the same size.
//!
//! Why: a fresh large allocation is new pages from the OS, and a first write to each
//! page faults. A jitted call on 10M float64 allocates its 80 MB output afresh each time
//! (NumPy frees the previous one), and on this project's machines faulting it in costs
//! as much as the computation or far more: pairwise distances into a 4000 x 2500 output
//! varied from 44 to 342 ms per call, the slow calls stalled in the kernel compacting
//! memory for the huge pages the executor asks for. A reused block is already mapped.
//! A block handed out zeroed is cleared with memset (a fraction of the cost of faulting).
//!
//! Bounded: at most `SLOTS` blocks and `LAZYFUSE_BLOCK_CACHE_MB` MiB are kept (by
//! default a sixteenth of the machine's memory, at least 256 MiB and at most 2 GiB);
//! a block freed into a full cache evicts the oldest kept ones, and everything kept
//! goes back to the system when it cannot satisfy an allocation. `LAZYFUSE_BLOCK_CACHE_MB=0` keeps nothing.
//!
//! The default was 256 MiB until a program holding five 80 MB arrays per step (Horner's
//! rule on 10M points, `benches/programs/polynomial_horner.py`) measured 692 ms per run
//! with it, 154 ms with 1 GiB (NumPy: 393-616 ms): the blocks beyond the bound came
//! fresh from the OS each step, each first write a fault.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Blocks at least this large are cached (Floyd-Warshall's 600 x 600 float64 steps
/// allocate 2.9 MB blocks).
const LARGE: usize = 1 << 20;
/// At most this many blocks are kept.
const SLOTS: usize = 16;

#[derive(Clone, Copy)]
struct Block {
    ptr: usize,
    size: usize,
    align: usize,
    /// When it was kept (a count of keeps): the oldest goes first.
    stamp: u64,
}

/// The allocator (see the module documentation). Install it with
/// `#[global_allocator] static A: BlockCache = BlockCache::new();`.
pub struct BlockCache {
    blocks: Mutex<[Option<Block>; SLOTS]>,
    limit: AtomicUsize,
    clock: AtomicU64,
}

impl BlockCache {
    /// An empty cache bounded to 256 MiB until [`BlockCache::configure`] runs.
    pub const fn new() -> BlockCache {
        BlockCache {
            blocks: Mutex::new([None; SLOTS]),
            limit: AtomicUsize::new(256 << 20),
            clock: AtomicU64::new(0),
        }
    }

    /// Reads `LAZYFUSE_BLOCK_CACHE_MB`, else sizes the bound to the machine's memory
    /// (called once at module import; the allocator itself must not allocate, so it
    /// cannot read the environment).
    pub fn configure(&self) {
        let set = std::env::var("LAZYFUSE_BLOCK_CACHE_MB")
            .ok()
            .and_then(|v| v.parse::<usize>().ok());
        let Some(mb) = set else {
            if let Some(memory) = physical_memory() {
                let bound = (memory / 16).clamp(256 << 20, 2 << 30);
                self.limit.store(bound, Ordering::Relaxed);
            }
            return;
        };
        self.limit
            .store(mb.saturating_mul(1 << 20), Ordering::Relaxed);
        if mb == 0 {
            self.release();
        }
    }

    /// Returns every kept block to the system.
    pub fn release(&self) {
        let taken: [Option<Block>; SLOTS] = {
            let mut blocks = self.blocks.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *blocks, [None; SLOTS])
        };
        for b in taken.into_iter().flatten() {
            // SAFETY: each kept block came from System with exactly this layout.
            unsafe {
                System.dealloc(
                    b.ptr as *mut u8,
                    Layout::from_size_align_unchecked(b.size, b.align),
                )
            };
        }
    }

    /// `allocate()`, tried again after returning every kept block to the system if it
    /// fails: memory the cache holds never makes an allocation fail.
    fn or_after_release(&self, allocate: impl Fn() -> *mut u8) -> *mut u8 {
        let p = allocate();
        if !p.is_null() {
            return p;
        }
        self.release();
        allocate()
    }

    /// A kept block of exactly this layout, taken out of the cache.
    fn take(&self, layout: Layout) -> Option<*mut u8> {
        let mut blocks = self.blocks.lock().unwrap_or_else(|e| e.into_inner());
        let slot = blocks.iter_mut().find(
            |b| matches!(b, Some(b) if b.size == layout.size() && b.align == layout.align()),
        )?;
        slot.take().map(|b| b.ptr as *mut u8)
    }

    /// Keeps a freed block, making room by returning the oldest kept blocks to the
    /// system (a program's working set changes: blocks of sizes it no longer uses must
    /// not crowd out the ones it does); false if the caller must free it (a block
    /// larger than the bound).
    fn keep(&self, ptr: *mut u8, layout: Layout) -> bool {
        let limit = self.limit.load(Ordering::Relaxed);
        if layout.size() > limit {
            return false;
        }
        let mut evicted: [Option<Block>; SLOTS] = [None; SLOTS];
        {
            let mut blocks = self.blocks.lock().unwrap_or_else(|e| e.into_inner());
            let stamp = self.clock.fetch_add(1, Ordering::Relaxed);
            loop {
                let held: usize = blocks.iter().flatten().map(|b| b.size).sum();
                let free = blocks.iter().position(Option::is_none);
                if let (Some(slot), true) = (free, held + layout.size() <= limit) {
                    blocks[slot] = Some(Block {
                        ptr: ptr as usize,
                        size: layout.size(),
                        align: layout.align(),
                        stamp,
                    });
                    break;
                }
                let oldest = (0..SLOTS)
                    .filter(|&i| blocks[i].is_some())
                    .min_by_key(|&i| blocks[i].map(|b| b.stamp))
                    .expect("a full cache holds blocks");
                evicted[oldest] = blocks[oldest].take();
            }
        }
        for b in evicted.into_iter().flatten() {
            // SAFETY: each kept block came from System with exactly this layout.
            unsafe {
                System.dealloc(
                    b.ptr as *mut u8,
                    Layout::from_size_align_unchecked(b.size, b.align),
                )
            };
        }
        true
    }
}

/// The machine's physical memory in bytes, where the OS says.
fn physical_memory() -> Option<usize> {
    #[cfg(unix)]
    {
        // SAFETY: sysconf reads system constants and has no preconditions.
        let (pages, page) = unsafe {
            (
                libc::sysconf(libc::_SC_PHYS_PAGES),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        if pages > 0 && page > 0 {
            return (pages as usize).checked_mul(page as usize);
        }
    }
    None
}

// SAFETY: every block handed out comes from System with the caller's layout (a kept
// block is reused only for exactly its own layout), is handed out once, and is kept or
// freed exactly once when the caller frees it.
unsafe impl GlobalAlloc for BlockCache {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            if let Some(p) = self.take(layout) {
                return p;
            }
            return self.or_after_release(|| System.alloc(layout));
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            if let Some(p) = self.take(layout) {
                std::ptr::write_bytes(p, 0, layout.size());
                return p;
            }
            return self.or_after_release(|| System.alloc_zeroed(layout));
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= LARGE && self.keep(ptr, layout) {
            return;
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.size() < LARGE && new_size < LARGE {
            return System.realloc(ptr, layout, new_size);
        }
        // Through alloc and dealloc, so that large blocks come from and go to the cache.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let new = self.alloc(new_layout);
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

impl Default for BlockCache {
    fn default() -> BlockCache {
        BlockCache::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_are_reused_zeroed_and_bounded() {
        let cache = BlockCache::new();
        let big = Layout::from_size_align(LARGE * 2, 64).unwrap();
        let other = Layout::from_size_align(LARGE * 3, 64).unwrap();
        // SAFETY: each block is used within its layout and freed once with it.
        unsafe {
            let p = cache.alloc(big);
            std::ptr::write_bytes(p, 0xAB, big.size());
            cache.dealloc(p, big);
            let q = cache.alloc_zeroed(big);
            assert_eq!(q, p, "the kept block comes back");
            assert!(std::slice::from_raw_parts(q, big.size())
                .iter()
                .all(|&b| b == 0));
            cache.dealloc(q, big);
            let r = cache.alloc(other);
            assert_ne!(r, p, "another size is not served from it");
            cache.dealloc(r, other);
            // The bound: a limit below two blocks keeps one.
            cache.limit.store(LARGE * 3, Ordering::Relaxed);
            cache.release();
            let (a, b) = (cache.alloc(big), cache.alloc(big));
            cache.dealloc(a, big);
            cache.dealloc(b, big);
            let held: usize = cache
                .blocks
                .lock()
                .unwrap()
                .iter()
                .flatten()
                .map(|b| b.size)
                .sum();
            assert_eq!(held, big.size());
            // A block freed into a full cache evicts the oldest: the bound holds one
            // block of three, so the big one kept above makes way for it.
            let c = cache.alloc(other);
            cache.dealloc(c, other);
            assert_eq!(cache.take(big), None, "the oldest block was evicted");
            assert_eq!(cache.take(other), Some(c), "the newest is kept");
            cache.dealloc(c, other);
            cache.release();
            // Small blocks are never kept.
            let small = Layout::from_size_align(1024, 8).unwrap();
            let s = cache.alloc(small);
            cache.dealloc(s, small);
            assert!(cache.blocks.lock().unwrap().iter().all(|b| b.is_none()));
        }
    }
}
