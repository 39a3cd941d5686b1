//! The operations of the IR and their names.
//!
//! Each op's rules live in one predictable place per concern: the type rule in
//! `infer.rs`, the text form here (`Display`) and in `text.rs` (parsing), the reference
//! semantics in `interp/`.

use std::fmt;

use crate::dtype::DType;
use crate::error::IrError;
use crate::scalar::Scalar;
use crate::shape::Shape;

mod fft;
mod linalg;
pub use fft::{FftKind, FftScale};
pub use linalg::LinalgOp;

/// Declares a fieldless op enum together with its textual names, so that printing and
/// parsing cannot drift apart.
macro_rules! named_ops {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name used in the textual IR.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The variant with this textual name.
            pub fn from_name(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

named_ops! {
    /// Elementwise functions of one operand.
    UnaryOp {
        /// `-x` (NumPy `negative`).
        Neg => "neg",
        /// `|x|`.
        Abs => "abs",
        /// -1, 0 or 1 (NaN for NaN).
        Sign => "sign",
        /// e^x.
        Exp => "exp",
        /// e^x - 1, accurate near 0.
        Expm1 => "expm1",
        /// Natural logarithm.
        Log => "log",
        /// ln(1 + x), accurate near 0.
        Log1p => "log1p",
        /// Base-2 logarithm.
        Log2 => "log2",
        /// Base-10 logarithm.
        Log10 => "log10",
        /// Square root.
        Sqrt => "sqrt",
        /// x * x.
        Square => "square",
        /// 1 / x (integer division for integers).
        Reciprocal => "reciprocal",
        /// Sine.
        Sin => "sin",
        /// Cosine.
        Cos => "cos",
        /// Tangent.
        Tan => "tan",
        /// Inverse sine.
        Arcsin => "arcsin",
        /// Inverse cosine.
        Arccos => "arccos",
        /// Inverse tangent.
        Arctan => "arctan",
        /// Hyperbolic sine.
        Sinh => "sinh",
        /// Hyperbolic cosine.
        Cosh => "cosh",
        /// Hyperbolic tangent.
        Tanh => "tanh",
        /// Round toward -inf.
        Floor => "floor",
        /// Round toward +inf.
        Ceil => "ceil",
        /// Round half to even (NumPy `round`/`rint`).
        Round => "round",
        /// Round toward 0.
        Trunc => "trunc",
        /// x is NaN.
        IsNan => "isnan",
        /// x is ±inf.
        IsInf => "isinf",
        /// x is neither NaN nor ±inf.
        IsFinite => "isfinite",
        /// x == 0.
        LogicalNot => "logical_not",
        /// 1 / (1 + e^-x).
        Sigmoid => "sigmoid",
        /// The error function.
        Erf => "erf",
        /// Inverse hyperbolic sine.
        Arcsinh => "arcsinh",
        /// Inverse hyperbolic cosine.
        Arccosh => "arccosh",
        /// Inverse hyperbolic tangent.
        Arctanh => "arctanh",
        /// Cube root.
        Cbrt => "cbrt",
        /// Whether the sign bit is set (true for -0.0 and negative NaNs).
        Signbit => "signbit",
        /// Bitwise not (integers), logical not (bool): NumPy `invert`.
        Invert => "invert",
        /// The complex conjugate (the identity on real values).
        Conj => "conj",
        /// The real part (the value itself for real types).
        Real => "real",
        /// The imaginary part (zero for real types).
        Imag => "imag",
    }
}

named_ops! {
    /// Elementwise functions of two operands (broadcast together).
    BinaryOp {
        /// a + b (logical or for bool).
        Add => "add",
        /// a - b.
        Sub => "sub",
        /// a * b (logical and for bool).
        Mul => "mul",
        /// True division a / b.
        Div => "div",
        /// floor(a / b) (NumPy `floor_divide`).
        FloorDiv => "floordiv",
        /// a - floor(a / b) * b, with the sign of b (NumPy `remainder`).
        Rem => "rem",
        /// a ** b.
        Pow => "pow",
        /// Elementwise maximum, NaN-propagating.
        Maximum => "maximum",
        /// Elementwise minimum, NaN-propagating.
        Minimum => "minimum",
        /// atan2(a, b).
        Arctan2 => "arctan2",
        /// a == b.
        Eq => "eq",
        /// a != b.
        Ne => "ne",
        /// a < b.
        Lt => "lt",
        /// a <= b.
        Le => "le",
        /// a > b.
        Gt => "gt",
        /// a >= b.
        Ge => "ge",
        /// Both non-zero.
        LogicalAnd => "logical_and",
        /// Either non-zero.
        LogicalOr => "logical_or",
        /// Exactly one non-zero.
        LogicalXor => "logical_xor",
        /// Bitwise and (integers and bool).
        BitwiseAnd => "bitwise_and",
        /// Bitwise or (integers and bool).
        BitwiseOr => "bitwise_or",
        /// Bitwise xor (integers and bool).
        BitwiseXor => "bitwise_xor",
        /// a << b (integers): 0 where b is negative or at least the bit width, as NumPy.
        LeftShift => "left_shift",
        /// a >> b (integers, arithmetic): where b is negative or at least the bit width,
        /// -1 for negative a and 0 otherwise, as NumPy.
        RightShift => "right_shift",
        /// |a| with the sign of b (floats).
        Copysign => "copysign",
        /// C's fmod: a - trunc(a / b) * b, with the sign of a (integers: 0 for b == 0).
        Fmod => "fmod",
        /// The next float after a toward b.
        Nextafter => "nextafter",
        /// Greatest common divisor of |a| and |b| (integers).
        Gcd => "gcd",
        /// Least common multiple of |a| and |b| (integers, wrapping).
        Lcm => "lcm",
        /// Philox4x32-10 (Salmon et al., SC'11) of the counter `a` under the key `b`
        /// (both uint64, each split into two 32-bit words; the counter's upper two words
        /// are zero): the first two output words as a uint64, word 0 low. A pure,
        /// counter-based random function: `lazyfuse.numpy.random` draws element i of a
        /// sample as `philox(offset + i, key)`, the same bits whatever the thread count.
        Philox => "philox",
    }
}

named_ops! {
    /// Reductions over a set of axes.
    ReduceOp {
        /// Sum (ints and bool accumulate in int64).
        Sum => "reduce_sum",
        /// Product (ints and bool accumulate in int64).
        Prod => "reduce_prod",
        /// Maximum, NaN-propagating; no identity.
        Max => "reduce_max",
        /// Minimum, NaN-propagating; no identity.
        Min => "reduce_min",
        /// Arithmetic mean (ints give float64).
        Mean => "reduce_mean",
        /// Index of the first maximum within the reduced axes (flattened in C order).
        ArgMax => "reduce_argmax",
        /// Index of the first minimum within the reduced axes (flattened in C order).
        ArgMin => "reduce_argmin",
        /// Any element non-zero.
        Any => "reduce_any",
        /// Every element non-zero.
        All => "reduce_all",
    }
}

impl UnaryOp {
    /// The names `lazyfuse.numpy` gives the op: first NumPy's ufunc (the one
    /// `__array_ufunc__` receives), then aliases. `sigmoid` and `erf` are not NumPy
    /// functions; lazyfuse.numpy offers them under those names.
    pub fn numpy_names(self) -> &'static [&'static str] {
        use UnaryOp::*;
        match self {
            Neg => &["negative"],
            Abs => &["absolute", "abs"],
            Sign => &["sign"],
            Exp => &["exp"],
            Expm1 => &["expm1"],
            Log => &["log"],
            Log1p => &["log1p"],
            Log2 => &["log2"],
            Log10 => &["log10"],
            Sqrt => &["sqrt"],
            Square => &["square"],
            Reciprocal => &["reciprocal"],
            Sin => &["sin"],
            Cos => &["cos"],
            Tan => &["tan"],
            Arcsin => &["arcsin", "asin"],
            Arccos => &["arccos", "acos"],
            Arctan => &["arctan", "atan"],
            Sinh => &["sinh"],
            Cosh => &["cosh"],
            Tanh => &["tanh"],
            Floor => &["floor"],
            Ceil => &["ceil"],
            Round => &["rint"],
            Trunc => &["trunc"],
            IsNan => &["isnan"],
            IsInf => &["isinf"],
            IsFinite => &["isfinite"],
            LogicalNot => &["logical_not"],
            Sigmoid => &["sigmoid"],
            Erf => &["erf"],
            Arcsinh => &["arcsinh", "asinh"],
            Arccosh => &["arccosh", "acosh"],
            Arctanh => &["arctanh", "atanh"],
            Cbrt => &["cbrt"],
            Signbit => &["signbit"],
            Invert => &["invert", "bitwise_not", "bitwise_invert"],
            Conj => &["conjugate", "conj"],
            Real => &[],
            Imag => &[],
        }
    }

    /// Whether NumPy has the op as a ufunc (false for `sigmoid` and `erf`).
    pub fn is_numpy_ufunc(self) -> bool {
        !matches!(
            self,
            UnaryOp::Sigmoid | UnaryOp::Erf | UnaryOp::Real | UnaryOp::Imag
        )
    }
}

impl BinaryOp {
    /// The names `lazyfuse.numpy` gives the op: first NumPy's ufunc, then aliases.
    pub fn numpy_names(self) -> &'static [&'static str] {
        use BinaryOp::*;
        match self {
            Add => &["add"],
            Sub => &["subtract"],
            Mul => &["multiply"],
            Div => &["divide", "true_divide"],
            FloorDiv => &["floor_divide"],
            Rem => &["remainder", "mod"],
            Pow => &["power", "pow"],
            Maximum => &["maximum"],
            Minimum => &["minimum"],
            Arctan2 => &["arctan2", "atan2"],
            Eq => &["equal"],
            Ne => &["not_equal"],
            Lt => &["less"],
            Le => &["less_equal"],
            Gt => &["greater"],
            Ge => &["greater_equal"],
            LogicalAnd => &["logical_and"],
            LogicalOr => &["logical_or"],
            LogicalXor => &["logical_xor"],
            BitwiseAnd => &["bitwise_and"],
            BitwiseOr => &["bitwise_or"],
            BitwiseXor => &["bitwise_xor"],
            LeftShift => &["left_shift", "bitwise_left_shift"],
            RightShift => &["right_shift", "bitwise_right_shift"],
            Copysign => &["copysign"],
            Fmod => &["fmod"],
            Nextafter => &["nextafter"],
            Gcd => &["gcd"],
            Lcm => &["lcm"],
            Philox => &[],
        }
    }
}

