"""jit (trace once per signature, then call compiled code) and explain."""

import struct as _struct

import numpy as _np

from . import _core, _native, _pictures
from ._core import ndarray, asarray
from .errors import BindingError, ConcretizationError


def _is_array(x):
    return isinstance(x, (ndarray, _np.ndarray, _np.generic))


def _flatten(tree, leaves):
    """The structure of `tree` with arrays replaced by their index in `leaves`."""
    if _is_array(tree):
        leaves.append(tree)
        return ("leaf", len(leaves) - 1)
    if isinstance(tree, (list, tuple)):
        return (type(tree), tuple(_flatten(v, leaves) for v in tree))
    if isinstance(tree, dict):
        # Sorted by key type first, so dicts mixing key types (1 and "a") flatten too.
        keys = sorted(tree, key=lambda k: (type(k).__module__, type(k).__qualname__, k))
        return (dict, tuple((k, _flatten(tree[k], leaves)) for k in keys))
    return ("const", tree)


def _unflatten(spec, values):
    kind, payload = spec
    if kind == "leaf":
        return values[payload]
    if kind == "const":
        return payload
    if kind is dict:
        return {k: _unflatten(v, values) for k, v in payload}
    items = [_unflatten(v, values) for v in payload]
    if hasattr(kind, "_fields"):
        return kind(*items)  # a namedtuple takes its fields as arguments
    return kind(items)


def _key(x, where):
    """A cache key for a non-array value, by type and value: 1, 1.0 and True differ,
    so do 0.0 and -0.0, and a NaN matches itself (its bit pattern). Unhashable values
    are rejected with TypeError, as JAX does: a key by repr() could confuse two values
    (NumPy abbreviates long arrays)."""
    if isinstance(x, float):
        return (float, _struct.pack("<d", x))
    if isinstance(x, complex):
        return (complex, _struct.pack("<dd", x.real, x.imag))
    if isinstance(x, tuple):
        return (tuple, tuple(_key(v, where) for v in x))
    try:
        hash(x)
    except TypeError:
        raise TypeError(
            f"jit: {where} holds a value of unhashable type {type(x).__name__}; pass "
            "arrays as array arguments, and static arguments as hashable values "
            "(a tuple instead of a list)") from None
    return (type(x), x)


def _trace(f, args, static_argnums):
    """Calls f on parameters standing for the array leaves of the non-static args."""
    leaves = []
    specs = []
    for i, a in enumerate(args):
        specs.append(("const", a) if i in static_argnums else _flatten(a, leaves))
    params = []
    signature = []
    for k, leaf in enumerate(leaves):
        arr = leaf if isinstance(leaf, ndarray) else asarray(leaf)
        dtype, shape = arr.dtype.name, arr.shape
        params.append(ndarray(_native.param(k, dtype, list(shape))))
        signature.append((dtype, shape))
    traced_args = [_unflatten(s, params) for s in specs]
    # Nothing is computed at once while tracing (tiny arrays included): arrays the
    # function makes stay pending, so its writes to them are functional updates.
    eager = _core._set_eager_limit(0)
    _core._TRACING += 1
    try:
        out = f(*traced_args)
    except BindingError as e:
        if "placeholders for tracing" not in str(e):
            raise
        raise ConcretizationError(
            f"jit: {getattr(f, '__name__', 'the function')} needs the values of its array "
            "arguments while it is traced (boolean-mask or integer-array indexing, "
            "nonzero/unique, float(x), `if x > 0:`), but a traced function is compiled "
            "for shapes and dtypes, not values. Use where(mask, x, 0)-style code, pass "
            "the value as a static argument (static_argnums), or call the function "
            "without jit") from None
    finally:
        _core._TRACING -= 1
        _core._set_eager_limit(eager)
    return out, leaves, signature


