"""Elementwise dispatch: a unary or binary IR op applied to lazyfuse.numpy's arguments
(lazy arrays, NumPy arrays and scalars, Python scalars) along the fastest path that
gives NumPy's answer: the native operators, NumPy at once for tiny arrays in memory, NumPy
for dtypes lazyfuse lacks, else a lazy node. The ufuncs of ``_ufuncs.py`` call these.

The eager limit is read from ``_core`` at call time, as ``set_eager_limit`` changes it."""

import functools as _functools
import operator as _operator

import numpy as _np

from . import _core, _native, _ops
from ._fallback import holds_numpy_array, note_fallback, wrap_result
from ._core import (_BINARY_UFUNC, _EAGER_SCALARS, DTypeError, InvalidArgumentError,
                    _eager_binary, _elementwise, _from_numpy, _small, _with_dtype, asarray,
                    ndarray)


_COMPARISONS = {"eq": _operator.eq, "ne": _operator.ne, "lt": _operator.lt,
                "le": _operator.le, "gt": _operator.gt, "ge": _operator.ge}


# np.iinfo(dtype), cached (building one is Python code on every comparison).
_iinfo = _functools.lru_cache(maxsize=None)(_np.iinfo)


def _out_of_range_comparison(a, op, value, reflected):
    """NumPy 2 compares an integer array with a Python int outside its dtype's range
    (int32 < 2**40) exactly: every element gives the same answer. None if in range."""
    info = _iinfo(a.dtype)
    if info.min <= value <= info.max:
        return None
    # Any element compares as the dtype's extreme nearest to the value does.
    element = info.max if value > info.max else info.min
    left, right = (value, element) if reflected else (element, value)
    return _core.full(a.shape, bool(_COMPARISONS[op](left, right)), dtype="bool")


def _by_numpy(func, *args, **kwargs):
    """What lazyfuse does not compute lazily (an out=, initial= or where= argument, an
    F-order reshape, ...) is computed by NumPy on the evaluated values (a fallback,
    named by ``note_fallback``). The result is a lazy array over NumPy's result where
    lazyfuse has its dtype, else NumPy's result. Lazy arrays given as ``out`` are
    written in place (and returned)."""
    return _numpy_call(func, note_fallback(func), args, kwargs)


def _at_once(func, *args, **kwargs):
    """A tiny array's operation by NumPy at once, for speed (not a fallback: lazyfuse
    would compute it lazily past the eager limit)."""
    if "out" in kwargs:
        return _numpy_call(func, None, args, kwargs)
    # (NumPy arrays and Python scalars as they are: _evaluate_nested for the rest.)
    args = [a if type(a) in _AS_THEY_ARE else _evaluate_nested(a) for a in args]
    kwargs = _evaluate_nested(kwargs) if kwargs else kwargs
    result = func(*args, **kwargs)
    fresh = _fresh_arrays(result, (args, kwargs))
    return fresh if fresh is not None else _wrapped(result, None, (args, kwargs))


def _fallback_call(func, args, kwargs):
    """What ``__array_function__`` has no lazy form for, without out= or a written
    argument: NumPy's func on the evaluated arguments, a fallback (its arrays carry
    note_fallback's note). Results that own their memory are wrapped directly (as
    _at_once does); NumPy's scalars and other values come back as NumPy gave them."""
    args = [a if type(a) in _AS_THEY_ARE else _evaluate_nested(a) for a in args]
    kwargs = _evaluate_nested(kwargs) if kwargs else kwargs
    result = func(*args, **kwargs)
    fresh = _fresh_arrays(result, (args, kwargs))
    if fresh is not None:
        return _noted(fresh, note_fallback(func))
    if not holds_numpy_array(result):
        return result
    return wrap_result(result, note_fallback(func), (args, kwargs))


def _noted(fresh, note):
    """_fresh_arrays' lazy arrays, each noted with note (if not None) for explain."""
    if note is not None:
        for array in fresh if type(fresh) is tuple else (fresh,):
            array._base.read_cell().set_note(note)
    return fresh


def _wrapped(result, note, sources):
    """NumPy's result as lazyfuse gives it: a NumPy scalar as a 0-d lazy array (as it is
    where lazyfuse lacks its dtype), anything else by wrap_result."""
    if isinstance(result, _np.generic):
        try:
            return asarray(result)
        except DTypeError:
            return result
    return wrap_result(result, note, sources)


# The dtypes (type characters) of lazyfuse's arrays.
_LAZYFUSE_CHARS = frozenset([_np.dtype(name).char for name in _core._SUPPORTED_DTYPES]
                            + [_np.dtype(t).char for t in (_np.longlong, _np.ulonglong)])
