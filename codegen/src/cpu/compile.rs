//! Compiling a loop kernel: its structural cache key, LLVM's options and host target,
//! the optimisation pipeline, the object file, and linking it into the process.

use inkwell::context::Context;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine,
};
use inkwell::OptimizationLevel;
use lazyfuse_ir::kernel::LoopKernel;
use lazyfuse_ir::DType;

use super::emit::LoopVersions;
use super::orc::LoadedObject;
use super::{emit, KernelFn, Linked};
use crate::error::CodegenError;

/// LLVM options set once per process, before the first compilation.
///
/// `-enable-mem-access-versioning=0`: a kernel's inner loop is already emitted twice,
/// a version for unit strides (constants, so LLVM vectorises it without checks) and a
/// general one (`Emit::versioned`). In the general one LLVM's loop access analysis
/// would version every pointer on "run-time stride == 1" again, and compare those
/// predicates pairwise: a kernel reading 1,000 arrays (a balanced sum tree over 2,048
/// inputs) spent 33% of 9.7 s in `SCEVComparePredicate::implies` (perf record).
///
/// `-disable-lsr`: loop strength reduction was 18-22% of machine-code generation for
/// row kernels (`llc -time-passes`; ISel and register allocation are the rest), and
/// our loops did not run faster for its rewrites of their address arithmetic. Without
/// it, first calls in a fresh process
/// with no disk cache took 71 ms instead of 88 (softmax), 43 instead of 57 (layernorm),
/// 40 instead of 54 (pairwise distances), 53 instead of 62 (logsumexp); the steady
/// calls of the 13 loop workloads measured the same within run-to-run noise. (The
/// option is process-wide, so PTX is made without it too; ptxas reduces strength
/// itself.)
pub(super) fn set_llvm_options() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let args = [
            c"lazyfuse".as_ptr(),
            c"-enable-mem-access-versioning=0".as_ptr(),
            c"-disable-lsr".as_ptr(),
        ];
        // SAFETY: NUL-terminated strings that live for the whole program; called once,
        // before any LLVM pass runs.
        unsafe {
            inkwell::llvm_sys::support::LLVMParseCommandLineOptions(
                args.len() as i32,
                args.as_ptr(),
                c"".as_ptr(),
            );
        }
    });
}

/// LLVM's process-wide set-up (options, the native target's registration), once:
/// after it, compilations in separate contexts may run on several threads at once.
fn initialize_llvm() -> Result<(), CodegenError> {
    static INIT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    INIT.get_or_init(|| {
        set_llvm_options();
        Target::initialize_native(&InitializationConfig::default())
    })
    .clone()
    .map_err(CodegenError::Llvm)
}

/// The host's preferred vector width (see [`crate::target::preferred_vector_width`]),
/// decided once.
fn vector_width() -> Option<u32> {
    static WIDTH: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *WIDTH.get_or_init(|| {
        crate::target::host()
            .ok()
            .and_then(|h| crate::target::preferred_vector_width(&h))
    })
}

/// The CPU a module is compiled for: LLVM's CPU name, its feature string and the
/// preferred vector width (None: LLVM's choice for the CPU).
#[derive(Clone, Debug)]
pub(crate) struct CpuModel {
    pub(crate) cpu: String,
    pub(crate) features: String,
    pub(crate) vector_width: Option<u32>,
}

impl CpuModel {
    /// This machine's CPU.
    pub(crate) fn host() -> CpuModel {
        CpuModel {
            cpu: TargetMachine::get_host_cpu_name().to_string(),
            features: TargetMachine::get_host_cpu_features().to_string(),
            vector_width: vector_width(),
        }
    }
}

pub(super) fn host_machine() -> Result<TargetMachine, CodegenError> {
    target_machine(&CpuModel::host(), RelocMode::Default, CodeModel::JITDefault)
}

/// How much work LLVM puts into a kernel's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effort {
    /// The O2 pipeline, which vectorises loops, and LLVM's most aggressive code
    /// generation.
    Full,
    /// A kernel over a single point (no loop extents, so no loop worth optimising,
    /// whatever the sizes it later runs at): a few clean-up passes and LLVM's fast
    /// instruction selection. Such kernels are the scalar tails of programs (a mean's
    /// division, a loss); measured with `examples/compile_program`, one compiles in
    /// about 3 ms instead of 10 (the O2 pipeline and the full code generator cost that
    /// much even on a handful of instructions).
    Light,
}

