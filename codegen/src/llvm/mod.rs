//! The LLVM layer every target shares: scalar op lowering (`scalar/`: one op on one
//! element, as target-independent LLVM IR) and the vector math library (`vmath*.rs`:
//! transcendental functions as branch-free IR that loops vectorise; the same generator
//! serves the CPU and NVPTX, with the CPU's out-of-line vector forms in
//! `vmath_variants.rs`). The per-target lowering (loops, launches) lives in `cpu/` and
//! `nvptx/`.

pub(crate) mod kernel;
pub(crate) mod loop_hints;
pub(crate) mod scalar;
pub(crate) mod vmath;
mod vmath_asin;
mod vmath_log;
mod vmath_pow;
mod vmath_tables;
pub(crate) mod vmath_trig;
pub(crate) mod vmath_variants;
