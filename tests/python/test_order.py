"""NumPy's ``order=`` arguments: ravel, flatten, copy, astype, array, asarray and the
creation functions give NumPy's values, its layout (C or Fortran contiguity) and its
sharing of memory (a view where NumPy gives one), tiny (NumPy at once) and lazy, for
C, Fortran, permuted, reversed and strided inputs; bad orders raise NumPy's errors.
lazyfuse lays arrays out in C or Fortran order only: a K-order copy of an array whose
axes are permuted otherwise is C-ordered (a documented limit, checked as such)."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

ORDERS = ["C", "F", "A", "K", "k", None]


def _inputs(n):
    a = onp.arange(n * 4.0).reshape(n, 4)
    permuted = onp.arange(n * 24.0).reshape(2, n, 12)
    return [
        ("C", a, lambda: np.asarray(a)),
        ("F", onp.asfortranarray(a), lambda: np.asarray(onp.asfortranarray(a))),
        ("permuted", permuted.transpose(1, 0, 2), lambda: np.asarray(permuted).transpose(1, 0, 2)),
        ("reversed", onp.arange(n * 4.0)[::-1], lambda: np.asarray(onp.arange(n * 4.0))[::-1]),
        ("strided", a[:, ::2], lambda: np.asarray(a)[:, ::2]),
        ("transposed F", onp.asfortranarray(a).T, lambda: np.asarray(onp.asfortranarray(a)).T),
    ]


CALLS = {
    "ravel": lambda m, x, o: x.ravel(o),
    "np.ravel": lambda m, x, o: m.ravel(x, order=o),
    "flatten": lambda m, x, o: x.flatten(o or "C"),
    "copy": lambda m, x, o: x.copy(order=o or "C"),
    "np.copy": lambda m, x, o: m.copy(x, order=o or "K"),
    "array": lambda m, x, o: m.array(x, order=o or "K"),
    "astype": lambda m, x, o: x.astype(onp.float32, order=o or "K"),
    "asarray": lambda m, x, o: m.asarray(x, order=o),
}


@pytest.mark.parametrize("n", [3, 300, pytest.param(-3, marks=pytest.mark.eager)])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_orders_give_numpys_values_layout_and_views(n, call):
    """n < 0: |n| rows with the default eager limit (tiny: NumPy at once)."""
    f, eager, n = CALLS[call], n < 0, abs(n)
    for name, x, make in _inputs(n):
        for order in ORDERS:
            lx = make()
            want, got = f(onp, x, order), f(np, lx, order)
            got_np = onp.asarray(got)
            what = (name, order)
            assert got_np.shape == want.shape and got_np.dtype == want.dtype, what
            assert onp.array_equal(got_np, want), what
            assert onp.shares_memory(got_np, onp.asarray(lx)) == onp.shares_memory(want, x), what
            limit = (name == "permuted" and not eager and call in ("copy", "np.copy", "array", "astype")
                     and (order or "K").upper() in ("A", "K"))
            if limit:
                assert got_np.flags.c_contiguous, what  # the documented limit
            else:
                assert (got_np.flags.c_contiguous, got_np.flags.f_contiguous) == \
                    (want.flags.c_contiguous, want.flags.f_contiguous), what


@pytest.mark.parametrize("n", [3, 300, pytest.param(3, marks=pytest.mark.eager)])
def test_creation_orders(n):
    f_arr = onp.asfortranarray(onp.ones((n, 4)))
    for make in [lambda m: m.zeros((n, 4), order="F"), lambda m: m.ones((n, 4), order="F"),
                 lambda m: m.empty((n, 4), order="F"), lambda m: m.full((n, 4), 2.5, order="F"),
                 lambda m: m.zeros((n, 4), order="c"),
                 lambda m: m.zeros_like(f_arr if m is onp else np.asarray(f_arr)),
                 lambda m: m.ones_like(f_arr if m is onp else np.asarray(f_arr), order="C"),
                 lambda m: m.full_like(onp.ones((n, 4)) if m is onp else np.ones((n, 4)), 3, order="F"),
                 lambda m: m.empty_like(f_arr if m is onp else np.asarray(f_arr), shape=(2, n))]:
        want, got = make(onp), onp.asarray(make(np))
        assert got.shape == want.shape and got.dtype == want.dtype
        assert got.flags.f_contiguous == want.flags.f_contiguous
        assert got.flags.c_contiguous == want.flags.c_contiguous
        if not onp.isnan(want).any() and make(onp).base is None:
            assert onp.array_equal(onp.zeros_like(want) + got * 0, want * 0)


def test_bad_orders_raise_as_numpy():
    x = np.ones((3, 4))
    for call in [lambda m, o: m.zeros(3, order=o), lambda m, o: m.ones((2, 2), order=o)]:
        for order in ["K", "A", "X"]:
            with pytest.raises(ValueError) as eager:
                call(onp, order)
            with pytest.raises(ValueError) as lazy:
                call(np, order)
            assert str(lazy.value) == str(eager.value)
    for f in [lambda: x.ravel("X"), lambda: x.copy(order="Z"), lambda: np.array(x, order="Q"),
              lambda: x.astype("f4", order="B")]:
        with pytest.raises(ValueError, match="order must be one of"):
            f()


def test_array_ndmin_and_astype_casting():
    assert np.array([1, 2], ndmin=3).shape == (1, 1, 2)
    assert np.array(np.ones((2, 3)), ndmin=1).shape == (2, 3)
    assert onp.asarray(np.array(5.0, ndmin=2)).tolist() == [[5.0]]
    x = np.ones(4)
    with pytest.raises(TypeError):
        x.astype("int32", casting="safe")
    assert x.astype("float32", casting="same_kind").dtype == onp.float32
    assert x.astype("float64", copy=False) is x
    assert isinstance(x.ravel("K"), lazyfuse.ndarray)
