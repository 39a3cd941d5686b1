"""Writes, views and in-place operators behave as NumPy's (issue 10): focused cases
the stateful machine (test_array_model.py) may take long to draw."""

import numpy as np
import pytest

import lazyfuse as lf
import lazyfuse.numpy as lnp


def test_inplace_on_argument_updates_the_callers_array():
    def axpy(a, x, y):
        y += a * x

    x = lnp.arange(5.0)
    y = lnp.ones(5)
    axpy(2.0, x, y)
    np.testing.assert_array_equal(np.asarray(y), 1 + 2 * np.arange(5.0))


def test_alias_sees_inplace_update():
    a = lnp.zeros(3)
    b = a
    a += 1
    assert b is a
    np.testing.assert_array_equal(np.asarray(b), np.ones(3))


def test_view_write_is_seen_by_base_and_sibling_views():
    a = lnp.arange(12.0).reshape(3, 4)
    row = a[1]
    col = a[:, 2]
    t = a.T
    row[:] = -1.0
    expect = np.arange(12.0).reshape(3, 4)
    expect[1] = -1.0
    np.testing.assert_array_equal(np.asarray(a), expect)
    np.testing.assert_array_equal(np.asarray(col), expect[:, 2])
    np.testing.assert_array_equal(np.asarray(t), expect.T)
    a[0, ::2] = 7
    expect[0, ::2] = 7
    np.testing.assert_array_equal(np.asarray(row), expect[1])
    np.testing.assert_array_equal(np.asarray(t), expect.T)


def test_asarray_shares_numpy_memory_both_ways():
    base = np.arange(6.0)
    a = lf.asarray(base)
    a[2] = 100.0
    assert base[2] == 100.0  # the write reached NumPy at once
    base[3] = -5.0
    assert float(a[3]) == -5.0
    assert np.shares_memory(a, base)
    a *= 2
    np.testing.assert_array_equal(base, [0, 2, 200, -10, 8, 10])


def test_lazy_reads_keep_the_version_they_were_made_of():
    a = lf.asarray(np.arange(4.0))
    before = a * 10  # pending: reads a's current values
    a[:] = 0
    a += 1
    np.testing.assert_array_equal(np.asarray(before), [0, 10, 20, 30])
    np.testing.assert_array_equal(np.asarray(a), np.ones(4))


def test_every_index_kind_writes_as_numpy():
    keys = [
        1, 3, -1, slice(None, None, -2), (Ellipsis, 1), (None, slice(1, 4)),
        np.array([True, False] * 4).reshape(2, 4), ([0, 1, 1], [3, 0, 2]),
        (slice(None), [2, 0]), (1, Ellipsis, None),
    ]
    for key in keys:
        n = np.arange(8.0).reshape(2, 4)
        a = lnp.arange(8.0).reshape(2, 4)
        try:
            n[key] = -np.arange(1.0, 2.0)
        except IndexError:
            with pytest.raises(IndexError):
                a[key] = -np.arange(1.0, 2.0)
            continue
        a[key] = -np.arange(1.0, 2.0)
        np.testing.assert_array_equal(np.asarray(a), n, err_msg=repr(key))


def test_write_casts_and_broadcasts_as_numpy():
    n = np.zeros((2, 3), np.int32)
    a = lnp.zeros((2, 3), dtype=np.int32)
    n[:] = [1.7, -2.5, 3.9]
    a[:] = [1.7, -2.5, 3.9]
    np.testing.assert_array_equal(np.asarray(a), n)
    assert a.dtype == np.int32


def test_inplace_same_kind_casting_error_as_numpy():
    a = lnp.zeros(3, dtype=np.int64)
    with pytest.raises(np.exceptions.DTypeError if hasattr(np.exceptions, "DTypeError")
                       else TypeError):
        a += 1.5
    np.testing.assert_array_equal(np.asarray(a), np.zeros(3))


def test_readonly_broadcast_view_refuses_writes():
    a = lnp.zeros(3)
    b = lnp.broadcast_to(a, (2, 3))
    with pytest.raises(ValueError):
        b[0, 0] = 1.0


def test_ufunc_out_aliasing_an_input():
    n = np.arange(5.0)
    a = lnp.arange(5.0)
    np.add(n[:-1], n[1:], out=n[1:])
    np.add(a[:-1], a[1:], out=a[1:])
    np.testing.assert_array_equal(np.asarray(a), n)


