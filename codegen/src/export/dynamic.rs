//! Shape-generic exports: one library for every size the program allows.
//!
//! The planner works on static shapes, but the loop kernels it produces take their
//! extents and index maps at run time. So a shape-generic export plans the function at
//! a grid of sizes around the traced ones (each size k at `example + 0, 1, 2`), checks
//! that every plan has the same structure (the same C tables but for their numbers,
//! the same compiled kernels, the same constants), and writes each number as a
//! polynomial of the sizes (Newton's form over `t = size - example`, degree at most two
//! in each size: shapes, strides and offsets are sums of products of sizes), verified
//! at further sizes off the grid. A plan whose numbers are not such polynomials, or
//! whose structure changes with the sizes, is refused rather than guessed.
//!
//! At run time the library reads the sizes from the input tensors, evaluates every
//! number in 128-bit arithmetic (refusing sizes whose numbers leave int64) and runs the
//! plan those numbers describe; the usual checks then hold every other dimension to
//! its size.

use std::fmt::Write;

use lazyfuse_ir::kernel::{Affine, Kernel, KernelPlan, ScalarOp};
use lazyfuse_ir::{DType, Scalar, TensorType};

use super::SlotSource;
use crate::error::CodegenError;

/// The most sizes a shape-generic export may have (3^k plans are built).
pub const MAX_SIZES: usize = 4;

/// A size a shape-generic export takes at run time: read from dimension `axis` of
/// input `arg`; `example` where the function was traced. Every input dimension that
/// had that value (other than 0 and 1, which stay fixed) has this size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizeSymbol {
    /// The input it is read from.
    pub arg: usize,
    /// The dimension of that input.
    pub axis: usize,
    /// Its traced value.
    pub example: usize,
}

/// A plan built with the sizes `sizes` (one per [`SizeSymbol`]).
#[derive(Clone, Debug)]
pub struct PlanInstance {
    /// The value of each size.
    pub sizes: Vec<usize>,
    /// The plan.
    pub plan: KernelPlan,
    /// Its input slots' sources.
    pub slots: Vec<SlotSource>,
    /// The exported function's arguments at these sizes.
    pub args: Vec<TensorType>,
}

/// The grid offsets a shape-generic export is planned at: every point of
/// `{0, 1, 2}^n`, first the traced sizes (all zero).
pub fn grid_offsets(n: usize) -> Vec<Vec<usize>> {
    (0..3usize.pow(n as u32))
        .map(|mut i| {
            (0..n)
                .map(|_| {
                    let g = i % 3;
                    i /= 3;
                    g
                })
                .collect()
        })
        .collect()
}

/// Offsets off the grid (for sizes traced as `examples`) at which the fitted numbers
/// are checked: two near the grid, and two far from it (about 2 and 16 times the traced
/// sizes), where a bound that only clamps at larger sizes (`x[:40]` traced with 30
/// elements is the whole array up to 40) changes the plan and is refused.
pub fn check_offsets(examples: &[usize]) -> Vec<Vec<usize>> {
    let n = examples.len();
    vec![
        (0..n).map(|k| 3 + 2 * (k % 2)).collect(),
        (0..n).map(|k| 7 + 3 * k).collect(),
        examples
            .iter()
            .enumerate()
            .map(|(k, &v)| v + 5 + k)
            .collect(),
        // (At most 2^24 further, so products of sizes stay far from overflow.)
        examples
            .iter()
            .enumerate()
            .map(|(k, &v)| (15 * v).min(1 << 24) + 11 + 2 * k)
            .collect(),
    ]
}

/// One plan number as Newton coefficients: `c[α]` for α in `{0, 1, 2}^n` (index
/// `Σ α_k 3^k`), the number being `Σ c[α] Π_k B(t_k, α_k)` with `B(t, 0) = 1`,
/// `B(t, 1) = t` and `B(t, 2) = t (t - 1) / 2`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Polynomial(Vec<i128>);

