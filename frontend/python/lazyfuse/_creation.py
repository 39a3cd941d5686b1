"""lazyfuse.numpy's array creation: full, zeros, ones, empty and their ``*_like``
forms, arange, linspace, eye, identity. Tiny arrays are made at once by NumPy (see
``_core._set_eager_limit``); others are lazy nodes (a broadcast constant, a ramp)."""

import builtins as _builtins
import math as _math
import numbers as _numbers
import operator as _operator

import numpy as _np

from . import _core, _native
from ._core import (_EAGER_SCALARS, _dtype_name, _eager_when_small, _from_numpy, _shape,
                    asarray, floor, ndarray)
from ._functions import broadcast_to, moveaxis, where
from ._order import _check_order, _laid_out, _layout_for
from .errors import InvalidArgumentError

def _check_device(device):
    """The Array API's ``device=`` argument: None or "cpu", lazyfuse's one device."""
    if device is not None and device != "cpu":
        raise ValueError(f"unsupported device {device!r} (lazyfuse has 'cpu')")


def full(shape, fill_value, dtype=None, order="C", *, device=None):
    _check_device(device)
    order = _check_order(order, creation=True)
    shape = _shape(shape)
    if _math.prod(shape) <= _core._EAGER_ELEMENTS and type(fill_value) in _EAGER_SCALARS:
        # Tiny: in memory at once (see _set_eager_limit); NumPy's dtype rules.
        _dtype_name(dtype)
        return _from_numpy(_np.full(shape, fill_value, dtype, order))
    if isinstance(fill_value, (ndarray, _np.ndarray, _np.generic)):
        fill = asarray(fill_value)
        out = broadcast_to(fill if dtype is None else fill.astype(dtype), tuple(_shape(shape)))
        return out.copy(order) if order == "F" else out
    return _laid_out(ndarray(_native.full(_shape(shape), fill_value, _dtype_name(dtype))), order)


def zeros(shape, dtype=None, order="C", *, device=None):
    _check_device(device)
    dtype = float if dtype is None else dtype
    if order == "C" and (type(shape) is int and shape <= _core._EAGER_ELEMENTS or type(shape) is tuple
                         and len(shape) == 2 and type(shape[0]) is int and type(shape[1]) is int
                         and shape[0] * shape[1] <= _core._EAGER_ELEMENTS):
        _dtype_name(dtype)  # the common tiny cases without full's checks
        return _from_numpy(_np.zeros(shape, dtype))
    return full(shape, 0, dtype, order)


def ones(shape, dtype=None, order="C", *, device=None):
    _check_device(device)
    return full(shape, 1, float if dtype is None else dtype, order)


def empty(shape, dtype=None, order="C", *, device=None):
    return zeros(shape, dtype, order, device=device)


def _like(a, dtype, order, shape):
    """(shape, dtype, order) of a ``*_like`` result: a's, unless given; order K and A
    keep a's layout (C or Fortran) when the shape has a's number of dimensions."""
    order = _check_order(order, default="K")
    out_shape = a.shape if shape is None else tuple(_shape(shape))
    if order in ("A", "K"):
        order = _layout_for(a, order) if len(out_shape) == a.ndim else "C"
    return out_shape, dtype or a.dtype, order


def zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    if type(a) is ndarray and dtype is None and shape is None and device is None and order == "K":
        view = a._np
        if view is not None and view.size <= _core._EAGER_ELEMENTS:
            return _from_numpy(_np.zeros_like(view))  # tiny: at once, in view's layout
    _check_device(device)
    a = asarray(a)
    return zeros(*_like(a, dtype, order, shape))


def ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    _check_device(device)
    a = asarray(a)
    return ones(*_like(a, dtype, order, shape))


def empty_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return zeros_like(a, dtype, order, shape=shape, device=device)


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    _check_device(device)
    a = asarray(a)
    shape, dtype, order = _like(a, dtype, order, shape)
    return full(shape, fill_value, dtype, order)


