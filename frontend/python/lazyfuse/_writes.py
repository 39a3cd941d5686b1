"""lazyfuse.numpy's writing functions (copyto, put, place, putmask) and memory
questions (shares_memory, may_share_memory), with NumPy's semantics on lazy arrays."""

import numpy as _np

from ._base import replay_numpy, stand_in
from ._core import _evaluate_nested, _writable, asarray, ndarray

def copyto(dst, src, casting="same_kind", where=True):
    """NumPy ``copyto``: src's values into dst, in place."""
    if not isinstance(dst, ndarray):
        return _np.copyto(dst, _evaluate_nested(src), casting=casting,
                          where=_evaluate_nested(where))
    src = _evaluate_nested(src)
    where = _evaluate_nested(where)
    _np.copyto(_writable(dst), src, casting=casting, where=where)


def put(a, ind, v, mode="raise"):
    ind, v = _evaluate_nested(ind), _evaluate_nested(v)
    if not isinstance(a, ndarray):
        return _np.put(a, ind, v, mode=mode)
    _writable(a).put(ind, v, mode=mode)


def place(arr, mask, vals):
    mask, vals = _evaluate_nested(mask), _evaluate_nested(vals)
    if not isinstance(arr, ndarray):
        return _np.place(arr, mask, vals)
    _np.place(_writable(arr), mask, vals)


def putmask(a, mask, values):
    mask, values = _evaluate_nested(mask), _evaluate_nested(values)
    if not isinstance(a, ndarray):
        return _np.putmask(a, mask, values)
    _np.putmask(_writable(a), mask, values)


def _memories(a, b):
    """NumPy arrays standing for the memory of a and b (a lazy array: its view of its
    base's buffer, or of one stand-in per pending base); None when they cannot share
    (different pending bases, or a pending base and other memory)."""
    pending = [x._base for x in (a, b) if isinstance(x, ndarray) and x._base.buffer is None]
    if pending and (len(pending) == 1 or pending[0] is not pending[1]):
        return None
    fake = stand_in(pending[0]) if pending else None
    out = []
    for x in (a, b):
        if not isinstance(x, ndarray):
            out.append(_np.asarray(x))
        elif x._base.buffer is not None:
            out.append(x._numpy_view())
        else:
            out.append(replay_numpy(fake, x._chain))
    return out


def shares_memory(a, b, max_work=None):
    memories = _memories(a, b)
    return memories is not None and bool(_np.shares_memory(*memories, max_work=max_work))


def may_share_memory(a, b, max_work=None):
    memories = _memories(a, b)
    return memories is not None and bool(_np.may_share_memory(*memories, max_work=max_work))


def put_along_axis(arr, indices, values, axis):
    """NumPy ``put_along_axis``: values written into arr at indices along an axis, as
    the indexed assignment NumPy makes of it (lazily: a write of arr's base at the
    positions of the concrete indices; functional inside traced functions). axis=None
    (a write through ``arr.flat``) is NumPy's."""
    if not isinstance(arr, ndarray) or axis is None:
        if isinstance(arr, ndarray):
            return _np.put_along_axis(_writable(arr), _evaluate_nested(indices),
                                      _evaluate_nested(values), axis)
        return _np.put_along_axis(arr, _evaluate_nested(indices), _evaluate_nested(values),
                                  axis)
    axis = _np.lib.array_utils.normalize_axis_index(axis, arr.ndim)
    arr[_along_axis_key(arr.shape, asarray(indices), axis)] = values


def _along_axis_key(shape, indices, axis):
    """NumPy's fancy key selecting `indices` along `axis` and every position of the
    other axes (broadcast against the indices), with its checks."""
    if indices.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    if indices.ndim != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    key = []
    for dim, n in enumerate(shape):
        if dim == axis:
            key.append(indices)
        else:
            grid = [1] * len(shape)
            grid[dim] = n
            key.append(_np.arange(n).reshape(grid))
    return tuple(key)


def fill_diagonal(a, val, wrap=False):
    """NumPy ``fill_diagonal``: val (repeated as NumPy's ``a.flat`` assignment repeats
    it) written on a's main diagonal, in place (lazily: an indexed write of a's base at
    the diagonal's positions). ``wrap`` continues a tall matrix's diagonal every
    ``ncols + 1`` rows, as NumPy's does."""
    if not isinstance(a, ndarray):
        return _np.fill_diagonal(a, _evaluate_nested(val), wrap)
    if a.ndim < 2:
        raise ValueError("array must be at least 2-d")
    end = None
    if a.ndim == 2:
        step = a.shape[1] + 1
        if not wrap:
            end = a.shape[1] * a.shape[1]
    else:
        if any(n != a.shape[0] for n in a.shape):
            raise ValueError("All dimensions of input must be of equal length")
        step = 1 + int(_np.cumprod(a.shape[:-1]).sum())
    positions = _np.arange(a.size)[:end:step]
    values = asarray(val)
    if values.size == 0:  # NumPy's flat assignment of nothing writes nothing
        return
    if values.ndim:
        from ._shaping import resize
        values = resize(values.ravel(), positions.size) if positions.size else values.ravel()[:0]
    a[_np.unravel_index(positions, a.shape)] = values
