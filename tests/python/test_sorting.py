"""sort, argsort and median computed lazily (the IR's sort: a library kernel between
fused loops) against NumPy over dtypes, axes, layouts, NaN, infinities and ties:
sorted values equal NumPy's, positions equal NumPy's stable ones, medians NumPy's."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

R = onp.random.default_rng(5)
X = onp.round(R.standard_normal((6, 8, 5)) * 3) / 2  # many ties
X[2, 3, 1], X[5, 0, 4], X[0, 7, 0], X[1, 1, 1] = onp.nan, onp.inf, -onp.inf, -0.0


def layouts(a):
    lazy = np.asarray(a)
    pending = lazy | False if a.dtype == bool else lazy * 1
    return [lazy, pending, lazy.T.T, lazy[::-1][::-1]]


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64, onp.int16, onp.uint8,
                                   onp.bool_, onp.float16])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_sort_and_argsort(dtype, axis):
    a = (X if onp.dtype(dtype).kind == "f" else onp.nan_to_num(X) * 4).astype(dtype)
    want_values = onp.sort(a, axis=axis)
    want_order = onp.argsort(a, axis=axis, kind="stable")
    for x in layouts(a):
        got = np.sort(x, axis=axis)
        assert isinstance(got, lazyfuse.ndarray)
        got = onp.asarray(got)
        assert got.dtype == want_values.dtype and got.shape == want_values.shape
        onp.testing.assert_array_equal(got, want_values)
        order = onp.asarray(np.argsort(x, axis=axis))
        assert order.dtype == onp.int64
        onp.testing.assert_array_equal(order, want_order)


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64, onp.bool_])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), (-1, False),
                                           (None, True)])
def test_median(dtype, axis, keepdims):
    a = (X if onp.dtype(dtype).kind == "f" else onp.nan_to_num(X) * 4).astype(dtype)
    for data in (a, a[:, :7]):  # even and odd lane lengths
        want = onp.median(data, axis=axis, keepdims=keepdims)
        for x in layouts(data):
            got = onp.asarray(np.median(x, axis=axis, keepdims=keepdims))
            assert got.dtype == onp.asarray(want).dtype and got.shape == onp.shape(want)
            onp.testing.assert_array_equal(got, want)


def test_forms_left_to_numpy_and_errors():
    z = R.standard_normal(7) + 1j * R.standard_normal(7)
    onp.testing.assert_array_equal(onp.asarray(np.sort(np.asarray(z))), onp.sort(z))
    onp.testing.assert_array_equal(onp.asarray(np.median(np.asarray(X), axis=(0, 2))),
                                   onp.median(X, axis=(0, 2)))
    with pytest.raises(onp.exceptions.AxisError):
        np.sort(np.asarray(X), axis=3)
    with pytest.raises(onp.exceptions.AxisError):
        np.argsort(np.asarray(X), axis=-4)
    descending = onp.asarray(np.sort(np.asarray(X[0]), axis=1, descending=True))
    onp.testing.assert_array_equal(descending, -onp.sort(-X[0], axis=1))


def test_sort_is_a_kernel_between_fused_loops():
    x = np.asarray(X[0])
    text = str(lazyfuse.explain(np.sort(np.exp(x), axis=0) * 2.0))
    assert "sort[axis=0]" in text and "kernels (3)" in text, text