impl ReduceOp {
    /// NumPy's function for the reduction (`sum`, `argmax`, ...).
    pub fn numpy_name(self) -> &'static str {
        use ReduceOp::*;
        match self {
            Sum => "sum",
            Prod => "prod",
            Max => "max",
            Min => "min",
            Mean => "mean",
            ArgMax => "argmax",
            ArgMin => "argmin",
            Any => "any",
            All => "all",
        }
    }

    /// Whether reducing zero elements is an error (no identity element).
    pub fn needs_elements(self) -> bool {
        matches!(
            self,
            ReduceOp::Max | ReduceOp::Min | ReduceOp::ArgMax | ReduceOp::ArgMin
        )
    }
}

/// One axis of a slice, normalised: the elements `start, start + step, ...` (`len` of
/// them). Negative steps walk backwards; `start` is in bounds whenever `len > 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SliceAxis {
    /// Index of the first element taken.
    pub start: usize,
    /// Distance between taken elements; never 0.
    pub step: i64,
    /// Number of elements taken.
    pub len: usize,
}

impl SliceAxis {
    /// The whole axis of extent `dim`.
    pub fn full(dim: usize) -> SliceAxis {
        SliceAxis {
            start: 0,
            step: 1,
            len: dim,
        }
    }

    /// Python's `slice(start, stop, step).indices(dim)` followed by the element count:
    /// the same clamping of out-of-range bounds and the same defaults.
    pub fn from_python(
        start: Option<i64>,
        stop: Option<i64>,
        step: Option<i64>,
        dim: usize,
    ) -> Result<SliceAxis, IrError> {
        let step = step.unwrap_or(1);
        if step == 0 {
            return Err(IrError::invalid("slice", "slice step cannot be zero"));
        }
        let n = dim as i64;
        let clamp = |v: i64, lo: i64, hi: i64| v.clamp(lo, hi);
        let norm = |v: i64| if v < 0 { v + n } else { v };
        let (start, stop) = if step > 0 {
            (
                start.map_or(0, |s| clamp(norm(s), 0, n)),
                stop.map_or(n, |s| clamp(norm(s), 0, n)),
            )
        } else {
            (
                start.map_or(n - 1, |s| clamp(norm(s), -1, n - 1)),
                stop.map_or(-1, |s| clamp(norm(s), -1, n - 1)),
            )
        };
        let len = if step > 0 {
            if stop > start {
                (stop - start + step - 1) / step
            } else {
                0
            }
        } else if start > stop {
            (start - stop + (-step) - 1) / (-step)
        } else {
            0
        };
        let start = if len == 0 { 0 } else { start as usize };
        Ok(SliceAxis {
            start,
            step,
            len: len as usize,
        })
    }

