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
mod vmath_erf;
mod vmath_erf32_table;
mod vmath_erf_table;
mod vmath_exp;
mod vmath_log;
mod vmath_plain_forms;
mod vmath_pow;
pub(crate) mod vmath_split;
mod vmath_tables;
pub(crate) mod vmath_trig;
pub(crate) mod vmath_variants;

/// Asks for a 64-byte aligned stack frame (`alignstack(64)`) in a CPU function. A
/// loop that keeps 512-bit vectors live across calls (to the vector forms of sin, cos
/// and tan) spills them to its frame; in a frame only 16-byte aligned, as the process's
/// randomised stack leaves it, those spills straddle cache lines and every reload
/// waits. That made float32 sin run at 1,800 or 3,300 M elements/s per core depending
/// only on the process (two processes in five slow); aligned, every process ran fast.
pub(crate) fn align_stack(
    ctx: &inkwell::context::Context,
    function: inkwell::values::FunctionValue<'_>,
) {
    let kind = inkwell::attributes::Attribute::get_named_enum_kind_id("alignstack");
    function.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        ctx.create_enum_attribute(kind, 64),
    );
}
