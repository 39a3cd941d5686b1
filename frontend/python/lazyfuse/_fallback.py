"""What lazyfuse does not compute lazily is computed by NumPy on the evaluated inputs:
this module names such a fallback (a warning with ``LAZYFUSE_WARN_FALLBACK=1``) and
wraps NumPy's result as lazy arrays, each carrying a note so that ``lazyfuse.explain``
of a program using it lists it among the program's inputs."""

import os as _os
import warnings as _warnings

import numpy as _np

from .errors import DTypeError, FallbackWarning


def _name(func):
    module = getattr(func, "__module__", None) or "numpy"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    if module.startswith("numpy"):
        module = module.replace("numpy._core.", "numpy.").replace("numpy.core.", "numpy.")
        if module.startswith(("numpy.fromnumeric", "numpy.multiarray", "numpy._")):
            module = "numpy"
    return f"{module}.{name}"


_LIBRARY_DIRS = (_os.path.dirname(__file__), _os.path.dirname(_np.__file__))


def _user_stacklevel():
    """The stacklevel of the first frame outside lazyfuse and NumPy (the user's line)."""
    import sys
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    return level


# Each function's note, made once (naming it is string work on every call otherwise);
# NumPy's functions and ufunc methods are a bounded set, but the bound keeps it so.
_NOTES = {}
_MAX_NOTES = 4096


def note_fallback(func):
    """Names a fallback: warns (FallbackWarning, at the user's line) when
    LAZYFUSE_WARN_FALLBACK=1; returns the note for its results."""
    note = _NOTES.get(func)
    if note is None:
        note = f"computed by NumPy: {_name(func)} (a fallback, not lazy)"
        if len(_NOTES) < _MAX_NOTES:
            _NOTES[func] = note
    if _os.environ.get("LAZYFUSE_WARN_FALLBACK") == "1":
        _warnings.warn(f"{_name(func)} is computed by NumPy on the evaluated inputs (not lazily)",
                       FallbackWarning, stacklevel=_user_stacklevel())
    return note


_CORE = None


def _core():
    """lazyfuse._core, imported once on first use (it imports this module, so not at
    import time; an import statement in a function costs about a microsecond a call)."""
    global _CORE
    if _CORE is None:
        from . import _core as core
        _CORE = core
    return _CORE


def _arrays_in(values):
    """The NumPy arrays among values (and in lists and tuples among them)."""
    found = []
    for v in values:
        if isinstance(v, _np.ndarray):
            found.append(v)
        elif isinstance(v, (list, tuple)):
            found.extend(_arrays_in(v))
        elif isinstance(v, dict):
            found.extend(_arrays_in(v.values()))
    return found


def wrap_result(result, note, sources=()):
    """NumPy's result with its arrays (alone, or in a tuple, list or named tuple) as
    lazy arrays noted with `note`; arrays of dtypes lazyfuse lacks, scalars and other
    objects as NumPy gave them. An array that may share memory with one of `sources`
    (the evaluated inputs: a view NumPy returned, as trim_zeros does) is copied first:
    the lazy result must not alias the memory of another lazy array, whose writes
    only its own base tracks."""
    core = _core()
    if isinstance(result, _np.ndarray) and not isinstance(result, core.ndarray):
        if any(_np.may_share_memory(result, s) for s in _arrays_in(sources)):
            result = result.copy(order="K")  # (NumPy's memory layout kept)
        try:
            wrapped = core.asarray(result)
        except (DTypeError, TypeError, ValueError):
            return result
        if note is not None and wrapped._base.buffer is not None:  # every read says so
            wrapped._base.read_cell().set_note(note)
        return wrapped
    if isinstance(result, (tuple, list)) and any(isinstance(r, _np.ndarray) for r in result):
        items = [wrap_result(r, note, sources) for r in result]
        if hasattr(result, "_fields"):  # a named tuple (linalg's SVDResult, ...)
            return type(result)(*items)
        return type(result)(items)
    return result


def holds_numpy_array(result):
    """Whether result is a NumPy array (not a lazy one) or a tuple or list holding one."""
    if type(result) is _np.ndarray:
        return True
    if isinstance(result, (tuple, list)):
        for r in result:
            if holds_numpy_array(r):
                return True
        return False
    return isinstance(result, _np.ndarray) and not isinstance(result, _core().ndarray)


def numpy_function(func):
    """NumPy's function `func` as lazyfuse.numpy's: called as it is (on lazy arrays it
    dispatches through ``__array_function__``, which names the fallback), and NumPy
    arrays it returns come back as lazy arrays, the call named as a fallback."""
    import functools

    @functools.wraps(func)
    def call(*args, **kwargs):
        result = func(*args, **kwargs)
        if not holds_numpy_array(result):
            return result
        # (Arguments that were NumPy arrays: the user's, whose views stay views.)
        return wrap_result(result, note_fallback(func))

    call.__wrapped_numpy__ = func
    return call
