"""NaN-ignoring reductions, covariance, polynomials, contractions, takes and
convolutions, lazily: each is a composition of selects, reductions, slices, gathers
and matrix products, so it fuses with what reads it.

What needs values to decide (an all-NaN slice for ``nanargmax``, which NumPy raises
for) evaluates that check first; arguments beyond the common ones (``out=``, weights
of ``cov``, long convolution filters) are computed by NumPy on the evaluated values."""

import operator as _operator
import warnings as _warnings

import numpy as _np

from ._core import _by_numpy, asarray, concatenate, ndarray, where
from ._ufuncs import conjugate, isnan, sqrt

__all__ = [
    "nanmax", "nanmin", "nanargmax", "nanargmin", "nanmean", "nanvar", "nanstd", "cov",
    "corrcoef", "polyval", "polyfit", "tensordot", "take", "take_along_axis", "convolve", "correlate",
    "vdot", "kron", "cross", "cumsum", "cumprod", "nancumsum", "nancumprod",
]

_normalize_axis_index = _np.lib.array_utils.normalize_axis_index

# Filters longer than this are convolved by NumPy: the lazy form sums one shifted
# product per filter tap.
_MAX_LAZY_TAPS = 64


def _slice(x, key):
    """x[key] for a basic key, lazily even where x is pending (indexing with bounds
    computes a pending base first, so that loops over indices compile nothing new;
    inside one composition the bounds are fixed)."""
    return ndarray(x._native_array.index(key))


def _floating(a):
    return a.dtype.kind == "f"


def _nan_extreme(numpy_function, method, fill, a, axis, out, keepdims):
    """nanmax / nanmin: the extreme over non-NaN values, NaN where a slice is all NaN."""
    if out is not None:
        return _by_numpy(numpy_function, a, axis=axis, out=out, keepdims=keepdims)
    a = asarray(a)
    if a.dtype.kind == "c":
        return _by_numpy(numpy_function, a, axis=axis, keepdims=keepdims)
    if not _floating(a):
        return getattr(a, method)(axis=axis, keepdims=keepdims)
    nan = isnan(a)
    extreme = getattr(where(nan, _np.asarray(fill, a.dtype), a), method)(axis=axis, keepdims=keepdims)
    all_nan = nan.all(axis=axis, keepdims=keepdims)
    return where(all_nan, _np.asarray(_np.nan, a.dtype), extreme)


def nanmax(a, axis=None, out=None, keepdims=False):
    """NumPy's ``nanmax``: the maximum ignoring NaNs (NaN for an all-NaN slice)."""
    return _nan_extreme(_np.nanmax, "max", -_np.inf, a, axis, out, keepdims)


def nanmin(a, axis=None, out=None, keepdims=False):
    """NumPy's ``nanmin``: the minimum ignoring NaNs (NaN for an all-NaN slice)."""
    return _nan_extreme(_np.nanmin, "min", _np.inf, a, axis, out, keepdims)


def _nan_arg(numpy_function, method, fill, a, axis, out, keepdims):
    if out is not None or asarray(a).dtype.kind == "c":
        return _by_numpy(numpy_function, a, axis=axis, out=out, keepdims=keepdims)
    a = asarray(a)
    if not _floating(a):
        return getattr(a, method)(axis=axis, keepdims=keepdims)
    nan = isnan(a)
    # NumPy raises for an all-NaN slice: that needs the values (a fused check).
    if bool(nan.all(axis=axis).any()):
        raise ValueError("All-NaN slice encountered")
    return getattr(where(nan, _np.asarray(fill, a.dtype), a), method)(axis=axis, keepdims=keepdims)


def nanargmax(a, axis=None, out=None, *, keepdims=False):
    """NumPy's ``nanargmax``: the first maximum's index ignoring NaNs; ValueError for
    an all-NaN slice."""
    return _nan_arg(_np.nanargmax, "argmax", -_np.inf, a, axis, out, keepdims)


def nanargmin(a, axis=None, out=None, *, keepdims=False):
    """NumPy's ``nanargmin``: the first minimum's index ignoring NaNs; ValueError for
    an all-NaN slice."""
    return _nan_arg(_np.nanargmin, "argmin", _np.inf, a, axis, out, keepdims)


