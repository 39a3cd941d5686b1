"""sort, argsort, median, quantile and percentile against NumPy over dtypes, axes,
layouts, NaN, infinities and ties: sorted values equal NumPy's, positions NumPy's
stable ones, medians and quantiles NumPy's bits. Values that can be computed now are
sorted by NumPy (faster); inside traced functions the IR's sort (a library kernel)
computes them, which the `traced` tests check."""

import warnings

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


def test_traced_sorts_are_kernels_between_fused_loops():
    text = str(lazyfuse.explain(lambda x: np.sort(np.exp(x), axis=0) * 2.0, X[0]))
    assert "sort[axis=0]" in text and "kernels (3)" in text, text


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64, onp.uint8])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_traced_sort_median_and_quantiles(dtype, axis):
    a = (X[:, :, 0] if onp.dtype(dtype).kind == "f" else onp.nan_to_num(X[:, :, 0]) * 4).astype(dtype)
    calls = {
        "sort": (lambda m, x: m.sort(x, axis=axis), {}),
        "argsort": (lambda m, x: m.argsort(x, axis=axis), {"kind": "stable"}),
        "median": (lambda m, x: m.median(x, axis=axis), {}),
        "quantile": (lambda m, x: m.quantile(x, [0.2, 0.75], axis=axis), {}),
        "percentile": (lambda m, x: m.percentile(x, 40.0, axis=axis, keepdims=True), {}),
    }
    for name, (call, extra) in calls.items():
        want = call(onp, a) if name != "argsort" else onp.argsort(a, axis=axis, kind="stable")
        got = onp.asarray(lazyfuse.jit(lambda x: call(np, x))(a))
        assert got.dtype == onp.asarray(want).dtype and got.shape == onp.shape(want), name
        onp.testing.assert_array_equal(got, want, err_msg=name)


QS = [0.5, 0.25, 1.0, 0.0, 0.3, [0.1, 0.9], onp.array([0.25, 0.75], onp.float32),
      onp.float32(0.4), onp.array([[0.2], [0.7]])]


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64, onp.int32])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), (-1, False)])
@pytest.mark.parametrize("name,scale", [("quantile", 1), ("percentile", 100)])
def test_quantile_and_percentile(dtype, axis, keepdims, name, scale):
    # NumPy's linear method bit for bit: its weights in q's dtype (a Python float weak),
    # its order of operations, NaN where a lane holds one, q's dimensions first.
    a = (X[0] if onp.dtype(dtype).kind == "f" else onp.nan_to_num(X[0]) * 4).astype(dtype)
    for q in QS:
        q = [v * scale for v in q] if isinstance(q, list) else q * scale if scale != 1 else q
        want = getattr(onp, name)(a, q, axis=axis, keepdims=keepdims)
        for x in layouts(a):
            got = onp.asarray(getattr(np, name)(x, q, axis=axis, keepdims=keepdims))
            assert got.dtype == onp.asarray(want).dtype and got.shape == onp.shape(want)
            onp.testing.assert_array_equal(got, want)


def test_quantile_errors_and_forms_left_to_numpy():
    x = np.asarray(X[0])
    with pytest.raises(ValueError, match="Quantiles must be in the range"):
        np.quantile(x, 1.5)
    with pytest.raises(ValueError, match="Percentiles must be in the range"):
        np.percentile(x, -1)
    with pytest.raises(TypeError):
        np.quantile(np.asarray(X[0] > 0), 0.5)
    for method in ("nearest", "lower", "midpoint"):
        onp.testing.assert_array_equal(onp.asarray(np.quantile(x, 0.3, axis=1, method=method)),
                                       onp.quantile(X[0], 0.3, axis=1, method=method))


@pytest.mark.parametrize("axis", [0, -1, None])
def test_partition_and_argpartition(axis):
    a = onp.nan_to_num(X, posinf=9.0, neginf=-9.0)
    n = a.size if axis is None else a.shape[axis]
    for kth in (0, 3, -1, [1, 4]):
        # Values that can be computed now: NumPy's arrangement exactly.
        onp.testing.assert_array_equal(onp.asarray(np.partition(np.asarray(a) * 1, kth, axis)),
                                       onp.partition(a, kth, axis))
        onp.testing.assert_array_equal(onp.asarray(np.argpartition(np.asarray(a), kth, axis)),
                                       onp.argpartition(a, kth, axis))
        # Traced: a partition around every kth (the sorted lanes; NumPy leaves the order
        # within each side undefined), so the kth elements are NumPy's.
        got = onp.asarray(lazyfuse.jit(lambda x: np.partition(x, kth, axis))(a))
        want = onp.partition(a, kth, axis)
        ks = onp.atleast_1d(kth) % n
        flat_got = got if axis is not None else got.ravel()
        flat_want = want if axis is not None else want.ravel()
        onp.testing.assert_array_equal(onp.take(flat_got, ks, axis=axis or 0),
                                       onp.take(flat_want, ks, axis=axis or 0))
        order = onp.asarray(lazyfuse.jit(lambda x: np.argpartition(x, kth, axis))(a))
        picked = onp.take_along_axis(a if axis is not None else a.ravel(), order, axis or 0)
        onp.testing.assert_array_equal(onp.take(picked, ks, axis=axis or 0),
                                       onp.take(flat_want, ks, axis=axis or 0))
    with pytest.raises(ValueError, match="out of bounds"):
        lazyfuse.jit(lambda x: np.partition(x, n, axis))(a)


