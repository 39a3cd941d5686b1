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

import functools

import numpy as _np

from . import _native


# NumPy's dtype of a native dtype name, cached (np.dtype parses its argument).
_dtype_named = functools.lru_cache(maxsize=None)(_np.dtype)


class _Base:
    """One array's storage: a pending node or a NumPy buffer (with its cell)."""

    __slots__ = ("node", "buffer", "cell", "_shape", "_dtype", "order")

    def __init__(self, node=None, buffer=None):
        self.node = node  # NativeArray of the current version while pending
        self.buffer = None
        self.cell = None
        # The memory order NumPy would give this array ("C", or "F" for an elementwise
        # result of Fortran-ordered operands): its buffer is made in that order, so
        # views (ravel, reshape) and strides are NumPy's.
        self.order = "C"
        # Shape and dtype are asked of the node on first use: building a pending
        # base is on the path of every lazy operation.
        self._shape = None
        self._dtype = None
        if buffer is not None:
            self.adopt(buffer)

    @property
    def shape(self):
        shape = self._shape
        if shape is None:
            shape = self._shape = tuple(self.node.shape)
        return shape

    @property
    def dtype(self):
        dtype = self._dtype
        if dtype is None:
            dtype = self._dtype = _dtype_named(self.node.dtype)
        return dtype

    def adopt(self, buffer):
        """Makes `buffer` (a NumPy array) the storage: materialised from now on."""
        self.buffer = buffer
        self.cell = None  # made by the first lazy read (read_cell)
        self.node = None
        self._shape = buffer.shape
        self._dtype = buffer.dtype

    def materialise(self):
        """The buffer, computing the pending version first if needed."""
        if self.buffer is None:
            evaluate_bases([self])
        return self.buffer

    def before_write(self):
        """Called right before the buffer is written in place: pending lazy reads of
        the buffer move to a snapshot of its current values, and later reads go
        through a new cell."""
        cell = self.cell
        if cell is not None and cell.readers():
            cell.snapshot()
            self.cell = None

    def read_cell(self):
        """The cell lazy reads of the buffer go through (made on first use)."""
        cell = self.cell
        if cell is None:
            cell = self.cell = _native.BufferCell(self.buffer)
        return cell

    def replace(self, node):
        """A whole-array write to a pending base: the new version is `node` (already
        of the base's shape and dtype)."""
        self.node = node


def evaluate_bases(bases):
    """Computes pending bases together (one program) and gives each its buffer, in the
    base's memory order (an F-ordered base is computed transposed, in C order, and its
    buffer is the transpose of that)."""
    nodes = [b.node if b.order == "C" else b.node.transpose(None) for b in bases]
    for base, value in zip(bases, _native.evaluate(nodes)):
        base.adopt(value if base.order == "C" else value.T)


def _pending_base(node):
    """`_Base(node=node)` without the call to __init__ (this is on every operation's
    path)."""
    base = _new_base(_Base)
    base.node = node
    base.buffer = None
    base.cell = None
    base._shape = None
    base._dtype = None
    base.order = "C"
    return base


_new_base = object.__new__


# --- view chains ----------------------------------------------------------------------
# A chain is a tuple of view operations (name, argument). Each has a NumPy form (on a
# buffer's view) and a native form (on a pending node); both give the same values.

def replay_numpy(view, chain):
    for name, arg in chain:
        if name == "index":
            view = view[arg]
        elif name == "transpose":
            view = view.transpose(arg)
        elif name == "reshape":
            view = _np.reshape(view, arg, copy=False)
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
        else:
            raise AssertionError(f"unknown view operation {name}")
    return node


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