    /// Whether this slice is valid on an axis of extent `dim`.
    pub fn fits(&self, dim: usize) -> bool {
        if self.step == 0 {
            return false;
        }
        if self.len == 0 {
            return true;
        }
        let last = self.start as i128 + self.step as i128 * (self.len as i128 - 1);
        self.start < dim && last >= 0 && last < dim as i128
    }
}

/// An operation of the IR. Sources have no operands; every other op's operand count is
/// fixed by its kind (see [`Op::arity`]), except `concat` (one or more).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// The program's input slot with this index (its type is the slot's type).
    Input(usize),
    /// A 0-d constant.
    Const(Scalar),
    /// `start, start + step, ...` (`len` values) as a 1-d array of `start`'s dtype.
    Arange {
        /// First value.
        start: Scalar,
        /// Increment; same dtype as `start`.
        step: Scalar,
        /// Number of values.
        len: usize,
    },
    /// Elementwise function of one operand.
    Unary(UnaryOp),
    /// Elementwise function of two broadcast operands.
    Binary(BinaryOp),
    /// `where(cond, a, b)`: a where cond is non-zero, else b; all three broadcast.
    Where,
    /// Conversion to another dtype.
    Cast(DType),
    /// Same elements in C order, another shape.
    Reshape(Shape),
    /// Axis permutation: output axis i is input axis `perm[i]`.
    Transpose(Vec<usize>),
    /// NumPy `broadcast_to` (stride-0 view).
    BroadcastTo(Shape),
    /// Basic slicing, one entry per axis.
    Slice(Vec<SliceAxis>),
    /// Reduction over `axes` (sorted, distinct), keeping them as extent 1 if `keepdims`.
    Reduce {
        /// Which reduction.
        op: ReduceOp,
        /// Reduced axes, sorted and distinct.
        axes: Vec<usize>,
        /// Keep reduced axes as extent 1.
        keepdims: bool,
    },
    /// NumPy `matmul`: 1-d promotion and batch broadcasting.
    MatMul,
    /// Joins operands along an existing axis.
    Concat {
        /// The joined axis.
        axis: usize,
    },
    /// Running folds along `axis`, the result of x's shape: element i of a row is the
    /// fold of elements 0..=i in order (`cumsum`, `cumprod`, `cummax`, `cummin`; NumPy's
    /// `ufunc.accumulate`). `op` is `Sum`, `Prod`, `Max` or `Min`.
    Scan {
        /// How values combine.
        op: ReduceOp,
        /// The scanned axis.
        axis: usize,
    },
    /// Each lane along `axis` sorted ascending (NaN last), or with `arg` the positions
    /// that sort it (int64), equal elements in their order (a stable sort).
    Sort {
        /// The sorted axis.
        axis: usize,
        /// Positions (`argsort`) instead of values (`sort`).
        arg: bool,
    },
    /// A discrete Fourier transform of each lane along `axis`, each part of each result
    /// multiplied by `scale`'s factor in the result's precision (as NumPy's `norm`).
    Fft {
        /// The transformed axis.
        axis: usize,
        /// Which transform.
        kind: FftKind,
        /// The factor the results are multiplied by.
        scale: FftScale,
    },
    /// `searchsorted(a, v)`: for each element of `v`, the position in the sorted 1-d `a`
    /// where it would be inserted to keep `a` sorted (NumPy's order: NaN last), before
    /// equal elements or, with `right`, after them; int64 of v's shape. `a` and `v` have
    /// one real dtype.
    SearchSorted {
        /// NumPy's `side='right'`.
        right: bool,
    },
    /// A dense linear-algebra routine on each matrix of the trailing two axes (a stack
    /// of matrices: the leading axes are batch axes), computed by LAPACK.
    Linalg(LinalgOp),
    /// `gather(x, positions)`: the elements of `x` at flat C-order `positions` (an
    /// int64 array, each in `0..x.size`), in the positions' shape. NumPy's fancy and
    /// mask indexing, whose index arithmetic the frontend does on concrete indices.
    Gather,
}