impl Effort {
    /// The effort `kernel`'s code is worth.
    pub(crate) fn for_kernel(kernel: &LoopKernel) -> Effort {
        if kernel.outer.is_empty() && kernel.inner.is_empty() {
            Effort::Light
        } else {
            Effort::Full
        }
    }

    /// The new pass manager's pipeline.
    fn pipeline(self) -> &'static str {
        match self {
            Effort::Full => "default<O2>",
            // instcombine without its fixpoint check: named in a pipeline string it
            // checks by default, and a rare kernel that needs a second round then
            // aborts the process ("did not reach a fixpoint").
            Effort::Light => {
                "always-inline,function(sroa,early-cse,instcombine<no-verify-fixpoint>,simplifycfg)"
            }
        }
    }
}

/// Runs `f` with this thread's target machine for JIT objects of `effort` (this
/// machine's CPU, position-independent code), made on the thread's first such
/// compile. Making one costs about 1 ms, more than some kernels take to compile: it
/// parses the CPU's long feature string into a subtarget, which LLVM then reuses for
/// every module the machine compiles.
pub(super) fn with_jit_machine<T>(
    effort: Effort,
    f: impl FnOnce(&TargetMachine) -> Result<T, CodegenError>,
) -> Result<T, CodegenError> {
    type Slot = std::cell::OnceCell<TargetMachine>;
    thread_local! {
        static FULL: Slot = const { Slot::new() };
        static LIGHT: Slot = const { Slot::new() };
    }
    let run = |slot: &Slot| {
        if slot.get().is_none() {
            let level = match effort {
                Effort::Full => OptimizationLevel::Aggressive,
                Effort::Light => OptimizationLevel::None,
            };
            let _ = slot.set(target_machine_at(
                &CpuModel::host(),
                RelocMode::PIC,
                CodeModel::Default,
                level,
            )?);
        }
        f(slot.get().expect("set above"))
    };
    match effort {
        Effort::Full => FULL.with(run),
        Effort::Light => LIGHT.with(run),
    }
}

/// A target machine for `model` on this machine's architecture.
pub(crate) fn target_machine(
    model: &CpuModel,
    reloc: RelocMode,
    code_model: CodeModel,
) -> Result<TargetMachine, CodegenError> {
    target_machine_at(model, reloc, code_model, OptimizationLevel::Aggressive)
}

/// [`target_machine`] generating code at `level`.
fn target_machine_at(
    model: &CpuModel,
    reloc: RelocMode,
    code_model: CodeModel,
    level: OptimizationLevel,
) -> Result<TargetMachine, CodegenError> {
    initialize_llvm()?;
    let triple = TargetMachine::get_default_triple();
    crate::target::machine_at(
        &triple,
        &model.cpu,
        &model.features,
        reloc,
        code_model,
        level,
    )
    .map_err(|e| CodegenError::Llvm(e.to_string()))
}

/// Sets the host triple, data layout and CPU attributes, verifies, and runs the
/// pipeline of `effort` (None: none). [`Effort::Full`] is O2: it vectorises as O3 does
/// (measured: a 10-op kernel compiles in 28 ms instead of 35, softmax runs as fast
/// within noise). Without LLVM's loop unroller: the vectoriser already interleaves, and
/// unrolling its loops again cost softmax's kernel 7 ms of about 60 to compile and
/// layernorm's 4 of 30, with steady runs the same within noise (softmax 50-53 ms
/// against 50-51, logsumexp 23-24 against 22-24, pairwise distances 32-41 against
/// 32-35: `examples/compile_program`, three alternating runs each).
pub(super) fn prepare_module(
    module: &inkwell::module::Module<'_>,
    machine: &TargetMachine,
    effort: Option<Effort>,
) -> Result<(), CodegenError> {
    prepare_module_for(module, machine, &CpuModel::host(), effort)
}

