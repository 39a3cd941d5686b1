"""The lazy ndarray and the functions over it (the NumPy-like surface).

Everything here only builds graphs in the native module; values are computed when a
result is needed (``np.asarray(x)``, ``float(x)``, ``repr(x)``, ``lazyfuse.eval``).
"""

import numbers as _numbers
import operator as _operator

import numpy as _np

from . import _native, _ops
from ._base import _Base, _pending_base, part_dtype, replay_native, replay_numpy, stand_in
from .errors import BindingError, DTypeError, IndexingError, InvalidArgumentError, LazyfuseError
from ._methods import ArrayMethods
from ._protocols import NumpyProtocols

# NumPy's marker for "argument not given" (its keyword defaults use it too).
_NOVALUE = _np._NoValue

_SUPPORTED_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64",
                     "uint32", "uint16", "uint8", "bool", "complex128", "complex64")
# Their dtype.char (a C attribute: dtype.name is Python code), any byte order.
_DTYPE_CHARS = "efdbhilqBHILQ?FD"
# Common dtype arguments, named without asking NumPy (np.dtype(x).name is Python code).
_SCALAR_DTYPES = {getattr(_np, n) if n != "bool" else _np.bool_: n for n in _SUPPORTED_DTYPES}
_DTYPE_NAMES = {**_SCALAR_DTYPES, **{_np.dtype(n): n for n in _SUPPORTED_DTYPES},
                **{n: n for n in _SUPPORTED_DTYPES},
                float: "float64", int: "int64", bool: "bool", complex: "complex128"}

_ZERO_D_AXIS_OK = ("sum", "prod", "max", "min", "any", "all", "argmax", "argmin")


def _dtype_name(dtype):
    if dtype is None:
        return None
    name = _DTYPE_NAMES.get(dtype)
    if name is not None:
        return name
    name = _np.dtype(dtype).name
    if name not in _SUPPORTED_DTYPES:
        raise DTypeError(f"lazyfuse does not support dtype {name} ({', '.join(_SUPPORTED_DTYPES)})")
    return name


def _operand(x):
    """A native operand: a native array, or a Python scalar (weak, as in NumPy 2)."""
    if isinstance(x, ndarray):
        return x._native_array
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, _np.generic):
        return x
    dtype = _SCALAR_DTYPES.get(type(x))
    if dtype is not None:
        return _native.scalar(x, dtype)  # a NumPy scalar: strong, a run-time input
    if isinstance(x, (_np.ndarray, _np.generic, list, tuple)) or isinstance(x, _numbers.Number):
        return asarray(x)._native_array
    raise TypeError(f"unsupported operand type {type(x).__name__}")


def _axes(axis):
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return [_index(a) for a in axis]
    return [_index(axis)]


def _shape(shape):
    """A shape argument (an int or a sequence of them) as a list of ints."""
    if isinstance(shape, (int, _np.integer)):
        return [int(shape)]
    return [int(s) for s in shape]


def _index(i):
    if isinstance(i, (bool, _np.bool_)):
        raise TypeError("an axis or index must be an integer, not bool")
    return _operator.index(i)


# IR binary op -> NumPy's ufunc, from the one table in ir/src/op.rs.
_BINARY_UFUNC = {op: getattr(_np, names[0]) for op, names in _ops.BINARY.items()
                 if names and isinstance(getattr(_np, names[0], None), _np.ufunc)}


_EAGER_ELEMENTS = 4096
_EAGER_SCALARS = frozenset([float, int, bool, *_SCALAR_DTYPES])

# Array types that record operations on arrays elsewhere (lazyfuse.dask.Array, added when
# lazyfuse.dask is imported): lazyfuse.numpy's functions hand them to NumPy's function of
# the same name, which they implement (__array_ufunc__, __array_function__).
_DEFERRED_TYPES = set()