impl Op {
    /// The op's name in the textual IR, without parameters.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Input(_) => "input",
            Op::Const(_) => "const",
            Op::Arange { .. } => "arange",
            Op::Unary(u) => u.name(),
            Op::Binary(b) => b.name(),
            Op::Where => "where",
            Op::Cast(_) => "cast",
            Op::Reshape(_) => "reshape",
            Op::Transpose(_) => "transpose",
            Op::BroadcastTo(_) => "broadcast_to",
            Op::Slice(_) => "slice",
            Op::Reduce { op, .. } => op.name(),
            Op::MatMul => "matmul",
            Op::Concat { .. } => "concat",
            Op::Gather => "gather",
            Op::Scan { op, .. } => scan_name(*op),
            Op::Sort { arg: false, .. } => "sort",
            Op::Sort { arg: true, .. } => "argsort",
            Op::Fft { kind, .. } => kind.name(),
            Op::Linalg(l) => l.name(),
            Op::SearchSorted { .. } => "searchsorted",
        }
    }

    /// The number of operands, or `None` for variadic ops (`concat`).
    pub fn arity(&self) -> Option<usize> {
        Some(match self {
            Op::Input(_) | Op::Const(_) | Op::Arange { .. } => 0,
            Op::Unary(_)
            | Op::Cast(_)
            | Op::Reshape(_)
            | Op::Transpose(_)
            | Op::BroadcastTo(_)
            | Op::Slice(_)
            | Op::Reduce { .. }
            | Op::Scan { .. }
            | Op::Sort { .. }
            | Op::Fft { .. }
            | Op::Linalg(_) => 1,
            Op::Binary(_) | Op::MatMul | Op::Gather | Op::SearchSorted { .. } => 2,
            Op::Where => 3,
            Op::Concat { .. } => return None,
        })
    }

    /// Whether a library routine computes the op from its operand in memory, lane by
    /// lane along one axis or matrix by matrix (a `Kernel::Axis`), rather than a fused
    /// loop.
    pub fn is_axis_routine(&self) -> bool {
        matches!(
            self,
            Op::Scan { .. }
                | Op::Sort { .. }
                | Op::Fft { .. }
                | Op::Linalg(_)
                | Op::SearchSorted { .. }
        )
    }

    /// Whether the op only rearranges elements (no arithmetic): a view in kernels.
    pub fn is_view(&self) -> bool {
        matches!(
            self,
            Op::Reshape(_) | Op::Transpose(_) | Op::BroadcastTo(_) | Op::Slice(_)
        )
    }
}

