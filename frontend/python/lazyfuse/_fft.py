"""``lazyfuse.numpy.fft``: NumPy's fft module (its functions take lazy arrays through
``__array_function__``), with the Array API's keywords on the frequency helpers:
``fftfreq`` and ``rfftfreq`` take ``dtype=`` (a real floating dtype; NumPy gives float64
only) and ``device=``."""

import numpy as _np

from ._core import asarray


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


def __getattr__(name):
    """Every other name is NumPy's fft module's."""
    try:
        return getattr(_np.fft, name)
    except AttributeError:
        raise AttributeError(f"module 'lazyfuse.numpy.fft' has no attribute {name!r}") from None
