"""Loops (issue 10): scalars, indices and slice bounds are run-time values, never part
of a compiled program; element loops stay memory traffic; memory stays flat."""

import gc
import resource

import numpy as np
import pytest

import lazyfuse as lf
import lazyfuse.numpy as lnp


def compiles():
    return lf.cache_info()["compiles"]


def test_a_thousand_scalars_compile_once():
    base = np.random.default_rng(0).random(257)
    a = lnp.asarray(base)
    np.asarray(a * 1.2345 + 1.0)  # the one compile
    before = compiles()
    for i in range(1000):
        s = 1.0 + i * 1e-3 + 1e-9
        np.testing.assert_array_equal(np.asarray(a * s + 1.0), base * s + 1.0)
    assert compiles() == before


def test_scalars_keep_numpy_dtypes_and_special_values():
    a32 = lnp.arange(4, dtype=np.float32)
    n32 = np.arange(4, dtype=np.float32)
    for s in [1.1, 2.2, float("nan"), float("inf"), -0.0, 1e300]:
        with np.errstate(all="ignore"):
            got, want = np.asarray(a32 * s), n32 * s
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    i32 = lnp.arange(4, dtype=np.int32)
    for s in [7, -9, 123456]:
        got = np.asarray(i32 * s + s)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, np.arange(4, dtype=np.int32) * s + s)


def test_fill_values_and_integer_scalars_compile_once():
    np.asarray(lnp.full(5, 0.25) + lnp.arange(5.0) % 7)
    before = compiles()
    for i in range(300):
        got = lnp.full(5, i + 0.25) + lnp.arange(5.0) % (i + 7)
        np.testing.assert_array_equal(np.asarray(got),
                                      np.full(5, i + 0.25) + np.arange(5.0) % (i + 7))
    assert compiles() == before


def test_a_thousand_indices_and_slice_bounds_compile_once_each():
    xn = np.random.default_rng(1).random(1100)
    x = lnp.asarray(xn)
    y = x * 2.5 + 1.5
    float(y[0]) + float(y[0:10].sum())
    before = compiles()
    for i in range(1000):
        y = x * 2.5 + 1.5  # a new pending array each iteration
        assert float(y[i]) == xn[i] * 2.5 + 1.5
        # Summation order differs from NumPy's unrolled loop: within rounding.
        assert np.isclose(float(y[i:i + 10].sum()), (xn[i:i + 10] * 2.5 + 1.5).sum(),
                          rtol=1e-14, atol=0)
    assert compiles() == before


def test_element_loop_reads_and_writes():
    n = 1000
    a = lnp.zeros(n)
    b = lnp.arange(float(n))
    an, bn = np.zeros(n), np.arange(float(n))
    before = compiles()
    for i in range(1, n):
        a[i] = a[i - 1] + b[i] * 0.5
        an[i] = an[i - 1] + bn[i] * 0.5
    assert compiles() - before <= 2  # materialising the two bases, not one per index
    np.testing.assert_array_equal(np.asarray(a), an)


def test_two_dimensional_recurrence():
    a = lnp.ones((20, 30))
    b = lnp.linspace(0, 1, 30)
    an, bn = np.ones((20, 30)), np.linspace(0, 1, 30)
    for i in range(1, 20):
        for j in range(30):
            a[i, j] = a[i - 1, j] + b[j]
            an[i, j] = an[i - 1, j] + bn[j]
    np.testing.assert_array_equal(np.asarray(a), an)


def test_time_stepping_memory_is_flat_and_compiles_are_bounded():
    """A heat-equation loop: the loop-carried array is flushed where it is sliced, so
    the pending graph does not grow with the step count, nor does memory."""
    def step(u):
        lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
        un = u.copy()
        un[1:-1] = u[1:-1] + 0.1 * lap
        return un

    u, un = lnp.zeros(64), np.zeros(64)
    u[32], un[32] = 1.0, 1.0
    for _ in range(50):
        u, un = step(u), step(un)
    gc.collect()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    before = compiles()
    for _ in range(3000):
        u, un = step(u), step(un)
    gc.collect()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    assert compiles() == before
    assert grown_kib < 64 * 1024, f"peak RSS grew by {grown_kib} KiB over 3000 steps"
    np.testing.assert_allclose(np.asarray(u), un, rtol=1e-12, atol=1e-300)