def arange(start, stop=None, step=1, dtype=None, *, device=None):
    """NumPy ``arange``, lazily, with NumPy's values: ``ceil((stop - start) / step)``
    values; the first is ``start`` and the next ``start + step``, both cast to the dtype,
    and value i is ``first + i * (second - first)`` computed in the dtype (so
    ``arange(0, 1, 0.1, dtype=int)`` is ten zeros, as in NumPy)."""
    if stop is None:
        start, stop = 0, start
    if type(start) is int and type(stop) is int and type(step) is int and dtype is None \
            and device is None and step and -((start - stop) // step) <= _core._EAGER_ELEMENTS:
        # Tiny, of Python ints (a loop's index range): at once, without the checks below.
        return _from_numpy(_np.arange(start, stop, step))
    _check_device(device)
    for v in (start, stop, step):
        if isinstance(v, ndarray) or not isinstance(v, (_numbers.Real, _np.number)):
            raise TypeError(f"arange: unsupported value {v!r} (integers or floats)")
    if dtype is None:
        integral = _builtins.all(
            isinstance(v, (int, _np.integer)) and not isinstance(v, bool) for v in (start, stop, step)
        )
        dtype = "int64" if integral else "float64"
    name = _dtype_name(dtype)
    if step == 0:
        raise ZeroDivisionError("division by zero")
    if _builtins.all(isinstance(v, (int, _np.integer)) for v in (start, stop, step)):
        start, stop, step = int(start), int(stop), int(step)
        length = -((start - stop) // step)  # exact ceil((stop - start) / step)
    else:
        quotient = (float(stop) - float(start)) / float(step)
        if not _np.isfinite(quotient):
            raise ValueError("arange: Maximum allowed size exceeded")
        length = _math.ceil(quotient)
    length = _builtins.max(length, 0)
    if length <= _core._EAGER_ELEMENTS:
        return _from_numpy(_np.arange(start, stop, step, dtype=name))  # tiny: at once
    dt = _np.dtype(name)
    with _np.errstate(all="ignore"):
        first = _np.array(start).astype(dt)
        second = _np.array(start + step).astype(dt) if length > 1 else first
        delta = second - first
        exact = (first + delta).tobytes() == second.tobytes()
    out = ndarray(_native.ramp(first.item(), delta.item(), length, name))
    if not exact:
        # NumPy stores its second value as cast, not as first + delta (float rounding).
        out = where(_ramp_index(length) == 1, asarray(second), out)
    return out


def _ramp_index(length):
    """0, 1, ..., length - 1 as int64."""
    return ndarray(_native.ramp(0, 1, length, "int64"))


@_eager_when_small(lambda start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0,
                   *, device=None:
                   _np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
                   if device in (None, "cpu") and _operator.index(num) <= _core._EAGER_ELEMENTS
                   and _np.ndim(start) == 0 and _np.ndim(stop) == 0 else None)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """NumPy ``linspace``: scalar or array ``start`` and ``stop`` (the samples along a
    new ``axis``), ``retstep`` giving ``(samples, step)`` too."""
    _check_device(device)
    num = _operator.index(num)
    if num < 0:
        raise InvalidArgumentError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    if _np.ndim(start) == 0 and _np.ndim(stop) == 0 and not isinstance(start, ndarray) \
            and not isinstance(stop, ndarray):
        step = _np.float64(stop - start) / div if div > 0 else _np.nan
        out = arange(0, num, 1, dtype="float64") * (float(step) if div > 0 else 0.0) + start
        if endpoint and num > 1:
            out = where(arange(0, num, 1, dtype="int64") == num - 1, float(stop), out)
    else:
        # Arrays: NumPy's steps, each sample start + i * step along a new first axis.
        start, stop = asarray(start) * 1.0, asarray(stop) * 1.0
        delta = stop - start
        ramp = arange(0, num, 1, dtype="float64").reshape((-1,) + (1,) * delta.ndim)
        step = delta / div if div > 0 else _np.nan
        out = ramp * (step if div > 0 else 0.0) + start
        if endpoint and num > 1:
            last = (arange(0, num, 1, dtype="int64") == num - 1).reshape(ramp.shape)
            out = where(last, stop, out)
        if axis != 0:
            out = moveaxis(out, 0, axis)
    if dtype is not None and _np.dtype(dtype).kind in "iu":
        out = floor(out)  # NumPy 2 floors before casting to an integer dtype
    out = out if dtype is None else out.astype(dtype)
    return (out, step) if retstep else out


def eye(N, M=None, k=0, dtype=float, order="C", *, device=None):
    _check_device(device)
    M = N if M is None else M
    N, M = _operator.index(N), _operator.index(M)
    if N < 0 or M < 0:
        raise ValueError("negative dimensions are not allowed")
    rows = arange(0, N, 1, dtype="int64").reshape(N, 1)
    cols = arange(0, M, 1, dtype="int64").reshape(1, M)
    return (cols - rows == k).astype(dtype)


def identity(n, dtype=float):
    return eye(n, dtype=dtype)
