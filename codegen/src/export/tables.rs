//! An exported plan as C tables (`runtime/lazyfuse_runtime.h`): buffers, kernels with
//! their access sites, slots and outputs, plus the list of loop kernels and constants
//! the object file must define.

use std::collections::HashMap;
use std::fmt::Write;

use lazyfuse_ir::kernel::{
    Affine, BufferKind, IndexMap, Kernel, KernelPlan, LoopKernel, Phase, ScalarOp,
};
use lazyfuse_ir::{DType, ReduceOp, TensorType};

use super::SlotSource;
use crate::error::CodegenError;

/// The most dimensions an exported buffer may have (the runtime's fixed arrays).
pub(super) const MAX_DIMS: usize = 32;

/// The runtime's code for a dtype (`enum lfrt_dtype`).
pub(super) fn dtype_code(d: DType) -> u32 {
    match d {
        DType::Bool => 0,
        DType::I8 => 1,
        DType::I16 => 2,
        DType::I32 => 3,
        DType::I64 => 4,
        DType::U8 => 5,
        DType::U16 => 6,
        DType::U32 => 7,
        DType::U64 => 8,
        DType::F16 => 9,
        DType::F32 => 10,
        DType::F64 => 11,
        DType::C64 => 12,
        DType::C128 => 13,
    }
}

/// What the object file must define: each distinct loop kernel (symbol, canonical
/// kernel, argument dtypes) and each constant (symbol, slot).
pub(super) struct Definitions {
    pub(super) kernels: Vec<(String, LoopKernel, Vec<DType>)>,
    pub(super) constants: Vec<(String, usize)>,
    /// Whether a float or complex matmul may call BLAS.
    pub(super) uses_blas: bool,
}

/// How the plan's size-dependent numbers (shapes, extents, index maps) are written:
/// as literals, or (for a shape-generic export) as placeholders `@k@` whose values are
/// collected in order, to be fitted across plans and replaced by expressions.
pub(super) struct Numbers {
    placeholders: bool,
    /// The numbers written, in order.
    pub(super) values: Vec<i64>,
}

impl Numbers {
    /// Numbers as literals.
    pub(super) fn literal() -> Numbers {
        Numbers {
            placeholders: false,
            values: Vec::new(),
        }
    }

    /// Numbers as placeholders.
    pub(super) fn placeholders() -> Numbers {
        Numbers {
            placeholders: true,
            values: Vec::new(),
        }
    }

    fn text(&mut self, v: i64) -> String {
        self.values.push(v);
        if self.placeholders {
            format!("@{}@", self.values.len() - 1)
        } else {
            v.to_string()
        }
    }

    /// A shape (size-dependent numbers) as a C array.
    fn write_dims(&mut self, out: &mut String, name: &str, dims: &[usize]) {
        let dims: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        self.write(out, name, &dims);
    }

    /// A list of size-dependent numbers as a C array.
    fn write<T: Copy + Into<i128>>(&mut self, out: &mut String, name: &str, values: &[T]) {
        let texts: Vec<String> = values
            .iter()
            .map(|&v| self.text(i64::try_from(v.into()).expect("plan numbers fit int64")))
            .collect();
        ints(out, name, "int64_t", &texts);
    }
}

/// Writes C for one list of integers.
fn ints<T: std::fmt::Display>(out: &mut String, name: &str, ty: &str, values: &[T]) {
    let body: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    // An empty array is not C: a one-element array of zero stands in (never read).
    let body = if body.is_empty() {
        "0".to_string()
    } else {
        body.join(", ")
    };
    let _ = writeln!(out, "static const {ty} {name}[] = {{{body}}};");
}

/// An index map's rows (one per buffer axis): offset, then a coefficient per loop.
fn map_numbers(map: &IndexMap) -> Vec<i64> {
    map.0
        .iter()
        .flat_map(|a: &Affine| std::iter::once(a.offset).chain(a.coefs.iter().copied()))
        .collect()
}

/// Which chunked reductions the runtime combines (others run whole: the same values,
/// on one thread).
fn runtime_combines(combiner: ReduceOp, dtype: DType) -> Option<u32> {
    let code = match combiner {
        ReduceOp::Sum => 0,
        ReduceOp::Prod => 1,
        ReduceOp::Max => 2,
        ReduceOp::Min => 3,
        ReduceOp::Any => 4,
        ReduceOp::All => 5,
        _ => return None,
    };
    let ok = match dtype {
        DType::F32 | DType::F64 => code <= 3,
        d if d.is_int() => code <= 3,
        DType::Bool => code >= 4,
        DType::C64 | DType::C128 => code <= 1,
        _ => false,
    };
    ok.then_some(code)
}

