"""``lazyfuse.numpy.linalg``: NumPy's linalg module. Array expressions are lazy:
``norm`` (vector norms of any order; Frobenius, 1, -1, inf, -inf, 2, -2 and nuclear
matrix norms) and ``matrix_power`` (repeated products, in NumPy's order of squarings).
For real matrices (integers as float64; float32 computed in float64 and rounded, as
NumPy's are), ``solve``, ``inv``, ``det``, ``slogdet``, ``cholesky``, ``eigh``,
``eigvalsh``, ``svd`` (with or without the vectors, ``svdvals``) and ``qr`` are the
IR's linalg ops: LAPACK library kernels in the program, on stacks of matrices read
through any view; ``matrix_rank``, ``pinv`` and ``lstsq`` are array expressions over
them; ``eig`` and ``eigvals`` are geev's, real where NumPy's are (every eigenvalue
real), complex inside traced functions. Routines that can fail on their values (solve,
inv, cholesky, eigh, svd, eig) are evaluated in the call where they can be, so a
singular matrix raises LinAlgError there, as NumPy's does; inside traced functions they
stay lazy. Complex matrices, qr's raw mode and the rest are NumPy's, computed on the
evaluated values and returned as lazy arrays."""

import math as _math
import operator as _operator

import numpy as _np

from . import _native, _ufuncs
from ._core import _by_numpy, asarray, matmul, ndarray
from ._creation import zeros
from ._fallback import numpy_function as _numpy_function
from ._functions import argsort, broadcast_to, concatenate, moveaxis, sort, stack, where
from ._statistics import take_along_axis
from ._ufuncs import absolute, sqrt

__all__ = ["norm", "matrix_power", "solve", "inv", "det", "slogdet", "cholesky", "eigh",
           "eigvalsh", "svd", "svdvals", "matrix_rank", "qr", "pinv", "lstsq", "eig", "eigvals"]

_LinAlgError = _np.linalg.LinAlgError
_SlogdetResult = _np.linalg._linalg.SlogdetResult
_EighResult = _np.linalg._linalg.EighResult
_SVDResult = _np.linalg._linalg.SVDResult
_QRResult = _np.linalg._linalg.QRResult
_EigResult = _np.linalg._linalg.EigResult

_normalize_axis_tuple = _np.lib.array_utils.normalize_axis_tuple


