"""Index keys (basic ones in canonical form) and item assignment with NumPy's
semantics: ``a[key] = value`` on a lazy array, writes computed straight into memory,
whole-array writes to pending bases, and the write checks in-place operators share."""

import builtins as _builtins

import numpy as _np

from . import _core, _native
from ._core import _evaluate_nested, _index, asarray, ndarray
from .errors import IndexingError


def _basic_key(key):
    """`key` as a tuple of basic index items (ints, slices, None, Ellipsis), or None
    when it holds an advanced index (an array, a list, a boolean)."""
    items = key if isinstance(key, tuple) else (key,)
    for k in items:
        # Fast path (every lazy slice pays it): items already in canonical form.
        kind = type(k)
        if kind is int or k is None or k is Ellipsis:
            continue
        if kind is slice and type(k.start) in _BOUND_TYPES and type(k.stop) in _BOUND_TYPES \
                and type(k.step) in _BOUND_TYPES:
            continue
        return _canonical_key(items)
    return items


_BOUND_TYPES = (int, type(None))


def _canonical_key(items):
    out = []
    for k in items:
        if k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, slice):
            out.append(slice(*(None if v is None else _index(v)
                               for v in (k.start, k.stop, k.step))))
        elif isinstance(k, (bool, _np.bool_)):
            return None
        elif isinstance(k, (int, _np.integer)):
            out.append(int(k))
        elif isinstance(k, (ndarray, _np.ndarray)) and k.ndim == 0 and k.dtype.kind in "iu":
            out.append(int(k))
        else:
            return None
    return tuple(out)


def _gather(x, key):
    """``x[key]`` for a key holding advanced indices (integer arrays, masks), lazily:
    NumPy applies the key to coordinate grids of x's shape (broadcast views, no memory),
    which gives every result element's flat C-order position in x with NumPy's rules
    (index broadcasting, the placement of advanced axes, masks, negative indices and
    IndexError for one out of bounds); x's elements at those positions are gathered
    lazily (x is not evaluated; the index arrays are: the result's shape depends on a
    mask's values, and positions are checked now, as NumPy checks them)."""
    lazy_key = _holds_lazy(key)
    key = _evaluate_nested(key)
    shape = x.shape
    full_mask = isinstance(key, _np.ndarray) and key.dtype == _np.bool_ and key.shape == shape
    try:
        if full_mask:
            positions = _np.flatnonzero(key)  # a full mask: its flat positions
        elif (rows := _row_positions(shape, key)) is not None:
            positions = rows
        else:
            positions = _flat_positions(shape, key)
    except IndexError as e:
        raise IndexingError(str(e)) from None
    positions = _np.asarray(positions, dtype=_np.int64)
    # NumPy lays a fancy-indexed result out with the indexed dimensions first in memory
    # (x[:, idx] is F-ordered), and ravel, reshape and writes through them see it: the
    # gather computes in that memory order and the result is its transposed view.
    order = _memory_order(positions)
    made = "a boolean mask's True elements" if full_mask else "an advanced index"
    evaluated = " (the lazy index was evaluated first)" if lazy_key else ""
    note = (f"flat positions into shape {shape} of {made}, {positions.size} of them, "
            f"computed before the program{evaluated}: the result's shape and the "
            "bounds checks depend on the index's values")
    gathered = ndarray(x._native_array.gather(
        asarray(_np.ascontiguousarray(positions.transpose(order)))._native_array, note))
    if order == sorted(order):
        return gathered
    return gathered.transpose(tuple(_np.argsort(order)))


def _holds_lazy(key):
    """Whether an index key holds a lazy array (which indexing must evaluate)."""
    if isinstance(key, ndarray):
        return True
    if isinstance(key, (tuple, list)):
        return _builtins.any(_holds_lazy(k) for k in key)
    return False


def _memory_order(a):
    """a's axes from the outermost in memory to the innermost (extent-1 axes, which
    never move, first)."""
    if a.size == 0:
        return list(range(a.ndim))
    return sorted(range(a.ndim), key=lambda k: (a.shape[k] != 1, -abs(a.strides[k]), k))


