//! The process's vector-math library: sin, cos, tan, the logarithms (ln, log2, log10, log1p)
//! and pow (their vector forms a fast path, and the general one only for vectors with a
//! lane outside it), in float32 and float64, each scalar function and each vector form (`llvm/vmath_variants.rs`) compiled once per process, or read back from the
//! on-disk cache, and shared by every kernel.
//!
//! A JIT kernel only declares the functions it calls (`SplitCode::Library`); linking it
//! asks [`address`] for each (`orc.rs`). Compiling them into every kernel instead made
//! a kernel calling sin take 64 ms to compile against 19 for one calling exp: the
//! forms, their general path and the scalar function went through LLVM's optimiser and
//! code generator each time.
//!
//! Each symbol is compiled on first demand, alone: a loop vectorised for 512-bit vectors
//! calls only the 8-lane float64 form, so the 4-lane one is never compiled.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use inkwell::context::Context;
use inkwell::targets::{CodeModel, FileType, RelocMode};
use inkwell::values::BasicValue;

use super::compile::{prepare_module, target_machine, CpuModel, Effort};
use super::disk_cache::DiskCache;
use super::orc::LoadedObject;
use crate::error::CodegenError;
use crate::llvm::vmath_variants;

/// A symbol's code, linked into this process for its whole life.
struct Entry {
    address: usize,
    _code: LoadedObject,
}

type Slot = Arc<OnceLock<Result<Entry, CodegenError>>>;

/// Symbol -> its entry, made once: threads asking for the same symbol at once wait for
/// one compilation.
fn slots() -> &'static Mutex<HashMap<String, Slot>> {
    static SLOTS: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    SLOTS.get_or_init(Default::default)
}

/// The on-disk cache the environment asks for (the kernels' default one).
fn disk() -> Option<&'static DiskCache> {
    static DISK: OnceLock<Option<DiskCache>> = OnceLock::new();
    DISK.get_or_init(DiskCache::from_environment).as_ref()
}

static COMPILES: AtomicU64 = AtomicU64::new(0);
static DISK_LOADS: AtomicU64 = AtomicU64::new(0);

/// The vector-math library's symbols this process compiled, and those it loaded from
/// the on-disk cache instead.
pub fn vector_math_stats() -> (u64, u64) {
    (
        COMPILES.load(Ordering::Relaxed),
        DISK_LOADS.load(Ordering::Relaxed),
    )
}

/// Whether the library defines `symbol`.
pub(super) fn defines(symbol: &str) -> bool {
    vmath_variants::library_symbol(symbol).is_some()
}

/// The address of `symbol` (one the library [`defines`]) in this process, compiling or
/// loading its code on first use.
pub(super) fn address(symbol: &str) -> Result<usize, CodegenError> {
    let slot = slots()
        .lock()
        .map_err(|_| CodegenError::Internal("the vector-math library's lock is poisoned".into()))?
        .entry(symbol.to_owned())
        .or_default()
        .clone();
    match slot.get_or_init(|| load_or_compile(symbol)) {
        Ok(entry) => Ok(entry.address),
        Err(e) => Err(e.clone()),
    }
}

/// Starts making the library symbols a kernel in `module` will call, each on a thread
/// of its own, so that they compile while the kernel does (on a first call, the
/// kernel's compilation and the library's would otherwise take turns). Which vector
/// forms the kernel calls is known only after LLVM vectorises it: this guesses the one
/// of the preferred vector width and, where that has 16 lanes or more, the one of half
/// of it (LLVM vectorises the remainder of such loops at half the width: float32
/// kernels on 512-bit vectors call both). Errors are left for linking to report.
pub(super) fn prefetch(module: &inkwell::module::Module<'_>, vector_bits: Option<u32>) {
    let mut wanted = Vec::new();
    let mut f = module.get_first_function();
    while let Some(func) = f {
        let name = func.get_name().to_string_lossy().into_owned();
        if let Some((_, dtype, None)) = vmath_variants::library_symbol(&name) {
            if let Some(bits) = vector_bits {
                let lanes = bits as usize / (8 * dtype.size_bytes());
                let half = if lanes >= 16 { Some(lanes / 2) } else { None };
                for n in std::iter::once(lanes).chain(half) {
                    let form = format!("{name}.v{n}");
                    if defines(&form) {
                        wanted.push(form);
                    }
                }
            }
            wanted.push(name);
        }
        f = func.get_next_function();
    }
    for symbol in wanted {
        let ready = slots()
            .lock()
            .map(|s| s.get(&symbol).is_some_and(|slot| slot.get().is_some()))
            .unwrap_or(true);
        if !ready {
            // A thread that cannot start only means linking compiles the symbol.
            let _ = std::thread::Builder::new()
                .name("lazyfuse-vector-math".into())
                .spawn(move || {
                    let _ = address(&symbol);
                });
        }
    }
}

