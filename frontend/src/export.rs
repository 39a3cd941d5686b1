//! Ahead-of-time export: a function of arrays traced on parameters, optimised and
//! planned as `eval` does, and compiled into a shared and a static library with a C
//! header (see `lazyfuse_codegen::export_plan`).

use lazyfuse_codegen::{export_plan, SlotSource};
pub use lazyfuse_codegen::{ExportOptions, ExportTarget, Exported};
use lazyfuse_ir::{DType, Leaf, Program, Shape, TensorType};

use crate::array::Array;
use crate::error::Result;

/// Exports the outputs `outputs` of a function traced on `params` (arrays made by
/// [`Array::param`] with indices `0..params.len()`); data the outputs read besides the
/// parameters is embedded in the library.
pub fn export_traced(
    outputs: &[&Array],
    params: &[(DType, Vec<usize>)],
    options: &ExportOptions,
) -> Result<Exported> {
    let nodes = outputs
        .iter()
        .map(|a| a.node().cloned())
        .collect::<Result<Vec<_>>>()?;
    let (program, leaves): (Program, Vec<Leaf>) = Program::from_outputs(&nodes)?;
    let slots = leaves
        .into_iter()
        .map(|leaf| match leaf {
            Leaf::Param(n) if n < params.len() => Ok(SlotSource::Argument(n)),
            Leaf::Param(n) => Err(crate::Error::UnboundParameter(n)),
            data => Ok(SlotSource::Constant(
                data.into_value().expect("a data leaf has a value"),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let fusion = lazyfuse_optimizer::Options::default();
    let optimized = lazyfuse_optimizer::optimize(&program, &fusion)?;
    let plan = lazyfuse_optimizer::plan(&optimized.program, &fusion.fusion)
        .map_err(lazyfuse_optimizer::OptimizeError::Plan)?;
    let args: Vec<TensorType> = params
        .iter()
        .map(|(d, s)| TensorType::new(*d, Shape::new(s.clone())))
        .collect();
    Ok(export_plan(&plan, &slots, &args, options)?)
}

/// Exports `f` traced on arguments of the given dtypes and shapes as the C function
/// `options.name`, in `lib<name>.so`, `lib<name>.a` and `<name>.h` (with `dlpack.h`)
/// in `options.out_dir`.
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
    f: impl FnOnce(&[Array]) -> Vec<Array>,
    args: &[(DType, Vec<usize>)],
    options: &ExportOptions,
) -> Result<Exported> {
    let params: Vec<Array> = args
        .iter()
        .enumerate()
        .map(|(i, (d, s))| Array::param(i, *d, s))
        .collect();
    let outputs = f(&params);
    let refs: Vec<&Array> = outputs.iter().collect();
    export_traced(&refs, args, options)
}
