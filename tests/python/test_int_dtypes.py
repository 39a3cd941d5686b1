"""The integer dtypes (int8 ... uint64) against NumPy: every arithmetic, bitwise and
comparison op on every pair, reductions, casts in both directions, weak Python scalars
with NumPy 2's range checks, and in-place writes with NumPy's casting rules. Exact
equality and the same dtype, or the same kind of exception."""

import itertools
import warnings

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
ALL = INTS + ["bool", "float16", "float32", "float64"]


def edge_values(dtype, n=24):
    """The dtype's extremes, zero, ±1 and small values, repeated to `n` elements."""
    if dtype == "bool":
        return onp.resize(onp.array([True, False, False]), n)
    if dtype.startswith("float"):
        return onp.resize(onp.array([0.0, -1.5, 2.0, 7.25, -0.0, 100.0], dtype), n)
    info = onp.iinfo(dtype)
    base = [info.min, info.max, 0, 1, 2, 3, 7, 100 % (info.max + 1)]
    if info.min < 0:
        base += [-1, -2, -7]
    return onp.resize(onp.array(base, dtype=dtype), n)


def same(got, want):
    got = onp.asarray(got)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    if want.dtype.kind == "f":
        rtol = {onp.float16: 1e-3, onp.float32: 1e-6}.get(want.dtype.type, 1e-13)
        onp.testing.assert_allclose(got, want, rtol=rtol, equal_nan=True)
    else:
        onp.testing.assert_array_equal(got, want)


def both(f_numpy, f_lazy):
    """Equal answers, or the same kind of exception."""
    with warnings.catch_warnings(), onp.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            want = f_numpy()
            if want is None:  # a write: the arrays are compared by the caller
                f_lazy()
                return
            want = onp.asarray(want)
        except Exception as e:  # noqa: BLE001 - lazyfuse must raise the same kind
            kinds = tuple(k for k in (OverflowError, TypeError, ValueError) if isinstance(e, k))
            with pytest.raises(kinds or Exception):
                onp.asarray(f_lazy())
            return
        if want.dtype.name not in ALL:
            with pytest.raises(lazyfuse.DTypeError):  # complex results (issue 11)
                onp.asarray(f_lazy())
            return
        same(f_lazy(), want)


BINARY = ["add", "subtract", "multiply", "floor_divide", "remainder", "true_divide",
          "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
          "right_shift", "equal", "less", "greater_equal", "arctan2"]


@pytest.mark.parametrize("a_dtype,b_dtype", list(itertools.product(INTS + ["bool"], repeat=2)))
def test_binary_ops_on_every_integer_pair(a_dtype, b_dtype):
    a = edge_values(a_dtype)
    b = onp.roll(edge_values(b_dtype), 3)
    if b_dtype != "bool":
        # Shifts and powers by small non-negative counts as well as the extremes.
        b = b.copy()
        b[::4] = onp.arange(len(b[::4])) % 9
    la, lb = np.asarray(a), np.asarray(b)
    for name in BINARY:
        both(lambda: getattr(onp, name)(a, b), lambda: getattr(np, name)(la, lb))
    # NumPy raises for negative integer exponents after looking at the values; lazyfuse
    # (lazy, DEPARTURE) gives the truncated 1 / a**-b there: compare on the others.
    e = onp.where(b < 0, 2, b).astype(b.dtype)
    both(lambda: onp.power(a, e), lambda: np.power(la, np.asarray(e)))


@pytest.mark.parametrize("signed", ["int8", "int64"])
def test_signed_with_uint64_compares_exactly(signed):
    # Their promoted type is float64, where 2**53 + 1 equals 2**53 and 2**63 - 1 equals
    # 2**63; NumPy 2 compares the integers themselves.
    big = [2**53, 2**53 + 1, 2**63 - 1, 2**63 - 2, 5, 0, 2**63, 2**64 - 1]
    if signed == "int64":
        s = onp.array([2**53 + 1, 2**53, 2**63 - 2, 2**63 - 1, -1, 0, -(2**63), -1], signed)
    else:
        s = onp.array([-1, 0, 127, -128, 5, 0, -1, 1], signed)
    u = onp.array(big, "uint64")
    ls, lu = np.asarray(s), np.asarray(u)
    for name in ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]:
        both(lambda: getattr(onp, name)(s, u), lambda: getattr(np, name)(ls, lu))
        both(lambda: getattr(onp, name)(u, s), lambda: getattr(np, name)(lu, ls))
        both(lambda: getattr(onp, name)(s, u[::-1]),
             lambda: lazyfuse.jit(getattr(np, name))(ls, lu[::-1]))
    both(lambda: s[:, None] < u, lambda: ls[:, None] < lu)