def _nan_parts(a, axis, dtype, keepdims):
    """a's values with NaNs as 0, the count of non-NaN values and their sum."""
    nan = isnan(a)
    values = where(nan, _np.asarray(0, a.dtype), a)
    count = (~nan).sum(axis=axis, keepdims=keepdims)
    total = values.sum(axis=axis, dtype=dtype, keepdims=keepdims)
    return nan, values, count, total


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False):
    """NumPy's ``nanmean``: the mean of the non-NaN values (NaN for an all-NaN slice),
    in a's float dtype (or ``dtype``)."""
    if out is not None:
        return _by_numpy(_np.nanmean, a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
    a = asarray(a)
    if not _floating(a):
        return a.mean(axis=axis, dtype=dtype, keepdims=keepdims)
    _, _, count, total = _nan_parts(a, axis, dtype, keepdims)
    return (total / count).astype(total.dtype)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """NumPy's ``nanvar``: the variance of the non-NaN values over count - ddof (NaN
    where that is not positive)."""
    if out is not None or asarray(a).dtype.kind == "c":
        return _by_numpy(_np.nanvar, a, axis=axis, dtype=dtype, out=out, ddof=ddof,
                         keepdims=keepdims)
    a = asarray(a)
    if not _floating(a):
        a = a.astype(dtype or "float64")
    nan, values, count, total = _nan_parts(a, axis, dtype, True)
    mean = (total / count).astype(total.dtype)
    deviations = where(nan, _np.asarray(0, mean.dtype), values - mean)
    squares = (deviations * deviations).sum(axis=axis, dtype=dtype, keepdims=keepdims)
    dof = (count if keepdims else (~nan).sum(axis=axis)) - ddof
    variance = (squares / dof).astype(squares.dtype)
    return where(dof <= 0, _np.asarray(_np.nan, squares.dtype), variance)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """NumPy's ``nanstd``: the square root of ``nanvar``."""
    if out is not None or asarray(a).dtype.kind == "c":
        return _by_numpy(_np.nanstd, a, axis=axis, dtype=dtype, out=out, ddof=ddof,
                         keepdims=keepdims)
    return sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """NumPy's ``cov`` (without weights): rows are variables (columns with
    rowvar=False), centred, then X X^H / (N - ddof) as one matrix product."""
    if fweights is not None or aweights is not None:
        return _by_numpy(_np.cov, m, y, rowvar, bias, ddof, fweights, aweights, dtype=dtype)
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = asarray(m)
    if m.ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    if dtype is None:
        dtype = _np.result_type(m.dtype, _np.float64) if y is None else \
            _np.result_type(m.dtype, asarray(y).dtype, _np.float64)
    x = m.reshape(1, -1) if m.ndim < 2 else m
    x = x.astype(dtype)
    if not rowvar and x.shape[0] != 1:
        x = x.T
    if x.shape[0] == 0:
        return _by_numpy(_np.cov, m, y, rowvar, bias, ddof, dtype=dtype)  # NumPy's empty result
    if y is not None:
        y = asarray(y)
        if y.ndim > 2:
            raise ValueError("y has more than 2 dimensions")
        y = (y.reshape(1, -1) if y.ndim < 2 else y).astype(dtype)
        if not rowvar and y.shape[0] != 1:
            y = y.T
        x = concatenate((x, y), axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = x.shape[1]
    factor = n - ddof
    if factor <= 0:
        _warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        factor = 0.0
    centred = x - x.mean(axis=1, keepdims=True)
    c = (centred @ conjugate(centred).T) / _np.asarray(factor, dtype)
    return c.reshape(()) if c.shape == (1, 1) else c


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """NumPy's ``corrcoef``: the covariance scaled by the standard deviations, real
    parts clipped to [-1, 1]."""
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return c / c  # one variable: 1 (NaN for a constant), as NumPy
    d = c.diagonal()
    stddev = sqrt(d.real if c.dtype.kind == "c" else d)
    c = c / stddev[:, None] / stddev[None, :]
    if c.dtype.kind == "c":
        return c  # (NumPy clips the parts of complex results separately; rare)
    return c.clip(-1, 1)


def polyval(p, x):
    """NumPy's ``polyval`` by Horner's rule, one fused expression: p[0] x^(n-1) + ...
    + p[n-1] (coefficients first-highest, as NumPy)."""
    if isinstance(p, _np.poly1d) or isinstance(x, _np.poly1d):
        return _by_numpy(_np.polyval, p, x)
    p = p if isinstance(p, ndarray) else _np.asarray(p)
    x = asarray(x)
    y = x * _np.asarray(0, x.dtype)  # zeros_like(x), in x's dtype
    for k in range(p.shape[0]):
        y = y * x + (p[k] if isinstance(p, ndarray) else _np.asarray(p[k]))
    return y


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """NumPy's ``polyfit``, lazily and in its steps: the Vandermonde matrix of x (weighted
    by w), its columns scaled to unit norm, a least-squares solution (``lstsq``, through
    the svd), the coefficients unscaled; NumPy's RankWarning where the rank is short and
    known, ``full`` and ``cov`` results, and errors."""
    from ._linalg import inv, lstsq
    from ._shaping import vander
    order = int(deg) + 1  # (NumPy takes any number)
    x, y = asarray(x) + 0.0, asarray(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.size == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = len(x) * _np.finfo(x.dtype).eps
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = asarray(w) + 0.0
        if w.ndim != 1:
            raise TypeError("expected a 1-d array for weights")
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        lhs = lhs * w[:, None]
        rhs = rhs * (w[:, None] if rhs.ndim == 2 else w)
    scale = sqrt((lhs * lhs).sum(axis=0))
    lhs = lhs / scale
    c, resids, rank, s = lstsq(lhs, rhs, rcond)
    c = (c.T / scale).T
    if isinstance(rank, _np.integer) and rank != order and not full:
        _warnings.warn("Polyfit may be poorly conditioned", _np.exceptions.RankWarning,
                       stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    if not cov:
        return c
    vbase = inv(lhs.T @ lhs) / (scale[:, None] * scale[None, :])
    if cov == "unscaled":
        fac = 1
    else:
        if len(x) <= order:
            raise ValueError("the number of data points must exceed order to scale the "
                             "covariance matrix")
        fac = resids / (len(x) - order)
    return c, (vbase * fac if y.ndim == 1 else vbase[:, :, None] * fac)


def tensordot(a, b, axes=2):
    """NumPy's ``tensordot``: the summed axes moved last in a and first in b, both
    reshaped to matrices, one matrix product, reshaped to the free axes."""
    a, b = asarray(a), asarray(b)
    try:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, _np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, _np.integer)) else list(axes_b)
    except TypeError:
        n = _operator.index(axes)
        axes_a, axes_b = list(range(-n, 0)), list(range(0, n))
    if len(axes_a) != len(axes_b):
        raise ValueError("shape-mismatch for sum")
    axes_a = [_normalize_axis_index(k, a.ndim) for k in axes_a]
    axes_b = [_normalize_axis_index(k, b.ndim) for k in axes_b]
    for ka, kb in zip(axes_a, axes_b):
        if a.shape[ka] != b.shape[kb]:
            raise ValueError("shape-mismatch for sum")
    free_a = [k for k in range(a.ndim) if k not in axes_a]
    free_b = [k for k in range(b.ndim) if k not in axes_b]
    summed = int(_np.prod([a.shape[k] for k in axes_a], dtype=_np.int64))
    rows = int(_np.prod([a.shape[k] for k in free_a], dtype=_np.int64))
    cols = int(_np.prod([b.shape[k] for k in free_b], dtype=_np.int64))
    left = a.transpose(free_a + axes_a).reshape(rows, summed)
    right = b.transpose(axes_b + free_b).reshape(summed, cols)
    shape = [a.shape[k] for k in free_a] + [b.shape[k] for k in free_b]
    return (left @ right).reshape(shape)


def take(a, indices, axis=None, out=None, mode="raise"):
    """NumPy's ``take`` (mode 'raise'): a lazy gather along axis (of the flattened
    array for axis=None)."""
    if out is not None or mode != "raise":
        return _by_numpy(_np.take, a, indices, axis=axis, out=out, mode=mode)
    a = asarray(a)
    if axis is None:
        a, axis = a.ravel(), 0
    axis = _normalize_axis_index(_operator.index(axis), a.ndim)
    index = indices if isinstance(indices, ndarray) else _np.asarray(indices)
    if index.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    if _traced(index):
        # Result axes: a's before axis, the index's, a's after it.
        grids = _ranges(a.shape[:axis]) + [None] * index.ndim + _ranges(a.shape[axis + 1:])
        along = index.reshape(index.shape + (1,) * (a.ndim - axis - 1))
        return _gather_positions(a, axis, along, grids, index.ndim)
    result = a[(slice(None),) * axis + (index,)]
    return result


def _traced(index):
    """Whether `index` is a lazy array whose values cannot be read now (inside a traced
    function): then the gather's positions are computed in the program."""
    from .errors import BindingError, ConcretizationError
    if not isinstance(index, ndarray):
        return False
    try:
        index.numpy()
    except (BindingError, ConcretizationError):
        return True
    return False


def _ranges(dims):
    return [_np.arange(n) for n in dims]


def _gather_positions(a, axis, index, grids, width):
    """a's elements at positions computed lazily: `index` (integers, negative counted
    from the end, broadcasting against the result's axes) along `axis`, each other axis
    of a by its range in `grids` (None marks the `width` result axes the index spans).
    A position out of bounds becomes -1, the gather's IndexError at run time."""
    n = a.shape[axis]
    index = index.astype(_np.int64)
    index = where(index < 0, index + n, index)
    strides = [int(_np.prod(a.shape[k + 1:], dtype=_np.int64)) for k in range(a.ndim)]
    ndim = len(grids)  # (the result's: one entry per axis)
    flat, dim = index * strides[axis], 0
    for k in range(a.ndim):
        if k == axis:
            dim += width
            continue
        shape = [1] * ndim
        shape[dim] = a.shape[k]
        flat = flat + (grids[dim] * strides[k]).reshape(shape)
        dim += 1
    flat = where((index < 0) | (index >= n), -1, flat)
    return ndarray(a._native_array.gather(flat.astype(_np.int64)._native_array))


def take_along_axis(arr, indices, axis=-1):
    """NumPy's ``take_along_axis``: one lazy gather, the other axes indexed by
    broadcast ranges."""
    arr = asarray(arr)
    if axis is None:
        if _np.ndim(indices) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        arr, axis = arr.ravel(), 0
    axis = _normalize_axis_index(_operator.index(axis), arr.ndim)
    index = indices if isinstance(indices, ndarray) else _np.asarray(indices)
    if index.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    if index.ndim != arr.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    if _traced(index):
        grids = _ranges(arr.shape)
        grids[axis] = None
        return _gather_positions(arr, axis, index, grids, 1)
    key = []
    for k, n in enumerate(arr.shape):
        if k == axis:
            key.append(index)
        else:
            shape = [1] * arr.ndim
            shape[k] = n
            key.append(_np.arange(n).reshape(shape))
    return arr[tuple(key)]


def _correlate(a, v, mode, conjugate_v):
    """The full correlation c[k] = sum_j a[k + j - (m - 1)] v[j] (a zero outside), cut
    to the mode's range, for 1-d a and v with len(a) >= len(v) = m. The middle, where
    every tap reads a, is one fused sum of m shifted slices of a; the two edges of m - 1
    values read zero-padded copies of a's first and last m - 1 elements; the pieces
    are written into the result by one concatenation."""
    n, m = a.shape[0], v.shape[0]
    dtype = _np.result_type(a.dtype, v.dtype)
    a = a.astype(dtype)
    taps = v.numpy().astype(dtype)  # the filter's values (small) as the program's scalars
    if conjugate_v and dtype.kind == "c":
        taps = taps.conj()

    def correlate_valid(x, length):
        total = None
        for j in range(m):
            term = _slice(x, (slice(j, j + length),)) * taps[j]
            total = term if total is None else total + term
        return total

    middle = correlate_valid(a, n - m + 1)
    if mode == "valid" or m == 1:
        return middle
    zeros = _np.zeros(m - 1, dtype)
    left = correlate_valid(concatenate((zeros, _slice(a, (slice(0, m - 1),)))), m - 1)
    right = correlate_valid(concatenate((_slice(a, (slice(n - m + 1, n),)), zeros)), m - 1)
    if mode == "full":
        return concatenate((left, middle, right))
    start = (m - 1) // 2  # same: n values from full[start]
    pieces = [_slice(left, (slice(start, m - 1),)), middle]
    if start:
        pieces.append(_slice(right, (slice(0, start),)))
    return concatenate(pieces)


def _one_d(name, a, v, mode):
    a, v = asarray(a), asarray(v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError("object too deep for desired array")
    if a.shape[0] == 0:
        raise ValueError(f"{name}: a cannot be empty" if name == "convolve" else "a cannot be empty")
    if v.shape[0] == 0:
        raise ValueError(f"{name}: v cannot be empty" if name == "convolve" else "v cannot be empty")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
    return a, v


def convolve(a, v, mode="full"):
    """NumPy's ``convolve`` of two 1-d arrays: one fused sum of shifted products (NumPy
    computes filters longer than 64 taps)."""
    a, v = _one_d("convolve", a, v, mode)
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    if v.shape[0] > _MAX_LAZY_TAPS:
        return _by_numpy(_np.convolve, a, v, mode)
    return _correlate(a, v[::-1], mode, False)


def correlate(a, v, mode="valid"):
    """NumPy's ``correlate`` of two 1-d arrays (v conjugated): one fused sum of shifted
    products (NumPy computes filters longer than 64 taps, and v longer than a)."""
    a, v = _one_d("correlate", a, v, mode)
    if v.shape[0] > a.shape[0] or v.shape[0] > _MAX_LAZY_TAPS:
        return _by_numpy(_np.correlate, a, v, mode)
    return _correlate(a, v, mode, True)


def vdot(a, b, /):
    """NumPy's ``vdot``: the flattened arrays' dot product, a conjugated (a 0-d lazy
    array: one fused reduction)."""
    a, b = asarray(a), asarray(b)
    x, y = a.ravel(), b.ravel()
    if x.shape != y.shape:
        raise ValueError("vectors have different lengths")
    dtype = _np.result_type(a.dtype, b.dtype)
    if dtype.kind == "c":
        x = conjugate(x.astype(dtype))
    return (x.astype(dtype) * y.astype(dtype)).sum(dtype=dtype)


def kron(a, b):
    """NumPy's ``kron``: every element of a times b, in blocks (one broadcast product
    reshaped)."""
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    n = max(a.ndim, b.ndim)
    ash, bsh = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    left = a.reshape([d for k in ash for d in (k, 1)])
    right = b.reshape([d for k in bsh for d in (1, k)])
    return (left * right).reshape([x * y for x, y in zip(ash, bsh)])


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """NumPy's ``cross`` of 3-vectors along the last axes (components by NumPy's
    formulas, fused); other layouts are NumPy's."""
    a, b = asarray(a), asarray(b)
    plain = axis is None and (axisa, axisb, axisc) == (-1, -1, -1)
    if not plain or a.ndim == 0 or b.ndim == 0 or a.shape[-1] != 3 or b.shape[-1] != 3:
        return _by_numpy(_np.cross, a, b, axisa, axisb, axisc, axis)
    dtype = _np.result_type(a.dtype, b.dtype)
    a, b = a.astype(dtype), b.astype(dtype)
    a0, a1, a2 = (_slice(a, (Ellipsis, k)) for k in range(3))
    b0, b1, b2 = (_slice(b, (Ellipsis, k)) for k in range(3))
    parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    shape = _np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    return concatenate([p.reshape(shape + (1,)) for p in parts], axis=-1)


def _scan(name, numpy_function, a, axis, dtype, out):
    """A running fold (the IR's scan: a library kernel) of a, flattened for axis=None,
    in NumPy's result dtype; a tiny array in memory by NumPy at once."""
    from ._core import _from_numpy, _small
    a = asarray(a)
    if out is not None or (dtype is not None and _np.dtype(dtype) == _np.bool_):
        return _by_numpy(numpy_function, a, axis=axis, dtype=dtype, out=out)
    view = _small(a)
    if view is not None:
        return _from_numpy(numpy_function(view, axis=axis, dtype=dtype))
    if axis is None:
        a, axis = a.ravel(), 0
    if dtype is not None:
        dtype = _np.dtype(dtype)
        if dtype.kind in "fc" or a.dtype.kind not in "fc":
            a = a.astype(dtype)  # (floats accumulate in the dtype asked for)
    result = ndarray(a._native_array.scan(name, _operator.index(axis)))
    return result if dtype is None or result.dtype == dtype else result.astype(dtype)


def cumsum(a, axis=None, dtype=None, out=None):
    """NumPy's ``cumsum``: running sums along axis (of the flattened array for None),
    integers in int64, each step rounded as NumPy's (its bits)."""
    return _scan("cumsum", _np.cumsum, a, axis, dtype, out)


def cumprod(a, axis=None, dtype=None, out=None):
    """NumPy's ``cumprod``: running products along axis (flattened for None)."""
    return _scan("cumprod", _np.cumprod, a, axis, dtype, out)


def nancumsum(a, axis=None, dtype=None, out=None):
    """NumPy's ``nancumsum``: running sums with NaNs counted as zero."""
    a = asarray(a)
    if a.dtype.kind in "fc":
        a = where(isnan(a), _np.asarray(0, a.dtype), a)
    return _scan("cumsum", _np.nancumsum, a, axis, dtype, out)


def nancumprod(a, axis=None, dtype=None, out=None):
    """NumPy's ``nancumprod``: running products with NaNs counted as one."""
    a = asarray(a)
    if a.dtype.kind in "fc":
        a = where(isnan(a), _np.asarray(1, a.dtype), a)
    return _scan("cumprod", _np.nancumprod, a, axis, dtype, out)

