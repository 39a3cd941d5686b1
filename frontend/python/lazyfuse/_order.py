"""Memory order: of elementwise results (Fortran order when every operand of the
result's shape is in Fortran order, as NumPy's K order gives it, else C order), and
NumPy's ``order=`` arguments of ravel, flatten, copy, astype, array and creation."""

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


# --- `order=` arguments (ravel, flatten, copy, astype, array, creation) --------------

_ORDERS = ("C", "F", "A", "K")


def _check_order(order, default="C", creation=False):
    """NumPy's order argument as "C", "F", "A" or "K" (None: `default`; lower case
    accepted), with NumPy's ValueError for anything else; creation functions take only
    C and F."""
    if order is None:
        return default
    o = order.upper() if isinstance(order, str) else order
    if o not in _ORDERS:
        raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
    if creation and o not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    return o


def _fortran_only(x):
    """Whether lazy array x is laid out in Fortran order and not also in C order."""
    if x.ndim < 2:
        return False
    flags = x._layout_probe().flags
    return flags.f_contiguous and not flags.c_contiguous


def _layout_for(x, order):
    """The layout ("C" or "F") NumPy gives a copy of x made with `order` (A and K: x's
    own when it is in Fortran order; lazyfuse lays arrays out in C or F order only)."""
    if order in ("A", "K"):
        return "F" if _fortran_only(x) else "C"
    return order


def _laid_out(out, layout):
    """`out`, a new lazy array (its own base), laid out in `layout` when materialised."""
    if out.ndim >= 2 and out._base.buffer is None:
        out._base.order = layout
    return out


def _raveled(x, order):
    """x.ravel(order): the elements in C, Fortran (F; A for an array in Fortran
    order) or memory order (K: axes by decreasing stride), a view where NumPy gives
    one (the reordered array is C-contiguous), else a copy."""
    order = _check_order(order)
    if order in ("A", "K"):
        if _fortran_only(x):
            order = "F"
        elif order == "A" or x.ndim < 2:
            order = "C"
        else:
            strides = x._layout_probe().strides
            perm = sorted(range(x.ndim), key=lambda k: -_builtins.abs(strides[k]))
            return x.transpose(perm)._ravel_c()
    if order == "F":
        return x.transpose()._ravel_c()
    return x._ravel_c()


def _in_layout(x, order):
    """x, or a copy of it where `order` (C or F; A, K and None take any) asks for a
    layout x does not have (asarray's order argument)."""
    order = _check_order(order, default="K")
    if order in ("A", "K") or x.ndim == 0:
        return x
    flags = x._layout_probe().flags
    keeps = flags.c_contiguous if order == "C" else flags.f_contiguous
    return x if keeps else x.copy(order)
