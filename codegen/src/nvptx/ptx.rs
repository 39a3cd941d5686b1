//! A loop kernel as a PTX module: the CPU backend's kernel function (the same loop
//! nest, scalar lowering and vector math, emitted once for both targets) made
//! internal and inlined into a `ptx_kernel` entry that gives each GPU thread its
//! part of the iteration space.
//!
//! ```c
//! __global__ void lazyfuse_kernel(i8** buffers, const i64* params, i64 rows, i64 cols,
//!                                 i64 chunk);
//! ```
//!
//! - Elementwise kernels: one thread per element of the `rows` x `cols` space
//!   (consecutive threads take consecutive columns, so loads and stores coalesce), in a
//!   grid-stride loop.
//! - Whole-array folds split into chunks (`rows` chunks of `chunk` elements of the
//!   first inner axis, whose extent is `cols`): block `c` folds its chunk (as a row,
//!   below) into its own partial slots (each output pointed at `partials + 16 * (c * outputs + k)`, the
//!   partials' base being the pointer after the buffers' in the table), and the host
//!   combines the partials pairwise in a fixed order: the same bits for any launch shape,
//!   and the CPU backend's (same chunk size, same combine).
//! - Rows folded by a block of threads (`cooperative.rs`): a block per outer point.
//! - Other kernels: one thread per outer point, its phases over the inner space.
//!
//! The C math functions the scalar lowering calls (`asinh`, `cbrt`, `nextafter`, the
//! complex functions' `hypot`, ...) are CUDA's libdevice (`__nv_asinh`, ...), linked in
//! as bitcode.

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{FileType, TargetMachine};
use inkwell::values::{FunctionValue, IntValue};
use inkwell::{AddressSpace, IntPredicate};
use lazyfuse_ir::kernel::LoopKernel;
use lazyfuse_ir::DType;

use super::toolkit;
use crate::error::CodegenError;
use crate::llvm::kernel::{emit_kernel_for, is_elementwise, Placement};

type Res<T> = Result<T, CodegenError>;

/// The entry point's name in every module.
pub(crate) const ENTRY: &str = "lazyfuse_kernel";

/// LLVM's calling convention number for PTX kernels (`CallingConv::PTX_Kernel`).
const PTX_KERNEL_CC: u32 = 71;

/// How a kernel's iteration space is shared among GPU threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode<'a> {
    /// A thread per element (elementwise kernels) or per row.
    Threads,
    /// A block of this many threads per chunk of a whole-array fold, folding it
    /// together; the kernel's buffer numbers of the fold's results, which each chunk
    /// redirects to its own partial slots.
    Chunked(&'a [usize], u32),
    /// A block of this many threads per row, folding it together (`cooperative.rs`).
    Blocks(u32),
}

/// The PTX of `kernel` for GPU architecture `sm` (`sm_80`, `sm_90`, ...), optimised, its
/// entry sharing the work as `mode` says (see the module notes).
pub(crate) fn kernel_ptx(
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
    sm: &str,
    mode: Mode<'_>,
) -> Res<String> {
    let context = Context::create();
    let module = context.create_module("lazyfuse");
    let machine = nvptx_machine(sm)?;
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    let block_threads = match mode {
        Mode::Blocks(n) | Mode::Chunked(_, n) => Some(n),
        _ => None,
    };
    let inner = emit_kernel_for(
        &context,
        &module,
        "lazyfuse_inner",
        kernel,
        buffer_dtypes,
        Placement::Gpu { block_threads },
    )?;
    inner.set_linkage(Linkage::Internal);
    let always =
        context.create_enum_attribute(Attribute::get_named_enum_kind_id("alwaysinline"), 0);
    inner.add_attribute(AttributeLoc::Function, always);
    let n_buffers = buffer_dtypes.len() + usize::from(crate::llvm::kernel::gathers(kernel));
    let table_words = n_buffers + usize::from(matches!(mode, Mode::Chunked(..)));
    let param_words = crate::runtime::params::param_count(kernel);
    let inline =
        super::inline_words(table_words, param_words).then_some((table_words, param_words));
    emit_entry(
        &context,
        &module,
        inner,
        is_elementwise(kernel),
        mode,
        n_buffers,
        inline,
    )?;
    link_libdevice(&context, &module)?;
    module
        .verify()
        .map_err(|e| CodegenError::Internal(format!("invalid LLVM IR for NVPTX: {e}")))?;
    module
        .run_passes("default<O3>", &machine, PassBuilderOptions::create())
        .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    let buffer = machine
        .write_to_memory_buffer(&module, FileType::Assembly)
        .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    Ok(String::from_utf8_lossy(buffer.as_slice())
        .trim_end_matches('\0')
        .to_string())
}

