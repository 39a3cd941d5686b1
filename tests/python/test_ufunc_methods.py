"""lazyfuse.numpy's elementwise functions are ufuncs: NumPy's attributes and methods
(reduce lazily for the reducing ufuncs, outer lazily, at in place, accumulate and
reduceat by NumPy), each giving NumPy's answer."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np
from lazyfuse import _ops

NAMES = [n for names in list(_ops.UNARY.values()) + list(_ops.BINARY.values()) for n in names]
A = onp.arange(1.0, 13.0).reshape(3, 4)


@pytest.mark.parametrize("name", NAMES)
def test_attributes_are_numpys(name):
    ours, theirs = getattr(np, name), getattr(onp, name, None)
    assert isinstance(ours, np.ufunc) and ours.__name__ == name and ours.nout == 1
    if isinstance(theirs, onp.ufunc):
        assert (ours.nin, ours.nargs, ours.identity) == (theirs.nin, theirs.nargs,
                                                         theirs.identity)


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "minimum", "logical_and",
                                  "logical_or", "subtract", "bitwise_xor"])
@pytest.mark.parametrize("axis", [0, 1, None, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_matches_numpy(name, axis, keepdims):
    a = A.astype(onp.int64) if name == "bitwise_xor" else A
    try:
        want = getattr(onp, name).reduce(a, axis=axis, keepdims=keepdims)
    except ValueError:  # subtract over several axes: NumPy's error, ours too
        with pytest.raises(ValueError):
            onp.asarray(getattr(np, name).reduce(np.asarray(a), axis=axis, keepdims=keepdims))
        return
    got = getattr(np, name).reduce(np.asarray(a), axis=axis, keepdims=keepdims)
    assert isinstance(got, lazyfuse.ndarray)
    got = onp.asarray(got)
    assert got.dtype == want.dtype and got.shape == onp.shape(want)
    assert onp.allclose(got, want)


def test_reduce_is_lazy_for_the_reducing_ufuncs():
    x = np.asarray(onp.random.rand(100, 50)) * 2.0
    assert "reduce_sum" in str(lazyfuse.explain(np.add.reduce(x)))


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "maximum", "power", "less",
                                  "arctan2", "logical_xor"])
def test_outer_matches_numpy(name):
    a, b = onp.array([0.5, 1.0, 2.0]), onp.array([[1.0, 3.0], [2.0, 0.25]])
    want = getattr(onp, name).outer(a, b)
    got = onp.asarray(getattr(np, name).outer(np.asarray(a), np.asarray(b)))
    assert got.shape == want.shape and got.dtype == want.dtype
    assert onp.allclose(got, want)


def test_accumulate_reduceat_and_at_match_numpy():
    a = np.asarray(A.copy())
    assert onp.array_equal(onp.asarray(np.add.accumulate(a, axis=1)), onp.add.accumulate(A, axis=1))
    assert onp.array_equal(onp.asarray(np.multiply.reduceat(a, [0, 2], axis=1)),
                           onp.multiply.reduceat(A, [0, 2], axis=1))
    view = a[1]  # at writes in place, and views see it
    np.add.at(a, (onp.array([1, 1, 2]), onp.array([0, 0, 3])), 10.0)
    want = A.copy()
    onp.add.at(want, (onp.array([1, 1, 2]), onp.array([0, 0, 3])), 10.0)
    assert onp.array_equal(onp.asarray(a), want)
    assert onp.array_equal(onp.asarray(view), want[1])
    with pytest.raises(ValueError):
        np.exp.reduce(a)


_OPERANDS = {
    "float32": onp.arange(1, 6, dtype=onp.float32), "float64": onp.linspace(-2, 2, 5),
    "int8": onp.arange(-2, 3, dtype=onp.int8), "uint8": onp.arange(5, dtype=onp.uint8),
    "bool": onp.array([True, False, True, True, False]), "complex": onp.arange(5) + 1j}
_SCALARS = [onp.float64(1.5), onp.float32(2.5), onp.int64(3), onp.int8(-2), onp.uint8(200),
            onp.bool_(True), True, 2, 2.5, 1j, [1, 2, 3, 4, 5]]


@pytest.mark.parametrize("ufunc", [onp.add, onp.subtract, onp.multiply, onp.divide])
def test_operator_ufuncs_on_a_lazy_array_and_any_operand_match_numpy(ufunc):
    """NumPy's ufunc called on a lazy array and a NumPy scalar, a Python scalar, a list
    or an array of another dtype, in either order (`__array_ufunc__`'s operator path):
    NumPy's dtype and values, or NumPy's error."""
    import warnings
    for x in _OPERANDS.values():
        for other in _SCALARS + list(_OPERANDS.values()):
            for first in (True, False):
                pair = (x, other) if first else (other, x)
                lazy = tuple(np.asarray(v) if v is x else v for v in pair)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        want = ufunc(*pair)
                    except Exception as e:  # noqa: BLE001 - the same error is expected
                        with pytest.raises(type(e)):
                            onp.asarray(ufunc(*lazy))
                        continue
                    got = onp.asarray(ufunc(*lazy))
                assert got.dtype == want.dtype, (ufunc.__name__, x.dtype, repr(other), first)
                onp.testing.assert_allclose(got, want, rtol=1e-6)
