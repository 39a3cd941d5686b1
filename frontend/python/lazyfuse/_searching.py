"""Sorting by several keys and searching sorted arrays lazily. ``lexsort`` is a chain
of the IR's stable argsorts, one per key. ``searchsorted`` is the IR's searchsorted op (a
library kernel: a binary search per value, values in parallel, NumPy's NaN-last order);
``digitize`` and ``interp`` are compositions of it with gathers and selections, in
NumPy's order of operations (its bits). Complex operands and ``interp``'s ``period``
are NumPy's (a fallback)."""

import numpy as _np

from ._core import _by_numpy, _from_numpy, _small, asarray, ndarray, where
from ._ufuncs import isnan

__all__ = ["searchsorted", "digitize", "interp", "lexsort"]


def _search(a, v, right):
    """Positions of v's elements in the sorted 1-d a (both lazy, converted to their
    common dtype): the IR's searchsorted."""
    dtype = _np.result_type(a.dtype, v.dtype)
    return ndarray(a.astype(dtype)._native_array.searchsorted(v.astype(dtype)._native_array, right))


def searchsorted(a, v, side="left", sorter=None):
    """NumPy's ``searchsorted``: where v's elements would be inserted into the sorted
    1-d a (before equal elements, or after them for side='right'), as int64."""
    if side not in ("left", "right"):
        raise ValueError(f"search side must be 'left' or 'right' (got {side!r})")
    a, values = asarray(a), asarray(v)
    if a.ndim == 0:
        raise ValueError("object of too small depth for desired array")
    if a.ndim > 1:
        raise ValueError("object too deep for desired array")
    if a.dtype.kind == "c" or values.dtype.kind == "c":
        return _by_numpy(_np.searchsorted, a, v, side, sorter)
    if sorter is not None:
        from ._statistics import take
        a = take(a, sorter)
    small_a, small_v = _small(a), _small(values)
    if small_a is not None and small_v is not None:
        return _from_numpy(_np.asarray(_np.searchsorted(small_a, small_v, side)))
    return _search(a, values, side == "right")


def digitize(x, bins, right=False):
    """NumPy's ``digitize``: the index of the bin of each of x's values, bins increasing
    or decreasing (a ValueError otherwise, where the bins can be read now; inside traced
    functions bins are taken as monotonic and their direction decided lazily)."""
    x, bins = asarray(x), asarray(bins)
    if x.dtype.kind == "c":
        raise TypeError("x may not be complex")
    if bins.ndim != 1:
        raise ValueError("object too deep for desired array" if bins.ndim else
                         "object of too small depth for desired array")
    # NumPy's sides are swapped here: right=False counts bins[i-1] <= x < bins[i].
    side_right = not right
    increasing = _search(bins, x, side_right)
    n = bins.shape[0]
    decreasing = n - _search(bins[::-1], x, side_right)
    from ._functions import _values_now
    values = _values_now(bins) if n <= 1 << 16 else None
    if values is not None:
        mono = _monotonicity(values)
        if mono == 0:
            raise ValueError("bins must be monotonically increasing or decreasing")
        return decreasing if mono == -1 else increasing
    if n == 0:
        return increasing
    return where(bins[n - 1] < bins[0], decreasing, increasing)


def _monotonicity(bins):
    """NumPy's: 1 for non-decreasing bins, -1 for non-increasing, 0 for neither."""
    if bins.size < 2 or _np.all(bins[1:] >= bins[:-1]):
        return 1
    if _np.all(bins[1:] <= bins[:-1]):
        return -1
    return 0


def interp(x, xp, fp, left=None, right=None, period=None):
    """NumPy's ``interp``: piecewise-linear interpolation of (xp, fp) at x in float64,
    lazily: the interval of each x by searchsorted, its ends gathered, NumPy's formula
    (its retries where the first form is NaN; exact at sample points; left/right
    outside; NaN x gives NaN)."""
    fp_array = asarray(fp)
    if period is not None or fp_array.dtype.kind == "c":
        return _by_numpy(_np.interp, x, xp, fp, left, right, period)
    x = asarray(x).astype(_np.float64)
    xp = asarray(xp).astype(_np.float64)
    fp = fp_array.astype(_np.float64)
    if xp.ndim != 1 or fp.ndim != 1:
        raise ValueError("object too deep for desired array" if max(xp.ndim, fp.ndim) > 1
                         else "object of too small depth for desired array")
    n = xp.shape[0]
    if fp.shape[0] != n:
        raise ValueError("fp and xp are not of the same length.")
    if n == 0:
        raise ValueError("array of sample points is empty")
    lval = fp[0] if left is None else asarray(left).astype(_np.float64)
    rval = fp[n - 1] if right is None else asarray(right).astype(_np.float64)
    if n == 1:
        return where(x < xp[0], lval, where(x > xp[0], rval, fp[0]))
    j = _search(xp, x, True) - 1
    inner = j.clip(0, n - 2)
    x0, x1 = _gather(xp, inner), _gather(xp, inner + 1)
    y0, y1 = _gather(fp, inner), _gather(fp, inner + 1)
    slope = (y1 - y0) / (x1 - x0)
    value = slope * (x - x0) + y0
    value = where(isnan(value), slope * (x - x1) + y1, value)  # the other direction
    value = where(isnan(value) & (y0 == y1), y0, value)
    value = where(x == x0, y0, value)  # exact at sample points
    above = where(x == xp[n - 1], fp[n - 1], rval)
    result = where(j < 0, lval, where(j >= n - 1, above, value))
    return where(isnan(x), x, result)


def _gather(a, positions):
    """a's elements at int64 positions known to be in range (a lazy gather)."""
    return ndarray(a._native_array.gather(positions.astype(_np.int64)._native_array))


def lexsort(keys, axis=-1):
    """NumPy's ``lexsort``: the indices that sort by the last key, ties broken by the
    key before it, and so on. Lazily: a stable argsort of the first key, then of each
    following key read in the order found so far (a stable sort keeps the earlier keys'
    order among its ties), NumPy's NaN-last order; int64."""
    from ._functions import argsort
    from ._statistics import take_along_axis
    if isinstance(keys, (tuple, list)):
        keys = [asarray(k) for k in keys]
    else:
        stacked = asarray(keys)
        keys = [stacked[i] for i in range(stacked.shape[0])] if stacked.ndim else []
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    if any(k.shape != keys[0].shape for k in keys):
        raise ValueError("all keys need to be the same shape")
    if any(k.dtype.kind == "c" for k in keys) or axis is None:
        return _by_numpy(_np.lexsort, keys, axis=axis)
    if keys[0].ndim == 0:
        return asarray(_np.int64(0))  # (NumPy's: scalar keys, one position)
    axis = _np.lib.array_utils.normalize_axis_index(axis, keys[0].ndim)
    order = argsort(keys[0], axis=axis, kind="stable")
    for key in keys[1:]:
        within = argsort(take_along_axis(key, order, axis=axis), axis=axis, kind="stable")
        order = take_along_axis(order, within, axis=axis)
    return order