/// A target machine for NVPTX architecture `sm`.
fn nvptx_machine(sm: &str) -> Res<TargetMachine> {
    crate::target::nvptx_machine(sm).map_err(|e| CodegenError::Llvm(e.to_string()))
}

/// The `ptx_kernel` entry: each thread's share of the iteration space, handed to the
/// inlined kernel function as a row and column range.
fn emit_entry<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    inner: FunctionValue<'ctx>,
    elementwise: bool,
    mode: Mode<'_>,
    n_buffers: usize,
    inline: Option<(usize, usize)>,
) -> Res<()> {
    let chunked_outputs = match mode {
        Mode::Chunked(outputs, _) => Some(outputs),
        _ => None,
    };
    let blocks = matches!(mode, Mode::Blocks(_) | Mode::Chunked(..));
    let i64t = ctx.i64_type();
    let i32t = ctx.i32_type();
    let ptr = ctx.ptr_type(AddressSpace::default());
    // The table and parameters as pointers to device memory, or (`inline`) as the
    // launch's own arguments after rows, columns and chunk, copied into local arrays
    // that the optimiser turns back into the arguments.
    let mut args: Vec<inkwell::types::BasicMetadataTypeEnum> = match inline {
        Some(_) => vec![i64t.into(); 3],
        None => vec![
            ptr.into(),
            ptr.into(),
            i64t.into(),
            i64t.into(),
            i64t.into(),
        ],
    };
    if let Some((table_words, param_words)) = inline {
        let word: inkwell::types::BasicMetadataTypeEnum = i64t.into();
        args.extend(std::iter::repeat_n(word, table_words + param_words));
    }
    let entry = module.add_function(ENTRY, ctx.void_type().fn_type(&args, false), None);
    entry.set_call_conventions(PTX_KERNEL_CC);
    let b = ctx.create_builder();
    let block = |name: &str| ctx.append_basic_block(entry, name);
    let start = block("entry");
    b.position_at_end(start);
    let p = |i: u32| entry.get_nth_param(i).expect("declared").into_int_value();
    let (buffers, params, rows, cols, chunk) = match inline {
        Some((table_words, param_words)) => {
            let local = |n: usize, first: usize, name: &str| -> Res<_> {
                let array = b.build_alloca(i64t.array_type(n.max(1) as u32), name)?;
                for k in 0..n {
                    let at = unsafe {
                        b.build_in_bounds_gep(i64t, array, &[i64t.const_int(k as u64, false)], "w")?
                    };
                    b.build_store(at, p((first + k) as u32))?;
                }
                Ok(array)
            };
            let table = local(table_words, 3, "table")?;
            let params = local(param_words, 3 + table_words, "params")?;
            (table, params, p(0), p(1), p(2))
        }
        None => {
            // Only read, and nothing else points into them: their loads may be hoisted
            // out of the loops (and read through the read-only cache).
            for attribute in ["noalias", "readonly"] {
                let kind = Attribute::get_named_enum_kind_id(attribute);
                for param in 0..2 {
                    entry.add_attribute(
                        AttributeLoc::Param(param),
                        ctx.create_enum_attribute(kind, 0),
                    );
                }
            }
            let pointer = |i: u32| {
                entry
                    .get_nth_param(i)
                    .expect("declared")
                    .into_pointer_value()
            };
            (pointer(0), pointer(1), p(2), p(3), p(4))
        }
    };
    let sreg = |name: &str| -> Res<IntValue<'ctx>> {
        let f = module
            .get_function(name)
            .unwrap_or_else(|| module.add_function(name, i32t.fn_type(&[], false), None));
        let v = match b.build_call(f, &[], name)?.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => v.into_int_value(),
            inkwell::values::ValueKind::Instruction(_) => {
                return Err(CodegenError::Internal(format!("{name} without a value")))
            }
        };
        Ok(b.build_int_z_extend(v, i64t, "wide")?)
    };
    let tid = sreg("llvm.nvvm.read.ptx.sreg.tid.x")?;
    let ctaid = sreg("llvm.nvvm.read.ptx.sreg.ctaid.x")?;
    let ntid = sreg("llvm.nvvm.read.ptx.sreg.ntid.x")?;
    let nctaid = sreg("llvm.nvvm.read.ptx.sreg.nctaid.x")?;
    // A block per row steps over rows by blocks; otherwise by threads of the grid.
    let (first, step) = if blocks {
        (ctaid, nctaid)
    } else {
        (
            b.build_int_add(b.build_int_mul(ctaid, ntid, "base")?, tid, "first")?,
            b.build_int_mul(nctaid, ntid, "step")?,
        )
    };
    // A chunked fold's thread works on its own copy of the pointer table.
    let table = match chunked_outputs {
        Some(_) => {
            let t = ptr.array_type(n_buffers as u32 + 1);
            let local = b.build_alloca(t, "table")?;
            let bytes = i64t.const_int(8 * (n_buffers as u64 + 1), false);
            b.build_memcpy(local, 8, buffers, 8, bytes)
                .map_err(|e| CodegenError::Internal(e.to_string()))?;
            local
        }
        None => buffers,
    };
    // A chunked fold's `rows` is its chunk count.
    let total = if elementwise {
        b.build_int_mul(rows, cols, "total")?
    } else {
        rows
    };
    let head = block("head");
    let body = block("body");
    let done = block("done");
    b.build_unconditional_branch(head)?;
    b.position_at_end(head);
    let i = b.build_phi(i64t, "i")?;
    i.add_incoming(&[(&first, start)]);
    let iv = i.as_basic_value().into_int_value();
    let more = b.build_int_compare(IntPredicate::SLT, iv, total, "more")?;
    b.build_conditional_branch(more, body, done)?;
    b.position_at_end(body);
    let one = i64t.const_int(1, false);
    let call = |r0: IntValue<'ctx>, r1: IntValue<'ctx>, c0: IntValue<'ctx>, c1: IntValue<'ctx>| {
        b.build_call(
            inner,
            &[
                table.into(),
                params.into(),
                r0.into(),
                r1.into(),
                c0.into(),
                c1.into(),
            ],
            "",
        )
        .map(|_| ())
    };
    if elementwise {
        // One row (a 1-d array) needs no division per element.
        let single = block("single");
        let split = block("split");
        let stepped = block("step");
        let one_row = b.build_int_compare(IntPredicate::EQ, rows, one, "onerow")?;
        b.build_conditional_branch(one_row, single, split)?;
        b.position_at_end(single);
        call(i64t.const_zero(), one, iv, b.build_int_add(iv, one, "c1")?)?;
        b.build_unconditional_branch(stepped)?;
        b.position_at_end(split);
        let r = b.build_int_unsigned_div(iv, cols, "r")?;
        let c = b.build_int_sub(iv, b.build_int_mul(r, cols, "rc")?, "c")?;
        call(
            r,
            b.build_int_add(r, one, "r1")?,
            c,
            b.build_int_add(c, one, "c1")?,
        )?;
        b.build_unconditional_branch(stepped)?;
        b.position_at_end(stepped);
    } else if let Some(outputs) = chunked_outputs {
        // The partials' base is the table's slot `n_buffers` (set by the executor).
        let slot = |k: u64| unsafe {
            b.build_in_bounds_gep(ptr, table, &[i64t.const_int(k, false)], "slot")
        };
        let base = b
            .build_load(ptr, slot(n_buffers as u64)?, "partials")?
            .into_pointer_value();
        for (k, &out) in outputs.iter().enumerate() {
            let index = b.build_int_add(
                b.build_int_mul(iv, i64t.const_int(outputs.len() as u64, false), "ik")?,
                i64t.const_int(k as u64, false),
                "index",
            )?;
            let byte = b.build_int_mul(index, i64t.const_int(16, false), "byte")?;
            let mine = unsafe { b.build_in_bounds_gep(ctx.i8_type(), base, &[byte], "mine")? };
            b.build_store(slot(out as u64)?, mine)?;
        }
        // `cols` is the first inner axis's extent: the last chunk stops there.
        let c0 = b.build_int_mul(iv, chunk, "c0")?;
        let end = b.build_int_add(c0, chunk, "end")?;
        let past = b.build_int_compare(IntPredicate::SGT, end, cols, "past")?;
        let c1 = b.build_select(past, cols, end, "c1")?.into_int_value();
        call(i64t.const_zero(), one, c0, c1)?;
    } else {
        call(iv, b.build_int_add(iv, one, "r1")?, i64t.const_zero(), cols)?;
    }
    let next = b.build_int_add(iv, step, "next")?;
    i.add_incoming(&[(&next, b.get_insert_block().expect("positioned"))]);
    b.build_unconditional_branch(head)?;
    b.position_at_end(done);
    b.build_return(None)?;
    Ok(())
}

