"""histogram, histogram_bin_edges and bincount against NumPy: values that can be read
are NumPy's at once (its bits); inside jit the histogram is the program's (sort,
searchsorted, differences): edges bit for bit, counts exactly, weighted counts and
densities within rounding; dtypes, empty and constant data, ranges, explicit edges,
NaN and infinities outside a range; NumPy's errors."""

import warnings

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np
from lazyfuse.errors import FallbackWarning

R = onp.random.default_rng(21)
DATA = {
    "float64": R.normal(size=500) * 20,
    "float32": (R.normal(size=500) * 20).astype(onp.float32),
    "int64": R.integers(-40, 40, 500),
    "int32": R.integers(-40, 40, 500).astype(onp.int32),
    "uint8": R.integers(0, 255, 500).astype(onp.uint8),
    "constant": onp.full(7, 3.0),
    "empty": onp.zeros(0),
    "signed zeros": onp.array([-0.0, 0.0, 1.0, onp.nextafter(1.0, 2.0)]),
    "2-d": R.normal(size=(20, 15)),
}
BINS = [(10, None), (1, None), (7, (-5, 5)), (4, (0, 0)), (300, None),
        ([-3.0, 0.0, 0.5, 10.0], None), (onp.array([0, 1, 2]), None)]


def histogram_in_jit(x, bins, range_, density, weights):
    def f(x, w):
        return np.histogram(x, bins, range_, density, w)

    return lazyfuse.jit(f)(np.asarray(x), None if weights is None else np.asarray(weights))


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("bins,range_", BINS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("density", [None, True])
def test_histogram_matches_numpy_eagerly_and_traced(name, bins, range_, weighted, density):
    x = DATA[name]
    w = onp.linspace(0.5, 2.0, x.size).reshape(x.shape) if weighted else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 densities of no data
        counts, edges = onp.histogram(x, bins, range_, density, w)
        eager = np.histogram(np.asarray(x), bins, range_, density, w)
        traced = histogram_in_jit(x, bins, range_, density, w)
    for got_counts, got_edges in (eager, traced):
        assert isinstance(got_counts, lazyfuse.ndarray) and isinstance(got_edges, lazyfuse.ndarray)
        got_counts, got_edges = onp.asarray(got_counts), onp.asarray(got_edges)
        assert got_edges.dtype == edges.dtype and got_counts.dtype == counts.dtype
        onp.testing.assert_array_equal(got_edges, edges)
        if weighted or density:
            onp.testing.assert_allclose(got_counts, counts, rtol=1e-12, atol=1e-12)
        else:
            onp.testing.assert_array_equal(got_counts, counts)
    onp.testing.assert_array_equal(onp.asarray(eager[0]), counts)  # NumPy's bits at once


def test_nan_and_infinities_outside_a_range_are_not_counted():
    x = onp.array([onp.nan, onp.inf, -onp.inf, 0.5, 1.0, -1.0, onp.nan, 2.0])
    want = onp.histogram(x, 4, (-1, 2))
    got = histogram_in_jit(x, 4, (-1, 2), None, None)
    onp.testing.assert_array_equal(onp.asarray(got[0]), want[0])
    onp.testing.assert_array_equal(onp.asarray(got[1]), want[1])


def test_histogram_bin_edges_and_bincount():
    x = DATA["float32"]
    want = onp.histogram_bin_edges(x, 12)
    edges = lazyfuse.jit(lambda v: np.histogram_bin_edges(v, 12))(np.asarray(x))
    onp.testing.assert_array_equal(onp.asarray(edges), want)
    assert onp.asarray(edges).dtype == want.dtype
    onp.testing.assert_array_equal(onp.asarray(np.histogram_bin_edges(np.asarray(x), 12)), want)
    ints = onp.array([0, 3, 3, 1, 7])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FallbackWarning)
        got = np.bincount(np.asarray(ints) * 1, weights=np.asarray(ints) * 0.5, minlength=10)
    onp.testing.assert_array_equal(onp.asarray(got), onp.bincount(ints, ints * 0.5, 10))
    with pytest.raises(ValueError):
        np.bincount(np.asarray(onp.array([-1, 2])))


@pytest.mark.parametrize("call,error,match", [
    (lambda h, x: h(x, 0), ValueError, "must be positive"),
    (lambda h, x: h(x, 2.5), TypeError, "must be an integer"),
    (lambda h, x: h(x, 3, (2, 1)), ValueError, "max must be larger"),
    (lambda h, x: h(x, 3, (0, onp.inf)), ValueError, "not finite"),
    (lambda h, x: h(x, onp.ones((2, 2))), ValueError, "must be 1d"),
    (lambda h, x: h(x, 3, weights=onp.ones(3)), ValueError, "same shape"),
])
def test_numpys_errors_eagerly_and_traced(call, error, match):
    x = onp.arange(6.0)
    with pytest.raises(error, match=match):
        call(onp.histogram, x)
    with pytest.raises(error, match=match):
        call(np.histogram, np.asarray(x))
    with pytest.raises(error, match=match):
        lazyfuse.jit(lambda v: call(np.histogram, v))(np.asarray(x))
