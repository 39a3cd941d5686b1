"""``lazyfuse.export``: a function compiled ahead of time into a C library.

``export(f, *example_args)`` traces f as ``jit`` does (shapes and dtypes of the example
arguments, ``static_argnums`` as constants), optimises and fuses it, and compiles it into
``lib<name>.so``, ``lib<name>.a`` and ``<name>.h`` (with ``dlpack.h``) in ``out_dir``: a C
entry point over DLPack tensors that runs with no Python and no LLVM (see the README's
"Exporting kernels" section). The returned :class:`Exported` describes the files and can
load the shared library back through ctypes to call it on NumPy arrays.
"""

import ctypes
import inspect
import os
import re

import numpy as np

from . import _native

__all__ = ["export", "Exported"]


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


_DL_CODES = {"b": 6, "i": 0, "u": 1, "f": 2, "c": 5}


def _tensor(array, keep):
    """A DLTensor viewing a NumPy array (strides in elements); `keep` holds the arrays
    its pointers point into."""
    shape = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
    strides = (ctypes.c_int64 * max(array.ndim, 1))(*(s // array.itemsize for s in array.strides))
    keep.extend([shape, strides])
    code = _DL_CODES[array.dtype.kind]
    return _DLTensor(array.ctypes.data, _DLDevice(1, 0), array.ndim,
                     _DLDataType(code, array.itemsize * 8, 1), shape, strides, 0)


class Exported:
    """The files of an exported function, and a ctypes caller for its shared library.

    Attributes: ``name``, ``shared_library``, ``static_library``, ``header``,
    ``dlpack_header`` (paths), ``link_libraries`` (what a program linking the static
    library also links), ``cpu`` (compiled for), ``inputs`` and ``outputs`` (lists of
    (dtype name, shape)).
    """

    def __init__(self, name, info):
        self.name = name
        self.shared_library = str(info["shared_library"])
        self.static_library = str(info["static_library"])
        self.header = str(info["header"])
        self.dlpack_header = str(info["dlpack_header"])
        self.link_libraries = list(info["link_libraries"])
        self.cpu = info["cpu"]
        self.inputs = [(d, tuple(s)) for d, s in info["inputs"]]
        self.outputs = [(d, tuple(s)) for d, s in info["outputs"]]
        self.sizes = [tuple(s) for s in info["sizes"]]
        self._lib = None

    def __repr__(self):
        return (f"Exported({self.name!r}, shared_library={self.shared_library!r}, "
                f"cpu={self.cpu!r}, inputs={self.inputs}, outputs={self.outputs})")

    def link_flags(self):
        """Flags that link a C program against the static library."""
        directory = os.path.dirname(os.path.abspath(self.static_library))
        return [f"-L{directory}", f"-l{self.name}"] + [f"-l{lib}" for lib in self.link_libraries]

    def _library(self):
        if self._lib is None:
            lib = ctypes.CDLL(os.path.abspath(self.shared_library))
            entry = getattr(lib, self.name)
            entry.restype = ctypes.c_int
            entry.argtypes = [ctypes.POINTER(_DLTensor), ctypes.c_int,
                              ctypes.POINTER(_DLTensor), ctypes.c_int]
            last_error = getattr(lib, self.name + "_last_error")
            last_error.restype = ctypes.c_char_p
            shapes = getattr(lib, self.name + "_output_shapes")
            shapes.restype = ctypes.c_int
            shapes.argtypes = [ctypes.POINTER(_DLTensor), ctypes.c_int,
                               ctypes.POINTER(ctypes.POINTER(ctypes.c_int64)), ctypes.c_int]
            self._lib = (lib, entry, last_error)
            self._shapes = shapes
        return self._lib

    def set_num_threads(self, n):
        """The threads a call of the library may use (0: the default)."""
        lib, _, _ = self._library()
        getattr(lib, self.name + "_set_num_threads")(ctypes.c_int(n))

    def __call__(self, *arrays, out=None):
        """Calls the shared library (through ctypes, in this process) on NumPy arrays:
        one per input, any strides; returns the outputs (a tuple when there are several),
        or fills ``out`` (a sequence of arrays of the outputs' types). A failed call
        raises RuntimeError with the library's message."""
        _, entry, last_error = self._library()
        keep = []
        inputs = [np.asarray(a) for a in arrays]
        tensors_in = (_DLTensor * max(len(inputs), 1))(*[_tensor(a, keep) for a in inputs])
        if out is None:
            shapes = [shape for _, shape in self.outputs]
            if self.sizes:
                # The outputs' shapes at these inputs' sizes, from the library.
                rows = [(ctypes.c_int64 * max(len(s), 1))() for s in shapes]
                table = (ctypes.POINTER(ctypes.c_int64) * max(len(rows), 1))(
                    *[ctypes.cast(r, ctypes.POINTER(ctypes.c_int64)) for r in rows])
                rc = self._shapes(tensors_in, len(inputs), table, len(rows))
                if rc != 0:
                    raise RuntimeError(f"{last_error().decode()} (status {rc})")
                shapes = [tuple(r[:len(s)]) for r, s in zip(rows, shapes)]
            out = [np.empty(shape, dtype) for (dtype, _), shape in zip(self.outputs, shapes)]
        tensors_out = (_DLTensor * max(len(out), 1))(*[_tensor(o, keep) for o in out])
        rc = entry(tensors_in, len(inputs), tensors_out, len(out))
        if rc != 0:
            raise RuntimeError(f"{last_error().decode()} (status {rc})")
        return out[0] if len(out) == 1 else tuple(out)


def _argument_names(f, args, static_argnums):
    """A name per array leaf of the non-static arguments (the parameter's name; with a
    suffix for pytrees of several leaves)."""
    try:
        params = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        params = []
    n = len(args)
    static = {s % n for s in static_argnums if -n <= s < n}
    names = []
    for i, a in enumerate(args):
        if i in static:
            continue
        base = params[i] if i < len(params) and not params[i].startswith("*") else f"arg{i}"
        leaves = []
        _native.flatten(a, leaves)
        names.extend([base] if len(leaves) == 1 else [f"{base}_{j}" for j in range(len(leaves))])
    return names


def export(f, *example_args, name=None, out_dir=".", target="host", static_argnums=(),
           dynamic=False):
    """Compiles ``f`` ahead of time into ``lib<name>.so``, ``lib<name>.a`` and
    ``<name>.h`` in ``out_dir``, for the example arguments' dtypes and shapes.

    ``name`` (a C identifier) defaults to f's name; ``target`` is ``"host"`` (this CPU) or
    an LLVM CPU name such as the baselines ``"x86-64-v2"``, ``"x86-64-v3"`` (AVX2) and
    ``"x86-64-v4"`` (AVX-512); ``static_argnums`` as for ``jit``. Arrays f captures are
    embedded in the library. Gradients export like any function:
    ``export(grad(loss), w)``. Needs a C compiler (``$CC`` or ``cc``) and ``ar``.

    ``dynamic=True`` makes the library shape-generic: every input dimension traced with
    a size other than 0 and 1 takes any size of at least 1 at run time, dimensions
    traced with equal sizes staying equal (so trace with distinct sizes where they
    should vary independently; at most 4 distinct ones). f is traced again at a grid of
    sizes around the example's; a program lazyfuse plans differently for different
    sizes is refused with an error naming the sizes. Returns an :class:`Exported`.
    """
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if name is None:
        name = getattr(f, "__name__", "")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name or ""):
            raise ValueError(f"export: cannot name the C function after {name!r}; pass name=")
    summary = ".".join(p for p in (getattr(f, "__module__", None),
                                   getattr(f, "__qualname__", None)) if p) or name
    info = _native.export(f, tuple(example_args), [int(s) for s in static_argnums], name,
                          os.fspath(out_dir), target,
                          _argument_names(f, example_args, static_argnums), summary,
                          bool(dynamic))
    return Exported(name, info)
