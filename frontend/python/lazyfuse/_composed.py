"""Elementwise functions of NumPy that are compositions of IR ops (selects, arithmetic,
the vector math), built lazily as NumPy computes them (the same formulas and special
cases as NumPy's C loops: `npy_logaddexp`, `npy_hypot`'s special values, ...), so they
fuse with their neighbours. The ufuncs among them are ufunc objects (`_ufunc.py`); an
``out=``, ``where=`` or ``dtype=`` argument is computed by NumPy's ufunc."""

import math as _math
import warnings as _warnings

import numpy as _np

from ._core import _by_numpy, _ufunc_into, _unary, asarray, ndarray
from ._core import where as _where  # (the ufuncs' where= argument shadows the name)
from ._ufunc import binary, unary
from ._ufuncs import (absolute, arctan2, exp, floor_divide, isinf, isnan, isfinite, log1p,
                      maximum, minimum, power, remainder, sin, sqrt)

__all__ = [
    "deg2rad", "rad2deg", "radians", "degrees", "exp2", "logaddexp", "logaddexp2",
    "hypot", "heaviside", "float_power", "fmax", "fmin", "fabs",
    "sinc", "nan_to_num", "isclose", "allclose", "array_equal", "divmod", "angle", "real",
    "imag", "vectorize",
]


def _by_ufunc(name, args, out, where_, dtype):
    """Whether NumPy's ufunc computes the call (out=, where= or dtype= given)."""
    return out is not None or where_ is not True or dtype is not None


def _floats(*xs):
    """The operands in the float dtype NumPy's loop computes in: the first float loop
    every operand casts to safely (float16 for bools and 8-bit integers, float32 for
    16-bit ones, float64 beyond; int8 with uint8 is float16, not int16's float32)."""
    arrays = [asarray(x).dtype for x in xs if not _is_weak(x)]
    if not arrays:  # Python scalars only: NumPy's float64
        return [asarray(float(x)) for x in xs]
    # A Python scalar is weak (NEP 50): its type is what it makes with the arrays
    # (an int with int8 stays int8, a float with int8 is float64).
    kinds = arrays + [_np.result_type(*arrays, x) for x in xs if _is_weak(x)]
    dt = _np.result_type(*[_np.result_type(d, _np.float16) for d in kinds])
    xs = [asarray(_np.asarray(x, dt)) if _is_weak(x) else asarray(x) for x in xs]
    return [x if x.dtype == dt else x.astype(dt) for x in xs]


def _is_weak(x):
    """A Python bool, int or float (not a NumPy scalar): weak under NEP 50."""
    return type(x) in (bool, int, float)


def _in_dtype(numerator, denominator, dtype):
    """numerator / denominator computed in `dtype`, as NumPy's C constant is (for
    float32, 180.0F / NPY_PIf is not float32(180 / pi))."""
    return _np.asarray(numerator, dtype) / _np.asarray(denominator, dtype)


@unary
def deg2rad(x, /, out=None, *, where=True, dtype=None):
    """Degrees to radians: x times pi/180."""
    if _by_ufunc("deg2rad", (x,), out, where, dtype):
        return _ufunc_into("deg2rad", (x,), out, where, dtype)
    (x,) = _floats(x)
    return x * _in_dtype(_math.pi, 180.0, x.dtype)


@unary
def rad2deg(x, /, out=None, *, where=True, dtype=None):
    """Radians to degrees: x times 180/pi."""
    if _by_ufunc("rad2deg", (x,), out, where, dtype):
        return _ufunc_into("rad2deg", (x,), out, where, dtype)
    (x,) = _floats(x)
    return x * _in_dtype(180.0, _math.pi, x.dtype)


@unary
def radians(x, /, out=None, *, where=True, dtype=None):
    """Degrees to radians (NumPy's other name for deg2rad)."""
    if _by_ufunc("radians", (x,), out, where, dtype):
        return _ufunc_into("radians", (x,), out, where, dtype)
    return deg2rad(x)