@pytest.mark.eager
def test_tiny_arrays_in_memory_are_computed_at_once_by_numpy():
    xn = np.arange(10.0)
    a = lnp.asarray(xn)
    before = compiles()
    b = (a * 2.5 + 1.0).sum()
    assert compiles() == before  # nothing to compile: NumPy computed each step
    assert float(b) == float((xn * 2.5 + 1.0).sum())
    previous = lf.set_eager_limit(0)
    try:
        c = lnp.asarray(xn) * 2.5 + 1.0
        assert c._base.buffer is None  # lazy again
    finally:
        lf.set_eager_limit(previous)


@pytest.mark.eager
def test_tiny_operands_broadcasting_to_a_large_result_stay_lazy():
    """Floyd-Warshall's `d[:, k, None] + d[None, k, :]`: 600-element operands, a
    360,000-element sum. NumPy computing it at once allocated (and faulted in) a large
    temporary per step; it is the lazy path's work, fused into the next operation."""
    xn = np.arange(600.0)
    a = lnp.asarray(xn)
    c = a[:, None] + a[None, :]
    assert c._base.buffer is None
    np.testing.assert_array_equal(np.asarray(c), xn[:, None] + xn[None, :])
    small = a[:3, None] + a[None, :3]
    assert small._base.buffer is not None  # tiny result: computed by NumPy at once


def test_evaluating_a_scalar_keeps_the_loop_carried_array_computed():
    """Power iteration: each float() evaluates a dot product of the loop-carried vector;
    the vector's value is remembered, so the pending program stays a few nodes long
    instead of growing by a matrix-vector product per iteration."""
    a = lnp.asarray(np.random.default_rng(3).random((50, 50)))
    an = np.asarray(a)
    v, vn = lnp.ones(50), np.ones(50)
    for _ in range(40):
        w, wn = a @ v, an @ vn
        lam, lamn = float(lnp.dot(v, w)), float(np.dot(vn, wn))
        v, vn = w / np.sqrt(lam), wn / np.sqrt(lamn)
        assert np.isclose(lam, lamn, rtol=1e-12)
    assert len(lf.explain(v).before.splitlines()) < 10
    np.testing.assert_allclose(np.asarray(v), vn, rtol=1e-12)


def test_repeated_jitted_calls_reuse_nothing_they_return():
    # A plan's runs share bookkeeping (emptied between runs), never results: each call
    # returns fresh arrays, right for its own arguments, whatever their layout.
    f = lf.jit(lambda a, b, i: (a * b + 1.0, lnp.take(a, i, axis=0) - b.sum()))
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((6, 5)), rng.standard_normal((6, 5))
    index = np.array([4, 0, 5, 5])
    results = []
    for k in range(6):
        x = a + k if k % 2 else np.asfortranarray(a + k)
        y = b[::-1] if k % 3 == 0 else b
        results.append((x.copy(), y.copy(), f(x, y, index)))
    for x, y, (product, gathered) in results:
        np.testing.assert_array_equal(np.asarray(product), x * y + 1.0)
        np.testing.assert_array_equal(np.asarray(gathered), x[index] - y.sum())


def test_jitted_calls_on_small_arrays_take_the_prepared_frame_and_leave_it_when_they_must():
    # After the first call a small plan runs through a frame prepared for its arguments'
    # layout (outputs written straight into new NumPy arrays). Arguments of another
    # layout, a subclass, another byte order, a bool array holding other bytes, or
    # another thread inside the frame take the general path: every call right.
    f = lf.jit(lambda a, b, m: {"y": a * b + 1.0, "s": (a - b).sum(axis=1), "n": ~m | (a > b)})
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((6, 5)), rng.standard_normal((6, 5))
    m = rng.random((6, 5)) > 0.5

    def check(x, y, mask, got):
        np.testing.assert_array_equal(got["y"], x * y + 1.0)
        np.testing.assert_array_equal(got["s"], (x - y).sum(axis=1))
        np.testing.assert_array_equal(got["n"], ~mask | (x > y))

    first = f(a, b, m)
    framed = lf.cache_info()["frame_calls"]
    kept = {k: v.copy() for k, v in first.items()}
    results = [(a, b, m, f(a, b, m)) for _ in range(3)]
    assert all(type(r[3]["y"]) is np.ndarray for r in results)
    assert len({id(r[3]["y"]) for r in results}) == 3  # a fresh array per call
    assert lf.cache_info()["frame_calls"] == framed + 3
    first["y"][...] = 0  # the caller owns what it got: later calls do not see this
    check(a, b, m, f(a, b, m))
    for k in kept:
        np.testing.assert_array_equal(results[0][3][k], kept[k])

    class Sub(np.ndarray):
        pass

    bytes_two = m.view(np.uint8).copy()
    bytes_two[bytes_two == 1] = 2
    odd = [
        (a[::-1], b, m),
        (np.asfortranarray(a), b, m),
        (np.broadcast_to(a[0], (6, 5)), b, m),
        (a.view(Sub), b, m),
        (a.astype(">f8"), b, m),
        (a, b, bytes_two.view(np.bool_)),
        (a.astype(np.float32), b, m),
    ]
    for x, y, mask in odd:
        framed = lf.cache_info()["frame_calls"]
        got = f(x, y, mask)
        assert lf.cache_info()["frame_calls"] == framed
        plain = (np.asarray(x, dtype=np.float64 if x.dtype != np.float32 else None), y,
                 np.asarray(mask).view(np.uint8) != 0)
        check(*plain, got)
    check(a, b, m, f(a, b, m))


