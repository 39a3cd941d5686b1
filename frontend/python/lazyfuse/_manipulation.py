"""Array manipulation, lazily: each function is a composition of views, broadcasts,
reshapes, slices, concatenations and selects, so it fuses with what reads it instead
of being computed by NumPy on evaluated values. Views are views where NumPy's are
(flip, rot90, atleast_*d, 2-d diag); the others give new arrays, as NumPy's do.

Arguments lazyfuse does not compute lazily (repeat counts given as an array, tril/triu
of a 1-d array, keyword arguments beyond NumPy's common ones) are computed by NumPy on
the evaluated values, as every function lazyfuse lacks is. The functions that give new
arrays run at once by NumPy on small arrays in memory (`_eager_when_small`), where a
composition of lazy steps costs more than the work."""

import math as _math

import numpy as _np

from ._core import (_by_numpy, _eager_when_small, _index, asarray, concatenate, ndarray, stack,
                    where)

__all__ = [
    "flip", "fliplr", "flipud", "rot90", "roll", "diff", "tile", "repeat", "triu", "tril",
    "diag", "trace", "atleast_1d", "atleast_2d", "atleast_3d", "vstack", "hstack",
    "dstack", "column_stack", "meshgrid", "indices", "pad", "ptp", "count_nonzero",
    "average", "nansum", "nanprod", "apply_along_axis", "mgrid", "ogrid",
]

_normalize_axis_tuple = _np.lib.array_utils.normalize_axis_tuple
_normalize_axis_index = _np.lib.array_utils.normalize_axis_index


def _fresh(x):
    """A new array (its own base) with x's values, lazily: for results NumPy gives as
    copies, so that writes to them reach nothing else."""
    return ndarray(x._native_array)


def flip(m, axis=None):
    """NumPy's ``flip``: a view with the order of elements along `axis` reversed."""
    m = asarray(m)
    axes = range(m.ndim) if axis is None else _normalize_axis_tuple(axis, m.ndim)
    key = [slice(None)] * m.ndim
    for a in axes:
        key[a] = slice(None, None, -1)
    return m[tuple(key)]


def fliplr(m):
    m = asarray(m)
    if m.ndim < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


def flipud(m):
    m = asarray(m)
    if m.ndim < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


def rot90(m, k=1, axes=(0, 1)):
    """NumPy's ``rot90``: a view rotated by 90 degrees `k` times in the plane `axes`."""
    m = asarray(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == m.ndim:
        raise ValueError("Axes must be different.")
    if not (-m.ndim <= axes[0] < m.ndim and -m.ndim <= axes[1] < m.ndim):
        raise ValueError(f"Axes={axes} out of range for array of ndim={m.ndim}.")
    k = _index(k) % 4
    if k == 0:
        return m[...]
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(m.ndim))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    if k == 1:
        return flip(m, axes[1]).transpose(perm)
    return flip(m.transpose(perm), axes[1])


@_eager_when_small(_np.roll)
def roll(a, shift, axis=None):
    """NumPy's ``roll``: elements shifted along `axis` (the flattened array if None),
    wrapping around; a new array, two slices joined."""
    a = asarray(a)
    if axis is None:
        return roll(a.ravel(), shift, 0).reshape(a.shape)
    shifts = _np.broadcast_arrays(_np.asarray(shift), _np.asarray(axis))
    total = {}
    for s, ax in zip(shifts[0].ravel(), shifts[1].ravel()):
        ax = _normalize_axis_index(int(ax), a.ndim)
        total[ax] = total.get(ax, 0) + int(s)
    out = a
    for ax, s in total.items():
        n = a.shape[ax]
        s = s % n if n else 0
        if s == 0:
            continue
        head = [slice(None)] * a.ndim
        tail = [slice(None)] * a.ndim
        head[ax], tail[ax] = slice(n - s, None), slice(None, n - s)
        out = concatenate((out[tuple(head)], out[tuple(tail)]), axis=ax)
    return _fresh(out) if out is a else out