# (longlong and ulonglong: int64 and uint64 under another type character.)


def _fresh_arrays(result, args):
    """NumPy's result as lazy arrays in memory when it is an array, or a tuple of them,
    that is fresh (see _is_fresh) in a dtype lazyfuse has; None otherwise (wrap_result's
    checks then decide). Sorts, argsorts, uniques and nonzero give such arrays, and
    this skips wrap_result's overlap tests (4-5 µs of a tiny sort's 5.4)."""
    if type(result) is tuple:
        for r in result:
            if not _is_fresh(r, args):
                return None
        return tuple([_from_numpy(r) for r in _apart(result)])
    return _from_numpy(result) if _is_fresh(result, args) else None


def _apart(arrays):
    """arrays with each that shares memory with an earlier one copied (views of one new
    array, as nonzero's columns, must not overlap: each becomes a base of its own, and
    a base's writes are seen only through it)."""
    if len(arrays) < 2 or all(a.base is None for a in arrays):
        return arrays
    kept = []
    for a in arrays:
        owner = a if a.base is None else a.base
        if any((k if k.base is None else k.base) is owner and _np.shares_memory(k, a)
               for k in kept):
            a = a.copy(order="K")
        kept.append(a)
    return kept


def _is_fresh(r, args):
    """Whether r is a NumPy array of a lazyfuse dtype whose memory is NumPy's new
    allocation: r owns it, or r views an array that owns it (nonzero's results are
    columns of one new array), and that owner is none of the arguments and none of
    their owners (r is not an argument, nor a view of one)."""
    if type(r) is not _np.ndarray or r.dtype.char not in _LAZYFUSE_CHARS:
        return False
    owner = r.base
    if owner is None:
        owner = r
    elif type(owner) is not _np.ndarray or owner.base is not None:
        return False
    return not _is_among(owner, args)


def _is_among(owner, values):
    """Whether owner is one of the arrays among values (or in the lists, tuples and
    dicts among them) or the base of one of them."""
    for v in values:
        if v is owner:
            return True
        t = type(v)
        if t is _np.ndarray:
            if v.base is owner:
                return True
        elif t in _NESTING and _is_among(owner, v.values() if t is dict else v):
            return True
    return False


_NESTING = frozenset([list, tuple, dict])


# Arguments _at_once passes to NumPy unchanged.
_AS_THEY_ARE = frozenset([_np.ndarray, int, float, bool, str, type(None)])


def _numpy_call(func, note, args, kwargs):
    out = kwargs.get("out")
    args, kwargs = _evaluate_nested(args), _evaluate_nested(
        {k: v for k, v in kwargs.items() if k != "out"})
    if out is not None:
        outs = out if isinstance(out, tuple) else (out,)
        views = tuple(_core._writable(o) if isinstance(o, ndarray) else o for o in outs)
        result = func(*args, out=views if isinstance(out, tuple) else views[0], **kwargs)
        # NumPy returns the out arrays it wrote: give back the lazy ones.
        if isinstance(result, tuple):
            return tuple(o if r is v else r for r, v, o in zip(result, views, outs))
        return outs[0] if result is views[0] else result
    result = func(*args, **kwargs)
    fresh = _fresh_arrays(result, (args, kwargs))
    if fresh is not None:
        return _noted(fresh, note)
    return _wrapped(result, note, (args, kwargs))


def _evaluate_nested(x):
    if isinstance(x, ndarray):
        return x.numpy()
    if isinstance(x, (list, tuple)):
        return type(x)(_evaluate_nested(v) for v in x)
    if isinstance(x, dict):
        return {k: _evaluate_nested(v) for k, v in x.items()}
    return x


def _unary(op, x, dtype):
    """The unary IR op `op` of x, cast to dtype if given (for _ufuncs.py)."""
    if type(x) is ndarray and dtype is None:
        return x._unary_op(op)  # native paths; it calls _unary_slow where they stop
    if type(x) in _EAGER_SCALARS and dtype is None and _core._EAGER_ELEMENTS:
        # A scalar (np.sqrt(t) of a Python float): NumPy's value at once, in memory.
        ufunc = _UNARY_UFUNC.get(op)
        if ufunc is not None:
            try:
                return _from_numpy(ufunc(x))
            except FloatingPointError:
                raise  # np.errstate asked for it, as NumPy raises it
            except (ValueError, TypeError, ArithmeticError):
                pass  # the lazy path raises lazyfuse's error
    return _unary_slow(op, x, dtype)