@unary
def degrees(x, /, out=None, *, where=True, dtype=None):
    """Radians to degrees (NumPy's other name for rad2deg)."""
    if _by_ufunc("degrees", (x,), out, where, dtype):
        return _ufunc_into("degrees", (x,), out, where, dtype)
    return rad2deg(x)


@unary
def exp2(x, /, out=None, *, where=True, dtype=None):
    """2 ** x."""
    if _by_ufunc("exp2", (x,), out, where, dtype):
        return _ufunc_into("exp2", (x,), out, where, dtype)
    (x,) = _floats(x)
    return power(_np.asarray(2.0, x.dtype), x)


@binary
def logaddexp(x1, x2, /, out=None, *, where=True, dtype=None):
    """log(exp(x1) + exp(x2)) without overflow, as NumPy's npy_logaddexp."""
    if _by_ufunc("logaddexp", (x1, x2), out, where, dtype):
        return _ufunc_into("logaddexp", (x1, x2), out, where, dtype)
    x, y = _floats(x1, x2)
    d = x - y
    return _log_add(x, y, d, _math.log(2.0), lambda t: log1p(exp(t)))


@binary
def logaddexp2(x1, x2, /, out=None, *, where=True, dtype=None):
    """log2(2**x1 + 2**x2) without overflow, as NumPy's npy_logaddexp2."""
    if _by_ufunc("logaddexp2", (x1, x2), out, where, dtype):
        return _ufunc_into("logaddexp2", (x1, x2), out, where, dtype)
    x, y = _floats(x1, x2)
    d = x - y
    return _log_add(x, y, d, 1.0, lambda t: log1p(exp2(t)) * (1.0 / _math.log(2.0)))


def _log_add(x, y, d, equal_term, log1p_of):
    # x == y (infinities of one sign included): x + the log of 2, written as the mean of
    # x and y (the same value, without 2x's overflow) so that gradients split evenly at
    # a tie, as the derivative e^x / (e^x + e^y) = 1/2 says; else the larger plus the log
    # of one plus the smaller's share; NaN differences: x + y (NaN).
    larger = _where(d > 0, x + log1p_of(-d), y + log1p_of(d))
    tie = x * 0.5 + y * 0.5 + equal_term
    return _where(x == y, tie, _where(d == d, larger, x + y))


@binary
def hypot(x1, x2, /, out=None, *, where=True, dtype=None):
    """sqrt(x1**2 + x2**2) without overflow; an infinite side gives inf, even with NaN."""
    if _by_ufunc("hypot", (x1, x2), out, where, dtype):
        return _ufunc_into("hypot", (x1, x2), out, where, dtype)
    x, y = _floats(x1, x2)
    ax, ay = absolute(x), absolute(y)
    big, small = maximum(ax, ay), minimum(ax, ay)
    ratio = small / _where(big == 0, _np.ones((), big.dtype), big)
    r = big * sqrt(ratio * ratio + 1.0)
    return _where(isinf(x) | isinf(y), _np.asarray(_np.inf, big.dtype), r)


@binary
def heaviside(x1, x2, /, out=None, *, where=True, dtype=None):
    """0 below zero, 1 above, x2 at zero, NaN for NaN."""
    if _by_ufunc("heaviside", (x1, x2), out, where, dtype):
        return _ufunc_into("heaviside", (x1, x2), out, where, dtype)
    x, h = _floats(x1, x2)
    zero, one = _np.zeros((), x.dtype), _np.ones((), x.dtype)
    return _where(x < 0, zero, _where(x > 0, one, _where(x != x, x, h)))


@binary
def float_power(x1, x2, /, out=None, *, where=True, dtype=None):
    """x1 ** x2 in float64."""
    if _by_ufunc("float_power", (x1, x2), out, where, dtype):
        return _ufunc_into("float_power", (x1, x2), out, where, dtype)
    x, y = asarray(x1).astype("float64"), asarray(x2).astype("float64")
    return power(x, y)


