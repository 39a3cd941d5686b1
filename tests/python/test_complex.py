"""complex64 and complex128 against NumPy: every complex ufunc on a grid of special
values (compiled kernels and NumPy's eager path), promotion with real dtypes and
Python complex scalars, reductions, views through .real and .imag, and NumPy's
errors for what it does not define on complex values."""

import itertools
import warnings

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

PARTS = [0.0, -0.0, 1.0, -2.5, 1e-310, 3e300, onp.inf, -onp.inf, onp.nan, 0.5, -7.0]
GRID = onp.array([complex(r, i) for r, i in itertools.product(PARTS, PARTS)])

# Functions whose complex loops NumPy runs with the C library (cexp, clog, ...) or with
# formulas lazyfuse writes out the same way: bit-for-bit equal.
EXACT_UNARY = ["negative", "conjugate", "square", "reciprocal", "sign", "rint", "absolute",
               "exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin",
               "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log2", "log10", "isnan",
               "isinf", "isfinite", "logical_not"]
EXACT_BINARY = ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum",
                "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                "logical_and", "logical_xor"]


def _same(got, want):
    got, want = onp.asarray(got), onp.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind == "c":
        for part in (onp.real, onp.imag):
            onp.testing.assert_array_equal(part(got), part(want))
            zeros = part(want) == 0
            assert onp.array_equal(onp.signbit(part(got)[zeros]), onp.signbit(part(want)[zeros]))
    else:
        onp.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
@pytest.mark.parametrize("name", EXACT_UNARY)
def test_unary_matches_numpy_on_special_values(name, dtype):
    z = GRID.astype(dtype)
    with onp.errstate(all="ignore"):
        want = getattr(onp, name)(z)
        _same(getattr(np, name)(np.asarray(z)), want)


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
@pytest.mark.parametrize("name", EXACT_BINARY)
def test_binary_matches_numpy_on_special_values(name, dtype):
    z = GRID.astype(dtype)
    a, b = z[:, None], z[None, ::7]  # broadcast: every value against a spread of others
    with onp.errstate(all="ignore"):
        want = getattr(onp, name)(a, b)
        _same(getattr(np, name)(np.asarray(a), np.asarray(b)), want)


def test_integer_powers_follow_numpy():
    z = onp.random.default_rng(0).standard_normal(50) * (1 + 1j)
    for n in (-7, -2, -1, 0, 1, 2, 3, 5, 99, 100, 2.5, -0.5):
        with onp.errstate(all="ignore"):
            _same(np.power(np.asarray(z), onp.full(50, n, complex)), onp.power(z, onp.full(50, n, complex)))
    _same(np.asarray(z) ** 2, z ** 2)
    _same(np.asarray(z) ** 3, z ** 3)


def test_log1p_and_expm1_are_accurate_near_zero():
    """NumPy's complex log1p loses the real part's digits near 0 (it takes the log of
    |1 + z|); lazyfuse's does not: within a few ulps of the exact value."""
    z = onp.array([1e-9 + 2e-9j, -3e-12 + 1e-12j, 0.25 - 0.125j])
    got = onp.asarray(np.log1p(np.asarray(z)))
    exact_re = [onp.log1p(2e-9 + 1e-18 + 4e-18) / 2, onp.log1p(-6e-12 + 9e-24 + 1e-24) / 2]
    onp.testing.assert_allclose(got.real[:2], exact_re, rtol=1e-14)
    onp.testing.assert_allclose(got[2], onp.log1p(z[2]), rtol=1e-15)
    w = onp.asarray(np.expm1(np.asarray(z)))
    onp.testing.assert_allclose(w, onp.expm1(z), rtol=1e-14)


@pytest.mark.parametrize("real", ["float16", "float32", "float64", "int8", "int16", "int32",
                                  "uint64", "bool"])
@pytest.mark.parametrize("cplx", ["complex64", "complex128"])
def test_promotion_with_real_dtypes_and_python_scalars(real, cplx):
    x, z = onp.ones(3, real), onp.full(3, 1 + 2j, cplx)
    assert (np.asarray(x) + np.asarray(z)).dtype == (x + z).dtype
    assert (np.asarray(x) * 1j).dtype == (x * 1j).dtype
    assert (np.asarray(z) + 2.5).dtype == (z + 2.5).dtype
    _same(np.asarray(x) * (2 - 1j) + np.asarray(z), x * (2 - 1j) + z)
    _same(np.asarray(z) + onp.complex64(3j), z + onp.complex64(3j))


