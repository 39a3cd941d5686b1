//! Ahead-of-time export: a kernel plan as a shared library (`lib<name>.so`), a static
//! one (`lib<name>.a`) and a C header (`<name>.h`, with `dlpack.h`), callable from C
//! and anything with a C FFI, with no Python and no LLVM at run time.
//!
//! The loop kernels are compiled by LLVM into one object file (for the host CPU or a
//! named one); the plan itself becomes C tables that a small runtime
//! (`runtime/lazyfuse_runtime.c`: argument checks, temporaries, the thread pool,
//! chunked reductions, matrix products) runs as the CPU executor does. The system C
//! compiler (`$CC`, else `cc`) compiles that C and links the libraries.

mod dynamic;
mod header;
mod tables;

pub use dynamic::{check_offsets, grid_offsets, PlanInstance, SizeSymbol, MAX_SIZES};

use std::path::{Path, PathBuf};
use std::process::Command;

use lazyfuse_ir::kernel::KernelPlan;
use lazyfuse_ir::{TensorType, Value};

use crate::cpu::aot;
use crate::error::CodegenError;
use tables::Numbers;

/// The CPU an export is compiled for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ExportTarget {
    /// This machine's CPU, with all its features.
    #[default]
    Host,
    /// An LLVM CPU name: the x86-64 baselines `x86-64-v2`, `x86-64-v3` (AVX2),
    /// `x86-64-v4` (AVX-512), or a model such as `znver4`.
    Cpu(String),
}

/// Where an input slot of the plan comes from in an exported function.
#[derive(Clone, Debug)]
pub enum SlotSource {
    /// The n-th argument of the exported function.
    Argument(usize),
    /// Data captured when the function was traced, embedded in the library.
    Constant(Value),
}

/// What to export and where.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// The C name of the function and the libraries' stem (`lib<name>.so`).
    pub name: String,
    /// The directory the files are written to (created if missing).
    pub out_dir: PathBuf,
    /// The CPU compiled for.
    pub target: ExportTarget,
    /// Names of the arguments, for the header (optional).
    pub arg_names: Vec<String>,
    /// What the function computes, for the header's first lines.
    pub summary: String,
    /// Shape-generic: the function takes any sizes its program allows (see
    /// [`export_dynamic`]); the frontends plan it at the sizes [`grid_offsets`] and
    /// [`check_offsets`] give.
    pub dynamic: bool,
}

/// The files an export wrote.
#[derive(Clone, Debug)]
pub struct Exported {
    /// `lib<name>.so`.
    pub shared_library: PathBuf,
    /// `lib<name>.a`.
    pub static_library: PathBuf,
    /// `<name>.h`.
    pub header: PathBuf,
    /// `dlpack.h`, which the header includes.
    pub dlpack_header: PathBuf,
    /// The libraries a program linking the static library also needs (`m`, `pthread`,
    /// and `openblas` when a matrix product is exported).
    pub link_libraries: Vec<String>,
    /// The LLVM CPU name compiled for.
    pub cpu: String,
}

/// The runtime's sources, embedded in lazyfuse so an export needs no other files.
const RUNTIME_C: &str = include_str!("runtime/lazyfuse_runtime.c");
const RUNTIME_H: &str = include_str!("runtime/lazyfuse_runtime.h");
const DLPACK_H: &str = include_str!("runtime/dlpack.h");

fn is_c_identifier(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
        "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
        "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
        "union", "unsigned", "void", "volatile", "while", "main",
    ];
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&name)
        && !name.starts_with("lfrt_")
        && !name.starts_with("LAZYFUSE")
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> CodegenError {
    CodegenError::Export(format!("export: {what} {}: {e}", path.display()))
}

/// Exports `plan` as the function `options.name` of `args` (the plan's input slots
/// bound as `slots` says): compiles its kernels, writes the C tables, header and
/// runtime, and links `lib<name>.so` and `lib<name>.a` in `options.out_dir`.
pub fn export_plan(
    plan: &KernelPlan,
    slots: &[SlotSource],
    args: &[TensorType],
    options: &ExportOptions,
) -> Result<Exported, CodegenError> {
    export_family(&[(&[], plan, slots, args)], &[], options)
}

