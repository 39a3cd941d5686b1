//! Functions with a common path much cheaper than their general one, which the CPU
//! calls through vector forms that branch once per vector (`vmath_variants.rs`):
//!
//! - sin, cos and tan: Cody–Waite's reduction below a magnitude, Payne–Hanek's above;
//! - ln, log2 and log10: positive normal numbers take the fast path; the general one
//!   adds the scaling of subnormals and the results of 0, negatives, inf and NaN (in a
//!   float32 loop those selects were a fifth of the instructions); log1p likewise,
//!   for x above -1.
//!
//! Each function's fast path gives the general path's bits on its range, except float32
//! trig, whose general path computes in float64: the forms keep the fast path's bits
//! there, so a lane's result never depends on its neighbours.

use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::Module;
use inkwell::types::VectorType;
use inkwell::values::{
    BasicValueEnum, CallSiteValue, FloatValue, IntValue, ValueKind, VectorValue,
};
use inkwell::FloatPredicate;
use lazyfuse_ir::DType;

use super::vmath::{Math, Res};
use super::vmath_log::Base;
use super::vmath_trig::{fast_trig_limit, Trig, COS_NEAR_F32};
use crate::error::CodegenError;

/// A function with a fast path (see the module documentation).
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Split {
    Trig(Trig),
    Log(Base),
    Log1p,
}

/// The inputs the fast path is exact for.
enum FastRange {
    /// |x| below the bound.
    Magnitude(f64),
    /// Finite numbers at least the bound.
    AtLeast(f64),
}

impl Split {
    /// The function named `name` (the scalar ops' names), if it has a fast path.
    pub(crate) fn of(name: &str) -> Option<Split> {
        Some(match name {
            "sin" => Split::Trig(Trig::Sin),
            "cos" => Split::Trig(Trig::Cos),
            "tan" => Split::Trig(Trig::Tan),
            "log" => Split::Log(Base::E),
            "log2" => Split::Log(Base::Two),
            "log10" => Split::Log(Base::Ten),
            "log1p" => Split::Log1p,
            _ => return None,
        })
    }

    /// Whether the function is out of line wherever it is not inlined whole (the GPU):
    /// trig's general path is too large to inline into every loop, while a logarithm's
    /// is a few selects, so exported objects inline it and only JIT kernels, which
    /// share the process's compiled forms, call it out of line.
    pub(crate) fn always_out_of_line(self) -> bool {
        matches!(self, Split::Trig(_))
    }

    /// Whether the general path gives the fast path's bits on the fast range (the
    /// logarithms: the same operations there), so that no lane needs the fast path
    /// computed again once the general one runs.
    pub(crate) fn fast_is_general(self) -> bool {
        !matches!(self, Split::Trig(_))
    }

    /// The |x| from which the fast path has a cheaper common part that gives its bits
    /// ([`Math::split_common`]): float32 cos's fast path adds a short series below
    /// 0.57, which few vectors of spread-out arguments need.
    pub(crate) fn common_from(self, dtype: DType) -> Option<f64> {
        (self == Split::Trig(Trig::Cos) && dtype == DType::F32).then_some(COS_NEAR_F32)
    }

    fn fast_range(self, dtype: DType) -> FastRange {
        match self {
            Split::Trig(_) => FastRange::Magnitude(fast_trig_limit(dtype == DType::F64)),
            Split::Log(_) => FastRange::AtLeast(min_normal(dtype)),
            // The float above -1: 1 + x is then positive and normal.
            Split::Log1p => FastRange::AtLeast(if dtype == DType::F64 {
                -1.0 + f64::EPSILON / 2.0
            } else {
                -1.0 + f64::from(f32::EPSILON) / 2.0
            }),
        }
    }
}

/// The smallest positive normal number of `dtype`.
fn min_normal(dtype: DType) -> f64 {
    if dtype == DType::F64 {
        f64::MIN_POSITIVE
    } else {
        f64::from(f32::MIN_POSITIVE)
    }
}