fn load_or_compile(symbol: &str) -> Result<Entry, CodegenError> {
    let key = format!("vector-math|{symbol}");
    if let Some(object) = disk().and_then(|d| d.load(&key)) {
        // An entry that does not link is compiled again below.
        if let Ok((code, address)) = LoadedObject::load(&object, symbol) {
            DISK_LOADS.fetch_add(1, Ordering::Relaxed);
            return Ok(Entry {
                address,
                _code: code,
            });
        }
    }
    let object = compile(symbol)?;
    let (code, address) = LoadedObject::load(&object, symbol)?;
    COMPILES.fetch_add(1, Ordering::Relaxed);
    if let Some(d) = disk() {
        d.store(&key, &object);
    }
    Ok(Entry {
        address,
        _code: code,
    })
}

/// Defines, in `module` (a JIT kernel after its optimisation, its vector forms
/// released), the fast forms it calls and only declares, from their optimised IR made
/// once per process (bitcode, parsed into the kernel's context and linked), with
/// private linkage. Whether it defined any (they are then to be inlined).
pub(super) fn link_fast_forms(module: &inkwell::module::Module<'_>) -> Result<bool, CodegenError> {
    let mut wanted = Vec::new();
    let mut f = module.get_first_function();
    while let Some(func) = f {
        if vmath_variants::is_declared_fast_form(&func)
            && func
                .as_global_value()
                .as_pointer_value()
                .get_first_use()
                .is_some()
        {
            wanted.push(func.get_name().to_string_lossy().into_owned());
        }
        f = func.get_next_function();
    }
    for symbol in &wanted {
        let bitcode = fast_form_bitcode(symbol)?;
        let buffer =
            inkwell::memory_buffer::MemoryBuffer::create_from_memory_range_copy(&bitcode, symbol);
        let form =
            inkwell::module::Module::parse_bitcode_from_buffer(&buffer, module.get_context())
                .map_err(|e| CodegenError::Llvm(e.to_string()))?;
        module
            .link_in_module(form)
            .map_err(|e| CodegenError::Llvm(e.to_string()))?;
        if let Some(func) = module.get_function(symbol) {
            func.as_global_value()
                .set_linkage(inkwell::module::Linkage::Private);
        }
    }
    Ok(!wanted.is_empty())
}

/// The optimised IR (bitcode) of the fast form `symbol`, made on first demand, or read
/// back from the on-disk cache (optimising it took about 10 ms of a process's first
/// kernel calling sin or log). It is not counted in [`vector_math_stats`], whose symbols
/// a kernel read from the cache needs too.
fn fast_form_bitcode(symbol: &str) -> Result<Arc<Vec<u8>>, CodegenError> {
    static FORMS: OnceLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    let forms = FORMS.get_or_init(Default::default);
    if let Some(b) = forms.lock().ok().and_then(|m| m.get(symbol).cloned()) {
        return Ok(b);
    }
    let key = format!("fast-form|{symbol}");
    let stored = disk()
        .and_then(|d| d.load(&key))
        .filter(|bitcode| defines_in_bitcode(bitcode, symbol));
    let bitcode = match stored {
        Some(bitcode) => Arc::new(bitcode),
        None => {
            let bitcode = Arc::new(make_fast_form(symbol)?);
            if let Some(d) = disk() {
                d.store(&key, &bitcode);
            }
            bitcode
        }
    };
    if let Ok(mut m) = forms.lock() {
        m.insert(symbol.to_string(), bitcode.clone());
    }
    Ok(bitcode)
}

/// The optimised bitcode of the fast form `symbol`.
fn make_fast_form(symbol: &str) -> Result<Vec<u8>, CodegenError> {
    let context = Context::create();
    let module = context.create_module(symbol);
    let machine = target_machine(&CpuModel::host(), RelocMode::PIC, CodeModel::Default)?;
    if !vmath_variants::define_fast_form(&context, &module, symbol)? {
        return Err(CodegenError::Internal(format!("{symbol} is no fast form")));
    }
    prepare_module(&module, &machine, Some(Effort::Full))?;
    Ok(module.write_bitcode_to_memory().as_slice().to_vec())
}