def _set_eager_limit(elements):
    """Operations on arrays already in memory with at most `elements` elements run at
    once, by NumPy, instead of joining a lazy program (default 4096; 0 makes every
    operation lazy). Returns the previous limit.

    On arrays this small an operation costs its dispatch, not its memory traffic, and
    NumPy's dispatch is cheaper than building, compiling and running a program; fusing
    saves nothing. Measured in benches/programs (see README, "When lazyfuse computes")."""
    global _EAGER_ELEMENTS
    elements = _operator.index(elements)
    if elements < 0:
        raise ValueError(f"set_eager_limit: the limit must be >= 0, not {elements}")
    previous, _EAGER_ELEMENTS = _EAGER_ELEMENTS, elements
    _native.set_eager_limit(elements)  # the native operators' copy
    return previous


def _small(x):
    """x's NumPy view if x is a lazy array in memory (a materialised base) of at most
    the eager limit's elements, else None."""
    view = x._np
    if view is None:
        if x._base.buffer is None:
            return None
        view = x._numpy_view()
    return view if view.size <= _EAGER_ELEMENTS else None


_from_numpy = _native.from_numpy  # a lazy array in memory holding NumPy's result


def _eager_binary(ufunc, view, other, reflected):
    """``ufunc(view, other)`` (``ufunc(other, view)`` if reflected) by NumPy at once, in
    memory, when other is eager too (see _eager_operand); None where it is not or NumPy
    raises (the lazy path then raises lazyfuse's error)."""
    other_view = _eager_operand(other)
    if other_view is None:
        return None
    try:
        return _from_numpy(ufunc(other_view, view) if reflected else ufunc(view, other_view))
    except FloatingPointError:
        raise  # np.errstate asked for it, as NumPy raises it
    except (ValueError, TypeError, ArithmeticError):
        return None


def _eager_operand(x):
    """x as NumPy computes it at once (a tiny lazy array in memory as its NumPy view, a
    tiny NumPy array of a supported dtype, a scalar), or None."""
    kind = type(x)
    if kind is ndarray:
        return _small(x)
    if kind in _EAGER_SCALARS:
        return x
    if kind is _np.ndarray and x.size <= _EAGER_ELEMENTS and x.dtype.char in _DTYPE_CHARS:
        return x
    return None


def _eager_when_small(numpy_func):
    """Decorates a lazyfuse.numpy function: called on arrays that are all small and in
    memory (see _small) it gives `numpy_func`'s answer at once, in memory; otherwise,
    or if NumPy raises or answers in a dtype lazyfuse lacks, the lazy function runs
    (and raises lazyfuse's error)."""
    def wrap(lazy_func):
        def function(*args, **kwargs):
            if _EAGER_ELEMENTS:
                result = _native.eager_call(numpy_func, args, kwargs)
                if result is not None:
                    return result
            return lazy_func(*args, **kwargs)
        function.__name__ = lazy_func.__name__
        function.__qualname__ = lazy_func.__qualname__
        function.__doc__ = lazy_func.__doc__
        function.__wrapped__ = lazy_func
        return function
    return wrap