def _close(got, want, rtol):
    """Each part within `rtol` (sums in another order than NumPy's), inf and NaN in the
    same places."""
    got, want = onp.asarray(got), onp.asarray(want)
    assert got.dtype == want.dtype
    for part in (onp.real, onp.imag):
        onp.testing.assert_allclose(part(got), part(want), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
def test_reductions_follow_numpy(dtype):
    rng = onp.random.default_rng(1)
    z = (rng.standard_normal((6, 40)) + 1j * rng.standard_normal((6, 40))).astype(dtype)
    z[2, 5] = complex(onp.nan, 1)
    z[4, 7] = complex(3, onp.inf)
    lz = np.asarray(z)
    rtol = 1e-5 if dtype == "complex64" else 1e-13
    for axis in (None, 0, 1):
        with onp.errstate(all="ignore"):
            _close(lz.sum(axis=axis), z.sum(axis=axis), rtol)
            _close(lz.mean(axis=axis), z.mean(axis=axis), rtol)
            _close(lz[:, :8].prod(axis=axis), z[:, :8].prod(axis=axis), rtol)
        _same(lz.max(axis=axis), z.max(axis=axis))
        _same(lz.min(axis=axis), z.min(axis=axis))
        _same(lz.argmax(axis=axis), z.argmax(axis=axis))
        _same(lz.argmin(axis=axis), z.argmin(axis=axis))
        _same(lz.any(axis=axis), z.any(axis=axis))
    clean = z[[0, 1, 3, 5]]
    for ddof in (0, 1):
        got = np.asarray(clean).var(axis=1, ddof=ddof)
        assert got.dtype == clean.var(axis=1).dtype
        onp.testing.assert_allclose(got, clean.var(axis=1, ddof=ddof), rtol=rtol)
        onp.testing.assert_allclose(np.asarray(clean).std(), clean.std(), rtol=rtol)


def test_matmul_follows_numpy():
    rng = onp.random.default_rng(2)
    a = rng.standard_normal((3, 5, 4)) + 1j * rng.standard_normal((3, 5, 4))
    b = rng.standard_normal((4, 2)) - 1j * rng.standard_normal((4, 2))
    onp.testing.assert_allclose(np.asarray(a) @ np.asarray(b), a @ b, rtol=1e-13)
    onp.testing.assert_allclose(np.asarray(a.astype("complex64")) @ onp.ones(4), a.astype("complex64") @ onp.ones(4),
                                rtol=1e-5)


def test_real_and_imag_are_views():
    z = onp.array([1 + 2j, 3 - 4j, -5j])
    lz = np.asarray(z.copy())
    pending = lz * 2  # reads lz before the writes below: keeps these values
    lz.real[1] = 10
    lz.imag += 1
    want = z.copy()
    want.real[1] = 10
    want.imag += 1
    _same(lz, want)
    _same(pending, z * 2)
    lz.real = 0
    want.real = 0
    _same(lz, want)
    _same(np.real(lz), want.real)
    _same(np.imag(lz), want.imag)
    _same(np.angle(np.asarray(z)), onp.angle(z))
    _same(np.angle(np.asarray(z), deg=True), onp.angle(z, deg=True))
    assert np.asarray(z).real.dtype == onp.float64
    assert np.asarray(z.astype("complex64")).imag.dtype == onp.float32
    # A pending complex array's parts stay lazy and fuse.
    w = np.exp(np.asarray(z) * 1j)
    _same(w.real * 2, onp.exp(z * 1j).real * 2)
    with pytest.raises(ValueError, match="read-only"):
        np.ones(3).imag[0] = 1
    with pytest.raises(TypeError):
        x = np.ones(3)
        x.imag = 1


def test_casts_follow_numpy():
    z = onp.array([1.7 - 2j, -0.0 + 0j, onp.nan + 1j, 3e9 + 1j])
    for to in ("float64", "float32", "int64", "int32", "uint8", "bool", "complex64"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = z.astype(to)
            got = np.asarray(z).astype(to)
        if to in ("int32", "uint8", "int64"):
            finite = onp.isfinite(z.real) & (onp.abs(z.real) < 100)
            _same(onp.asarray(got)[finite], want[finite])
        else:
            _same(got, want)
    _same(np.asarray(onp.arange(4.0)).astype("complex128"), onp.arange(4.0).astype("complex128"))


def test_what_numpy_rejects_on_complex_is_a_type_error():
    z = np.asarray(onp.array([1 + 1j]))
    for name in ("floor", "ceil", "trunc", "cbrt", "signbit", "invert", "floor_divide",
                 "remainder", "fmod", "arctan2", "copysign", "nextafter", "bitwise_and",
                 "left_shift", "gcd"):
        f = getattr(np, name)
        args = (z,) * (f.nin if hasattr(f, "nin") else 1)
        with pytest.raises(TypeError, match="complex"):
            onp.asarray(f(*args))
    with pytest.raises(TypeError):
        onp.asarray(z // 2)


@pytest.mark.eager
def test_the_eager_path_agrees():
    """Tiny arrays go to NumPy at once (the default eager limit): same answers."""
    z = GRID[:9].astype("complex64")
    with onp.errstate(all="ignore"):
        _same(np.exp(np.asarray(z)) * 2, onp.exp(z) * 2)
        _same(np.asarray(z) + 1j, z + 1j)


def test_big_endian_and_strided_complex_inputs():
    z = (onp.arange(12) + 1j * onp.arange(12)[::-1]).astype(">c16")
    _same(np.asarray(z) * 2, z.astype("c16") * 2)
    s = onp.arange(20, dtype="c8")[::-3]
    _same(np.sqrt(np.asarray(s)), onp.sqrt(s))
    assert lazyfuse.numpy.asarray(s).dtype == onp.complex64


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
def test_long_whole_array_reductions(dtype):
    """Past the length where real reductions are split into chunks (whose 8-byte
    partials would not hold a complex128): regression for heap corruption."""
    n = 200_003
    z = (onp.ones(n) + 1j * onp.linspace(-1, 1, n)).astype(dtype)
    lz = np.asarray(z) * 1
    rtol = 1e-6 if dtype == "complex64" else 1e-13
    # Sums to within rounding of the sum of magnitudes (the parts cancel to 0 here).
    for got, want in [(lz.sum(), z.sum()), (lz.mean() * n, z.mean() * n)]:
        got, want = complex(got), complex(want)
        assert abs(got.real - want.real) <= rtol * n and abs(got.imag - want.imag) <= rtol * n
    w = (onp.ones(n) + 1j * onp.linspace(-1e-3, 1e-3, n)).astype(dtype)
    _close((np.asarray(w) * 1).prod(), w.prod(), 1e-3 if dtype == "complex64" else 1e-9)
    _same(lz.max(), z.max())
    _same(lz.argmin(), z.argmin())
    assert bool(lz.all()) == bool(z.all())


def test_complex_min_max_keep_infinite_elements():
    """An element inf+1j is the min (or -inf-1j the max) of an array holding only it:
    the reduction's start value is beyond every complex value in both parts."""
    previous = lazyfuse.set_eager_limit(0)
    try:
        for y in [onp.array([complex(onp.inf, 1)]),
                  onp.array([complex(onp.inf, 1), complex(onp.inf, 2)]),
                  onp.array([complex(-onp.inf, -1), complex(-onp.inf, 2)]),
                  onp.array([complex(onp.inf, onp.inf)]), onp.array([complex(onp.nan, 1), 0]),
                  onp.array([complex(0, onp.nan), 1])]:
            for f in ("min", "max", "argmin", "argmax"):
                got = onp.asarray(getattr(np, f)(np.asarray(y)))
                onp.testing.assert_array_equal(got, getattr(onp, f)(y), err_msg=f"{f} {y}")
    finally:
        lazyfuse.set_eager_limit(previous)


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
def test_in_place_products_round_as_numpy(dtype):
    # NumPy's multiply loop fuses each part's multiply-add, except on one element in
    # place, which it takes for a reduction (each product rounded): lazyfuse's lazy
    # in-place product of one element gives NumPy's bits too.
    rng = onp.random.default_rng(7)
    values = (rng.standard_normal(64) + 1j * rng.standard_normal(64)).astype(dtype)
    plain = 0
    for i in range(0, 64, 2):
        ref = values[i:i + 1].copy()
        lazy = np.asarray(ref.copy()) * 1  # pending
        other = values[i + 1:i + 2]
        ref *= other
        lazy *= np.asarray(other)
        _same(lazy, ref)
        many_ref, many = values[:8].copy(), np.asarray(values[:8].copy()) * 1
        many_ref *= values[8:16]
        many *= np.asarray(values[8:16])
        _same(many, many_ref)
        a, b = values[i], values[i + 1]
        plain += ref[0] == a * b
    assert plain > 0  # the case is exercised (NumPy's scalars multiply unfused)
