"""``lazyfuse.numpy.fft``: NumPy's fft module lazily. Each one-dimensional transform is
the IR's ``fft``/``ifft``/``rfft``/``irfft`` op along an axis (a library kernel:
rustfft and realfft, in the operand's precision as NumPy's pocketfft computes; the
``norm`` factor applied to each part of each result inside it, as NumPy's). The n-d
transforms, ``hfft`` and ``ihfft`` are compositions of those, in NumPy's order.
Operands are cropped or zero-padded to ``n`` lazily. A small array in memory is
transformed by NumPy at once (its bits). ``fftshift``/``ifftshift`` are rolls;
``fftfreq`` and ``rfftfreq`` take the Array API's ``dtype=`` and ``device=``."""

import operator as _operator
import warnings as _warnings

import numpy as _np

from ._core import _from_numpy, _small, asarray, ndarray
from ._creation import zeros
from ._functions import concatenate
from ._manipulation import roll
from ._fallback import numpy_function as _numpy_function

_normalize_axis_index = _np.lib.array_utils.normalize_axis_index
_NORMS = (None, "backward", "ortho", "forward")


def _scale(norm, forward):
    """The IR's scale name for NumPy's norm (inverse transforms swap the direction)."""
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or "forward".')
    if norm == "ortho":
        return "1/sqrt(n)"
    if norm in (None, "backward"):
        return "1" if forward else "1/n"
    return "1/n" if forward else "1"


def _fit(a, axis, n):
    """a cropped or zero-padded at the end of axis to n points."""
    have = a.shape[axis]
    if have == n:
        return a
    if have > n:
        index = [slice(None)] * a.ndim
        index[axis] = slice(0, n)
        return a[tuple(index)]
    shape = list(a.shape)
    shape[axis] = n - have
    return concatenate([a, zeros(shape, dtype=a.dtype)], axis=axis)


def _store(result, out):
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        raise ValueError("output array has wrong shape.")
    out[...] = result
    return out