def test_fill_copyto_put_place_putmask_copy():
    n = np.arange(6.0)
    a = lnp.arange(6.0)
    c = a.copy()
    for target in (n, a):
        np.copyto(target, 2.0, where=np.arange(6) % 2 == 0)
        np.put(target, [1, 3], [-1.0, -3.0])
        np.place(target, np.arange(6) == 5, [9.0])
        np.putmask(target, np.arange(6) == 0, 4.0)
    np.testing.assert_array_equal(np.asarray(a), n)
    np.testing.assert_array_equal(np.asarray(c), np.arange(6.0))  # independent
    a.fill(3.0)
    np.testing.assert_array_equal(np.asarray(a), np.full(6, 3.0))


def test_element_loop_reads_and_writes_numpy_scalars():
    a = lnp.zeros(10)
    b = lnp.arange(10.0)
    for i in range(1, 10):
        a[i] = a[i - 1] + b[i]
    assert isinstance(a[3], np.float64)
    np.testing.assert_array_equal(np.asarray(a), np.cumsum(np.arange(10.0)))


def test_shares_memory_answers_as_numpy():
    a = lnp.arange(10.0)
    n = np.arange(10.0)
    pairs = [(a[:5], a[5:]), (a[::2], a[1::2]), (a[:6], a[4:]), (a, a.copy()),
             (a.reshape(2, 5), a[3:4])]
    npairs = [(n[:5], n[5:]), (n[::2], n[1::2]), (n[:6], n[4:]), (n, n.copy()),
              (n.reshape(2, 5), n[3:4])]
    for (x, y), (u, v) in zip(pairs, npairs):
        assert np.shares_memory(x, y) == np.shares_memory(u, v)
        assert np.may_share_memory(x, y) == np.may_share_memory(u, v)


def test_element_writes_keep_pending_reads_and_raise_numpys_errors():
    """Single-element writes take the native fast path; pending reads, bad indices,
    read-only views and values NumPy rejects still behave as NumPy's."""
    a = lnp.asarray(np.arange(4.0))
    pending = a * 2.0
    a[1] = 100.0  # the buffer is read by `pending`: snapshot first
    np.testing.assert_array_equal(np.asarray(pending), [0.0, 2.0, 4.0, 6.0])
    np.testing.assert_array_equal(np.asarray(a), [0.0, 100.0, 2.0, 3.0])
    with pytest.raises(lf.IndexingError, match="out of bounds"):
        a[7] = 1.0
    with pytest.raises(lf.IndexingError):
        a[(0, 0)] = 1.0
    ro = lnp.broadcast_to(a, (2, 4))
    np.asarray(ro)
    with pytest.raises(ValueError, match="read-only"):
        ro[0, 0] = 1.0
    i = lnp.asarray(np.arange(3))
    with pytest.raises(ValueError):
        i[0] = float("nan")
    i[1] = 2.9  # NumPy truncates
    assert i[1] == 2 and type(i[1]) is np.int64


def test_elementwise_results_take_numpys_memory_order():
    """NumPy's K order: a result of Fortran-ordered operands is Fortran-ordered, so its
    ravel is a copy (a write through it must not reach the result) and its strides are
    NumPy's; mixed or C operands give C order."""
    c = np.random.default_rng(4).random((3, 4))
    f = np.asfortranarray(c)
    lc, lf_ = lnp.asarray(c), lnp.asarray(f)
    cases = [(lc.T * 2.0, c.T * 2.0), (lf_ + 1.0, f + 1.0), (lf_ + lc, f + c),
             (lnp.sin(lf_), np.sin(f)), ((lc * 2.0).T - 1.0, (c * 2.0).T - 1.0),
             (lnp.where(lf_ > 0.5, lf_, 0.0), np.where(f > 0.5, f, 0.0))]
    for got, want in cases:
        assert np.asarray(got).strides == want.strides
        flat, flat_ref = got.ravel(), want.ravel()
        assert np.shares_memory(flat, got) == np.shares_memory(flat_ref, want)
        flat[0] = -7.0
        flat_ref[0] = -7.0
        np.testing.assert_array_equal(np.asarray(got), want)


