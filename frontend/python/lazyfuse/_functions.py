"""lazyfuse.numpy's module-level functions over the lazy array (where, clip, the
view functions, concatenate and stack, the products, the reductions, round): thin
forms of ndarray's methods and native operations, NumPy's signatures and fallbacks."""

import builtins as _builtins

import numpy as _np

from . import _native
from .errors import BindingError, ConcretizationError
from ._core import (_NOVALUE, _axes, _by_numpy, _eager_when_small, _elementwise,
                    _index, _operand, _shape, _small, asarray, ndarray)
from . import _core
from ._ufuncs import maximum, minimum, rint

_eager_pair = _native.eager_pair

__all__ = [
    "all", "any", "argmax", "argmin", "around", "astype", "broadcast_to", "clip",
    "concatenate", "diagonal", "dot", "expand_dims", "inner", "matmul", "max", "mean",
    "min", "moveaxis", "outer", "prod", "ravel", "reshape", "round", "squeeze",
    "stack", "std", "sum", "swapaxes", "transpose", "var", "where", "sort", "argsort",
    "partition", "argpartition", "nonzero",
]


def _deferred_to(numpy_function):
    """Decorator: calls with an array of a deferred type (lazyfuse.dask.Array) go to
    NumPy's function, which hands them to that type (``__array_function__``)."""
    def wrap(function):
        def call(*args, **kwargs):
            if _core._DEFERRED_TYPES and _builtins.any(
                    type(a) in _core._DEFERRED_TYPES for a in args):
                return numpy_function(*args, **kwargs)
            return function(*args, **kwargs)
        call.__name__, call.__qualname__ = function.__name__, function.__qualname__
        call.__doc__, call.__wrapped__ = function.__doc__, function
        call.__module__ = function.__module__
        return call
    return wrap

@_deferred_to(_np.where)
@_eager_when_small(_np.where)
def where(condition, x=_NOVALUE, y=_NOVALUE):
    if x is _NOVALUE or y is _NOVALUE:
        # where(c) is nonzero(c); one of x, y alone is NumPy's ValueError.
        args = [v for v in (x, y) if v is not _NOVALUE]
        return _by_numpy(_np.where, condition, *args)
    return _elementwise(_native.where_(asarray(condition)._native_array, _operand(x), _operand(y)),
                        condition, x, y)


@_deferred_to(_np.nonzero)
@_eager_when_small(_np.nonzero)
def nonzero(a):
    """NumPy's ``nonzero``: the indices of a's nonzero elements, one array per axis.
    Their length depends on the values, so NumPy computes them on the evaluated array
    (a fallback past the eager limit)."""
    return _by_numpy(_np.nonzero, a)


@_deferred_to(_np.clip)
@_eager_when_small(_np.clip)
def clip(a, a_min=_NOVALUE, a_max=_NOVALUE, out=None, *, min=_NOVALUE, max=_NOVALUE):
    """NumPy ``clip``: bounds as ``a_min``/``a_max`` or (NumPy 2.1) ``min``/``max``."""
    lo = a_min if a_min is not _NOVALUE else min
    hi = a_max if a_max is not _NOVALUE else max
    if out is not None:
        return _by_numpy(_np.clip, a, None if lo is _NOVALUE else lo,
                         None if hi is _NOVALUE else hi, out=out)
    a = asarray(a)
    if lo is not _NOVALUE and lo is not None:
        a = maximum(a, lo)
    if hi is not _NOVALUE and hi is not None:
        a = minimum(a, hi)
    return a


def reshape(a, shape, order="C", *, copy=None):
    """NumPy's ``reshape``: a view where the layout allows, else a copy; ``copy=True``
    always copies, ``copy=False`` raises ValueError where a view is impossible."""
    a = asarray(a)
    if copy:
        return a.copy().reshape(shape, order=order)
    if copy is False:
        try:
            _np.reshape(a._layout_probe(), shape, order=order, copy=False)
        except ValueError:
            raise ValueError("reshape: the array cannot be reshaped without a copy "
                             "(copy=False)") from None
    return a.reshape(shape, order=order)


def ravel(a, order="C"):
    return asarray(a).ravel(order)


@_deferred_to(_np.transpose)
def transpose(a, axes=None):
    return asarray(a).transpose(axes)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """NumPy's ``diagonal``: a read-only view of `a`."""
    return asarray(a).diagonal(offset, axis1, axis2)


def swapaxes(a, axis1, axis2):
    return asarray(a)._view("swapaxes", (_index(axis1), _index(axis2)))


def moveaxis(a, source, destination):
    return asarray(a)._view("moveaxis", (tuple(_axes(source)), tuple(_axes(destination))))


def expand_dims(a, axis):
    return asarray(a)._view("expand_dims", tuple(_axes(axis)))


def squeeze(a, axis=None):
    return asarray(a).squeeze(axis)


def broadcast_to(a, shape):
    """A read-only view, as NumPy's."""
    return asarray(a)._view("broadcast_to", tuple(_shape(shape)))


