"""Array storage: a lazy array is a handle (a view) on a versioned base.

A ``_Base`` is one array's storage. Its current version is either *pending* (a native
lazy node: the array has been computed by operations and nothing has needed its
memory) or *materialised* (a NumPy buffer: memory exists, because the array came
from NumPy or has been written to). A handle (``lazyfuse.ndarray``) is a base and a
*chain* of view operations (basic indexing, transposes, view reshapes, ...), replayed
on the base's current version at each read, so every handle of one base sees its
latest version: NumPy's aliasing by construction.

Reads stay lazy: a read of a pending base is its node with the chain applied; a read
of a materialised base is a leaf in the base's ``BufferCell``. Writes go to the
buffer in place, by NumPy (so casting, broadcasting and every index kind are NumPy's);
before a write, lazy reads still pending on the buffer are moved to a snapshot
(``BufferCell.snapshot``), so they keep the values of the version they were made of.
A whole-array write to a pending base (``y = np.zeros(n); y += x``) stays lazy: the
new version is a new node and fuses with what follows.

See docs/ARCHITECTURE.md, "The array model".
"""

import numpy as _np

from . import _native


# One array's storage (native: a base is made on every operation's path): `node` (the
# pending version's NativeArray) or `buffer` (a NumPy array, after `adopt`), `cell` (made
# by `read_cell`), `shape`, `dtype`, `order` ("C", or "F": NumPy would lay the array out
# in Fortran order, and its buffer is made so), `materialise()`, `before_write()` (moves
# pending lazy reads to a snapshot), `replace(node)` (a whole-array write while pending).
_Base = _native.Base


def evaluate_bases(bases):
    """Computes pending bases together (one program) and gives each its buffer, in the
    base's memory order (an F-ordered base is computed transposed, in C order, and its
    buffer is the transpose of that)."""
    nodes = [b.node if b.order == "C" else b.node.transpose(None) for b in bases]
    for base, value in zip(bases, _native.evaluate(nodes)):
        base.adopt(value if base.order == "C" else value.T)


_pending_base = _native.Base  # _Base(node), the base of a new pending result


# --- view chains ----------------------------------------------------------------------
# A chain is a tuple of view operations (name, argument). Each has a NumPy form (on a
# buffer's view) and a native form (on a pending node); both give the same values.
# ``real`` and ``imag`` (of a complex array) change the dtype to the part's, ``view``
# (NumPy's ``view(dtype)``: the bytes read as another dtype, on a materialised base
# only) to its own: see ``part_dtype``.


def part_dtype(dtype, chain):
    """The dtype of a view through `chain` of a base of `dtype`."""
    for name, arg in chain:
        if name == "view":
            dtype = _np.dtype(arg)
        elif (name == "real" or name == "imag") and dtype.kind == "c":
            dtype = _np.dtype(dtype.char.lower())
    return dtype

def replay_numpy(view, chain):
    for name, arg in chain:
        if name == "index":
            view = view[arg]
        elif name == "transpose":
            view = view.transpose(arg)
        elif name == "reshape":
            view = view.reshape(arg, copy=False)
        elif name == "swapaxes":
            view = _np.swapaxes(view, *arg)
        elif name == "moveaxis":
            view = _np.moveaxis(view, *arg)
        elif name == "squeeze":
            view = view.squeeze(arg)
        elif name == "expand_dims":
            view = _np.expand_dims(view, arg)
        elif name == "broadcast_to":
            view = _np.broadcast_to(view, arg)
        elif name == "diagonal":
            view = view.diagonal(*arg)  # read-only, as NumPy's
        elif name == "real":
            view = view.real  # a complex array's real parts in its memory (writable)
        elif name == "imag":
            view = view.imag
        elif name == "view":
            view = view.view(_np.dtype(arg))
        else:
            raise AssertionError(f"unknown view operation {name}")
    return view


def replay_native(node, chain):
    for name, arg in chain:
        if name == "index":
            node = node.index(arg)
        elif name == "transpose":
            node = node.transpose(None if arg is None else list(arg))
        elif name == "reshape":
            node = node.reshape(list(arg))
        elif name == "swapaxes":
            node = node.swapaxes(*arg)
        elif name == "moveaxis":
            node = node.moveaxis(list(arg[0]), list(arg[1]))
        elif name == "squeeze":
            node = node.squeeze(None if arg is None else list(arg))
        elif name == "expand_dims":
            node = node.expand_dims(list(arg))
        elif name == "broadcast_to":
            node = node.broadcast_to(list(arg))
        elif name == "diagonal":
            node = diagonal_native(node, *arg)
        elif name in ("real", "imag"):
            node = node.unary(name)
        elif name == "view":
            # (Reads of a dtype view go through the base's memory, which view() made.)
            raise AssertionError("a dtype view of a base that has no memory")
        else:
            raise AssertionError(f"unknown view operation {name}")
    return node


def diagonal_native(node, offset, axis1, axis2):
    """NumPy's ``diagonal`` of a native array (axes already checked and normalised):
    the two axes moved last and merged, then every (m+1)-th element from the start of
    the diagonal, m the second axis's length."""
    shape = list(node.shape)
    n, m = shape[axis1], shape[axis2]
    rest = [k for k in range(len(shape)) if k not in (axis1, axis2)]
    merged = node.transpose(rest + [axis1, axis2]).reshape([shape[k] for k in rest] + [n * m])
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    start = offset if offset >= 0 else -offset * m
    return merged.index((Ellipsis, slice(start, start + length * (m + 1), m + 1)))


def stand_in(base):
    """A NumPy array with the base's shape, dtype and strides (in its memory order)
    that owns no memory of that size (its elements must never be read): view questions
    (is this reshape a view? do two views overlap?) are answered by NumPy's stride
    arithmetic on it."""
    if base.buffer is not None:
        return base.buffer
    itemsize = base.dtype.itemsize
    strides = []
    step = itemsize
    for n in (reversed(base.shape) if base.order == "C" else base.shape):
        strides.append(step)
        step *= max(n, 1)
    if base.order == "C":
        strides.reverse()
    return _np.lib.stride_tricks.as_strided(_np.zeros(1, base.dtype), shape=base.shape,
                                            strides=strides, writeable=False)
