"""The Python package against NumPy: functions, operators, indexing, reductions, jit,
explain, cache_info, threads and bad input (the exception NumPy raises)."""

import threading

import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import lazyfuse
import lazyfuse.numpy as np

DTYPES = ["float64", "float32", "int64", "int32", "bool"]
FLOATS = ["float64", "float32"]


def arrays(dtypes=DTYPES, min_dims=0, max_dims=3, max_side=5):
    return st.sampled_from(dtypes).flatmap(
        lambda d: hnp.arrays(
            d, hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side),
            elements=_elements(d),
        )
    )


def _layout(x, kind):
    """x with the same shape and values, laid out contiguously, reversed or strided."""
    if x.ndim == 0 or kind == "contiguous":
        return x
    if kind == "reversed":
        return onp.ascontiguousarray(x[::-1])[::-1]
    return onp.repeat(x, 2, axis=-1)[..., ::2]


LAYOUTS = st.sampled_from(["contiguous", "reversed", "strided"])


def _elements(d):
    if d.startswith("float"):
        width = 32 if d == "float32" else 64
        return st.floats(width=width, allow_nan=True, allow_infinity=True, allow_subnormal=False)
    if d == "bool":
        return st.booleans()
    return st.integers(-1000, 1000)


def same(got, want, rtol, atol=0.0):
    got = onp.asarray(got)
    want = onp.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind == "f":
        onp.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        onp.testing.assert_array_equal(got, want)


def tol(dtype):
    return 1e-5 if onp.dtype(dtype) == onp.float32 else 1e-12


UNARY_EXACT = ["negative", "absolute", "sign", "sqrt", "square", "floor", "ceil", "trunc",
               "rint", "isnan", "isinf", "isfinite", "logical_not"]
UNARY_MATH = ["exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan",
              "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh"]


@settings(max_examples=150, deadline=None)
@given(x=arrays(FLOATS), name=st.sampled_from(UNARY_EXACT + UNARY_MATH), layout=LAYOUTS)
def test_unary_functions_match_numpy(x, name, layout):
    x = _layout(x, layout)
    with onp.errstate(all="ignore"):
        want = getattr(onp, name)(x)
    got = getattr(np, name)(x)
    rtol = tol(x.dtype) if name in UNARY_EXACT else (1e-5 if x.dtype == onp.float32 else 1e-13)
    same(got, want, rtol)


BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "equal", "less",
          "greater_equal", "logical_and", "arctan2", "power", "floor_divide", "remainder"]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), name=st.sampled_from(BINARY))
def test_binary_functions_broadcast_and_promote_like_numpy(data, name):
    dtype_a = data.draw(st.sampled_from(["float64", "float32", "int64", "int32"]))
    dtype_b = data.draw(st.sampled_from(["float64", "float32", "int64", "int32"]))
    shape_a, shape_b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=4)).input_shapes
    a = data.draw(hnp.arrays(dtype_a, shape_a, elements=_elements(dtype_a)))
    b = data.draw(hnp.arrays(dtype_b, shape_b, elements=_elements(dtype_b)))
    a, b = _layout(a, data.draw(LAYOUTS)), _layout(b, data.draw(LAYOUTS))
    if name in ("power", "floor_divide", "remainder") and "int" in dtype_a + dtype_b:
        return  # integer powers and divisions by zero: documented departures (docs/OPS.md)
    with onp.errstate(all="ignore"):
        want = getattr(onp, name)(a, b)
    got = getattr(np, name)(a, b)
    inexact = name in ("arctan2", "power")
    same(got, want, 1e-5 if onp.asarray(want).dtype == onp.float32 else (1e-13 if inexact else 1e-15))


@settings(max_examples=100, deadline=None)
@given(x=arrays(["float64", "int64", "int32", "bool"], min_dims=1), data=st.data())
def test_reductions_with_axes_and_keepdims(x, data):
    x = _layout(x, data.draw(LAYOUTS))
    op = data.draw(st.sampled_from(["sum", "prod", "max", "min", "mean", "any", "all", "argmax", "argmin"]))
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    keepdims = data.draw(st.booleans()) if op not in ("argmax", "argmin") else False
    if x.dtype == onp.float64:
        # Moderate values: sums in another association differ by rounding, which a
        # cancellation of huge terms would blow up.
        x = onp.clip(onp.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0), -1e6, 1e6)
    kwargs = {"axis": axis}
    if keepdims:
        kwargs["keepdims"] = True
    try:
        with onp.errstate(all="ignore"):
            want = getattr(onp, op)(x, **kwargs)
    except ValueError:
        with pytest.raises(ValueError):
            onp.asarray(getattr(np, op)(x, **kwargs))
        return
    got = getattr(np, op)(x, **kwargs)
    if op == "mean" and x.dtype == onp.bool_:
        want = want.astype(onp.float64)
    # Float sums in another association: rounding relative to the terms, not the result.
    atol = 1e-12 * float(onp.abs(x).sum()) if x.dtype.kind == "f" and op in ("sum", "mean") else 0.0
    same(got, want, 1e-12, atol)


