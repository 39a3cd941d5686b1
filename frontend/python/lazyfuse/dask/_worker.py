"""What lazyfuse.dask's tasks run on a worker: a program given as text, compiled once per
process, on the task's blocks; and the combine step of tree reductions."""

import threading as _threading

import numpy as _np

from .. import _native
from .._core import ndarray as _lazy

# Compiled programs by text (at most _COMPILED_LIMIT, the oldest dropped first).
_COMPILED = {}
_COMPILED_LOCK = _threading.Lock()
_COMPILED_LIMIT = 256
_STATS = {"compiles": 0, "runs": 0}


def _compiled(text):
    """The compiled program of `text` (compiled on first use in this process)."""
    c = _COMPILED.get(text)
    if c is None:
        c = _native.compile_text(text)
        with _COMPILED_LOCK:
            if len(_COMPILED) >= _COMPILED_LIMIT:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[text] = c
            _STATS["compiles"] += 1
    return c


def _run(text, *blocks):
    """A task: the program `text` on the blocks (its inputs in order); its one output."""
    _STATS["runs"] += 1
    return _compiled(text)(*blocks)[0]


def worker_stats():
    """This process's counters: programs compiled (``compiles``) and blocks run (``runs``)."""
    return dict(_STATS, cached=len(_COMPILED))


def _identity(x, axis=None, keepdims=None):
    """The chunk step of Dask's public reduction (the partials are computed already)."""
    return x


# Combine programs by (op, shape, dtype, axes, keepdims) (traced here, on the worker).
_COMBINE_TEXTS = {}


def _combine(op, x, axis=None, keepdims=False):
    """Dask's combine and aggregate steps of a reduction: the lazyfuse reduction `op` of
    the concatenated partials, as a program compiled once per shape like any other."""
    x = _np.asarray(x)
    key = (op, x.shape, x.dtype.str, axis, keepdims)
    text = _COMBINE_TEXTS.get(key)
    if text is None:
        param = _lazy(_native.param(0, x.dtype.name, list(x.shape)))
        out = getattr(param, op)(axis=axis, keepdims=keepdims)
        text, _ = _native.program_of([out._native_array])
        with _COMPILED_LOCK:
            if len(_COMBINE_TEXTS) >= _COMPILED_LIMIT:
                _COMBINE_TEXTS.pop(next(iter(_COMBINE_TEXTS)))
            _COMBINE_TEXTS[key] = text
    return _run(text, x)
