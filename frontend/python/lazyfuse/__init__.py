"""lazyfuse: a lazy array compiler with a NumPy-like API.

``import lazyfuse.numpy as np`` in existing NumPy code: operations build a lazy graph;
when a value is needed the graph is optimised (equality saturation), fused into few
kernels and compiled by LLVM for this CPU, with compiled kernels cached.
"""

from . import _base, _native
from .errors import (LazyfuseError, ShapeError, DTypeError, AxisError, ScalarOverflowError,
                     IndexingError, InvalidArgumentError, LinAlgError, BindingError, ConcretizationError,
                     ParseError, OutOfMemoryError, CompileError, DeviceError, InternalError)
from ._core import ndarray, asarray, array, _set_eager_limit as set_eager_limit
from ._jit import jit, explain, visualize, Explanation
from ._cuda import devices, Device
from ._export import export, Exported
from ._transforms import (grad, value_and_grad, vjp, jvp, jacrev, jacfwd, hessian,
                          stop_gradient, vmap, custom_vjp, custom_jvp)
from . import numpy

__all__ = ["ndarray", "asarray", "array", "eval", "from_dask", "jit", "devices", "Device", "export", "Exported", "explain", "visualize", "Explanation",
           "grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "stop_gradient", "vmap", "custom_vjp", "custom_jvp",
           "blas_info", "cache_info", "set_eager_limit", "numpy", "LazyfuseError", "ShapeError", "DTypeError", "AxisError",
           "ScalarOverflowError", "IndexingError", "InvalidArgumentError", "LinAlgError", "BindingError",
           "ConcretizationError", "ParseError", "OutOfMemoryError",
           "CompileError", "DeviceError", "InternalError"]


def eval(*arrays):
    """Evaluates several arrays as one program (shared work once): NumPy arrays, one per
    argument (a single array for a single argument). Each is the array's own memory, as
    ``np.asarray`` gives."""
    handles = [asarray(a) for a in arrays]
    pending = {}
    for h in handles:
        if h._base.buffer is None:
            pending.setdefault(id(h._base), h._base)
    bases = list(pending.values())
    if bases:
        _base.evaluate_bases(bases)
    out = [h._numpy_view() for h in handles]
    return out[0] if len(out) == 1 else tuple(out)


def from_dask(x):
    """A Dask array as a lazyfuse expression (``lazyfuse.dask.Array``): operations on it
    build a Dask graph running one fused lazyfuse program per block."""
    from .dask import from_dask as wrap
    return wrap(x)


def blas_info():
    """Which BLAS float matrix products call: ``"numpy"`` (NumPy's own OpenBLAS, found
    in the process) or ``"system"`` (the OpenBLAS lazyfuse links;
    ``LAZYFUSE_BLAS=system`` chooses it)."""
    return _native.blas()


def cache_info():
    """Kernel cache counters: ``{"compiles": ..., "hits": ..., "disk_hits": ...,
    "vector_math_compiles": ..., "vector_math_disk_hits": ..., "disk_cache": directory or
    None, "frame_calls": ...}``. ``vector_math_*`` count the symbols of the vector-math
    library (sin, cos and tan and their vector forms, shared by every kernel) compiled
    or loaded from the disk cache; ``frame_calls`` counts jitted calls on small arrays
    that ran through the call prepared at their first call."""
    return dict(_native.cache_info())