class Jitted:
    """A function traced once per input signature (structure, dtypes, shapes, static
    values) and then run straight from its compiled plan."""

    def __init__(self, f, static_argnums=()):
        if isinstance(static_argnums, int):
            static_argnums = (static_argnums,)
        self._f = f
        self._static = frozenset(static_argnums)
        self._cache = {}
        # The native call path in front of this tracer (set by `jit`): calls with NumPy
        # arrays of the signature traced last go straight to its compiled plan.
        self._front = None
        self.traces = 0
        self.__wrapped__ = f
        self.__name__ = getattr(f, "__name__", "jitted")
        self.__doc__ = getattr(f, "__doc__", None)

    def _arguments(self, args):
        """One pass over the arguments: the cache key (structure, static values, dtype
        and shape of each array) and the arrays, as NumPy arrays, in leaf order."""
        parts, values = [], []
        for i, a in enumerate(args):
            if i in self._static:
                parts.append(("static", _key(a, f"static argument {i}")))
                continue
            leaves = []
            spec = _flatten(a, leaves)
            arrays = [v.numpy() if isinstance(v, ndarray) else _np.asarray(v) for v in leaves]
            parts.append((_key(spec, f"argument {i}"),
                          tuple((v.dtype.name, v.shape) for v in arrays)))
            values.extend(arrays)
        return tuple(parts), values

    def __call__(self, *args):
        dynamic = [a for i, a in enumerate(args) if i not in self._static]
        leaves = []
        _flatten(tuple(dynamic), leaves)
        if any(isinstance(leaf, ndarray) for leaf in leaves):
            # Lazy arguments (or the parameters of an enclosing trace: a jitted function
            # called inside another one) are traced through, as JAX inlines nested jit:
            # the caller's graph then fuses with this function's.
            return self._f(*args)
        key, values = self._arguments(args)
        entry = self._cache.get(key)
        if entry is None:
            out, _, signature = _trace(self._f, args, self._static)
            out_leaves = []
            out_spec = _flatten(out, out_leaves)
            natives = [asarray(o)._native_array for o in out_leaves]
            # A function returning no array (only Python values) compiles nothing.
            compiled = (_native.compile(natives, [(d, list(s)) for d, s in signature])
                        if natives else None)
            entry = (compiled, out_spec)
            self._cache[key] = entry
            self.traces += 1
        compiled, out_spec = entry
        if compiled is None:
            return _unflatten(out_spec, [])
        if self._front is not None and not self._static and all(
                isinstance(a, _np.ndarray) for a in args):
            self._front.set_fast(compiled, None if out_spec[0] == "leaf" else
                                 (lambda out, spec=out_spec: _unflatten(spec, out)))
        return _unflatten(out_spec, compiled(*values))


def jit(f=None, static_argnums=()):
    """``lazyfuse.jit(f)`` or ``@lazyfuse.jit(static_argnums=...)``."""
    if f is None:
        return lambda g: jit(g, static_argnums)
    tracer = Jitted(f, static_argnums)
    front = _native.JitFront(tracer)
    tracer._front = front
    return front


class Explanation:
    """What the optimizer does: ``before`` and ``after`` (program text), ``rewrites``
    and ``kernels`` (lists of str), and ``inputs``: what some program inputs are (the
    positions of a mask or index, evaluated first because the result's shape or its
    bounds checks depend on them). ``to_dot()`` draws both programs with the kernels as
    boxes; in a notebook it shows as that picture (Graphviz) or as text."""

    def __init__(self, before, after, rewrites, kernels, dot, inputs=()):
        self.before, self.after = before, after
        self.rewrites, self.kernels = list(rewrites), list(kernels)
        self.inputs = list(inputs)
        self._dot = dot

    def __str__(self):
        parts = ["before:", self.before]
        if self.inputs:
            parts += ["inputs:"] + ["  " + i for i in self.inputs]
        parts += ["after:", self.after, "rewrites:"]
        parts += ["  " + r for r in self.rewrites] or ["  (none)"]
        parts += [f"kernels ({len(self.kernels)}):"] + self.kernels
        return "\n".join(parts)

    __repr__ = __str__

    def to_dot(self):
        """Graphviz DOT text: the program before and after optimisation, each kernel a
        box around the nodes it computes."""
        return self._dot

    def _repr_html_(self):
        return _pictures.html_picture(self._dot, str(self))


def _explained(f_or_array, args, static_argnums):
    if callable(f_or_array) and not isinstance(f_or_array, ndarray):
        if isinstance(static_argnums, int):
            static_argnums = (static_argnums,)
        out, _, _ = _trace(f_or_array, args, frozenset(static_argnums))
    else:
        out = (f_or_array,) + args
    leaves = []
    _flatten(out, leaves)
    natives = [asarray(o)._native_array for o in leaves]
    return Explanation(*_native.explain(natives))


def explain(f_or_array, *args, static_argnums=()):
    """The optimizer's story for a lazy array (or several), or for f traced on args."""
    return _explained(f_or_array, args, static_argnums)


def visualize(f_or_array, *args, filename=None, static_argnums=()):
    """A picture of the program before and after optimisation, kernels drawn as boxes
    (as Dask's ``visualize``): for lazy arrays, or for f traced on args. Writes
    ``filename`` if given (``.dot`` text, or ``.svg``/``.png``/``.pdf`` through
    Graphviz) and returns the :class:`Explanation`, which a notebook shows as the
    picture."""
    e = _explained(f_or_array, args, static_argnums)
    if filename is not None:
        _pictures.write(e.to_dot(), filename)
    return e
