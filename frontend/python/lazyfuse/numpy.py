"""``import lazyfuse.numpy as np``: NumPy's names over lazy arrays."""

import numpy as _np

from ._core import *  # noqa: F401,F403
from ._core import (  # noqa: F401
    UNARY as _UNARY, BINARY as _BINARY, ndarray, asarray, array, full, zeros, ones, empty,
    zeros_like, ones_like, empty_like, full_like, arange, linspace, eye, identity, where,
    clip, reshape, ravel, transpose, swapaxes, moveaxis, expand_dims, squeeze,
    broadcast_to, concatenate, stack, matmul, dot, outer, inner, sum, prod, max, min, amax,
    amin, mean, any, all, argmax, argmin, var, std, astype,
)
from . import _core

for _name in list(_UNARY) + list(_BINARY) + ["sigmoid", "erf"]:
    globals()[_name] = getattr(_core, _name)

pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
newaxis = None
float64 = _np.float64
float32 = _np.float32
int64 = _np.int64
int32 = _np.int32
bool_ = _np.bool_
dtype = _np.dtype
