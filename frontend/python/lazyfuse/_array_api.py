"""The Array API standard's namespace-level names that describe lazyfuse itself (its
devices, dtypes and capabilities) rather than computing: ``__array_namespace_info__``,
``from_dlpack``."""

from __future__ import annotations

import numpy as _np

from ._core import _SUPPORTED_DTYPES, asarray, ndarray

__array_api_version__ = "2024.12"

_KINDS = {
    "bool": ("bool",),
    "signed integer": ("int8", "int16", "int32", "int64"),
    "unsigned integer": ("uint8", "uint16", "uint32", "uint64"),
    "integral": ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"),
    "real floating": ("float32", "float64"),
    "complex floating": ("complex64", "complex128"),
    "numeric": ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float32", "float64", "complex64", "complex128"),
}


class Info:
    """What ``__array_namespace_info__()`` returns: lazyfuse's devices, dtypes and
    capabilities, as the Array API standard (2024.12) describes them."""

    def capabilities(self):
        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": 64}

    def default_device(self):
        return "cpu"

    def devices(self):
        return ["cpu"]

    def default_dtypes(self, *, device=None):
        self._check(device)
        return {"real floating": _np.dtype("float64"), "complex floating": _np.dtype("complex128"),
                "integral": _np.dtype("int64"), "indexing": _np.dtype("int64")}

    def dtypes(self, *, device=None, kind=None):
        self._check(device)
        if kind is None:
            # The standard's dtypes (float16 is lazyfuse's and NumPy's, not the standard's).
            names = [n for n in _SUPPORTED_DTYPES if n != "float16"]
        else:
            kinds = kind if isinstance(kind, tuple) else (kind,)
            names = []
            for k in kinds:
                if isinstance(k, str):
                    if k not in _KINDS:
                        raise ValueError(f"dtypes: unknown kind {k!r}")
                    names += [n for n in _KINDS[k] if n not in names]
                else:
                    name = _np.dtype(k).name
                    if name in _SUPPORTED_DTYPES and name not in names:
                        names.append(name)
        return {n: _np.dtype(n) for n in names}

    @staticmethod
    def _check(device):
        if device not in (None, "cpu"):
            raise ValueError(f"unsupported device {device!r} (lazyfuse has 'cpu')")


def __array_namespace_info__():
    """lazyfuse's devices, dtypes and capabilities (the Array API's inspection API)."""
    return Info()


def from_dlpack(x, /, *, device=None, copy=None):
    """A lazy array over the memory of any DLPack exporter (shared, as NumPy's
    ``from_dlpack`` shares it, unless `copy`)."""
    if device not in (None, "cpu"):
        raise ValueError(f"from_dlpack: unsupported device {device!r} (lazyfuse has 'cpu')")
    return asarray(_np.from_dlpack(x, copy=copy))


# --- The standard's function names that NumPy 1 spelled differently, over the lazy
# functions (NumPy 2 has them too; these keep them lazy and fusing). -----------------

def concat(arrays, /, *, axis=0):
    """Joins arrays along an existing axis (``axis=None``: flattened first)."""
    from ._core import concatenate
    if axis is None:
        return concatenate([asarray(a).reshape(-1) for a in arrays], axis=0)
    return concatenate(arrays, axis=axis)


def permute_dims(x, /, axes):
    """The axes of `x` permuted (a view): ``transpose``."""
    return asarray(x).transpose(axes)


def matrix_transpose(x, /):
    """The transpose of the last two axes (a view)."""
    return asarray(x).mT


def vecdot(x1, x2, /, *, axis=-1):
    """The dot product of vectors along `axis` (broadcasting the others), in the
    operands' promoted dtype as NumPy's ``vecdot`` (integers are not widened)."""
    from ._core import conjugate
    x1, x2 = asarray(x1), asarray(x2)
    dtype = _np.result_type(x1.dtype, x2.dtype)
    if x1.shape[axis] != x2.shape[axis]:
        raise ValueError(f"vecdot: shapes {x1.shape} and {x2.shape} differ along axis {axis}")
    product = conjugate(x1) * x2
    return product.sum(axis=axis).astype(dtype, copy=False)


def unstack(x, /, *, axis=0):
    """The views of `x` along `axis`, as a tuple."""
    from ._core import moveaxis
    moved = moveaxis(asarray(x), axis, 0)
    return tuple(moved[i] for i in range(moved.shape[0]))


def _dtype_of(x):
    """A lazy array's dtype (so NumPy's dtype functions never evaluate it)."""
    from ._core import ndarray
    return x.dtype if isinstance(x, ndarray) else x


def result_type(*arrays_and_dtypes):
    """NumPy's ``result_type``, with lazy arrays standing for their dtypes."""
    return _np.result_type(*[_dtype_of(a) for a in arrays_and_dtypes])


def can_cast(from_, to, casting="safe"):
    """NumPy's ``can_cast``, with a lazy array standing for its dtype."""
    return _np.can_cast(_dtype_of(from_), to, casting=casting)


class finfo:
    """NumPy's ``finfo`` of a float or complex dtype (or array), whose Array API
    attributes (``bits``, ``eps``, ``max``, ``min``, ``smallest_normal``, ``dtype``) are
    Python numbers as the standard asks; every other attribute is NumPy's."""

    def __init__(self, type, /):  # noqa: A002 - NumPy's and the standard's name
        info = _np.finfo(type.dtype if isinstance(type, ndarray) else type)
        self._info = info
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.smallest_normal = float(info.smallest_normal)
        self.dtype = info.dtype

    def __getattr__(self, name):
        return getattr(self._info, name)

    def __repr__(self):
        return repr(self._info)


class iinfo:
    """NumPy's ``iinfo`` of an integer dtype (or array): ``bits``, ``max``, ``min`` as
    Python ints, ``dtype``; every other attribute is NumPy's."""

    def __init__(self, type, /):  # noqa: A002 - NumPy's and the standard's name
        info = _np.iinfo(type.dtype if isinstance(type, ndarray) else type)
        self._info = info
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)
        self.dtype = info.dtype

    def __getattr__(self, name):
        return getattr(self._info, name)

    def __repr__(self):
        return repr(self._info)
