"""Reductions along a leading or middle axis against NumPy, at sizes where the compiled
kernel runs blocks of output points (a C-ordered ``x.sum(axis=0)``: codegen's
blocked.rs) and layouts where it does not (Fortran order, reversed, sliced).

C-ordered float sums along such an axis are NumPy's bits exactly: both fold each
column in order. Extrema, arg-reductions, integer and bool reductions are exact in
every layout, NaN, infinities and signed zeros included.
"""

import numpy as onp
import pytest

import lazyfuse.numpy as np

# (shape, axis): runs longer than a block (4100 > 4096 lanes), a middle axis, two
# leading axes, a single column, rows shorter than the vector width.
CASES = [((300, 4100), 0), ((7, 33, 130), 1), ((6, 9, 70), (0, 1)), ((500, 1), 0), ((64, 3), 0)]
LAYOUTS = ["C", "F", "reversed", "sliced"]


def _data(shape, dtype, seed):
    rng = onp.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "int64":
        return rng.integers(-50, 50, shape)
    x = rng.standard_normal(shape).astype(dtype)
    special = onp.array([onp.nan, onp.inf, -onp.inf, -0.0, 0.0], dtype=dtype)
    mask = rng.random(shape) < 0.01
    x[mask] = rng.choice(special, mask.sum())
    x[..., :1] = 0.0  # a column of equal values: ties for the arg-reductions
    return x


def _layout(x, layout):
    if layout == "F":
        return onp.asfortranarray(x)
    if layout == "reversed":
        return onp.ascontiguousarray(x[::-1])[::-1]
    if layout == "sliced":
        return onp.repeat(x, 2, axis=-1)[..., ::2]
    return onp.ascontiguousarray(x)


def _same(got, want, exact):
    got, want = onp.asarray(got), onp.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    if exact:
        if want.dtype.kind == "f":
            assert onp.array_equal(onp.signbit(got), onp.signbit(want))
        onp.testing.assert_array_equal(got, want)
    else:
        single = want.dtype == onp.float32  # sums of a few hundred values near 1
        onp.testing.assert_allclose(got, want, rtol=1e-5 if single else 1e-12,
                                    atol=1e-4 if single else 1e-12)


@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_axis_reductions_match_numpy(shape, axis, dtype, layout):
    x = _layout(_data(shape, dtype, seed=len(shape) * 7 + shape[-1]), layout)
    lx = np.asarray(x)
    names = ["max", "min", "any", "all", "sum"]
    if not isinstance(axis, tuple):
        names += ["argmax", "argmin"]
    if dtype != "bool":
        names += ["mean", "std"]
    for name in names:
        if name in ("max", "min") and dtype == "bool":
            continue
        with onp.errstate(all="ignore"):
            want = getattr(onp, name)(x, axis=axis)
            got = getattr(np, name)(lx, axis=axis)
            # Float sums: NumPy's order down the columns of a C-ordered array is ours;
            # elsewhere both sum pairwise along the contiguous axis, in blocks laid out
            # differently. Means and deviations divide by a reciprocal (the
            # optimizer's div-constant rule): within an ulp.
            float_sum = name == "sum" and dtype.startswith("float")
            blocked = layout == "C" and shape[-1] > 1
            exact = name not in ("mean", "std") and (not float_sum or blocked)
            _same(got, want, exact)


def test_softmax_and_standardisation_along_axis_zero():
    x = onp.random.default_rng(5).standard_normal((2000, 300))
    lx = np.asarray(x)
    z = np.exp(lx - lx.max(axis=0)) / np.exp(lx - lx.max(axis=0)).sum(axis=0)
    want = onp.exp(x - x.max(axis=0)) / onp.exp(x - x.max(axis=0)).sum(axis=0)
    onp.testing.assert_allclose(onp.asarray(z), want, rtol=1e-12)
    s = (lx - lx.mean(axis=0)) / lx.std(axis=0)
    onp.testing.assert_allclose(onp.asarray(s), (x - x.mean(axis=0)) / x.std(axis=0),
                                rtol=1e-9, atol=1e-12)