@_eager_when_small(_np.diff)
def diff(a, n=1, axis=-1, prepend=_np._NoValue, append=_np._NoValue):
    """NumPy's ``diff``: the n-th difference along `axis` (``!=`` for booleans)."""
    n = _index(n)
    if n < 0:
        raise ValueError("order must be non-negative but got " + repr(n))
    a = asarray(a)
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = _normalize_axis_index(_index(axis), a.ndim)
    if n == 0:
        return a
    parts = []
    for value in (prepend, append):
        if value is _np._NoValue:
            parts.append(None)
            continue
        value = asarray(value)
        if value.ndim == 0:
            shape = list(a.shape)
            shape[axis] = 1
            value = ndarray(value._native_array.broadcast_to(shape))
        parts.append(value)
    pieces = [p for p in (parts[0], a, parts[1]) if p is not None]
    if len(pieces) > 1:
        a = concatenate(pieces, axis=axis)
    hi = [slice(None)] * a.ndim
    lo = [slice(None)] * a.ndim
    hi[axis], lo[axis] = slice(1, None), slice(None, -1)
    hi, lo = tuple(hi), tuple(lo)
    for _ in range(n):
        a = (a[hi] != a[lo]) if a.dtype.kind == "b" else a[hi] - a[lo]
    return a


@_eager_when_small(_np.tile)
def tile(A, reps):
    """NumPy's ``tile``: A repeated `reps` times along each axis (one broadcast and a
    reshape: the copies are read, not written)."""
    A = asarray(A)
    reps = tuple(_index(r) for r in (reps if isinstance(reps, (tuple, list)) else (reps,)))
    if any(r < 0 for r in reps):
        raise ValueError("negative dimensions are not allowed")
    d = max(len(reps), A.ndim)
    reps = (1,) * (d - len(reps)) + reps
    shape = (1,) * (d - A.ndim) + A.shape
    interleaved = [s for pair in ((1, n) for n in shape) for s in pair]
    spread = [s for pair in zip(reps, shape) for s in pair]
    native = A._native_array.reshape(interleaved).broadcast_to(spread)
    return ndarray(native.reshape([r * n for r, n in zip(reps, shape)]))


@_eager_when_small(_np.repeat)
def repeat(a, repeats, axis=None):
    """NumPy's ``repeat`` for one count (a broadcast and a reshape); counts per element
    (an array) give a data-dependent shape and are computed by NumPy."""
    if not isinstance(repeats, (int, _np.integer)) or isinstance(repeats, (bool, _np.bool_)):
        return _by_numpy(_np.repeat, a, repeats, axis=axis)
    a = asarray(a)
    r = int(repeats)
    if r < 0:
        raise ValueError("negative dimensions are not allowed")
    if axis is None:
        a, axis = a.ravel(), 0
    axis = _normalize_axis_index(_index(axis), a.ndim)
    shape = a.shape
    inner = shape[:axis + 1] + (1,) + shape[axis + 1:]
    spread = shape[:axis + 1] + (r,) + shape[axis + 1:]
    native = a._native_array.reshape(list(inner)).broadcast_to(list(spread))
    out = shape[:axis] + (shape[axis] * r,) + shape[axis + 1:]
    return ndarray(native.reshape(list(out)))


def _diagonal_offsets(rows, cols):
    """j - i over a rows x cols grid, lazily (two small ramps broadcast: the grid is
    never in memory, and masks built on it fuse with their select)."""
    i = asarray(_np.arange(rows).reshape(rows, 1))._native_array
    j = asarray(_np.arange(cols).reshape(1, cols))._native_array
    return ndarray(j.binary("sub", i, False))


def _triangle(m, k, upper):
    m = asarray(m)
    if m.ndim < 2:
        return _by_numpy(_np.triu if upper else _np.tril, m, k)
    offset = _diagonal_offsets(m.shape[-2], m.shape[-1])._native_array
    keep = ndarray(offset.binary("ge" if upper else "le", _index(k), False))
    return where(keep, m, _np.zeros((), m.dtype))


@_eager_when_small(_np.triu)
def triu(m, k=0):
    """NumPy's ``triu``: zeros below the k-th diagonal of the last two axes."""
    return _triangle(m, k, True)


@_eager_when_small(_np.tril)
def tril(m, k=0):
    """NumPy's ``tril``: zeros above the k-th diagonal of the last two axes."""
    return _triangle(m, k, False)


def diag(v, k=0):
    """NumPy's ``diag``: the k-th diagonal of a 2-d array (a read-only view), or a 2-d
    array with a 1-d array on its k-th diagonal."""
    v = asarray(v)
    k = _index(k)
    if v.ndim == 2:
        return v.diagonal(k)
    if v.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = v.shape[0] + abs(k)
    padded = concatenate((v, asarray(_np.zeros(abs(k), v.dtype)))) if k else v
    on = ndarray(_diagonal_offsets(n, n)._native_array.binary("eq", k, False))
    # Row i holds v[i] (k >= 0) or column j holds v[j] (k < 0) where the mask is set.
    values = padded.reshape((n, 1)) if k >= 0 else padded.reshape((1, n))
    return where(on, values, _np.zeros((), v.dtype))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """NumPy's ``trace``: the sum along a diagonal."""
    if out is not None:
        return _by_numpy(_np.trace, a, offset, axis1, axis2, dtype=dtype, out=out)
    return asarray(a).diagonal(offset, axis1, axis2).sum(-1, dtype=dtype)


