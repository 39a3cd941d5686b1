"""NumPy's elementwise functions lazyfuse composes from IR ops (logaddexp, hypot, fmax,
isclose, ...): NumPy's values (within the vector math's ulps where a transcendental
function is involved), dtypes and special values, NaN, ±inf and -0.0 included."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

SPECIAL = onp.array([0.0, -0.0, 1.0, -1.0, 2.5, -3.75, 1e300, -1e300, 1e-310, onp.inf,
                     -onp.inf, onp.nan, 710.0, -745.0, 0.5, 100.0])
X = onp.repeat(SPECIAL, SPECIAL.size)
Y = onp.tile(SPECIAL, SPECIAL.size)
INTS = onp.array([-3, 0, 2, 7], dtype=onp.int32)


def close(got, want, ulps):
    got = onp.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    same = (got == want) | (onp.isnan(got) & onp.isnan(want))
    tol = ulps * onp.spacing(onp.abs(want).astype(want.dtype))
    near = onp.isfinite(want) & (onp.abs(got - want) <= tol)
    bad = ~(same | near)
    assert not bad.any(), list(zip(got[bad][:5], want[bad][:5]))


@pytest.mark.parametrize("name,ulps", [("deg2rad", 0), ("rad2deg", 0), ("radians", 0),
                                       ("degrees", 0), ("exp2", 2), ("fabs", 0),
                                       ("conjugate", 0), ("conj", 0)])
def test_unary_compositions(name, ulps):
    with onp.errstate(all="ignore"):
        for x in (SPECIAL, SPECIAL.astype(onp.float32), INTS):
            close(getattr(np, name)(np.asarray(x)), getattr(onp, name)(x), ulps)


@pytest.mark.parametrize("name,ulps", [("logaddexp", 2), ("logaddexp2", 2), ("hypot", 2),
                                       ("heaviside", 0), ("float_power", 1), ("fmax", 0),
                                       ("fmin", 0)])
def test_binary_compositions(name, ulps):
    with onp.errstate(all="ignore"):
        for x, y in ((X, Y), (X.astype(onp.float32), Y.astype(onp.float32)),
                     (INTS, INTS[::-1].copy())):
            want = getattr(onp, name)(x, y)
            got = getattr(np, name)(np.asarray(x), np.asarray(y))
            # (fmax/fmin of +0.0 and -0.0: NumPy's SIMD and scalar loops pick different
            # zeros; the values are equal either way.)
            close(got, want, ulps)


def test_functions_and_ufunc_methods():
    with onp.errstate(all="ignore"):
        close(np.sinc(np.asarray(SPECIAL)), onp.sinc(SPECIAL), 2)
        for kw in ({}, {"nan": 1.5, "posinf": 7.0, "neginf": -7.0}):
            for x in (SPECIAL, SPECIAL.astype(onp.float32)):
                close(np.nan_to_num(np.asarray(x), **kw), onp.nan_to_num(x, **kw), 0)
        x = np.asarray(SPECIAL.copy())
        assert np.nan_to_num(x, copy=False) is x
        assert onp.isfinite(onp.asarray(x)).all()
        for kw in ({}, {"equal_nan": True}, {"rtol": 0.1, "atol": 1.0}):
            want = onp.isclose(X, Y, **kw)
            assert onp.array_equal(onp.asarray(np.isclose(np.asarray(X), np.asarray(Y), **kw)), want)
            assert np.allclose(np.asarray(X), np.asarray(Y), **kw) == onp.allclose(X, Y, **kw)
        assert np.array_equal(np.asarray(SPECIAL), SPECIAL) is False  # NaN != NaN
        assert np.array_equal(np.asarray(SPECIAL), SPECIAL, equal_nan=True) is True
        assert np.array_equal(np.asarray(SPECIAL), SPECIAL[:3]) is False
    assert isinstance(np.hypot, np.ufunc) and np.hypot.nin == 2
    out = onp.zeros(3)
    np.hypot(np.asarray(onp.array([3.0, 5.0, 8.0])), 4.0, out=out)
    assert onp.array_equal(out, [5.0, onp.hypot(5, 4), onp.hypot(8, 4)])
    a = onp.array([[1.0, 5.0], [3.0, onp.nan]])
    assert onp.allclose(onp.asarray(np.fmax.reduce(np.asarray(a), axis=0)), onp.fmax.reduce(a, axis=0))


def test_compositions_fuse():
    x, y = np.asarray(onp.random.rand(1000)), np.asarray(onp.random.rand(1000))
    text = str(lazyfuse.explain(np.logaddexp(x, y) * 2.0))
    assert "kernels (1)" in text
