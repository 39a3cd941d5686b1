"""Element reads and writes by integer index on arrays in memory (the fast path of
element loops, frontend/src/python/elements.rs) give NumPy's scalars, write NumPy's
values and raise NumPy's errors: every dtype, negative and out-of-range indices, 1-d
and 2-d keys, strided, reversed and non-native layouts, values of other types."""

import numpy as onp
import pytest

import lazyfuse.numpy as np

DTYPES = ["float64", "float32", "int64", "int32", "uint8", "bool", "complex128", "float16"]


def _pair(dtype, layout):
    base = onp.arange(24).reshape(4, 6) % 7 - 3
    x = base.astype(dtype)
    if layout == "reversed":
        x = onp.ascontiguousarray(x[::-1, ::-1])[::-1, ::-1]
    elif layout == "strided":
        x = onp.repeat(x, 2, axis=1)[:, ::2]
    elif layout == "fortran":
        x = onp.asfortranarray(x)
    elif layout == "big-endian" and x.dtype.itemsize > 1:
        x = x.astype(x.dtype.newbyteorder(">"))
    return x.copy(order="K") if layout != "strided" else x, np.array(x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["C", "reversed", "strided", "fortran", "big-endian"])
def test_reads_are_numpys_scalars(dtype, layout):
    xn, x = _pair(dtype, layout)
    for key in [(0, 0), (3, 5), (-1, -1), (-4, 2), (1, -6)]:
        got, want = x[key], xn[key]
        assert type(got) is type(want) and got == want, (key, got, want)
    row = x[1]
    assert onp.asarray(row).tolist() == xn[1].tolist()
    flat = np.array(xn.ravel())
    for i in [0, 5, -1, -24, 23]:
        assert type(flat[i]) is type(xn.ravel()[i]) and flat[i] == xn.ravel()[i]
    for key in [(4, 0), (0, 6), (-5, 0), (0, -7)]:
        with pytest.raises(IndexError) as lazy:
            x[key]
        with pytest.raises(IndexError) as eager:
            xn[key]
        assert str(lazy.value) == str(eager.value)
    with pytest.raises(IndexError):
        flat[24]
    with pytest.raises(IndexError):
        flat[2 ** 70]


@pytest.mark.parametrize("dtype", DTYPES)
def test_writes_store_numpys_values(dtype):
    values = [1.5, -2.0, 7, True, onp.float64(2.25), onp.int64(-3), float("inf"), -0.0]
    for value in values:
        xn, x = _pair(dtype, "C")
        try:
            with onp.errstate(all="ignore"):
                xn[1, -2] = value
        except (TypeError, ValueError, OverflowError) as e:
            with pytest.raises(type(e)):
                x[1, -2] = value
            continue
        with onp.errstate(all="ignore"):
            x[1, -2] = value
        got = onp.asarray(x)
        assert got.dtype == xn.dtype
        assert onp.array_equal(got, xn, equal_nan=True)
        if dtype.startswith("float"):
            assert onp.array_equal(onp.signbit(got), onp.signbit(xn))


def test_writes_of_out_of_range_values_and_indices_raise_as_numpy():
    xn = onp.zeros(5, dtype=onp.int64)
    x = np.array(xn)
    with pytest.raises(OverflowError):
        x[0] = 2 ** 70
    with pytest.raises(IndexError):
        x[5] = 1
    with pytest.raises(IndexError):
        x[-6] = 1.0
    x[-1] = 9
    x[0] = 2 ** 62
    assert onp.asarray(x).tolist() == [2 ** 62, 0, 0, 0, 9]


def test_an_element_write_does_not_change_a_pending_read():
    xn = onp.arange(6.0)
    x = np.array(xn)
    y = x * 2.0  # pending: reads x's current values
    x[2] = 100.0
    assert onp.asarray(y).tolist() == (xn * 2.0).tolist()
    assert x[2] == 100.0


def test_a_read_only_view_refuses_element_writes():
    xn = onp.arange(4.0)
    x = np.asarray(xn)
    b = np.broadcast_to(x, (3, 4))
    with pytest.raises(ValueError):
        b[0, 0] = 1.0


def test_numpy_int64_writes_and_huge_indices():
    xn = onp.zeros((3, 4), dtype=onp.int64)
    x = np.array(xn)
    for key, value in [((0, 1), onp.int64(-(2 ** 63))), ((2, -1), onp.int64(2 ** 63 - 1)),
                       ((1, 2), x[0, 1]), ((-3, 0), onp.int32(-7)), ((1, 1), onp.uint8(200))]:
        xn[key] = value
        x[key] = value
    assert onp.array_equal(onp.asarray(x), xn)
    for bad in [2 ** 70, -(2 ** 70)]:
        with pytest.raises(IndexError):
            x[bad, 0] = onp.int64(1)
        with pytest.raises(IndexError):
            x[0, bad]


def test_shape_ndim_and_size_in_memory_pending_and_viewed():
    xn = onp.arange(24.0).reshape(2, 3, 4)
    x = np.array(xn)
    for lazy, eager in [(x, xn), (x * 2.0, xn * 2.0), ((x * 2.0).T, (xn * 2.0).T),
                        (x[:, 1], xn[:, 1]), (x[:0], xn[:0]), (np.asarray(5.0), onp.asarray(5.0)),
                        (np.zeros((3, 0, 2)) + 1.0, onp.zeros((3, 0, 2)))]:
        assert lazy.shape == eager.shape and type(lazy.shape) is tuple
        assert lazy.ndim == eager.ndim and lazy.size == eager.size
        assert type(lazy.size) is int and type(lazy.ndim) is int


@pytest.mark.parametrize("dtype", DTYPES)
def test_lazy_zero_d_values_write_as_numpys(dtype):
    # `r[i, j] = np.dot(u, v)`: a 0-d lazy result written into one element, of the
    # array's dtype (stored directly) or another (NumPy's cast).
    for source in ["float64", "int64", "float32", "bool", "complex128"]:
        value = onp.asarray(onp.array(-2.5).astype(source))
        xn, x = _pair(dtype, "C")
        try:
            with onp.errstate(all="ignore"):
                xn[1, -2] = value
        except (TypeError, ValueError) as e:
            with pytest.raises(type(e)):
                x[1, -2] = np.asarray(value.copy()) * 1
            continue
        lazy_value = np.asarray(value.copy()) * 1  # pending, then in memory below
        onp.asarray(lazy_value)
        with onp.errstate(all="ignore"):
            x[1, -2] = lazy_value
        assert onp.array_equal(onp.asarray(x), xn, equal_nan=True), (dtype, source)