def _unary_slow(op, x, dtype):
    if _core._DEFERRED_TYPES and type(x) in _core._DEFERRED_TYPES:
        return type(x)._elementwise_op(lambda v: _unary(op, v, dtype), (x,), op,
                                       _UNARY_UFUNC.get(op) if dtype is None else None)
    if type(x) is ndarray and dtype is None:
        view = _small(x)
        ufunc = _UNARY_UFUNC.get(op)
        if view is not None and ufunc is not None:
            try:
                return _from_numpy(ufunc(view))
            except FloatingPointError:
                raise  # np.errstate asked for it, as NumPy raises it
            except (ValueError, TypeError, ArithmeticError):
                pass  # the lazy path raises lazyfuse's error
    if _needs_numpy(x):
        names = [n for n in _ops.UNARY.get(op, ()) if isinstance(getattr(_np, n, None), _np.ufunc)]
        if names:
            return _by_numpy(getattr(_np, names[0]), x, dtype=dtype)
    x = asarray(x)
    if op == "round" and x.dtype.kind in "iu":
        # The ufunc rint gives integers as the float NumPy computes them in (float32 for
        # int16, float16 for int8); the IR's round keeps them, as np.round does.
        x = x.astype(_np.result_type(x.dtype, _np.float16))
    return _with_dtype(_elementwise(x._native_array.unary(op), x), dtype)


def _needs_numpy(x):
    """Whether `x` has a dtype lazyfuse does not compute (long double, datetime,
    object, ...): operations with it fall back to NumPy, which computes them correctly."""
    # dtype.char: a C attribute (dtype.name is Python code); any byte order.
    return isinstance(x, (_np.ndarray, _np.generic)) and x.dtype.char not in _core._DTYPE_CHARS


def _binary_by_numpy(op, a, b, reflected):
    """`a op b` (`b op a` if reflected) computed by NumPy on the evaluated values."""
    ufunc = _BINARY_UFUNC[op]
    return _by_numpy(ufunc, b, a) if reflected else _by_numpy(ufunc, a, b)


def _ufunc_into(name, args, out, where, dtype):
    """A lazyfuse.numpy ufunc called with out= or where=: NumPy's ufunc of that name
    computes it on the evaluated values, writing lazy ``out`` arrays in place."""
    ufunc = getattr(_np, name, None)
    if not isinstance(ufunc, _np.ufunc):
        raise InvalidArgumentError(f"{name}: out= and where= are not supported (NumPy has "
                                   f"no ufunc {name} to compute them)")
    return _by_numpy(ufunc, *args, out=out, where=where, dtype=dtype)


# IR unary op -> NumPy's ufunc (where NumPy has one); round keeps integers (np.round).
_UNARY_UFUNC = {op: getattr(_np, names[0]) for op, names in _ops.UNARY.items()
                if names and isinstance(getattr(_np, names[0], None), _np.ufunc) and op != "round"}
_native.register_ufuncs(_BINARY_UFUNC, _UNARY_UFUNC)


def _is_python_scalar(x):
    return isinstance(x, (bool, int, float)) and not isinstance(x, _np.generic)


def _binary(op, a, b, dtype):
    """The binary IR op `op` of a and b (Python scalars weak), cast to dtype if given."""
    if dtype is None:  # as the operators compute it (native paths first)
        if type(a) is ndarray:
            return a._operator(op, b, False)
        if type(b) is ndarray and type(a) in _EAGER_SCALARS:
            return b._operator(op, a, True)
    if _core._DEFERRED_TYPES and (type(a) in _core._DEFERRED_TYPES or
                                  type(b) in _core._DEFERRED_TYPES):
        deferred = type(a) if type(a) in _core._DEFERRED_TYPES else type(b)
        return deferred._elementwise_op(lambda x, y: _binary(op, x, y, dtype), (a, b), op,
                                        _BINARY_UFUNC.get(op) if dtype is None else None)
    if (_needs_numpy(a) or _needs_numpy(b)) and op in _BINARY_UFUNC:
        return _by_numpy(_BINARY_UFUNC[op], a, b, dtype=dtype)
    if dtype is None and op in _BINARY_UFUNC:
        for lazy, other, reflected in ((a, b, False), (b, a, True)):
            view = _small(lazy) if type(lazy) is ndarray else None
            if view is not None:
                out = _eager_binary(_BINARY_UFUNC[op], view, other, reflected)
                if out is not None:
                    return out
                break
    if _is_python_scalar(a) and not _is_python_scalar(b):
        # A Python scalar first stays weak: np.add(3, int32 array) is int32.
        return _with_dtype(asarray(b)._binary(op, a, True), dtype)
    if isinstance(a, ndarray) or not isinstance(b, ndarray):
        return _with_dtype(asarray(a)._binary(op, b), dtype)
    return _with_dtype(b._binary(op, a, True), dtype)
