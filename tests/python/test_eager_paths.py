"""The fast paths for small arrays in memory (the default eager limit): NumPy computes
at once, through one native call where it can. Each must give NumPy's values, dtypes,
errors and aliasing (views stay views of the same memory, new arrays own theirs)."""

import numpy as onp
import pytest

import lazyfuse.numpy as np

pytestmark = pytest.mark.eager


def _same(got, want):
    got = onp.asarray(got)
    want = onp.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
    onp.testing.assert_array_equal(got, want)


def test_reshape_is_a_view_where_numpy_gives_one_and_a_copy_elsewhere():
    base = onp.arange(24.0).reshape(4, 6)
    q = np.asarray(base.copy())
    r = q.reshape(6, 4)
    _same(r, base.reshape(6, 4))
    r[0, 0] = -1.0  # a view: the write shows through q
    assert float(q[0, 0]) == -1.0
    q[3, 5] = -2.0
    assert float(r[5, 3]) == -2.0
    _same(q.reshape(-1), onp.asarray(q).reshape(-1))
    _same(q.reshape((2, -1, 3)), onp.asarray(q).reshape((2, -1, 3)))
    t = q.T  # not C-contiguous: its reshape is a copy
    c = t.reshape(24)
    c[0] = 100.0
    assert float(q[0, 0]) == -1.0
    with pytest.raises(ValueError):
        q.reshape(5, 5)
    with pytest.raises(TypeError):
        q.reshape(True, 24)


def test_advanced_indexing_gives_numpy_copies_and_errors():
    a = onp.arange(20.0)
    x = np.asarray(a.copy())
    idx = np.asarray(onp.array([3, 1, 4, 1, 5]))
    mask = np.asarray(a % 3 == 0)
    _same(x[idx], a[[3, 1, 4, 1, 5]])
    _same(x[mask], a[a % 3 == 0])
    _same(x[[0, -1]], a[[0, -1]])
    mn = onp.arange(12, dtype=onp.uint16).reshape(3, 4)
    m = np.asarray(mn)
    _same(m[np.asarray(onp.array([2, 0])), 1:3], mn[[2, 0], 1:3])
    _same(m[..., onp.array([True, False, True, False])], mn[..., [True, False, True, False]])
    y = x[idx]
    y[0] = 99.0  # a copy: x is unchanged
    assert float(x[3]) == 3.0
    with pytest.raises(IndexError):
        x[np.asarray(onp.array([0, 20]))]


def test_products_reductions_and_zero_d_operations():
    v = onp.linspace(-1.0, 2.0, 64)
    m = onp.arange(64.0 * 64).reshape(64, 64) / 1000
    lv, lm = np.asarray(v), np.asarray(m)
    d = np.dot(lv, lv)
    _same(d, onp.dot(v, v))
    _same(lm @ lv, m @ v)
    _same(np.sqrt(d), onp.sqrt(onp.dot(v, v)))
    _same(d / np.dot(lv, lm @ lv), onp.dot(v, v) / onp.dot(v, m @ v))
    _same(-d, -onp.dot(v, v))
    for name in ("sum", "prod", "max", "min", "mean", "any", "all", "argmax", "argmin"):
        _same(getattr(lm, name)(), getattr(m, name)())
        _same(getattr(lm, name)(axis=1), getattr(m, name)(axis=1))
        _same(getattr(lm, name)(axis=0, keepdims=True), getattr(m, name)(axis=0, keepdims=True))
    _same(np.sum(lv), onp.sum(v))
    with pytest.raises(onp.exceptions.AxisError):
        lm.sum(axis=2)


def test_in_place_operators_write_the_same_memory():
    a = onp.arange(10.0)
    x = np.asarray(a.copy())
    view = x[2:6]
    view += np.asarray(onp.ones(4))
    a[2:6] += 1
    _same(x, a)
    x -= 0.5
    a -= 0.5
    _same(x, a)
    u = np.asarray(onp.arange(6, dtype=onp.uint8))
    u *= 100  # wraps as NumPy's uint8 does
    _same(u, onp.arange(6, dtype=onp.uint8) * onp.uint8(100))


