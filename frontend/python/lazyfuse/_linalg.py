"""``lazyfuse.numpy.linalg``: NumPy's linalg module, with the functions that are
array expressions computed lazily: ``norm`` (vector norms of any order, Frobenius,
1, -1, inf and -inf matrix norms) and ``matrix_power`` (repeated products, in NumPy's
order of squarings). Everything else (solvers, decompositions, 2-norms of matrices)
is NumPy's, computed on the evaluated values and returned as lazy arrays."""

import operator as _operator

import numpy as _np

from ._core import _by_numpy, asarray, matmul
from ._fallback import numpy_function as _numpy_function
from ._ufuncs import absolute, sqrt

__all__ = ["norm", "matrix_power"]

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
        return _by_numpy(_np.linalg.norm, x, ord, axes, keepdims)
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
