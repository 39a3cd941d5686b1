"""Medians and quantiles (NumPy's linear method), NaN-propagating and NaN-ignoring.
Values that can be computed now are NumPy's at once (its selection is faster than
sorting whole lanes); a traced array's median or quantile stays in its program: the
lanes sorted by the IR's sort (NaNs last), then NumPy's interpolation between the two
neighbours of each quantile in NumPy's order of operations and dtypes. The NaN-ignoring
forms find those neighbours per lane among the lane's non-NaN count (a gather), NaN
for a lane of NaNs only. Other forms (several axes, out=, other methods, weights,
float16, complex, empty lanes) are NumPy's."""

import operator as _operator

import numpy as _np

from ._core import _by_numpy, asarray, ndarray, where
from ._ufuncs import floor, isnan, minimum

__all__ = ["median", "quantile", "percentile", "nanmedian", "nanquantile", "nanpercentile"]

_normalize_axis_index = _np.lib.array_utils.normalize_axis_index


def _slice(x, key):
    """x[key] for a basic key, lazily even where x is pending."""
    return ndarray(x._native_array.index(key))


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """NumPy's ``median`` along one axis (or of the flattened array), lazily: the lanes
    sorted (a library kernel), then the middle element or the mean of the middle two,
    NaN where a lane holds one; other forms (several axes, float16, complex, empty
    lanes) are NumPy's."""
    from ._core import _at_once
    from ._functions import _values_now
    a = asarray(a)
    simple = out is None and (axis is None or isinstance(axis, (int, _np.integer)))
    values = _values_now(a) if simple else None
    if values is not None:
        # NumPy's selection (partition) is faster than lazyfuse's sort of whole lanes:
        # values that can be computed now are NumPy's at once; a traced array's median
        # stays in its program.
        return _at_once(_np.median, values, axis=axis, keepdims=keepdims)
    if not simple or a.dtype.kind not in "biuf" or a.dtype == _np.float16 or a.size == 0:
        return _by_numpy(_np.median, a, axis=axis, out=out, overwrite_input=overwrite_input,
                         keepdims=keepdims)
    shape = a.shape
    x = a if a.dtype.kind == "f" else a.astype("float64")
    if axis is None:
        x, k = x.ravel(), 0
    else:
        k = _normalize_axis_index(_operator.index(axis), a.ndim)
    ordered = ndarray(x._native_array.sort(k, False))
    n = ordered.shape[k]

    def lane(i):
        return _slice(ordered, (slice(None),) * k + (i,))

    middle = lane(n // 2) if n % 2 else (lane(n // 2 - 1) + lane(n // 2)) / 2
    # NaNs sort last: a NaN in the lane is its last element.
    result = where(isnan(lane(n - 1)), _np.asarray(_np.nan, middle.dtype), middle)
    if keepdims:
        kept = [1] * len(shape) if axis is None else list(shape)
        if axis is not None:
            kept[k] = 1
        result = result.reshape(kept)
    return result


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    """NumPy's ``quantile`` with the default linear method along one axis (or of the
    flattened array), lazily: the lanes sorted (a library kernel), then NumPy's
    interpolation between the two neighbours of each quantile, in NumPy's order of
    operations and dtypes; other forms are NumPy's."""
    return _quantiles(_np.quantile, a, q, _np.asanyarray(q), axis, out, overwrite_input,
                      method, keepdims, weights, interpolation, "Quantiles must be in the range [0, 1]")


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    """NumPy's ``percentile``: ``quantile`` of q / 100, lazily as ``quantile`` is."""
    return _quantiles(_np.percentile, a, q, _np.true_divide(q, 100), axis, out,
                      overwrite_input, method, keepdims, weights, interpolation,
                      "Percentiles must be in the range [0, 100]")


def _quantiles(numpy_function, a, q, fraction, axis, out, overwrite_input, method, keepdims,
               weights, interpolation, range_message):
    from ._core import _at_once, _small
    a = asarray(a)
    q = q.numpy() if isinstance(q, ndarray) else q
    fraction = _np.asanyarray(fraction.numpy() if isinstance(fraction, ndarray) else fraction)
    lazy = (out is None and weights is None and interpolation is None and method == "linear"
            and (axis is None or isinstance(axis, (int, _np.integer)))
            and a.dtype.kind in "biuf" and a.dtype != _np.float16 and a.size > 0
            and fraction.dtype.kind == "f")
    kwargs = {"axis": axis, "out": out, "overwrite_input": overwrite_input, "method": method,
              "keepdims": keepdims}
    if weights is not None:
        kwargs["weights"] = weights
    if interpolation is not None:
        kwargs["interpolation"] = interpolation
    from ._functions import _values_now
    values = _values_now(a) if lazy else None
    if not lazy or values is not None:
        # (As for median: NumPy's selection when the values can be computed now.)
        call = _at_once if lazy else _by_numpy
        return call(numpy_function, a if values is None else values, q, **kwargs)
    if not (_np.all(fraction >= 0) and _np.all(fraction <= 1)):
        raise ValueError(range_message)
    weak = type(q) in (int, float)
    x, k = (a.ravel(), 0) if axis is None else (a, _normalize_axis_index(_operator.index(axis), a.ndim))
    ordered = ndarray(x._native_array.sort(k, False))
    n = ordered.shape[k]

    def lane(i):
        return _slice(ordered, (slice(None),) * k + (i,))

    results = []
    for value in fraction.ravel():
        # NumPy's linear method: virtual index (n - 1) q, its neighbours (clamped), and
        # the weight, in q's dtype; a weak (Python) q weighs as a Python float.
        virtual = _np.asanyarray((n - 1) * _np.asanyarray(value, fraction.dtype))
        previous = _np.floor(virtual)
        if virtual >= n - 1:
            previous = _np.asarray(-1, virtual.dtype)
        gamma = _np.asanyarray(virtual - previous, dtype=virtual.dtype)
        gamma = float(gamma) if weak else gamma
        lo = int(previous) % n
        hi = lo if int(previous) == -1 else min(lo + 1, n - 1)
        below, above = lane(lo), lane(hi)
        difference = above - below
        if gamma >= 0.5:
            value = above - difference * (1 - gamma)
            value = value.astype((below + difference * gamma).dtype)
        else:
            value = below + difference * gamma
        if a.dtype.kind == "f":
            value = where(isnan(lane(n - 1)), _np.asarray(_np.nan, value.dtype), value)
        results.append(value)
    from ._core import stack
    result = results[0] if fraction.ndim == 0 else stack(results).reshape(
        fraction.shape + results[0].shape)
    if keepdims:
        kept = [1] * a.ndim if axis is None else list(a.shape)
        if axis is not None:
            kept[k] = 1
        result = result.reshape(fraction.shape + tuple(kept))
    return result


def _simple_axis(axis):
    return axis is None or isinstance(axis, (int, _np.integer))


def _nan_lanes(a, axis):
    """The lanes of the traced float array a along axis (of the flattened array for
    None) sorted (NaNs last) with the lane axis last, each lane's count of non-NaN
    values (int64), and a gather of one element per lane at a lazy int64 position."""
    from ._searching import _gather
    from ._functions import moveaxis
    x, k = (a.ravel(), 0) if axis is None else (a, _normalize_axis_index(
        _operator.index(axis), a.ndim))
    x = moveaxis(x, k, -1) if k != x.ndim - 1 else x
    ordered = ndarray(x._native_array.sort(x.ndim - 1, False))
    n = ordered.shape[-1]
    lanes = ordered.shape[:-1]
    count = (~isnan(ordered)).sum(axis=-1)
    starts = _np.arange(int(_np.prod(lanes)), dtype=_np.int64).reshape(lanes) * n

    def at(position):
        return _gather(ordered, position.clip(0, n - 1) + starts)

    return count, at, k


def _kept(result, a, axis, k, keepdims, leading=()):
    if not keepdims:
        return result
    kept = [1] * a.ndim if axis is None else list(a.shape)
    if axis is not None:
        kept[k] = 1
    return result.reshape(tuple(leading) + tuple(kept))


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=_np._NoValue):
    """NumPy's ``nanmedian``: the median of each lane's non-NaN values (NaN for a lane
    of NaNs only), lazily inside traced functions (see the module's note)."""
    from ._core import _at_once
    from ._functions import _values_now
    a = asarray(a)
    keep = False if keepdims is _np._NoValue else keepdims
    simple = out is None and _simple_axis(axis)
    values = _values_now(a) if simple else None
    if values is not None:
        return _at_once(_np.nanmedian, values, axis=axis, keepdims=keepdims)
    if simple and a.dtype.kind in "biu":
        return median(a, axis=axis, keepdims=keep)
    if not simple or a.dtype.kind != "f" or a.dtype == _np.float16 or a.size == 0:
        return _by_numpy(_np.nanmedian, a, axis=axis, out=out, overwrite_input=overwrite_input,
                         keepdims=keepdims)
    count, at, k = _nan_lanes(a, axis)
    half = count // 2
    middle = at(half)
    # NumPy's median of an even count: the mean of the middle two, (lower + upper) / 2.
    even = (at(half - 1) + middle) / 2
    result = where(count % 2 == 1, middle, even)
    result = where(count == 0, _np.asarray(_np.nan, result.dtype), result)
    return _kept(result, a, axis, k, keep)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=_np._NoValue, *, weights=None, interpolation=None):
    """NumPy's ``nanquantile`` with the linear method: ``quantile`` of each lane's
    non-NaN values (NaN for a lane of NaNs only), lazily inside traced functions."""
    return _nan_quantiles(_np.nanquantile, a, q, q, axis, out, overwrite_input, method,
                          keepdims, weights, interpolation, "Quantiles must be in the range [0, 1]")


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=_np._NoValue, *, weights=None, interpolation=None):
    """NumPy's ``nanpercentile``: ``nanquantile`` of q / 100."""
    q_values = q.numpy() if isinstance(q, ndarray) else q
    return _nan_quantiles(_np.nanpercentile, a, q, _np.true_divide(q_values, 100), axis, out,
                          overwrite_input, method, keepdims, weights, interpolation,
                          "Percentiles must be in the range [0, 100]")


