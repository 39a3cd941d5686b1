"""Splits, insertions, deletions, broadcasts and generated matrices, lazily: views
where NumPy gives views (the split family, ``broadcast_arrays``), compositions of
slices, concatenations and selects otherwise, with NumPy's values, dtypes and errors.
Forms lazyfuse does not compose (``insert`` at several positions, ``gradient`` with
coordinate arrays, complex ``geomspace``, ...) are computed by NumPy on the evaluated
values."""

import math as _math
import operator as _operator

import numpy as _np

from ._core import _by_numpy, arange, asarray, concatenate, linspace, ndarray, where
from ._manipulation import _take_static, diag, tile
from ._functions import broadcast_to
from ._statistics import _slice as _lazy_index

__all__ = [
    "broadcast_arrays", "split", "array_split", "hsplit", "vsplit", "dsplit", "ediff1d",
    "diagflat", "tri", "vander", "append", "logspace", "geomspace", "select", "resize",
    "gradient", "insert", "delete", "isin", "compress", "extract", "fromfunction",
]

# isin compares with up to this many test values by equalities (fused); more by NumPy.
_MAX_LAZY_TESTS = 32

_normalize_axis_index = _np.lib.array_utils.normalize_axis_index


def _slice(x, axis, start, stop):
    """x[start:stop] along axis, lazily even where x is pending."""
    return _lazy_index(x, (slice(None),) * axis + (slice(start, stop),))


def broadcast_arrays(*args, subok=False):
    """NumPy's ``broadcast_arrays``: each argument as a read-only broadcast view, in a
    tuple."""
    arrays = [asarray(a) for a in args]
    shape = _np.broadcast_shapes(*(a.shape for a in arrays))
    return tuple(a if a.shape == shape else broadcast_to(a, shape) for a in arrays)


def array_split(ary, indices_or_sections, axis=0):
    """NumPy's ``array_split``: views of consecutive parts along axis (sections of
    sizes differing by at most one, or cut at the given indices)."""
    ary = asarray(ary)
    axis = _normalize_axis_index(_operator.index(axis), ary.ndim)
    total = ary.shape[axis]
    try:
        cuts = [int(i) for i in indices_or_sections]
        points = [0] + cuts + [total]
    except TypeError:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.") from None
        each, extras = divmod(total, sections)
        sizes = [0] + extras * [each + 1] + (sections - extras) * [each]
        points = list(_np.cumsum(sizes))
    parts = []
    for start, stop in zip(points[:-1], points[1:]):
        key = [slice(None)] * ary.ndim
        key[axis] = slice(int(start), int(stop))
        parts.append(ary[tuple(key)])
    return parts


def split(ary, indices_or_sections, axis=0):
    """NumPy's ``split``: ``array_split`` into equal sections (ValueError otherwise)."""
    ary = asarray(ary)
    if isinstance(indices_or_sections, (int, _np.integer)):
        n = ary.shape[_normalize_axis_index(_operator.index(axis), ary.ndim)]
        if n % int(indices_or_sections):  # (0 sections: ZeroDivisionError, as NumPy's)
            raise ValueError("array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary, indices_or_sections):
    """NumPy's ``hsplit``: split along the second axis (the first of a 1-d array)."""
    ary = asarray(ary)
    if ary.ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if ary.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    """NumPy's ``vsplit``: split along the first axis (2 or more dimensions)."""
    ary = asarray(ary)
    if ary.ndim < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    """NumPy's ``dsplit``: split along the third axis (3 or more dimensions)."""
    ary = asarray(ary)
    if ary.ndim < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


def ediff1d(ary, to_end=None, to_begin=None):
    """NumPy's ``ediff1d``: differences of the flattened array, with optional values
    before and after (cast to its dtype under the same-kind rule)."""
    a = asarray(ary).ravel()
    n = a.shape[0]
    pieces = []
    for extra, name in ((to_begin, "to_begin"), (to_end, "to_end")):
        if extra is None:
            pieces.append(None)
            continue
        extra = asarray(extra)
        if not _np.can_cast(extra.dtype, a.dtype, casting="same_kind"):
            raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the "
                            "`same_kind` rule.")
        pieces.append(extra.ravel().astype(a.dtype))
    if n == 0:
        body = a
    else:
        body = _slice(a, 0, 1, n) - _slice(a, 0, 0, n - 1)
    parts = [p for p in (pieces[0], body, pieces[1]) if p is not None]
    return parts[0] if len(parts) == 1 else concatenate(parts)


def diagflat(v, k=0):
    """NumPy's ``diagflat``: the flattened input on the k-th diagonal."""
    return diag(asarray(v).ravel(), k)


def tri(N, M=None, k=0, dtype=float, *, like=None):
    """NumPy's ``tri``: ones at and below the k-th diagonal."""
    if like is not None:
        return _by_numpy(_np.tri, N, M, k, dtype, like=like)
    M = N if M is None else M
    rows = arange(0, N, 1, dtype="int64").reshape(N, 1)
    cols = arange(-k, M - k, 1, dtype="int64").reshape(1, M)
    return (rows >= cols).astype(dtype)