def test_operators_reflected_and_python_scalars_are_weak():
    x = onp.linspace(-2, 2, 12, dtype=onp.float32).reshape(3, 4)
    a = np.asarray(x)
    for got, want in [
        (a + 1, x + 1), (1 - a, 1 - x), (2.5 * a, 2.5 * x), (a / 3, x / 3), (a ** 2, x ** 2),
        (-a, -x), (abs(a), abs(x)), (a > 0, x > 0), (a == a, x == x), (a @ a.T, x @ x.T),
        (3 // (a + 5), 3 // (x + 5)), ((a > 0) & (a < 1), (x > 0) & (x < 1)), (~(a > 0), ~(x > 0)),
    ]:
        same(got, want, 1e-6)
    assert (a + 1).dtype == onp.float32


@pytest.mark.parametrize("key", [
    1, -1, (slice(None), 2), (Ellipsis, 1), (None, 1), (slice(None, None, -1),),
    (slice(1, None, 2), slice(None, None, -2)), (0, None, slice(1, 3)), (), Ellipsis,
])
def test_basic_indexing(key):
    x = onp.arange(24.0).reshape(2, 3, 4)
    same(np.asarray(x)[key], x[key], 0)


def test_creation_and_structural_functions():
    x = onp.arange(12.0).reshape(3, 4)
    a = np.asarray(x)
    cases = [
        (np.zeros((2, 3)), onp.zeros((2, 3))), (np.ones(4, dtype="int32"), onp.ones(4, dtype="int32")),
        (np.full((2,), 7.5), onp.full((2,), 7.5)), (np.arange(5), onp.arange(5)),
        (np.arange(0.5, 3, 0.5), onp.arange(0.5, 3, 0.5)), (np.linspace(0, 1, 7), onp.linspace(0, 1, 7)),
        (np.eye(3, k=1), onp.eye(3, k=1)), (np.zeros_like(a), onp.zeros_like(x)),
        (np.reshape(a, (2, 6)), x.reshape(2, 6)), (a.ravel(), x.ravel()), (a.T, x.T),
        (np.swapaxes(a, 0, 1), onp.swapaxes(x, 0, 1)), (np.moveaxis(a[None], 0, -1), onp.moveaxis(x[None], 0, -1)),
        (np.expand_dims(a, 1), onp.expand_dims(x, 1)), (np.squeeze(a[None]), onp.squeeze(x[None])),
        (np.broadcast_to(a[0], (2, 4)), onp.broadcast_to(x[0], (2, 4))),
        (np.concatenate([a, a], axis=1), onp.concatenate([x, x], axis=1)),
        (np.stack([a, a]), onp.stack([x, x])), (np.where(a > 5, a, -1.0), onp.where(x > 5, x, -1.0)),
        (np.clip(a, 2, 8), onp.clip(x, 2, 8)), (a.astype("int32"), x.astype("int32")),
        (np.dot(a, a.T), onp.dot(x, x.T)), (np.outer(a[0], a[1]), onp.outer(x[0], x[1])),
        (np.inner(a, a), onp.inner(x, x)), (np.var(a, axis=0), onp.var(x, axis=0)),
        (np.std(a), onp.std(x)), (np.mean(a, axis=(0, 1)), onp.mean(x, axis=(0, 1))),
    ]
    for got, want in cases:
        same(got, want, 1e-12)


def test_numpy_protocols_keep_arrays_lazy_and_evaluate_on_demand():
    x = onp.arange(6.0)
    a = np.asarray(x)
    assert isinstance(onp.sin(a), lazyfuse.ndarray)
    assert isinstance(onp.add(a, 1), lazyfuse.ndarray)
    assert isinstance(onp.sum(a), lazyfuse.ndarray)
    assert isinstance(onp.mean(a), lazyfuse.ndarray)
    same(onp.add.reduce(a), onp.add.reduce(x), 0)
    assert float(onp.sum(a)) == 15.0 and int(a[2]) == 2 and bool(a[1]) and len(a) == 6
    assert a.item(3) == 3.0 and a.tolist() == x.tolist()
    assert "lazyfuse.array([0., 1., 2., 3., 4., 5.])" == repr(a)
    # Not supported lazily: NumPy computes it on the evaluated values.
    same(onp.cumsum(a), onp.cumsum(x), 0)
    s, m = lazyfuse.eval(a.sum(), (a * 2).max())
    assert (float(s), float(m)) == (15.0, 10.0)


def test_jit_traces_once_per_signature_and_handles_pytrees():
    calls = []

    def f(d, scale):
        calls.append(1)
        return {"y": d["a"] * scale + d["b"], "s": (d["a"].sum(),)}

    g = lazyfuse.jit(f, static_argnums=1)
    a, b = onp.arange(4.0), onp.ones(4)
    out = g({"a": a, "b": b}, 2.0)
    same(out["y"], a * 2 + b, 0)
    same(out["s"][0], a.sum(), 0)
    g({"a": a + 1, "b": b}, 2.0)
    assert g.traces == 1 and len(calls) == 1
    g({"a": onp.arange(5.0), "b": onp.ones(5)}, 2.0)  # new shape: retrace
    g({"a": a, "b": b}, 3.0)  # new static value: retrace
    g({"a": a.astype("float32"), "b": b}, 3.0)  # new dtype: retrace
    assert g.traces == 4
    g({"a": a, "b": b}, 3.0)
    assert g.traces == 4



def test_jit_static_argnums_count_from_the_end_and_pytrees_round_trip():
    import collections
    calls = []

    def f(x, n):
        calls.append(n)
        return x * n

    g = lazyfuse.jit(f, static_argnums=-1)
    x = onp.arange(3.0)
    same(g(x, 2), x * 2, 0)
    same(g(x + 1, 2), (x + 1) * 2, 0)
    assert g.traces == 1 and calls == [2]
    same(g(x, 3), x * 3, 0)
    assert g.traces == 2
    assert g.__wrapped__ is f and g.__name__ == "f"
    # The native pytrees rebuild lists, tuples, namedtuples and dicts (keys of mixed
    # types) with their constants; a structure nested too deeply is a RecursionError.
    P = collections.namedtuple("P", "u v")
    tree = {"b": [x, (1.5, None)], 2: P(x, "s"), "a": x}
    leaves = []
    spec = lazyfuse._native.flatten(tree, leaves)
    assert len(leaves) == 3
    back = lazyfuse._native.unflatten(spec, ["l0", "l1", "l2"])
    assert back == {2: P("l0", "s"), "a": "l1", "b": ["l2", (1.5, None)]}  # int keys first
    assert type(back[2]) is P
    deep = x
    for _ in range(400):
        deep = [deep]
    with pytest.raises(RecursionError, match="nested more than"):
        lazyfuse.jit(lambda t: 1.0)(deep)

def test_explain_and_cache_info():
    x = onp.random.default_rng(0).random((50, 40))

    def softmax(v):
        e = np.exp(v - v.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    e = lazyfuse.explain(softmax, x)
    assert "reduce_max" in e.before and "exp" in e.after
    assert len(e.kernels) == 1 and isinstance(e.rewrites, list)
    assert "kernels (1):" in str(e)
    before = lazyfuse.cache_info()
    assert {"compiles", "hits"} <= set(before)
    onp.asarray(softmax(np.asarray(x)))
    onp.asarray(softmax(np.asarray(x + 1)))  # equal program: compiles nothing new
    after = lazyfuse.cache_info()
    assert after["compiles"] - before["compiles"] <= 1
    assert "digraph" in np.asarray(x).sum().to_dot()


def test_threads_evaluate_concurrently():
    x = onp.random.default_rng(1).random(100_000)
    want = onp.tanh(x) * 2 + 1
    errors = []

    def work():
        try:
            for _ in range(20):
                onp.testing.assert_allclose(onp.asarray(np.tanh(np.asarray(x)) * 2 + 1), want, rtol=1e-13)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_bad_input_raises_what_numpy_raises():
    a = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"add.*\(2, ?3\).*\(4,\)"):
        a + np.ones(4)
    with pytest.raises(onp.exceptions.AxisError):
        a.sum(axis=2)
    with pytest.raises(TypeError, match="datetime64"):
        np.asarray(onp.zeros(3, dtype="datetime64[s]"))
    with pytest.raises(TypeError):
        a + "text"
    with pytest.raises(ValueError):
        a.reshape(4, 2)
    with pytest.raises(IndexError):
        a[5]
    with pytest.raises(ValueError):
        np.asarray([1.0, 2.0]) @ np.ones((3, 2))
    with pytest.raises(TypeError):
        len(np.asarray(1.0))
    with pytest.raises(ValueError):
        a[::0]


API_CALLS = ["add", "matmul", "sum", "mean", "max", "reshape", "transpose", "concatenate", "where", "expand_dims"]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), call=st.sampled_from(API_CALLS))
def test_random_api_calls_match_numpy_or_raise_the_same_kind(data, call):
    dtype = data.draw(st.sampled_from(["float64", "int64", "bool"]))
    shape_a = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    shape_b = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    x = data.draw(hnp.arrays(dtype, shape_a, elements=_elements(dtype)))
    y = data.draw(hnp.arrays(dtype, shape_b, elements=_elements(dtype)))
    axis = data.draw(st.integers(-4, 4))
    shape = data.draw(st.lists(st.integers(-1, 4), max_size=3))
    if dtype == "float64":
        x, y = (onp.clip(onp.nan_to_num(v), -1e6, 1e6) for v in (x, y))
    fns = {
        "add": lambda m, a, b: m.add(a, b),
        "matmul": lambda m, a, b: m.matmul(a, b),
        "sum": lambda m, a, b: m.sum(a, axis=axis),
        "mean": lambda m, a, b: m.mean(a, axis=axis),
        "max": lambda m, a, b: m.max(a, axis=axis),
        "reshape": lambda m, a, b: m.reshape(a, shape),
        "transpose": lambda m, a, b: m.transpose(a),
        "concatenate": lambda m, a, b: m.concatenate([a, b], axis=axis),
        "where": lambda m, a, b: m.where(a > 0 if dtype != "bool" else a, a, b),
        "expand_dims": lambda m, a, b: m.expand_dims(a, axis),
    }
    try:
        with onp.errstate(all="ignore"):
            want = fns[call](onp, x, y)
    except Exception as e:  # noqa: BLE001 - the kind is what is compared
        kind = type(e)
        expected = (onp.exceptions.AxisError,) if issubclass(kind, onp.exceptions.AxisError) else (
            (ValueError, TypeError, IndexError))
        with pytest.raises(expected):
            onp.asarray(fns[call](np, x, y))
        return
    if call == "mean" and dtype == "bool":
        want = onp.asarray(want).astype(onp.float64)
    same(fns[call](np, x, y), want, 1e-12)