@_eager_when_small(_np.concatenate)
def concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    if out is not None or dtype is not None or casting != "same_kind":
        return _by_numpy(_np.concatenate, arrays, axis, out=out, dtype=dtype, casting=casting)
    if axis is None:
        return concatenate([ravel(a) for a in arrays], 0)
    return ndarray(_native.concatenate([asarray(a)._native_array for a in arrays], _index(axis)))


@_eager_when_small(_np.stack)
def stack(arrays, axis=0):
    return ndarray(_native.stack([asarray(a)._native_array for a in arrays], _index(axis)))


@_deferred_to(_np.matmul)
def matmul(a, b):
    return asarray(a) @ asarray(b)


def dot(a, b):
    # Two small arrays in memory: NumPy's dot at once (None: the lazy path, which raises
    # lazyfuse's error where NumPy raised). Deferred types (lazyfuse.dask.Array) are
    # not lazy arrays, so they reach NumPy's dot below (which hands them back to them).
    result = _eager_pair(_np.dot, a, b)
    if result is not None:
        return result
    if _core._DEFERRED_TYPES and (type(a) in _core._DEFERRED_TYPES
                                  or type(b) in _core._DEFERRED_TYPES):
        return _np.dot(a, b)
    return ndarray(asarray(a)._native_array.dot(asarray(b)._native_array))


@_eager_when_small(_np.outer)
def outer(a, b):
    return ravel(a).reshape(-1, 1) * ravel(b).reshape(1, -1)


@_eager_when_small(_np.inner)
def inner(a, b):
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return a @ swapaxes(b, -1, -2) if b.ndim > 1 else a @ b


@_deferred_to(_np.sum)
def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NOVALUE, where=True):
    return asarray(a).sum(axis, dtype, out, keepdims, initial, where)


@_deferred_to(_np.prod)
def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NOVALUE, where=True):
    return asarray(a).prod(axis, dtype, out, keepdims, initial, where)


@_deferred_to(_np.max)
def max(a, axis=None, out=None, keepdims=False, initial=_NOVALUE, where=True):
    return asarray(a).max(axis, out, keepdims, initial, where)


@_deferred_to(_np.min)
def min(a, axis=None, out=None, keepdims=False, initial=_NOVALUE, where=True):
    return asarray(a).min(axis, out, keepdims, initial, where)


amax, amin = max, min


