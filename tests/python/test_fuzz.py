"""Adversarial fuzzing of the Python API against NumPy (issue 18's classes): shapes that
are 0-d, empty, deep (33+ axes) or huge; every dtype in native and big-endian order;
layouts NumPy makes (reversed, strided, broadcast with stride 0, packed record fields,
unaligned, read-only); values with NaN, ±inf and -0.0; Python scalars with NaN, -0.0
and out-of-range integers; jit signatures. Every case either matches NumPy or raises
the exception class NumPy raises. Huge shapes run in a subprocess, so a crash fails a
test instead of killing pytest.

Example counts are small in CI; ``LAZYFUSE_FUZZ_EXAMPLES=5000`` runs longer.
"""

import os
import subprocess
import sys

import numpy as onp
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import lazyfuse
import lazyfuse.numpy as np

EXAMPLES = int(os.environ.get("LAZYFUSE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DTYPES = ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32",
          "uint16", "uint8", "bool", "complex128", "complex64"]
SPECIAL_FLOATS = [onp.nan, onp.inf, -onp.inf, -0.0, 0.0, 1.0, -1.5, 1e300, 5e-324]


def _values(dtype, n, draw):
    if dtype.startswith("complex"):
        part = "float32" if dtype == "complex64" else "float64"
        re, im = _values(part, n, draw), _values(part, n, draw)
        return [complex(r, i) for r, i in zip(re, im)]
    if dtype.startswith("float"):
        width = {"float16": 16, "float32": 32}.get(dtype, 64)
        plain = st.floats(-6e4 if width == 16 else -1e6, 6e4 if width == 16 else 1e6,
                          allow_nan=False, width=width)
        return draw(st.lists(st.one_of(plain, st.sampled_from(SPECIAL_FLOATS)), min_size=n, max_size=n))
    if dtype == "bool":
        return draw(st.lists(st.booleans(), min_size=n, max_size=n))
    info = onp.iinfo(dtype)
    edge = st.sampled_from([v for v in (info.min, info.max, 0, -1, 1) if info.min <= v <= info.max])
    plain = st.integers(max(info.min, -1000), min(info.max, 1000))
    return draw(st.lists(st.one_of(plain, edge), min_size=n, max_size=n))


@st.composite
def adversarial_arrays(draw, dtypes=DTYPES, max_dims=4):
    dtype = draw(st.sampled_from(dtypes))
    deep = draw(st.integers(0, 9)) == 0
    if deep:
        shape = (1,) * draw(st.integers(33, 40)) + (draw(st.integers(0, 3)),)
    else:
        shape = tuple(draw(st.lists(st.integers(0, 4), max_size=max_dims)))
    n = int(onp.prod(shape))
    x = onp.array(_values(dtype, n, draw), dtype=dtype).reshape(shape)
    layout = draw(st.sampled_from(["contiguous", "reversed", "strided", "broadcast", "packed",
                                   "unaligned", "readonly", "big-endian"]))
    if layout == "reversed" and x.ndim:
        x = onp.ascontiguousarray(x[::-1])[::-1]
    elif layout == "strided" and x.ndim:
        x = onp.repeat(x, 2, axis=-1)[..., ::2]
    elif layout == "broadcast" and x.ndim and x.shape[0] > 0:
        x = onp.broadcast_to(x[:1], x.shape)  # stride 0 on the first axis
    elif layout == "packed":
        rec = onp.zeros(x.shape, [("pad", "u1"), ("v", x.dtype)])
        rec["v"] = x
        x = rec["v"]  # strides of itemsize + 1 bytes
    elif layout == "unaligned" and x.dtype.itemsize > 1:
        raw = onp.zeros(x.nbytes + 1, dtype=onp.uint8)
        y = raw[1:].view(x.dtype).reshape(x.shape)
        y[...] = x
        x = y
    elif layout == "readonly":
        x = x.copy()
        x.setflags(write=False)
    elif layout == "big-endian" and x.dtype.itemsize > 1:
        x = x.astype(x.dtype.newbyteorder(">"))
    return x


def _native_dtype(x):
    return x.dtype.newbyteorder("=")


def _same(got, want, zero_sign=True):
    got, want = onp.asarray(got), onp.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    # NumPy's dtype, or its native byte order (lazyfuse computes in native order).
    assert got.dtype in (want.dtype, want.dtype.newbyteorder("=")), (got.dtype, want.dtype)
    if want.dtype.kind == "c":
        # Close as complex numbers (|got - want| <= rtol |want|), NaN in the same parts.
        rtol = 2e-5 if want.dtype.type == onp.complex64 else 1e-12
        onp.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)
        for part in (onp.real, onp.imag):
            onp.testing.assert_array_equal(onp.isnan(part(got)), onp.isnan(part(want)))
    elif want.dtype.kind == "f":
        rtol = {onp.float16: 1e-3, onp.float32: 2e-5}.get(want.dtype.type, 1e-12)
        onp.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)
        if zero_sign:
            zeros = want == 0
            assert onp.array_equal(onp.signbit(got[zeros]), onp.signbit(want[zeros])), "sign of zero"
    else:
        onp.testing.assert_array_equal(got, want)


