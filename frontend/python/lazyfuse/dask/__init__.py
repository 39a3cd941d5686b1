"""lazyfuse over Dask arrays: Dask schedules the blocks, lazyfuse fuses each block's work.

``lf.from_dask(x)`` wraps a ``dask.array.Array`` as a :class:`Array`. Operations on it
(operators, NumPy's and lazyfuse.numpy's ufuncs and reductions, ``where``, ``clip``,
``astype``, ``transpose``, ``@``) record a small graph; nothing is computed.
``to_dask()`` turns that graph into a Dask graph:

- elementwise and broadcast chains, and reductions along axes that are one chunk (the
  row maximum and sum of a softmax whose rows are not split), become one fused lazyfuse
  program per block;
- a reduction across chunks runs its per-block partial inside that block's program and
  combines the partials through Dask's tree reduction, the combine step a lazyfuse
  kernel too; ``mean``, ``var`` and ``std`` are sums and elementwise steps (``var`` in
  two passes, as NumPy computes it);
- ``@`` of two matrices runs one lazyfuse program per output block over the row and
  column panels (Dask's blockwise contraction);
- anything else is computed by Dask's own implementation over the fused inputs.

Tasks carry a program as its canonical text and the block keys only: each worker
process compiles a program once (``_worker._run``'s cache) and needs nothing but lazyfuse.
``lf.jit(f)`` called with Dask arrays returns Dask arrays built this way.
"""

import functools as _functools
import math as _math
import operator as _operator

import dask.array as _da
import numpy as _np

from .. import _core
from .._core import ndarray as _lazy
from ._graph import (_elementwise, _is_operand, _lnp, _materialize, _matmul, _mean, _Node,
                     _node_of, _reduce, _source, _transpose, _var)
from ._worker import _run, worker_stats  # noqa: F401 - the tasks' function; counters

__all__ = ["Array", "Explanation", "from_dask", "to_dask", "explain", "jit", "worker_stats"]


