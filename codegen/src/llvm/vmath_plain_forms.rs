//! The library's vector forms of the branch-free functions it shares (`vmath_variants.rs`,
//! `Shared::Plain`): pow's, a fast path with the general one for vectors that need it,
//! and a plain lane loop for the others.

use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::{Linkage, Module};
use inkwell::{FloatPredicate, IntPredicate};
use lazyfuse_ir::DType;

use super::vmath::{Math, Res};
use super::vmath_split::value;
use super::vmath_variants::{declaration, float_type, lane_loop};
use crate::error::CodegenError;

/// The vector form `symbol` of `n` lanes of pow: [`Math::pow_fast`] on all lanes,
/// then, only if some lane came out NaN (outside its domain: a base that is not a
/// positive normal number other than 1, or a result near or beyond the range), the
/// general [`Math::pow`] on all lanes, keeping the fast lanes' bits (the general path
/// gives the same bits there, so a result never depends on its neighbours). The fast
/// path skips C99's special cases, the clamps and the subnormal scaling.
pub(super) fn emit_pow_form<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    symbol: &str,
    dtype: DType,
    n: u32,
) -> Res<()> {
    let t = float_type(ctx, dtype);
    let vt = t.vec_type(n);
    let f = declaration(ctx, module, symbol, vt.into(), 2, Linkage::External);
    // The general path spills vectors too (see `align_stack`).
    super::align_stack(ctx, f);
    let b = ctx.create_builder();
    let m = Math {
        ctx,
        module,
        b: &b,
        d: dtype,
    };
    let entry = ctx.append_basic_block(f, "entry");
    let check = ctx.append_basic_block(f, "check");
    let done = ctx.append_basic_block(f, "done");
    b.position_at_end(entry);
    let mut inputs = Vec::new();
    for k in 0..2 {
        let slot = b.build_alloca(vt, "in")?;
        b.build_store(slot, f.get_nth_param(k).expect("declared parameter"))?;
        inputs.push(slot);
    }
    let output = b.build_alloca(vt, "out")?;
    let fast = lane_loop(ctx, &m, f, &inputs, output, t.into(), n, check, |a, _| {
        m.pow_fast(a[0], a[1])
    })?;
    b.position_at_end(entry);
    b.build_unconditional_branch(fast)?;

    b.position_at_end(check);
    let y = b.build_load(vt, output, "y")?.into_vector_value();
    let redo = b.build_float_compare(FloatPredicate::UNO, y, y, "redo")?;
    let any_lane = Intrinsic::find("llvm.vector.reduce.or")
        .and_then(|i| i.get_declaration(module, &[redo.get_type().into()]))
        .ok_or_else(|| CodegenError::Internal("no llvm.vector.reduce.or".into()))?;
    let any = value(b.build_call(any_lane, &[redo.into()], "any")?)?.into_int_value();
    let general = lane_loop(ctx, &m, f, &inputs, output, t.into(), n, done, |a, dst| {
        let fast = b.build_load(t, dst, "fast")?.into_float_value();
        let redo = m.fcmp(FloatPredicate::UNO, fast, fast)?;
        m.select(redo, m.pow(a[0], a[1])?, fast)
    })?;
    b.position_at_end(check);
    b.build_conditional_branch(any, general, done)?;

    b.position_at_end(done);
    let y = b.build_load(vt, output, "y")?;
    b.build_return(Some(&y))?;
    Ok(())
}

/// The vector form `symbol` of `n` lanes of the branch-free `name`: a loop over the
/// lanes calling the inlined scalar code, vectorised at `n` lanes.
pub(super) fn emit_plain_form<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    symbol: &str,
    name: &str,
    dtype: DType,
    n: u32,
) -> Res<()> {
    let t = float_type(ctx, dtype);
    let vt = t.vec_type(n);
    let arity = super::vmath::arity(name);
    let f = declaration(ctx, module, symbol, vt.into(), arity, Linkage::External);
    super::align_stack(ctx, f);
    let scalar =
        super::vmath::inline_function(ctx, module, &format!("{symbol}.lane"), name, dtype)?;
    let b = ctx.create_builder();
    let entry = ctx.append_basic_block(f, "entry");
    let head = ctx.append_basic_block(f, "lanes");
    let done = ctx.append_basic_block(f, "done");
    b.position_at_end(entry);
    let mut inputs = Vec::new();
    for k in 0..arity {
        let slot = b.build_alloca(vt, "in")?;
        b.build_store(slot, f.get_nth_param(k).expect("declared parameter"))?;
        inputs.push(slot);
    }
    let output = b.build_alloca(vt, "out")?;
    b.build_unconditional_branch(head)?;
    b.position_at_end(head);
    let i64t = ctx.i64_type();
    let i = b.build_phi(i64t, "i")?;
    let index = i.as_basic_value().into_int_value();
    let mut args = Vec::new();
    for slot in &inputs {
        // SAFETY (of the generated code): i < n, the arrays' length.
        let at = unsafe { b.build_in_bounds_gep(t, *slot, &[index], "src")? };
        args.push(b.build_load(t, at, "x")?.into());
    }
    let y = value(b.build_call(scalar, &args, "y")?)?;
    // SAFETY (of the generated code): as above.
    let dst = unsafe { b.build_in_bounds_gep(t, output, &[index], "dst")? };
    b.build_store(dst, y)?;
    let next = b.build_int_add(index, i64t.const_int(1, false), "next")?;
    let more = b.build_int_compare(
        IntPredicate::ULT,
        next,
        i64t.const_int(n as u64, false),
        "more",
    )?;
    let latch = b.build_conditional_branch(more, head, done)?;
    i.add_incoming(&[(&i64t.const_zero(), entry), (&next, head)]);
    super::loop_hints::set(ctx, latch, super::loop_hints::Hints::VectorWidth(n));
    b.position_at_end(done);
    let y = b.build_load(vt, output, "y")?;
    b.build_return(Some(&y))?;
    Ok(())
}
