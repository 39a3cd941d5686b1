//! Vector functions for vector math whose common path is much cheaper than its
//! general one (`vmath_split.rs`: sin, cos and tan, Cody–Waite's reduction against
//! Payne–Hanek's; the logarithms, positive normal numbers against the rest).
//!
//! Inlined into a kernel loop, a branch to the general path is if-converted by LLVM's
//! loop vectoriser: every lane would pay for both. So on the CPU such a function is an
//! out-of-line scalar function `lazyfuse.sin.f32` (a real branch, for scalar loops)
//! that names vector forms `lazyfuse.sin.f32.v16` and friends through LLVM's vector
//! function ABI attribute (`vector-function-abi-variant`). The loop vectoriser calls the
//! form of its vector width, once per vector. Each form runs the fast path on all its
//! lanes, then the general path only if some lane is outside the fast range (or not
//! finite). Both are loops over the form's lanes, forced to that width, so the vector
//! code is LLVM's own vectorisation of the scalar IR in `vmath_trig.rs` and
//! `vmath_log.rs`.
//!
//! A JIT kernel only declares the scalar function and its forms ([`SplitCode::Library`]):
//! the process compiles each once and links every kernel to it
//! (`cpu/vector_library.rs`). The loop vectoriser calls the kernel's own small forms
//! instead, the fast path alone, which are inlined into the loop after vectorisation
//! and call the library's form for a vector with a lane outside the fast range. An exported object defines its own ([`SplitCode::OwnForms`]);
//! the GPU inlines the scalar function ([`SplitCode::Inline`]).
//!
//! The forms (definitions or declarations) are kept alive through the optimiser by
//! `llvm.compiler.used`, and those no loop called are deleted before machine code is
//! emitted ([`keep_vector_forms`], [`release_vector_forms`]).

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::types::{BasicType, BasicTypeEnum, FloatType};
use inkwell::values::FunctionValue;
use inkwell::{AddressSpace, IntPredicate};
use lazyfuse_ir::DType;

use super::vmath::{Math, Res};
use super::vmath_split::{any_lane_below, any_lane_outside, value, Split};
use crate::error::CodegenError;

/// The name every vector form's symbol carries after its scalar function's.
const FORM_MARK: &str = ".v";

/// What a JIT kernel's own fast forms add to the scalar function's name (before
/// [`FORM_MARK`]).
const FAST_MARK: &str = ".fast";

/// How the functions with a fast path (`vmath_split.rs`) reach the code that calls
/// them. (The logarithms use vector forms only in JIT kernels, [`SplitCode::Library`];
/// elsewhere they are inlined whole.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SplitCode {
    /// Inlined where called (the GPU, where a branch costs only the threads that take
    /// it).
    Inline,
    /// Out of line with vector forms, defined in the calling module (exported objects,
    /// which must stand alone).
    OwnForms,
    /// Out of line with vector forms, only declared: the process's vector-math library
    /// (`cpu/vector_library.rs`) compiles each once and the JIT links kernels to it, so
    /// that a kernel calling sin does not compile sin's general path again. The kernel
    /// defines fast forms of its own, inlined into its loops.
    Library,
}

/// Whether `name` is called through vector forms where `code` says how sin, cos and tan
/// are (see [`Split::always_out_of_line`]).
pub(crate) fn has_vector_forms(name: &str, code: SplitCode) -> bool {
    Split::of(name).is_some_and(|which| which.always_out_of_line() || code == SplitCode::Library)
}

/// The lane counts of the forms: 256- and 512-bit vectors. (A loop vectorised at
/// another width calls the scalar function per lane; a two-lane float64 form is not
/// made, since LLVM 19 fails to vectorise its lane loop.)
fn lane_counts(dtype: DType) -> [u32; 2] {
    if dtype == DType::F64 {
        [4, 8]
    } else {
        [8, 16]
    }
}

fn scalar_symbol(name: &str, dtype: DType) -> String {
    format!("lazyfuse.{name}.{}", dtype.name())
}