class Array:
    """A lazyfuse expression over Dask arrays. Operations record; ``to_dask()``,
    ``compute()`` and ``np.asarray`` build the Dask graph of fused block programs."""

    __slots__ = ("_node",)
    __array_priority__ = 100

    def __init__(self, node):
        self._node = node

    @property
    def _lazyfuse_dask_node(self):
        return self._node

    # -- what it is
    @property
    def shape(self):
        return tuple(self._node.meta.shape)

    @property
    def dtype(self):
        return self._node.meta.dtype

    @property
    def ndim(self):
        return self._node.meta.ndim

    @property
    def size(self):
        return _math.prod(self.shape)

    @property
    def chunks(self):
        return self._node.chunks

    @property
    def numblocks(self):
        return self._node.numblocks

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __repr__(self):
        return (f"lazyfuse.dask.Array<shape={self.shape}, dtype={self.dtype}, "
                f"chunks={self.chunks}>")

    # -- results
    def to_dask(self):
        """The Dask array: one fused lazyfuse program per block."""
        return _materialize(self._node)

    def compute(self, **kwargs):
        """The value as a NumPy array (Dask's ``compute``, scheduler options passed on)."""
        return self.to_dask().compute(**kwargs)

    def persist(self, **kwargs):
        """An Array over the persisted Dask array."""
        return Array(_source(self.to_dask().persist(**kwargs)))

    def __array__(self, dtype=None, copy=None):
        out = _np.asarray(self.compute())
        return out if dtype is None else out.astype(dtype)

    # Dask's collection protocol, through the Dask array: dask.compute(x), dask.persist(x)
    # and a distributed Client's compute and persist take Arrays as they are.
    def __dask_graph__(self):
        return self.to_dask().__dask_graph__()

    def __dask_keys__(self):
        return self.to_dask().__dask_keys__()

    def __dask_layers__(self):
        return self.to_dask().__dask_layers__()

    def __dask_tokenize__(self):
        return self.to_dask().name

    def __dask_postcompute__(self):
        return self.to_dask().__dask_postcompute__()

    def __dask_postpersist__(self):
        return self.to_dask().__dask_postpersist__()

    @property
    def __dask_optimize__(self):
        return self.to_dask().__dask_optimize__

    @property
    def __dask_scheduler__(self):
        return self.to_dask().__dask_scheduler__

    def rechunk(self, chunks):
        return Array(_source(self.to_dask().rechunk(chunks)))

    # -- operations
    @staticmethod
    def _elementwise_op(fn, args, label, numpy_fn):
        """For lazyfuse.numpy's elementwise functions called with an Array among args."""
        return Array(_elementwise(fn, list(args), label, numpy_fn))

    def _unary(self, fn, label):
        return Array(_elementwise(fn, [self], label))

    def astype(self, dtype, copy=True):
        dtype = _np.dtype(dtype)
        return self._unary(lambda v: v.astype(dtype), "astype")

    def transpose(self, *axes):
        return Array(_transpose(self._node, axes))

    @property
    def T(self):
        return self.transpose()

    @property
    def real(self):
        return self._unary(lambda v: v.real, "real")

    @property
    def imag(self):
        return self._unary(lambda v: v.imag, "imag")

    def conj(self):
        return self._unary(lambda v: v.conj(), "conj")

    def _reduction(self, op, axis, dtype, out, keepdims, initial, where, name):
        if out is not None or initial is not _core._NOVALUE or where is not True or \
                dtype is not None:
            return self._by_dask(name, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                                 **({} if initial is _core._NOVALUE else {"initial": initial}),
                                 **({} if where is True else {"where": where}))
        return Array(_reduce(self._node, op, axis, bool(keepdims)))

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, initial=_core._NOVALUE, where=True):
        return self._reduction("sum", axis, dtype, out, keepdims, initial, where, "sum")

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, initial=_core._NOVALUE, where=True):
        return self._reduction("prod", axis, dtype, out, keepdims, initial, where, "prod")

    def max(self, axis=None, out=None, keepdims=False, initial=_core._NOVALUE, where=True):
        return self._reduction("max", axis, None, out, keepdims, initial, where, "max")

    def min(self, axis=None, out=None, keepdims=False, initial=_core._NOVALUE, where=True):
        return self._reduction("min", axis, None, out, keepdims, initial, where, "min")

    def any(self, axis=None, out=None, keepdims=False, *, where=True):
        return self._reduction("any", axis, None, out, keepdims, _core._NOVALUE, where, "any")

    def all(self, axis=None, out=None, keepdims=False, *, where=True):
        return self._reduction("all", axis, None, out, keepdims, _core._NOVALUE, where, "all")

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
        if dtype is not None or out is not None or where is not True:
            return self._by_dask("mean", axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                                 **({} if where is True else {"where": where}))
        return Array(_mean(self._node, axis, bool(keepdims)))

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
        return self._var(axis, dtype, out, ddof, keepdims, correction, False)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
        return self._var(axis, dtype, out, ddof, keepdims, correction, True)

    def _var(self, axis, dtype, out, ddof, keepdims, correction, root):
        if correction is not None:
            ddof = correction
        if dtype is not None or out is not None:
            return self._by_dask("std" if root else "var", axis=axis, dtype=dtype, out=out,
                                 ddof=ddof, keepdims=keepdims)
        return Array(_var(self._node, axis, ddof, bool(keepdims), root))

    def _by_dask(self, name, *args, **kwargs):
        return _by_dask(getattr(_np, name), (self,) + args, kwargs)

    def __matmul__(self, other):
        if not _is_operand(other):
            return NotImplemented
        node = _matmul(self._node, _node_of(other))
        return Array(node) if node is not None else _by_dask(_np.matmul, (self, other), {})

    def __rmatmul__(self, other):
        if not _is_operand(other):
            return NotImplemented
        node = _matmul(_node_of(other), self._node)
        return Array(node) if node is not None else _by_dask(_np.matmul, (other, self), {})

    def dot(self, other):
        return self @ other

    def __getitem__(self, key):
        return _by_dask(_operator.getitem, (self, key), {})

    def reshape(self, *shape, **kwargs):
        return _by_dask(_np.reshape, (self, shape[0] if len(shape) == 1 else shape), kwargs)

    def __bool__(self):
        return bool(self.compute())

    def __float__(self):
        return float(self.compute())

    def __int__(self):
        return int(self.compute())

    # -- NumPy's protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is _np.matmul and method == "__call__" and not kwargs and len(inputs) == 2:
            return _matmul_function(*inputs)
        lazy = getattr(_lnp(), ufunc.__name__, None) if ufunc.signature is None else None
        if method == "__call__" and not kwargs.get("out") and lazy is not None and \
                all(k in ("dtype",) for k in kwargs):
            dtype = kwargs.get("dtype")
            fn = lazy if dtype is None else (lambda *v: lazy(*v, dtype=dtype))
            numpy_fn = ufunc if dtype is None else (lambda *v: ufunc(*v, dtype=dtype))
            return Array(_elementwise(fn, list(inputs), ufunc.__name__, numpy_fn))
        if method == "reduce" and ufunc.__name__ in _UFUNC_REDUCTIONS and len(inputs) == 1 and \
                set(kwargs) <= {"axis", "keepdims"}:
            return getattr(self, _UFUNC_REDUCTIONS[ufunc.__name__])(
                axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims", False))
        return _by_dask(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        mine = _FUNCTIONS.get(func)
        if mine is not None:
            return mine(*args, **kwargs)
        return _by_dask(func, args, kwargs)


def _operators():
    """Python's operators on Array: the NumPy ufunc of each, as ``ndarray`` has them."""
    binary = {"add": _np.add, "sub": _np.subtract, "mul": _np.multiply,
              "truediv": _np.true_divide, "floordiv": _np.floor_divide, "mod": _np.remainder,
              "pow": _np.power, "and": _np.bitwise_and, "or": _np.bitwise_or,
              "xor": _np.bitwise_xor, "lshift": _np.left_shift, "rshift": _np.right_shift}
    for name, ufunc in binary.items():
        def forward(self, other, ufunc=ufunc):
            return self.__array_ufunc__(ufunc, "__call__", self, other) \
                if _is_operand(other) or _is_constant(other) else NotImplemented

        def reflected(self, other, ufunc=ufunc):
            return self.__array_ufunc__(ufunc, "__call__", other, self) \
                if _is_operand(other) or _is_constant(other) else NotImplemented
        setattr(Array, f"__{name}__", forward)
        setattr(Array, f"__r{name}__", reflected)
    comparisons = {"eq": _np.equal, "ne": _np.not_equal, "lt": _np.less,
                   "le": _np.less_equal, "gt": _np.greater, "ge": _np.greater_equal}
    for name, ufunc in comparisons.items():
        def compare(self, other, ufunc=ufunc):
            return self.__array_ufunc__(ufunc, "__call__", self, other) \
                if _is_operand(other) or _is_constant(other) else NotImplemented
        setattr(Array, f"__{name}__", compare)
    unary = {"neg": _np.negative, "pos": _np.positive, "abs": _np.absolute,
             "invert": _np.invert}
    for name, ufunc in unary.items():
        setattr(Array, f"__{name}__", lambda self, ufunc=ufunc: self.__array_ufunc__(
            ufunc, "__call__", self))
    Array.__hash__ = None


def _is_constant(x):
    return isinstance(x, (int, float, complex, bool, _np.generic)) or \
        (isinstance(x, _np.ndarray) and x.ndim == 0)


_operators()

_UFUNC_REDUCTIONS = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
                     "logical_and": "all", "logical_or": "any"}


def _method(name):
    def call(a, *args, **kwargs):
        return getattr(a if isinstance(a, Array) else from_dask(_node_of(a)), name)(*args, **kwargs)
    return call


def _where(condition, x=_core._NOVALUE, y=_core._NOVALUE):
    if x is _core._NOVALUE or y is _core._NOVALUE:
        args = [v for v in (x, y) if v is not _core._NOVALUE]
        return _by_dask(_np.where, (condition, *args), {})
    return Array(_elementwise(lambda c, a, b: _lnp().where(c, a, b), [condition, x, y], "where",
                              _np.where))


def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    if out is not None:
        return _by_dask(_np.clip, (a, a_min, a_max), {"out": out, **kwargs})
    lo = kwargs.pop("min", a_min)
    hi = kwargs.pop("max", a_max)
    return Array(_elementwise(lambda v, lo, hi: _lnp().clip(v, lo, hi), [a, lo, hi], "clip",
                              _np.clip))


def _transpose_function(a, axes=None):
    return Array(_transpose(_node_of(a), () if axes is None else (tuple(axes),)))


def _matmul_function(a, b):
    return Array(_node_of(a)) @ b


_FUNCTIONS = {
    _np.sum: _method("sum"), _np.prod: _method("prod"), _np.max: _method("max"),
    _np.min: _method("min"), _np.amax: _method("max"), _np.amin: _method("min"),
    _np.any: _method("any"), _np.all: _method("all"), _np.mean: _method("mean"),
    _np.var: _method("var"), _np.std: _method("std"), _np.where: _where, _np.clip: _clip,
    _np.transpose: _transpose_function, _np.dot: _matmul_function,
    _np.shape: lambda a: a.shape, _np.ndim: lambda a: a.ndim,
    _np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis],
}