def _nan_ignoring(name, keep_first, x1, x2, out, where_, dtype):
    """C's fmax/fmin: x1 where keep_first(x1, x2) holds or x2 is NaN, else x2 (so a NaN
    is ignored, and x1 is kept where they are equal); integers have no NaN."""
    if _by_ufunc(name, (x1, x2), out, where_, dtype):
        return _ufunc_into(name, (x1, x2), out, where_, dtype)
    x, y = asarray(x1), asarray(x2)
    if _np.result_type(x.dtype, y.dtype).kind != "f":
        return (maximum if name == "fmax" else minimum)(x, y)
    return _where((y != y) | keep_first(x, y), x, y)


@binary
def fmax(x1, x2, /, out=None, *, where=True, dtype=None):
    """The larger of x1 and x2, ignoring a NaN."""
    return _nan_ignoring("fmax", lambda x, y: x >= y, x1, x2, out, where, dtype)


@binary
def fmin(x1, x2, /, out=None, *, where=True, dtype=None):
    """The smaller of x1 and x2, ignoring a NaN."""
    return _nan_ignoring("fmin", lambda x, y: x <= y, x1, x2, out, where, dtype)


@unary
def fabs(x, /, out=None, *, where=True, dtype=None):
    """|x| as a float (NumPy's float loop for the dtype: float16 for bools and 8-bit
    integers, float32 for 16-bit ones, float64 beyond)."""
    if _by_ufunc("fabs", (x,), out, where, dtype):
        return _ufunc_into("fabs", (x,), out, where, dtype)
    (x,) = _floats(x)
    return absolute(x)


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0 (NumPy's formula: 0 replaced by 1e-20)."""
    (x,) = _floats(x)
    y = _where(x == 0, _np.asarray(1.0e-20, x.dtype), x) * _math.pi
    return sin(y) / y


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaN and infinities replaced by finite numbers (the dtype's extremes by default);
    other dtypes unchanged. With copy=False the array itself is written."""
    x = asarray(x)
    if x.dtype.kind != "f":
        return x.copy() if copy else x
    info = _np.finfo(x.dtype)
    fill = lambda v, default: _np.asarray(default if v is None else v).astype(x.dtype)  # noqa: E731
    result = _where(x != x, fill(nan, 0.0),
                   _where(x == _np.inf, fill(posinf, info.max),
                         _where(x == -_np.inf, fill(neginf, info.min), x)))
    if copy:
        return result
    x[...] = result
    return x


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """NumPy's ``isclose``: |a - b| <= atol + rtol |b| for finite b, or a == b."""
    x, y = asarray(a), asarray(b)
    ydt = _np.result_type(y.dtype, 1.0)
    y = y if y.dtype == ydt else y.astype(ydt)
    result = ((absolute(x - y) <= atol + rtol * absolute(y)) & isfinite(y)) | (x == y)
    if equal_nan:
        result = result | (isnan(x) & isnan(y))
    return result


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element is close (see isclose): a Python bool."""
    return bool(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all())


def array_equal(a1, a2, equal_nan=False):
    """Whether the arrays have one shape and equal elements: a Python bool."""
    try:
        x, y = asarray(a1), asarray(a2)
    except Exception:
        return False
    if x.shape != y.shape:
        return False
    same = x == y
    if equal_nan and x.dtype.kind == "f" and y.dtype.kind == "f":
        same = same | (isnan(x) & isnan(y))
    return bool(same.all())


def divmod(x1, x2, /, out=(None, None), *, where=True, dtype=None):  # noqa: A001 - NumPy's name
    """``(x1 // x2, x1 % x2)``: NumPy's floor division and remainder."""
    if out != (None, None) or where is not True or dtype is not None:
        return _by_numpy(_np.divmod, x1, x2, out=out, where=where, dtype=dtype)
    # NumPy warns once, naming divmod: the halves computed at once (small arrays, by
    # NumPy) have their two warnings merged; lazy halves carry a note that names their
    # warnings when they are evaluated.
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        parts = floor_divide(x1, x2), remainder(x1, x2)
    divide = "divide by zero encountered in "
    merged = False
    for w in caught:
        if str(w.message).startswith(divide):
            if not merged:
                _warnings.warn_explicit(divide + "divmod", w.category, w.filename, w.lineno)
            merged = True
        else:
            _warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for part in parts:
        if isinstance(part, ndarray):
            part._native_array.set_note("divmod")
    return parts


def angle(z, deg=False):
    """The angle of the complex argument, ``arctan2(z.imag, z.real)``: for real `z`
    ``arctan2(0, z)`` (pi for negative values and -0.0, as NumPy's)."""
    z = asarray(z)
    if z.dtype.kind == "c":
        a = arctan2(_unary("imag", z, None), _unary("real", z, None))
    else:
        a = arctan2(0, z)
    return a * (180.0 / _math.pi) if deg else a


def real(val):
    """The real part: the values themselves for real dtypes."""
    return asarray(val).real


def imag(val):
    """The imaginary part: zeros for real dtypes."""
    return asarray(val).imag


class vectorize:
    """NumPy's ``vectorize``. NumPy calls pyfunc on each element as a Python scalar, in
    a Python loop; where that is the same as calling it once on whole arrays, lazyfuse
    does so, as one fused expression computed at once: float64 arguments (Python floats
    are float64, so each operation rounds the same), a result of the broadcast shape in
    the dtype NumPy's own first call (on the first elements) gives, and finite values
    everywhere (where Python raises, on division by zero say, NumPy's loop runs and
    raises). Everything else (other dtypes, ``otypes``, ``excluded``, ``signature``,
    keyword arguments, functions that need the values or are not elementwise, arrays
    inside traced functions) is NumPy's loop on the evaluated arguments (a fallback)."""

    def __init__(self, pyfunc=_np._NoValue, otypes=None, doc=None, excluded=None,
                 cache=False, signature=None):
        self._settings = dict(otypes=otypes, doc=doc, excluded=excluded, cache=cache,
                              signature=signature)
        self.pyfunc = None if pyfunc is _np._NoValue else pyfunc
        if self.pyfunc is not None:
            self._numpy = _np.vectorize(pyfunc, **self._settings)
            self.__doc__ = self._numpy.__doc__
            self.__name__ = getattr(pyfunc, "__name__", "vectorized")

    def __call__(self, *args, **kwargs):
        if self.pyfunc is None:  # (the decorator form with arguments)
            return vectorize(args[0], **self._settings)
        plain = not self._settings["otypes"] and not self._settings["excluded"] \
            and self._settings["signature"] is None and not kwargs and args
        result = self._whole_arrays(args) if plain else None
        return result if result is not None else _by_numpy(self._numpy, *args, **kwargs)

    def _whole_arrays(self, args):
        """pyfunc of the whole arrays where that is NumPy's elementwise answer, else None."""
        from .errors import LazyfuseError
        arrays = [asarray(a) for a in args]
        if not all(a.dtype == _np.float64 for a in arrays):
            return None
        shape = _np.broadcast_shapes(*(a.shape for a in arrays))
        if 0 in shape:
            return None
        try:
            values = [a.numpy() for a in arrays]  # (inside a traced function: NumPy's loop)
            with _warnings.catch_warnings():
                _warnings.simplefilter("error")
                # NumPy's own first call, which sets its result's dtype.
                first = self.pyfunc(*(v.flat[0] for v in values))
                result = self.pyfunc(*arrays)
                if not isinstance(result, ndarray) or result.shape != shape or \
                        result.dtype != _np.asarray(first).dtype:
                    return None
                computed = result.numpy()
        except (LazyfuseError, TypeError, ValueError, ArithmeticError, AttributeError,
                Warning):
            return None
        if computed.dtype.kind in "fc" and not _np.isfinite(computed).all():
            return None
        return result