def _row_positions(shape, key):
    """The positions of ``array[idx]`` for one integer array (or list) `idx` indexing
    the first axis, the most common fancy index, without coordinate grids; None for any
    other key."""
    if isinstance(key, tuple):
        if len(key) != 1:
            return None
        key = key[0]
    if isinstance(key, list) and key and _builtins.all(type(k) is int for k in key):
        key = _np.asarray(key, dtype=_np.int64)
    if not (isinstance(key, _np.ndarray) and key.dtype.kind in "iu" and shape):
        return None
    n = shape[0]
    idx = key.astype(_np.int64, copy=False)
    if idx.size:
        low, high = idx.min(), idx.max()
        if low < -n or high >= n:
            bad = low if low < -n else high
            raise IndexError(f"index {bad} is out of bounds for axis 0 with size {n}")
        if low < 0:
            idx = _np.where(idx < 0, idx + n, idx)
    row = 1
    for d in shape[1:]:
        row *= d
    if len(shape) == 1:
        return idx
    return (idx[..., None] * row + _np.arange(row, dtype=_np.int64)).reshape(idx.shape + shape[1:])


def _flat_positions(shape, key):
    """The flat C-order position in an array of `shape` of each element ``array[key]``
    selects, computed by NumPy on per-axis coordinate grids."""
    ndim = len(shape)
    positions = _np.zeros((), _np.int64)[key] if ndim == 0 else None
    stride = 1
    for axis in reversed(range(ndim)):
        coords = _np.arange(shape[axis], dtype=_np.int64).reshape(
            [-1 if k == axis else 1 for k in range(ndim)])
        picked = _np.broadcast_to(coords, shape)[key]
        term = picked * stride if stride != 1 else picked
        positions = term if positions is None else positions + term
        stride *= shape[axis]
    return positions


def _is_element(key, ndim):
    """Whether a basic key reads one element (``a[()]`` of a 0-d array is one)."""
    return len(key) == ndim and _builtins.all(type(k) is int for k in key)


def _has_bounds(key):
    """Whether a basic key holds an integer or a slice bound (a loop would vary it)."""
    return _builtins.any(type(k) is int
                         or (type(k) is slice and (k.start, k.stop) != (None, None))
                         for k in key)


def _selects_all(key, ndim):
    """Whether a basic key selects the whole array in its own shape (``...``, ``:``);
    ``a[()]`` of a 0-d array is its element, not the array."""
    rest = [k for k in key if k is not Ellipsis]
    if ndim == 0 and len(rest) == len(key):
        return False
    return len(rest) <= ndim and _builtins.all(k == slice(None) for k in rest)


def _writable(a):
    """`a` as a NumPy view of its base's buffer, ready to be written in place: the base
    is computed if pending, and lazy reads still pending on it keep their values."""
    base = a._base
    base.materialise()
    view = a._numpy_view()
    base.before_write()
    return view


def _type_check(ufunc, out, other):
    """NumPy's exception, if any, for ``ufunc(out, other, out=out)`` by dtypes alone."""
    empty = _np.zeros(0, out.dtype)
    if isinstance(other, (ndarray, _np.ndarray)):
        other = _np.zeros(0, other.dtype)
    ufunc(empty, other, out=empty)


def _check_output(ufunc, result, out):
    """NumPy's check of a ufunc's output array: the result casts to it same_kind and
    has its shape; NumPy's own exception otherwise."""
    if not _np.can_cast(result.dtype, out.dtype, "same_kind"):
        raise _np._core._exceptions._UFuncOutputCastingError(
            ufunc, "same_kind", result.dtype, out.dtype, 0)
    if result.shape != out.shape:
        raise ValueError(f"non-broadcastable output operand with shape {out.shape} doesn't "
                         f"match the broadcast shape {result.shape}")


def _assign(target, key, value):
    """``target[key] = value`` with NumPy's semantics."""
    # Inside a traced function (jit, grad, vmap) nothing can be computed: a write of a
    # traced value to an array the function made (pending) is a functional update of
    # its pending version. (The graph walks happen only while tracing.)
    base = target._base
    if _native.tracing() and base.buffer is None and (_native.is_traced(base.node) or (
            isinstance(value, ndarray) and _native.is_traced(value._native_array))):
        _assign_functionally(target, key, value)
        return
    _assign_now(target, key, value)