def _transform(name, numpy_function, a, n, axis, norm, out):
    """One transform of a along axis: NumPy's checks, dtypes and n; lazily."""
    a = asarray(a)
    forward = name in ("fft", "rfft")
    scale = _scale(norm, forward)
    if a.ndim == 0:
        raise IndexError("tuple index out of range")
    axis = _normalize_axis_index(_operator.index(axis), a.ndim)
    if n is None:
        n = (a.shape[axis] - 1) * 2 if name == "irfft" else a.shape[axis]
    n = _operator.index(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    kind = a.dtype.kind
    if name == "rfft" and kind == "c":
        raise TypeError(f"rfft: complex input ({a.dtype}) has no real transform; use fft")
    half = a.dtype in (_np.float16, _np.float32, _np.complex64)
    float16 = a.dtype == _np.float16
    if float16 and scale != "1":
        # NumPy rounds a float16 operand's factor to float16: its result exactly.
        return _store(_from_numpy(numpy_function(_np.asarray(a), n, axis, norm)), out)
    view = _small(a)
    if view is not None:
        return _store(_from_numpy(numpy_function(view, n, axis, norm)), out)
    if name == "rfft":
        a = a.astype(_np.float32 if half else _np.float64)
    else:
        a = a.astype(_np.complex64 if half else _np.complex128)
    a = _fit(a, axis, n // 2 + 1 if name == "irfft" else n)
    result = ndarray(a._native_array.fft(name, axis, n, scale))
    if name == "irfft" and float16:
        result = result.astype(_np.float16)  # (NumPy's result dtype; computed in float32)
    return _store(result, out)


def fft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``fft``: the one-dimensional discrete Fourier transform along axis."""
    return _transform("fft", _np.fft.fft, a, n, axis, norm, out)


def ifft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``ifft``: the one-dimensional inverse transform along axis."""
    return _transform("ifft", _np.fft.ifft, a, n, axis, norm, out)


def rfft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``rfft``: the transform of real input, its n // 2 + 1 values."""
    return _transform("rfft", _np.fft.rfft, a, n, axis, norm, out)


def irfft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``irfft``: n real values (2 (m - 1) by default) from a Hermitian
    spectrum's first m values."""
    return _transform("irfft", _np.fft.irfft, a, n, axis, norm, out)


def _swap_direction(norm):
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or "forward".')
    return {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}[norm]


def hfft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``hfft``: the real transform of a Hermitian-symmetric signal given by its
    first half: ``irfft`` of the conjugate with the direction of norm swapped."""
    a = asarray(a)
    if n is None:
        n = (a.shape[_operator.index(axis)] - 1) * 2
    return _store(irfft(a.conj(), n, axis, _swap_direction(norm)), out)


def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``ihfft``: the conjugate of ``rfft`` with the direction of norm swapped."""
    return _store(rfft(a, n, axis, _swap_direction(norm)).conj(), out)


def _cook_nd_args(a, s, axes, invreal=False):
    """NumPy's lengths and axes of an n-d transform."""
    if s is None:
        shapeless = True
        s = list(a.shape) if axes is None else [a.shape[_operator.index(ax)] for ax in axes]
    else:
        shapeless = False
    s = list(s)
    if axes is None:
        if not shapeless:
            _warnings.warn(
                "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy 2.0). "
                "In a future version of NumPy, this will raise an error and `s[i]` will "
                "correspond to the size along the transformed axis specified by `axes[i]`. "
                "To retain current behaviour, pass a sequence [0, ..., k-1] to `axes` for "
                "an array of dimension k.", DeprecationWarning, stacklevel=4)
        axes = list(range(-len(s), 0))
    axes = list(axes)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless:
        s[-1] = (a.shape[axes[-1]] - 1) * 2
    s = [a.shape[ax] if length == -1 else length for length, ax in zip(s, axes)]
    return s, axes


def _raw_fftnd(function, a, s, axes, norm, out):
    a = asarray(a)
    s, axes = _cook_nd_args(a, s, axes)
    for length, axis in reversed(list(zip(s, axes))):
        a = function(a, n=length, axis=axis, norm=norm)
    return _store(a, out)


def fftn(a, s=None, axes=None, norm=None, out=None):
    """NumPy's ``fftn``: one-dimensional transforms along each axis, the last first."""
    return _raw_fftnd(fft, a, s, axes, norm, out)


def ifftn(a, s=None, axes=None, norm=None, out=None):
    """NumPy's ``ifftn``: inverse transforms along each axis, the last first."""
    return _raw_fftnd(ifft, a, s, axes, norm, out)


def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """NumPy's ``fft2``: ``fftn`` over the last two axes."""
    return _raw_fftnd(fft, a, s, axes, norm, out)


def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """NumPy's ``ifft2``: ``ifftn`` over the last two axes."""
    return _raw_fftnd(ifft, a, s, axes, norm, out)


def rfftn(a, s=None, axes=None, norm=None, out=None):
    """NumPy's ``rfftn``: ``rfft`` along the last axis, then ``fft`` along the others."""
    a = asarray(a)
    s, axes = _cook_nd_args(a, s, axes)
    a = rfft(a, s[-1], axes[-1], norm)
    for length, axis in reversed(list(zip(s[:-1], axes[:-1]))):
        a = fft(a, length, axis, norm)
    return _store(a, out)


def irfftn(a, s=None, axes=None, norm=None, out=None):
    """NumPy's ``irfftn``: ``ifft`` along all axes but the last, then ``irfft``."""
    a = asarray(a)
    s, axes = _cook_nd_args(a, s, axes, invreal=True)
    for length, axis in zip(s[:-1], axes[:-1]):
        a = ifft(a, length, axis, norm)
    return _store(irfft(a, s[-1], axes[-1], norm), out)


def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """NumPy's ``rfft2``: ``rfftn`` over the last two axes."""
    return rfftn(a, s, axes, norm, out)


def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """NumPy's ``irfft2``: ``irfftn`` over the last two axes."""
    return irfftn(a, s, axes, norm, out)


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
    """Any other name is NumPy's fft module's (a fallback returning lazy arrays)."""
    try:
        value = getattr(_np.fft, name)
        if callable(value) and not isinstance(value, type):
            return _numpy_function(value)
        return value
    except AttributeError:
        raise AttributeError(f"module 'lazyfuse.numpy.fft' has no attribute {name!r}") from None