/// The scalar function for `name` in `dtype` (float32 or float64), emitted or declared
/// on first use as `code` says.
pub(crate) fn function<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    name: &str,
    dtype: DType,
    code: SplitCode,
) -> Res<FunctionValue<'ctx>> {
    let symbol = scalar_symbol(name, dtype);
    if let Some(f) = module.get_function(&symbol) {
        return Ok(f);
    }
    let which = Split::of(name)
        .ok_or_else(|| CodegenError::Internal(format!("no vector form of {name}")))?;
    let linkage = match code {
        SplitCode::Library => Linkage::External,
        SplitCode::Inline | SplitCode::OwnForms => Linkage::Private,
    };
    let f = scalar_declaration(ctx, module, &symbol, dtype, linkage);
    if code == SplitCode::Inline {
        emit_scalar(ctx, module, f, dtype, which)?;
        f.add_attribute(AttributeLoc::Function, enum_attr(ctx, "alwaysinline", 0));
        return Ok(f);
    }
    // The loop vectoriser calls the kernel's own fast forms where the library defines
    // the full ones (see `emit_fast_form`).
    let called = if code == SplitCode::Library {
        format!("{symbol}{FAST_MARK}")
    } else {
        symbol.clone()
    };
    let mappings: Vec<String> = lane_counts(dtype)
        .iter()
        .map(|n| format!("_ZGV_LLVM_N{n}v_{symbol}({called}{FORM_MARK}{n})"))
        .collect();
    f.add_attribute(
        AttributeLoc::Function,
        ctx.create_string_attribute("vector-function-abi-variant", &mappings.join(",")),
    );
    if code == SplitCode::Library {
        for n in lane_counts(dtype) {
            form_declaration(
                ctx,
                module,
                &format!("{symbol}{FORM_MARK}{n}"),
                dtype,
                n,
                linkage,
            );
            // Defined once the optimiser has run (`cpu/vector_library.rs`,
            // `link_fast_forms`).
            form_declaration(
                ctx,
                module,
                &format!("{called}{FORM_MARK}{n}"),
                dtype,
                n,
                Linkage::External,
            );
        }
        return Ok(f);
    }
    f.add_attribute(AttributeLoc::Function, enum_attr(ctx, "noinline", 0));
    emit_scalar(ctx, module, f, dtype, which)?;
    for n in lane_counts(dtype) {
        let form = form_declaration(
            ctx,
            module,
            &format!("{symbol}{FORM_MARK}{n}"),
            dtype,
            n,
            linkage,
        );
        emit_form(ctx, module, form, dtype, n, which)?;
    }
    Ok(f)
}

/// A function the process's vector-math library defines.
#[derive(Clone, Copy)]
pub(crate) enum Shared {
    /// A fast path and a general one.
    Split(Split),
    /// A function too large to inline into every kernel (its name), branch-free as a
    /// scalar function; pow's vector forms branch to its general path (see
    /// `vmath_plain_forms::emit_pow_form`).
    Plain(&'static str),
}

/// The functions the library defines for JIT kernels instead of inlining
/// them: pow made a kernel take 47 ms to compile against 23 for exp and 17 for a sum
/// (`examples/compile_program`), and costs enough per element that a call per vector
/// is a small part of it. (erf compiled as slowly, but called per vector it ran 8%
/// slower in float64, 219 against 201 M/s per core side by side: it stays inlined.)
const PLAIN: [&str; 1] = ["pow"];

/// Whether JIT kernels call `name` (a branch-free function) from the library.
pub(crate) fn is_shared(name: &str) -> bool {
    PLAIN.contains(&name)
}

/// The scalar function for the branch-free `name` (one [`is_shared`] accepts) in
/// `dtype`, declared (with its vector forms) for the library to define.
pub(crate) fn shared_function<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    name: &str,
    dtype: DType,
) -> Res<FunctionValue<'ctx>> {
    let symbol = scalar_symbol(name, dtype);
    if let Some(f) = module.get_function(&symbol) {
        return Ok(f);
    }
    let arity = super::vmath::arity(name);
    let t = float_type(ctx, dtype);
    let f = declaration(ctx, module, &symbol, t.into(), arity, Linkage::External);
    let params = "v".repeat(arity as usize);
    let mappings: Vec<String> = lane_counts(dtype)
        .iter()
        .map(|n| format!("_ZGV_LLVM_N{n}{params}_{symbol}({symbol}{FORM_MARK}{n})"))
        .collect();
    f.add_attribute(
        AttributeLoc::Function,
        ctx.create_string_attribute("vector-function-abi-variant", &mappings.join(",")),
    );
    for n in lane_counts(dtype) {
        let vt = t.vec_type(n);
        let form = format!("{symbol}{FORM_MARK}{n}");
        declaration(ctx, module, &form, vt.into(), arity, Linkage::External);
    }
    Ok(f)
}

