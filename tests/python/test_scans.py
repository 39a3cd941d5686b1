"""cumsum, cumprod, nancumsum, nancumprod and ufunc.accumulate computed lazily (the IR's
scans): NumPy's bits, dtypes and shapes over dtypes, axes, 0-d, empty, strided and
reversed inputs, NaN, +-inf and -0.0; fused producers and consumers around the scan;
gradients of cumsum; NumPy's errors."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

R = onp.random.default_rng(3)
X = R.standard_normal((6, 7, 5))
X[1, 2, 3], X[4, 0, 0], X[0, 6, 2] = onp.nan, -0.0, onp.inf
INTS = R.integers(-100, 100, (6, 7, 5))


def inputs(a):
    """a in memory, pending, transposed twice (strided) and reversed (negative strides)."""
    lazy = np.asarray(a)
    # A pending copy that keeps every value (complex (inf+0j) * 1 is inf+nanj).
    pending = lazy | False if a.dtype == bool else (
        np.conj(np.conj(lazy)) if a.dtype.kind == "c" else lazy * 1)
    return [lazy, pending, lazy.T.T, lazy[::-1][::-1]]


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.float16, onp.int64, onp.int32,
                                   onp.uint8, onp.bool_, onp.complex128])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_scans_give_numpys_bits(name, dtype, axis):
    a = (X if onp.dtype(dtype).kind in "fc" else INTS).astype(dtype)
    if name == "cumprod" or name == "nancumprod":
        a = a[:, :3] if onp.dtype(dtype).kind in "iu" else a / 2  # keep products finite-ish
    with onp.errstate(all="ignore"):
        want = getattr(onp, name)(a, axis=axis)
    for x in inputs(a):
        with onp.errstate(all="ignore"):
            got = getattr(np, name)(x, axis=axis)
        assert isinstance(got, lazyfuse.ndarray)
        got = onp.asarray(got)
        assert got.dtype == want.dtype and got.shape == want.shape
        onp.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("ufunc", ["add", "multiply", "maximum", "minimum"])
@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64, onp.int16, onp.bool_])
def test_accumulate(ufunc, dtype):
    a = (X / 2 if onp.dtype(dtype).kind == "f" else INTS[:, :2]).astype(dtype)
    for axis in (0, 2):
        with onp.errstate(all="ignore"):
            want = getattr(onp, ufunc).accumulate(a, axis=axis)
            got = onp.asarray(getattr(np, ufunc).accumulate(np.asarray(a) if dtype == onp.bool_
                                                            else np.asarray(a) * 1, axis=axis))
        assert got.dtype == want.dtype
        onp.testing.assert_array_equal(got, want)


def test_extremes_keep_numpys_zero_signs_and_nans():
    a = onp.array([0.0, -0.0, 1.0, onp.nan, 5.0, -0.0, 0.0])
    for ufunc in (onp.maximum, onp.minimum):
        want = ufunc.accumulate(a)
        got = onp.asarray(getattr(np, ufunc.__name__).accumulate(np.asarray(a) * 1.0))
        assert onp.array_equal(onp.signbit(got), onp.signbit(want))
        onp.testing.assert_array_equal(got, want)


def test_small_zero_d_empty_and_dtype_arguments():
    for a in (onp.array(2.5), onp.zeros((3, 0)), onp.zeros(0, onp.int32), onp.arange(5)):
        for axis in ((None,) if a.ndim == 0 else (None, 0, -1)):
            want = onp.cumsum(a, axis=axis)
            got = onp.asarray(np.cumsum(np.asarray(a), axis=axis))
            assert got.dtype == want.dtype and got.shape == want.shape
            onp.testing.assert_array_equal(got, want)
    i = INTS[0].astype(onp.int32)
    for dtype in (onp.int32, onp.float32, onp.float64, onp.int8):
        want = onp.cumsum(i, axis=1, dtype=dtype)
        got = onp.asarray(np.cumsum(np.asarray(i) * 1, axis=1, dtype=dtype))
        assert got.dtype == want.dtype
        onp.testing.assert_array_equal(got, want)
    with pytest.raises(onp.exceptions.AxisError):
        np.cumsum(np.asarray(X), axis=3)
    with pytest.raises(onp.exceptions.AxisError):
        np.cumsum(np.asarray(onp.array(1.0)), axis=0)
    # The method forms.
    onp.testing.assert_array_equal(onp.asarray((np.asarray(X) * 1).cumsum(axis=1)),
                                   X.cumsum(axis=1))
    onp.testing.assert_array_equal(onp.asarray((np.asarray(X) * 1).cumprod()), X.cumprod())


def test_the_scan_is_one_library_kernel_between_fused_loops():
    x = np.asarray(X[0])
    text = str(lazyfuse.explain(np.cumsum(np.exp(x) * 2.0, axis=1) - 1.0))
    assert "cumsum[axis=1]" in text and "kernels (3)" in text, text


def test_gradient_of_cumsum():
    def f(x):
        return (np.cumsum(x * x, axis=1) * np.asarray(onp.arange(5.0))).sum()
    x = X[1, :, :5].copy()
    x[onp.isnan(x) | onp.isinf(x)] = 0.5
    g = onp.asarray(lazyfuse.grad(f)(x))
    # d/dx_ij sum_k w_k sum_{m<=k} x_im^2 = 2 x_ij sum_{k>=j} w_k
    w = onp.arange(5.0)
    want = 2 * x * onp.cumsum(w[::-1])[::-1]
    onp.testing.assert_allclose(g, want, rtol=1e-12)
    with pytest.raises(ValueError, match="no derivative"):
        lazyfuse.grad(lambda x: np.cumprod(x).sum())(x)