/// Exports a shape-generic function: `instances` are its plans at the sizes
/// `symbols[k].example + g_k` for every grid point g of [`grid_offsets`] (the first
/// instance at the traced sizes) and at any further checking sizes. The plans must
/// have one structure; their numbers become polynomials of the sizes, computed at run
/// time from the input tensors' shapes (module `dynamic`).
pub fn export_dynamic(
    instances: &[PlanInstance],
    symbols: &[SizeSymbol],
    options: &ExportOptions,
) -> Result<Exported, CodegenError> {
    if instances.is_empty() {
        return Err(CodegenError::Internal("export_dynamic: no plans".into()));
    }
    let family: Vec<Instance<'_>> = instances
        .iter()
        .map(|i| {
            (
                i.sizes.as_slice(),
                &i.plan,
                i.slots.as_slice(),
                i.args.as_slice(),
            )
        })
        .collect();
    export_family(&family, symbols, options)
}

/// A plan with its sizes, slots and arguments.
type Instance<'a> = (
    &'a [usize],
    &'a KernelPlan,
    &'a [SlotSource],
    &'a [TensorType],
);

fn export_family(
    family: &[Instance<'_>],
    symbols: &[SizeSymbol],
    options: &ExportOptions,
) -> Result<Exported, CodegenError> {
    let name = options.name.as_str();
    if !is_c_identifier(name) {
        return Err(CodegenError::Export(format!(
            "export: name {name:?} is not a C identifier (letters, digits and _, not starting \
             with a digit, not a C keyword)"
        )));
    }
    for &(_, plan, slots, args) in family {
        plan.verify()?;
        check_slots(plan, slots, args)?;
    }
    let model = aot::cpu_model(match &options.target {
        ExportTarget::Host => None,
        ExportTarget::Cpu(cpu) => Some(cpu.as_str()),
    })?;
    // Shape-generic: kernel constants that vary with the sizes become run-time numbers.
    let (lifted, lifted_info) = if symbols.is_empty() {
        (Vec::new(), dynamic::Lifted::default())
    } else {
        let plans: Vec<&KernelPlan> = family.iter().map(|f| f.1).collect();
        let slots: Vec<&[SlotSource]> = family.iter().map(|f| f.2).collect();
        let sizes: Vec<&[usize]> = family.iter().map(|f| f.0).collect();
        dynamic::lift_varying_constants(&plans, &slots, &sizes)?
    };
    // Reciprocal constants are read from new slots: at each size, its value.
    let extended_slots: Vec<Vec<SlotSource>> = if lifted_info.reciprocals.is_empty() {
        Vec::new()
    } else {
        family
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut slots = f.2.to_vec();
                for r in &lifted_info.reciprocals {
                    let v = r.numerator / r.counts[i] as f64;
                    let value = match r.dtype {
                        lazyfuse_ir::DType::F32 => {
                            lazyfuse_ir::Scalar::F32((r.numerator as f32) / (r.counts[i] as f32))
                        }
                        _ => lazyfuse_ir::Scalar::F64(v),
                    };
                    slots.push(SlotSource::Constant(Value::from_scalar(value)));
                }
                slots
            })
            .collect()
    };
    let family: Vec<Instance<'_>> = if lifted.is_empty() {
        family.to_vec()
    } else {
        family
            .iter()
            .enumerate()
            .zip(&lifted)
            .map(|((i, &(at, _, slots, args)), plan)| {
                let slots = extended_slots.get(i).map_or(slots, |s| s.as_slice());
                (at, plan, slots, args)
            })
            .collect()
    };
    if !lifted.is_empty() {
        for &(_, plan, slots, args) in &family {
            plan.verify()?;
            check_slots(plan, slots, args)?;
        }
    }
    let (_, plan, slots, args) = family[0];
    let (tables, defs) = tables::write_tables(name, plan, slots, args, &mut Numbers::literal())?;
    let generic = if symbols.is_empty() {
        None
    } else {
        Some(shape_generic(name, &family, symbols, &defs, &lifted_info)?)
    };
    let out_dir = &options.out_dir;
    std::fs::create_dir_all(out_dir).map_err(|e| io_error("cannot create", out_dir, e))?;
    // Intermediate files in a private directory, removed afterwards.
    let build = out_dir.join(format!(".lazyfuse-build-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&build).map_err(|e| io_error("cannot create", &build, e))?;
    let tables = match &generic {
        Some(g) => format!("{tables}\n{}", g.function),
        None => tables,
    };
    let result = build_in(
        plan,
        slots,
        args,
        options,
        &model,
        &tables,
        &defs,
        &build,
        symbols,
        generic.as_ref(),
    );
    let _ = std::fs::remove_dir_all(&build);
    result
}

/// A shape-generic export's C: the plan-building function, and each input's and
/// output's dimensions as the header names them.
struct ShapeGeneric {
    function: String,
    output_dims: Vec<Vec<String>>,
}

/// Checks that the family's plans share one structure, fits their numbers, and writes
/// the function that builds the plan at run-time sizes.
fn shape_generic(
    name: &str,
    family: &[Instance<'_>],
    symbols: &[SizeSymbol],
    defs: &tables::Definitions,
    lifted: &dynamic::Lifted,
) -> Result<ShapeGeneric, CodegenError> {
    let base_slots = family[0].2.len() - lifted.reciprocals.len();
    let skip = |s: usize| lifted.slots.contains(&s) || s >= base_slots;
    let key = |d: &tables::Definitions| -> Vec<String> {
        d.kernels
            .iter()
            .map(|(symbol, k, dtypes)| {
                format!(
                    "{symbol}:{}",
                    crate::runtime::keys::structure_key(k, dtypes)
                )
            })
            .collect()
    };
    let base_keys = key(defs);
    let mut text = None;
    let mut numbers = Vec::new();
    let mut sizes = Vec::new();
    for &(at, plan, slots, args) in family {
        let mut n = Numbers::placeholders();
        let (t, d) = tables::write_tables(name, plan, slots, args, &mut n)?;
        let same_constants = slots.len() == family[0].2.len()
            && slots
                .iter()
                .zip(family[0].2)
                .enumerate()
                .all(|(s, (a, b))| match (a, b) {
                    _ if skip(s) => true,
                    (SlotSource::Argument(x), SlotSource::Argument(y)) => x == y,
                    (SlotSource::Constant(x), SlotSource::Constant(y)) => {
                        x.dtype() == y.dtype()
                            && x.shape() == y.shape()
                            && constant_bytes(x) == constant_bytes(y)
                    }
                    _ => false,
                });
        let first = text.get_or_insert_with(|| t.clone());
        if *first != t || key(&d) != base_keys || !same_constants {
            return Err(CodegenError::Export(format!(
                "export(dynamic=True): the plan's structure at sizes {at:?} differs from the \
                 one at the traced sizes {:?} (lazyfuse plans this program differently for \
                 different sizes); export with static shapes",
                family[0].0
            )));
        }
        numbers.push(n.values);
        sizes.push(at.to_vec());
    }
    let fitted = dynamic::fit_numbers(symbols, &numbers, &sizes)?;
    let text = text.unwrap_or_default();
    // The outputs' dimensions: the numbers of their buffers' shapes, in order.
    let (_, plan, _, _) = family[0];
    let mut offsets = Vec::new();
    let mut position = 0;
    for b in &plan.buffers {
        offsets.push(position);
        position += b.ty.shape.ndim();
    }
    let output_dims = plan
        .outputs
        .iter()
        .map(|o| {
            let b = &plan.buffers[o.0 as usize];
            (0..b.ty.shape.ndim())
                .map(|d| {
                    let p = &fitted[offsets[o.0 as usize] + d];
                    match (p.constant(), p.size(symbols)) {
                        (Some(c), _) => c.to_string(),
                        (None, Some(k)) => format!("n{k}"),
                        _ => "(a function of the sizes)".to_string(),
                    }
                })
                .collect()
        })
        .collect();
    Ok(ShapeGeneric {
        function: dynamic::with_sizes_function(
            name,
            symbols,
            &text,
            &fitted,
            &lifted.reciprocals,
            base_slots,
            &sizes,
        )?,
        output_dims,
    })
}

/// Every slot is an argument of the plan's slot type or a constant of it.
fn check_slots(
    plan: &KernelPlan,
    slots: &[SlotSource],
    args: &[TensorType],
) -> Result<(), CodegenError> {
    for b in &plan.buffers {
        if let lazyfuse_ir::kernel::BufferKind::Input(s) = b.kind {
            let ok = match slots.get(s) {
                Some(SlotSource::Argument(n)) => args.get(*n) == Some(&b.ty),
                Some(SlotSource::Constant(v)) => {
                    v.dtype() == b.ty.dtype && v.shape() == b.ty.shape.dims()
                }
                None => false,
            };
            if !ok {
                return Err(CodegenError::Export(format!(
                    "export: input slot {s} ({}) is not bound to an argument or constant of \
                     its type",
                    b.ty
                )));
            }
        }
    }
    Ok(())
}

/// A constant's elements in C order, as bytes.
fn constant_bytes(v: &Value) -> Vec<u8> {
    lazyfuse_ir::with_value!(v, a => {
        let standard = a.as_standard_layout();
        let slice = standard.as_slice().expect("standard layout");
        // SAFETY: plain element types (no padding, bool stored as one byte 0 or 1).
        unsafe {
            std::slice::from_raw_parts(slice.as_ptr().cast::<u8>(), std::mem::size_of_val(slice))
        }
        .to_vec()
    })
}

#[allow(clippy::too_many_arguments)]
fn build_in(
    plan: &KernelPlan,
    slots: &[SlotSource],
    args: &[TensorType],
    options: &ExportOptions,
    model: &aot::CpuModel,
    tables: &str,
    defs: &tables::Definitions,
    build: &Path,
    sizes: &[SizeSymbol],
    generic: Option<&ShapeGeneric>,
) -> Result<Exported, CodegenError> {
    let name = options.name.as_str();
    let out_dir = &options.out_dir;
    // The kernels and constants: one object file.
    let constant_data: Vec<(String, Vec<u8>)> = defs
        .constants
        .iter()
        .map(|(symbol, s)| match &slots[*s] {
            SlotSource::Constant(v) => Ok((symbol.clone(), constant_bytes(v))),
            SlotSource::Argument(_) => Err(CodegenError::Internal("constant slot".into())),
        })
        .collect::<Result<_, _>>()?;
    let constants: Vec<(String, &[u8])> = constant_data
        .iter()
        .map(|(s, b)| (s.clone(), b.as_slice()))
        .collect();
    let kernels: Vec<aot::ObjectKernel<'_>> = defs
        .kernels
        .iter()
        .map(|(symbol, kernel, dtypes)| aot::ObjectKernel {
            symbol: symbol.clone(),
            kernel,
            dtypes: dtypes.clone(),
        })
        .collect();
    let kernels_o = build.join(format!("{name}_kernels.o"));
    aot::write_object(&kernels, &constants, model, &kernels_o)?;
    // The header, dlpack.h and the library's C file.
    let outputs: Vec<TensorType> = plan
        .outputs
        .iter()
        .map(|o| plan.buffers[o.0 as usize].ty.clone())
        .collect();
    let mut libraries = vec!["m", "pthread"];
    if defs.uses_blas {
        libraries.insert(0, "openblas");
    }
    let description = header::Description {
        name,
        summary: if options.summary.is_empty() {
            name
        } else {
            &options.summary
        },
        args,
        arg_names: &options.arg_names,
        outputs: &outputs,
        cpu: &model.cpu,
        features: "",
        libraries: &libraries,
        sizes,
        // A size names every input dimension traced with its value (not 0 or 1).
        input_dims: args
            .iter()
            .map(|t| {
                t.shape
                    .dims()
                    .iter()
                    .map(
                        |&v| match sizes.iter().position(|s| v > 1 && s.example == v) {
                            Some(k) => format!("n{k}"),
                            None => v.to_string(),
                        },
                    )
                    .collect()
            })
            .collect(),
        output_dims: match generic {
            Some(g) => g.output_dims.clone(),
            None => outputs
                .iter()
                .map(|t| t.shape.dims().iter().map(|d| d.to_string()).collect())
                .collect(),
        },
    };
    let header_path = out_dir.join(format!("{name}.h"));
    let dlpack_path = out_dir.join("dlpack.h");
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|e| io_error("cannot write", path, e))
    };
    write(&header_path, &header::header(&description))?;
    write(&dlpack_path, DLPACK_H)?;
    write(&build.join("dlpack.h"), DLPACK_H)?;
    write(&build.join("lazyfuse_runtime.h"), RUNTIME_H)?;
    write(&build.join("lazyfuse_runtime.c"), RUNTIME_C)?;
    write(
        &build.join(format!("{name}.h")),
        &header::header(&description),
    )?;
    let source = format!(
        "/* {name}: the exported plan (generated by lazyfuse). */\n#include \"{name}.h\"\n\
         #include \"lazyfuse_runtime.c\"\n\n{tables}{}",
        header::entry_points(&description)
    );
    let library_c = build.join(format!("{name}_lib.c"));
    write(&library_c, &source)?;
    // Compile and link; LAZYFUSE_EXPORT_CFLAGS adds flags to both (the tests build the
    // runtime with -fsanitize=address).
    let extra_flags: Vec<String> = std::env::var("LAZYFUSE_EXPORT_CFLAGS")
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let library_o = build.join(format!("{name}_lib.o"));
    let mut compile = compiler();
    compile.args([
        "-std=gnu11",
        "-O2",
        "-fPIC",
        "-fvisibility=hidden",
        // Products and sums as written (no fused multiply-adds): the same bits as the
        // CPU executor where the runtime computes (reduction combines, matmul loops).
        "-ffp-contract=off",
        "-c",
    ]);
    if defs.uses_blas {
        compile.arg("-DLFRT_BLAS");
    }
    compile.args(&extra_flags);
    compile
        .arg("-I")
        .arg(build)
        .arg(&library_c)
        .arg("-o")
        .arg(&library_o);
    run(compile, "compile the library's C")?;
    let shared = out_dir.join(format!("lib{name}.so"));
    let mut link = compiler();
    link.arg("-shared")
        .arg("-o")
        .arg(&shared)
        .arg(&library_o)
        .arg(&kernels_o)
        .args(&extra_flags)
        .args(libraries.iter().map(|l| format!("-l{l}")));
    run(link, "link the shared library")?;
    let archive = out_dir.join(format!("lib{name}.a"));
    let _ = std::fs::remove_file(&archive);
    let mut ar = Command::new(std::env::var("AR").unwrap_or_else(|_| "ar".into()));
    ar.arg("rcs").arg(&archive).arg(&library_o).arg(&kernels_o);
    run(ar, "archive the static library")?;
    Ok(Exported {
        shared_library: shared,
        static_library: archive,
        header: header_path,
        dlpack_header: dlpack_path,
        link_libraries: libraries.iter().map(|s| s.to_string()).collect(),
        cpu: model.cpu.clone(),
    })
}

/// The C compiler: `$CC`, else `cc`.
fn compiler() -> Command {
    Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
}

fn run(mut command: Command, what: &str) -> Result<(), CodegenError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command.output().map_err(|e| {
        CodegenError::Export(format!(
            "export: cannot run `{program}` to {what} ({e}); exporting needs a C compiler \
             and `ar` (install gcc, or set CC and AR)"
        ))
    })?;
    if !output.status.success() {
        return Err(CodegenError::Internal(format!(
            "export: `{program}` failed to {what}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(())
}