impl Polynomial {
    /// Fits `values` (one per grid point, in [`grid_offsets`]' order) by forward
    /// differences along each size.
    fn fit(values: &[i128], n: usize) -> Polynomial {
        let mut c = values.to_vec();
        for k in 0..n {
            let step = 3usize.pow(k as u32);
            for i in 0..c.len() {
                if !(i / step).is_multiple_of(3) {
                    continue;
                }
                let (a, b, d) = (c[i], c[i + step], c[i + 2 * step]);
                c[i + step] = b - a;
                c[i + 2 * step] = d - 2 * b + a;
            }
        }
        Polynomial(c)
    }

    fn eval(&self, t: &[i128]) -> i128 {
        let mut sum = 0i128;
        for (i, &c) in self.0.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let mut term = c;
            let mut idx = i;
            for &tk in t {
                term *= match idx % 3 {
                    0 => 1,
                    1 => tk,
                    _ => tk * (tk - 1) / 2,
                };
                idx /= 3;
            }
            sum += term;
        }
        sum
    }

    /// The constant, when the number does not depend on the sizes.
    pub(super) fn constant(&self) -> Option<i128> {
        self.0[1..].iter().all(|&c| c == 0).then_some(self.0[0])
    }

    /// The size this number equals, if it is exactly one of them.
    pub(super) fn size(&self, symbols: &[SizeSymbol]) -> Option<usize> {
        (0..symbols.len()).find(|&k| {
            self.0.iter().enumerate().all(|(i, &c)| {
                if i == 0 {
                    c == symbols[k].example as i128
                } else if i == 3usize.pow(k as u32) {
                    c == 1
                } else {
                    c == 0
                }
            })
        })
    }

    /// C for the number as an `__int128` expression of `t0, t1, ...` and `u0, u1, ...`
    /// (`u_k = t_k (t_k - 1) / 2`).
    fn c_expression(&self) -> String {
        let mut terms = Vec::new();
        for (i, &c) in self.0.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let mut factors = vec![format!("(__int128){c}LL")];
            let mut idx = i;
            let mut k = 0;
            while idx > 0 {
                match idx % 3 {
                    1 => factors.push(format!("t{k}")),
                    2 => factors.push(format!("u{k}")),
                    _ => {}
                }
                idx /= 3;
                k += 1;
            }
            terms.push(factors.join(" * "));
        }
        if terms.is_empty() {
            "(__int128)0".into()
        } else {
            terms.join(" + ")
        }
    }
}

/// The fitted numbers of a family of plans whose C tables (with placeholders) are
/// identical: one polynomial per number, checked at every instance.
pub(super) fn fit_numbers(
    symbols: &[SizeSymbol],
    numbers: &[Vec<i64>],
    sizes: &[Vec<usize>],
) -> Result<Vec<Polynomial>, CodegenError> {
    let n = symbols.len();
    let grid = grid_offsets(n);
    let offsets = |s: &[usize]| -> Vec<i128> {
        s.iter()
            .zip(symbols)
            .map(|(&v, sym)| v as i128 - sym.example as i128)
            .collect()
    };
    let at = |g: &[usize]| {
        sizes
            .iter()
            .position(|s| offsets(s).iter().zip(g).all(|(&t, &gk)| t == gk as i128))
            .ok_or_else(|| CodegenError::Internal("export: a grid plan is missing".into()))
    };
    let grid_rows = grid.iter().map(|g| at(g)).collect::<Result<Vec<_>, _>>()?;
    let count = numbers[0].len();
    let mut fitted = Vec::with_capacity(count);
    #[allow(clippy::needless_range_loop)] // j indexes every instance's numbers
    for j in 0..count {
        let values: Vec<i128> = grid_rows.iter().map(|&r| numbers[r][j] as i128).collect();
        let p = Polynomial::fit(&values, n);
        for (r, s) in sizes.iter().enumerate() {
            if p.eval(&offsets(s)) != numbers[r][j] as i128 {
                return Err(CodegenError::Export(format!(
                    "export(dynamic=True): the plan's numbers are not polynomials of degree \
                     at most two in each size (number {j} is {} at sizes {s:?}, not the \
                     fitted {}); export with static shapes",
                    numbers[r][j],
                    p.eval(&offsets(s))
                )));
            }
        }
        if p.0.iter().any(|&c| i64::try_from(c).is_err()) {
            return Err(CodegenError::Export(
                "export(dynamic=True): a plan number grows too fast with the sizes".into(),
            ));
        }
        fitted.push(p);
    }
    Ok(fitted)
}

