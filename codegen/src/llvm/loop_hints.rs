//! `!llvm.loop` metadata on a loop's latch: what LLVM's vectoriser and unroller may do
//! with the loop.

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::basic_block::BasicBlock;
use inkwell::context::Context;
use inkwell::llvm_sys;
use inkwell::module::Module;
use inkwell::values::{AsValueRef, CallSiteValue, InstructionOpcode, InstructionValue};

/// What a loop asks of LLVM.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Hints {
    /// Vectorise at exactly this many lanes; do not interleave or unroll.
    VectorWidth(u32),
    /// Neither vectorise nor unroll: a rarely taken loop, where every copy LLVM makes
    /// is compile time for nothing.
    Plain,
    /// Vectorise as LLVM likes, but one vector per iteration: the loop calls fast forms
    /// of sin, cos or tan that are inlined once it is vectorised (each interleaved copy
    /// would be one more inlined fast path to compile, for no speed: the out-of-order
    /// core overlaps iterations anyway).
    NoInterleave,
    /// Vectorise as LLVM likes, two vectors per iteration: the loop evaluates inlined
    /// float vector math (see [`calls_inline_float_math`]) and is a kernel's only loop
    /// (over a one-dimensional iteration space, so its remainder, up to 2 vectors less
    /// one element, evaluated one element at a time, comes once per launch share, not
    /// once per row).
    InterleaveTwo,
}

/// The hints for a loop whose first body block and exit block are `[body, exit]`
/// (None: LLVM's own choices): [`Hints::Plain`] for `plain`
/// loops, [`Hints::NoInterleave`] in a module that calls fast forms, and
/// [`Hints::InterleaveTwo`] where `may_interleave` (a CPU kernel's only loop) and the
/// body calls inlined float math ([`calls_inline_float_math`]).
pub(crate) fn choose<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    plain: bool,
    may_interleave: bool,
    [body, exit]: [BasicBlock<'ctx>; 2],
) -> Option<Hints> {
    if plain {
        Some(Hints::Plain)
    } else if super::vmath_variants::declares_fast_forms(module) {
        Some(Hints::NoInterleave)
    } else if may_interleave && calls_inline_float_math(ctx, body, exit) {
        Some(Hints::InterleaveTwo)
    } else {
        None
    }
}

/// Whether a loop's body (its first block `body`, and the blocks the body's code
/// appended after the loop's `exit` block) calls a float function of the vector-math
/// library that is inlined where called (exp, tanh, expm1, ...: `vmath.rs`).
///
/// Such a body is one long chain of dependent fused multiply-adds per vector that
/// needs most of the 16 AVX2 registers, so LLVM's cost model puts one vector in each
/// iteration, and the out-of-order core overlaps too little of consecutive vectors'
/// chains. Two vectors per iteration, measured with `examples/time_program` (medians
/// of 5-11 alternating runs, 131,072 elements on one core): float64 exp took 0.91x
/// the time, tanh 0.80x, expm1 0.80x, sinh 0.82x, cosh 0.86x, arcsin 0.89x (log1p,
/// erf, arctan 1.00-1.02x); float32 tanh 0.80x, sinh 0.84x, expm1 0.87x, arcsin 0.89x,
/// erf 0.90x, cosh 0.92x, exp 0.98x; a product of three exponentials of 10^7
/// elements on two threads 0.89x. The functions with fast forms keep
/// [`Hints::NoInterleave`].
///
/// Only a kernel's only loop takes the hint (`may_interleave` in [`choose`]): in a loop over rows
/// or over the last axis of a broadcast, a short row's remainder grew with it (up to
/// seven scalar evaluations for float64 instead of three): `exp(c * d)`, c 100,000 x 1
/// and d 6 elements, took 1.50x the time, softmax over rows of 6 elements 1.61x and of
/// 12 1.25x, while over rows of 2,500 softmax gained (0.91x) and exp over a contiguous
/// 4,000 x 2,500 did not (0.99x). Forcing LLVM to vectorise the remainder too
/// (`-epilogue-vectorization-force-VF=4`) undid the loss for short rows, but would
/// apply to every loop of every kernel.
fn calls_inline_float_math<'ctx>(
    ctx: &'ctx Context,
    body: BasicBlock<'ctx>,
    exit: BasicBlock<'ctx>,
) -> bool {
    let always_inline = Attribute::get_named_enum_kind_id("alwaysinline");
    let floats = [ctx.f64_type().into(), ctx.f32_type().into()];
    let after_exit =
        std::iter::successors(exit.get_next_basic_block(), |b| b.get_next_basic_block());
    std::iter::once(body).chain(after_exit).any(|block| {
        block.get_instructions().any(|inst| {
            if inst.get_opcode() != InstructionOpcode::Call {
                return false;
            }
            let Ok(call) = CallSiteValue::try_from(inst) else {
                return false;
            };
            let Some(callee) = call.get_called_fn_value() else {
                return false;
            };
            let name = callee.get_name().to_string_lossy();
            name.starts_with("lazyfuse.")
                && callee
                    .get_type()
                    .get_return_type()
                    .is_some_and(|t| floats.contains(&t))
                && callee
                    .get_enum_attribute(AttributeLoc::Function, always_inline)
                    .is_some()
        })
    })
}