/// What [`define_library_symbol`] defines: a scalar function, or one of its vector forms
/// (with its lane count).
pub(crate) fn library_symbol(symbol: &str) -> Option<(Shared, DType, Option<u32>)> {
    let rest = symbol.strip_prefix("lazyfuse.")?;
    let (name, rest) = rest.split_once('.')?;
    let function = match Split::of(name) {
        Some(which) => Shared::Split(which),
        None => Shared::Plain(PLAIN.iter().find(|p| **p == name)?),
    };
    let (dtype, lanes) = match rest.split_once(FORM_MARK) {
        Some((d, n)) => (d, Some(n.parse::<u32>().ok()?)),
        None => (rest, None),
    };
    let dtype = match dtype {
        "f32" => DType::F32,
        "f64" => DType::F64,
        _ => return None,
    };
    match lanes {
        Some(n) if !lane_counts(dtype).contains(&n) => None,
        _ => Some((function, dtype, lanes)),
    }
}

/// Defines `symbol` (one [`library_symbol`] accepts) in `module` with external linkage:
/// a scalar function or a vector form.
pub(crate) fn define_library_symbol<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    symbol: &str,
) -> Res<()> {
    let (function, dtype, lanes) = library_symbol(symbol)
        .ok_or_else(|| CodegenError::Internal(format!("{symbol} is no vector-math symbol")))?;
    match (function, lanes) {
        (Shared::Split(which), None) => {
            let f = scalar_declaration(ctx, module, symbol, dtype, Linkage::External);
            emit_scalar(ctx, module, f, dtype, which)
        }
        (Shared::Split(which), Some(n)) => {
            let form = form_declaration(ctx, module, symbol, dtype, n, Linkage::External);
            emit_general_form(ctx, module, form, dtype, n, which)
        }
        (Shared::Plain(name), None) => {
            let t = float_type(ctx, dtype).into();
            let arity = super::vmath::arity(name);
            let f = declaration(ctx, module, symbol, t, arity, Linkage::External);
            super::vmath::emit_body(ctx, module, f, name, dtype)
        }
        (Shared::Plain("pow"), Some(n)) => {
            super::vmath_plain_forms::emit_pow_form(ctx, module, symbol, dtype, n)
        }
        (Shared::Plain(name), Some(n)) => {
            super::vmath_plain_forms::emit_plain_form(ctx, module, symbol, name, dtype, n)
        }
    }
}

fn scalar_declaration<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    symbol: &str,
    dtype: DType,
    linkage: Linkage,
) -> FunctionValue<'ctx> {
    declaration(
        ctx,
        module,
        symbol,
        float_type(ctx, dtype).into(),
        1,
        linkage,
    )
}

/// `symbol` as a pure function of `arity` arguments of type `t` returning `t`.
pub(super) fn declaration<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    symbol: &str,
    t: BasicTypeEnum<'ctx>,
    arity: u32,
    linkage: Linkage,
) -> FunctionValue<'ctx> {
    let params: Vec<_> = (0..arity).map(|_| t.into()).collect();
    let f = module.add_function(symbol, t.fn_type(&params, false), Some(linkage));
    mark_pure(ctx, f);
    f
}

fn form_declaration<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    symbol: &str,
    dtype: DType,
    n: u32,
    linkage: Linkage,
) -> FunctionValue<'ctx> {
    let vt = float_type(ctx, dtype).vec_type(n);
    declaration(ctx, module, symbol, vt.into(), 1, linkage)
}