def test_jit_reads_numpy_inputs_in_place_whatever_their_strides():
    f = lazyfuse.jit(lambda a, b: a * 2 + b)
    base = onp.arange(24.0).reshape(4, 6)
    b = onp.linspace(0, 1, 24).reshape(4, 6)
    for a in [base, base[::-1], base[:, ::-2].repeat(2, axis=1), onp.asfortranarray(base),
              onp.broadcast_to(base[0], (4, 6))]:
        same(f(a, b), a * 2 + b, 0)
    # Unaligned data falls back to a copy and still computes the right values.
    raw = onp.zeros(24 * 8 + 1, dtype=onp.uint8)
    unaligned = raw[1:].view(onp.float64).reshape(4, 6)
    unaligned[...] = base
    assert not unaligned.flags.aligned
    same(f(unaligned, b), base * 2 + b, 0)
    assert f.traces == 1


def test_numpy_inputs_are_read_in_place_and_kept_alive():
    import gc
    import weakref

    x = onp.arange(6.0)
    a = np.asarray(x)
    x[0] = 100.0  # like a NumPy view: the lazy array reads the buffer when evaluated
    assert float((a + 0).sum()) == 115.0
    # The lazy array keeps the NumPy array alive.
    y = onp.arange(1000.0)[::-3]
    ref = weakref.ref(y.base)
    b = np.asarray(y) * 2
    del y
    gc.collect()
    assert ref() is not None
    same(b, onp.arange(1000.0)[::-3] * 2, 0)
    del b
    gc.collect()
    assert ref() is None