def norm(x, ord=None, axis=None, keepdims=False):
    """NumPy's ``norm``, lazily where it is a reduction of |x|."""
    if type(x) is ndarray:
        # Small and in memory (a convergence test in a loop): NumPy's norm at once, by
        # one native call (None: the lazy path, which also reports NumPy's errors in
        # lazyfuse's words).
        result = _native.eager_call(_np.linalg.norm, (x, ord, axis, keepdims))
        if result is not None:
            return result
    x = asarray(x)
    if x.dtype.kind in "iub":
        x = x.astype("float64")
    if axis is None:
        if ord is not None and not (ord == "fro" and x.ndim == 2) and not (
                ord == 2 and x.ndim == 1):
            return _by_numpy(_np.linalg.norm, x, ord, axis, keepdims)
        axes = tuple(range(x.ndim))
    else:
        axes = _normalize_axis_tuple(axis if isinstance(axis, tuple) else (axis,), x.ndim)
    magnitude = absolute(x) if x.dtype.kind == "c" else x
    if axis is None and ord in (None, "fro"):  # the flattened 2-norm, any dimensions
        return sqrt((magnitude * magnitude).sum(axis=axes, keepdims=keepdims))
    if len(axes) == 1:
        return _vector_norm(x, magnitude, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, magnitude, ord, axes, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def _vector_norm(x, magnitude, ord, axes, keepdims):
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord is None or ord == 2:
        squares = magnitude * magnitude
        return sqrt(squares.sum(axis=axes, keepdims=keepdims))
    a = absolute(magnitude)
    if ord == _np.inf:
        return a.max(axis=axes, keepdims=keepdims)
    if ord == -_np.inf:
        return a.min(axis=axes, keepdims=keepdims)
    if ord == 0:
        return (a != 0).astype(a.dtype).sum(axis=axes, keepdims=keepdims)
    if ord == 1:
        return a.sum(axis=axes, keepdims=keepdims)
    p = float(ord)
    return (a ** p).sum(axis=axes, keepdims=keepdims) ** (1.0 / p)


def _matrix_norm(x, magnitude, ord, axes, keepdims):
    row, col = axes
    if row == col:
        raise ValueError("Duplicate axes given.")
    a = absolute(magnitude)
    if ord is None or ord == "fro":
        result = sqrt((magnitude * magnitude).sum(axis=axes, keepdims=True))
    elif ord in (1, -1):
        sums = a.sum(axis=row, keepdims=True)
        result = sums.max(axis=col, keepdims=True) if ord == 1 else sums.min(axis=col, keepdims=True)
    elif ord in (_np.inf, -_np.inf):
        sums = a.sum(axis=col, keepdims=True)
        result = sums.max(axis=row, keepdims=True) if ord > 0 else sums.min(axis=row, keepdims=True)
    elif ord in (2, -2, "nuc"):
        if x.dtype.kind == "c":
            return _by_numpy(_np.linalg.norm, x, ord, axes, keepdims)
        # Singular values of the matrices with their axes moved last.
        moved = moveaxis(x, (row, col), (-2, -1))
        values = svdvals(moved)
        result = values.max(axis=-1) if ord == 2 else values.min(axis=-1) if ord == -2 else values.sum(axis=-1)
        if keepdims:
            for axis in sorted((row % x.ndim, col % x.ndim)):
                result = result.reshape(result.shape[:axis] + (1,) + result.shape[axis:])
        return result
    else:
        raise ValueError("Invalid norm order for matrices.")
    return result if keepdims else result.squeeze(axis=axes)


def matrix_power(a, n):
    """NumPy's ``matrix_power`` for n >= 0: products by repeated squaring in NumPy's
    order (negative n inverts: NumPy's)."""
    a = asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise _np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    n = _operator.index(n)
    if n < 0:
        return _by_numpy(_np.linalg.matrix_power, a, n)
    if n == 0:
        eye = asarray(_np.eye(a.shape[-1], dtype=a.dtype))
        return eye if a.ndim == 2 else eye * (a * 0 + 1)  # broadcast over the stack
    result = z = None
    while n > 0:
        z = a if z is None else matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


# --- routines of the IR (LAPACK library kernels) -------------------------------------

def _real(a, name):
    """a as a lazy float32/float64 array (integers and bool as float64, NumPy's rule), or
    None for complex input (computed by NumPy); float16 is NumPy's TypeError."""
    a = asarray(a)
    kind = a.dtype.kind
    if kind == "c":
        return None
    if a.dtype == _np.float16 or kind not in "fiub":
        raise TypeError(f"array type {a.dtype} is unsupported in linalg")
    return a if a.dtype in (_np.float32, _np.float64) else a.astype(_np.float64)


def _stacked(a, square=True):
    if a.ndim < 2:
        raise _LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least two-dimensional")
    if square and a.shape[-1] != a.shape[-2]:
        raise _LinAlgError("Last 2 dimensions of the array must be square")


def _routine(name, a):
    """The IR's routine `name` of a's matrices. float32 is computed in float64 and
    rounded once, as NumPy's linalg does (its bits, and LAPACK's double accuracy)."""
    if a.dtype == _np.float32:
        return ndarray(a.astype(_np.float64)._native_array.linalg(name)).astype(_np.float32)
    return ndarray(a._native_array.linalg(name))


def _now(result):
    """result evaluated at once where it can be (so that a singular matrix raises
    LinAlgError in the call, as NumPy's does); inside a traced function it stays lazy."""
    try:
        result.numpy()
    except _unknown_errors():
        pass
    return result


def _common(a, b):
    dtype = _np.float32 if a.dtype == b.dtype == _np.float32 else _np.float64
    return a.astype(dtype), b.astype(dtype)


def solve(a, b):
    """NumPy's ``solve``: x with a x = b for a stack of square a and b a vector (1-d) or
    a stack of matrices (batch axes broadcast); LAPACK's gesv, LinAlgError if singular."""
    a_real, b_real = _real(a, "solve"), _real(b, "solve")
    if a_real is None or b_real is None:
        return _by_numpy(_np.linalg.solve, a, b)
    a, b = _common(a_real, b_real)
    _stacked(a)
    m = a.shape[-1]
    vector = b.ndim == 1
    if vector:
        if b.shape[0] != m:
            raise ValueError(
                "solve1: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                f"signature (m,m),(m)->(m) (size {b.shape[0]} is different from {m})")
        b = b[:, None]
    elif b.shape[-2] != m:
        raise ValueError(
            "solve: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
            f"signature (m,m),(m,n)->(m,n) (size {b.shape[-2]} is different from {m})")
    batch = _np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = broadcast_to(a, batch + a.shape[-2:])
    b = broadcast_to(b, batch + b.shape[-2:])
    x = _routine("solve", concatenate([a, b], axis=-1))
    return _now(x[..., 0] if vector else x)


def inv(a):
    """NumPy's ``inv`` of a stack of square matrices (gesv on the identity)."""
    a_real = _real(a, "inv")
    if a_real is None:
        return _by_numpy(_np.linalg.inv, a)
    _stacked(a_real)
    return _now(_routine("inv", a_real))


def det(a):
    """NumPy's ``det``: sign * exp(log|det|) over the LU factors, lazily."""
    a_real = _real(a, "det")
    if a_real is None:
        return _by_numpy(_np.linalg.det, a)
    _stacked(a_real)
    return _routine("det", a_real)


def slogdet(a):
    """NumPy's ``slogdet``: (sign, log|det|) as its SlogdetResult, lazily."""
    a_real = _real(a, "slogdet")
    if a_real is None:
        return _by_numpy(_np.linalg.slogdet, a)
    _stacked(a_real)
    return _SlogdetResult(_routine("slogdet_sign", a_real), _routine("slogdet_logabs", a_real))


def cholesky(a, /, *, upper=False):
    """NumPy's ``cholesky`` of the lower triangle (potrf); ``upper`` gives its transpose."""
    a_real = _real(a, "cholesky")
    if a_real is None:
        return _by_numpy(_np.linalg.cholesky, a, upper=upper)
    _stacked(a_real)
    lower = _now(_routine("cholesky", a_real))
    return lower.swapaxes(-1, -2) if upper else lower


def _symmetric(a, UPLO, name):
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    a_real = _real(a, name)
    if a_real is None:
        return None
    _stacked(a_real)
    # The upper triangle of a is the lower one of its transpose.
    return a_real if UPLO == "L" else a_real.swapaxes(-1, -2)


def eigh(a, UPLO="L"):
    """NumPy's ``eigh``: ascending eigenvalues and orthonormal eigenvectors (syevd) of the
    symmetric matrices given by one triangle, as its EighResult."""
    s = _symmetric(a, UPLO, "eigh")
    if s is None:
        return _by_numpy(_np.linalg.eigh, a, UPLO)
    # One factorisation: the values in row 0, the vectors (columns) below.
    packed = _now(_routine("eigh", s))
    return _EighResult(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(a, UPLO="L"):
    """NumPy's ``eigvalsh``: ascending eigenvalues of symmetric matrices, lazily."""
    s = _symmetric(a, UPLO, "eigvalsh")
    if s is None:
        return _by_numpy(_np.linalg.eigvalsh, a, UPLO)
    return _routine("eigh_values", s)


def _unpack(packed, shapes):
    """The factors packed on packed's last axis, each reshaped to (..., rows, cols)."""
    batch, at, parts = packed.shape[:-1], 0, []
    for shape in shapes:
        size = _math.prod(shape)
        parts.append(packed[..., at:at + size].reshape(batch + shape))
        at += size
    return parts


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """NumPy's ``svd`` as its SVDResult(U, S, Vh): one gesdd per matrix (NumPy's
    routine; full or reduced factors), or the singular values alone
    (``compute_uv=False``), lazily; ``hermitian`` as NumPy's, from eigh. A NaN raises
    LinAlgError in the call where values can be computed."""
    a_real = _real(a, "svd")
    if a_real is None:
        return _by_numpy(_np.linalg.svd, a, full_matrices, compute_uv, hermitian)
    _stacked(a_real, square=False)
    if hermitian:
        return _hermitian_svd(a_real, compute_uv)
    if not compute_uv:
        return _now(_routine("svd_values", a_real))
    m, n = a_real.shape[-2:]
    k = min(m, n)
    if full_matrices:
        packed = _now(_routine("svd_full", a_real))
        u, s, vh = _unpack(packed, [(m, m), (k,), (n, n)])
    else:
        packed = _now(_routine("svd", a_real))
        u, s, vh = _unpack(packed, [(m, k), (k,), (k, n)])
    return _SVDResult(u, s, vh)


def _hermitian_svd(a, compute_uv):
    """NumPy's hermitian svd: eigh's values by descending magnitude, their signs moved
    into vh."""
    if not compute_uv:
        return sort(absolute(eigvalsh(a)), axis=-1)[..., ::-1]
    w, v = eigh(a)
    order = argsort(absolute(w), axis=-1)[..., ::-1]
    sign = take_along_axis(_ufuncs.sign(w), order, axis=-1)
    s = take_along_axis(absolute(w), order, axis=-1)
    u = take_along_axis(v, order[..., None, :], axis=-1)
    return _SVDResult(u, s, (u * sign[..., None, :]).swapaxes(-1, -2))


def _complex(re, im):
    """The complex array re + i im: bit for bit where values can be read (a view of the
    pairs: arithmetic would turn a real part's -0.0 into 0.0); inside traced functions,
    re + 1j im."""
    dtype = _np.complex64 if re.dtype == _np.float32 else _np.complex128
    try:
        return stack([re, im], axis=-1).view(dtype)[..., 0]
    except _unknown_errors():
        return re.astype(dtype) + im.astype(dtype) * 1j


def _general_eigen(a, vectors):
    """eig's or eigvals' values (and vectors) by the IR's geev, or None for complex
    input. NumPy's result type: real where every imaginary part is 0, else complex;
    inside a traced function, where the values are not known, always complex."""
    a_real = _real(a, "eig" if vectors else "eigvals")
    if a_real is None:
        return None
    _stacked(a_real)
    n = a_real.shape[-1]
    packed = _now(_routine("eig" if vectors else "eig_values", a_real))
    parts = [(packed[..., 0, :], packed[..., 1, :])]
    if vectors:
        parts.append((packed[..., 2:2 + n, :], packed[..., 2 + n:, :]))
    try:
        real = not _np.any(packed[..., 1, :].numpy())
    except _unknown_errors():
        real = False
    return [re if real else _complex(re, im) for re, im in parts]


def eig(a):
    """NumPy's ``eig``: the eigenvalues and right eigenvectors (unit norm, largest
    component real) of general square matrices by geev, NumPy's routine, as its
    EigResult; real when every eigenvalue is real (NumPy's rule; inside traced functions
    always complex). Non-finite input raises LinAlgError as NumPy's does."""
    result = _general_eigen(a, True)
    if result is None:
        return _by_numpy(_np.linalg.eig, a)
    return _EigResult(*result)


def eigvals(a):
    """NumPy's ``eigvals``: geev's eigenvalues (its order), real when all are."""
    result = _general_eigen(a, False)
    if result is None:
        return _by_numpy(_np.linalg.eigvals, a)
    return result[0]


def qr(a, mode="reduced"):
    """NumPy's ``qr``: QRResult(Q, R) (``reduced``, ``complete``) or R (``r``) by
    Householder reflections (geqrf then orgqr, NumPy's routines), lazily; ``raw``
    (LAPACK's reflectors) is NumPy's."""
    if mode not in ("reduced", "complete", "r", "raw"):
        if mode in ("f", "full", "e", "economic"):
            return _by_numpy(_np.linalg.qr, a, mode)  # (NumPy's deprecated modes)
        raise ValueError(f"Unrecognized mode '{mode}'")
    a_real = _real(a, "qr")
    if a_real is None or mode == "raw":
        return _by_numpy(_np.linalg.qr, a, mode)
    _stacked(a_real, square=False)
    m, n = a_real.shape[-2:]
    k = min(m, n)
    if mode == "complete":
        q, r = _unpack(_routine("qr_complete", a_real), [(m, m), (m, n)])
    else:
        q, r = _unpack(_routine("qr", a_real), [(m, k), (k, n)])
    return r if mode == "r" else _QRResult(q, r)


_NO_VALUE = _np._NoValue


def pinv(a, rcond=None, hermitian=False, *, rtol=_NO_VALUE):
    """NumPy's ``pinv``: vt^T diag(1/s) u^T over the reduced svd, singular values at or
    below rcond times the largest taken as zero (NumPy's defaults), lazily."""
    a_real = _real(a, "pinv")
    if a_real is None:
        return _by_numpy(_np.linalg.pinv, a, rcond, hermitian, rtol=rtol)
    _stacked(a_real, square=False)
    if rcond is None:
        if rtol is _NO_VALUE:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(a_real.shape[-2:]) * _np.finfo(a_real.dtype).eps
        else:
            rcond = rtol
    elif rtol is not _NO_VALUE:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    m, n = a_real.shape[-2:]
    if m == 0 or n == 0:  # (NumPy's: empty, in the input's own dtype)
        return zeros(a_real.shape[:-2] + (n, m), asarray(a).dtype)
    u, s, vt = svd(a_real, full_matrices=False, hermitian=hermitian)
    cutoff = asarray(rcond)[..., None] * s.max(axis=-1, keepdims=True)
    large = s > cutoff
    inverse = where(large, 1 / where(large, s, 1), 0).astype(s.dtype)
    return matmul(vt.swapaxes(-1, -2), inverse[..., None] * u.swapaxes(-1, -2))


def lstsq(a, b, rcond=None):
    """NumPy's ``lstsq``: (x, residuals, rank, s) of the least-squares solution through
    the reduced svd (singular values at or below rcond times the largest dropped, as
    gelsd does), lazily. The residuals' length depends on the rank (NumPy's rule: one
    per column of b where rank is n and m > n, else none); inside a traced function,
    where the rank is not known, they have one per column when m > n, NaN where the
    rank is short."""
    a_real, b_real = _real(a, "lstsq"), _real(b, "lstsq")
    if a_real is None or b_real is None:
        return _by_numpy(_np.linalg.lstsq, a, b, rcond)
    dtype = _np.float32 if a_real.dtype == b_real.dtype == _np.float32 else _np.float64
    # (NumPy's: computed in float64, the results rounded to the inputs' precision)
    a, b = a_real.astype(_np.float64), b_real.astype(_np.float64)
    for x in (a, b):
        if x.ndim != 2 and not (x is b and x.ndim == 1):
            raise _LinAlgError(
                f"{x.ndim}-dimensional array given. Array must be two-dimensional")
    vector = b.ndim == 1
    if vector:
        b = b[:, None]
    m, n = a.shape
    if b.shape[0] != m:
        raise _LinAlgError("Incompatible dimensions")
    if rcond is None:
        rcond = _np.finfo(_np.float64).eps * max(n, m)  # (NumPy's: float64's eps)
    elif rcond < 0:
        rcond = _np.finfo(_np.float64).eps  # (gelsd: machine precision)
    u, s, vt = svd(a, full_matrices=False)
    large = s > rcond * s[:1].sum()  # (the largest value; 0 when there are none)
    inverse = where(large, 1 / where(large, s, 1), 0)
    x = matmul(vt.T, inverse[:, None] * matmul(u.T, b))
    rank = large.sum().astype(_np.int32)  # (NumPy's rank is an int32)
    residuals = ((b - matmul(a, x)) ** 2).sum(axis=0)
    try:
        rank = _np.int32(rank.numpy())
    except _unknown_errors():
        residuals = where(rank == n, residuals, _np.nan) if m > n else zeros((0,))
    else:
        if rank != n or m <= n:
            residuals = zeros((0,))
    x = x[:, 0] if vector else x
    return x.astype(dtype), residuals.astype(dtype), rank, s.astype(dtype)


def _unknown_errors():
    from .errors import BindingError, ConcretizationError
    return (BindingError, ConcretizationError)


def svdvals(x, /):
    """The Array API's ``svdvals``: singular values, descending, lazily."""
    return svd(x, compute_uv=False)


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """NumPy's ``matrix_rank``: singular values above the tolerance, counted lazily."""
    A = asarray(A)
    if A.ndim < 2:
        return int(not _np.all(A.numpy() == 0))  # (NumPy's Python int)
    if hermitian or A.dtype.kind == "c":
        return _by_numpy(_np.linalg.matrix_rank, A, tol, hermitian, rtol=rtol)
    S = svdvals(A)
    if tol is None:
        if rtol is None:
            rtol = max(A.shape[-2:]) * _np.finfo(S.dtype).eps
        else:
            rtol = asarray(rtol)[..., None]
        tol = S.max(axis=-1, keepdims=True) * rtol
    else:
        tol = asarray(tol)[..., None]
    return (S > tol).sum(axis=-1)


def __getattr__(name):
    """Every other name is NumPy's linalg's: its functions return lazy arrays over
    NumPy's results (a fallback)."""
    try:
        value = getattr(_np.linalg, name)
    except AttributeError:
        raise AttributeError(f"module 'lazyfuse.numpy.linalg' has no attribute {name!r}") from None
    if callable(value) and not isinstance(value, type):
        return _numpy_function(value)
    return value