def _each(arys, one):
    out = [one(asarray(a)) for a in arys]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    return _each(arys, lambda a: a if a.ndim >= 1 else a.reshape((1,)))


def atleast_2d(*arys):
    def two(a):
        if a.ndim >= 2:
            return a
        return a.reshape((1, 1)) if a.ndim == 0 else a[None, :]
    return _each(arys, two)


def atleast_3d(*arys):
    def three(a):
        if a.ndim == 0:
            return a.reshape((1, 1, 1))
        if a.ndim == 1:
            return a[None, :, None]
        if a.ndim == 2:
            return a[:, :, None]
        return a
    return _each(arys, three)


def _stack_args(tup, name):
    if not isinstance(tup, (list, tuple)):
        raise TypeError(f"arrays to {name} must be passed as a sequence type such as "
                        "list or tuple.")
    return [asarray(a) for a in tup]


@_eager_when_small(_np.vstack)
def vstack(tup, *, dtype=None, casting="same_kind"):
    if dtype is not None or casting != "same_kind":
        return _by_numpy(_np.vstack, tup, dtype=dtype, casting=casting)
    return concatenate([atleast_2d(a) for a in _stack_args(tup, "stack")], axis=0)


@_eager_when_small(_np.hstack)
def hstack(tup, *, dtype=None, casting="same_kind"):
    if dtype is not None or casting != "same_kind":
        return _by_numpy(_np.hstack, tup, dtype=dtype, casting=casting)
    arrs = [atleast_1d(a) for a in _stack_args(tup, "stack")]
    return concatenate(arrs, axis=0 if arrs and arrs[0].ndim == 1 else 1)


def dstack(tup):
    return concatenate([atleast_3d(a) for a in _stack_args(tup, "stack")], axis=2)


@_eager_when_small(_np.column_stack)
def column_stack(tup):
    arrs = [a.reshape((a.shape[0], 1)) if a.ndim < 2 else a
            for a in (atleast_1d(x) for x in _stack_args(tup, "stack"))]
    return concatenate(arrs, axis=1)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """NumPy's ``meshgrid`` (a tuple of arrays)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    out = []
    for i, x in enumerate(xi):
        shape = [1] * ndim
        shape[i] = -1
        out.append(asarray(x).reshape(shape))
    if indexing == "xy" and ndim > 1:
        for i, x in enumerate(out):
            axes = list(range(ndim))
            axes[0], axes[1] = 1, 0
            out[i] = x.transpose(axes)
    if not sparse:
        full = _np.broadcast_shapes(*[x.shape for x in out])
        out = [ndarray(x._native_array.broadcast_to(list(full))) for x in out]
    elif copy:
        out = [_fresh(x) for x in out]
    return tuple(out)


def indices(dimensions, dtype=int, sparse=False):
    """NumPy's ``indices``: a grid of each axis's index."""
    dimensions = tuple(_index(d) for d in dimensions)
    grids = meshgrid(*[_np.arange(d, dtype=dtype) for d in dimensions], indexing="ij",
                     sparse=sparse)
    return grids if sparse else stack(grids)


class _NdGrid:
    """NumPy's ``mgrid`` (dense) and ``ogrid`` (open) index tricks, lazily: ``grid[a:b:s,
    ...]`` is each axis's arange (a complex step counts points, endpoint included)
    broadcast to the grid, in NumPy's dtypes and formulas (``index * step + start``)."""

    def __init__(self, sparse):
        self.sparse = sparse

    def __getitem__(self, key):
        from ._creation import arange
        if not isinstance(key, tuple):
            if not isinstance(key, slice):
                raise TypeError(f"{'ogrid' if self.sparse else 'mgrid'} takes slices")
            return self._one(key, arange)
        sizes, numbers = [], [0]
        for k in key:
            start = 0 if k.start is None else k.start
            step = 1 if k.step is None else k.step
            if isinstance(step, (complex, _np.complexfloating)):
                sizes.append(int(abs(step)))
                step = abs(step)
            else:
                sizes.append(_math.ceil((k.stop - start) / step))
            numbers += [start, k.stop, step]
        dtype = _np.result_type(*numbers)
        grids = list(indices(sizes, dtype, sparse=True) if self.sparse
                     else indices(sizes, dtype))
        for i, k in enumerate(key):
            start = 0 if k.start is None else k.start
            step = 1 if k.step is None else k.step
            if isinstance(step, (complex, _np.complexfloating)):
                step = int(abs(step))
                if step != 1:
                    step = (k.stop - start) / float(step - 1)
            grid = grids[i] * step + start
            grids[i] = grid if self.sparse else grid.astype(dtype)
        return tuple(grids) if self.sparse else stack(grids)

    @staticmethod
    def _one(key, arange):
        start = 0 if key.start is None else key.start
        step = key.step
        if isinstance(step, (complex, _np.complexfloating)):
            length = int(abs(step))
            dtype = _np.result_type(start, key.stop, abs(step))
            step = (key.stop - start) / float(length - 1) if length != 1 else length
            return arange(0, length, 1, dtype=dtype) * step + start
        return arange(start, key.stop, 1 if step is None else step)