def _to_dask_nested(x):
    if isinstance(x, Array):
        return x.to_dask()
    if isinstance(x, _lazy):
        return _np.asarray(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_to_dask_nested(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_dask_nested(v) for k, v in x.items()}
    return x


def _representable(x):
    """Whether Dask array x can be an Array: known chunk sizes and a lazyfuse dtype."""
    return not any(_math.isnan(d) for d in x.shape) and x.dtype.char in _core._DTYPE_CHARS


def _from_dask_nested(x):
    if isinstance(x, _da.Array):
        # Unknown chunk sizes (after a boolean mask) or other dtypes stay Dask's.
        return Array(_source(x)) if _representable(x) else x
    if isinstance(x, dict):
        return {k: _from_dask_nested(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(_from_dask_nested(v) for v in x)
    if isinstance(x, list):
        return [_from_dask_nested(v) for v in x]
    return x


def _by_dask(func, args, kwargs):
    """What lazyfuse.dask does not fuse: Dask's own implementation over the fused inputs
    (Dask arrays in, so NumPy's function dispatches to Dask's)."""
    return _from_dask_nested(func(*_to_dask_nested(args), **_to_dask_nested(kwargs)))


# ---------------------------------------------------------------------------------------
# Entry points.

def from_dask(x):
    """x (a ``dask.array.Array``) as a lazyfuse expression."""
    if isinstance(x, Array):
        return x
    if isinstance(x, _Node):
        return Array(x)
    if not isinstance(x, _da.Array):
        raise TypeError(f"from_dask: expected a dask.array.Array, got {type(x).__name__}")
    if any(_math.isnan(d) for d in x.shape):
        raise ValueError(f"from_dask: the array's chunk sizes are unknown (shape {x.shape}); "
                         "call its compute_chunk_sizes() first")
    if x.dtype.char not in _core._DTYPE_CHARS:
        raise _core.DTypeError(f"from_dask: lazyfuse does not support dtype {x.dtype}")
    return Array(_source(x))


def to_dask(x):
    """An Array's Dask array (Dask arrays and other values are returned as they are)."""
    return x.to_dask() if isinstance(x, Array) else x


def _jit_call(f, args, statics):
    """``lf.jit(f)(*args)`` with Dask arrays among args: f on Arrays, Dask arrays out."""
    wrapped = [a if i in statics else _from_dask_nested(a) for i, a in enumerate(args)]
    return _to_dask_nested(f(*wrapped))


def jit(f):
    """f over Dask arrays, returning Dask arrays of fused block programs (``lf.jit(f)``
    does the same when called with Dask arrays)."""
    @_functools.wraps(f)
    def call(*args):
        return _jit_call(f, args, ())
    return call


def explain(x, *args):
    """What Dask will run for x (an Array, or f called on Dask arrays ``args``; the first
    Array it returns): the fused block programs with the number of blocks running each,
    the Dask graph's size, and the size of the graph dask + NumPy builds for the same
    operations (``dask_numpy_tasks``)."""
    if callable(x) and not isinstance(x, (Array, _da.Array)):
        out = x(*[_from_dask_nested(a) for a in args])
        found = [v for v in (out if isinstance(out, (tuple, list)) else [out])
                 if isinstance(v, Array)]
        if not found:
            raise TypeError("explain: the function returned no lazyfuse.dask.Array")
        x = found[0]
    if isinstance(x, _da.Array):
        x = from_dask(x)
    if not isinstance(x, Array):
        raise TypeError(f"explain: expected a lazyfuse.dask.Array, got {type(x).__name__}")
    arr = x.to_dask()
    graph = arr.__dask_graph__()
    programs, stack, seen = {}, [x._node], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for text, count in node.programs.items():
            programs[text] = programs.get(text, 0) + count
        stack.extend(node.inputs)
    return Explanation(len(graph), programs, _dask_numpy_tasks(x._node))


def _dask_numpy_tasks(root):
    """The size of the graph dask + NumPy builds for the recorded operations; None
    where some operation has no dask + NumPy form here."""
    values, stack = {}, [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in values:
            continue
        if node.replay is None or not node.inputs:
            values[id(node)] = node.dask if node.replay is None and node.dask is not None else None
            continue
        if not expanded:
            stack.append((node, True))
            stack.extend((i, False) for i in node.inputs)
            continue
        args = [values[id(i)] for i in node.inputs]
        values[id(node)] = None if any(a is None for a in args) else node.replay(*args)
    out = values[id(root)]
    return None if out is None else len(out.__dask_graph__())


class Explanation:
    """``tasks``: the Dask graph's size; ``dask_numpy_tasks``: the size of dask + NumPy's
    graph for the same operations; ``programs``: block program text -> blocks."""

    def __init__(self, tasks, programs, dask_numpy_tasks):
        self.tasks, self.programs = tasks, dict(programs)
        self.dask_numpy_tasks = dask_numpy_tasks

    def __str__(self):
        lines = [f"dask graph: {self.tasks} tasks (dask + NumPy: {self.dask_numpy_tasks}); "
                 f"{len(self.programs)} distinct block program(s), "
                 f"{sum(self.programs.values())} block(s) in all"]
        for text, count in self.programs.items():
            lines += [f"-- run by {count} block(s):", text]
        return "\n".join(lines)

    __repr__ = __str__


# lazyfuse.numpy's functions hand Arrays to these.
_core._DEFERRED_TYPES.add(Array)
