//! `!llvm.loop` metadata on a loop's latch: what LLVM's vectoriser and unroller may do
//! with the loop.

use inkwell::context::Context;
use inkwell::llvm_sys;
use inkwell::values::{AsValueRef, InstructionValue};

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
