"""jit (trace once per signature, then call compiled code), explain and visualize."""

import functools

from . import _cuda, _native, _pictures
from ._core import asarray, ndarray

# Pytrees as jit and the transforms take them (the native `pytree` module): arrays are
# leaves; lists, tuples, namedtuples and dicts structure; anything else a constant.
_flatten = _native.flatten
_unflatten = _native.unflatten


def jit(f=None, static_argnums=(), device=None):
    """``lazyfuse.jit(f)`` or ``@lazyfuse.jit(static_argnums=...)``: f traced once per
    signature (the arguments' structure, static values and Python scalars by type and
    bits, each array's dtype and shape) and run from its compiled plan after that; the
    tracing, the cache and the call path are native (`_native.Jitted`).

    ``device="cuda"`` runs f's program on the first CUDA GPU instead (see
    ``lazyfuse.devices()``): its kernels compiled for that GPU, the inputs copied there
    and the results back as NumPy arrays; a ``DeviceError`` where there is none."""
    if f is None:
        return lambda g: jit(g, static_argnums, device)
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if _cuda._device_kind(device) == "cuda":
        static = tuple(sorted(set(static_argnums)))
        wrapper = functools.wraps(f)(lambda *args: _cuda.run_on_cuda(f, args, static))
        return wrapper
    return _native.Jitted(f, sorted(set(static_argnums)))


class Explanation:
    """What the optimizer does: ``before`` and ``after`` (program text), ``rewrites``
    and ``kernels`` (lists of str), and ``inputs``: what some program inputs are (the
    positions of a mask or index, evaluated first because the result's shape or its
    bounds checks depend on them). ``to_dot()`` draws both programs with the kernels as
    boxes; in a notebook it shows as that picture (Graphviz) or as text."""

    def __init__(self, before, after, rewrites, kernels, dot, inputs=(), ptx=None):
        self.before, self.after = before, after
        self.rewrites, self.kernels = list(rewrites), list(kernels)
        self.inputs = list(inputs)
        self.ptx = None if ptx is None else list(ptx)
        self._dot = dot

    def __str__(self):
        parts = ["before:", self.before]
        if self.inputs:
            parts += ["inputs:"] + ["  " + i for i in self.inputs]
        parts += ["after:", self.after, "rewrites:"]
        parts += ["  " + r for r in self.rewrites] or ["  (none)"]
        parts += [f"kernels ({len(self.kernels)}):"] + self.kernels
        if self.ptx is not None:
            parts += [f"PTX ({len(self.ptx)} GPU kernels):"] + self.ptx
        return "\n".join(parts)

    __repr__ = __str__

    def to_dot(self):
        """Graphviz DOT text: the program before and after optimisation, each kernel a
        box around the nodes it computes."""
        return self._dot

    def _repr_html_(self):
        return _pictures.html_picture(self._dot, str(self))


def _explained(f_or_array, args, static_argnums, target="cpu"):
    if hasattr(f_or_array, "__dask_graph__") or any(hasattr(a, "__dask_graph__") for a in args):
        from . import dask  # Dask arrays: the block programs and the graph's size
        return dask.explain(f_or_array, *args)
    if callable(f_or_array) and not isinstance(f_or_array, ndarray):
        if isinstance(static_argnums, int):
            static_argnums = (static_argnums,)
        out = _native.trace(f_or_array, args, sorted(set(static_argnums)))
    else:
        out = (f_or_array,) + args
    leaves = []
    _flatten(out, leaves)
    natives = [asarray(o)._native_array for o in leaves]
    ptx = None
    if _cuda._device_kind(target) == "cuda":
        _cuda._find_wheel()
        ptx = _native.cuda_ptx(natives)
    return Explanation(*_native.explain(natives), ptx=ptx)


def explain(f_or_array, *args, static_argnums=(), target="cpu"):
    """The optimizer's story for a lazy array (or several), or for f traced on args;
    ``target="cuda"`` adds the PTX of each GPU kernel (``Explanation.ptx``; no GPU
    needed)."""
    return _explained(f_or_array, args, static_argnums, target)


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