@pytest.mark.parametrize("dtype", INTS)
def test_unary_ops_and_operators(dtype):
    a = edge_values(dtype)
    la = np.asarray(a)
    for name in ["negative", "absolute", "sign", "square", "reciprocal", "invert",
                 "floor", "rint", "sqrt", "exp", "sin", "logical_not", "isnan"]:
        if hasattr(np, name):
            both(lambda: getattr(onp, name)(a), lambda: getattr(np, name)(la))
    both(lambda: -a, lambda: -la)
    both(lambda: abs(a), lambda: abs(la))
    both(lambda: (a * 3 + 1) // 2, lambda: (la * 3 + 1) // 2)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 256, -1, -129, 2**31, 2**63 - 1, 2**63,
                                   2**64 - 1, 2**64, 1.5, True])
def test_weak_python_scalars_are_range_checked(dtype, value):
    a = edge_values(dtype)
    la = np.asarray(a)
    both(lambda: a + value, lambda: la + value)
    both(lambda: value * a, lambda: value * la)
    both(lambda: a < value, lambda: la < value)


@pytest.mark.parametrize("dtype", INTS + ["bool"])
@pytest.mark.parametrize("reduction", ["sum", "prod", "max", "min", "argmax", "argmin", "mean",
                                       "any", "all"])
def test_reductions(dtype, reduction):
    a = edge_values(dtype).reshape(4, 6)
    la = np.asarray(a)
    for axis in (None, 0, 1):
        both(lambda: getattr(a, reduction)(axis=axis), lambda: getattr(la, reduction)(axis=axis))


@pytest.mark.parametrize("src,dst", list(itertools.product(ALL, repeat=2)))
def test_casts_between_every_pair(src, dst):
    a = edge_values(src)
    if src.startswith("float") and dst in INTS:
        # In range of the target (NumPy's out-of-range results are loop-dependent).
        info = onp.iinfo(dst)
        a = onp.clip(a, max(info.min, -1000), min(info.max, 1000)).astype(src)
    both(lambda: a.astype(dst), lambda: np.asarray(a).astype(dst))


def test_float_to_int_casts_out_of_range_follow_numpys_simd_loop():
    # NumPy's vector loop (all but its last few elements) on x86-64.
    v = onp.array([-1.0, -3e9, 3e9, 5e9, 3e19, onp.nan, onp.inf, 300.0, -129.0] * 4)
    with warnings.catch_warnings(), onp.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for dtype in INTS:
            got = onp.asarray(np.asarray(v).astype(dtype))
            want = v.astype(dtype)
            n = len(v) - 4  # NumPy's scalar tail loop differs; lazyfuse follows the SIMD loop
            onp.testing.assert_array_equal(got[:n], want[:n], err_msg=dtype)


@pytest.mark.parametrize("dtype", INTS)
def test_in_place_writes_cast_as_numpy(dtype):
    a = edge_values(dtype)
    la = np.asarray(a.copy())
    ref = a.copy()
    for op, other in [("__iadd__", 5), ("__imul__", 3), ("__isub__", 1), ("__ifloordiv__", 2),
                      ("__iand__", 0x5A), ("__ilshift__", 1), ("__iadd__", 1.5),
                      ("__iadd__", -1), ("__ior__", onp.arange(24, dtype="int16")),
                      ("__iadd__", onp.ones(24, "uint8"))]:
        both(lambda: getattr(ref, op)(other), lambda: getattr(la, op)(other))
        onp.testing.assert_array_equal(onp.asarray(la), ref)
    for key, value in [(slice(2, 5), 9), (0, 300), (-1, -5), (slice(None, None, 3), 2.75)]:
        both(lambda: ref.__setitem__(key, value), lambda: la.__setitem__(key, value))
        onp.testing.assert_array_equal(onp.asarray(la), ref)