/// The C tables of `plan` as `prefix`'s static data (the plan object is named
/// `{prefix}__plan`).
pub(super) fn write_tables(
    prefix: &str,
    plan: &KernelPlan,
    slots: &[SlotSource],
    args: &[TensorType],
    numbers: &mut Numbers,
) -> Result<(String, Definitions), CodegenError> {
    let mut c = String::new();
    let mut defs = Definitions {
        kernels: Vec::new(),
        constants: Vec::new(),
        uses_blas: false,
    };
    let roots = crate::runtime::storage::storage_roots(plan);
    for (i, b) in plan.buffers.iter().enumerate() {
        if b.ty.shape.ndim() > MAX_DIMS {
            return Err(CodegenError::Export(format!(
                "export: {} has {} dimensions; exported libraries take at most {MAX_DIMS}",
                b.ty,
                b.ty.shape.ndim()
            )));
        }
        numbers.write_dims(&mut c, &format!("b{i}_shape"), b.ty.shape.dims());
    }
    // Slots: arguments or constants defined by the object file.
    let mut slot_rows = Vec::new();
    for (s, source) in slots.iter().enumerate() {
        match source {
            SlotSource::Argument(n) => slot_rows.push(format!("{{{n}, NULL}}")),
            SlotSource::Constant(_) => {
                let symbol = format!("{prefix}__c{s}");
                let _ = writeln!(c, "extern const unsigned char {symbol}[];");
                slot_rows.push(format!("{{-1, {symbol}}}"));
                defs.constants.push((symbol, s));
            }
        }
    }
    let _ = writeln!(
        c,
        "static const lfrt_slot slots[] = {{{}}};",
        if slot_rows.is_empty() {
            "{0, NULL}".into()
        } else {
            slot_rows.join(", ")
        }
    );
    let buffer_rows: Vec<String> = plan
        .buffers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let (kind, arg) = match b.kind {
                BufferKind::Input(slot) => (0, slot as i64),
                BufferKind::Temp => (1, -1),
                BufferKind::Alias(of) => (2, of.0 as i64),
            };
            format!(
                "{{{kind}, {arg}, {}, {}, b{i}_shape, {}}}",
                dtype_code(b.ty.dtype),
                b.ty.shape.ndim(),
                roots[i]
            )
        })
        .collect();
    let _ = writeln!(
        c,
        "static const lfrt_buffer buffers[] = {{{}}};",
        buffer_rows.join(",\n  ")
    );
    // Kernels: one compiled function per distinct structure.
    let dtypes: Vec<DType> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
    let mut symbols: HashMap<String, String> = HashMap::new();
    let mut kernel_rows = Vec::new();
    for (i, kernel) in plan.kernels.iter().enumerate() {
        match kernel {
            Kernel::Loop(l) => {
                let (canonical, order) = crate::runtime::keys::canonical_buffers(l);
                let canonical_dtypes: Vec<DType> = order.iter().map(|&b| dtypes[b]).collect();
                let key = crate::runtime::keys::structure_key(&canonical, &canonical_dtypes);
                let symbol = match symbols.get(&key) {
                    Some(s) => s.clone(),
                    None => {
                        let s = format!("{prefix}__k{}", defs.kernels.len());
                        symbols.insert(key, s.clone());
                        defs.kernels.push((s.clone(), canonical, canonical_dtypes));
                        s
                    }
                };
                write_loop(&mut c, i, l, &order, &symbol, &dtypes, numbers)?;
                kernel_rows.push(format!("{{&k{i}, NULL}}"));
            }
            Kernel::Axis(c) => {
                return Err(CodegenError::Export(format!(
                    "export: {} is not supported in exported libraries yet",
                    c.op.name()
                )))
            }
            Kernel::MatMul(m) => {
                let out = dtypes[m.out.0 as usize];
                if m.a_ty.dtype != out || m.b_ty.dtype != out {
                    return Err(CodegenError::Export(format!(
                        "export: a matrix product of {} and {} giving {} is not supported in \
                         exported libraries yet (cast the operands to one dtype)",
                        m.a_ty.dtype.name(),
                        m.b_ty.dtype.name(),
                        out.name()
                    )));
                }
                defs.uses_blas |= matches!(out, DType::F32 | DType::F64 | DType::C64 | DType::C128);
                for (side, (_, map), ty) in [("a", &m.a, &m.a_ty), ("b", &m.b, &m.b_ty)] {
                    numbers.write_dims(&mut c, &format!("k{i}_{side}_shape"), ty.shape.dims());
                    numbers.write(&mut c, &format!("k{i}_{side}_map"), &map_numbers(map));
                }
                let operand = |side: &str, buf: u32, ty: &TensorType| {
                    format!(
                        "{{{buf}, {}, k{i}_{side}_shape, k{i}_{side}_map}}",
                        ty.shape.ndim()
                    )
                };
                let _ = writeln!(
                    c,
                    "static const lfrt_matmul k{i} = {{{}, {}, {}, {}}};",
                    operand("a", m.a.0 .0, &m.a_ty),
                    operand("b", m.b.0 .0, &m.b_ty),
                    m.out.0,
                    dtype_code(out)
                );
                kernel_rows.push(format!("{{NULL, &k{i}}}"));
            }
        }
    }
    let _ = writeln!(
        c,
        "static const lfrt_kernel kernels[] = {{{}}};",
        if kernel_rows.is_empty() {
            "{NULL, NULL}".into()
        } else {
            kernel_rows.join(", ")
        }
    );
    let outputs: Vec<u32> = plan.outputs.iter().map(|o| o.0).collect();
    ints(&mut c, "outputs", "int32_t", &outputs);
    let arg_dtypes: Vec<u32> = args.iter().map(|t| dtype_code(t.dtype)).collect();
    let arg_ndims: Vec<usize> = args.iter().map(|t| t.shape.ndim()).collect();
    ints(&mut c, "arg_dtypes", "int32_t", &arg_dtypes);
    ints(&mut c, "arg_ndims", "int32_t", &arg_ndims);
    for (n, t) in args.iter().enumerate() {
        numbers.write_dims(&mut c, &format!("arg{n}_shape"), t.shape.dims());
    }
    let arg_shapes: Vec<String> = (0..args.len()).map(|n| format!("arg{n}_shape")).collect();
    let _ = writeln!(
        c,
        "static const int64_t *const arg_shapes[] = {{{}}};",
        if arg_shapes.is_empty() {
            "NULL".into()
        } else {
            arg_shapes.join(", ")
        }
    );
    let _ = writeln!(
        c,
        "static const lfrt_plan {prefix}__plan = {{\"{prefix}\", {}, arg_dtypes, arg_ndims, \
         arg_shapes, {}, slots, {}, buffers, {}, kernels, {}, outputs}};",
        args.len(),
        slots.len(),
        plan.buffers.len(),
        plan.kernels.len(),
        plan.outputs.len()
    );
    Ok((c, defs))
}