impl<'a, 'ctx> Math<'a, 'ctx> {
    /// The fast path of `which` (unspecified results outside its range).
    pub(crate) fn split_fast(&self, x: FloatValue<'ctx>, which: Split) -> Res<FloatValue<'ctx>> {
        match which {
            Split::Trig(t) => self.trig_fast(x, t),
            Split::Log(base) => self.log_fast(x, base),
            Split::Log1p => self.log1p_fast(x),
        }
    }

    /// The common part of the fast path of `which` (the fast path itself where
    /// [`Split::common_from`] is None).
    pub(crate) fn split_common(&self, x: FloatValue<'ctx>, which: Split) -> Res<FloatValue<'ctx>> {
        if which.common_from(self.d).is_some() {
            return self.cos_common_f32(x);
        }
        self.split_fast(x, which)
    }

    /// The general path of `which`, right for every x.
    pub(crate) fn split_general(&self, x: FloatValue<'ctx>, which: Split) -> Res<FloatValue<'ctx>> {
        match which {
            Split::Trig(t) => self.trig(x, t),
            Split::Log(base) => self.log(x, base),
            Split::Log1p => self.log1p(x),
        }
    }

    /// Whether x is in the fast path's range (false for NaN).
    pub(crate) fn split_inside(&self, x: FloatValue<'ctx>, which: Split) -> Res<IntValue<'ctx>> {
        match which.fast_range(self.d) {
            FastRange::Magnitude(limit) => {
                self.fcmp(FloatPredicate::OLT, self.abs(x)?, self.c(limit))
            }
            FastRange::AtLeast(low) => {
                let normal = self.fcmp(FloatPredicate::OGE, x, self.c(low))?;
                let finite = self.fcmp(FloatPredicate::OLT, x, self.c(f64::INFINITY))?;
                Ok(self.b.build_and(normal, finite, "inside")?)
            }
        }
    }
}

/// Whether any lane of `x` (`n` lanes of `dtype`) is outside the fast path's range of
/// `which` (NaN included).
pub(crate) fn any_lane_outside<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    b: &Builder<'ctx>,
    x: VectorValue<'ctx>,
    which: Split,
    dtype: DType,
    n: u32,
) -> Res<IntValue<'ctx>> {
    let splat = |v: f64| splat(ctx, dtype, n, v);
    let outside = match which.fast_range(dtype) {
        FastRange::Magnitude(limit) => {
            let a = vector_abs(module, b, x)?;
            b.build_float_compare(FloatPredicate::UGE, a, splat(limit), "outside")?
        }
        FastRange::AtLeast(low) => {
            let below = b.build_float_compare(FloatPredicate::ULT, x, splat(low), "below")?;
            let inf = splat(f64::INFINITY);
            let infinite = b.build_float_compare(FloatPredicate::OEQ, x, inf, "inf")?;
            b.build_or(below, infinite, "outside")?
        }
    };
    any_lane(module, b, outside)
}

/// Whether any lane of `x` (`n` lanes of `dtype`) has |x| below `bound`.
pub(crate) fn any_lane_below<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    b: &Builder<'ctx>,
    x: VectorValue<'ctx>,
    bound: f64,
    dtype: DType,
    n: u32,
) -> Res<IntValue<'ctx>> {
    let a = vector_abs(module, b, x)?;
    let bounds = splat(ctx, dtype, n, bound);
    let below = b.build_float_compare(FloatPredicate::OLT, a, bounds, "below")?;
    any_lane(module, b, below)
}

/// `n` lanes of `dtype`, each `v`.
fn splat(ctx: &Context, dtype: DType, n: u32, v: f64) -> VectorValue<'_> {
    let t = if dtype == DType::F64 {
        ctx.f64_type()
    } else {
        ctx.f32_type()
    };
    VectorType::const_vector(&vec![t.const_float(v); n as usize])
}

fn vector_abs<'ctx>(
    module: &Module<'ctx>,
    b: &Builder<'ctx>,
    x: VectorValue<'ctx>,
) -> Res<VectorValue<'ctx>> {
    let fabs = Intrinsic::find("llvm.fabs")
        .and_then(|i| i.get_declaration(module, &[x.get_type().into()]))
        .ok_or_else(|| CodegenError::Internal("no llvm.fabs".into()))?;
    Ok(value(b.build_call(fabs, &[x.into()], "a")?)?.into_vector_value())
}

/// Whether any lane of the mask is set.
fn any_lane<'ctx>(
    module: &Module<'ctx>,
    b: &Builder<'ctx>,
    mask: VectorValue<'ctx>,
) -> Res<IntValue<'ctx>> {
    let any_lane = Intrinsic::find("llvm.vector.reduce.or")
        .and_then(|i| i.get_declaration(module, &[mask.get_type().into()]))
        .ok_or_else(|| CodegenError::Internal("no llvm.vector.reduce.or".into()))?;
    Ok(value(b.build_call(any_lane, &[mask.into()], "any")?)?.into_int_value())
}

/// The value a call returns.
pub(crate) fn value(site: CallSiteValue<'_>) -> Res<BasicValueEnum<'_>> {
    match site.try_as_basic_value() {
        ValueKind::Basic(v) => Ok(v),
        _ => Err(CodegenError::Internal("a call returned nothing".into())),
    }
}