pub(super) fn float_type(ctx: &Context, dtype: DType) -> FloatType<'_> {
    if dtype == DType::F64 {
        ctx.f64_type()
    } else {
        ctx.f32_type()
    }
}

fn enum_attr(ctx: &Context, name: &str, value: u64) -> Attribute {
    ctx.create_enum_attribute(Attribute::get_named_enum_kind_id(name), value)
}

/// nounwind, willreturn and memory(none): what lets the vectoriser call the forms
/// (their only memory is their own stack and constant tables).
fn mark_pure(ctx: &Context, f: FunctionValue<'_>) {
    for (name, value) in [("nounwind", 0), ("willreturn", 0), ("memory", 0)] {
        f.add_attribute(AttributeLoc::Function, enum_attr(ctx, name, value));
    }
}

/// The scalar function: `if |x| < limit { fast } else { general }`, a real branch.
fn emit_scalar<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    f: FunctionValue<'ctx>,
    dtype: DType,
    which: Split,
) -> Res<()> {
    let b = ctx.create_builder();
    let m = Math {
        ctx,
        module,
        b: &b,
        d: dtype,
    };
    let (entry, fast, general, join) = (
        ctx.append_basic_block(f, "entry"),
        ctx.append_basic_block(f, "fast"),
        ctx.append_basic_block(f, "general"),
        ctx.append_basic_block(f, "join"),
    );
    b.position_at_end(entry);
    let x = f
        .get_nth_param(0)
        .expect("one parameter")
        .into_float_value();
    let inside = m.split_inside(x, which)?;
    b.build_conditional_branch(inside, fast, general)?;
    b.position_at_end(fast);
    let y_fast = m.split_fast(x, which)?;
    b.build_unconditional_branch(join)?;
    b.position_at_end(general);
    let y_general = m.split_general(x, which)?;
    b.build_unconditional_branch(join)?;
    b.position_at_end(join);
    let phi = b.build_phi(float_type(ctx, dtype), "y")?;
    phi.add_incoming(&[(&y_fast, fast), (&y_general, general)]);
    b.build_return(Some(&phi.as_basic_value()))?;
    Ok(())
}

/// The body of `f`, the vector form of `n` lanes an exported object defines: the fast
/// path over all lanes, then the general path over all lanes if any lane is outside the
/// fast range, NaN or infinite.
/// (Calling the scalar function per such lane instead cut the form's compile time by a
/// sixth but made sin of arguments beyond 2^20 5x slower, slower than NumPy's.)
fn emit_form<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    f: FunctionValue<'ctx>,
    dtype: DType,
    n: u32,
    which: Split,
) -> Res<()> {
    let t = float_type(ctx, dtype);
    // The general path spills vectors too (see `align_stack`).
    super::align_stack(ctx, f);
    let b = ctx.create_builder();
    let m = Math {
        ctx,
        module,
        b: &b,
        d: dtype,
    };
    let fast = emit_fast_part(&m, f, n, which, false)?;
    // Any lane outside the fast range (NaN included) takes the general path.
    let any = any_lane_outside(ctx, module, &b, fast.x, which, dtype, n)?;
    let check = b.get_insert_block().expect("positioned");
    // Lanes inside the range keep the fast path's bits (see `vmath_split.rs`).
    let input = [fast.input];
    let general = lane_loop(
        ctx,
        &m,
        f,
        &input,
        fast.output,
        t.into(),
        n,
        fast.done,
        |x, dst| {
            let inside = m.split_inside(x[0], which)?;
            let fast = b.build_load(t, dst, "fast")?.into_float_value();
            m.select(inside, fast, m.split_general(x[0], which)?)
        },
    )?;
    b.position_at_end(check);
    b.build_conditional_branch(any, general, fast.done)?;
    Ok(())
}

