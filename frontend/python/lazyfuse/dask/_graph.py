"""lazyfuse.dask's recorded graph and its translation into Dask's: nodes, the
operations that make them, and the block programs of fused regions (see the package
docstring and docs/ARCHITECTURE.md, "Dask: block programs")."""

import functools as _functools
import itertools as _itertools
import math as _math
import operator as _operator

import dask.array as _da
import numpy as _np
from dask.base import tokenize as _tokenize
from dask.highlevelgraph import HighLevelGraph as _HighLevelGraph

from .. import _core, _native
from .._core import ndarray as _lazy
from ._worker import _combine, _identity, _run


def _lnp():
    from .. import numpy as lnp
    return lnp


_META_PARAMS = _itertools.count()


def _meta_of(shape, dtype):
    """A lazy parameter of this shape and dtype: applying an operation to it gives the
    result's shape and dtype (and NumPy's errors) without computing anything."""
    return _lazy(_native.param(next(_META_PARAMS), _np.dtype(dtype).name, list(shape)))


class _Node:
    """One operation. ``kind`` is "dask" (its value is ``dask``, a Dask array) or
    "block" (``fn`` of its ``inputs`` per block; ``maps[k][j]``: the axis of this node
    that input k's axis j runs along, None where input k has one block along j)."""

    __slots__ = ("kind", "meta", "chunks", "inputs", "fn", "maps", "dask", "label", "programs",
                 "replay")

    def __init__(self, kind, meta, chunks, inputs=(), fn=None, maps=(), dask=None, label="",
                 replay=None):
        self.kind, self.meta, self.chunks = kind, meta, tuple(tuple(c) for c in chunks)
        self.inputs, self.fn, self.maps = list(inputs), fn, [list(m) for m in maps]
        self.dask, self.label = dask, label
        self.programs = {}  # block program text -> blocks running it (once materialised)
        # The same operation on Dask arrays of the inputs, as dask + NumPy computes it
        # (for explain's comparison); block nodes default to fn.
        self.replay = replay if replay is not None else fn

    @property
    def numblocks(self):
        return tuple(len(c) for c in self.chunks)


def _source(x):
    """A node over Dask array x."""
    return _Node("dask", _meta_of(x.shape, x.dtype), x.chunks, dask=x, label="dask")


def _node_of(x):
    """x as a node: a node, an Array's node, a Dask array, or an array in memory (one
    block)."""
    if isinstance(x, _Node):
        return x
    node = getattr(x, "_lazyfuse_dask_node", None)
    if node is not None:
        return node
    if isinstance(x, _da.Array):
        return _source(x)
    arr = _np.asarray(x)
    return _source(_da.from_array(arr, chunks=arr.shape if arr.ndim else ()))


def _is_operand(x):
    """Whether x is an array operand (a node input) rather than a constant."""
    if isinstance(x, (_Node, _da.Array, _lazy)) or hasattr(x, "_lazyfuse_dask_node"):
        return True
    return isinstance(x, _np.ndarray) and x.ndim > 0


def _refine(chunkings):
    """The common refinement of several chunkings of one axis."""
    bounds = set()
    for c in chunkings:
        bounds.update(_itertools.accumulate(c))
    total = max(bounds) if bounds else 0
    edges = sorted(b for b in bounds if 0 < b <= total)
    out, last = [], 0
    for e in edges:
        out.append(e - last)
        last = e
    return tuple(out) if out else chunkings[0]


def _rechunked(node, chunks):
    chunks = tuple(tuple(c) for c in chunks)
    if node.chunks == chunks:
        return node
    return _source(_materialize(node).rechunk(chunks))


