"""``import lazyfuse.numpy as np``: NumPy's names over lazy arrays."""

import sys as _sys
import types as _types

import numpy as _np

from ._core import *  # noqa: F401,F403 - every public name of _core is a NumPy name
from ._fallback import numpy_function as _numpy_function
from ._ufunc import ufunc  # noqa: F401 - the class of add, exp, ... (NumPy's methods)
from . import _fft as fft  # noqa: F401 - the transforms lazily (rustfft)
from . import _random as random  # noqa: F401 - counter-based, drawn inside kernels
from . import _linalg as linalg  # noqa: F401 - LAPACK routines and norms lazily, NumPy's rest
from ._array_api import (__array_api_version__, __array_namespace_info__,  # noqa: F401
                         can_cast, concat, finfo, from_dlpack, iinfo, matrix_transpose,
                         permute_dims, result_type, unstack, vecdot)

# `import lazyfuse.numpy.random` and `from lazyfuse.numpy.fft import ...` find them.
_sys.modules[__name__ + ".fft"] = fft
_sys.modules[__name__ + ".random"] = random
_sys.modules[__name__ + ".linalg"] = linalg

pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
newaxis = None
float64 = _np.float64
float32 = _np.float32
float16 = _np.float16
complex128 = _np.complex128
complex64 = _np.complex64
int64 = _np.int64
int32 = _np.int32
int16 = _np.int16
int8 = _np.int8
uint64 = _np.uint64
uint32 = _np.uint32
uint16 = _np.uint16
uint8 = _np.uint8
bool_ = _np.bool_
dtype = _np.dtype


def __getattr__(name):
    """A NumPy name lazyfuse does not provide (yet) is NumPy's own: its functions take
    lazy arrays through ``__array_function__`` (computed by NumPy on the evaluated
    values, functions that write their argument writing the lazy array in place) and
    return lazy arrays over NumPy's results (a fallback: ``LAZYFUSE_WARN_FALLBACK=1``
    warns, ``lazyfuse.explain`` lists it); its submodules, classes, ufuncs and
    constants are NumPy's."""
    try:
        value = getattr(_np, name)
    except AttributeError:
        raise AttributeError(f"module 'lazyfuse.numpy' has no attribute {name!r}") from None
    if isinstance(value, (_types.FunctionType, type(_np.cumsum))):
        if name not in _WRAPPED:
            _WRAPPED[name] = _numpy_function(value)
        return _WRAPPED[name]
    return value


# NumPy's functions as lazyfuse.numpy gives them, made once per name.
_WRAPPED = {}
