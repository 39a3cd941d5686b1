//! Machine code from an object file, linked in memory by LLVM's ORC JIT: how a kernel
//! compiled now, or read back from the on-disk cache (`disk_cache.rs`), becomes a
//! function to call. One LLJIT instance per kernel (as one MCJIT engine per kernel
//! before): dropping it frees the kernel's code.

use std::ffi::{CStr, CString};

use inkwell::llvm_sys::core::LLVMCreateMemoryBufferWithMemoryRangeCopy;
use inkwell::llvm_sys::error::LLVMCreateStringError;
use inkwell::llvm_sys::error::{LLVMDisposeErrorMessage, LLVMErrorRef, LLVMGetErrorMessage};
use inkwell::llvm_sys::orc2::lljit::{
    LLVMOrcCreateLLJIT, LLVMOrcCreateLLJITBuilder, LLVMOrcDisposeLLJIT, LLVMOrcLLJITAddObjectFile,
    LLVMOrcLLJITGetGlobalPrefix, LLVMOrcLLJITGetMainJITDylib, LLVMOrcLLJITLookup, LLVMOrcLLJITRef,
};
use inkwell::llvm_sys::orc2::{
    LLVMJITEvaluatedSymbol, LLVMJITSymbolFlags, LLVMJITSymbolGenericFlags, LLVMOrcAbsoluteSymbols,
    LLVMOrcCLookupSet, LLVMOrcCSymbolMapPair, LLVMOrcCreateCustomCAPIDefinitionGenerator,
    LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess, LLVMOrcDefinitionGeneratorRef,
    LLVMOrcDisposeMaterializationUnit, LLVMOrcJITDylibAddGenerator, LLVMOrcJITDylibDefine,
    LLVMOrcJITDylibLookupFlags, LLVMOrcJITDylibRef, LLVMOrcLookupKind, LLVMOrcLookupStateRef,
    LLVMOrcRetainSymbolStringPoolEntry, LLVMOrcSymbolStringPoolEntryStr,
};

use crate::error::CodegenError;

/// An object file linked into this process's memory.
pub(super) struct LoadedObject {
    jit: LLVMOrcLLJITRef,
}

// SAFETY: after `load` the JIT is never used again until it is disposed of (only the
// code it owns is called, through plain function pointers), so sharing the owner
// across threads cannot race on LLVM state.
unsafe impl Send for LoadedObject {}
unsafe impl Sync for LoadedObject {}

/// LLVM's error as a message (consuming the error); Ok for no error.
fn check(error: LLVMErrorRef, what: &str) -> Result<(), CodegenError> {
    if error.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null error owned by us; the message is freed after copying it.
    let message = unsafe {
        let raw = LLVMGetErrorMessage(error);
        let text = CStr::from_ptr(raw).to_string_lossy().into_owned();
        LLVMDisposeErrorMessage(raw);
        text
    };
    Err(CodegenError::Llvm(format!("{what}: {message}")))
}

impl LoadedObject {
    /// Links `object` (a relocatable object for this machine) and returns it with the
    /// address of its function `symbol`. Calls of the vector-math library resolve
    /// against it (`vector_library.rs`), other calls (libm, libc) against the symbols
    /// this process has loaded.
    pub(super) fn load(object: &[u8], symbol: &str) -> Result<(LoadedObject, usize), CodegenError> {
        let mut jit: LLVMOrcLLJITRef = std::ptr::null_mut();
        // SAFETY: the builder is consumed by LLVMOrcCreateLLJIT; on success `jit` is a
        // valid instance we own (disposed of in Drop, or below on a later error).
        check(
            unsafe { LLVMOrcCreateLLJIT(&mut jit, LLVMOrcCreateLLJITBuilder()) },
            "creating the ORC JIT",
        )?;
        let loaded = LoadedObject { jit };
        let mut generator: LLVMOrcDefinitionGeneratorRef = std::ptr::null_mut();
        // SAFETY: `jit` is valid; the generators' ownership passes to the JITDylib. The
        // library's generator has no state (a null context, nothing to dispose of).
        unsafe {
            LLVMOrcJITDylibAddGenerator(
                LLVMOrcLLJITGetMainJITDylib(jit),
                LLVMOrcCreateCustomCAPIDefinitionGenerator(
                    define_vector_math,
                    std::ptr::null_mut(),
                    no_state,
                ),
            );
            check(
                LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
                    &mut generator,
                    LLVMOrcLLJITGetGlobalPrefix(jit),
                    None,
                    std::ptr::null_mut(),
                ),
                "resolving process symbols",
            )?;
            LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), generator);
        }
        let name = c"lazyfuse-kernel";
        // SAFETY: LLVM copies the bytes into a buffer whose ownership passes to the JIT.
        let buffer = unsafe {
            LLVMCreateMemoryBufferWithMemoryRangeCopy(
                object.as_ptr().cast(),
                object.len(),
                name.as_ptr(),
            )
        };
        // SAFETY: valid JIT, its main JITDylib, and a buffer it takes over.
        check(
            unsafe { LLVMOrcLLJITAddObjectFile(jit, LLVMOrcLLJITGetMainJITDylib(jit), buffer) },
            "adding the kernel's object",
        )?;
        let address = loaded.lookup(symbol)?;
        Ok((loaded, address))
    }

    /// The address of `symbol` (a function or data) in the linked object.
    pub(super) fn lookup(&self, symbol: &str) -> Result<usize, CodegenError> {
        let name = CString::new(symbol)
            .map_err(|_| CodegenError::Internal("a symbol name with a NUL byte".into()))?;
        let mut address = 0u64;
        // SAFETY: valid JIT and NUL-terminated name; the first lookup links the object.
        check(
            unsafe { LLVMOrcLLJITLookup(self.jit, &mut address, name.as_ptr()) },
            &format!("linking the kernel ({symbol})"),
        )?;
        if address == 0 {
            return Err(CodegenError::Llvm(format!(
                "linking the kernel: {symbol} has address 0"
            )));
        }
        Ok(address as usize)
    }
}

