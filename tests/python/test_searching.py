"""searchsorted, digitize and interp against NumPy, bit for bit: dtypes, both sides,
sorters, NaN (last), -0.0, infinities and ties in the sorted array and the values,
increasing and decreasing bins, values at, between and outside the sample points,
left/right values; inside jit and vmap; NumPy's errors; complex operands NumPy's."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

R = onp.random.default_rng(8)
SORTED = onp.sort(onp.concatenate([R.integers(-5, 6, 40) * 0.5, [onp.nan, onp.inf, -onp.inf, -0.0]]))
VALUES = onp.concatenate([R.integers(-7, 8, 30) * 0.5, [onp.nan, onp.inf, -onp.inf, -0.0, 0.0, 2.25]])


def same(got, want):
    assert isinstance(got, lazyfuse.ndarray)
    got = onp.asarray(got)
    assert got.dtype == onp.asarray(want).dtype and got.shape == onp.shape(want)
    onp.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64, onp.int16, onp.uint8])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(dtype, side):
    finite = onp.dtype(dtype).kind != "f"
    a = onp.sort(onp.nan_to_num(SORTED, posinf=9, neginf=0) if finite else SORTED).astype(dtype)
    v = (onp.abs(onp.nan_to_num(VALUES, posinf=9, neginf=0)) if finite else VALUES).astype(dtype)
    for x in (np.asarray(a), np.asarray(a) * 1):
        same(np.searchsorted(x, np.asarray(v.reshape(6, 6)), side), onp.searchsorted(a, v.reshape(6, 6), side))
        same(x.searchsorted(np.asarray(v), side), a.searchsorted(v, side))
    shuffled = R.permutation(a)
    sorter = onp.argsort(shuffled, kind="stable")
    same(np.searchsorted(np.asarray(shuffled), np.asarray(v), side, sorter=sorter),
         onp.searchsorted(shuffled, v, side, sorter=sorter))


def test_searchsorted_mixed_dtypes_scalars_and_errors():
    a = onp.arange(10, dtype=onp.int32)
    same(np.searchsorted(np.asarray(a), np.asarray(onp.array([2.5, -1.0, 11.0]))),
         onp.searchsorted(a, [2.5, -1.0, 11.0]))
    same(np.searchsorted(np.asarray(a), 4), onp.asarray(onp.searchsorted(a, 4)))
    with pytest.raises(ValueError, match="side"):
        np.searchsorted(np.asarray(a), 1, side="middle")
    with pytest.raises(ValueError, match="too deep"):
        np.searchsorted(np.asarray(onp.ones((2, 2))), 1)
    z = onp.sort(R.standard_normal(5) + 1j * R.standard_normal(5))
    onp.testing.assert_array_equal(onp.asarray(np.searchsorted(np.asarray(z), np.asarray(z[2]))),
                                   onp.searchsorted(z, z[2]))


@pytest.mark.parametrize("right", [False, True])
def test_digitize(right):
    bins = onp.array([-2.0, -0.5, 0.0, 0.0, 1.5, 3.0])
    x = onp.concatenate([VALUES, bins])
    for b in (bins, bins[::-1]):
        same(np.digitize(np.asarray(x), np.asarray(b), right), onp.digitize(x, b, right))
    ints = onp.array([0, 3, 7, 9])
    same(np.digitize(np.asarray(onp.arange(12)), ints, right), onp.digitize(onp.arange(12), ints, right))
    with pytest.raises(ValueError, match="monotonically"):
        np.digitize(np.asarray(x), onp.array([0.0, 2.0, 1.0]))
    with pytest.raises(TypeError, match="complex"):
        np.digitize(np.asarray(onp.ones(2, complex)), bins)
    traced = lazyfuse.jit(lambda x, b: np.digitize(x, b, right))
    for b in (bins, bins[::-1]):
        onp.testing.assert_array_equal(onp.asarray(traced(x, b)), onp.digitize(x, b, right))


def test_interp():
    xp = onp.sort(R.uniform(0, 10, 25))
    xp[7] = xp[8]  # a repeated sample point
    fp = onp.sin(xp)
    fp[3] = onp.inf
    x = onp.concatenate([R.uniform(-2, 12, 200), xp, [onp.nan, -onp.inf, onp.inf]])
    for kw in ({}, {"left": -1.0, "right": 2.0}):
        same(np.interp(np.asarray(x), np.asarray(xp), np.asarray(fp), **kw), onp.interp(x, xp, fp, **kw))
    same(np.interp(np.asarray(x), [1.5], [4.0]), onp.interp(x, [1.5], [4.0]))
    same(np.interp(np.asarray(x.astype(onp.float32)), xp.astype(onp.int64), fp),
         onp.interp(x.astype(onp.float32), xp.astype(onp.int64), fp))
    same(np.interp(2.5, xp, fp), onp.asarray(onp.interp(2.5, xp, fp)))
    traced = lazyfuse.jit(lambda x, xp, fp: np.interp(x, xp, fp))
    onp.testing.assert_array_equal(onp.asarray(traced(x, xp, fp)), onp.interp(x, xp, fp))
    batched = lazyfuse.vmap(lambda x: np.interp(x, xp, fp))(x[:200].reshape(8, 25))
    onp.testing.assert_array_equal(onp.asarray(batched), onp.interp(x[:200], xp, fp).reshape(8, 25))
    for args, message in [((x, xp, fp[:-1]), "same length"), ((x, [], []), "empty")]:
        with pytest.raises(ValueError, match=message):
            np.interp(*args)
    # period and complex fp: NumPy's.
    onp.testing.assert_allclose(onp.asarray(np.interp(np.asarray(x[:50]), xp, fp + 1j, period=3.0)),
                                onp.interp(x[:50], xp, fp + 1j, period=3.0))


def test_vmap_over_sorted_arrays():
    a = onp.sort(R.standard_normal((3, 12)), axis=1)
    v = R.standard_normal((3, 5))
    got = lazyfuse.vmap(lambda a, v: np.searchsorted(a, v))(a, v)
    onp.testing.assert_array_equal(onp.asarray(got), [onp.searchsorted(a[i], v[i]) for i in range(3)])