mgrid = _NdGrid(sparse=False)
ogrid = _NdGrid(sparse=True)


# Where each output position of a padded axis reads (p runs over -before .. n + after - 1).
_PAD_SOURCES = {
    "edge": lambda p, n: min(max(p, 0), n - 1),
    "wrap": lambda p, n: p % n,
    "reflect": lambda p, n: 0 if n == 1 else (
        (p % (2 * n - 2)) if p % (2 * n - 2) < n else 2 * n - 2 - p % (2 * n - 2)),
    "symmetric": lambda p, n: (p % (2 * n)) if p % (2 * n) < n else 2 * n - 1 - p % (2 * n),
}


def _runs(indices):
    """Static indices as runs (start, step, length) of step +1, -1 or 0."""
    runs = []
    for i in indices:
        if runs:
            start, step, length = runs[-1]
            last = start + step * (length - 1)
            if length == 1 and i - last in (1, -1, 0):
                runs[-1] = (start, i - last, 2)
                continue
            if length > 1 and i - last == step:
                runs[-1] = (start, step, length + 1)
                continue
        runs.append((i, 0, 1))
    return runs


def _take_static(a, axis, indices):
    """a's elements at the static `indices` along `axis`: slices of runs of neighbours
    (a repeated index broadcast) joined by one concatenation."""
    pieces = []
    for start, step, length in _runs(indices):
        key = [slice(None)] * a.ndim
        if step == 0:
            key[axis] = slice(start, start + 1)
            shape = list(a.shape)
            shape[axis] = length
            pieces.append(ndarray(a[tuple(key)]._native_array.broadcast_to(shape)))
            continue
        stop = start + step * length
        key[axis] = slice(start, None if stop < 0 else stop, step)
        pieces.append(a[tuple(key)])
    return pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=axis)


