//! What every target's executor shares and that is not LLVM: kernels' run-time
//! parameters and their bounds checks (`params.rs`), compiled-kernel keys (`keys.rs`),
//! which buffers share storage (`storage.rs`), and whole-array folds run in chunks
//! combined pairwise in a fixed order (`folds.rs`).

pub(crate) mod folds;
pub(crate) mod keys;
pub(crate) mod params;
pub(crate) mod storage;