def _assign_functionally(target, key, value):
    """``target[key] = value`` on a pending base as a new version of it: the base where
    the key writes (its flat positions, by NumPy's indexing of a grid of them) takes the
    value's elements (the last write of a position wins, as NumPy's), elsewhere keeps
    the old version. Differentiable, and compiled with the rest of the function."""
    from ._base import replay_numpy
    from . import numpy as lnp
    base = target._base
    shape, dtype = tuple(base.shape), base.dtype
    size = int(_np.prod(shape, dtype=_np.int64))
    key = _evaluate_nested(key)
    try:
        region = replay_numpy(_np.arange(size, dtype=_np.int64).reshape(shape),
                              target._chain)[key]
    except IndexError as e:
        raise IndexingError(str(e)) from None
    positions = _np.asarray(region).reshape(-1)
    source = _np.full(size, -1, dtype=_np.int64)
    _np.maximum.at(source, positions, _np.arange(positions.size, dtype=_np.int64))
    written = source >= 0
    value = asarray(value)
    if value.dtype != dtype:
        value = value.astype(dtype)
    while value.ndim > _np.ndim(region) and value.shape[0] == 1:
        value = value[0]  # NumPy drops a value's leading unit axes when writing
    flat = lnp.broadcast_to(value, _np.shape(region)).reshape(-1)
    picked = ndarray(flat._native_array.gather(
        asarray(_np.where(written, source, 0).reshape(shape))._native_array))
    new = lnp.where(written.reshape(shape), picked, ndarray(base.node))
    base.replace(new._native_array)


def _assign_now(target, key, value):
    base = target._base
    basic = _basic_key(key)
    if base.buffer is None and not target._chain and basic is not None and _selects_all(basic, len(base.shape)):
        # The whole of a pending array: its new version is the value, cast and
        # broadcast as NumPy does (lazy: it fuses with what follows).
        base.replace(_as_version(value, base.shape, base.dtype))
        return
    if type(value) is ndarray and basic is not None and value._base.buffer is None \
            and _write_in_place(target, basic, value):
        return
    if isinstance(value, ndarray):
        value = value.numpy()
    elif not isinstance(value, (_np.ndarray, _np.generic, bool, int, float, complex)):
        value = _evaluate_nested(value)
    if basic is None:
        # An advanced index (a mask of the target, say) is computed before the write,
        # as NumPy's is: it then no longer reads the buffer, so it needs no snapshot.
        key = _evaluate_nested(key)
    view = _writable(target)
    try:
        view[key if basic is None else basic] = value
    except IndexError as e:
        raise IndexingError(str(e)) from None


def _write_in_place(target, basic, value):
    """``target[basic] = value`` by computing the pending `value` straight into the
    target's memory (no temporary, no copy), where that is the same: the value has the
    destination's shape and dtype, and nothing pending reads the target's buffer (so
    the value does not read what it overwrites). False, having written nothing,
    otherwise."""
    base = target._base
    base.materialise()
    cell = base.cell
    if cell is not None and cell.readers():
        return False
    try:
        dest = target._numpy_view()[basic]
    except (IndexError, ValueError):
        return False  # the usual path raises NumPy's error
    if (type(dest) is not _np.ndarray or dest.shape != value.shape
            or dest.dtype != value.dtype or dest.size <= _core._EAGER_ELEMENTS):
        return False
    return _native.evaluate_into(value._native_array, dest)


def _as_version(value, shape, dtype):
    """`value` as a native array of `shape` and `dtype`: cast unsafely and broadcast as
    NumPy's item assignment does (leading length-1 axes of the value dropped)."""
    if isinstance(value, ndarray):
        v = value if value.dtype == dtype else value.astype(dtype)
    else:
        # NumPy's conversion of the value to the array's dtype (and its errors: a NaN
        # into an integer array, a Python int out of the dtype's range).
        value = _evaluate_nested(value)
        converted = _np.empty(_np.shape(value), dtype)
        converted[...] = value
        v = asarray(converted)
    while v.ndim > len(shape) and v.shape[0] == 1:
        v = v.reshape(v.shape[1:])
    if v.shape != tuple(shape):
        try:
            v = _core.broadcast_to(v, shape)
        except ValueError:
            raise ValueError(f"could not broadcast input array from shape {v.shape} into "
                             f"shape {tuple(shape)}") from None
    return v._native_array


# --- construction ------------------------------------------------------------------