@pytest.mark.parametrize("dest", ["contiguous", "strided", "reversed", "transposed"])
def test_slice_writes_compute_straight_into_the_destination(dest):
    """`b[key] = expr` computes expr into b's memory when nothing pending reads b (no
    temporary); the answer is NumPy's whatever the destination's layout, and writes
    whose value reads the destination keep NumPy's semantics."""
    rng = np.random.default_rng(5)
    an = rng.random((90, 80))
    a = lnp.asarray(an.copy())
    bn = np.zeros((90, 80))
    b = lnp.asarray(bn.copy())
    key = {"contiguous": (slice(1, -1), slice(1, -1)), "strided": (slice(1, None, 2), slice(None, None, 3)),
           "reversed": (slice(None, None, -1), slice(None, None, -2)), "transposed": (Ellipsis,)}[dest]
    if dest == "transposed":
        b.T[...] = (a * 2.0 + 1.0).T
        bn.T[...] = (an * 2.0 + 1.0).T
    else:
        shape = bn[key].shape
        src = tuple(slice(0, n) for n in shape)
        b[key] = lnp.sin(a[src]) * 3.0 - a[src]
        bn[key] = np.sin(an[src]) * 3.0 - an[src]
    np.testing.assert_allclose(np.asarray(b), bn, rtol=1e-15, atol=0)
    d, dn = lnp.asarray(np.arange(5000.0)), np.arange(5000.0)
    d[1:] = d[:-1] * 2.0  # reads what it overwrites: computed first, as NumPy does
    dn[1:] = dn[:-1] * 2.0
    np.testing.assert_array_equal(np.asarray(d), dn)


def test_computing_into_memory_an_input_reads_only_element_by_element():
    """Into the very memory an input is (read element by element, in step with the
    writes): allowed; into memory an input reads elsewhere: refused."""
    an = np.random.default_rng(6).random((40, 50))
    a = lnp.asarray(an.copy())
    target = np.asarray(a)  # the very memory `a * 2` reads
    assert not lf._native.evaluate_into((a[::2] * 2.0)._native_array, target[1::2][:20])
    assert not lf._native.evaluate_into((a[::-1] * 2.0)._native_array, target)
    np.testing.assert_array_equal(target, an)  # refusals wrote nothing
    assert lf._native.evaluate_into((a * 2.0)._native_array, target)
    np.testing.assert_array_equal(target, an * 2.0)
    readonly = np.zeros((40, 50))
    readonly.setflags(write=False)
    assert not lf._native.evaluate_into((a * 2.0)._native_array, readonly)
    fresh = np.zeros((40, 50))
    assert lf._native.evaluate_into((a * 2.0)._native_array, fresh)
    np.testing.assert_array_equal(fresh, an * 4.0)


def test_inplace_operators_on_memory_run_as_one_pass_with_numpys_answers():
    """`y op= expr` on an array in memory is one compiled pass reading and writing y;
    cases it cannot take (other reads y, a cast, readers pending) keep NumPy's path."""
    rng = np.random.default_rng(7)
    yn, xn = rng.random((120, 90)), rng.random((120, 90))
    y, x = lnp.asarray(yn.copy()), lnp.asarray(xn.copy())
    alias = y[::2]  # a view sees the in-place update
    y += x * 2.0
    yn += xn * 2.0
    y *= 0.5
    yn *= 0.5
    y -= lnp.sin(x)
    yn -= np.sin(xn)
    np.testing.assert_allclose(np.asarray(y), yn, rtol=1e-14, atol=0)  # sin: within 2 ulp
    np.testing.assert_allclose(np.asarray(alias), yn[::2], rtol=1e-14, atol=0)
    y += y[::-1]  # reads itself reversed: NumPy's path
    yn += yn[::-1]
    np.testing.assert_allclose(np.asarray(y), yn, rtol=1e-14, atol=0)
    pending = y * 1.0  # a pending reader: snapshot, then NumPy's path
    y += 1.0
    yn += 1.0
    np.testing.assert_allclose(np.asarray(pending), yn - 1.0, rtol=1e-14, atol=0)
    f32 = lnp.asarray(np.ones((100, 100), np.float32))
    f32 += lnp.asarray(np.full((100, 100), 0.1))  # float64 into float32
    want = np.ones((100, 100), np.float32)
    want += np.full((100, 100), 0.1)
    np.testing.assert_array_equal(np.asarray(f32), want, strict=True)


@pytest.mark.parametrize("pending", [False, True])
@pytest.mark.parametrize("shape,args", [((3, 4), (0, 0, 1)), ((3, 4), (1, 0, 1)),
                                        ((3, 4), (-2, 0, 1)), ((3, 4), (7, 0, 1)),
                                        ((2, 3, 4), (1, 0, 2)), ((2, 3, 4), (-1, 2, 0)),
                                        ((2, 3, 4), (0, -1, -2)), ((0, 3), (0, 0, 1))])
def test_diagonal_is_a_read_only_view_that_sees_later_writes(pending, shape, args):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    x = lnp.asarray(a.copy())
    if pending:
        a, x = a * 2.0, x * 2.0
    d, want = x.diagonal(*args), a.diagonal(*args)
    assert np.array_equal(np.asarray(d), want)
    x += 1.0
    a += 1.0
    assert np.array_equal(np.asarray(d), a.diagonal(*args))
    assert np.array_equal(np.asarray(lnp.diagonal(x, *args)), a.diagonal(*args))
    if want.size:
        with pytest.raises(ValueError, match="read-only"):
            d[(0,) * d.ndim] = 5.0
    with pytest.raises(ValueError):
        x.diagonal(0, 1, 1)


