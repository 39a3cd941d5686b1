"""The Array API standard's namespace-level names that describe lazyfuse itself (its
devices, dtypes and capabilities) rather than computing: ``__array_namespace_info__``,
``from_dlpack``. Complex dtypes are not supported yet (issue 11), so they are absent
from the dtypes listed here."""

from __future__ import annotations

import numpy as _np

from ._core import _SUPPORTED_DTYPES, asarray

__array_api_version__ = "2024.12"

_KINDS = {
    "bool": ("bool",),
    "signed integer": ("int8", "int16", "int32", "int64"),
    "unsigned integer": ("uint8", "uint16", "uint32", "uint64"),
    "integral": ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"),
    "real floating": ("float16", "float32", "float64"),
    "complex floating": (),
    "numeric": ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float16", "float32", "float64"),
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
        return {"real floating": _np.dtype("float64"), "integral": _np.dtype("int64"),
                "indexing": _np.dtype("int64")}

    def dtypes(self, *, device=None, kind=None):
        self._check(device)
        if kind is None:
            names = _SUPPORTED_DTYPES
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