class ndarray(_native.Handle, ArrayMethods, NumpyProtocols):
    """A lazy array: operations build a graph; results are computed when needed.

    A handle on a base (its storage, `_base._Base`) through a chain of view
    operations: views, in-place operators and item assignment alias as in NumPy."""

    # The native Handle holds `_base`, `_chain` (view operations from the base), `_lazy`
    # (the chain replayed on the base's node) and `_np` (the NumPy view of a base in
    # memory); `ndarray(native)` is a handle on a new pending base, `ndarray._over(base,
    # chain)` one on an existing base.
    __slots__ = ("__weakref__",)
    __array_priority__ = 1000
    __hash__ = None

    @property
    def _native_array(self):
        """The current value, lazily: the base's pending node with the chain applied,
        or a read of the buffer that keeps this version's values."""
        base = self._base
        if base.buffer is not None:
            self._lazy = None
            return base.read_cell().read(self._numpy_view())
        if not self._chain:
            return base.node
        lazy = self._lazy
        if lazy is None or lazy[0] is not base.node:
            lazy = (base.node, replay_native(base.node, self._chain))
            self._lazy = lazy
        return lazy[1]

    def _numpy_view(self):
        """This handle as a NumPy view of the base's buffer (which must exist); the
        buffer never changes once made, so the view is kept."""
        view = self._np
        if view is None:
            view = replay_numpy(self._base.buffer, self._chain)
            self._np = view
        return view

    # `_view(name, arg)` (a view: the chain and one more view operation) is native.

    # --- attributes ---------------------------------------------------------------
    # `shape`, `ndim` and `size` are the native Handle's: an array in memory answers
    # from its NumPy view, any other through `_shape_slow`.
    def _shape_slow(self):
        view = self._np
        if view is not None:
            return view.shape
        if not self._chain:
            return self._base.shape
        if self._base.buffer is not None:
            return self._numpy_view().shape
        return tuple(self._native_array.shape)

    def _set_shape(self, shape):
        new = self.reshape(shape)
        if new._base is not self._base or (self._np is not None and new._np is not None
                                           and new._np.size
                                           and not _np.shares_memory(new._np, self._np)):
            raise AttributeError("Incompatible shape for in-place modification. Use "
                                 "`.reshape()` to make a copy with the desired shape.")
        self._chain, self._np, self._lazy = new._chain, new._np, None

    @property
    def dtype(self):
        return part_dtype(self._base.dtype, self._chain) if self._chain else self._base.dtype

    # `T` (the transpose, a view) is the native Handle's.

    @property
    def real(self):
        """The real part: the array itself for real dtypes, a view of the real parts
        for complex ones (writes to it change this array, as in NumPy)."""
        if self.dtype.kind == "c":
            return self._view("real", None)
        return ndarray._over(self._base, self._chain)

    @real.setter
    def real(self, value):
        self.real[...] = value

    @property
    def imag(self):
        """The imaginary part: a view of it for complex dtypes (writable, as in NumPy);
        read-only zeros for real dtypes."""
        if self.dtype.kind == "c":
            return self._view("imag", None)
        return asarray(_np.broadcast_to(_np.zeros((), self.dtype), self.shape))

    @imag.setter
    def imag(self, value):
        if self.dtype.kind != "c":
            raise TypeError("array does not have imaginary part to set")
        self.imag[...] = value

    def __len__(self):
        view = self._np
        if view is not None:
            return len(view)
        shape = self.shape
        if not shape:
            raise TypeError("len() of unsized object")
        return shape[0]

    # --- evaluation -----------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        if dtype is not None and _np.dtype(dtype) != out.dtype:
            return out.astype(dtype)
        return out.copy() if copy else out

    def numpy(self):
        """The computed value as a NumPy array: the array's own memory (as
        ``np.asarray`` of a NumPy array is), so writes through either are seen by both."""
        self._base.materialise()
        return self._numpy_view()

    def __repr__(self):
        return "lazyfuse." + repr(self.numpy()).replace("\n", "\n" + " " * 9)

    def __str__(self):
        return str(self.numpy())

    def __reduce__(self):
        # Pickled as its values (NumPy's pickle of the evaluated array): pickle,
        # multiprocessing and joblib take lazy arrays.
        return (_unpickle, (self.numpy(),))

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __contains__(self, value):
        # NumPy's: whether any element equals value (`x in a`), not a walk over rows.
        return bool((self == value).any())

    def __format__(self, spec):
        # NumPy's: a 0-d array formats its element (f"{np.sum(x):.3f}"); other arrays
        # take only the empty spec.
        return format(self.numpy(), spec)

    # (An array in memory converts through its NumPy view, `_np`, without numpy()'s
    # calls: `float(np.dot(v, w) / np.dot(v, v))` is a loop's every step.)
    def __float__(self):
        view = self._np
        return float(view if view is not None else self.numpy())

    def __complex__(self):
        return complex(self.numpy())

    def __int__(self):
        view = self._np
        return int(view if view is not None else self.numpy())

    def __index__(self):
        view = self._np
        return (view if view is not None else self.numpy()).__index__()

    def __bool__(self):
        view = self._np
        return bool(view if view is not None else self.numpy())

    def item(self, *args):
        view = self._np
        return (view if view is not None else self.numpy()).item(*args)

    def tolist(self):
        return self.numpy().tolist()

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    # --- operators ------------------------------------------------------------------
    def _binary(self, op, other, reflected=False):
        kind = type(other)
        view = _small(self)
        ufunc = _BINARY_UFUNC.get(op)
        if view is not None and ufunc is not None:
            out = _eager_binary(ufunc, view, other, reflected)
            if out is not None:
                return out
        operand = other
        if kind is ndarray:
            other = other._native_array  # the common cases first: dispatch cost
        elif kind is float:
            pass
        else:
            if kind is int and op in _COMPARISONS and self.dtype.kind in "iu":
                answer = _out_of_range_comparison(self, op, other, reflected)
                if answer is not None:
                    return answer
            if _needs_numpy(other):
                return _binary_by_numpy(op, self, other, reflected)
            try:
                other = _operand(other)
            except TypeError:
                return NotImplemented
        return _elementwise(self._native_array.binary(op, other, reflected), self, operand)

    # The operators (+, -, *, /, //, %, **, &, |, ^, <<, >> and comparisons) are the native
    # Handle's: tiny arrays in memory and plain operands take native paths, every other
    # case comes here, to _binary.



    def __matmul__(self, o):
        # Both small and in memory: NumPy's product at once (see _functions.dot).
        result = _native.eager_pair(_operator.matmul, self, o)
        if result is not None:
            return result
        try:
            return ndarray(self._native_array.matmul(asarray(o)._native_array))
        except TypeError:
            return NotImplemented

    def __rmatmul__(self, o):
        try:
            return ndarray(asarray(o)._native_array.matmul(self._native_array))
        except TypeError:
            return NotImplemented

    def __neg__(self): return self._unary_op("neg")
    def __pos__(self): return self
    def __abs__(self): return self._unary_op("abs")

    def __invert__(self): return self._unary_op("invert")

    # --- in-place operators: they update this array (and every view of its base) -----
    # `_inplace(ufunc, op, other)` is native (tiny arrays in memory); it calls
    # _inplace_slow for everything else.
    def _inplace_slow(self, ufunc, op, other):
        base = self._base
        if op == "mul" and self.size == 1 and self.dtype.kind == "c":
            # NumPy multiplies one complex element in place as its product reduction
            # does (each product rounded; its loop takes the aliased single element
            # for a reduction), not with the fused multiply-adds of its other complex
            # products: NumPy computes it below.
            op = None
        if base.buffer is None and not self._chain and op is not None:
            # A whole pending array: the new version is a new node (it stays lazy and
            # fuses), with NumPy's same_kind output cast and shape check.
            try:
                result = self._binary(op, other)
            except ValueError:
                _type_check(ufunc, self, other)  # NumPy checks the cast first
                raise
            if result is NotImplemented:
                return NotImplemented
            _check_output(ufunc, result, self)
            if result.dtype != self.dtype:
                result = result.astype(self.dtype)
            base.replace(result._native_array)
            return self
        if op is not None and _native.tracing() and base.buffer is None and (
                _native.is_traced(base.node)
                or (type(other) is ndarray and _native.is_traced(other._native_array))):
            # A part of a pending array inside a traced function: a functional update.
            result = self._binary(op, other)
            _check_output(ufunc, result, self)
            _assign(self, Ellipsis, result)
            return self
        if op is not None and (type(other) is ndarray or type(other) in _EAGER_SCALARS) \
                and self._inplace_by_plan(op, other):
            return self
        # Memory exists (or a part is updated): NumPy computes into it in place.
        other = other.numpy() if isinstance(other, ndarray) else other
        view = _writable(self)
        ufunc(view, other, out=view)
        return self

    def _inplace_by_plan(self, op, other):
        """``self op= other`` on memory, as one compiled pass reading and writing it in
        place (no temporary), where that is the same as NumPy's: the result has this
        array's dtype and shape, other does not read this base, and nothing pending
        reads it (that would need a snapshot). False, having written nothing, else."""
        base = self._base
        if type(other) is ndarray and other._base is base:
            return False
        base.materialise()
        view = self._numpy_view()
        if view.size <= _EAGER_ELEMENTS or not view.flags.writeable:
            return False
        cell = base.cell
        if cell is not None and cell.readers():
            return False
        own = ndarray(_native.asarray(view))  # the destination, read in place
        try:
            value = own._binary(op, other)
        except (ValueError, TypeError, ArithmeticError, LazyfuseError):
            return False
        if (type(value) is not ndarray or value.dtype != view.dtype
                or value.shape != view.shape):
            return False
        return _native.evaluate_into(value._native_array, view)

    def __iadd__(self, o): return self._inplace(_np.add, "add", o)
    def __isub__(self, o): return self._inplace(_np.subtract, "sub", o)
    def __imul__(self, o): return self._inplace(_np.multiply, "mul", o)
    def __itruediv__(self, o): return self._inplace(_np.true_divide, "div", o)
    def __ifloordiv__(self, o): return self._inplace(_np.floor_divide, "floordiv", o)
    def __imod__(self, o): return self._inplace(_np.remainder, "rem", o)
    def __ipow__(self, o): return self._inplace(_np.power, "pow", o)
    def __iand__(self, o): return self._inplace(_np.bitwise_and, "bitwise_and", o)
    def __ior__(self, o): return self._inplace(_np.bitwise_or, "bitwise_or", o)
    def __ixor__(self, o): return self._inplace(_np.bitwise_xor, "bitwise_xor", o)
    def __ilshift__(self, o): return self._inplace(_np.left_shift, "left_shift", o)
    def __irshift__(self, o): return self._inplace(_np.right_shift, "right_shift", o)

    def __imatmul__(self, o):
        # NumPy: a @= b is a = a @ b computed into a (same shape only).
        result = self @ o
        if result is NotImplemented:
            return NotImplemented
        if result.shape != self.shape:
            raise ValueError(f"matmul: in-place result shape {result.shape} does not "
                             f"match the array's {self.shape}")
        _check_output(_np.matmul, result, self)
        self[...] = result
        return self

    # --- indexing -------------------------------------------------------------------
    def _getitem(self, key):
        """``self[key]`` (called by the native ``Handle.__getitem__``, which reads single
        elements of arrays in memory itself)."""
        basic = _basic_key(key)
        if basic is None:
            # Integer arrays, boolean masks: a copy, as NumPy's advanced indexing gives;
            # tiny arrays in memory by NumPy at once, others a lazy gather.
            if _small(self) is not None:
                # NumPy's copy at once, by one native call where the index arrays are
                # small and in memory too and the result's dtype is lazyfuse's.
                result = _native.eager_call(_operator.getitem, (self, key))
                if result is not None:
                    return result
                return _at_once(_operator.getitem, self, _evaluate_nested(key))
            return _gather(self, key)
        base = self._base
        if base.buffer is None and (_has_bounds(basic) or _is_element(basic, self.ndim)):
            # An integer or a slice bound: the base is computed (flushed) once and the
            # element or view read from its memory. Bounds then never enter a program,
            # so a loop over indices compiles nothing new and its graphs do not grow
            # (a loop-carried array is flushed once per iteration where it is read).
            try:
                base.materialise()
            except BindingError:
                pass  # a traced parameter: the element stays lazy
        if base.buffer is not None:
            try:
                item = self._numpy_view()[basic]
            except IndexError as e:
                raise IndexingError(str(e)) from None
            except ValueError as e:  # a zero slice step
                raise InvalidArgumentError(str(e)) from None
            if not isinstance(item, _np.ndarray):
                return item  # a NumPy scalar, as NumPy gives
            out = ndarray._over(base, self._chain + (("index", basic),))
            out._np = item
            return out
        return self._view("index", basic)

    def _setitem(self, key, value):
        """``self[key] = value`` (called by the native ``Handle.__setitem__``, which
        writes plain scalars to single elements of arrays in memory itself)."""
        _assign(self, key, value)

    # --- methods --------------------------------------------------------------------
    # `_reduce(op, axis, keepdims)` is native; it calls _reduce_slow where it stops.
    def _reduce_slow(self, op, axis=None, keepdims=False):
        view = _small(self)
        if view is not None and op in _REDUCE_NUMPY:
            try:
                return _from_numpy(_REDUCE_NUMPY[op](view, axis=axis, keepdims=keepdims))
            except FloatingPointError:
                raise  # np.errstate asked for it, as NumPy raises it
            except (ValueError, TypeError, ArithmeticError, IndexError):
                pass  # the lazy path raises lazyfuse's error
        if op in ("argmax", "argmin") and axis is not None:
            axis = _index(axis)  # one axis: a tuple is a TypeError, as in NumPy
        axes = _axes(axis)
        if (axes is not None and not self._native_array.shape and op in _ZERO_D_AXIS_OK
                and not isinstance(axis, (tuple, list)) and axes[0] in (0, -1)):
            axes = None  # as NumPy: an int axis 0 (or -1) on a 0-d array (mean: AxisError)
        return ndarray(self._native_array.reduce("reduce_" + op, axes, bool(keepdims)))

    # With dtype=, NumPy converts the elements first and reduces in that dtype (so
    # sum([.6, .6, .6], dtype=int64) is 0), then gives the result that dtype. out=,
    # initial= and where= are computed by NumPy on the evaluated values.
    def sum(self, axis=None, dtype=None, out=None, keepdims=False, initial=_NOVALUE,
            where=True):
        if out is not None or initial is not _NOVALUE or where is not True:
            return _by_numpy(_np.sum, self, axis=axis, dtype=dtype, out=out,
                             keepdims=keepdims, initial=initial, where=where)
        if dtype is None:
            return self._reduce("sum", axis, keepdims)
        return _with_dtype(_with_dtype(self, dtype)._reduce("sum", axis, keepdims), dtype)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, initial=_NOVALUE,
             where=True):
        if out is not None or initial is not _NOVALUE or where is not True:
            return _by_numpy(_np.prod, self, axis=axis, dtype=dtype, out=out,
                             keepdims=keepdims, initial=initial, where=where)
        if dtype is None:
            return self._reduce("prod", axis, keepdims)
        return _with_dtype(_with_dtype(self, dtype)._reduce("prod", axis, keepdims), dtype)

    def max(self, axis=None, out=None, keepdims=False, initial=_NOVALUE, where=True):
        if out is not None or initial is not _NOVALUE or where is not True:
            return _by_numpy(_np.max, self, axis=axis, out=out, keepdims=keepdims,
                             initial=initial, where=where)
        return self._reduce("max", axis, keepdims)

    def min(self, axis=None, out=None, keepdims=False, initial=_NOVALUE, where=True):
        if out is not None or initial is not _NOVALUE or where is not True:
            return _by_numpy(_np.min, self, axis=axis, out=out, keepdims=keepdims,
                             initial=initial, where=where)
        return self._reduce("min", axis, keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
        if out is not None or where is not True:
            return _by_numpy(_np.mean, self, axis=axis, dtype=dtype, out=out,
                             keepdims=keepdims, where=where)
        return _with_dtype(_with_dtype(self, dtype)._reduce("mean", axis, keepdims), dtype)

    def any(self, axis=None, out=None, keepdims=False, *, where=True):
        if out is not None or where is not True:
            return _by_numpy(_np.any, self, axis=axis, out=out, keepdims=keepdims, where=where)
        return self._reduce("any", axis, keepdims)

    def all(self, axis=None, out=None, keepdims=False, *, where=True):
        if out is not None or where is not True:
            return _by_numpy(_np.all, self, axis=axis, out=out, keepdims=keepdims, where=where)
        return self._reduce("all", axis, keepdims)

    def argmax(self, axis=None, out=None, *, keepdims=False):
        if out is not None:
            return _by_numpy(_np.argmax, self, axis=axis, out=out, keepdims=keepdims)
        return self._reduce("argmax", axis, keepdims)

    def argmin(self, axis=None, out=None, *, keepdims=False):
        if out is not None:
            return _by_numpy(_np.argmin, self, axis=axis, out=out, keepdims=keepdims)
        return self._reduce("argmin", axis, keepdims)

    def var(self, axis=None, ddof=0, keepdims=False):
        return var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, ddof=0, keepdims=False):
        return std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def _layout_probe(self):
        """A NumPy array with this handle's shape, dtype and strides (its memory view,
        or a stand-in owning no memory when pending): NumPy's stride arithmetic on it
        says whether a reshape is a view."""
        base = self._base
        if base.buffer is not None:
            return self._numpy_view()
        return replay_numpy(stand_in(base), self._chain)

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        if order != "C":
            return _by_numpy(_np.reshape, self, shape, order=order)
        view = self._np
        if view is not None:
            # In memory: NumPy's reshape of the view checks the shape, resolves -1 and
            # says whether it is a view; a copy or an error takes the path below.
            try:
                return self._view("reshape", view.reshape(shape, copy=False).shape)
            except (ValueError, TypeError):
                pass
        native = self._native_array.reshape([_index(s) for s in shape])
        shape = tuple(native.shape)
        # A view where NumPy gives one (its stride arithmetic decides), else a copy.
        try:
            self._layout_probe().reshape(shape, copy=False)
        except ValueError:
            return ndarray(native)
        return self._view("reshape", shape)

    def ravel(self, order="C"):
        return self._ravel_c() if order == "C" else _raveled(self, order)

    def _ravel_c(self):
        # NumPy's ravel is a view of C-contiguous memory only (reshape(-1) is one
        # wherever strides allow).
        if self._layout_probe().flags.c_contiguous:
            return self.reshape(-1)
        return ndarray(self.reshape(-1)._native_array)

    def flatten(self, order="C"):
        flat = self._ravel_c() if order == "C" else _raveled(self, order)
        return ndarray(flat._native_array)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return self._view("transpose", None if not axes else tuple(_index(a) for a in axes))

    def swapaxes(self, a, b):
        return swapaxes(self, a, b)

    def squeeze(self, axis=None):
        axes = _axes(axis)
        return self._view("squeeze", None if axes is None else tuple(axes))

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        order = _check_order(order, default="K")
        if casting != "unsafe" and not _np.can_cast(self.dtype, dtype, casting):
            raise TypeError(f"Cannot cast array data from {self.dtype!r} to "
                            f"{_np.dtype(dtype)!r} according to the rule {casting!r}")
        layout = _layout_for(self, order)
        if not copy and _np.dtype(dtype) == self.dtype and (
                order in ("A", "K") or layout == ("F" if _fortran_only(self) else "C")):
            return self
        view = _small(self)
        if view is not None:
            _dtype_name(dtype)  # lazyfuse's DTypeError for a dtype it lacks
            return _from_numpy(view.astype(dtype, order=order))
        out = _elementwise(self._native_array.astype(_dtype_name(dtype)), self)
        return out if order == "K" else _laid_out(out, layout)

    def copy(self, order="C"):
        """An independent array with this one's current values (computed lazily, or at
        once for a tiny array in memory), laid out in `order` (NumPy's meaning)."""
        order = _check_order(order)
        view = _small(self)
        if view is not None:
            return _from_numpy(view.copy(order=order))  # NumPy's layout, any K order
        return _laid_out(ndarray(self._native_array), _layout_for(self, order))

    def fill(self, value):
        self[...] = value

    def clip(self, a_min=_NOVALUE, a_max=_NOVALUE, out=None, *, min=_NOVALUE, max=_NOVALUE):  # noqa: A002
        return clip(self, a_min, a_max, out, min=min, max=max)

    def dot(self, other):
        return dot(self, other)

    def to_dot(self):
        """The program computing this array, as Graphviz DOT text."""
        return self._native_array.to_dot()

    def _repr_html_(self):
        """In a notebook: shape, dtype and the pending program (a Graphviz picture, or
        its text), without computing anything; ``repr`` shows the values."""
        from . import _pictures
        head = (f"<p><b>lazyfuse.ndarray</b> shape={self.shape} dtype={self.dtype.name} "
                f"(lazy: not computed yet)</p>")
        return head + _pictures.html_picture(self.to_dot(), self._native_array.program_text())