/// The names of the scans, by combiner (`cumsum`, ...).
pub const SCAN_NAMES: [(ReduceOp, &str); 4] = [
    (ReduceOp::Sum, "cumsum"),
    (ReduceOp::Prod, "cumprod"),
    (ReduceOp::Max, "cummax"),
    (ReduceOp::Min, "cummin"),
];

fn scan_name(op: ReduceOp) -> &'static str {
    SCAN_NAMES
        .iter()
        .find(|(o, _)| *o == op)
        .map_or("scan", |(_, name)| name)
}

/// Writes `(1,2,3)`; one element is `(1)` as in the design's `axes=(1)`.
pub(crate) fn write_tuple<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    f.write_str("(")?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{item}")?;
    }
    f.write_str(")")
}

/// The op with its parameters as the textual IR writes it, e.g.
/// `reduce_max[axes=(1), keepdims]`, `cast[f32]`, `const[2.5]`.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Op::Input(slot) => write!(f, "[{slot}]"),
            Op::Const(v) => write!(f, "[{v}]"),
            Op::Arange { start, step, len } => {
                write!(f, "[start={start}, step={step}, len={len}]")
            }
            Op::Unary(_) | Op::Binary(_) | Op::Where | Op::MatMul | Op::Gather | Op::Linalg(_) => {
                Ok(())
            }
            Op::SearchSorted { right } => {
                write!(f, "[side={}]", if *right { "right" } else { "left" })
            }
            Op::Cast(to) => write!(f, "[{to}]"),
            Op::Reshape(shape) | Op::BroadcastTo(shape) => {
                f.write_str("[shape=")?;
                write_tuple(f, shape)?;
                f.write_str("]")
            }
            Op::Transpose(perm) => {
                f.write_str("[perm=")?;
                write_tuple(f, perm)?;
                f.write_str("]")
            }
            Op::Slice(axes) => {
                let starts: Vec<usize> = axes.iter().map(|a| a.start).collect();
                let steps: Vec<i64> = axes.iter().map(|a| a.step).collect();
                let lens: Vec<usize> = axes.iter().map(|a| a.len).collect();
                f.write_str("[starts=")?;
                write_tuple(f, &starts)?;
                f.write_str(", steps=")?;
                write_tuple(f, &steps)?;
                f.write_str(", lens=")?;
                write_tuple(f, &lens)?;
                f.write_str("]")
            }
            Op::Reduce { axes, keepdims, .. } => {
                f.write_str("[axes=")?;
                write_tuple(f, axes)?;
                if *keepdims {
                    f.write_str(", keepdims")?;
                }
                f.write_str("]")
            }
            Op::Concat { axis }
            | Op::Scan { axis, .. }
            | Op::Sort { axis, .. }
            | Op::Fft { axis, .. } => {
                write!(f, "[axis={axis}")?;
                if let Op::Fft { kind, scale, .. } = self {
                    if let FftKind::InverseReal { n } = kind {
                        write!(f, ", n={n}")?;
                    }
                    if let Some(name) = scale.name() {
                        write!(f, ", scale={name}")?;
                    }
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_across_op_families() {
        let mut names: Vec<&str> = UnaryOp::ALL.iter().map(|o| o.name()).collect();
        names.extend(BinaryOp::ALL.iter().map(|o| o.name()));
        names.extend(ReduceOp::ALL.iter().map(|o| o.name()));
        names.extend([
            "input",
            "const",
            "arange",
            "where",
            "cast",
            "reshape",
            "transpose",
            "broadcast_to",
            "slice",
            "matmul",
            "concat",
            "gather",
            "sort",
            "argsort",
            "fft",
            "ifft",
            "rfft",
            "irfft",
            "searchsorted",
        ]);
        names.extend(LinalgOp::ALL.iter().map(|l| l.name()));
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }

    #[test]
    fn python_slices_normalise_like_python() {
        // Expected values from Python's range(len)[slice] semantics.
        type Case = (
            Option<i64>,
            Option<i64>,
            Option<i64>,
            usize,
            (usize, i64, usize),
        );
        let cases: &[Case] = &[
            (None, None, None, 5, (0, 1, 5)),
            (None, None, Some(-1), 5, (4, -1, 5)),
            (Some(1), Some(-1), Some(2), 6, (1, 2, 2)),
            (Some(-2), None, Some(-2), 7, (5, -2, 3)),
            (Some(10), Some(20), None, 5, (0, 1, 0)),
            (Some(3), Some(1), None, 5, (0, 1, 0)),
            (None, Some(-10), Some(-1), 5, (4, -1, 5)),
            (Some(-100), Some(100), Some(3), 5, (0, 3, 2)),
            (None, None, Some(-3), 0, (0, -3, 0)),
        ];
        for &(start, stop, step, dim, (s, st, l)) in cases {
            let got = SliceAxis::from_python(start, stop, step, dim).unwrap();
            assert_eq!(
                got,
                SliceAxis {
                    start: s,
                    step: st,
                    len: l
                },
                "{start:?}:{stop:?}:{step:?} on {dim}"
            );
            assert!(got.fits(dim));
        }
        assert!(SliceAxis::from_python(None, None, Some(0), 3).is_err());
    }
}
