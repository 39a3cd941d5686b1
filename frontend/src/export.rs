//! Ahead-of-time export: a function of arrays traced on parameters, optimised and
//! planned as `eval` does, and compiled into a shared and a static library with a C
//! header (see `lazyfuse_codegen::export_plan`); shape-generic exports plan it at a
//! grid of sizes (`lazyfuse_codegen::export_dynamic`).

use std::collections::HashMap;

use lazyfuse_codegen::{
    check_offsets, export_dynamic, export_plan, grid_offsets, PlanInstance, SizeSymbol, SlotSource,
    MAX_SIZES,
};
pub use lazyfuse_codegen::{ExportOptions, ExportTarget, Exported};
use lazyfuse_ir::kernel::KernelPlan;
use lazyfuse_ir::{DType, Leaf, Program, Shape, TensorType};

use crate::array::Array;
use crate::error::{Error, Result};

/// The plan of the outputs of a function traced on `nparams` parameters, and where
/// each of its input slots comes from (a parameter, or data embedded in the library).
/// For a shape-generic export (`shape_generic`), divisions by constants stay divisions
/// (a mean's count is then a size-dependent integer the library computes, not a
/// rounded reciprocal; the quotient is NumPy's).
pub fn plan_traced(
    outputs: &[&Array],
    nparams: usize,
    shape_generic: bool,
) -> Result<(KernelPlan, Vec<SlotSource>)> {
    let nodes = outputs
        .iter()
        .map(|a| a.node().cloned())
        .collect::<Result<Vec<_>>>()?;
    let (program, leaves): (Program, Vec<Leaf>) = Program::from_outputs(&nodes)?;
    let slots = leaves
        .into_iter()
        .map(|leaf| match leaf {
            Leaf::Param(n) if n < nparams => Ok(SlotSource::Argument(n)),
            Leaf::Param(n) => Err(Error::UnboundParameter(n)),
            data => Ok(SlotSource::Constant(
                data.into_value().expect("a data leaf has a value"),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let mut options = lazyfuse_optimizer::Options::default();
    if shape_generic {
        // (Both: at a power-of-two size a division would otherwise become a product.)
        options.disabled_rules.push("div-constant".into());
        options.disabled_rules.push("div-power-of-two".into());
    }
    let optimized = lazyfuse_optimizer::optimize(&program, &options)?;
    let plan = lazyfuse_optimizer::plan(&optimized.program, &options.fusion)
        .map_err(lazyfuse_optimizer::OptimizeError::Plan)?;
    Ok((plan, slots))
}

fn tensor_types(params: &[(DType, Vec<usize>)]) -> Vec<TensorType> {
    params
        .iter()
        .map(|(d, s)| TensorType::new(*d, Shape::new(s.clone())))
        .collect()
}

/// Exports the outputs `outputs` of a function traced on `params` (arrays made by
/// [`Array::param`] with indices `0..params.len()`); data the outputs read besides the
/// parameters is embedded in the library. Static shapes only (a shape-generic export
/// must trace the function again: [`export`] or [`export_with`]).
pub fn export_traced(
    outputs: &[&Array],
    params: &[(DType, Vec<usize>)],
    options: &ExportOptions,
) -> Result<Exported> {
    if options.dynamic {
        return Err(Error::Codegen(lazyfuse_codegen::CodegenError::Export(
            "export: a shape-generic export (dynamic) traces the function at several sizes; \
             use export or export_with"
                .into(),
        )));
    }
    let (plan, slots) = plan_traced(outputs, params.len(), false)?;
    Ok(export_plan(&plan, &slots, &tensor_types(params), options)?)
}

/// The sizes of a shape-generic export: one per distinct input dimension value other
/// than 0 and 1 (dimensions traced with equal values stay equal), in order of first
/// appearance.
pub fn size_symbols(params: &[(DType, Vec<usize>)]) -> Vec<SizeSymbol> {
    let mut seen = HashMap::new();
    let mut symbols = Vec::new();
    for (arg, (_, shape)) in params.iter().enumerate() {
        for (axis, &v) in shape.iter().enumerate() {
            if v > 1 && !seen.contains_key(&v) {
                seen.insert(v, symbols.len());
                symbols.push(SizeSymbol {
                    arg,
                    axis,
                    example: v,
                });
            }
        }
    }
    symbols
}

/// Exports a function given as `plan_at`, which traces and plans it for parameters of
/// the given dtypes and shapes (called once, or, for a shape-generic export, at every
/// size of the grid around `params`' shapes).
pub fn export_with(
    plan_at: impl FnMut(&[(DType, Vec<usize>)]) -> Result<(KernelPlan, Vec<SlotSource>)>,
    params: &[(DType, Vec<usize>)],
    options: &ExportOptions,
) -> Result<Exported> {
    let (instances, symbols) = plan_instances(plan_at, params, options)?;
    export_instances(&instances, &symbols, options)
}

/// The plans an export compiles: one at `params`' shapes, or (shape-generic) one per
/// size of the grid and the checking sizes, with the sizes. Tracing happens here; the
/// compilation ([`export_instances`]) needs no interpreter.
pub fn plan_instances(
    mut plan_at: impl FnMut(&[(DType, Vec<usize>)]) -> Result<(KernelPlan, Vec<SlotSource>)>,
    params: &[(DType, Vec<usize>)],
    options: &ExportOptions,
) -> Result<(Vec<PlanInstance>, Vec<SizeSymbol>)> {
    if !options.dynamic {
        let (plan, slots) = plan_at(params)?;
        let instance = PlanInstance {
            sizes: Vec::new(),
            plan,
            slots,
            args: tensor_types(params),
        };
        return Ok((vec![instance], Vec::new()));
    }
    let symbols = size_symbols(params);
    if symbols.len() > MAX_SIZES {
        return Err(Error::Codegen(lazyfuse_codegen::CodegenError::Export(
            format!(
                "export(dynamic=True): the arguments have {} distinct sizes ({}); a shape-generic \
             export takes at most {MAX_SIZES} (dimensions traced with equal sizes stay equal: \
             trace with fewer distinct sizes, or export with static shapes)",
                symbols.len(),
                symbols
                    .iter()
                    .map(|s| s.example.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )));
    }
    let n = symbols.len();
    let mut instances = Vec::new();
    let examples: Vec<usize> = symbols.iter().map(|s| s.example).collect();
    for offsets in grid_offsets(n).into_iter().chain(check_offsets(&examples)) {
        let sizes: Vec<usize> = symbols
            .iter()
            .zip(&offsets)
            .map(|(s, g)| s.example + g)
            .collect();
        let shaped: Vec<(DType, Vec<usize>)> = params
            .iter()
            .map(|(d, shape)| {
                let dims = shape
                    .iter()
                    .map(
                        |&v| match symbols.iter().position(|s| v > 1 && s.example == v) {
                            Some(k) => sizes[k],
                            None => v,
                        },
                    )
                    .collect();
                (*d, dims)
            })
            .collect();
        let (plan, slots) = plan_at(&shaped)?;
        instances.push(PlanInstance {
            sizes,
            plan,
            slots,
            args: tensor_types(&shaped),
        });
    }
    Ok((instances, symbols))
}

/// Compiles and links the plans [`plan_instances`] made.
pub fn export_instances(
    instances: &[PlanInstance],
    symbols: &[SizeSymbol],
    options: &ExportOptions,
) -> Result<Exported> {
    if symbols.is_empty() {
        let i = instances.first().ok_or_else(|| {
            Error::Codegen(lazyfuse_codegen::CodegenError::Internal(
                "export: no plan".into(),
            ))
        })?;
        return Ok(export_plan(&i.plan, &i.slots, &i.args, options)?);
    }
    Ok(export_dynamic(instances, symbols, options)?)
}

/// Exports `f` traced on arguments of the given dtypes and shapes as the C function
/// `options.name`, in `lib<name>.so`, `lib<name>.a` and `<name>.h` (with `dlpack.h`)
/// in `options.out_dir`. With `options.dynamic`, the library takes any sizes the
/// program allows (f is traced at several sizes).
///
/// ```no_run
/// use lazyfuse_frontend::{export, DType, ExportOptions, ExportTarget};
///
/// let options = ExportOptions {
///     name: "softmax".into(),
///     out_dir: "build".into(),
///     target: ExportTarget::Host,
///     arg_names: vec!["x".into()],
///     summary: "a row softmax".into(),
///     dynamic: true,
/// };
/// let exported = export(
///     |x| {
///         let e = (&x[0] - x[0].max_axes(&[1], true)).exp();
///         vec![&e / e.sum_axes(&[1], true)]
///     },
///     &[(DType::F64, vec![1000, 128])],
///     &options,
/// )?;
/// println!("{}", exported.shared_library.display());
/// # Ok::<(), lazyfuse_frontend::Error>(())
/// ```
pub fn export(
    f: impl Fn(&[Array]) -> Vec<Array>,
    args: &[(DType, Vec<usize>)],
    options: &ExportOptions,
) -> Result<Exported> {
    export_with(
        |shaped| {
            let params: Vec<Array> = shaped
                .iter()
                .enumerate()
                .map(|(i, (d, s))| Array::param(i, *d, s))
                .collect();
            let outputs = f(&params);
            let refs: Vec<&Array> = outputs.iter().collect();
            plan_traced(&refs, shaped.len(), options.dynamic)
        },
        args,
        options,
    )
}