def test_norm_matches_numpy_for_each_order_and_axis():
    for x in (onp.arange(12.0).reshape(3, 4) - 5, onp.array([3.0, -4.0]), onp.arange(6).reshape(2, 3)):
        lx = np.asarray(x)
        cases = [{}, {"ord": 1}, {"ord": onp.inf}, {"axis": 0}, {"axis": -1, "keepdims": True}]
        if x.ndim == 2:
            cases.append({"ord": "fro"})
        for kw in cases:
            _same(np.linalg.norm(lx, **kw), onp.linalg.norm(x, **kw))
    with pytest.raises(ValueError):
        np.linalg.norm(np.asarray(onp.ones(3)), ord="fro")


def test_manipulation_functions_match_numpy_and_own_their_memory():
    a = onp.arange(24.0).reshape(4, 6)
    x = np.asarray(a.copy())
    cases = [
        ("roll", (x, 2), (a, 2)), ("roll", (x, -1, 1), (a, -1, 1)),
        ("diff", (x,), (a,)), ("diff", (x, 2, 0), (a, 2, 0)),
        ("tile", (x, (2, 1)), (a, (2, 1))), ("repeat", (x, 2, 1), (a, 2, 1)),
        ("triu", (x, 1), (a, 1)), ("tril", (x,), (a,)),
        ("vstack", ([x, x],), ([a, a],)), ("hstack", ([x, x],), ([a, a],)),
        ("column_stack", ([x[:, 0], x[:, 1]],), ([a[:, 0], a[:, 1]],)),
        ("pad", (x, 1), (a, 1)), ("ptp", (x, 0), (a, 0)), ("count_nonzero", (x,), (a,)),
        ("average", (x, 1), (a, 1)), ("nansum", (x,), (a,)), ("nanprod", (x[0, 1:3],), (a[0, 1:3],)),
    ]
    for name, largs, nargs in cases:
        got = getattr(np, name)(*largs)
        _same(got, getattr(onp, name)(*nargs))
    r = np.roll(x, 0)  # NumPy's roll by 0 is a copy too
    r[0, 0] = 50.0
    assert float(x[0, 0]) == 0.0


def test_arange_and_zeros_like_match_numpy():
    for args in [(5,), (2, 9), (9, 2, -2), (0,), (-3,), (0, 10, 3), (10, 0, -3), (1.5, 4.0, 0.5)]:
        _same(np.arange(*args), onp.arange(*args))
    with pytest.raises(ZeroDivisionError):
        np.arange(1, 5, 0)
    for dtype in (onp.float32, onp.int16, onp.uint8, bool):
        a = onp.ones((3, 4), dtype=dtype)
        _same(np.zeros_like(np.asarray(a)), onp.zeros_like(a))