def _nan_quantiles(numpy_function, a, q, fraction, axis, out, overwrite_input, method, keepdims,
                   weights, interpolation, range_message):
    from ._core import _at_once
    from ._functions import _values_now
    a = asarray(a)
    q = q.numpy() if isinstance(q, ndarray) else q
    fraction = _np.asanyarray(fraction.numpy() if isinstance(fraction, ndarray) else fraction)
    keep = False if keepdims is _np._NoValue else keepdims
    lazy = (out is None and weights is None and interpolation is None and method == "linear"
            and _simple_axis(axis) and a.dtype.kind == "f" and a.dtype != _np.float16
            and a.size > 0 and fraction.dtype.kind == "f")
    kwargs = {"axis": axis, "out": out, "overwrite_input": overwrite_input, "method": method,
              "keepdims": keepdims}
    if weights is not None:
        kwargs["weights"] = weights
    if interpolation is not None:
        kwargs["interpolation"] = interpolation
    values = _values_now(a) if lazy else None
    if values is not None:
        return _at_once(numpy_function, values, q, **kwargs)
    if lazy is False and a.dtype.kind in "biu" and out is None and weights is None \
            and interpolation is None:
        plain = _np.quantile if numpy_function is _np.nanquantile else _np.percentile
        return _quantiles(plain, a, q, fraction, axis, None, overwrite_input, method, keep,
                          None, None, range_message)
    if not lazy:
        return _by_numpy(numpy_function, a, q, **kwargs)
    if not (_np.all(fraction >= 0) and _np.all(fraction <= 1)):
        raise ValueError(range_message)
    weak = type(q) in (int, float)
    count, at, k = _nan_lanes(a, axis)
    last = count - 1
    results = []
    for value in fraction.ravel():
        # NumPy's linear method on the lane's count values: virtual index (count - 1) q in
        # q's dtype, its neighbours (both the last value at or past the end), the weight.
        value = _np.asarray(value, fraction.dtype)
        virtual = last.astype(fraction.dtype) * value
        previous = where(virtual >= last, _np.asarray(-1.0, fraction.dtype), floor(virtual))
        gamma = virtual - previous
        lo = where(previous < 0, last, previous.astype(_np.int64))
        hi = where(previous < 0, lo, minimum(lo + 1, last))
        below, above = at(lo), at(hi)
        difference = above - below
        if weak:  # a Python float weight: rounded to the data's dtype where it is used
            t, one_minus_t = gamma.astype(a.dtype), (1 - gamma).astype(a.dtype)
        else:
            t, one_minus_t = gamma, 1 - gamma
        low_side = below + difference * t
        high_side = (above - difference * one_minus_t).astype(low_side.dtype)
        result = where(gamma >= 0.5, high_side, low_side)
        results.append(where(count == 0, _np.asarray(_np.nan, result.dtype), result))
    from ._core import stack
    result = results[0] if fraction.ndim == 0 else stack(results).reshape(
        fraction.shape + results[0].shape)
    return _kept(result, a, axis, k, keep, fraction.shape)
