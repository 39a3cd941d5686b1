//! The transforms and scale factors of [`Op::Fft`](super::Op::Fft).

/// Which discrete Fourier transform an [`Op::Fft`] computes along its axis (of length
/// n in the operand, m in the result). None divides by n.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FftKind {
    /// `y[k] = sum_j x[j] exp(-2 pi i jk/n)`, complex to complex.
    Forward,
    /// `y[k] = sum_j x[j] exp(+2 pi i jk/n)`, complex to complex.
    Inverse,
    /// The forward transform of a real lane: its values 0..=n/2 (complex).
    Real,
    /// The inverse of `Real`: `n` real values from the values 0..=n/2 of a Hermitian
    /// spectrum (the operand's lane has n/2 + 1 elements; the imaginary parts of value 0
    /// and, for even n, of value n/2 are ignored, as NumPy's `irfft` does).
    InverseReal {
        /// The output lane's length.
        n: usize,
    },
}

impl FftKind {
    /// The op's name in the textual IR.
    pub fn name(self) -> &'static str {
        match self {
            FftKind::Forward => "fft",
            FftKind::Inverse => "ifft",
            FftKind::Real => "rfft",
            FftKind::InverseReal { .. } => "irfft",
        }
    }
}

/// The factor an [`Op::Fft`]'s results are multiplied by, n being the transform's length
/// (the complex lane's, `rfft`'s operand's, `irfft`'s result's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FftScale {
    /// 1: no multiplication.
    One,
    /// `1 / n`, computed in the result's real precision.
    InverseN,
    /// `1 / sqrt(n)`, computed in the result's real precision (a float32 square root
    /// for float32 results, as NumPy's).
    InverseSqrtN,
}

impl FftScale {
    /// The text form's name (`1/n`, `1/sqrt(n)`), None for `One`.
    pub fn name(self) -> Option<&'static str> {
        match self {
            FftScale::One => None,
            FftScale::InverseN => Some("1/n"),
            FftScale::InverseSqrtN => Some("1/sqrt(n)"),
        }
    }

    /// The factor for length `n` in float64, or None for `One`.
    pub fn factor_f64(self, n: usize) -> Option<f64> {
        match self {
            FftScale::One => None,
            FftScale::InverseN => Some(1.0 / n as f64),
            FftScale::InverseSqrtN => Some(1.0 / (n as f64).sqrt()),
        }
    }

    /// The factor for length `n` in float32, or None for `One`.
    pub fn factor_f32(self, n: usize) -> Option<f32> {
        match self {
            FftScale::One => None,
            FftScale::InverseN => Some(1.0 / n as f32),
            FftScale::InverseSqrtN => Some(1.0 / (n as f32).sqrt()),
        }
    }
}