def test_uint8_image_pipeline():
    # A typical image computation: uint8 in, arithmetic promoted, result back to uint8.
    rng = onp.random.default_rng(0)
    img = rng.integers(0, 256, (64, 48, 3), dtype=onp.uint8)
    limg = np.asarray(img)

    def pipeline(xp, x):
        gray = (x[..., 0] * 0.299 + x[..., 1] * 0.587 + x[..., 2] * 0.114)
        bright = xp.clip(gray * 1.2 + 10, 0, 255).astype(xp.uint8)
        return bright, (x.astype(xp.uint16).sum(axis=2) // 3).astype(xp.uint8), x.max(axis=(0, 1))

    for got, want in zip(pipeline(np, limg), pipeline(onp, img)):
        same(got, want)


def test_strong_numpy_scalars_and_creation_over_the_whole_range():
    u = onp.arange(3, dtype=onp.uint64)
    lu = np.asarray(u)
    for s in (onp.uint64(2**64 - 1), onp.int8(-1), onp.uint8(200), onp.float16(1.5)):
        both(lambda: u + s, lambda: lu + s)
    same(np.full(3, 2**64 - 1, dtype=onp.uint64), onp.full(3, 2**64 - 1, dtype=onp.uint64))
    same(np.arange(2**63, 2**63 + 3, dtype=onp.uint64),
         onp.arange(2**63, 2**63 + 3, dtype=onp.uint64))
    for dtype in INTS:
        same(np.arange(5, dtype=dtype), onp.arange(5, dtype=dtype))
    with pytest.raises(OverflowError):
        np.full(3, 256, dtype=onp.uint8)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint16", "uint64"])
def test_integer_division_by_zero_warns_as_numpy(dtype):
    """0 for a zero divisor, with NumPy's RuntimeWarning (under numpy.errstate)."""
    a = onp.arange(12).astype(dtype)
    b = (onp.arange(12) % 3).astype(dtype)
    for name, op in [("floor_divide", lambda x, y: x // y), ("remainder", lambda x, y: x % y),
                     ("fmod", lambda x, y: np.fmod(x, y))]:
        with pytest.warns(RuntimeWarning, match=f"divide by zero encountered in {name}"):
            got = onp.asarray(op(np.asarray(a) * 1, np.asarray(b)))
        with onp.errstate(divide="ignore"):
            want = op(a, b) if name != "fmod" else onp.fmod(a, b)
        onp.testing.assert_array_equal(got, want)
        with onp.errstate(divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error")
            onp.asarray(op(np.asarray(a) * 1, np.asarray(b)))
        with onp.errstate(divide="raise"), pytest.raises(FloatingPointError):
            onp.asarray(op(np.asarray(a) * 1, np.asarray(b)))
    # No zero divisor, no warning; a zero-size result neither.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        onp.asarray(np.asarray(a) // (np.asarray(b) + 1))
        onp.asarray(np.asarray(a[:0]) // np.asarray(b[:0]))
        onp.asarray(np.asarray(a) // 2)


@pytest.mark.parametrize("n", [4, 100_000])
def test_divmod_warns_once_naming_divmod(n):
    """NumPy's divmod warns once ("... in divmod"), small (eager) or large (lazy)."""
    a = onp.arange(1, n + 1)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        q, r = np.divmod(np.asarray(a), 0)
        lazyfuse.eval(q, r)
    assert [str(w.message) for w in record] == ["divide by zero encountered in divmod"]
    onp.testing.assert_array_equal(onp.asarray(q), onp.zeros(n, dtype=int))
    onp.testing.assert_array_equal(onp.asarray(r), onp.zeros(n, dtype=int))


def test_jitted_integer_division_by_zero_warns():
    f = lazyfuse.jit(lambda a, b: a // b + a % b)
    a, b = onp.arange(6), onp.array([0, 1, 2, 0, 1, 2])
    with pytest.warns(RuntimeWarning) as record:
        got = f(a, b)
    assert {str(w.message) for w in record} == {"divide by zero encountered in floor_divide",
                                                 "divide by zero encountered in remainder"}
    with onp.errstate(divide="ignore"):
        onp.testing.assert_array_equal(got, a // b + a % b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(a, b + 1)


@pytest.mark.parametrize("make", ["asarray", "array"])
def test_sequences_convert_straight_to_the_dtype_asked_for(make):
    # NumPy infers float64 for [1, 2**63 + 1]; asked for uint64 it converts exactly.
    values = [0, 2**63 + 1, 2**64 - 1, 7]
    got = getattr(np, make)(values, dtype=onp.uint64)
    assert [int(got[i]) for i in range(4)] == values
    assert got.dtype == onp.uint64
    with pytest.raises(OverflowError):
        getattr(np, make)([-1, 3], dtype=onp.uint8)
    same(getattr(np, make)([1.5, -2.7], dtype="int32"), onp.array([1.5, -2.7], dtype="int32"))
