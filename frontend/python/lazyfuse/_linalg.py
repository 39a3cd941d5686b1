"""``lazyfuse.numpy.linalg``: NumPy's linalg module. Array expressions are lazy:
``norm`` (vector norms of any order; Frobenius, 1, -1, inf, -inf, 2, -2 and nuclear
matrix norms) and ``matrix_power`` (repeated products, in NumPy's order of squarings).
For real matrices (integers as float64), ``solve``, ``inv``, ``det``, ``slogdet``,
``cholesky``, ``eigh``, ``eigvalsh``, singular values (``svd(compute_uv=False)``,
``svdvals``) and ``matrix_rank`` are the IR's linalg ops: LAPACK library kernels in
the program, on stacks of matrices read through any view. Routines that can fail on
their values (solve, inv, cholesky, eigh) are evaluated in the call where they can be,
so a singular matrix raises LinAlgError there, as NumPy's does; inside traced
functions they stay lazy. Complex matrices and the other functions (qr, the singular
vectors, eig, lstsq, pinv, ...) are NumPy's, computed on the evaluated values and
returned as lazy arrays."""

import operator as _operator

import numpy as _np

from ._core import _by_numpy, asarray, matmul, ndarray
from ._fallback import numpy_function as _numpy_function
from ._functions import broadcast_to, concatenate, moveaxis
from ._ufuncs import absolute, sqrt

__all__ = ["norm", "matrix_power", "solve", "inv", "det", "slogdet", "cholesky", "eigh",
           "eigvalsh", "svd", "svdvals", "matrix_rank"]

_LinAlgError = _np.linalg.LinAlgError
_SlogdetResult = _np.linalg._linalg.SlogdetResult
_EighResult = _np.linalg._linalg.EighResult

_normalize_axis_tuple = _np.lib.array_utils.normalize_axis_tuple


def norm(x, ord=None, axis=None, keepdims=False):
    """NumPy's ``norm``, lazily where it is a reduction of |x|."""
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
    return ndarray(a._native_array.linalg(name))


def _now(result):
    """result evaluated at once where it can be (so that a singular matrix raises
    LinAlgError in the call, as NumPy's does); inside a traced function it stays lazy."""
    from .errors import BindingError, ConcretizationError
    try:
        result.numpy()
    except (BindingError, ConcretizationError):
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


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """NumPy's ``svd``: the singular values alone (``compute_uv=False``) lazily (gesdd);
    with the vectors, NumPy's."""
    a_real = _real(a, "svd")
    if compute_uv or hermitian or a_real is None:
        return _by_numpy(_np.linalg.svd, a, full_matrices, compute_uv, hermitian)
    _stacked(a_real, square=False)
    return _routine("svd_values", a_real)


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
