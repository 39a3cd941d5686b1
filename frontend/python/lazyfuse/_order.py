"""The memory order of elementwise results: Fortran order when every operand of the
result's shape is in Fortran order, as NumPy's K order gives it, else C order."""

import builtins as _builtins

import numpy as _np

from ._base import replay_numpy, stand_in
from ._core import ndarray


def _elementwise(native, *operands):
    """The lazy array of an elementwise result, in the memory order NumPy's K order
    would give it: Fortran order when every operand of the result's shape is in
    Fortran order (broadcast operands and scalars do not count), else C order."""
    out = ndarray(native)
    for x in operands:
        if _maybe_fortran(x):
            out._base.order = _result_order(tuple(native.shape), operands)
            break
    return out


def _maybe_fortran(x):
    """Whether operand x may be laid out in Fortran order (a cheap first look)."""
    if type(x) is ndarray:
        base = x._base
        if base.buffer is None:
            return bool(x._chain) or base.order == "F"
        view = x._np
        if view is None:
            view = x._numpy_view()
        return not view.flags.c_contiguous
    return type(x) is _np.ndarray and not x.flags.c_contiguous


def _order_vote(x, shape):
    """"C", "F" or None: how operand x orders an elementwise result of `shape`."""
    if type(x) is ndarray:
        if x.shape != shape:
            return None  # broadcast: no say
        base = x._base
        if base.buffer is None and not x._chain:
            view = stand_in(base)
        elif base.buffer is None:
            view = replay_numpy(stand_in(base), x._chain)
        else:
            view = x._numpy_view()
    elif type(x) is _np.ndarray:
        if x.shape != shape:
            return None
        view = x
    else:
        return None
    c, f = view.flags.c_contiguous, view.flags.f_contiguous
    if c != f:
        return "C" if c else "F"
    if c:
        return None  # both (one long axis): no say
    strides = [_builtins.abs(st) for st, n in zip(view.strides, view.shape) if n > 1]
    return "F" if strides == sorted(strides) and strides != sorted(strides, reverse=True) else "C"


def _result_order(shape, operands):
    if len(shape) < 2:
        return "C"
    votes = [v for v in (_order_vote(x, shape) for x in operands) if v is not None]
    return "F" if votes and _builtins.all(v == "F" for v in votes) else "C"
