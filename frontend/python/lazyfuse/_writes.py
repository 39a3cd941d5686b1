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
