"""``lazyfuse.numpy.fft``: NumPy's fft module (its transforms computed by NumPy on the
evaluated values and returned as lazy arrays), ``fftshift`` and ``ifftshift`` lazily
(rolls), and the Array API's keywords on the frequency helpers:
``fftfreq`` and ``rfftfreq`` take ``dtype=`` (a real floating dtype; NumPy gives float64
only) and ``device=``."""

import numpy as _np

from ._core import asarray, roll
from ._fallback import numpy_function as _numpy_function


def _frequencies(numpy_function, n, d, dtype, device):
    if device is not None and device != "cpu":
        raise ValueError(f"{numpy_function.__name__}: unsupported device {device!r} (lazyfuse has 'cpu')")
    if dtype is not None and _np.dtype(dtype).kind != "f":
        raise ValueError(f"{numpy_function.__name__}: dtype must be a real floating dtype, not {_np.dtype(dtype)}")
    return asarray(numpy_function(n, d), dtype=dtype)


def fftfreq(n, d=1.0, device=None, *, dtype=None):
    """The sample frequencies of an n-point DFT with sample spacing d."""
    return _frequencies(_np.fft.fftfreq, n, d, dtype, device)


def rfftfreq(n, d=1.0, device=None, *, dtype=None):
    """The sample frequencies of an n-point real DFT (n // 2 + 1 of them)."""
    return _frequencies(_np.fft.rfftfreq, n, d, dtype, device)


def _shift(x, axes, sign):
    x = asarray(x)
    if axes is None:
        axes = tuple(range(x.ndim))
        shift = [sign * (n // 2) for n in x.shape]
    elif isinstance(axes, (int, _np.integer)):
        shift = sign * (x.shape[axes] // 2)
    else:
        shift = [sign * (x.shape[a] // 2) for a in axes]
    return roll(x, shift, axes)


def fftshift(x, axes=None):
    """The zero frequency moved to the centre: a roll by half of each axis, lazily."""
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """The inverse of ``fftshift``: a roll back by half of each axis, lazily."""
    return _shift(x, axes, -1)


def __getattr__(name):
    """Every other name is NumPy's fft module's: its transforms return lazy arrays over
    NumPy's results (a fallback)."""
    try:
        value = getattr(_np.fft, name)
        if callable(value) and not isinstance(value, type):
            return _numpy_function(value)
        return value
    except AttributeError:
        raise AttributeError(f"module 'lazyfuse.numpy.fft' has no attribute {name!r}") from None
