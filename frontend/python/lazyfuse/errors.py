"""lazyfuse's exceptions: one class per kind of failure, each also an instance of the
builtin exception NumPy raises in the same situation, so ``except ValueError`` code keeps
working and ``except lazyfuse.ShapeError`` can be precise.

==========================  ==================================  ==========================
class                       raised when                         also a
==========================  ==================================  ==========================
``ShapeError``              shapes do not broadcast or combine  ``ValueError``
``DTypeError``              an operation has no meaning for     ``TypeError``
                            a dtype, or a dtype is unsupported
``AxisError``               an axis is out of range             ``numpy.exceptions.AxisError``
                                                                (``ValueError``, ``IndexError``)
``ScalarOverflowError``     a Python integer does not fit       ``OverflowError``
                            the dtype it must take
``IndexingError``          an index out of bounds, too many    ``IndexError``
                            indices, or not an index
``InvalidArgumentError``    any other invalid argument          ``ValueError``
``LinAlgError``             a singular or indefinite matrix,    ``numpy.linalg.LinAlgError``
                            no convergence                      (``ValueError``)
``BindingError``            a compiled call gets values that    ``ValueError``
                            do not match its signature
``ConcretizationError``     a function traced by jit needs the  ``TypeError``
                            values of its array arguments
``ParseError``              program text does not parse         ``ValueError``
``OutOfMemoryError``        memory for a result could not be    ``MemoryError``
                            allocated
``CompileError``            LLVM refused to compile a kernel    ``RuntimeError``
``InternalError``           a bug in lazyfuse (the message      ``RuntimeError``
                            says "internal error"; please
                            report it with the message)
==========================  ==================================  ==========================

All derive from ``LazyfuseError``.
"""

import numpy as _np

__all__ = ["LazyfuseError", "FallbackWarning", "ShapeError", "DTypeError", "AxisError", "ScalarOverflowError",
           "IndexingError", "InvalidArgumentError", "LinAlgError", "BindingError", "ConcretizationError",
           "ParseError", "OutOfMemoryError", "CompileError", "DeviceError", "InternalError"]


class LazyfuseError(Exception):
    """Base class of every exception lazyfuse raises itself."""


class ShapeError(LazyfuseError, ValueError):
    """Shapes that do not broadcast or combine (NumPy raises ValueError)."""


class DTypeError(LazyfuseError, TypeError):
    """An operation with no meaning for a dtype, or an unsupported dtype (TypeError)."""


class AxisError(LazyfuseError, _np.exceptions.AxisError):
    """An axis out of range (NumPy's AxisError: a ValueError and an IndexError)."""

    def __init__(self, message):
        # numpy's AxisError takes (axis, ndim, prefix); a message alone is its 1-arg form.
        _np.exceptions.AxisError.__init__(self, message)


class ScalarOverflowError(LazyfuseError, OverflowError):
    """A Python integer out of bounds for the dtype it must take (OverflowError)."""


class IndexingError(LazyfuseError, IndexError):
    """An index out of bounds, too many indices, or an object that is not an index."""


class InvalidArgumentError(LazyfuseError, ValueError):
    """Any other invalid argument: a bad permutation, a zero step, ... (ValueError)."""


class LinAlgError(LazyfuseError, _np.linalg.LinAlgError):
    """A linear-algebra routine failed on its values: a singular matrix, one not positive
    definite, no convergence (NumPy's LinAlgError, a ValueError)."""


class BindingError(LazyfuseError, ValueError):
    """Values bound to a compiled program that do not match its inputs (ValueError)."""


class ConcretizationError(LazyfuseError, TypeError):
    """A function traced by ``jit`` (or ``explain``) needs its array arguments' values:
    boolean-mask or integer-array indexing, ``float(x)``, ``if x > 0:``. A traced
    function is compiled for shapes and dtypes, not values (TypeError, as JAX's
    ConcretizationTypeError)."""


class ParseError(LazyfuseError, ValueError):
    """Program text that does not parse (ValueError)."""


class OutOfMemoryError(LazyfuseError, MemoryError):
    """Memory for a result or temporary could not be allocated (MemoryError)."""


class CompileError(LazyfuseError, RuntimeError):
    """LLVM refused to compile or load a kernel (RuntimeError)."""


class DeviceError(LazyfuseError, RuntimeError):
    """The CUDA target cannot run: no driver or device, a missing toolkit piece, a failed
    driver call, or a kernel the GPU backend does not lower yet (RuntimeError)."""


class InternalError(LazyfuseError, RuntimeError):
    """A bug in lazyfuse: a broken invariant or a Rust panic (RuntimeError)."""


class FallbackWarning(UserWarning):
    """A NumPy function lazyfuse does not compute lazily was computed by NumPy on the
    evaluated inputs (issued only with ``LAZYFUSE_WARN_FALLBACK=1``)."""
