"""The CUDA target: the GPUs lazyfuse can run on, functions run there, and the PTX of
their kernels.

lazyfuse loads the CUDA driver when first asked, so it imports and runs on the CPU where
there is none. The math library (libdevice) and the PTX assembler come from the pip wheel
``nvidia-cuda-nvcc-cu12`` where it is installed, else from a CUDA installation
(``LAZYFUSE_CUDA_HOME``, ``CUDA_HOME``, ``/usr/local/cuda``).

So far a program's inputs are copied to the device for each call and its results come
back as NumPy arrays; matrix products and the routines along an axis (sort, scans, FFTs)
run on the host.
"""

import importlib.util
import os

from . import _native
from ._core import asarray


def _find_wheel():
    """Points the native module at the nvcc wheel's libdevice, if it is installed."""
    if "LAZYFUSE_NVCC_WHEEL" in os.environ:
        return
    try:
        spec = importlib.util.find_spec("nvidia.cuda_nvcc")
    except (ImportError, ValueError):
        return
    if spec is not None and spec.submodule_search_locations:
        os.environ["LAZYFUSE_NVCC_WHEEL"] = list(spec.submodule_search_locations)[0]


class Device:
    """A device lazyfuse runs on: ``kind`` ("cpu" or "cuda"), ``index`` and ``name``;
    ``str(device)`` is "cpu" or "cuda:0"."""

    def __init__(self, kind, index, name):
        self.kind, self.index, self.name = kind, index, name

    def __str__(self):
        return self.kind if self.kind == "cpu" else f"{self.kind}:{self.index}"

    def __repr__(self):
        return f"Device({str(self)!r}, {self.name!r})"

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def devices():
    """The devices of this machine: the CPU, then each CUDA GPU (none where there is no
    CUDA driver or no GPU)."""
    out = [Device("cpu", 0, "host CPU")]
    out += [Device("cuda", i, n) for i, n in enumerate(_native.cuda_devices())]
    return out


def _device_kind(device):
    text = str(device) if device is not None else "cpu"
    if text == "cpu":
        return "cpu"
    if text in ("cuda", "cuda:0", "gpu"):
        return "cuda"
    raise ValueError(f"unknown device {text!r}: lazyfuse runs on 'cpu' and 'cuda' (device 0)")


def run_on_cuda(f, args, static_argnums=()):
    """f called on args, its result computed on the first CUDA device: NumPy arrays in
    f's output structure."""
    _find_wheel()
    static = set(static_argnums)
    lazy_args = [a if i in static else _lazy(a) for i, a in enumerate(args)]
    out = f(*lazy_args)
    leaves = []
    spec = _native.flatten(out, leaves)
    natives = [asarray(leaf)._native_array for leaf in leaves]
    values = _native.evaluate_cuda(natives) if natives else []
    return _native.unflatten(spec, values)


def _lazy(a):
    try:
        return asarray(a)
    except TypeError:
        return a


def ptx(f_or_array, *args, static_argnums=()):
    """The PTX of each GPU kernel of a lazy array's program, or of f traced on args (no
    GPU needed)."""
    _find_wheel()
    if callable(f_or_array) and not hasattr(f_or_array, "_native_array"):
        static = set(static_argnums)
        out = f_or_array(*[a if i in static else _lazy(a) for i, a in enumerate(args)])
    else:
        out = (f_or_array,) + args
    leaves = []
    _native.flatten(out, leaves)
    return list(_native.cuda_ptx([asarray(leaf)._native_array for leaf in leaves]))