/// Points the module's C math calls at libdevice's functions (`hypot` -> `__nv_hypot`,
/// `hypotf` -> `__nv_hypotf`) and links libdevice in, when the module calls any.
fn link_libdevice<'ctx>(ctx: &'ctx Context, module: &Module<'ctx>) -> Res<()> {
    let mut external = Vec::new();
    let mut f = module.get_first_function();
    while let Some(func) = f {
        let name = func.get_name().to_string_lossy().into_owned();
        if func.count_basic_blocks() == 0 && !name.starts_with("llvm.") {
            external.push((func, name));
        }
        f = func.get_next_function();
    }
    if external.is_empty() {
        return Ok(());
    }
    let path = toolkit::libdevice().ok_or_else(|| {
        let names: Vec<&str> = external.iter().map(|(_, n)| n.as_str()).collect();
        CodegenError::Device(format!(
            "this kernel calls {} from CUDA's libdevice, which was not found \
             (set LAZYFUSE_CUDA_HOME, or pip install nvidia-cuda-nvcc-cu12)",
            names.join(", ")
        ))
    })?;
    for (func, name) in &external {
        func.as_global_value().set_name(&format!("__nv_{name}"));
    }
    let libdevice = Module::parse_bitcode_from_path(&path, ctx)
        .map_err(|e| CodegenError::Device(format!("reading {}: {e}", path.display())))?;
    libdevice.set_triple(&module.get_triple());
    libdevice.set_data_layout(&module.get_data_layout());
    module
        .link_in_module(libdevice)
        .map_err(|e| CodegenError::Llvm(format!("linking libdevice: {e}")))?;
    // What libdevice does not define (C's complex functions) has no GPU lowering.
    let mut missing = Vec::new();
    let mut f = module.get_first_function();
    while let Some(func) = f {
        let name = func.get_name().to_string_lossy().into_owned();
        if func.count_basic_blocks() == 0 && name.starts_with("__nv_") {
            missing.push(name.trim_start_matches("__nv_").to_string());
        }
        f = func.get_next_function();
    }
    if !missing.is_empty() {
        return Err(CodegenError::NoGpuLowering(missing.join(", ")));
    }
    // Only what the kernel calls stays: the rest of libdevice is internalised and
    // dropped by the optimiser.
    let mut f = module.get_first_function();
    while let Some(func) = f {
        let name = func.get_name().to_string_lossy();
        if func.count_basic_blocks() > 0 && name != ENTRY {
            func.set_linkage(Linkage::Internal);
        }
        f = func.get_next_function();
    }
    Ok(())
}