/// Attaches `hints` to the loop whose latch (back-edge branch) is `latch`.
pub(crate) fn set(ctx: &Context, latch: InstructionValue<'_>, hints: Hints) {
    use llvm_sys::core::{
        LLVMConstInt, LLVMGetMDKindIDInContext, LLVMInt1TypeInContext, LLVMInt32TypeInContext,
        LLVMMDNodeInContext2, LLVMMDStringInContext2, LLVMMetadataAsValue, LLVMSetMetadata,
        LLVMValueAsMetadata,
    };
    use llvm_sys::debuginfo::{LLVMMetadataReplaceAllUsesWith, LLVMTemporaryMDNode};
    use llvm_sys::prelude::LLVMMetadataRef;
    let c = ctx.raw();
    // SAFETY: every reference passed belongs to `ctx`; the temporary node is replaced
    // (and freed) by the node that refers to itself, as LLVM's loop IDs do.
    unsafe {
        let string = |s: &str| LLVMMDStringInContext2(c, s.as_ptr().cast(), s.len());
        let int = |t, v: u64| LLVMValueAsMetadata(LLVMConstInt(t, v, 0));
        let node =
            |ops: &mut [LLVMMetadataRef]| LLVMMDNodeInContext2(c, ops.as_mut_ptr(), ops.len());
        let i32t = LLVMInt32TypeInContext(c);
        let i1t = LLVMInt1TypeInContext(c);
        let temp = LLVMTemporaryMDNode(c, std::ptr::null_mut(), 0);
        let no_unroll = node(&mut [string("llvm.loop.unroll.disable")]);
        let mut ops = vec![temp];
        match hints {
            Hints::VectorWidth(n) => {
                ops.push(node(&mut [
                    string("llvm.loop.vectorize.width"),
                    int(i32t, n as u64),
                ]));
                ops.push(node(&mut [
                    string("llvm.loop.vectorize.enable"),
                    int(i1t, 1),
                ]));
                ops.push(node(&mut [
                    string("llvm.loop.interleave.count"),
                    int(i32t, 1),
                ]));
            }
            Hints::NoInterleave => {
                ops.push(node(&mut [
                    string("llvm.loop.interleave.count"),
                    int(i32t, 1),
                ]));
            }
            Hints::InterleaveTwo => {
                ops.push(node(&mut [
                    string("llvm.loop.interleave.count"),
                    int(i32t, 2),
                ]));
            }
            Hints::Plain => {
                ops.push(node(&mut [
                    string("llvm.loop.vectorize.enable"),
                    int(i1t, 0),
                ]));
            }
        }
        ops.push(no_unroll);
        let id = node(&mut ops);
        LLVMMetadataReplaceAllUsesWith(temp, id);
        let kind = "llvm.loop";
        let kind = LLVMGetMDKindIDInContext(c, kind.as_ptr().cast(), kind.len() as u32);
        LLVMSetMetadata(latch.as_value_ref(), kind, LLVMMetadataAsValue(c, id));
    }
}