/// The C function that builds the plan for sizes `s` and hands it to `use`: the
/// tables of `tables` (written with placeholders, as `static const` file-scope data)
/// turned into locals with each placeholder's number computed from the sizes.
pub(super) fn with_sizes_function(
    name: &str,
    symbols: &[SizeSymbol],
    tables: &str,
    fitted: &[Polynomial],
    reciprocals: &[Reciprocal],
    first_slot: usize,
    sizes: &[Vec<usize>],
) -> Result<String, CodegenError> {
    let mut c = String::new();
    let _ = writeln!(
        c,
        "/* The plan at sizes s[0..{n}]: each number a polynomial of t_k = s[k] - example_k. */\n\
         static int {name}__with_sizes(const int64_t *s, int (*use)(const lfrt_plan *, void *),\n\
         \x20                               void *context) {{",
        n = symbols.len()
    );
    for (k, sym) in symbols.iter().enumerate() {
        let _ = writeln!(
            c,
            "  const __int128 t{k} = (__int128)s[{k}] - {}, u{k} = t{k} * (t{k} - 1) / 2;\n  \
             (void)t{k}; (void)u{k};",
            sym.example
        );
    }
    let varying: Vec<usize> = (0..fitted.len())
        .filter(|&j| fitted[j].constant().is_none())
        .collect();
    let _ = writeln!(c, "  int64_t n[{}];", varying.len().max(1));
    for (slot, &j) in varying.iter().enumerate() {
        let _ = writeln!(
            c,
            "  if (!lfrt_int64({}, &n[{slot}])) return lfrt_fail(LAZYFUSE_ERR_SHAPE, \
             \"%s: these sizes are too large\", \"{name}\");",
            fitted[j].c_expression()
        );
    }
    // Reciprocal constants: numerator / count, the count a polynomial of the sizes.
    if !reciprocals.is_empty() {
        let counts: Vec<Vec<i64>> = (0..sizes.len())
            .map(|i| reciprocals.iter().map(|r| r.counts[i]).collect())
            .collect();
        let fitted_counts = fit_numbers(symbols, &counts, sizes)?;
        for (r, (rec, p)) in reciprocals.iter().zip(&fitted_counts).enumerate() {
            let ty = if rec.dtype == DType::F32 {
                "float"
            } else {
                "double"
            };
            let _ = writeln!(
                c,
                "  int64_t count{r};\n  if (!lfrt_int64({}, &count{r}) || count{r} == 0) return \
                 lfrt_fail(LAZYFUSE_ERR_SHAPE, \"%s: these sizes are too large\", \"{name}\");\n  \
                 const {ty} reciprocal{r} = ({ty}){:?} / ({ty})count{r};",
                p.c_expression(),
                rec.numerator
            );
        }
    }
    // The tables as locals: placeholders replaced, declarations already at file scope.
    let mut body = String::new();
    let mut rest = tables;
    while let Some(start) = rest.find('@') {
        body.push_str(&rest[..start]);
        let end = start + 1 + rest[start + 1..].find('@').expect("closed placeholder");
        let j: usize = rest[start + 1..end].parse().expect("placeholder number");
        match varying.iter().position(|&v| v == j) {
            Some(slot) => {
                let _ = write!(body, "n[{slot}]");
            }
            None => {
                let _ = write!(body, "{}", fitted[j].constant().unwrap_or_default());
            }
        }
        rest = &rest[end + 1..];
    }
    body.push_str(rest);
    for r in 0..reciprocals.len() {
        let symbol = format!("{{-1, {name}__c{}}}", first_slot + r);
        body = body.replace(&symbol, &format!("{{-1, &reciprocal{r}}}"));
    }
    for line in body.lines() {
        if line.starts_with("extern ") || line.starts_with("void ") {
            continue;
        }
        let line = line.replacen(
            &format!("static const lfrt_plan {name}__plan "),
            &format!("const lfrt_plan {name}__plan_at "),
            1,
        );
        let line = line.replacen("static const ", "const ", 1);
        let _ = writeln!(c, "  {line}");
    }
    let _ = writeln!(c, "  return use(&{name}__plan_at, context);\n}}");
    Ok(c)
}