@_eager_when_small(_np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    """NumPy's ``pad`` for the modes that are rearrangements (constant with a scalar
    value, edge, wrap, reflect, symmetric), lazily: slices of the array and broadcast
    constants, joined; other modes and options are computed by NumPy."""
    a = asarray(array)
    simple_constant = mode == "constant" and set(kwargs) <= {"constant_values"} \
        and _np.ndim(kwargs.get("constant_values", 0)) == 0
    if not (simple_constant or (mode in _PAD_SOURCES and not kwargs)):
        return _by_numpy(_np.pad, a, pad_width, mode, **kwargs)
    widths = _np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise TypeError("`pad_width` must be of integral type.")
    widths = _np.broadcast_to(widths, (a.ndim, 2)).tolist()
    if any(w < 0 for pair in widths for w in pair):
        raise ValueError("index can't contain negative values")
    out = a
    for axis, (before, after) in enumerate(widths):
        if before == 0 and after == 0:
            continue
        n = out.shape[axis]
        if mode == "constant":
            value = asarray(_np.asarray(kwargs.get("constant_values", 0)).astype(a.dtype))
            pieces = []
            for width in (before, None, after):
                if width is None:
                    pieces.append(out)
                elif width:
                    shape = list(out.shape)
                    shape[axis] = width
                    pieces.append(ndarray(value._native_array.broadcast_to(shape)))
            out = concatenate(pieces, axis=axis)
            continue
        if n == 0:
            return _by_numpy(_np.pad, a, pad_width, mode)  # NumPy's error
        source = _PAD_SOURCES[mode]
        out = _take_static(out, axis, [source(p, n) for p in range(-before, n + after)])
    return _fresh(out) if out is a else out


@_eager_when_small(_np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    """NumPy's ``ptp``: max - min."""
    if out is not None:
        return _by_numpy(_np.ptp, a, axis=axis, out=out, keepdims=keepdims)
    a = asarray(a)
    return a.max(axis=axis, keepdims=keepdims) - a.min(axis=axis, keepdims=keepdims)


@_eager_when_small(_np.count_nonzero)
def count_nonzero(a, axis=None, *, keepdims=False):
    """NumPy's ``count_nonzero`` (int64)."""
    a = asarray(a)
    return (a != 0).sum(axis=axis, keepdims=keepdims).astype("int64")


@_eager_when_small(_np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """NumPy's ``average`` (weights of a's shape or 1-d along one axis); the weight
    sum is not checked for zero here (NumPy raises ZeroDivisionError: that needs the
    value, so such weights are checked by NumPy when ``returned`` asks for the sum)."""
    if returned:
        return _by_numpy(_np.average, a, axis=axis, weights=weights, returned=True,
                         keepdims=keepdims)
    a = asarray(a)
    if weights is None:
        return a.mean(axis=axis, keepdims=keepdims)
    w = asarray(weights)
    if w.shape != a.shape:
        if axis is None or w.ndim != 1 or isinstance(axis, tuple):
            return _by_numpy(_np.average, a, axis=axis, weights=weights, keepdims=keepdims)
        ax = _normalize_axis_index(_index(axis), a.ndim)
        if w.shape[0] != a.shape[ax]:
            raise ValueError("Length of weights not compatible with specified axis.")
        shape = [1] * a.ndim
        shape[ax] = w.shape[0]
        w = w.reshape(shape)
    # NumPy's dtype: the promotion of a and the weights, float64 for integers.
    dtype = _np.result_type(a.dtype, w.dtype)
    dtype = dtype if dtype.kind == "f" else _np.dtype("float64")
    a, w = a.astype(dtype), ndarray(w.astype(dtype)._native_array.broadcast_to(list(a.shape)))
    return (a * w).sum(axis=axis, keepdims=keepdims) / w.sum(axis=axis, keepdims=keepdims)


def _nan_reduce(numpy_function, method, fill, a, axis, dtype, out, keepdims):
    """A reduction of a with its NaNs replaced by `fill` (the reduction's identity)."""
    if out is not None:
        return _by_numpy(numpy_function, a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
    a = asarray(a)
    if a.dtype.kind == "f":
        a = where(a != a, _np.asarray(fill, a.dtype), a)
    return getattr(a, method)(axis=axis, dtype=dtype, keepdims=keepdims)


@_eager_when_small(_np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False):
    """NumPy's ``nansum``: NaNs count as zero."""
    return _nan_reduce(_np.nansum, "sum", 0, a, axis, dtype, out, keepdims)


@_eager_when_small(_np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False):
    """NumPy's ``nanprod``: NaNs count as one."""
    return _nan_reduce(_np.nanprod, "prod", 1, a, axis, dtype, out, keepdims)


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """NumPy's ``apply_along_axis``: func1d of every 1-d lane of arr along axis, its
    results placed where the lane's axis was. Lazily where func1d can be traced: traced
    once on one lane and batched over all of them (``vmap``: one program, no Python
    loop, so func1d's Python side effects happen once). Where it needs the lanes' values
    (Python control flow on them, functions only NumPy has), NumPy's loop (a fallback)."""
    from ._functions import moveaxis
    from ._transforms import vmap
    from .errors import LazyfuseError
    arr = asarray(arr)
    axis = _normalize_axis_index(_index(axis), arr.ndim)
    outer = arr.shape[:axis] + arr.shape[axis + 1:]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    lanes = moveaxis(arr, axis, -1).reshape((int(_np.prod(outer)), arr.shape[axis]))
    try:
        out = asarray(vmap(lambda lane: func1d(lane, *args, **kwargs))(lanes))
    except LazyfuseError:
        return _by_numpy(_np.apply_along_axis, func1d, axis, arr, *args, **kwargs)
    inner = out.ndim - 1
    out = out.reshape(outer + out.shape[1:])
    # The result's own axes (last) move to where the lane's axis was.
    n = len(outer)
    return out.transpose(tuple(range(axis)) + tuple(range(n, n + inner)) + tuple(range(axis, n)))
