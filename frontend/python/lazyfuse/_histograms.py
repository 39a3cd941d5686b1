"""Histograms. Values that can be computed now are counted by NumPy at once (its bits,
its one-pass bincount, its checks of the data's range); inside traced functions (jit,
grad, vmap, export) the histogram stays in the program: the data sorted, each bin edge
found in it by searchsorted, the counts the differences of those positions (weights:
differences of the sorted weights' running sums, NumPy's algorithm for non-uniform
bins). ``bincount``'s length depends on the data, so it is NumPy's at once (a traced
bincount cannot have a shape)."""

import operator as _operator

import numpy as _np

from . import _core, _native
from ._core import _at_once, _by_numpy, asarray, where
from ._functions import _values_now, argsort, concatenate, sort

__all__ = ["histogram", "histogram_bin_edges", "bincount"]


def histogram(a, bins=10, range=None, density=None, weights=None):
    """NumPy's ``histogram``: counts (int64, or weights' dtype, or float64 densities)
    of a's values in bins, and the bin edges."""
    now = _now(a, bins, weights)
    if now is not None:
        values, bins, weights = now
        return _at_once(_np.histogram, values, bins, range, density, weights)
    a, weights = _flat(a, weights)
    if isinstance(bins, str) or a.dtype.kind == "c":
        return _by_numpy(_np.histogram, a, bins, range, density, weights)
    edges = _edges(a, bins, range)
    return _counts(a, edges, weights, density), edges


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """NumPy's ``histogram_bin_edges``: the edges ``histogram`` would use."""
    now = _now(a, bins, weights)
    if now is not None:
        values, bins, weights = now
        return _at_once(_np.histogram_bin_edges, values, bins, range, weights)
    a, weights = _flat(a, weights)
    if isinstance(bins, str) or a.dtype.kind == "c":
        return _by_numpy(_np.histogram_bin_edges, a, bins, range, weights)
    return _edges(a, bins, range)


def bincount(x, weights=None, minlength=0):
    """NumPy's ``bincount``, by NumPy at once: its result's length is the data's
    largest value plus one."""
    if _core._EAGER_ELEMENTS:  # small arrays in memory: one native call
        result = _native.eager_call(_np.bincount, (x, weights, minlength))
        if result is not None:
            return result
    values = _values_now(x)
    w = None if weights is None else _values_now(weights)
    if values is None or (weights is not None and w is None):
        return _by_numpy(_np.bincount, x, weights, minlength)
    return _at_once(_np.bincount, values, w, minlength)


def _now(a, bins, weights):
    """(a, bins, weights) as NumPy values when all can be computed now, else None."""
    values = _values_now(a)
    if values is None:
        return None
    if weights is not None:
        weights = _values_now(weights)
        if weights is None:
            return None
    if not isinstance(bins, str) and _np.ndim(bins) > 0:
        bins = _values_now(bins)
        if bins is None:
            return None
    return values, bins, weights


def _flat(a, weights):
    a = asarray(a)
    if weights is not None:
        weights = asarray(weights)
        if weights.shape != a.shape:
            raise ValueError("weights should have the same shape as a.")
        weights = weights.ravel()
    return a.ravel(), weights


def _edges(a, bins, range):
    """The bin edges of the traced, flat a: NumPy's rules and errors for the arguments;
    an autodetected range from a's smallest and largest values, lazily (their
    finiteness is not checked: values are not known while tracing)."""
    if _np.ndim(bins) == 1:
        return asarray(bins)
    if _np.ndim(bins) > 1:
        raise ValueError("`bins` must be 1d, when an array")
    try:
        count = _operator.index(bins)
    except TypeError as e:
        raise TypeError("`bins` must be an integer, a string, or an array") from e
    if count < 1:
        raise ValueError("`bins` must be positive, when an integer")
    if range is not None:
        first, last = range
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if not (_np.isfinite(first) and _np.isfinite(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
        if first == last:
            first, last = first - 0.5, last + 0.5
        bin_type = _np.result_type(first, last, a.dtype)
        step_type = _np.result_type(first, last, float(count))
    elif a.size == 0:
        first, last = 0, 1
        bin_type = _np.result_type(a.dtype, float)
        step_type = _np.float64
    else:
        low, high = a.min(), a.max()
        if a.dtype.kind in "iub":
            low, high = low.astype(_np.float64), high.astype(_np.float64)
        first = where(low == high, low - 0.5, low)
        last = where(low == high, high + 0.5, high)
        bin_type = _np.result_type(a.dtype, _np.float64) if a.dtype.kind in "iub" else a.dtype
        step_type = first.dtype
    if _np.dtype(bin_type).kind in "iub":
        bin_type = _np.result_type(bin_type, float)
    return _linspace(first, last, count + 1, step_type).astype(bin_type)


def _linspace(start, stop, num, dtype):
    """NumPy's ``linspace(start, stop, num)`` computed in dtype (start and stop Python
    numbers or lazy 0-d arrays): its steps, its exact last value."""
    from ._creation import arange
    start = asarray(start).astype(dtype)
    stop = asarray(stop).astype(dtype)
    delta = stop - start
    div = num - 1
    step = delta / _np.array(div, dtype)
    y = arange(0, num, 1, dtype=dtype)
    y = where(step == 0, y / _np.array(div, dtype) * delta, y * step) + start
    return where(arange(0, num, 1, dtype="int64") == num - 1, stop, y)


def _counts(a, edges, weights, density):
    """The histogram of the flat a over edges: each edge's position in the sorted data
    (the last edge inclusive), differenced."""
    from ._searching import _gather, _search
    if weights is None:
        ordered = sort(a)
    else:
        order = argsort(a)
        ordered = _gather(a, order)
    last = edges.shape[0] - 1
    positions = concatenate((_search(ordered, edges[:last], False),
                             _search(ordered, edges[last:], True)))
    if weights is None:
        cumulative = positions
    else:
        running = _gather(weights, order).cumsum()
        running = concatenate((_np.zeros(1, weights.dtype), running))
        cumulative = _gather(running, positions)
    counts = cumulative[1:] - cumulative[:last]
    if density:
        widths = (edges[1:] - edges[:last]).astype(_np.float64)
        return counts / widths / counts.sum()
    return counts
