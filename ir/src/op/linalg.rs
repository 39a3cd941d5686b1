//! The dense linear-algebra routines of [`Op::Linalg`](super::Op::Linalg).

/// What an [`Op::Linalg`] computes of each matrix `a` (m x n) of its operand's trailing
/// axes. Values are NumPy's (`numpy.linalg`), for float32 and float64 matrices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinalgOp {
    /// `x` with `a x = b` of the augmented matrix `[a | b]` (n x (n + k)): n x k.
    /// A singular `a` is an error (NumPy's LinAlgError).
    Solve,
    /// The inverse of a square `a`; singular is an error.
    Inv,
    /// The determinant of a square `a`: NumPy's `sign * exp(sum log |u_ii|)` over the
    /// LU factors (0 for a singular `a`). The trailing two axes are dropped.
    Det,
    /// The sign of the determinant (1, -1, or 0 for a singular `a`).
    SlogdetSign,
    /// The log of the determinant's magnitude (-inf for a singular `a`).
    SlogdetLogAbs,
    /// The lower Cholesky factor `l` (`l l^T = a`) of the lower triangle of `a`; the
    /// upper triangle of the result is 0. Not positive definite is an error.
    Cholesky,
    /// The eigenvalues of the symmetric matrix whose lower triangle is `a`'s, ascending:
    /// n values.
    EighValues,
    /// `EighValues` and the orthonormal eigenvectors of the same call, packed: (n + 1) x n,
    /// row 0 the values, rows 1..=n the eigenvectors (columns). One factorisation gives
    /// both (NumPy's `eigh`, whose values are this call's).
    Eigh,
    /// The singular values of `a`, descending: min(m, n) values.
    SvdValues,
    /// The reduced singular value decomposition `a = u diag(s) vt` of one factorisation,
    /// packed on one axis (k = min(m, n)): u (m x k), then s (k, descending), then vt
    /// (k x n), each in C order: m k + k + k n values.
    Svd,
    /// `Svd` with the full orthogonal factors: u (m x m), s (k), vt (n x n).
    SvdFull,
    /// The reduced QR decomposition `a = q r` (Householder: LAPACK's geqrf and orgqr),
    /// packed on one axis: q (m x k, orthonormal columns), then r (k x n, upper
    /// triangular), each in C order.
    Qr,
    /// `Qr` with the complete orthogonal q (m x m) and r (m x n).
    QrComplete,
    /// The eigenvalues of a general square `a` (LAPACK's geev, its order), as real rows:
    /// 2 x n, row 0 the real parts, row 1 the imaginary parts. A NaN or infinity is an
    /// error (NumPy's).
    EigValues,
    /// `EigValues` and the unit eigenvectors (columns, largest component real) of the
    /// same call, packed: (2 + 2n) x n, rows 0 and 1 the values, then n rows of the
    /// vectors' real parts and n of their imaginary parts.
    Eig,
}

impl LinalgOp {
    /// Every routine.
    pub const ALL: [LinalgOp; 15] = [
        LinalgOp::Solve,
        LinalgOp::Inv,
        LinalgOp::Det,
        LinalgOp::SlogdetSign,
        LinalgOp::SlogdetLogAbs,
        LinalgOp::Cholesky,
        LinalgOp::EighValues,
        LinalgOp::Eigh,
        LinalgOp::SvdValues,
        LinalgOp::Svd,
        LinalgOp::SvdFull,
        LinalgOp::Qr,
        LinalgOp::QrComplete,
        LinalgOp::EigValues,
        LinalgOp::Eig,
    ];

    /// The op's name in the textual IR.
    pub fn name(self) -> &'static str {
        match self {
            LinalgOp::Solve => "solve",
            LinalgOp::Inv => "inv",
            LinalgOp::Det => "det",
            LinalgOp::SlogdetSign => "slogdet_sign",
            LinalgOp::SlogdetLogAbs => "slogdet_logabs",
            LinalgOp::Cholesky => "cholesky",
            LinalgOp::EighValues => "eigh_values",
            LinalgOp::Eigh => "eigh",
            LinalgOp::SvdValues => "svd_values",
            LinalgOp::Svd => "svd",
            LinalgOp::SvdFull => "svd_full",
            LinalgOp::Qr => "qr",
            LinalgOp::QrComplete => "qr_complete",
            LinalgOp::EigValues => "eig_values",
            LinalgOp::Eig => "eig",
        }
    }

    /// The routine of this name.
    pub fn from_name(name: &str) -> Option<LinalgOp> {
        LinalgOp::ALL.into_iter().find(|l| l.name() == name)
    }
}