def _elementwise(fn, args, label, numpy_fn=None):
    """The node of fn applied to args (Arrays, Dask arrays, arrays, constants) with
    broadcasting: one block per output block; inputs rechunked to agree."""
    positions = [i for i, a in enumerate(args) if _is_operand(a)]
    nodes = [_node_of(args[i]) for i in positions]

    def bind(f):
        def apply(*values):
            full = list(args)
            for i, v in zip(positions, values):
                full[i] = v
            return f(*full)
        return apply

    apply = bind(fn)

    meta = apply(*[n.meta for n in nodes])
    shape = tuple(meta.shape)
    nd = len(shape)
    maps = []
    for n in nodes:
        offset = nd - n.meta.ndim
        maps.append([None if (n.meta.shape[j] == 1 and shape[j + offset] != 1) else j + offset
                     for j in range(n.meta.ndim)])
    chunks = []
    for axis in range(nd):
        along = [n.chunks[j] for n, m in zip(nodes, maps) for j, a in enumerate(m) if a == axis]
        if not along:
            chunks.append((shape[axis],))
            continue
        chunks.append(along[0] if all(c == along[0] for c in along) else _refine(along))
    # Inputs whose chunks differ from the output's along an axis they run along.
    for k, (n, m) in enumerate(zip(nodes, maps)):
        want = [chunks[a] if a is not None else n.chunks[j] for j, a in enumerate(m)]
        nodes[k] = _rechunked(n, want)
    return _Node("block", meta, chunks, nodes, apply, maps, label=label,
                 replay=bind(numpy_fn) if numpy_fn is not None else None)