/// [`prepare_module`] for the CPU `model` (which `machine` was made for).
pub(crate) fn prepare_module_for(
    module: &inkwell::module::Module<'_>,
    machine: &TargetMachine,
    model: &CpuModel,
    effort: Option<Effort>,
) -> Result<(), CodegenError> {
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    let ctx = module.get_context();
    let cpu = ctx.create_string_attribute("target-cpu", &model.cpu);
    let features = ctx.create_string_attribute("target-features", &model.features);
    let width = model.vector_width.map(|w| w.to_string());
    let mut f = module.get_first_function();
    while let Some(func) = f {
        if func.count_basic_blocks() > 0 {
            func.add_attribute(inkwell::attributes::AttributeLoc::Function, cpu);
            func.add_attribute(inkwell::attributes::AttributeLoc::Function, features);
            if let Some(w) = &width {
                func.add_attribute(
                    inkwell::attributes::AttributeLoc::Function,
                    ctx.create_string_attribute("prefer-vector-width", w),
                );
            }
        }
        f = func.get_next_function();
    }
    crate::llvm::vmath_variants::keep_vector_forms(module);
    module
        .verify()
        .map_err(|e| CodegenError::Internal(format!("invalid LLVM IR: {e}")))?;
    if let Some(effort) = effort {
        module
            .run_passes(effort.pipeline(), machine, {
                let options = PassBuilderOptions::create();
                options.set_loop_unrolling(false);
                options
            })
            .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    }
    let released = crate::llvm::vmath_variants::release_vector_forms(module);
    // The fast forms of sin, cos and tan the loop vectoriser called (now the only uses
    // left): defined now and inlined into the loops (see
    // `vmath_variants::emit_fast_form`).
    let pipeline = if effort.is_some() && super::vector_library::link_fast_forms(module)? {
        "always-inline,globaldce"
    } else {
        "globaldce"
    };
    if released {
        module
            .run_passes(pipeline, machine, PassBuilderOptions::create())
            .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    }
    Ok(())
}

/// The relocatable object of a loop kernel for this machine: the kernel as function
/// `kernel`, optimised. What the JIT links (and the on-disk cache keeps).
pub(super) fn compile_object(
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
    versions: LoopVersions,
) -> Result<Vec<u8>, CodegenError> {
    let effort = Effort::for_kernel(kernel);
    with_jit_machine(effort, |machine| {
        compile_object_with(machine, effort, kernel, buffer_dtypes, versions)
    })
}

/// [`compile_object`] on `machine`, made for `effort`.
fn compile_object_with(
    machine: &TargetMachine,
    effort: Effort,
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
    versions: LoopVersions,
) -> Result<Vec<u8>, CodegenError> {
    let context = Context::create();
    let module = context.create_module("lazyfuse");
    let (_, unit_strides) =
        emit::emit_cpu_kernel(&context, &module, "kernel", kernel, buffer_dtypes, versions)?;
    // A single point calls only the scalar functions: their vector forms would compile
    // beside them for nothing, on cores the scalar compile needs (2-core machine, a
    // cold 0-d float64 cos: 29-31 ms with them, 24-25 without, two runs each).
    let vector_bits = match effort {
        Effort::Full => vector_width(),
        Effort::Light => None,
    };
    super::vector_library::prefetch(&module, vector_bits);
    // The strides the code assumes are 1 travel with it (into the disk cache too):
    // [count, parameter indices...].
    let i64t = context.i64_type();
    let words: Vec<_> = std::iter::once(unit_strides.len())
        .chain(unit_strides)
        .map(|w| i64t.const_int(w as u64, false))
        .collect();
    let table = module.add_global(i64t.array_type(words.len() as u32), None, UNIT_STRIDES);
    table.set_initializer(&i64t.const_array(&words));
    table.set_constant(true);
    prepare_module(&module, machine, Some(effort))?;
    let buffer = machine
        .write_to_memory_buffer(&module, FileType::Object)
        .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    Ok(buffer.as_slice().to_vec())
}

/// The parameters that must be 1 for a kernel's unit-stride code
/// (`LoopVersions::UnitOnly`), from its IR (emitted, not compiled: well under a
/// millisecond).
pub(super) fn unit_strides(
    kernel: &LoopKernel,
    buffer_dtypes: &[DType],
) -> Result<Vec<usize>, CodegenError> {
    let context = Context::create();
    let module = context.create_module("lazyfuse");
    let (_, strides) = emit::emit_cpu_kernel(
        &context,
        &module,
        "kernel",
        kernel,
        buffer_dtypes,
        LoopVersions::UnitOnly,
    )?;
    Ok(strides)
}

/// The symbol of a compiled kernel's table of the stride parameters it assumes are 1.
const UNIT_STRIDES: &str = "lazyfuse_unit_strides";