/// What [`emit_fast_part`] leaves for a form's general path.
struct FastPart<'ctx> {
    /// The form's argument.
    x: inkwell::values::VectorValue<'ctx>,
    /// A copy of `x` in memory, for lane loops.
    input: inkwell::values::PointerValue<'ctx>,
    /// The fast path's results, lane by lane.
    output: inkwell::values::PointerValue<'ctx>,
    /// The block returning `output`.
    done: inkwell::basic_block::BasicBlock<'ctx>,
}

/// The start of the vector form `f` of `n` lanes: the fast path of `which` (its
/// common part if `common`, see [`Split::common_from`]) over all lanes into memory,
/// and a block returning that memory. Leaves the builder at the end of the block after
/// the fast path, for the form to choose its general path.
fn emit_fast_part<'ctx>(
    m: &Math<'_, 'ctx>,
    f: FunctionValue<'ctx>,
    n: u32,
    which: Split,
    common: bool,
) -> Res<FastPart<'ctx>> {
    let (ctx, b) = (m.ctx, m.b);
    let t = float_type(ctx, m.d);
    let vt = t.vec_type(n);
    let entry = ctx.append_basic_block(f, "entry");
    let check = ctx.append_basic_block(f, "check");
    let done = ctx.append_basic_block(f, "done");
    b.position_at_end(entry);
    let x = f
        .get_nth_param(0)
        .expect("one parameter")
        .into_vector_value();
    let input = b.build_alloca(vt, "in")?;
    let output = b.build_alloca(vt, "out")?;
    b.build_store(input, x)?;
    let fast = lane_loop(ctx, m, f, &[input], output, t.into(), n, check, |x, _| {
        if common {
            m.split_common(x[0], which)
        } else {
            m.split_fast(x[0], which)
        }
    })?;
    b.position_at_end(entry);
    b.build_unconditional_branch(fast)?;
    b.position_at_end(done);
    let y = b.build_load(vt, output, "y")?;
    b.build_return(Some(&y))?;
    b.position_at_end(check);
    Ok(FastPart {
        x,
        input,
        output,
        done,
    })
}

/// The body of `f`, the library's vector form of `n` lanes, which only the fast forms
/// call, for a vector with a lane outside the fast range: the general path over all
/// lanes, lanes inside the range keeping the fast path's bits (see `vmath_split.rs`).
fn emit_general_form<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    f: FunctionValue<'ctx>,
    dtype: DType,
    n: u32,
    which: Split,
) -> Res<()> {
    let t = float_type(ctx, dtype);
    let vt = t.vec_type(n);
    super::align_stack(ctx, f);
    let b = ctx.create_builder();
    let m = Math {
        ctx,
        module,
        b: &b,
        d: dtype,
    };
    let entry = ctx.append_basic_block(f, "entry");
    let done = ctx.append_basic_block(f, "done");
    b.position_at_end(entry);
    let x = f.get_nth_param(0).expect("one parameter");
    let input = b.build_alloca(vt, "in")?;
    let output = b.build_alloca(vt, "out")?;
    b.build_store(input, x)?;
    let lanes = lane_loop(ctx, &m, f, &[input], output, t.into(), n, done, |x, _| {
        let general = m.split_general(x[0], which)?;
        if which.fast_is_general() {
            return Ok(general);
        }
        let inside = m.split_inside(x[0], which)?;
        m.select(inside, m.split_fast(x[0], which)?, general)
    })?;
    b.position_at_end(entry);
    b.build_unconditional_branch(lanes)?;
    b.position_at_end(done);
    let y = b.build_load(vt, output, "y")?;
    b.build_return(Some(&y))?;
    Ok(())
}

/// The fast form `symbol` (`lazyfuse.sin.f32.fast.v8` and the like, which JIT kernels
/// declare), defined in `module` with external linkage; false if `symbol` is no fast
/// form.
pub(crate) fn define_fast_form<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    symbol: &str,
) -> Res<bool> {
    let Some((scalar, lanes)) = symbol.rsplit_once(FORM_MARK) else {
        return Ok(false);
    };
    let Some(base) = scalar.strip_suffix(FAST_MARK) else {
        return Ok(false);
    };
    let full_symbol = format!("{base}{FORM_MARK}{lanes}");
    let Some((Shared::Split(which), dtype, Some(n))) = library_symbol(&full_symbol) else {
        return Ok(false);
    };
    let full = form_declaration(ctx, module, &full_symbol, dtype, n, Linkage::External);
    let fast = form_declaration(ctx, module, symbol, dtype, n, Linkage::External);
    emit_fast_form(ctx, module, fast, full, dtype, n, which)?;
    Ok(true)
}