def test_jitted_small_calls_from_several_threads_agree():
    import threading

    f = lf.jit(lambda a, b: (lnp.exp(a) - b).mean(axis=0) * b)
    rng = np.random.default_rng(6)
    inputs = [(rng.standard_normal((20, 30)), rng.standard_normal((20, 30))) for _ in range(4)]
    f(*inputs[0])
    framed = lf.cache_info()["frame_calls"]
    failures = []

    def work(a, b):
        want = (np.exp(a) - b).mean(axis=0) * b
        for _ in range(300):
            got = f(a, b)
            if not np.allclose(got, want, rtol=1e-14, atol=0):
                failures.append(np.max(np.abs(got - want)))
                return

    threads = [threading.Thread(target=work, args=pair) for pair in inputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures
    assert lf.cache_info()["frame_calls"] > framed


def test_jitted_calls_with_the_traced_python_scalars_and_captured_arrays_take_the_frame():
    # Python scalars are part of the signature (by type and value): a call repeating
    # the traced ones takes the fast path too, with the function's captured arrays read
    # where they are; another value, type or int width is a call of its own signature.
    rng = np.random.default_rng(8)
    weights = rng.standard_normal(7)
    shift = lnp.asarray(rng.standard_normal(7)) * 2.0
    f = lf.jit(lambda x, s, k, flag: (x * s + weights) * k - shift if flag else x - s)
    x = rng.standard_normal(7)
    want = lambda s, k, flag: (x * s + weights) * k - np.asarray(shift) if flag else x - s  # noqa: E731
    np.testing.assert_array_equal(f(x, 0.3, 5, True), want(0.3, 5, True))
    framed = lf.cache_info()["frame_calls"]
    for _ in range(3):
        np.testing.assert_array_equal(f(x, 0.3, 5, True), want(0.3, 5, True))
    assert lf.cache_info()["frame_calls"] == framed + 3
    with np.errstate(all="ignore"):
        for s, k, flag in [(0.4, 5, True), (0.3, 5.0, True), (0.3, 5, False), (-0.0, 5, True),
                           (float("nan"), 5, True), (0.3, 2**40, True), (0.3, True, True),
                           (0.3, 5, True)]:
            got = f(x, s, k, flag)
            assert got.dtype == want(s, k, flag).dtype
            np.testing.assert_array_equal(got, want(s, k, flag))
    assert f.traces == 8


def test_a_jitted_function_keeps_a_bounded_number_of_signatures():
    # A new Python scalar per call is a new signature per value; past 1,024 of them the
    # function starts over (the first value traces again) instead of growing without
    # bound, and every call stays right.
    f = lf.jit(lambda x, s: x * s + 1.0)
    x = np.arange(5.0)
    values = [0.25 + k * 1e-3 for k in range(1100)]
    before = compiles()
    for s in values:
        np.testing.assert_array_equal(f(x, s), x * s + 1.0)
    assert f.traces == 1100
    assert compiles() - before <= 2
    np.testing.assert_array_equal(f(x, values[-1]), x * values[-1] + 1.0)
    assert f.traces == 1100
    np.testing.assert_array_equal(f(x, values[0]), x * values[0] + 1.0)
    assert f.traces == 1101
