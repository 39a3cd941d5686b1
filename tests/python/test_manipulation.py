"""Array manipulation functions (flip, roll, tile, triu, meshgrid, ...) computed lazily
as compositions of views, broadcasts and selects: the same values, dtypes, shapes and
view/copy behaviour as NumPy's, on arrays in memory and pending ones."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

A2 = onp.arange(12.0).reshape(3, 4)
A3 = onp.arange(24).reshape(2, 3, 4)
V = onp.array([3.0, -1.0, 2.5, 0.0, 7.0])
B = onp.array([True, False, False, True])

CASES = [
    ("flip", (A2,), {}), ("flip", (A3,), {"axis": (0, 2)}), ("flip", (V,), {"axis": -1}),
    ("fliplr", (A2,), {}), ("flipud", (A3,), {}),
    ("rot90", (A2,), {}), ("rot90", (A2,), {"k": 2}), ("rot90", (A3,), {"k": -1, "axes": (2, 0)}),
    ("rot90", (A2,), {"k": 4}),
    ("roll", (V, 2), {}), ("roll", (A2, -5), {}), ("roll", (A2, 1), {"axis": 1}),
    ("roll", (A3, (1, -2)), {"axis": (0, 2)}), ("roll", (A2, (1, 1)), {"axis": (1, 1)}),
    ("roll", (V, 0), {}),
    ("diff", (V,), {}), ("diff", (A3,), {"n": 2, "axis": 1}), ("diff", (B,), {}),
    ("diff", (V,), {"prepend": 0.0, "append": V[:2]}), ("diff", (A2,), {"n": 0}),
    ("tile", (V, 3), {}), ("tile", (A2, (2, 1, 2)), {}), ("tile", (onp.array(4.0), 2), {}),
    ("tile", (A2, 0), {}),
    ("repeat", (V, 2), {}), ("repeat", (A2, 3), {"axis": 1}), ("repeat", (A3, 2), {"axis": -3}),
    ("repeat", (V, onp.array([1, 0, 2, 1, 3])), {}),
    ("triu", (A2,), {}), ("triu", (A3,), {"k": 1}), ("tril", (A2,), {"k": -1}),
    ("tril", (A3.astype(bool),), {}), ("tril", (V,), {}),
    ("diag", (V,), {}), ("diag", (V,), {"k": 2}), ("diag", (V,), {"k": -1}),
    ("diag", (A2,), {"k": 1}),
    ("trace", (A2,), {}), ("trace", (A3,), {"offset": 1, "axis1": 1, "axis2": 2}),
    ("trace", (A2.astype(onp.int32),), {"dtype": onp.float64}),
    ("atleast_1d", (onp.array(5.0),), {}), ("atleast_2d", (V,), {}),
    ("atleast_3d", (A2,), {}), ("atleast_3d", (V,), {}),
    ("vstack", ((V, V),), {}), ("vstack", ((A2, A2[:1]),), {}), ("hstack", ((V, V[:2]),), {}),
    ("hstack", ((A2, A2),), {}), ("dstack", ((A2, A2),), {}), ("column_stack", ((V, V),), {}),
    ("column_stack", ((A2[:, 0], A2),), {}),
]


def lazy(x):
    return np.asarray(x) if isinstance(x, onp.ndarray) else (
        tuple(lazy(v) for v in x) if isinstance(x, tuple) else x)


@pytest.mark.parametrize("pending", [False, True])
@pytest.mark.parametrize("name,args,kwargs", CASES)
def test_manipulation_matches_numpy(name, args, kwargs, pending):
    want = getattr(onp, name)(*args, **kwargs)
    largs = tuple(lazy(a) for a in args)
    if pending:  # the first argument as a pending result, not an array in memory
        first = largs[0]
        largs = (first.copy() if not isinstance(first, tuple)
                 else tuple(v.copy() for v in first),) + largs[1:]
    got = getattr(np, name)(*largs, **kwargs)
    assert isinstance(got, lazyfuse.ndarray), type(got)
    got = onp.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert onp.array_equal(got, want)


def test_flips_and_rotations_are_views_and_copies_are_not():
    a = np.asarray(A2.copy())
    f, r = np.flip(a), np.rot90(a)
    assert np.shares_memory(f, a) and np.shares_memory(r, a)
    t, rolled = np.tile(a, 2), np.roll(a, 1)
    a[0, 0] = -100.0
    assert onp.asarray(f)[-1, -1] == -100.0 and onp.asarray(r)[-1, 0] == -100.0
    assert onp.asarray(t)[0, 0] == 0.0 and onp.asarray(rolled)[0, 1] == 0.0
    d = np.diag(a)
    with pytest.raises(ValueError, match="read-only"):
        d[0] = 1.0


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid_and_indices_match_numpy(indexing, sparse):
    xs = (onp.arange(3.0), onp.array([1.0, 5.0]), onp.arange(4))
    want = onp.meshgrid(*xs, indexing=indexing, sparse=sparse)
    got = np.meshgrid(*[np.asarray(x) for x in xs], indexing=indexing, sparse=sparse)
    assert isinstance(got, tuple) and len(got) == len(want)
    for g, w in zip(got, want):
        assert onp.array_equal(onp.asarray(g), w) and onp.asarray(g).shape == w.shape
    for g, w in zip(np.indices((2, 3), sparse=sparse), onp.indices((2, 3), sparse=sparse)):
        assert onp.array_equal(onp.asarray(g), w) and onp.asarray(g).dtype == w.dtype


def test_errors_are_numpys():
    with pytest.raises(ValueError):
        np.fliplr(np.asarray(V))
    with pytest.raises(onp.exceptions.AxisError):
        np.flip(np.asarray(A2), 2)
    with pytest.raises(ValueError):
        np.diff(np.asarray(V), n=-1)
    with pytest.raises(ValueError):
        np.rot90(np.asarray(A2), axes=(0, 0))
    with pytest.raises(ValueError):
        np.tile(np.asarray(V), -1)


def test_triangles_fuse_into_one_kernel():
    x = np.asarray(onp.random.rand(300, 200))
    text = str(lazyfuse.explain(np.triu(x * 2.0, 1)))
    assert "kernels (1)" in text


NAN = onp.array([[1.0, onp.nan, 3.0], [onp.nan, onp.nan, 2.0]])

REDUCTION_CASES = [
    ("pad", (A2, 1), {}), ("pad", (A2, ((0, 1), (2, 0))), {"mode": "edge"}),
    ("pad", (onp.arange(4), 6), {"mode": "reflect"}), ("pad", (onp.arange(4), 3), {"mode": "symmetric"}),
    ("pad", (onp.arange(4), 9), {"mode": "wrap"}), ("pad", (A3, ((1, 0), (0, 2), (1, 1))), {"mode": "reflect"}),
    ("pad", (V, (2, 3)), {"constant_values": -1.5}), ("pad", (onp.arange(1), 3), {"mode": "reflect"}),
    ("pad", (A2, 2), {"mode": "linear_ramp"}),
    ("ptp", (A2,), {"axis": 1}), ("ptp", (A3,), {}),
    ("count_nonzero", (A2 - 3,), {"axis": 0}), ("count_nonzero", (B,), {"axis": None, "keepdims": True}),
    ("average", (A2,), {}), ("average", (A2,), {"axis": 1, "weights": [1.0, 2.0, 3.0, 4.0]}),
    ("average", (A3,), {"weights": onp.arange(24).reshape(2, 3, 4) % 5 + 1}),
    ("average", (A2.astype(onp.float32),), {"axis": 0, "weights": onp.ones(3, onp.float32)}),
    ("nansum", (NAN,), {}), ("nansum", (NAN,), {"axis": 1}), ("nanprod", (NAN,), {"axis": 0}),
    ("nansum", (A3,), {"axis": (0, 2)}),
]


@pytest.mark.parametrize("name,args,kwargs", REDUCTION_CASES)
def test_padding_and_reductions_match_numpy(name, args, kwargs):
    want = getattr(onp, name)(*args, **kwargs)
    got = getattr(np, name)(*(lazy(a) for a in args), **kwargs)
    got = onp.asarray(got)
    assert got.dtype == want.dtype and got.shape == onp.shape(want)
    assert onp.allclose(got, want, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("grid", [
    lambda m: m.mgrid[0:5, 0:3], lambda m: m.mgrid[-1:1:5j, 0:4:2], lambda m: m.ogrid[0:3, 0:2],
    lambda m: m.ogrid[0:1:4j, 2:5], lambda m: m.mgrid[0:5], lambda m: m.mgrid[-1:1:5j],
    lambda m: m.mgrid[0:1:0.25, 1:2], lambda m: m.ogrid[3:0:-1], lambda m: m.mgrid[0:4:1j, 0:2:2j],
    lambda m: m.mgrid[:3, :2], lambda m: m.mgrid[0:0, 0:3], lambda m: m.ogrid[0:2:3j, 0:1:0.5, 1:3],
])
def test_mgrid_and_ogrid_are_lazy_grids(grid):
    want, got = grid(onp), grid(np)
    want = want if isinstance(want, tuple) else (want,)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, lazyfuse.ndarray)
        g = onp.asarray(g)
        assert g.dtype == w.dtype and g.shape == w.shape
        onp.testing.assert_array_equal(g, w)