def test_every_integer_dtype_computes_as_numpy_does():
    for dtype in (onp.int8, onp.int16, onp.uint8, onp.uint16, onp.uint32, onp.uint64):
        a = onp.arange(1, 13, dtype=dtype)
        x = np.asarray(a)
        _same(x * 3 + 25, a * 3 + 25)
        _same(x >> 1, a >> 1)
        _same(x // 3, a // 3)
        _same(x.astype(onp.uint32) * 77, a.astype(onp.uint32) * 77)
    with pytest.raises(OverflowError):  # NumPy: Python integer 250 out of bounds for int8
        np.asarray(onp.arange(3, dtype=onp.int8)) + 250


def test_sorts_and_bincount_give_numpy_arrays_that_own_their_memory():
    a = onp.array([3.0, 1.0, 2.0, 1.0])
    x = np.asarray(a.copy())
    s = np.sort(x)
    _same(s, onp.sort(a))
    s[0] = 9.0  # a new array: x is unchanged
    assert float(x[1]) == 1.0
    _same(np.argsort(x, kind="stable"), onp.argsort(a, kind="stable"))
    lab, w = onp.array([0, 2, 2, 5]), onp.array([0.5, 1.0, 2.0, 4.0])
    _same(np.bincount(np.asarray(lab), weights=np.asarray(w), minlength=7),
          onp.bincount(lab, weights=w, minlength=7))
    _same(np.bincount(np.asarray(lab)), onp.bincount(lab))
    values, counts = np.unique(np.asarray(lab), return_counts=True)
    want_values, want_counts = onp.unique(lab, return_counts=True)
    _same(values, want_values)
    _same(counts, want_counts)
    with pytest.raises(ValueError):
        np.bincount(np.asarray(onp.array([1, -1])))


def test_where_and_nonzero_of_a_small_array_give_tuples_of_index_arrays():
    values = onp.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    x = np.asarray(values.copy())
    for got, want in [(np.where(x), onp.where(values)), (np.nonzero(x), onp.nonzero(values)),
                      (onp.nonzero(x), onp.nonzero(values)), (x.nonzero(), values.nonzero()),
                      (np.where(x[0]), onp.where(values[0]))]:
        assert type(got) is tuple and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
    rows, cols = np.nonzero(x)  # index arrays of their own: a write to one stays in it
    rows[0] = 9
    _same(cols, onp.nonzero(values)[1])
    with pytest.raises(ValueError):
        np.nonzero(np.asarray(onp.float64(3.0)))  # NumPy's error for a 0-d array


def test_a_copied_result_keeps_numpys_memory_layout():
    # Advanced indexing can answer in a transposed layout (a view of NumPy's temporary):
    # the copy that makes it an array of its own keeps that layout, so its ravel is a
    # copy as NumPy's is (found by test_array_model's state machine).
    values = onp.arange(12.0).reshape(4, 3)
    key = (Ellipsis, None, onp.array([0, 0, 0]))
    got, want = np.asarray(values.copy())[key], values[key]
    _same(got, want)
    assert onp.asarray(got).flags.c_contiguous == want.flags.c_contiguous
    assert np.shares_memory(got.ravel(), got) == onp.shares_memory(want.ravel(), want)


def test_zero_d_float_arithmetic_is_numpys():
    # 0-d float operands go through NumPy's scalar arithmetic: the same values, dtypes
    # and floating-point warnings as the ufunc on 0-d arrays.
    f64, f32 = onp.float64(3.0), onp.float32(0.5)
    a, b = np.asarray(onp.asarray(f64)), np.asarray(onp.asarray(f32))
    for got, want in [(a / b, onp.asarray(f64) / onp.asarray(f32)), (b * 2.0, f32 * 2.0),
                      (2.0 - b, 2.0 - f32), (b + f32, f32 + f32), (f64 * b, f64 * f32),
                      (b / a, f32 / f64), (a - a, f64 - f64)]:
        _same(got, onp.asarray(want))
        assert got.shape == ()
    zero = np.asarray(onp.asarray(onp.float64(0.0)))
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        _same(a / zero, onp.asarray(onp.inf))
    with onp.errstate(invalid="ignore"):
        _same(zero / zero, onp.asarray(onp.nan))


def test_errstate_raise_is_numpys_on_arrays_computed_at_once():
    # Small arrays in memory are NumPy's at once: np.errstate's FloatingPointError is
    # raised as NumPy raises it (compiled kernels report no floating-point exceptions).
    x = np.asarray(onp.array([1.0, 0.0, -1.0]))
    zero = np.asarray(onp.asarray(onp.float64(0.0)))
    with onp.errstate(divide="raise"):
        for compute in (lambda: x / 0.0, lambda: x / zero, lambda: np.log(x[1:2]),
                        lambda: np.log(zero), lambda: 1.0 / x):
            with pytest.raises(FloatingPointError):
                compute()
    with onp.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        zero / zero
    with onp.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            np.asarray(onp.array([1e308, 1e308])).sum()
    with onp.errstate(all="ignore"):
        _same(x / 0.0, onp.array([1.0, 0.0, -1.0]) / 0.0)


def test_results_get_their_base_when_a_view_or_write_needs_it():
    # An eager result's Base is made only when asked for: views made later share it,
    # writes through either are seen by the other, and a lazy read made before a write
    # keeps the values it read.
    a = np.asarray(onp.arange(6.0))
    r = a * 2.0  # in memory, its base deferred
    v = r[1:4]
    assert v._base is r._base
    v[0] = -1.0
    assert float(r[1]) == -1.0
    r[2] = -2.0
    _same(v, onp.array([-1.0, -2.0, 6.0]))
    w = r * 1.0
    big = np.asarray(onp.ones((1_000, 6)))  # past the eager limit: a pending program
    pending = big + r  # reads r lazily
    assert pending._base.buffer is None
    r[0] = 100.0
    _same(pending[999], onp.array([1.0, 0.0, -1.0, 7.0, 9.0, 11.0]))
    _same(w, onp.array([0.0, -1.0, -2.0, 6.0, 8.0, 10.0]))
    _same(r, onp.array([100.0, -1.0, -2.0, 6.0, 8.0, 10.0]))