/// Whether `f` is a fast form only declared (what a JIT kernel calls until
/// `link_fast_forms` defines it).
pub(crate) fn is_declared_fast_form(f: &FunctionValue<'_>) -> bool {
    f.count_basic_blocks() == 0
        && is_form(f)
        && f.get_name()
            .to_string_lossy()
            .rsplit_once(FORM_MARK)
            .is_some_and(|(scalar, _)| scalar.ends_with(FAST_MARK))
}

/// Whether `module` declares fast forms (a JIT kernel calling sin, cos or tan).
pub(crate) fn declares_fast_forms(module: &Module<'_>) -> bool {
    let mut f = module.get_first_function();
    while let Some(func) = f {
        if is_declared_fast_form(&func) {
            return true;
        }
        f = func.get_next_function();
    }
    false
}

/// A JIT kernel's own vector form `f` of `n` lanes: the fast path over all lanes (its
/// common part first, and the whole of it only for a vector with a lane that needs
/// it, see [`Split::common_from`]), and the library's `full` form for the whole vector
/// if any lane is outside the fast range, NaN or infinite. It is inlined into the kernel's loop once the loop
/// vectoriser has called it (`cpu/compile.rs`): a call per vector cost a third of
/// float32 sin's time (the call's spills, and the constants loaded again on every
/// call). Its optimised IR is made once per process and linked into each kernel after
/// the kernel's optimisation (optimising it in every kernel doubled a sin kernel's
/// compile time).
fn emit_fast_form<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    f: FunctionValue<'ctx>,
    full: FunctionValue<'ctx>,
    dtype: DType,
    n: u32,
    which: Split,
) -> Res<()> {
    f.add_attribute(AttributeLoc::Function, enum_attr(ctx, "alwaysinline", 0));
    let b = ctx.create_builder();
    let m = Math {
        ctx,
        module,
        b: &b,
        d: dtype,
    };
    let fast = emit_fast_part(&m, f, n, which, true)?;
    let any = any_lane_outside(ctx, module, &b, fast.x, which, dtype, n)?;
    let general = ctx.append_basic_block(f, "general");
    let Some(bound) = which.common_from(dtype) else {
        b.build_conditional_branch(any, general, fast.done)?;
        return call_full_form(&b, general, full, fast.x);
    };
    // Inside the fast range, a lane below `bound` needs the whole fast path: the
    // vector takes it on every lane (the same bits on the others).
    let near = ctx.append_basic_block(f, "near");
    b.build_conditional_branch(any, general, near)?;
    b.position_at_end(near);
    let below = any_lane_below(ctx, module, &b, fast.x, bound, dtype, n)?;
    let t = float_type(ctx, dtype);
    let input = [fast.input];
    let whole = lane_loop(
        ctx,
        &m,
        f,
        &input,
        fast.output,
        t.into(),
        n,
        fast.done,
        |x, _| m.split_fast(x[0], which),
    )?;
    b.position_at_end(near);
    b.build_conditional_branch(below, whole, fast.done)?;
    call_full_form(&b, general, full, fast.x)
}

/// Fills `general` with a call of the library's `full` form on `x`, returned.
fn call_full_form<'ctx>(
    b: &inkwell::builder::Builder<'ctx>,
    general: inkwell::basic_block::BasicBlock<'ctx>,
    full: FunctionValue<'ctx>,
    x: inkwell::values::VectorValue<'ctx>,
) -> Res<()> {
    b.position_at_end(general);
    let y = value(b.build_call(full, &[x.into()], "full")?)?;
    b.build_return(Some(&y))?;
    Ok(())
}

