//! Ahead-of-time compilation for exported libraries: a plan's loop kernels and its
//! constant data as one relocatable (position-independent) object file for a named CPU.

use std::path::Path;

use inkwell::context::Context;
use inkwell::module::Linkage;
use inkwell::targets::{CodeModel, FileType, RelocMode};
use inkwell::GlobalVisibility;
use lazyfuse_ir::kernel::LoopKernel;
use lazyfuse_ir::DType;

use super::compile::{prepare_module_for, target_machine, CpuModel, Effort};
use crate::error::CodegenError;
use crate::llvm::kernel as emit;

/// A loop kernel to compile under `symbol` (buffers numbered as its arguments, with
/// their dtypes).
pub(crate) struct ObjectKernel<'a> {
    pub(crate) symbol: String,
    pub(crate) kernel: &'a LoopKernel,
    pub(crate) dtypes: Vec<DType>,
}

/// Writes an object file defining each kernel and each constant (`symbol`, bytes,
/// 64-byte aligned), all hidden outside the library they are linked into.
pub(crate) fn write_object(
    kernels: &[ObjectKernel<'_>],
    constants: &[(String, &[u8])],
    model: &CpuModel,
    path: &Path,
) -> Result<(), CodegenError> {
    let context = Context::create();
    let module = context.create_module("lazyfuse_export");
    let machine = target_machine(model, RelocMode::PIC, CodeModel::Default)?;
    for k in kernels {
        let f = emit::emit_kernel(&context, &module, &k.symbol, k.kernel, &k.dtypes)?;
        f.as_global_value().set_visibility(GlobalVisibility::Hidden);
    }
    for (symbol, bytes) in constants {
        let len = u32::try_from(bytes.len()).map_err(|_| {
            CodegenError::Export(format!(
                "export: a captured constant of {} bytes is too large to embed (at most 4 GiB)",
                bytes.len()
            ))
        })?;
        let g = module.add_global(context.i8_type().array_type(len), None, symbol);
        g.set_initializer(&context.const_string(bytes, false));
        g.set_constant(true);
        g.set_alignment(64);
        g.set_linkage(Linkage::External);
        g.set_visibility(GlobalVisibility::Hidden);
    }
    prepare_module_for(&module, &machine, model, Some(Effort::Full))?;
    machine
        .write_to_file(&module, FileType::Object, path)
        .map_err(|e| CodegenError::Llvm(format!("writing {}: {e}", path.display())))
}