/// Whether `bitcode` parses and defines `symbol` (a cache entry is checked against its
/// hash already; this refuses one that a linker could not use).
fn defines_in_bitcode(bitcode: &[u8], symbol: &str) -> bool {
    let context = Context::create();
    let buffer =
        inkwell::memory_buffer::MemoryBuffer::create_from_memory_range_copy(bitcode, symbol);
    inkwell::module::Module::parse_bitcode_from_buffer(&buffer, &context).is_ok_and(|m| {
        m.get_function(symbol)
            .is_some_and(|f| f.count_basic_blocks() > 0)
    })
}

/// The relocatable object defining `symbol`, optimised for this machine.
fn compile(symbol: &str) -> Result<Vec<u8>, CodegenError> {
    let context = Context::create();
    let module = context.create_module(symbol);
    let machine = target_machine(&CpuModel::host(), RelocMode::PIC, CodeModel::Default)?;
    vmath_variants::define_library_symbol(&context, &module, symbol)?;
    prepare_module(&module, &machine, Some(Effort::Full))?;
    let buffer = machine
        .write_to_memory_buffer(&module, FileType::Object)
        .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    Ok(buffer.as_slice().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_compile_once_and_compute() {
        let sin = address("lazyfuse.sin.f64").unwrap();
        assert_eq!(address("lazyfuse.sin.f64").unwrap(), sin);
        // SAFETY: the symbol is the scalar float64 sin, `double(double)`.
        let f: extern "C" fn(f64) -> f64 = unsafe { std::mem::transmute(sin) };
        for x in [0.5f64, -3.0, 1e6, 1e300, -0.0] {
            let want = x.sin();
            let got = f(x);
            assert!(
                (got - want).abs() <= 2.0 * f64::EPSILON * want.abs().max(1e-300),
                "{x}"
            );
        }
        assert!(f(f64::NAN).is_nan() && f(f64::INFINITY).is_nan());
        assert!(f(-0.0).is_sign_negative());
    }

    #[test]
    fn pow_has_two_arguments() {
        let pow = address("lazyfuse.pow.f64").unwrap();
        // SAFETY: the symbol is the scalar float64 pow, `double(double, double)`.
        let f: extern "C" fn(f64, f64) -> f64 = unsafe { std::mem::transmute(pow) };
        assert_eq!(f(2.0, 10.0), 1024.0);
        assert!(f(-8.0, 1.0 / 3.0).is_nan());
        assert_eq!(f(0.0, -1.0), f64::INFINITY);
    }

    #[test]
    fn unknown_symbols_are_refused() {
        for s in [
            "lazyfuse.exp.f64",
            "lazyfuse.sin.f16",
            "lazyfuse.sin.f64.v3",
            "lazyfuse.sin.f64.v",
            "sin",
        ] {
            assert!(!defines(s), "{s}");
        }
        assert!(defines("lazyfuse.cos.f32.v16"));
        assert!(defines("lazyfuse.pow.f64.v8") && defines("lazyfuse.pow.f32"));
        assert!(!defines("lazyfuse.erf.f64"));
    }

    #[test]
    fn stored_fast_forms_are_checked_before_use() {
        let symbol = "lazyfuse.log.f64.fast.v4";
        let made = make_fast_form(symbol).unwrap();
        assert!(defines_in_bitcode(&made, symbol));
        assert!(!defines_in_bitcode(&made, "lazyfuse.log.f64.fast.v8"));
        assert!(!defines_in_bitcode(&made[..made.len() / 2], symbol));
        assert!(!defines_in_bitcode(b"not bitcode", symbol));
    }

    #[test]
    fn fast_forms_are_made_for_split_functions_only() {
        for s in [
            "lazyfuse.sin.f64.fast.v4",
            "lazyfuse.tan.f32.fast.v16",
            "lazyfuse.log10.f32.fast.v8",
        ] {
            assert!(!fast_form_bitcode(s).unwrap().is_empty(), "{s}");
        }
        for s in [
            "lazyfuse.exp.f64.fast.v4",
            "lazyfuse.sin.f64.fast.v3",
            "lazyfuse.sin.f64.v4",
            "lazyfuse.sin.f16.fast.v8",
            "lazyfuse.erf.f32.fast.v8",
        ] {
            assert!(fast_form_bitcode(s).is_err(), "{s}");
        }
    }
}