def _both(f_numpy, f_lazy, zero_sign=True):
    """NumPy's answer and lazyfuse's: equal, or the same kind of exception."""
    with onp.errstate(all="ignore"):
        try:
            want = f_numpy()
        except Exception as e:  # noqa: BLE001 - whatever NumPy raises, we must raise in kind
            kinds = tuple(k for k in (IndexError, ValueError, TypeError, OverflowError,
                                      ZeroDivisionError, MemoryError) if isinstance(e, k))
            with pytest.raises(kinds or Exception):
                onp.asarray(f_lazy())
            return
    assert onp.asarray(want).dtype.newbyteorder("=").name in DTYPES
    _same(f_lazy(), want, zero_sign)


# Exact elementwise functions: results must match bit for bit (up to NaN payloads).
EXACT_UNARY = ["negative", "absolute", "sign", "floor", "ceil", "trunc", "rint", "isnan",
               "isinf", "isfinite", "logical_not", "square", "sqrt", "signbit", "invert"]
# maximum(0.0, -0.0): NumPy's SIMD loops return either zero, by operand order.
UNSPECIFIED_ZERO_SIGN = ("maximum", "minimum")
EXACT_BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "equal",
                "not_equal", "less", "greater_equal", "logical_and", "logical_xor", "copysign",
                "fmod", "nextafter"]


@FUZZ
@given(x=adversarial_arrays(), name=st.sampled_from(EXACT_UNARY))
def test_unary_functions_on_adversarial_inputs(x, name):
    f = getattr(onp, name)
    if name in ("negative", "sign", "square") and x.dtype == onp.bool_:
        return  # NumPy itself raises or answers in int8 here (documented departures)
    _both(lambda: f(x), lambda: getattr(np, name)(x))


@FUZZ
@given(x=adversarial_arrays(max_dims=3), y=adversarial_arrays(max_dims=3),
       name=st.sampled_from(EXACT_BINARY))
def test_binary_functions_on_adversarial_inputs(x, y, name):
    if name == "subtract" and x.dtype == y.dtype == onp.bool_:
        return
    _both(lambda: getattr(onp, name)(x, y), lambda: getattr(np, name)(x, y),
          zero_sign=name not in UNSPECIFIED_ZERO_SIGN)


@FUZZ
@given(x=adversarial_arrays(dtypes=["int32", "int64", "float32", "float64"]),
       scalar=st.one_of(st.sampled_from([onp.nan, -0.0, 0.0, onp.inf, 2**31, -2**31 - 1,
                                         2**40, 2**63 - 1, True, False, 3, -7, 0.5])),
       name=st.sampled_from(["add", "multiply", "less", "equal", "maximum"]),
       reflected=st.booleans())
def test_python_scalars_are_weak_and_checked_as_numpy_2(x, scalar, name, reflected):
    def call(module, arr):
        f = getattr(module, name)
        return f(scalar, arr) if reflected else f(arr, scalar)
    _both(lambda: call(onp, x), lambda: call(np, x), zero_sign=name not in UNSPECIFIED_ZERO_SIGN)