/// The constants of a plan's loop kernels, in order.
fn constants(plan: &KernelPlan) -> Vec<Scalar> {
    let mut out = Vec::new();
    for kernel in &plan.kernels {
        if let Kernel::Loop(l) = kernel {
            for phase in &l.phases {
                for instr in &phase.body_and_stores().0.instrs {
                    if let ScalarOp::Const(c) = instr.op {
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

/// An integer a constant of its dtype holds exactly (so a ramp can make it at run time).
fn exact_integer(c: Scalar) -> Option<i64> {
    let d = c.dtype();
    if d.is_int() {
        return Some(c.as_i64());
    }
    let v = c.as_f64();
    let limit = match d {
        DType::F64 => 9.007_199_254_740_992e15,
        DType::F32 => 16_777_216.0,
        DType::F16 => 2048.0,
        _ => return None,
    };
    (v.fract() == 0.0 && v.abs() <= limit).then_some(v as i64)
}

/// The plans with each kernel constant that varies with the sizes (a bound such as
/// `n - 1`, a count) made a run-time number: a ramp with no loop coefficients, whose
/// offset is a table number like any other (fitted as a polynomial). A varying
/// constant that is not an integer (the `1/n` of a mean) is refused.
pub(super) fn lift_varying_constants(
    plans: &[&KernelPlan],
    slots: &[&[SlotSource]],
    sizes: &[&[usize]],
) -> Result<(Vec<KernelPlan>, Lifted), CodegenError> {
    let (plans, lifted_slots) = lift_varying_scalars(plans, slots, sizes)?;
    let plans: Vec<&KernelPlan> = plans.iter().collect();
    let lists: Vec<Vec<Scalar>> = plans.iter().map(|p| constants(p)).collect();
    let changes = |i: usize| {
        if lists[i].len() != lists[0].len() {
            return Err(CodegenError::Export(format!(
                "export(dynamic=True): the plan's structure at sizes {:?} differs from the one \
                 at the traced sizes {:?}; export with static shapes",
                sizes[i], sizes[0]
            )));
        }
        Ok(())
    };
    for i in 0..plans.len() {
        changes(i)?;
    }
    let mut lifted = vec![false; lists[0].len()];
    let mut reciprocals = Vec::new();
    for (j, lift) in lifted.iter_mut().enumerate() {
        let first = lists[0][j];
        let varies = lists.iter().any(|l| l[j] != first);
        if !varies {
            continue;
        }
        if let Some((numerator, counts)) = reciprocal_of_counts(&lists, j) {
            reciprocals.push(Reciprocal {
                constant: j,
                numerator,
                counts,
                dtype: first.dtype(),
            });
            continue;
        }
        let bad = |c: Scalar| c.dtype() != first.dtype() || exact_integer(c).is_none();
        for l in &lists {
            if bad(l[j]) {
                let i = lists.iter().position(|l| bad(l[j])).unwrap_or_default();
                return Err(CodegenError::Export(format!(
                    "export(dynamic=True): a constant of the program depends on the sizes and \
                     is not an integer ({} at sizes {:?}, {} at {:?}; for example the 1/n of a \
                     mean); export with static shapes, or divide by the size instead",
                    first, sizes[0], lists[i][j], sizes[i]
                )));
            }
        }
        *lift = true;
    }
    // Each reciprocal becomes a 0-d input buffer (inserted after the inputs) read
    // through a new slot the library fills at run time.
    let base_slots = slots[0].len();
    let mut out = Vec::with_capacity(plans.len());
    for (i, plan) in plans.iter().enumerate() {
        let mut plan = (*plan).clone();
        let first_new = plan
            .buffers
            .iter()
            .rposition(|b| matches!(b.kind, lazyfuse_ir::kernel::BufferKind::Input(_)))
            .map_or(0, |p| p + 1) as u32;
        if !reciprocals.is_empty() {
            shift_buffers(&mut plan, first_new, reciprocals.len() as u32);
            for (r, rec) in reciprocals.iter().enumerate() {
                plan.buffers.insert(
                    (first_new as usize) + r,
                    lazyfuse_ir::kernel::Buffer {
                        ty: TensorType::new(rec.dtype, lazyfuse_ir::Shape::new(vec![])),
                        kind: lazyfuse_ir::kernel::BufferKind::Input(base_slots + r),
                    },
                );
            }
        }
        let mut j = 0;
        for kernel in &mut plan.kernels {
            let Kernel::Loop(l) = kernel else { continue };
            let loops = l.outer.len() + l.inner.len();
            for phase in &mut l.phases {
                for instr in &mut phase.body_and_stores_mut().0.instrs {
                    if let ScalarOp::Const(c) = instr.op {
                        if lifted[j] {
                            let value = exact_integer(lists[i][j]).unwrap_or_default();
                            instr.op = constant_ramp(c.dtype(), value, loops);
                        } else if let Some(r) = reciprocals.iter().position(|r| r.constant == j) {
                            let buffer = lazyfuse_ir::kernel::BufferId(first_new + r as u32);
                            instr.op =
                                ScalarOp::Load(buffer, lazyfuse_ir::kernel::IndexMap(vec![]));
                        }
                        j += 1;
                    }
                }
            }
        }
        out.push(plan);
    }
    Ok((
        out,
        Lifted {
            slots: lifted_slots,
            reciprocals,
        },
    ))
}

/// What [`lift_varying_constants`] made run-time values.
#[derive(Default)]
pub(super) struct Lifted {
    /// Captured scalars whose loads became ramps (their data is no longer read).
    pub(super) slots: Vec<usize>,
    /// Constants `numerator / count` read from new slots after the family's own.
    pub(super) reciprocals: Vec<Reciprocal>,
}

/// A kernel constant `numerator / count` (the `1/n` of a mean, the `2/n` of its
/// gradient) with an integer count that varies with the sizes.
pub(super) struct Reciprocal {
    constant: usize,
    /// The numerator, the same at every size.
    pub(super) numerator: f64,
    /// The count at each instance.
    pub(super) counts: Vec<i64>,
    /// The constant's dtype (float32 or float64).
    pub(super) dtype: DType,
}

/// Whether constant j is `a / count` at every instance, for one small numerator a and
/// integer counts (each quotient checked to the bit in the constant's dtype).
fn reciprocal_of_counts(lists: &[Vec<Scalar>], j: usize) -> Option<(f64, Vec<i64>)> {
    let dtype = lists[0][j].dtype();
    if !matches!(dtype, DType::F64 | DType::F32) {
        return None;
    }
    [1.0, -1.0, 2.0, -2.0, 0.5, -0.5]
        .into_iter()
        .find_map(|a: f64| {
            let counts: Option<Vec<i64>> = lists
                .iter()
                .map(|l| {
                    let c = l[j];
                    if c.dtype() != dtype || c.as_f64() == 0.0 {
                        return None;
                    }
                    let k = (a / c.as_f64()).round();
                    if !(1.0..9.0e15).contains(&k) {
                        return None;
                    }
                    let same = match dtype {
                        DType::F64 => (a / k).to_bits() == c.as_f64().to_bits(),
                        _ => {
                            ((a as f32) / (k as f32)).to_bits() == (c.as_f64() as f32).to_bits()
                                && k < 16_777_216.0
                        }
                    };
                    same.then_some(k as i64)
                })
                .collect();
            counts.map(|c| (a, c))
        })
}

/// Renumbers buffers `from..` to `from + by..` (room for new buffers at `from`).
fn shift_buffers(plan: &mut KernelPlan, from: u32, by: u32) {
    use lazyfuse_ir::kernel::{BufferId, BufferKind};
    let shift = |b: &mut BufferId| {
        if b.0 >= from {
            b.0 += by;
        }
    };
    for buffer in &mut plan.buffers {
        if let BufferKind::Alias(of) = &mut buffer.kind {
            shift(of);
        }
    }
    for o in &mut plan.outputs {
        shift(o);
    }
    for kernel in &mut plan.kernels {
        match kernel {
            Kernel::Loop(l) => l.for_each_buffer_mut(shift),
            Kernel::MatMul(m) => {
                shift(&mut m.a.0);
                shift(&mut m.b.0);
                shift(&mut m.out);
            }
            Kernel::Axis(c) => {
                shift(&mut c.x.0);
                if let Some(((b, _), _)) = &mut c.y {
                    shift(b);
                }
                shift(&mut c.out);
            }
        }
    }
}

/// A ramp of `value` (no loop coefficients) in `dtype`.
fn constant_ramp(dtype: DType, value: i64, loops: usize) -> ScalarOp {
    ScalarOp::Ramp {
        start: Scalar::I64(0).cast(dtype),
        step: Scalar::I64(1).cast(dtype),
        index: Affine {
            offset: value,
            coefs: vec![0; loops],
        },
    }
}

/// Captured 0-d data that varies with the sizes (a Python scalar computed from a
/// shape, such as `x.sum() / x.shape[0]`): when it is an integer read only by loop
/// kernels, its loads become ramps of run-time numbers; returns the plans and the slots
/// so lifted (their data is no longer read).
fn lift_varying_scalars(
    plans: &[&KernelPlan],
    slots: &[&[SlotSource]],
    sizes: &[&[usize]],
) -> Result<(Vec<KernelPlan>, Vec<usize>), CodegenError> {
    let mut out: Vec<KernelPlan> = plans.iter().map(|p| (*p).clone()).collect();
    let mut lifted = Vec::new();
    for s in 0..slots[0].len() {
        let values: Vec<Option<Scalar>> = slots
            .iter()
            .map(|sl| match sl.get(s) {
                Some(SlotSource::Constant(v)) if v.shape().is_empty() => {
                    v.to_scalars().first().copied()
                }
                _ => None,
            })
            .collect();
        let Some(first) = values[0] else { continue };
        if values.iter().all(|v| *v == Some(first)) {
            continue;
        }
        let integers: Option<Vec<i64>> = values
            .iter()
            .map(|v| {
                v.filter(|c| c.dtype() == first.dtype())
                    .and_then(exact_integer)
            })
            .collect();
        let other = values
            .iter()
            .position(|v| *v != Some(first))
            .unwrap_or_default();
        let refuse = || {
            CodegenError::Export(format!(
                "export(dynamic=True): a scalar the function computes from the sizes is not an \
                 integer read by loops ({first} at sizes {:?}, {} at {:?}); export with static \
                 shapes",
                sizes[0],
                values[other].map_or("?".to_string(), |v| v.to_string()),
                sizes[other]
            ))
        };
        let integers = integers.ok_or_else(refuse)?;
        for (plan, &value) in out.iter_mut().zip(&integers) {
            let reads: Vec<u32> = plan
                .buffers
                .iter()
                .enumerate()
                .filter(|(_, b)| b.kind == lazyfuse_ir::kernel::BufferKind::Input(s))
                .map(|(i, _)| i as u32)
                .collect();
            let aliased = plan.buffers.iter().any(|b| {
                matches!(b.kind, lazyfuse_ir::kernel::BufferKind::Alias(of) if reads.contains(&of.0))
            });
            if aliased || plan.outputs.iter().any(|o| reads.contains(&o.0)) {
                return Err(refuse());
            }
            for kernel in &mut plan.kernels {
                let l = match kernel {
                    Kernel::Loop(l) => l,
                    Kernel::MatMul(m) if reads.contains(&m.a.0 .0) || reads.contains(&m.b.0 .0) => {
                        return Err(refuse())
                    }
                    Kernel::MatMul(_) => continue,
                    Kernel::Axis(c)
                        if reads.contains(&c.x.0 .0)
                            || c.y.as_ref().is_some_and(|((b, _), _)| reads.contains(&b.0)) =>
                    {
                        return Err(refuse())
                    }
                    Kernel::Axis(_) => continue,
                };
                let loops = l.outer.len() + l.inner.len();
                for phase in &mut l.phases {
                    for instr in &mut phase.body_and_stores_mut().0.instrs {
                        match instr.op {
                            ScalarOp::Load(b, _) if reads.contains(&b.0) => {
                                instr.op = constant_ramp(first.dtype(), value, loops);
                            }
                            ScalarOp::Gather { buffer, .. } if reads.contains(&buffer.0) => {
                                return Err(refuse())
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        lifted.push(s);
    }
    Ok((out, lifted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbols(examples: &[usize]) -> Vec<SizeSymbol> {
        examples
            .iter()
            .enumerate()
            .map(|(k, &e)| SizeSymbol {
                arg: 0,
                axis: k,
                example: e,
            })
            .collect()
    }

    #[test]
    fn fits_products_squares_and_offsets_exactly() {
        let syms = symbols(&[300, 200]);
        let f = |s: &[usize]| -> Vec<i64> {
            let (a, b) = (s[0] as i64, s[1] as i64);
            vec![7, a, a * b, (a - 1) * b, a * a * b * b - 3 * b, -b]
        };
        let mut sizes = Vec::new();
        for g in grid_offsets(2)
            .into_iter()
            .chain(check_offsets(&[300, 200]))
        {
            sizes.push(vec![300 + g[0], 200 + g[1]]);
        }
        let numbers: Vec<Vec<i64>> = sizes.iter().map(|s| f(s)).collect();
        let fitted = fit_numbers(&syms, &numbers, &sizes).unwrap();
        assert_eq!(fitted[0].constant(), Some(7));
        assert_eq!(fitted[1].size(&syms), Some(0));
        for s in [[1usize, 1], [5, 9000], [123456, 7]] {
            let t = [s[0] as i128 - 300, s[1] as i128 - 200];
            let want = f(&s);
            for (p, w) in fitted.iter().zip(want) {
                assert_eq!(p.eval(&t), w as i128);
            }
        }
    }

    #[test]
    fn refuses_numbers_of_higher_degree() {
        let syms = symbols(&[10]);
        let mut sizes = Vec::new();
        for g in grid_offsets(1).into_iter().chain(check_offsets(&[10])) {
            sizes.push(vec![10 + g[0]]);
        }
        let numbers: Vec<Vec<i64>> = sizes.iter().map(|s| vec![(s[0] as i64).pow(3)]).collect();
        let e = fit_numbers(&syms, &numbers, &sizes).unwrap_err();
        assert!(e.to_string().contains("not polynomials"), "{e}");
    }
}