/// The ORC definition generator for the vector-math library: defines each symbol of the
/// lookup set that the library has as an absolute address (compiling it on first use).
/// No panic crosses back into LLVM: one is reported as an error.
extern "C" fn define_vector_math(
    _generator: LLVMOrcDefinitionGeneratorRef,
    _context: *mut std::ffi::c_void,
    _state: *mut LLVMOrcLookupStateRef,
    _kind: LLVMOrcLookupKind,
    dylib: LLVMOrcJITDylibRef,
    _flags: LLVMOrcJITDylibLookupFlags,
    set: LLVMOrcCLookupSet,
    size: usize,
) -> LLVMErrorRef {
    // SAFETY: LLVM passes a lookup set of `size` elements and its JITDylib.
    let defined = std::panic::catch_unwind(|| unsafe { define_library_symbols(dylib, set, size) });
    let message = match defined {
        Ok(Ok(())) => return std::ptr::null_mut(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "the vector-math library panicked".to_string(),
    };
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    // SAFETY: LLVM copies the message into the error it returns.
    unsafe { LLVMCreateStringError(message.as_ptr()) }
}

/// The library generator's context is null: nothing to dispose of.
extern "C" fn no_state(_context: *mut std::ffi::c_void) {}

/// Defines in `dylib` the symbols of the lookup set the library has.
///
/// # Safety
/// `set` must point to `size` valid lookup-set elements and `dylib` be a live JITDylib.
unsafe fn define_library_symbols(
    dylib: LLVMOrcJITDylibRef,
    set: LLVMOrcCLookupSet,
    size: usize,
) -> Result<(), CodegenError> {
    let mut pairs = Vec::new();
    for i in 0..size {
        let name = (*set.add(i)).Name;
        let symbol = CStr::from_ptr(LLVMOrcSymbolStringPoolEntryStr(name)).to_string_lossy();
        if !super::vector_library::defines(&symbol) {
            continue;
        }
        let address = super::vector_library::address(&symbol)?;
        // The materialisation unit takes over one reference to each name.
        LLVMOrcRetainSymbolStringPoolEntry(name);
        pairs.push(LLVMOrcCSymbolMapPair {
            Name: name,
            Sym: LLVMJITEvaluatedSymbol {
                Address: address as u64,
                Flags: LLVMJITSymbolFlags {
                    GenericFlags: LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsExported
                        as u8
                        | LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsCallable as u8,
                    TargetFlags: 0,
                },
            },
        });
    }
    if pairs.is_empty() {
        return Ok(());
    }
    let unit = LLVMOrcAbsoluteSymbols(pairs.as_mut_ptr(), pairs.len());
    let error = LLVMOrcJITDylibDefine(dylib, unit);
    if !error.is_null() {
        // On failure the unit stays ours.
        LLVMOrcDisposeMaterializationUnit(unit);
    }
    check(error, "defining vector-math symbols")
}

impl Drop for LoadedObject {
    fn drop(&mut self) {
        // SAFETY: the instance is ours and nothing calls into its code any more (the
        // kernel owning it is being dropped). An error here has nothing to report to.
        unsafe {
            let error = LLVMOrcDisposeLLJIT(self.jit);
            if !error.is_null() {
                let _ = check(error, "disposing of the ORC JIT");
            }
        }
    }
}