@FUZZ
@given(x=adversarial_arrays(), data=st.data(),
       name=st.sampled_from(["sum", "max", "min", "any", "all", "mean", "argmax", "prod"]))
def test_reductions_on_adversarial_inputs(x, data, name):
    if x.ndim > 8:
        return  # reduction axes of deep arrays: covered by the shallow cases
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim - 1, x.ndim),
                               st.lists(st.integers(-x.ndim - 1, x.ndim), max_size=3).map(tuple)))
    if name == "argmax" and isinstance(axis, tuple):
        axis = axis[0] if axis else None
    if name in ("sum", "prod", "mean") and x.dtype.kind == "f" and x.size > 1:
        # Summation order differs from NumPy's pairwise order: compare loosely.
        with onp.errstate(all="ignore"):
            try:
                want = getattr(onp, name)(x, axis=axis)
            except Exception as e:  # noqa: BLE001
                with pytest.raises(type(e).__mro__[1] if type(e).__mro__[1] is not Exception else type(e)):
                    onp.asarray(getattr(np, name)(x, axis=axis))
                return
            got = onp.asarray(getattr(np, name)(x, axis=axis))
        assert got.shape == onp.shape(want) and got.dtype == onp.asarray(want).dtype
        finite = onp.isfinite(want)
        onp.testing.assert_allclose(got[finite], onp.asarray(want)[finite], rtol=1e-3, atol=1e-3)
        return
    _both(lambda: getattr(onp, name)(x, axis=axis), lambda: getattr(np, name)(x, axis=axis),
          zero_sign=name not in ("max", "min"))  # max(0.0, -0.0): either, as in NumPy


@FUZZ
@given(x=adversarial_arrays(max_dims=3), data=st.data())
def test_indexing_on_adversarial_inputs(x, data):
    item = st.one_of(st.integers(-5, 5), st.none(), st.just(Ellipsis), st.just(1.0),
                     st.builds(slice, st.none() | st.integers(-6, 6), st.none() | st.integers(-6, 6),
                               st.none() | st.integers(-3, 3)))
    key = tuple(data.draw(st.lists(item, max_size=min(x.ndim, 8) + 2)))
    _both(lambda: x[key], lambda: np.asarray(x)[key])


@FUZZ
@given(x=adversarial_arrays(dtypes=["float64", "float32", "int64"], max_dims=2),
       scalar=st.sampled_from([onp.nan, -0.0, 0.0, 1, 1.0, True, 2.5, -3]))
def test_jit_signatures_with_adversarial_scalars_and_layouts(x, scalar):
    f = lazyfuse.jit(lambda a, s: a * s + s)
    with onp.errstate(all="ignore"):
        want = x * scalar + scalar
        got = f(x, scalar)
        again = f(x, scalar)  # the cached trace must give the same answer
    _same(got, want)
    _same(again, want)


HUGE = st.sampled_from([
    "np.asarray(l.ones((2**31, 2**31)))",
    "np.asarray(l.zeros((0, 2**62)))",
    "np.asarray(l.arange(2**60))",
    "np.asarray(l.ones((2**40, 0)) * 2)",
    "np.asarray(l.full((3, 2**61), 1.5) + 1)",
    "np.asarray(l.asarray(np.zeros((2**40, 0))).sum(axis=0))",
    "np.asarray(l.ones(2)[(None,) * 64])",
])


@settings(max_examples=min(EXAMPLES, 7), deadline=None)
@given(code=HUGE)
def test_huge_shapes_never_crash_the_process(code):
    program = ("import numpy as np, lazyfuse.numpy as l\n"
               "try:\n"
               f"    r = {code}\n"
               "    print('ok', getattr(r, 'shape', None))\n"
               "except (ValueError, MemoryError, IndexError) as e:\n"
               "    print('raised', type(e).__name__)\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(("ok", "raised")), done.stdout + done.stderr
