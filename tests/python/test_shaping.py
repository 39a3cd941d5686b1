"""Splits, insertions, deletions, broadcasts and generated matrices (lazyfuse/_shaping.py)
against NumPy over dtypes, axes and edge cases, on arrays in memory and pending ones:
values, dtypes, shapes, views where NumPy gives views, and NumPy's exceptions."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

A3 = onp.arange(24.0).reshape(2, 3, 4)
V = onp.array([4.0, -1.0, 2.5, 0.0, 7.0, 3.0, -2.0])
I = onp.arange(10, dtype=onp.int32)


def pending(a):
    a = onp.asarray(a)
    return np.asarray(a) | False if a.dtype == bool else np.asarray(a) * 1


def same(got, want):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, type(want)) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
        return
    g = onp.asarray(got)
    assert g.shape == onp.shape(want) and g.dtype == onp.asarray(want).dtype, (g, want)
    onp.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12)


CASES = [
    ("broadcast_arrays", (V[:3].reshape(3, 1), onp.arange(4.0)), {}),
    ("broadcast_arrays", (A3, onp.float32(2.0) * onp.ones(4, onp.float32)), {}),
    ("split", (I, 5), {}), ("split", (A3, [1, 3]), {"axis": 2}), ("split", (A3, 1), {"axis": -3}),
    ("array_split", (V, 3), {}), ("array_split", (A3, [2, 1, 9]), {"axis": 1}),
    ("array_split", (I, 11), {}),
    ("hsplit", (A3, 3), {}), ("hsplit", (I, [3, 6]), {}), ("vsplit", (A3, 2), {}),
    ("dsplit", (A3, [1]), {}),
    ("ediff1d", (V,), {}), ("ediff1d", (A3,), {"to_begin": -1.0, "to_end": [9.0, 8.0]}),
    ("ediff1d", (I,), {"to_end": onp.int8(3)}), ("ediff1d", (onp.zeros(0),), {"to_begin": 1.0}),
    ("diagflat", (A3[0, :2, :2],), {"k": -1}), ("diagflat", (V[:3],), {"k": 2}),
    ("tri", (3,), {}), ("tri", (4, 2), {"k": -1, "dtype": onp.int8}), ("tri", (2, 5, 3), {}),
    ("vander", (V[:4],), {}), ("vander", (I[:3],), {"N": 5, "increasing": True}),
    ("vander", (V[:3].astype(onp.float32), 2), {}),
    ("append", (A3, A3[:1]), {"axis": 0}), ("append", (I, [1.5]), {}),
    ("append", (V, onp.array([[1.0]])), {}),
    ("logspace", (0, 3, 7), {}), ("logspace", (1.0, -1.0, 4), {"endpoint": False, "base": 2.0}),
    ("logspace", (0, 2, 5), {"dtype": onp.float32}),
    ("geomspace", (1, 1000, 4), {}), ("geomspace", (-2.0, -512.0, 5), {}),
    ("geomspace", (3.0, 0.25, 6), {"endpoint": False}), ("geomspace", (1, 256, 9), {"dtype": int}),
    ("resize", (V, (3, 4)), {}), ("resize", (A3, 5), {}), ("resize", (I, (2, 0)), {}),
    ("resize", (onp.zeros(0), 3), {}),
    ("gradient", (V,), {}), ("gradient", (V, 0.5), {"edge_order": 2}),
    ("gradient", (A3,), {}), ("gradient", (A3, 2.0), {"axis": (0, 2)}),
    ("gradient", (I,), {}), ("gradient", (A3.astype(onp.float32),), {"axis": -1, "edge_order": 2}),
    ("insert", (V, 2, 9.0), {}), ("insert", (I, -1, [7, 8]), {}), ("insert", (V, 7, 1), {}),
    ("insert", (A3, 3, 0.5), {}), ("insert", (A3, 1, 5.0), {"axis": 1}),
    ("delete", (V, [0, 3]), {}), ("delete", (A3, 1), {"axis": 2}),
    ("delete", (A3, slice(None, None, 2)), {"axis": 1}), ("delete", (I, []), {}),
    ("delete", (I, onp.arange(10)), {}), ("delete", (V, -1), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[c[0] for c in CASES])
def test_matches_numpy(name, args, kwargs):
    want = getattr(onp, name)(*args, **kwargs)
    for make in (np.asarray, pending):
        lazy_args = [make(a) if isinstance(a, onp.ndarray) else a for a in args]
        same(getattr(np, name)(*lazy_args, **kwargs), want)


def test_select_matches_numpy():
    x = onp.linspace(-2, 2, 9)
    for default in (0, -1.5, onp.nan):
        want = onp.select([x < -1, x > 1, x == 0], [x, x * 2, x + 5], default)
        xs = np.asarray(x)
        got = np.select([xs < -1, xs > 1, xs == 0], [xs, xs * 2, xs + 5], default)
        same(got, want)
    f = onp.arange(6, dtype=onp.float32)
    same(np.select([np.asarray(f) > 2], [np.asarray(f)]), onp.select([f > 2], [f]))
    with pytest.raises(ValueError):
        np.select([np.asarray(x) > 0], [])
    with pytest.raises(TypeError):
        np.select([np.asarray(x)], [np.asarray(x)])


def test_split_parts_are_views():
    a = np.asarray(onp.arange(6.0))
    parts = np.split(a, 3)
    parts[1][0] = -1.0
    assert onp.asarray(a)[2] == -1.0


@pytest.mark.parametrize("call,error", [
    (lambda m: m.split(m.arange(5), 2), ValueError),
    (lambda m: m.array_split(m.arange(5), 0), ValueError),
    (lambda m: m.vsplit(m.arange(4), 2), ValueError),
    (lambda m: m.dsplit(m.ones((2, 2)), 2), ValueError),
    (lambda m: m.hsplit(m.asarray(3.0), 1), ValueError),
    (lambda m: m.ediff1d(m.arange(3), to_begin=0.5), TypeError),
    (lambda m: m.vander(m.ones((2, 2))), ValueError),
    (lambda m: m.geomspace(0, 5, 3), ValueError),
    (lambda m: m.resize(m.arange(3), (-1, 2)), ValueError),
    (lambda m: m.gradient(m.arange(2.0), edge_order=2), ValueError),
    (lambda m: m.insert(m.arange(3), 5, 1), IndexError),
    (lambda m: m.delete(m.arange(3), 3), IndexError),
])
def test_errors_are_numpys(call, error):
    with pytest.raises(error):
        call(onp)
    with pytest.raises(error):
        call(np)


def test_gradient_fuses_with_its_input():
    x = np.asarray(onp.random.default_rng(1).standard_normal(1000))
    text = str(lazyfuse.explain(np.gradient(x * 2.0)))
    assert "kernels (3)" in text, text  # the two one-sided edges and the interior
