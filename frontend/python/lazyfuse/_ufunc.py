"""``lazyfuse.numpy.ufunc``: the elementwise functions of lazyfuse.numpy (generated in
_ufuncs.py) as objects with NumPy's ufunc methods and attributes.

Calls build lazy nodes. ``reduce`` of add, multiply, maximum, minimum, logical_and and
logical_or is the lazy reduction (NumPy's default axis, 0); ``outer`` is a lazy
broadcast; ``at`` writes the lazy array in place, as NumPy's does; ``accumulate`` of
add, multiply, maximum and minimum is the lazy scan; ``reduceat``, the other
accumulations and reductions are computed by NumPy on the evaluated values."""

import operator as _operator

import numpy as _np

from . import _native, _ops
from ._core import _NOVALUE, _by_numpy, _evaluate_nested, _writable, asarray, ndarray

__all__ = ["ufunc"]

# NumPy's ufunc -> the lazy reduction its ``reduce`` is.
# NumPy ufunc -> the IR scan its accumulate is.
_SCANS = {"add": "cumsum", "multiply": "cumprod", "maximum": "cummax", "minimum": "cummin"}
_REDUCTIONS = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
               "logical_and": "all", "logical_or": "any"}


# NumPy name -> IR op, from the one table in ir/src/op.rs.
_OP_OF_NAME = {name: op for table in (_ops.UNARY, _ops.BINARY)
               for op, names in table.items() for name in names}


class ufunc(_native.UfuncCall):
    """An elementwise function with NumPy's ufunc interface (``nin``, ``nout``,
    ``identity``, ``reduce``, ``accumulate``, ``reduceat``, ``outer``, ``at``).

    Calling it calls its function; the native base class (``UfuncCall``) sends a
    plain call on a lazy array straight to the operators, as the function would."""

    def __init__(self, nin, function, op=None):
        self._function = function
        self.__name__ = function.__name__
        self.__qualname__ = function.__qualname__
        self.__doc__ = function.__doc__
        self.__wrapped__ = function
        self.nin = nin
        self.nout = 1
        self.nargs = nin + 1
        # NumPy's ufunc of the same name (None for sigmoid and erf, which NumPy lacks).
        self._numpy = getattr(_np, function.__name__, None)
        if not isinstance(self._numpy, _np.ufunc):
            self._numpy = None

    def __repr__(self):
        return f"<lazyfuse ufunc '{self.__name__}'>"

    @property
    def identity(self):
        return None if self._numpy is None else self._numpy.identity

    @property
    def ntypes(self):
        return self._require("ntypes").ntypes

    @property
    def types(self):
        return self._require("types").types

    signature = None

    def _require(self, what):
        if self._numpy is None:
            raise AttributeError(f"lazyfuse ufunc '{self.__name__}' has no {what} "
                                 "(NumPy has no such ufunc)")
        return self._numpy

    def reduce(self, array, axis=0, dtype=None, out=None, keepdims=False,
               initial=_NOVALUE, where=True):
        """NumPy's ``ufunc.reduce`` (lazy for the reductions lazyfuse has)."""
        method = _REDUCTIONS.get(self.__name__ if self._numpy is None else self._numpy.__name__)
        plain = out is None and initial is _NOVALUE and where is True
        if method is not None and plain and (dtype is None or method in ("sum", "prod")):
            a = asarray(array)
            if method in ("sum", "prod"):
                return getattr(a, method)(axis=axis, dtype=dtype, keepdims=keepdims)
            return getattr(a, method)(axis=axis, keepdims=keepdims)
        kwargs = {"axis": axis, "dtype": dtype, "out": out, "keepdims": keepdims,
                  "where": where}
        if initial is not _NOVALUE:
            kwargs["initial"] = initial
        return _by_numpy(self._require("reduce").reduce, array, **kwargs)

    def accumulate(self, array, axis=0, dtype=None, out=None):
        """NumPy's ``ufunc.accumulate``: lazy running folds for add, multiply, maximum and
        minimum (the IR's scans), NumPy's for the others."""
        numpy_ufunc = self._require("accumulate")
        scan = _SCANS.get(numpy_ufunc.__name__)
        a = asarray(array)
        if scan is not None and out is None and dtype is None and axis is not None and a.ndim:
            # add/multiply.accumulate keep narrow integers and bool (cumsum widens them
            # to 64 bits): those are NumPy's.
            widens = scan in ("cumsum", "cumprod") and a.dtype.kind in "iub" and \
                a.dtype not in (_np.int64, _np.uint64)
            if not widens:
                return ndarray(a._native_array.scan(scan, _operator.index(axis)))
        return _by_numpy(numpy_ufunc.accumulate, array, axis=axis, dtype=dtype, out=out)

    def reduceat(self, array, indices, axis=0, dtype=None, out=None):
        """NumPy's ``ufunc.reduceat``, computed by NumPy."""
        return _by_numpy(self._require("reduceat").reduceat, array, indices, axis=axis,
                         dtype=dtype, out=out)

    def outer(self, A, B, /, **kwargs):
        """NumPy's ``ufunc.outer``: every pair, lazily (a broadcast)."""
        if self.nin != 2 or kwargs:
            return _by_numpy(self._require("outer").outer, A, B, **kwargs)
        a, b = asarray(A), asarray(B)
        return self(a.reshape(a.shape + (1,) * b.ndim), b)

    def at(self, a, indices, b=None, /):
        """NumPy's ``ufunc.at``: unbuffered in-place application at `indices` (a lazy
        array is written in place, as a NumPy array would be)."""
        numpy_ufunc = self._require("at")
        extra = () if b is None else (_evaluate_nested(b),)
        target = _writable(a) if isinstance(a, ndarray) else a
        numpy_ufunc.at(target, _evaluate_nested(indices), *extra)


def _make(nin, function):
    """`function` as a ufunc (of a class of its own name, as NumPy's reprs show), its IR
    op given for the native call."""
    cls = type(function.__name__, (ufunc,), {"__module__": ufunc.__module__})
    return cls(nin, function, _OP_OF_NAME.get(function.__name__))


def unary(function):
    """Decorator: `function` (of one array) as a ufunc."""
    return _make(1, function)


def binary(function):
    """Decorator: `function` (of two arrays) as a ufunc."""
    return _make(2, function)