def nan_data(dtype):
    """X[0] with a third of its values NaN, a lane of NaNs only, a lane of one value,
    infinities and -0.0 (dtype float64 or float32), or integers."""
    a = X[:, :, 0].copy()
    a[R.random(a.shape) < 0.3] = onp.nan
    a[2] = onp.nan
    a[3, 1:] = onp.nan
    if onp.dtype(dtype).kind != "f":
        return (onp.nan_to_num(a, posinf=9, neginf=-9) * 4).astype(dtype)
    return a.astype(dtype)


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), (-1, False)])
@pytest.mark.parametrize("name,scale", [("nanmedian", None), ("nanquantile", 1),
                                        ("nanpercentile", 100)])
def test_nan_ignoring_median_and_quantiles_traced_and_at_once(dtype, axis, keepdims, name,
                                                               scale):
    # Inside jit: the lanes sorted, each lane's neighbours gathered among its non-NaN
    # count, NumPy's bits; values that can be read: NumPy's at once.
    a = nan_data(dtype)
    qs = [None] if scale is None else [
        q * scale if not isinstance(q, list) else [v * scale for v in q] for q in QS]
    with warnings.catch_warnings():  # NumPy's all-NaN slice warnings (traced: none)
        warnings.simplefilter("ignore", RuntimeWarning)
        for q in qs:
            args = () if q is None else (q,)
            want = getattr(onp, name)(a, *args, axis=axis, keepdims=keepdims)
            traced = lazyfuse.jit(lambda x: getattr(np, name)(x, *args, axis=axis,
                                                              keepdims=keepdims))(a)
            at_once = getattr(np, name)(np.asarray(a), *args, axis=axis, keepdims=keepdims)
            for got in (traced, at_once):
                got = onp.asarray(got)
                assert got.dtype == onp.asarray(want).dtype and got.shape == onp.shape(want)
                onp.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_lexsort_at_once_and_traced(axis):
    # Stable argsorts chained from the first key: NumPy's order, NaN last, -0.0 equal to
    # 0.0 (ties kept in order), mixed dtypes; a stacked array of keys or a sequence.
    ints = R.integers(0, 3, (3, 6, 7))
    floats = R.standard_normal((6, 7))
    floats[::2, ::3] = onp.nan
    floats[1::2, ::2] = -0.0
    floats[1::3, 1::2] = 0.0
    for keys in [tuple(ints), (floats, ints[0]), (ints[1], floats, ints[2].astype(onp.int8)),
                 ints, (ints[0] > 1, floats)]:
        want = onp.lexsort(keys, axis=axis)
        lazy_keys = np.asarray(keys) if isinstance(keys, onp.ndarray) else tuple(
            np.asarray(k) for k in keys)
        got = np.lexsort(lazy_keys, axis=axis)
        assert onp.asarray(got).dtype == want.dtype
        onp.testing.assert_array_equal(onp.asarray(got), want)
        traced = lazyfuse.jit(lambda *k: np.lexsort(k, axis=axis))(*keys)
        onp.testing.assert_array_equal(onp.asarray(traced), want)


def test_lexsort_errors_and_edges():
    with pytest.raises(TypeError, match="len > 0"):
        np.lexsort([])
    with pytest.raises(ValueError, match="same shape"):
        np.lexsort((np.asarray(onp.ones(2)), np.asarray(onp.ones(3))))
    with pytest.raises(onp.exceptions.AxisError):
        np.lexsort((np.asarray(onp.ones(2)),), axis=2)
    assert int(np.lexsort(np.asarray(onp.array([3, 1, 2])))) == 0  # three scalar keys
    onp.testing.assert_array_equal(onp.asarray(np.lexsort((np.asarray(onp.ones(0)),))),
                                   onp.lexsort((onp.ones(0),)))


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64, onp.int16])
def test_long_lanes_sort_on_all_threads_stably(dtype):
    # A lane long enough that its radix passes run on the pool's threads together:
    # NumPy's stable order (ties, NaN last, -0.0 with 0.0), the same for any thread count.
    x = R.standard_normal(300_001) * 50
    x[::7] = onp.round(x[::7])  # ties
    if onp.dtype(dtype).kind == "f":
        x[::11], x[5::13], x[3::17], x[2::19] = onp.nan, onp.inf, -0.0, 0.0
    x = x.astype(dtype) if onp.dtype(dtype).kind == "f" else onp.nan_to_num(x).astype(dtype)
    order = lazyfuse.jit(np.argsort)(x)
    onp.testing.assert_array_equal(onp.asarray(order), onp.argsort(x, kind="stable"))
    values = lazyfuse.jit(np.sort)(x)
    onp.testing.assert_array_equal(onp.asarray(values), onp.sort(x))
