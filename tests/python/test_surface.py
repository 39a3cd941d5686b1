"""Functions the Python layer takes from Rust (ir's compose: indexing, dot, swapaxes,
moveaxis, var, std) and the generated elementwise functions, against NumPy."""

import ast
import pathlib

import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st

import lazyfuse
import lazyfuse.numpy as np
from lazyfuse import _ops

PACKAGE = pathlib.Path(lazyfuse.__file__).parent


def _index_items(ndim):
    item = st.one_of(
        st.integers(-6, 6),
        st.builds(slice, st.none() | st.integers(-7, 7), st.none() | st.integers(-7, 7),
                  st.none() | st.integers(-3, 3).filter(lambda s: s != 0)),
        st.none(),
    )
    return st.lists(item, max_size=ndim + 2).flatmap(
        lambda items: st.integers(0, len(items)).flatmap(
            lambda at: st.sampled_from([tuple(items), tuple(items[:at]) + (Ellipsis,) + tuple(items[at:])])))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), shape=st.lists(st.integers(0, 5), max_size=4))
def test_basic_indexing_matches_numpy(data, shape):
    x = onp.arange(int(onp.prod(shape)), dtype=onp.float64).reshape(shape)
    key = data.draw(_index_items(len(shape)))
    try:
        want = x[key]
    except IndexError as e:
        with pytest.raises(IndexError):
            np.asarray(x)[key]
        return
    got = np.asarray(x)[key]
    assert got.shape == want.shape
    assert onp.array_equal(onp.asarray(got), want)


@pytest.mark.parametrize("sa,sb", [((2, 3, 4), (5, 4, 6)), ((3,), (2, 3, 4)), ((2, 3), (3,)),
                                   ((), (3,)), ((4, 3), (3, 2)), ((2, 2, 3), (3,))])
def test_dot_of_any_dimensions_matches_numpy(sa, sb):
    rng = onp.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    onp.testing.assert_allclose(onp.asarray(np.dot(a, b)), onp.dot(a, b), rtol=1e-12, atol=1e-12)


def test_swapaxes_and_moveaxis_match_numpy_and_raise_axis_error():
    x = onp.arange(24.0).reshape(2, 3, 4)
    for s, d in [(0, -1), (-1, 0), ((0, 1), (-1, -2)), ((2, 0), (0, 2))]:
        assert onp.array_equal(onp.asarray(np.moveaxis(x, s, d)), onp.moveaxis(x, s, d))
    assert onp.array_equal(onp.asarray(np.swapaxes(x, 0, -1)), onp.swapaxes(x, 0, -1))
    with pytest.raises(onp.exceptions.AxisError):
        np.moveaxis(x, 3, 0)  # wrapped silently before
    with pytest.raises(onp.exceptions.AxisError):
        np.swapaxes(x, 0, 3)
    with pytest.raises(ValueError):
        np.moveaxis(x, (0, 0), (1, 2))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool"])
@pytest.mark.parametrize("axis,ddof,keepdims", [(None, 0, False), (0, 1, True), ((0, 2), 0, False),
                                                (-1, 2, False), (1, 5, False)])
def test_var_and_std_match_numpy(dtype, axis, ddof, keepdims):
    x = (onp.random.default_rng(1).standard_normal((3, 4, 5)) * 4).astype(dtype)
    with onp.errstate(all="ignore"):
        for name in ("var", "std"):
            want = getattr(onp, name)(x, axis=axis, ddof=ddof, keepdims=keepdims)
            got = getattr(np, name)(x, axis=axis, ddof=ddof, keepdims=keepdims)
            assert got.dtype == want.dtype and got.shape == want.shape
            tol = 1e-5 if dtype == "float32" else 1e-12
            onp.testing.assert_allclose(onp.asarray(got), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_round_takes_decimals_as_numpy_does(decimals, dtype):
    x = (onp.random.default_rng(2).standard_normal(200) * 1000).astype(dtype)
    want = onp.round(x, decimals)
    got = np.round(x, decimals)
    assert got.dtype == want.dtype
    assert onp.array_equal(onp.asarray(got), want)


def test_every_ufunc_name_of_the_op_table_is_defined_and_lazy():
    names = [n for names in list(_ops.UNARY.values()) + list(_ops.BINARY.values()) for n in names]
    x = np.asarray(onp.linspace(0.1, 0.9, 5))
    for name in names:
        f = getattr(np, name)
        arity = 1 if any(name in v for v in _ops.UNARY.values()) else 2
        arg = x > 0.5 if name.startswith("bitwise") or name == "invert" else x
        if name.endswith("_shift") or name in ("gcd", "lcm"):
            arg = (x * 10).astype("int64")
        assert isinstance(f(*[arg] * arity), lazyfuse.ndarray), name
    for ir, names in _ops.UNARY.items():
        if ir not in _ops.NOT_IN_NUMPY:
            assert isinstance(getattr(onp, names[0]), onp.ufunc), names[0]
    for names in _ops.BINARY.values():
        if names:  # (philox has no NumPy name)
            assert isinstance(getattr(onp, names[0]), onp.ufunc), names[0]


def test_no_function_is_created_through_globals():
    # Explicit definitions (visible to IDEs and linters), not a globals() loop.
    source = (PACKAGE / "_core.py").read_text()
    assert "globals()" not in source
    tree = ast.parse((PACKAGE / "_ufuncs.py").read_text())
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert defined == {n for names in list(_ops.UNARY.values()) + list(_ops.BINARY.values())
                       for n in names}


def test_regression_adding_zero_keeps_the_sign_of_zero():
    # The default tier rewrote x + 0.0 to x, so 1 / (-0.0 + 0.0) was -inf (NumPy: inf).
    x = np.asarray(onp.array([-0.0, 1.0, -2.0]))
    with onp.errstate(divide="ignore"):
        assert onp.array_equal(onp.asarray(1 / (x + 0.0)), 1 / (onp.array([-0.0, 1.0, -2.0]) + 0.0))
        assert onp.array_equal(onp.asarray(1 / (x - -0.0)), [onp.inf, 1.0, -0.5])
    # A sum of -0.0s is +0.0, also through the sum-of-broadcast rewrite.
    z = np.broadcast_to(np.asarray(onp.array([-0.0])), (3, 1))
    assert onp.signbit(onp.asarray(z.sum(axis=0))).tolist() == [False]


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_shifts_match_numpy_for_every_count(dtype):
    # Counts outside [0, bits) shift every bit out (-1 for >> of a negative), as NumPy.
    bits = onp.dtype(dtype).itemsize * 8
    a = onp.array([1, -1, 7, -8, 2**30, -(2**30), 0, 5] * 3, dtype=dtype)
    counts = onp.array([0, 1, bits - 1, bits, bits + 3, -1, -bits, 2] * 3, dtype=dtype)
    la, lc = np.asarray(a), np.asarray(counts)
    for got, want in [(la << lc, a << counts), (la >> lc, a >> counts),
                      (np.left_shift(la, 3), onp.left_shift(a, 3)),
                      (7 >> lc, 7 >> counts), (la >> 1, a >> 1)]:
        assert got.dtype == want.dtype
        assert onp.array_equal(onp.asarray(got), want)
    inplace, la = a.copy(), np.asarray(a.copy())
    inplace <<= 2
    la <<= 2
    assert onp.array_equal(onp.asarray(la), inplace)
    with pytest.raises(TypeError):
        np.asarray(onp.ones(3)) << 1