def test_dtype_views_share_memory_both_ways_as_numpy():
    x = np.arange(6.0).reshape(2, 3) + 1j
    a = lnp.asarray(x) * 1  # pending: the view computes it
    v = a.view(np.float64)
    assert v.shape == (2, 6) and v.dtype == np.float64
    np.testing.assert_array_equal(np.asarray(v), (x * 1).view(np.float64))
    before = a * 2  # a lazy read made before the write keeps its version
    v[0, 0] = 100.0
    assert complex(np.asarray(a)[0, 0]) == 100 + 1j
    assert complex(np.asarray(before)[0, 0]) == 2j
    a[1, 2] = -5
    np.testing.assert_array_equal(np.asarray(v)[1, 4:], [-5.0, 0.0])
    b = lnp.asarray(np.arange(4, dtype=np.int32)).view(np.uint8)
    assert b.shape == (16,) and (b + 1).dtype == np.uint8
    with pytest.raises(ValueError):
        lnp.asarray(np.arange(3, dtype=np.int32)).view(np.int64)
    assert a.view(lnp.ndarray).dtype == a.dtype and a.view(np.complex128).real.dtype == np.float64


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (4, 4, 4), (0, 3), (1, 1)])
@pytest.mark.parametrize("wrap", [False, True])
@pytest.mark.parametrize("val", [5.0, [1.0, 2.0], np.arange(7.0), 2.5])
@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_fill_diagonal_writes_numpys_positions_lazily(shape, wrap, val, dtype):
    want = np.zeros(shape, dtype)
    np.fill_diagonal(want, val, wrap)
    pending = lnp.zeros(shape, dtype) + 0  # a pending base
    np.fill_diagonal(pending, val, wrap)  # NumPy's function dispatches to lazyfuse's
    np.testing.assert_array_equal(np.asarray(pending), want)
    in_memory = lnp.zeros(shape, dtype)
    lnp.fill_diagonal(in_memory, lnp.asarray(np.asarray(val)) * 1, wrap)
    np.testing.assert_array_equal(np.asarray(in_memory), want)


def test_fill_diagonal_of_a_view_writes_its_base_and_raises_numpys_errors():
    base = lnp.zeros((4, 6))
    lnp.fill_diagonal(base[:, ::2], 1.0)
    want = np.zeros((4, 6))
    np.fill_diagonal(want[:, ::2], 1.0)
    np.testing.assert_array_equal(np.asarray(base), want)
    with pytest.raises(ValueError, match="equal length"):
        lnp.fill_diagonal(lnp.zeros((2, 3, 2)), 1.0)
    with pytest.raises(ValueError, match="at least 2-d"):
        lnp.fill_diagonal(lnp.zeros(3), 1.0)


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_put_along_axis_writes_as_numpy(axis):
    a0 = np.arange(12.0).reshape(3, 4)
    if axis is None:
        idx = np.array([1, 7, 10])
    else:
        idx = np.argsort(a0 * np.array([1, -1, 1, -1]), axis=axis)
        idx = idx[:2] if axis == 0 else idx[:, :2]
    for values in (-1.0, np.arange(idx.size, dtype=float).reshape(idx.shape)):
        want = a0.copy()
        np.put_along_axis(want, idx, values, axis)
        a = lnp.asarray(a0) * 1
        np.put_along_axis(a, idx, values, axis)
        np.testing.assert_array_equal(np.asarray(a), want)


def test_put_along_axis_checks_and_traced_writes():
    with pytest.raises(IndexError, match="integer array"):
        lnp.put_along_axis(lnp.zeros((2, 2)), np.array([[0.5]]), 1.0, 1)
    with pytest.raises(ValueError, match="same number of dimensions"):
        lnp.put_along_axis(lnp.zeros((2, 2)), np.array([0]), 1.0, 1)

    def f(x):
        y = x * 1
        lnp.fill_diagonal(y, 0.0)
        lnp.put_along_axis(y, np.array([[2], [0], [1]]), 7.0, 1)
        return y

    x = np.full((3, 3), 2.0)
    want = f(x.copy())
    np.testing.assert_array_equal(np.asarray(lf.jit(f)(lnp.asarray(x))), want)
    grad = lf.grad(lambda x: f(x).sum())(lnp.asarray(x))
    np.testing.assert_array_equal(np.asarray(grad), (want == 2.0).astype(float))