/// `output[i] = body(input[i], &output[i])` for i in 0..n, as a loop the vectoriser must vectorise
/// at n lanes and nothing may unroll; continues to `exit`. Returns its first block.
#[allow(clippy::too_many_arguments)]
pub(super) fn lane_loop<'ctx>(
    ctx: &'ctx Context,
    m: &Math<'_, 'ctx>,
    f: FunctionValue<'ctx>,
    inputs: &[inkwell::values::PointerValue<'ctx>],
    output: inkwell::values::PointerValue<'ctx>,
    elem: BasicTypeEnum<'ctx>,
    n: u32,
    exit: inkwell::basic_block::BasicBlock<'ctx>,
    body: impl Fn(
        &[inkwell::values::FloatValue<'ctx>],
        inkwell::values::PointerValue<'ctx>,
    ) -> Res<inkwell::values::FloatValue<'ctx>>,
) -> Res<inkwell::basic_block::BasicBlock<'ctx>> {
    let b = m.b;
    let i64t = ctx.i64_type();
    let before = b.get_insert_block().expect("positioned");
    let head = ctx.append_basic_block(f, "lanes");
    head.move_after(before).ok();
    b.position_at_end(head);
    let i = b.build_phi(i64t, "i")?;
    let index = i.as_basic_value().into_int_value();
    let mut args = Vec::with_capacity(inputs.len());
    for &input in inputs {
        // SAFETY (of the generated code): i < n, the arrays' length.
        let src = unsafe { b.build_in_bounds_gep(elem, input, &[index], "src")? };
        args.push(b.build_load(elem, src, "x")?.into_float_value());
    }
    // SAFETY (of the generated code): as above.
    let dst = unsafe { b.build_in_bounds_gep(elem, output, &[index], "dst")? };
    let y = body(&args, dst)?;
    b.build_store(dst, y)?;
    let next = b.build_int_add(index, i64t.const_int(1, false), "next")?;
    let more = b.build_int_compare(
        IntPredicate::ULT,
        next,
        i64t.const_int(n as u64, false),
        "more",
    )?;
    let latch = b.build_conditional_branch(more, head, exit)?;
    let last = b.get_insert_block().expect("positioned");
    i.add_incoming(&[(&i64t.const_zero(), before), (&next, last)]);
    super::loop_hints::set(ctx, latch, super::loop_hints::Hints::VectorWidth(n));
    Ok(head)
}

fn is_form(f: &FunctionValue<'_>) -> bool {
    let name = f.get_name().to_string_lossy();
    name.starts_with("lazyfuse.")
        && name.rsplit_once(FORM_MARK).is_some_and(|(_, lanes)| {
            !lanes.is_empty() && lanes.bytes().all(|c| c.is_ascii_digit())
        })
}

const USED: &str = "llvm.compiler.used";

/// Lists the module's vector forms in `llvm.compiler.used`, so the optimiser keeps them
/// until the vectoriser has called the ones it wants.
pub(crate) fn keep_vector_forms(module: &Module<'_>) {
    let mut forms = Vec::new();
    let mut f = module.get_first_function();
    while let Some(func) = f {
        if is_form(&func) {
            forms.push(func.as_global_value().as_pointer_value());
        }
        f = func.get_next_function();
    }
    if forms.is_empty() || module.get_global(USED).is_some() {
        return;
    }
    let ptr = module.get_context().ptr_type(AddressSpace::default());
    let array = ptr.const_array(&forms);
    let g = module.add_global(array.get_type(), None, USED);
    g.set_linkage(Linkage::Appending);
    g.set_section(Some("llvm.metadata"));
    g.set_initializer(&array);
}

/// Deletes `llvm.compiler.used` (after optimising), so that a `globaldce` pass removes
/// the vector forms nothing calls. Whether there was one.
pub(crate) fn release_vector_forms(module: &Module<'_>) -> bool {
    let Some(g) = module.get_global(USED) else {
        return false;
    };
    // SAFETY: the global is ours (keep_vector_forms); nothing else refers to it.
    unsafe { g.delete() };
    true
}
