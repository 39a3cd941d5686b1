"""NumPy's dispatch protocols on ``lazyfuse.ndarray`` (a mixin of it): a ufunc called
on a lazy array (``numpy.sin(x)``, ``numpy.add.reduce(x)``) maps to the lazy op of the
same meaning where there is one, a NumPy function (``numpy.mean(x)``) to lazyfuse's of
the same name; anything else is computed by NumPy on the evaluated values, arrays it
writes made ready for writing first.

The methods reach ``_core``'s functions through the module when called: ``_core`` is
still loading when it imports this module."""

from . import _core, _ops
from ._fallback import holds_numpy_array, note_fallback, wrap_result

# NumPy ufunc name (and alias) -> IR op name, from the one table in ir/src/op.rs.
_UNARY = {name: op for op, names in _ops.UNARY.items() for name in names}
_BINARY = {name: op for op, names in _ops.BINARY.items() for name in names}
_REDUCE_UFUNC = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
                 "logical_and": "all", "logical_or": "any"}
# NumPy functions that write into their first argument.
_WRITES_FIRST_ARGUMENT = frozenset({"fill_diagonal", "put_along_axis", "place", "putmask",
                                    "put", "copyto"})


# NumPy function -> lazyfuse's of the same name in the same namespace (None: none).
_OURS = {}


def _ours(func):
    """lazyfuse.numpy's function for NumPy's func (numpy.linalg.trace is not
    numpy.trace), or None where lazyfuse.numpy only has NumPy's own (wrapped by
    lnp.__getattr__) or nothing; looked up once per function."""
    try:
        return _OURS[func]
    except KeyError:
        pass
    from . import numpy as lnp
    namespace = {"numpy": lnp, "numpy.fft": lnp.fft, "numpy.linalg": lnp.linalg}.get(
        getattr(func, "__module__", None))
    ours = vars(namespace).get(func.__name__) if namespace is not None else None
    if not callable(ours) or isinstance(ours, type(lnp)) or hasattr(ours, "__wrapped_numpy__"):
        ours = None
    if len(_OURS) < 4096:  # (NumPy's functions: a bounded set; the bound keeps it so)
        _OURS[func] = ours
    return ours


class NumpyProtocols:
    """``__array_ufunc__`` and ``__array_function__`` of ``lazyfuse.ndarray``."""

    __slots__ = ()

    def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
        """``__array_ufunc__`` where the native one (``Handle.__array_ufunc__``: the
        arithmetic operators' ufuncs on two operands) does not answer."""
        if kwargs.get("out") is not None or kwargs.get("where", True) is not True:
            # Into given arrays (lazy ones written in place), or masked: by NumPy.
            return _core._by_numpy(getattr(ufunc, method), *inputs, **kwargs)
        name = ufunc.__name__
        dtype = kwargs.pop("dtype", None)
        if method == "__call__" and not kwargs:
            if name in _UNARY and len(inputs) == 1:
                return _core._unary(_UNARY[name], inputs[0], dtype)
            if name in _BINARY and len(inputs) == 2:
                a, b = inputs
                if isinstance(a, _core.ndarray):
                    return _core._with_dtype(a._binary(_BINARY[name], b), dtype)
                reflected = _core.asarray(b)._binary(_BINARY[name], a, True)
                return _core._with_dtype(reflected, dtype)
        if method == "reduce" and name in _REDUCE_UFUNC and len(inputs) == 1:
            axis = kwargs.pop("axis", 0)
            keepdims = kwargs.pop("keepdims", False)
            if not kwargs:
                reduced = _core.asarray(inputs[0])._reduce(_REDUCE_UFUNC[name], axis, keepdims)
                return _core._with_dtype(reduced, dtype)
        # Anything else: computed by NumPy on the evaluated values (ufunc.at writes
        # its first argument in place).
        function = getattr(ufunc, method)
        note = note_fallback(function)
        args = [x.numpy() if isinstance(x, _core.ndarray) else x for x in inputs]
        if method == "at" and isinstance(inputs[0], _core.ndarray):
            args[0] = _core._writable(inputs[0])
        if dtype is not None:
            kwargs["dtype"] = dtype
        return wrap_result(function(*args, **kwargs), note, args)

    def __array_function__(self, func, types, args, kwargs):
        ours = _ours(func)
        if ours is not None:
            try:
                return ours(*args, **kwargs)
            except NotImplementedError:
                pass
        # Not (fully) supported lazily: NumPy computes it on the evaluated values
        # (those that write their first argument get it ready for writing).
        first = args[0] if args else None
        out = kwargs.get("out")
        writes = func.__name__ in _WRITES_FIRST_ARGUMENT and isinstance(first, _core.ndarray)
        if out is None and not writes:
            return _core._fallback_call(func, args, kwargs)
        args = _core._evaluate_nested(args)
        kwargs = _core._evaluate_nested(kwargs)
        if writes:
            args = (_core._writable(first),) + tuple(args[1:])
        if isinstance(out, _core.ndarray):
            kwargs["out"] = _core._writable(out)
        elif isinstance(out, tuple):
            kwargs["out"] = tuple(_core._writable(o) if isinstance(o, _core.ndarray) else o
                                  for o in out)
        result = func(*args, **kwargs)
        note = note_fallback(func)
        if out is not None and result is kwargs["out"]:
            return out  # NumPy returns the array it wrote: give back the lazy one
        if not holds_numpy_array(result):
            return result
        return wrap_result(result, note, (args, kwargs))
