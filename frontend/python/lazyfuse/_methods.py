"""Array attributes and methods beyond the core ones in ``_core``: NumPy's memory
attributes (itemsize, nbytes, strides, flat), the Array API's (device, to_device, mT,
``__array_namespace__``, DLPack), and the method forms of module functions.

``ArrayMethods`` is a mixin of ``lazyfuse.ndarray``; its methods call the module
functions by name, so this module imports nothing of ``_core`` at import time."""

from __future__ import annotations

import numpy as _np

# Methods that are the module function of the same name applied to the array (NumPy's
# method forms); each computes as ``lazyfuse.numpy.<name>`` does.
_FUNCTION_METHODS = ("cumsum", "cumprod", "argsort", "nonzero", "trace", "repeat",
                     "take", "searchsorted", "argpartition", "choose")
# Methods that sort or fill the array in place (NumPy's return None).
_IN_PLACE_METHODS = ("sort", "partition")


def _lnp():
    from . import numpy as lnp  # the namespace, imported when first needed
    return lnp


class ArrayMethods:
    """Attributes and methods of ``lazyfuse.ndarray`` defined by NumPy and the Array API."""

    __slots__ = ()

    def view(self, dtype=None, type=None):
        """A new handle on the same memory: ``view()`` the same elements, ``view(dtype)``
        their bytes read as another dtype (NumPy's rules: the last axis rescaled by the
        item sizes). A dtype view needs memory, so it computes a pending array; writes
        through either handle are seen by the other."""
        if type is not None and type is not ndarray:
            raise TypeError(f"view: lazyfuse arrays cannot be viewed as {type!r} "
                            "(use numpy.asarray(a).view(...) for a NumPy subclass)")
        from ._core import _dtype_name, ndarray
        if dtype is None:
            return ndarray._over(self._base, self._chain)
        if dtype is ndarray:  # view(ndarray): NumPy's type-as-first-argument form
            return ndarray._over(self._base, self._chain)
        dtype = _np.dtype(dtype)
        _dtype_name(dtype)  # lazyfuse's DTypeError for a dtype it lacks
        self._base.materialise()
        self._numpy_view().view(dtype)  # NumPy's ValueError for a shape that does not fit
        return self._view("view", dtype.str)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        """NumPy's ``diagonal``: a read-only view (writes to the array are seen in it)."""
        from ._core import _index
        offset, axis1, axis2 = _index(offset), _index(axis1), _index(axis2)
        ndim = self.ndim
        # NumPy's own checks and errors (AxisError, ValueError), on a stand-in.
        _np.lib.stride_tricks.as_strided(_np.zeros(1), shape=self.shape,
                                         strides=(0,) * ndim).diagonal(offset, axis1, axis2)
        axis1, axis2 = axis1 % ndim, axis2 % ndim
        return self._view("diagonal", (offset, axis1, axis2))

    @property
    def itemsize(self):
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def nbytes(self):
        """Bytes of all elements."""
        return self.size * self.dtype.itemsize

    @property
    def strides(self):
        """Bytes between elements along each axis, of the values as NumPy holds them
        (evaluates the array)."""
        return _np.asarray(self).strides

    @property
    def flags(self):
        """NumPy's flags of the values as NumPy holds them (evaluates the array): the
        NumPy view's own, so ``flags.writeable = False`` protects this array from
        writes, as it protects a NumPy view."""
        self._base.materialise()
        return self._numpy_view().flags

    @property
    def base(self):
        """None for an array that is its whole storage, else an array over the whole
        storage it views (NumPy's ``base``: ``x[::2].base is not None``)."""
        if not self._chain:
            return None
        return type(self)._over(self._base, ())

    @property
    def mT(self):  # noqa: N802 - the Array API's name
        """The transpose of the last two axes (a view)."""
        if self.ndim < 2:
            raise ValueError(f"matrix transpose with ndim < 2 is undefined (shape {self.shape})")
        return self.swapaxes(-1, -2)

    @property
    def flat(self):
        """An iterator over the elements in C order that reads and writes the array."""
        return FlatIter(self)

    @property
    def device(self):
        """The device holding the array: lazyfuse computes on the CPU."""
        return "cpu"

    def to_device(self, device, /, *, stream=None):
        """The array on `device` ("cpu" is the only one)."""
        if device != "cpu":
            raise ValueError(f"to_device: unsupported device {device!r} (lazyfuse has 'cpu')")
        if stream is not None:
            raise ValueError("to_device: streams are not supported on the CPU")
        return self

    def __array_namespace__(self, /, *, api_version=None):
        """The Array API namespace of lazyfuse arrays: ``lazyfuse.numpy``."""
        if api_version not in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
            raise ValueError(f"unsupported Array API version {api_version!r}")
        return _lnp()

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """A DLPack capsule of the evaluated values (NumPy's, over this array's memory
        when it is in memory)."""
        kwargs = {"stream": stream}
        if max_version is not None:
            kwargs["max_version"] = max_version
        if dl_device is not None:
            kwargs["dl_device"] = dl_device
        if copy is not None:
            kwargs["copy"] = copy
        return _np.asarray(self).__dlpack__(**kwargs)

    def __dlpack_device__(self):
        """(kDLCPU, 0)."""
        return (1, 0)

    def tobytes(self, order="C"):
        """The elements' bytes (evaluates the array)."""
        return _np.asarray(self).tobytes(order=order)

    def conj(self):
        """The complex conjugate (the array's values for real dtypes)."""
        return _lnp().conjugate(self)

    conjugate = conj

    def round(self, decimals=0, out=None):
        """Values rounded to `decimals` places, half to even (``numpy.round``)."""
        return _lnp().round(self, decimals, out=out)

    def compress(self, condition, axis=None, out=None):
        """The elements (or slices along `axis`) where `condition` is true."""
        return _lnp().compress(condition, self, axis=axis, out=out)

    def sort(self, axis=-1, kind=None, order=None):
        """Sorts in place."""
        self[...] = _lnp().sort(self, axis=axis, kind=kind, order=order)

    def partition(self, kth, axis=-1, kind="introselect", order=None):
        """Partitions in place around the `kth` elements."""
        self[...] = _lnp().partition(self, kth, axis=axis, kind=kind, order=order)

    def put(self, indices, values, mode="raise"):
        """Writes `values` at flat `indices` (``numpy.put``)."""
        _np.put(self, indices, values, mode=mode)


def _function_method(name):
    def method(self, *args, **kwargs):
        return getattr(_lnp(), name)(self, *args, **kwargs)
    method.__name__ = name
    method.__qualname__ = f"ndarray.{name}"
    method.__doc__ = f"``lazyfuse.numpy.{name}`` of the array."
    return method


for _name in _FUNCTION_METHODS:
    setattr(ArrayMethods, _name, _function_method(_name))


class FlatIter:
    """``a.flat``: the elements of `a` in C order, readable and writable by flat index
    (a write lands in `a`, as through NumPy's flatiter, whatever `a`'s layout)."""

    __slots__ = ("base",)

    def __init__(self, base):
        self.base = base

    def __len__(self):
        return self.base.size

    def __iter__(self):
        return iter(self.base.ravel())

    def __array__(self, dtype=None, copy=None):
        return _np.asarray(self.base.ravel(), dtype=dtype)

    def _positions(self, key):
        """The multi-index (a tuple of index arrays, or of ints) of flat `key`."""
        flat = _np.arange(self.base.size).reshape(-1)[key]
        return _np.unravel_index(flat, self.base.shape)

    def __getitem__(self, key):
        return self.base.ravel()[key]

    def __setitem__(self, key, value):
        self.base[self._positions(key)] = value