/// A kernel's code from its object (see [`compile_object`]), linked into this process.
pub(super) fn link(object: &[u8]) -> Result<Linked, CodegenError> {
    let (code, address) = LoadedObject::load(object, "kernel")?;
    // SAFETY: the kernel was emitted with exactly this signature.
    let entry: KernelFn = unsafe { std::mem::transmute::<usize, KernelFn>(address) };
    let table = code.lookup(UNIT_STRIDES)? as *const i64;
    // SAFETY: the table is a constant [count, indices...] array of i64 that
    // `compile_object` wrote, linked at this address and alive while `code` is.
    let unit_strides = unsafe {
        let count = *table;
        if !(0..1 << 20).contains(&count) {
            return Err(CodegenError::Internal(format!(
                "a kernel's unit-stride table says {count} entries"
            )));
        }
        std::slice::from_raw_parts(table.add(1), count as usize)
            .iter()
            .map(|&i| i as usize)
            .collect()
    };
    Ok(Linked {
        _code: code,
        entry,
        unit_strides,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuExecutor;
    use lazyfuse_ir::kernel::Kernel;
    use lazyfuse_ir::{Program, Scalar, Value};

    /// A kernel over one point compiles with [`Effort::Light`] and gives, bit for bit,
    /// what [`Effort::Full`] code gives for the same ops over a one-element array:
    /// transcendental ops (inlined, and sin from the shared library), division,
    /// comparisons and selects, casts and integer ops, on NaN, ±inf, ±0 and subnormals
    /// (NaNs compared as a class).
    #[test]
    fn single_point_kernels_compile_light_and_give_the_bits_of_full_code() {
        let text = |s: &str| {
            format!(
                "program(a: f64{s}, b: f64{s}) {{
  c: f64{s} = exp a
  d: f64{s} = sin b
  e: f64{s} = div c d
  f: f64{s} = sqrt a
  g: f64{s} = log b
  h: f64{s} = maximum e f
  i: f64{s} = mul h g
  j: bool{s} = lt a b
  k: f64{s} = where j i e
  l: i32{s} = cast[i32] b
  m: i32{s} = floordiv l l
  n: f32{s} = cast[f32] k
  o: f32{s} = tanh n
  return k, m, o
}}"
            )
        };
        let exec = CpuExecutor::new(1);
        let run = |shape: &str, effort: Effort, a: f64, b: f64| -> Vec<Scalar> {
            let program: Program = text(shape).parse().unwrap();
            let plan = lazyfuse_optimizer::plan(&program, &Default::default()).unwrap();
            for k in &plan.kernels {
                if let Kernel::Loop(l) = k {
                    assert_eq!(Effort::for_kernel(l), effort, "{shape}");
                }
            }
            let value = |x: f64| {
                let v = Value::from_array(ndarray::arr0(x).into_dyn());
                if shape == "[]" {
                    v
                } else {
                    Value::from_array(ndarray::arr1(&[x]).into_dyn())
                }
            };
            let out = exec.run(&plan, &[value(a), value(b)]).unwrap();
            out.iter().flat_map(|v| v.to_scalars()).collect()
        };
        // IEEE 754 leaves the sign and payload of a NaN result unspecified (x86's
        // default NaN is negative, a constant-folded one positive), and NumPy makes
        // no promise about them either: any NaN matches any NaN, all else bit for bit.
        let bits = |s: &Scalar| match *s {
            Scalar::F64(x) if x.is_nan() => f64::NAN.to_bits(),
            Scalar::F32(x) if x.is_nan() => f32::NAN.to_bits() as u64,
            Scalar::F64(x) => x.to_bits(),
            Scalar::F32(x) => x.to_bits() as u64,
            Scalar::I32(x) => x as u32 as u64,
            ref other => panic!("unexpected {other:?}"),
        };
        let values = [
            0.5,
            -0.0,
            0.0,
            2.5,
            -3.7,
            1e300,
            -1e-310,
            1e6,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for a in values {
            for b in values {
                let light = run("[]", Effort::Light, a, b);
                let full = run("[1]", Effort::Full, a, b);
                assert_eq!(
                    light.iter().map(bits).collect::<Vec<_>>(),
                    full.iter().map(bits).collect::<Vec<_>>(),
                    "a = {a}, b = {b}: {light:?} against {full:?}"
                );
            }
        }
    }
}