/// One loop kernel's table `k{i}` and its arrays.
fn write_loop(
    c: &mut String,
    i: usize,
    l: &LoopKernel,
    order: &[usize],
    symbol: &str,
    dtypes: &[DType],
    numbers: &mut Numbers,
) -> Result<(), CodegenError> {
    let _ = writeln!(
        c,
        "void {symbol}(void **, const int64_t *, int64_t, int64_t, int64_t, int64_t);"
    );
    let extents: Vec<usize> = l.outer.iter().chain(&l.inner).copied().collect();
    numbers.write_dims(c, &format!("k{i}_extents"), &extents);
    ints(c, &format!("k{i}_order"), "int32_t", order);
    // Access sites in the executor's order: per phase, its body's reads, then stores.
    let mut sites = Vec::new();
    let mut site_numbers = Vec::new();
    let mut site = |kind: u32, buffer: i64, map: Option<&IndexMap>, ramp: Option<&Affine>| {
        let s = sites.len();
        let (rows, numbers) = match (map, ramp) {
            (Some(m), _) => (m.0.len(), map_numbers(m)),
            (None, Some(a)) => (
                1,
                std::iter::once(a.offset)
                    .chain(a.coefs.iter().copied())
                    .collect(),
            ),
            _ => (0, Vec::new()),
        };
        site_numbers.push((format!("k{i}_s{s}"), numbers));
        sites.push(format!("{{{kind}, {buffer}, {rows}, k{i}_s{s}}}"));
    };
    let mut sources = Vec::new();
    for phase in &l.phases {
        let (body, stores) = phase.body_and_stores();
        for instr in &body.instrs {
            match &instr.op {
                ScalarOp::Load(b, map) => site(0, b.0 as i64, Some(map), None),
                ScalarOp::Ramp { index, .. } => site(1, -1, None, Some(index)),
                ScalarOp::Gather { buffer, .. } => {
                    sources.push(buffer.0 as usize);
                    site(2, buffer.0 as i64, None, None)
                }
                _ => {}
            }
        }
        for st in stores {
            site(0, st.buffer.0 as i64, Some(&st.index), None);
        }
    }
    for (name, values) in &site_numbers {
        numbers.write(c, name, values);
    }
    sources.sort_unstable();
    sources.dedup();
    ints(c, &format!("k{i}_sources"), "int32_t", &sources);
    let rows: Vec<String> = sites;
    let _ = writeln!(
        c,
        "static const lfrt_site k{i}_sites[] = {{{}}};",
        if rows.is_empty() {
            "{0, -1, 0, NULL}".into()
        } else {
            rows.join(", ")
        }
    );
    // A chunked whole-array reduction where the runtime combines its dtype.
    let (combiner, chunk_out) = match (
        crate::runtime::folds::chunkable_reduction(l),
        l.phases.last(),
    ) {
        (Some(op), Some(Phase::Outer { stores, .. })) => {
            let out = stores[0].buffer.0 as usize;
            let slot = order
                .iter()
                .position(|&b| b == out)
                .ok_or_else(|| CodegenError::Internal("reduction output not in order".into()))?;
            match runtime_combines(op, dtypes[out]) {
                Some(code) => (code as i64, slot),
                None => (-1, 0),
            }
        }
        _ => (-1, 0),
    };
    let _ = writeln!(
        c,
        "static const lfrt_loop k{i} = {{{symbol}, {}, {}, k{i}_extents, {}, k{i}_order, {}, \
         k{i}_sites, {}, {combiner}, {chunk_out}, {}, k{i}_sources}};",
        l.outer.len(),
        l.inner.len(),
        order.len(),
        rows.len(),
        crate::llvm::kernel::is_elementwise(l) as i32,
        sources.len()
    );
    Ok(())
}
