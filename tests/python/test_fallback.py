"""NumPy functions lazyfuse does not compute lazily: computed by NumPy on the evaluated
inputs, their array results returned as lazy arrays that `explain` names as
fallbacks, the arrays NumPy writes written in place, and a FallbackWarning at the
user's line for each with LAZYFUSE_WARN_FALLBACK=1."""

import warnings

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np
from lazyfuse.errors import FallbackWarning


@pytest.fixture
def warn_fallbacks(monkeypatch):
    monkeypatch.setenv("LAZYFUSE_WARN_FALLBACK", "1")


def x():
    return np.asarray(onp.linspace(-2.0, 3.0, 11)) * 1.5


def test_results_are_lazy_arrays_with_numpys_values():
    a, want = x(), onp.linspace(-2.0, 3.0, 11) * 1.5
    for ours, theirs in [(onp.cumsum(a), onp.cumsum(want)), (np.cumsum(a), onp.cumsum(want)),
                         (np.cumsum([1, 2, 3]), onp.cumsum([1, 2, 3])),
                         (onp.sort(a)[::-1], onp.sort(want)[::-1])]:
        assert isinstance(ours, lazyfuse.ndarray)
        onp.testing.assert_array_equal(onp.asarray(ours), theirs)
    counts, edges = np.histogram(a, bins=4)
    assert isinstance(counts, lazyfuse.ndarray) and isinstance(edges, lazyfuse.ndarray)
    onp.testing.assert_array_equal(onp.asarray(counts), onp.histogram(want, bins=4)[0])
    parts = np.split(np.arange(6.0) * 1, 3)
    assert isinstance(parts, list) and all(isinstance(p, lazyfuse.ndarray) for p in parts)
    # Named tuples keep their type; non-array results stay as NumPy gives them.
    u = np.linalg.svd(np.asarray(onp.eye(3)) * 2.0)
    assert type(u).__name__ == "SVDResult" and isinstance(u.S, lazyfuse.ndarray)
    assert np.shape(a) == (11,) and np.ndim(a) == 1
    strings = np.char.upper(onp.array(["a", "b"]))  # a dtype lazyfuse lacks: NumPy's
    assert isinstance(strings, onp.ndarray)


def test_explain_lists_the_fallbacks_a_program_reads():
    y = onp.unique(x()) * 2.0 + 1.0
    text = str(lazyfuse.explain(y))
    assert "computed by NumPy: numpy.unique (a fallback, not lazy)" in text


def test_writers_write_the_lazy_array():
    a = np.zeros((3, 3)) + 1.0
    onp.fill_diagonal(a, 5.0)
    onp.testing.assert_array_equal(onp.asarray(a), onp.where(onp.eye(3) > 0, 5.0, 1.0))
    b = np.arange(9.0) * 1.0
    onp.put(b, [0, 4], [-1.0, -2.0])
    np.put(b, [8], [-3.0])
    assert onp.asarray(b)[[0, 4, 8]].tolist() == [-1.0, -2.0, -3.0]
    c = np.arange(6.0).reshape(2, 3) * 1.0
    onp.put_along_axis(c, onp.array([[0], [2]]), 9.0, axis=1)
    assert onp.asarray(c).tolist() == [[9.0, 1.0, 2.0], [3.0, 4.0, 9.0]]


def test_warnings_name_each_fallback_at_the_users_line(warn_fallbacks):
    a = x()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        onp.unique(a)
        np.shape(a)  # not a computation: no warning
        onp.cumsum(a)  # lazy: no warning
        onp.fill_diagonal(np.zeros((2, 2)) + 0.0, 1.0)  # an indexed write: no warning
    fallbacks = [w for w in caught if issubclass(w.category, FallbackWarning)]
    messages = [str(w.message) for w in fallbacks]
    assert any("numpy.unique" in m for m in messages), messages
    assert not any("numpy.cumsum" in m for m in messages), messages
    assert not any("numpy.fill_diagonal" in m for m in messages), messages
    assert not any("numpy.shape" in m for m in messages), messages
    assert all(w.filename == __file__ for w in fallbacks), [w.filename for w in fallbacks]


def test_no_warning_by_default(monkeypatch):
    monkeypatch.delenv("LAZYFUSE_WARN_FALLBACK", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FallbackWarning)
        onp.unique(x())


def test_a_view_numpy_returns_does_not_alias_the_lazy_input():
    # NumPy's trim_zeros returns a view of its (evaluated) input: wrapped as it is, a
    # write to the input would reach a pending read of the result behind the input's
    # back. The result is a copy: later writes to the input do not change it, as NumPy
    # would have computed `twice` before the write.
    x = np.asarray(onp.array([0.0, 1.0, 2.0, 0.0])) * 1.0
    trimmed = np.trim_zeros(x)
    twice = trimmed * 2.0
    x[1] = 100.0
    onp.testing.assert_array_equal(onp.asarray(twice), [2.0, 4.0])


def test_fresh_results_are_noted_and_independent():
    # nonzero's index arrays are columns of one array NumPy allocates: taken as they
    # are (no copy), each still behaves as an array of its own.
    m = np.asarray(onp.array([[True, False, True], [False, True, True]])) & True
    rows, cols = onp.nonzero(m)
    want_rows, want_cols = onp.nonzero(onp.asarray(m))
    onp.testing.assert_array_equal(onp.asarray(rows), want_rows)
    onp.testing.assert_array_equal(onp.asarray(cols), want_cols)
    rows[0] = 7
    onp.testing.assert_array_equal(onp.asarray(cols), want_cols)
    assert "computed by NumPy: numpy.nonzero (a fallback, not lazy)" in str(
        lazyfuse.explain(cols * 2))


def test_a_view_of_a_numpy_argument_is_not_taken_as_fresh():
    # A fallback's result that views a NumPy argument (one that is itself a view, so
    # the result's base is the argument's base): a copy, as the lazy result must not
    # alias memory its base does not track.
    def tail(a, b):
        return b[1:]

    base = onp.array([0.0, 1.0, 2.0, 3.0])
    view = base[1:]
    lazy = np.asarray(onp.array([1.0])) * 1.0
    result = lazy.__array_function__(tail, (type(lazy),), (lazy, view), {})
    assert isinstance(result, lazyfuse.ndarray)
    base[3] = 50.0
    onp.testing.assert_array_equal(onp.asarray(result), [2.0, 3.0])
    both = onp.union1d(lazy, view)  # a new array: taken as it is
    onp.testing.assert_array_equal(onp.asarray(both), [1.0, 2.0, 50.0])


def test_overlapping_views_of_a_new_array_become_separate_arrays():
    # A tuple of views of one new array that overlap: lazyfuse cannot keep two bases
    # over the same memory, so the later one is a copy (a write to one is not seen by
    # a pending read of the other behind its back).
    def halves(a):
        t = onp.asarray(a) * 1.0
        return t, t[1:]

    values = onp.arange(1.0, 10_001.0)  # past the eager limit: `doubled` stays pending
    lazy = np.asarray(values) * 1.0
    whole, tail = lazy.__array_function__(halves, (type(lazy),), (lazy,), {})
    doubled = tail * 2.0
    whole[1] = 100.0
    onp.testing.assert_array_equal(onp.asarray(doubled), values[1:] * 2.0)
    assert onp.asarray(whole)[1] == 100.0