def _axes_of(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        a = _operator.index(a)
        if not -ndim <= a < ndim:
            raise _np.exceptions.AxisError(a, ndim)
        out.append(a % ndim)
    return tuple(sorted(set(out)))


def _reduce(node, op, axis, keepdims):
    """A sum, prod, max, min, any or all: within blocks when the reduced axes are one
    chunk each, else per-block partials in the block programs and Dask's tree reduction."""
    axes = _axes_of(axis, node.meta.ndim)
    meta = getattr(node.meta, op)(axis=axes, keepdims=keepdims)
    split = [a for a in axes if node.numblocks[a] > 1]
    if not split:
        kept = [j for j in range(node.meta.ndim) if j not in axes]
        m = [j if j not in axes else None for j in range(node.meta.ndim)] if keepdims else \
            [kept.index(j) if j in kept else None for j in range(node.meta.ndim)]
        chunks = [(1,) if j in axes else node.chunks[j] for j in range(node.meta.ndim)] \
            if keepdims else [node.chunks[j] for j in kept]
        return _Node("block", meta, chunks, [node],
                     lambda v: getattr(v, op)(axis=axes, keepdims=keepdims), [m], label=op)
    partial_meta = getattr(node.meta, op)(axis=axes, keepdims=True)
    m = [None if (j in axes and j not in split) else j for j in range(node.meta.ndim)]
    chunks = [(1,) * node.numblocks[j] if j in split else (1,) if j in axes else node.chunks[j]
              for j in range(node.meta.ndim)]
    partial = _Node("block", partial_meta, chunks, [node],
                    lambda v: getattr(v, op)(axis=axes, keepdims=True), [m],
                    label=f"{op} (partial)")
    partials = _materialize(partial)
    combine = _functools.partial(_combine, op)
    out = _tree_reduce(partials, combine, axes, keepdims, meta.dtype, f"lazyfuse-{op}")
    node = _Node("dask", meta, out.chunks, dask=out, label=f"{op} (tree)", inputs=[node],
                 replay=lambda v: getattr(v, op)(axis=axes, keepdims=keepdims))
    node.programs = partial.programs
    return node


def _tree_reduce(partials, combine, axes, keepdims, dtype, name):
    """Dask's tree reduction of the per-block partials (its combine and aggregate steps
    `combine`). Dask's private _tree_reduce where it has one (the public ``reduction``
    adds a task per block for its chunk step, which the partials have done already)."""
    meta = _np.empty((0,) * (partials.ndim if keepdims else partials.ndim - len(axes)), dtype)
    try:
        from dask.array.reductions import _tree_reduce as tree
    except ImportError:
        tree = None
    if tree is not None:
        try:
            return tree(partials, combine, axes, keepdims, dtype, combine=combine, name=name,
                        concatenate=True, reduced_meta=meta)
        except TypeError:  # another signature: the public function
            pass
    return _da.reduction(partials, chunk=_identity, combine=combine, aggregate=combine,
                         axis=axes, keepdims=keepdims, dtype=dtype, concatenate=True,
                         meta=meta, name=name)


def _accumulator(dtype, for_mean):
    """The dtype NumPy's mean (var: `for_mean` False) adds in: float64 for integers and
    bools; float32 for a float16 mean (var adds float16 in float16)."""
    dtype = _np.dtype(dtype)
    if dtype.kind in "biu":
        return _np.dtype("float64")
    if dtype == _np.float16 and for_mean:
        return _np.dtype("float32")
    return dtype


def _mean_in_accumulator(node, axes, keepdims, for_mean):
    """The mean in the dtype NumPy adds in (before the cast to the result's dtype)."""
    acc = _accumulator(node.meta.dtype, for_mean)
    x = node if acc == node.meta.dtype else _elementwise(lambda v: v.astype(acc), [node], "astype")
    count = _math.prod(node.meta.shape[a] for a in axes)
    return _elementwise(_operator.truediv, [_reduce(x, "sum", axes, keepdims), count], "divide")


def _mean(node, axis, keepdims):
    meta = node.meta.mean(axis=axis, keepdims=keepdims)
    axes = _axes_of(axis, node.meta.ndim)
    return _cast(_mean_in_accumulator(node, axes, keepdims, True), meta.dtype)


def _var(node, axis, ddof, keepdims, root):
    """NumPy's var (std with `root`): the mean, then the mean squared deviation."""
    meta = node.meta.var(axis=axis, ddof=ddof, keepdims=keepdims)
    axes = _axes_of(axis, node.meta.ndim)
    mean = _mean_in_accumulator(node, axes, True, False)
    d = _elementwise(_operator.sub, [node, mean], "subtract")
    if d.meta.dtype.kind == "c":
        square = _elementwise(lambda v: (v * v.conj()).real, [d], "abs2",
                              lambda v: (v * _np.conj(v)).real)
    else:
        square = _elementwise(_operator.mul, [d, d], "square")
    count = _math.prod(node.meta.shape[a] for a in axes)
    total = _reduce(square, "sum", axes, keepdims)
    out = _elementwise(_operator.truediv, [total, max(count - ddof, 0)], "divide")
    if root:
        out = _elementwise(lambda v: _lnp().sqrt(v), [out], "sqrt", _np.sqrt)
    return _cast(out, meta.dtype)


def _cast(node, dtype):
    dtype = _np.dtype(dtype)
    if node.meta.dtype == dtype:
        return node
    return _elementwise(lambda v: v.astype(dtype), [node], "astype")


def _transpose(node, axes):
    nd = node.meta.ndim
    perm = tuple(reversed(range(nd))) if axes is None or axes == () else \
        tuple(a % nd for a in (axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes))
    meta = node.meta.transpose(perm)
    m = [perm.index(j) for j in range(nd)]
    chunks = [node.chunks[p] for p in perm]
    return _Node("block", meta, chunks, [node], lambda v: v.transpose(perm), [m], label="transpose")


def _matmul(a, b):
    """A 2-D @ 2-D product: per output block, the row panel of a times the column panel
    of b, one lazyfuse program summing the block products (Dask's contraction)."""
    if a.meta.ndim != 2 or b.meta.ndim != 2:
        return None
    meta = a.meta @ b.meta
    b = _rechunked(b, (a.chunks[1], b.chunks[1]))
    da_a, da_b = _materialize(a), _materialize(b)
    name = "lazyfuse-matmul-" + _tokenize(da_a.name, da_b.name)
    texts, programs = {}, {}
    dsk = {}
    for i, k in _itertools.product(range(a.numblocks[0]), range(b.numblocks[1])):
        keys, shapes = [], []
        for j in range(a.numblocks[1]):
            keys += [(da_a.name, i, j), (da_b.name, j, k)]
            shapes += [(a.chunks[0][i], a.chunks[1][j]), (b.chunks[0][j], b.chunks[1][k])]
        key = tuple(shapes)
        if key not in texts:
            params = [_lazy(_native.param(n, (a if n % 2 == 0 else b).meta.dtype.name, list(s)))
                      for n, s in enumerate(shapes)]
            total = params[0] @ params[1]
            for j in range(1, a.numblocks[1]):
                total = total + params[2 * j] @ params[2 * j + 1]
            if total.dtype != meta.dtype:
                total = total.astype(meta.dtype)
            text, order = _native.program_of([total._native_array])
            texts[key] = (text, order)
        text, order = texts[key]
        programs[text] = programs.get(text, 0) + 1
        dsk[(name, i, k)] = (_run, text) + tuple(keys[o] for o in order)
    graph = _HighLevelGraph.from_collections(name, dsk, dependencies=[da_a, da_b])
    out = _da.Array(graph, name, (a.chunks[0], b.chunks[1]),
                    meta=_np.empty((0, 0), meta.dtype))
    node = _Node("dask", meta, out.chunks, dask=out, label="matmul", inputs=[a, b],
                 replay=_operator.matmul)
    node.programs = programs
    return node


# ---------------------------------------------------------------------------------------
# From the recorded graph to Dask's.

def _region(root):
    """The block nodes feeding root (itself included) and their inputs outside it, as
    (node, axis map to root's axes) pairs in an order where operands come first. A node
    reached along paths with the same block mapping appears once."""

    def key(node, m):
        return id(node), tuple(a if node.numblocks[j] > 1 else None for j, a in enumerate(m))

    order, seen = [], {}
    stack = [(root, list(range(root.meta.ndim)), False)]
    while stack:
        node, m, expanded = stack.pop()
        k = key(node, m)
        if expanded:
            if k not in seen:
                seen[k] = len(order)
                order.append((node, m))
            continue
        if k in seen:
            continue
        stack.append((node, m, True))
        if node.kind == "block":
            for child, cm in zip(node.inputs, node.maps):
                stack.append((child, [m[a] if a is not None else None for a in cm], False))
    return order, key


def _materialize(node):
    """node's value as a Dask array (built once per node)."""
    if node.dask is not None:
        return node.dask
    order, key = _region(node)
    leaves = [(n, m) for n, m in order if n.kind == "dask"]
    leaf_index = {key(n, m): i for i, (n, m) in enumerate(leaves)}
    texts = {}
    blocks = []
    for coords in _itertools.product(*(range(b) for b in node.numblocks)):
        leaf_coords = []
        for n, m in leaves:
            leaf_coords.append(tuple(coords[a] if (a is not None and n.numblocks[j] > 1) else 0
                                     for j, a in enumerate(m)))
        shapes = tuple(tuple(n.chunks[j][c] for j, c in enumerate(lc))
                       for (n, _), lc in zip(leaves, leaf_coords))
        if shapes not in texts:
            texts[shapes] = _trace(order, key, leaf_index, shapes)
        text, program_inputs = texts[shapes]
        node.programs[text] = node.programs.get(text, 0) + 1
        blocks.append((coords, text, tuple(
            (leaves[i][0].dask.name,) + leaf_coords[i] for i in program_inputs)))
    # The name follows from the programs and the blocks they read (Dask takes equal
    # names for equal values).
    name = "lazyfuse-" + _tokenize(sorted(node.programs), [b[1:] for b in blocks], node.chunks)
    dsk = {(name,) + coords: (_run, text) + inputs for coords, text, inputs in blocks}
    graph = _HighLevelGraph.from_collections(name, dsk, dependencies=[n.dask for n, _ in leaves])
    node.dask = _da.Array(graph, name, node.chunks,
                          meta=_np.empty((0,) * node.meta.ndim, node.meta.dtype))
    return node.dask


def _trace(order, key, leaf_index, shapes):
    """The region's program for one block: its text, and the leaf each input reads."""
    values = {}
    for n, m in order:
        k = key(n, m)
        if n.kind == "dask":
            i = leaf_index[k]
            values[k] = _lazy(_native.param(i, n.meta.dtype.name, list(shapes[i])))
            continue
        args = []
        for child, cm in zip(n.inputs, n.maps):
            args.append(values[key(child, [m[a] if a is not None else None for a in cm])])
        values[k] = _core.asarray(n.fn(*args))
    root_node, root_map = order[-1]
    out = values[key(root_node, root_map)]
    if out.dtype != root_node.meta.dtype:
        out = out.astype(root_node.meta.dtype)
    return _native.program_of([out._native_array])