def vander(x, N=None, increasing=False):
    """NumPy's ``vander``: columns of powers of x, each the previous times x (NumPy's
    repeated products, not pow), decreasing unless `increasing`."""
    x = asarray(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    N = x.shape[0] if N is None else _operator.index(N)
    dtype = _np.promote_types(x.dtype, int)
    x = x.astype(dtype)
    columns = []
    power = None
    for _ in range(N):
        power = (x * _np.asarray(0, dtype) + _np.asarray(1, dtype)) if power is None else power * x
        columns.append(power.reshape(x.shape[0], 1))
    if not columns:
        return _by_numpy(_np.vander, x, N, increasing)
    if not increasing:
        columns.reverse()
    return columns[0] if len(columns) == 1 else concatenate(columns, axis=1)


def append(arr, values, axis=None):
    """NumPy's ``append``: a concatenation (of the flattened arrays for axis=None)."""
    arr, values = asarray(arr), asarray(values)
    if axis is None:
        return concatenate((arr.ravel(), values.ravel()))
    return concatenate((arr, values), axis=axis)


def _scalar(*values):
    return all(_np.ndim(v) == 0 and not isinstance(v, ndarray) for v in values)


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """NumPy's ``logspace``: base ** linspace(start, stop)."""
    if not _scalar(start, stop, base) or axis != 0:
        return _by_numpy(_np.logspace, start, stop, num, endpoint, base, dtype, axis)
    exponents = linspace(start, stop, num, endpoint)
    values = asarray(_np.float64(base)) ** exponents
    return values if dtype is None else values.astype(dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """NumPy's ``geomspace`` for real scalars of one sign: 10 ** linspace of the
    logarithms, the end points exactly start and stop."""
    complex_ = any(_np.iscomplexobj(v) for v in (start, stop))
    if not _scalar(start, stop) or axis != 0 or complex_:
        return _by_numpy(_np.geomspace, start, stop, num, endpoint, dtype, axis)
    if start == 0 or stop == 0:
        raise ValueError("Geometric sequence cannot include zero")
    if (start < 0) != (stop < 0):
        return _by_numpy(_np.geomspace, start, stop, num, endpoint, dtype, axis)
    num = _operator.index(num)
    dt = _np.result_type(start, stop, float(num), _np.zeros((), dtype))
    sign = -1.0 if start < 0 else 1.0
    start, stop = abs(start), abs(stop)
    values = logspace(_math.log10(start), _math.log10(stop), num, endpoint)
    if num > 0:
        position = arange(0, num, 1, dtype="int64")
        values = where(position == 0, _np.float64(start), values)
        if num > 1 and endpoint:
            values = where(position == num - 1, _np.float64(stop), values)
    values = values * sign if sign < 0 else values
    return values.astype(dt if dtype is None else dtype)


def select(condlist, choicelist, default=0):
    """NumPy's ``select``: the choice of the first true condition, else the default."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    # NumPy's dtype rule: Python scalars (choices and default) stay weak.
    def stand_in(v):
        if type(v) in (int, float, complex):
            return v
        v = asarray(v)
        return _np.empty(() if v.ndim == 0 else (0,), v.dtype)
    dtype = _np.result_type(*(stand_in(c) for c in list(choicelist) + [default]))
    choices = [asarray(c) for c in choicelist]
    conditions = [asarray(c) for c in condlist]
    for i, c in enumerate(conditions):
        if c.dtype != _np.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    result = asarray(_np.asarray(default, dtype))
    for condition, choice in reversed(list(zip(conditions, choices))):
        result = where(condition, choice.astype(dtype), result)
    return result


def resize(a, new_shape):
    """NumPy's ``resize``: the flattened array repeated to fill the new shape."""
    shape = (new_shape,) if isinstance(new_shape, (int, _np.integer)) else tuple(new_shape)
    if any(_operator.index(s) < 0 for s in shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    a = asarray(a).ravel()
    size = _math.prod(shape)
    if a.shape[0] == 0 or size == 0:
        return asarray(_np.zeros(shape, a.dtype))
    repeats = -(-size // a.shape[0])
    filled = tile(a, repeats) if repeats > 1 else a
    return _slice(filled, 0, 0, size).reshape(shape)


def gradient(f, *varargs, axis=None, edge_order=1):
    """NumPy's ``gradient`` with uniform spacings (a scalar per axis, or none): central
    differences inside, one-sided of order 1 or 2 at the edges."""
    f = asarray(f)
    axes = list(range(f.ndim)) if axis is None else (
        [axis] if isinstance(axis, (int, _np.integer)) else list(axis))
    axes = [_normalize_axis_index(_operator.index(k), f.ndim) for k in axes]
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and _np.ndim(varargs[0]) == 0:
        spacings = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes) and all(_np.ndim(v) == 0 for v in varargs):
        spacings = list(varargs)
    else:
        return _by_numpy(_np.gradient, f, *varargs, axis=axis, edge_order=edge_order)
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if f.dtype.kind in "iub":
        f = f.astype("float64")
    results = []
    for k, dx in zip(axes, spacings):
        n = f.shape[k]
        if n < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        dx = float(dx)  # a Python float: weak, as in NumPy's arithmetic

        def part(lo, hi, k=k):
            return _slice(f, k, lo, hi)
        interior = (part(2, n) - part(0, n - 2)) / (2.0 * dx)
        if edge_order == 1:
            first = (part(1, 2) - part(0, 1)) / dx
            last = (part(n - 1, n) - part(n - 2, n - 1)) / dx
        else:
            first = (-1.5 / dx) * part(0, 1) + (2.0 / dx) * part(1, 2) + (-0.5 / dx) * part(2, 3)
            last = ((0.5 / dx) * part(n - 3, n - 2) + (-2.0 / dx) * part(n - 2, n - 1)
                    + (1.5 / dx) * part(n - 1, n))
        results.append(concatenate((first, interior, last), axis=k).astype(f.dtype))
    return results[0] if len(results) == 1 else tuple(results)


def insert(arr, obj, values, axis=None):
    """NumPy's ``insert`` of values before one index (a concatenation); several indices
    are inserted by NumPy."""
    arr = asarray(arr)
    if axis is None:
        arr, axis = arr.ravel(), 0
    axis = _normalize_axis_index(_operator.index(axis), arr.ndim)
    if not isinstance(obj, (int, _np.integer)) or arr.ndim != 1:
        return _by_numpy(_np.insert, arr, obj, values, axis)
    n = arr.shape[0]
    index = int(obj)
    if not -n <= index <= n:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size {n}")
    if index < 0:
        index += n
    new = asarray(values).astype(arr.dtype).ravel()
    return concatenate((_slice(arr, 0, 0, index), new, _slice(arr, 0, index, n)))


def delete(arr, obj, axis=None):
    """NumPy's ``delete``: the elements kept along axis taken by static slices (the
    kept positions are NumPy's own, with its errors)."""
    arr = asarray(arr)
    if axis is None:
        arr, axis = arr.ravel(), 0
    axis = _normalize_axis_index(_operator.index(axis), arr.ndim)
    if isinstance(obj, ndarray):
        obj = obj.numpy()
    keep = _np.delete(_np.arange(arr.shape[axis]), obj)
    if keep.shape[0] == arr.shape[axis]:
        return arr * 1 if arr.dtype != _np.bool_ else arr | False
    if keep.shape[0] == 0:
        shape = list(arr.shape)
        shape[axis] = 0
        return asarray(_np.zeros(shape, arr.dtype))
    return _take_static(arr, axis, keep.tolist())


def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """NumPy's ``isin`` against a few test values: one fused chain of equalities (more
    test values than 32 are NumPy's)."""
    tests = test_elements.numpy() if isinstance(test_elements, ndarray) else test_elements
    tests = _np.unique(_np.asarray(tests).ravel())
    element = asarray(element)
    if tests.size > _MAX_LAZY_TESTS or tests.dtype.kind not in "biufc" or kind == "table":
        return _by_numpy(_np.isin, element, test_elements, assume_unique, invert, kind=kind)
    found = None
    for t in tests:
        hit = element == t
        found = hit if found is None else found | hit
    if found is None:
        found = asarray(_np.zeros(element.shape, bool))
    return ~found if invert else found


def compress(condition, a, axis=None, out=None):
    """NumPy's ``compress``: the slices where condition is true (a lazy gather; the
    condition's values decide the shape, so it is evaluated)."""
    if out is not None:
        return _by_numpy(_np.compress, condition, a, axis, out)
    condition = condition.numpy() if isinstance(condition, ndarray) else _np.asarray(condition)
    if condition.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    a = asarray(a)
    if axis is None:
        a, axis = a.ravel(), 0
    axis = _normalize_axis_index(_operator.index(axis), a.ndim)
    positions = _np.flatnonzero(condition)
    if positions.size and positions[-1] >= a.shape[axis]:
        raise IndexError(f"index {positions[-1]} is out of bounds for axis {axis} with size "
                         f"{a.shape[axis]}")
    key = [slice(None)] * a.ndim
    key[axis] = positions
    return a[tuple(key)]


def extract(condition, arr):
    """NumPy's ``extract``: the elements where condition is true, flattened (a lazy
    gather at the condition's true positions)."""
    condition = condition.numpy() if isinstance(condition, ndarray) else _np.asarray(condition)
    return asarray(arr).ravel()[_np.flatnonzero(condition)]


def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    """NumPy's ``fromfunction``: the function called once on lazy index arrays."""
    if like is not None:
        return _by_numpy(_np.fromfunction, function, shape, dtype=dtype, like=like, **kwargs)
    from ._manipulation import indices
    return function(*indices(shape, dtype=dtype), **kwargs)