# The reductions NumPy computes for tiny arrays in memory (see _small): ndarray's own
# methods, which give what the module functions give for an ndarray (those call the
# same reductions) without their Python wrapper (np.sum of 200 floats takes 1.45 µs,
# ndarray.sum 0.74).
_REDUCE_NUMPY = {name: getattr(_np.ndarray, name) for name in
                 ("mean", "any", "all", "argmax", "argmin")}
# (ndarray.sum calls np.add.reduce through a Python function: the ufuncs' reduce
# directly, as for prod, max and min.)
_REDUCE_NUMPY.update(sum=_np.add.reduce, prod=_np.multiply.reduce, max=_np.maximum.reduce,
                     min=_np.minimum.reduce)
_native.register_reductions(_REDUCE_NUMPY)

def _with_dtype(a, dtype):
    return a if dtype is None else a.astype(dtype)


# --- functions -----------------------------------------------------------------------

# The elementwise functions: explicit definitions generated from ir/src/op.rs.
_native.register_array_type(ndarray)

from ._convert import _unpickle, array, asarray, copy  # noqa: E402,F401
from ._order import (_check_order, _elementwise, _fortran_only, _laid_out,  # noqa: E402,F401
                     _layout_for, _raveled)
from ._dispatch import (_COMPARISONS, _UNARY_UFUNC, _binary,  # noqa: E402,F401
                        _at_once, _binary_by_numpy, _by_numpy, _evaluate_nested, _fallback_call,
                        _is_python_scalar,
                        _needs_numpy, _out_of_range_comparison, _ufunc_into, _unary,
                        _unary_slow)
from ._indexing import (_assign, _basic_key, _gather, _check_output, _has_bounds,  # noqa: E402
                        _is_element, _type_check, _writable)

from ._ufuncs import *  # noqa: E402,F401,F403
from ._functions import *  # noqa: E402,F401,F403
from ._creation import *  # noqa: E402,F401,F403
from ._creation import full, zeros  # noqa: E402  (used above)
from ._writes import *  # noqa: E402,F401,F403
from ._manipulation import *  # noqa: E402,F401,F403
from ._statistics import *  # noqa: E402,F401,F403
from ._einsum import *  # noqa: E402,F401,F403
from ._quantiles import *  # noqa: E402,F401,F403
from ._shaping import *  # noqa: E402,F401,F403
from ._searching import *  # noqa: E402,F401,F403
from ._histograms import *  # noqa: E402,F401,F403
from ._composed import *  # noqa: E402,F401,F403
from ._ufuncs import floor, rint, maximum, minimum, sqrt  # noqa: E402  (used above)