@_deferred_to(_np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    return asarray(a).mean(axis, dtype, out, keepdims, where=where)


@_deferred_to(_np.any)
def any(a, axis=None, out=None, keepdims=False, *, where=True):
    return asarray(a).any(axis, out, keepdims, where=where)


@_deferred_to(_np.all)
def all(a, axis=None, out=None, keepdims=False, *, where=True):
    return asarray(a).all(axis, out, keepdims, where=where)


def argmax(a, axis=None, out=None, *, keepdims=False):
    return asarray(a).argmax(axis, out, keepdims=keepdims)


def argmin(a, axis=None, out=None, *, keepdims=False):
    return asarray(a).argmin(axis, out, keepdims=keepdims)


def _ddof(ddof, correction, name):
    """NumPy's ``ddof`` or the Array API's ``correction`` (the same number)."""
    if correction is None:
        return ddof
    if ddof != 0:
        raise ValueError(f"{name}: ddof and correction can't be provided simultaneously.")
    return correction


@_deferred_to(_np.var)
@_eager_when_small(_np.var)
def var(a, axis=None, ddof=0, keepdims=False, *, correction=None):
    ddof = _ddof(ddof, correction, "var")
    return ndarray(asarray(a)._native_array.var(_axes(axis), float(ddof), bool(keepdims)))


@_deferred_to(_np.std)
@_eager_when_small(_np.std)
def std(a, axis=None, ddof=0, keepdims=False, *, correction=None):
    ddof = _ddof(ddof, correction, "std")
    return ndarray(asarray(a)._native_array.std(_axes(axis), float(ddof), bool(keepdims)))


@_eager_when_small(_np.astype)
def astype(a, dtype, /, *, copy=True, device=None):
    """``a`` as `dtype` (a copy unless ``copy=False`` and the dtype is a's)."""
    if device is not None and device != "cpu":
        raise ValueError(f"astype: unsupported device {device!r} (lazyfuse has 'cpu')")
    a = asarray(a)
    if not copy and _np.dtype(dtype) == a.dtype:
        return a
    return a.astype(dtype)


def round(a, decimals=0, out=None):
    """NumPy ``round``: half to even at ``decimals`` digits, as NumPy computes it
    (scaled by 10**decimals, rounded, scaled back); integers with decimals >= 0 and
    bools are returned as they are."""
    if out is not None:
        return _np.round(asarray(a).numpy(), decimals, out=out)
    a = asarray(a)
    decimals = _index(decimals)
    if a.dtype.kind == "b" or (a.dtype.kind in "iu" and decimals >= 0):
        return a
    if decimals == 0:
        return rint(a)
    if a.dtype.kind in "iu":
        # NumPy rounds integers to negative decimals in integer arithmetic.
        return asarray(_np.round(a.numpy(), decimals))
    # The scale is a bound 0-d value, not a constant, so the algebraic tier cannot turn
    # the division into a product with an inexact reciprocal (x/10 != x*0.1): the
    # digits must be NumPy's.
    scale = asarray(_np.asarray(10.0 ** _builtins.abs(decimals), dtype=a.dtype))
    if decimals > 0:
        return rint(a * scale) / scale
    return rint(a / scale) * scale


around = round


def _descending_order(x, axis, kind, stable):
    """Indices that sort `x` (a NumPy array) along `axis` from largest to smallest,
    equal elements keeping their order (stable): the ascending stable order of the
    reversed array, reversed and mapped back."""
    n = x.shape[axis]
    flipped = _np.flip(x, axis)
    order = _np.argsort(flipped, axis=axis, kind="stable" if stable or kind is None else kind)
    return (n - 1) - _np.flip(order, axis)


def _lazy_sort(a, axis, order, arg):
    """The IR's sort (a library kernel: a stable sort of each lane, NaN last), or None
    where NumPy computes it (structured order, complex values, tiny arrays in memory)."""
    if order is not None:
        return None
    a = asarray(a)
    if a.dtype.kind == "c" or _small(a) is not None:
        return None
    if axis is None:
        a, axis = a.ravel(), 0
    if a.ndim == 0:
        return None  # NumPy's AxisError
    return ndarray(a._native_array.sort(_index(axis), arg))


def _values_now(a):
    """a's values as a NumPy array when they can be computed now (in memory, or a
    pending array evaluated), None while a function is traced (jit, grad, vmap, export:
    then the sort stays in the program)."""
    try:
        return asarray(a).numpy()
    except (BindingError, ConcretizationError):
        return None


def _is_tiny(a, order):
    """A tiny real array in memory: sorted by NumPy at once (not a fallback)."""
    a = asarray(a)
    return order is None and a.dtype.kind != "c" and _small(a) is not None


def sort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """NumPy's ``sort``, lazily (a stable sort whatever `kind`: the same values), with
    the Array API's ``descending`` (NumPy's)."""
    if not descending:
        # Values: NumPy's SIMD sort is several times faster than lazyfuse's radix sort
        # (10M float64: 95 against 760 ms), so values that can be computed now are
        # sorted by NumPy at once; a traced array's sort stays in its program.
        if order is None and asarray(a).dtype.kind != "c":
            values = _values_now(a)
            if values is not None:
                return _core._at_once(_np.sort, values, axis=axis, kind=kind, stable=stable)
        lazy = _lazy_sort(a, axis, order, False)
        if lazy is not None:
            return lazy
        if _is_tiny(a, order):
            return _core._at_once(_np.sort, a, axis=axis, kind=kind, order=order, stable=stable)
        return _by_numpy(_np.sort, a, axis=axis, kind=kind, order=order, stable=stable)
    x = _np.asarray(asarray(a).numpy())
    if axis is None:
        x, axis = x.reshape(-1), 0
    return asarray(_np.take_along_axis(x, _descending_order(x, axis, kind, stable), axis))


def argsort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """NumPy's ``argsort``, lazily: the stable order whatever `kind` (NumPy's unstable
    kinds may order equal elements otherwise), with the Array API's ``descending``
    (NumPy's)."""
    if not descending:
        lazy = _lazy_sort(a, axis, order, True)
        if lazy is not None:
            return lazy
        if _is_tiny(a, order):
            return _core._at_once(_np.argsort, a, axis=axis, kind="stable", order=order)
        return _by_numpy(_np.argsort, a, axis=axis, kind=kind, order=order, stable=stable)
    x = _np.asarray(asarray(a).numpy())
    if axis is None:
        x, axis = x.reshape(-1), 0
    return asarray(_descending_order(x, axis, kind, stable))


def _partition(numpy_function, arg, a, kth, axis, kind, order):
    """NumPy's partition or argpartition. Values that can be computed now: NumPy's at
    once (its introselect, so its arrangement). Inside traced functions: the IR's stable
    sort of each lane, which is a partition around every kth (NumPy defines only the kth
    elements and which side each other element lies on, not their order within a side)."""
    a = asarray(a)
    if order is None and a.dtype.kind != "c":
        values = _values_now(a)
        if values is None:
            n = a.size if axis is None else a.shape[_index(axis)] if a.ndim else 0
            for k in _np.atleast_1d(_np.asarray(kth)).ravel():
                k = _index(k) + (n if _index(k) < 0 else 0)
                if not 0 <= k < n:
                    raise ValueError(f"kth(={k}) out of bounds ({n})")
            lazy = _lazy_sort(a, axis, order, arg)
            if lazy is not None:
                return lazy
        else:
            return _core._at_once(numpy_function, values, kth, axis=axis, kind=kind)
    return _by_numpy(numpy_function, a, kth, axis=axis, kind=kind, order=order)


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """NumPy's ``partition`` (see ``_partition``: NumPy's at once, a sort when traced)."""
    return _partition(_np.partition, False, a, kth, axis, kind, order)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """NumPy's ``argpartition`` (see ``_partition``: NumPy's at once, the stable sorting
    order when traced)."""
    return _partition(_np.argpartition, True, a, kth, axis, kind, order)
