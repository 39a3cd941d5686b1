"""Conversions to lazy arrays: ``asarray`` (NumPy's memory shared), ``array`` and
``copy`` (new memory), and the unpickling of a pickled lazy array."""

import numpy as _np

from . import _core
from ._core import _DTYPE_CHARS, _SUPPORTED_DTYPES, _from_numpy, ndarray
from ._order import _check_order, _in_layout
from .errors import DTypeError


def _unpickle(values):
    """A lazy array over unpickled NumPy values (see ndarray.__reduce__)."""
    return asarray(values)


def asarray(x, dtype=None, order=None, *, device=None, copy=None):
    """A lazy array of x (a lazy array, NumPy array, scalar or nested sequence). A
    NumPy array's memory is shared, as NumPy's ``asarray`` shares it: writes through
    either are seen by both. ``copy=True`` always copies; ``copy=False`` raises
    ValueError where a copy would be needed (a dtype change, a Python sequence)."""
    if device is not None and device != "cpu":
        raise ValueError(f"asarray: unsupported device {device!r} (lazyfuse has 'cpu')")
    if copy:
        return array(x, dtype, order=order)
    if copy is False:
        shared = isinstance(x, (ndarray, _np.ndarray)) and (dtype is None or _np.dtype(dtype) == x.dtype)
        if not shared:
            raise ValueError("asarray: a copy is needed (copy=False was given)")
    if isinstance(x, ndarray):
        out = x if dtype is None or _np.dtype(dtype) == x.dtype else x.astype(dtype)
        return out if order is None else _in_layout(out, order)
    # A Python sequence or scalar converts straight to the dtype asked for, as NumPy
    # converts it (exact for integers past 2**63, which an inferred float64 is not).
    arr = _np.asarray(x) if dtype is None or isinstance(x, _np.ndarray) else _np.asarray(x, dtype)
    if arr.dtype.char not in _DTYPE_CHARS:  # (dtype.name is Python code: errors only)
        raise DTypeError(f"lazyfuse does not support dtype {arr.dtype.name} ({', '.join(_SUPPORTED_DTYPES)})")
    out = _from_numpy(arr)  # shares arr's memory; its NumPy view is arr
    out = out if dtype is None or _np.dtype(dtype) == arr.dtype else out.astype(dtype)
    return out if order is None else _in_layout(out, order)


def array(x, dtype=None, copy=True, order="K", subok=False, ndmin=0):
    """A new array with x's values (no memory shared unless ``copy=False``), laid out
    in `order`, with at least `ndmin` dimensions (ones prepended)."""
    order = _check_order(order, default="K")
    if not copy:
        out = asarray(x, dtype, order=order)
    elif isinstance(x, ndarray):
        out = x.copy(order) if dtype is None else x.astype(dtype, order=order)
    else:
        x = _core._evaluate_nested(x)  # (_dispatch's, which imports this module's asarray)
        if dtype is None or isinstance(x, _np.ndarray):
            out = asarray(_np.array(x, copy=True, order=order), dtype)
        else:
            out = asarray(_np.array(x, dtype=dtype, copy=True, order=order))
    if out.ndim < ndmin:
        out = out.reshape((1,) * (ndmin - out.ndim) + out.shape)
    return out


def copy(a, order="K", subok=False):
    return asarray(a).copy(order) if isinstance(a, ndarray) else array(a, order=order)
