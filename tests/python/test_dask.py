"""lazyfuse.dask against NumPy: random expressions over random chunkings (Dask's
synchronous scheduler), then a 2-process dask.distributed cluster on 127.0.0.1: the
same answers, programs compiled once per worker, and a worker killed mid-computation."""

import os
import signal
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

import lazyfuse as lf  # noqa: E402
import lazyfuse.dask as ld  # noqa: E402
import lazyfuse.numpy as lnp  # noqa: E402

EXAMPLES = int(os.environ.get("LAZYFUSE_DASK_EXAMPLES", "40"))
SPECIAL = [np.nan, np.inf, -np.inf, -0.0]


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="sync"):
        yield


def close(got, want, dtype):
    got = np.asarray(got)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind in "fc":
        if want.dtype == np.float16:
            tol = 1e-2  # a few float16 ulps: partial sums add in another order
        elif want.dtype in (np.float32, np.complex64) or dtype == "float32":
            tol = 2e-3
        else:
            tol = 1e-9
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------------------
# Random expressions.

@st.composite
def partitions(draw, n):
    """A chunking of a dimension of size n (uneven chunks, a zero-size dimension's (0,))."""
    if n == 0:
        return (0,)
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=3))) if n > 1 else []
    edges = [0] + cuts + [n]
    return tuple(b - a for a, b in zip(edges, edges[1:]))


def values(draw, shape, dtype):
    size = int(np.prod(shape))
    if dtype.startswith("float"):
        pool = st.one_of(st.floats(-4, 4, width=32), st.sampled_from(SPECIAL)) \
            if draw(st.booleans()) else st.floats(-4, 4, width=32)
        data = draw(st.lists(pool, min_size=size, max_size=size))
    elif dtype == "bool":
        data = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    else:
        data = draw(st.lists(st.integers(-5, 5), min_size=size, max_size=size))
    return np.array(data, dtype=dtype).reshape(shape)


UNARY = {
    "exp": np.exp, "sin": np.sin, "abs": np.abs, "neg": np.negative, "tanh": np.tanh,
    "sqrt_abs": lambda v: np.sqrt(np.abs(v)), "square": np.square,
}
BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum,
    "where": lambda a, b: np.where(a > b, a, b), "pyscalar": lambda a, b: a * 2 - 1 + b,
}
REDUCE = ["sum", "max", "min", "mean", "var", "std", "prod", "any"]


@st.composite
def programs(draw):
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else 1, 6))
                  for _ in range(ndim))
    dtype = draw(st.sampled_from(["float64", "float32", "int64", "int32"]))
    inputs = []
    for i in range(draw(st.integers(1, 3))):
        s = list(shape)
        mode = draw(st.sampled_from(["full", "ones", "suffix"])) if i else "full"
        if mode == "ones":
            s = [1 if draw(st.booleans()) else d for d in s]
        elif mode == "suffix":
            s = s[draw(st.integers(0, len(s))):]
        chunks = tuple(draw(partitions(d)) for d in s)
        inputs.append((values(draw, tuple(s), dtype), chunks))
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "transpose"]))
        if kind == "unary":
            steps.append(("unary", draw(st.sampled_from(sorted(UNARY)))))
        elif kind == "binary":
            steps.append(("binary", draw(st.sampled_from(sorted(BINARY))),
                          draw(st.integers(0, len(inputs) - 1)), draw(st.booleans())))
        elif kind == "reduce":
            steps.append(("reduce", draw(st.sampled_from(REDUCE)), draw(st.integers(-1, 2)),
                          draw(st.booleans())))
        else:
            steps.append(("transpose",))
    return inputs, steps


def close_to_program(got, want, steps, inputs):
    """got against NumPy's answer; where they differ, against the program run by NumPy in
    long double and rounded: a tree of chunk sums adds in another order than NumPy's
    pairwise sum, and a later step can blow the last bits up (var 0 against 1e-14, times
    -inf: NaN against -inf), so the more precise reference decides."""
    dtype = inputs[0][0].dtype.name
    try:
        close(got, want, dtype)
    except AssertionError:
        if want.dtype.kind not in "fc":
            raise
        precise = [x.astype(np.longdouble) if x.dtype.kind == "f" else x for x, _ in inputs]
        with np.errstate(all="ignore"):
            better = np.asarray(run(steps, precise)).astype(want.dtype)
        close(got, better, dtype)


def run(steps, xs):
    """The program on xs (NumPy arrays, or lazyfuse.dask Arrays through NumPy's API)."""
    v = xs[0]
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if step[0] == "unary":
            v = UNARY[step[1]](v)
        elif step[0] == "binary":
            other = xs[step[2]]
            if np.ndim(other) > np.ndim(v):
                continue  # would grow v past what later steps expect
            v = BINARY[step[1]](other, v) if step[3] else BINARY[step[1]](v, other)
        elif step[0] == "transpose":
            v = np.transpose(v)
        else:
            _, op, axis, keepdims = step
            nd = np.ndim(v)
            axis = None if axis < 0 or nd == 0 else axis % nd
            keepdims = keepdims or not last  # later steps broadcast against the inputs
            if op in ("max", "min") and np.size(v) == 0:
                continue  # NumPy's error for an empty max is tested apart
            v = getattr(np, op)(v, axis=axis, keepdims=keepdims)
    return v


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_random_programs_match_numpy(program):
    inputs, steps = program
    arrays = [lf.from_dask(da.from_array(x, chunks=c)) for x, c in inputs]
    try:
        with np.errstate(all="ignore"):
            want = np.asarray(run(steps, [x for x, _ in inputs]))
    except (ValueError, TypeError) as e:  # e.g. shapes that do not broadcast, -bool:
        with pytest.raises(type(e)):       # the same error, when the graph is built
            run(steps, arrays)
        return
    got = run(steps, arrays)
    got = got.compute() if isinstance(got, ld.Array) else got
    close_to_program(got, want, steps, inputs)


# ---------------------------------------------------------------------------------------
# Fixed cases.

def softmax(x, xp):
    e = xp.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_row_softmax_is_one_program_per_block():
    x = np.random.default_rng(1).standard_normal((50, 40))
    a = lf.from_dask(da.from_array(x, chunks=(12, 40)))
    y = softmax(a, lnp)
    close(y.compute(), softmax(x, np), "float64")
    e = ld.explain(y)
    # Five row blocks of two shapes (12 and 2 rows): two programs, one task per block.
    assert len(e.programs) == 2 and sum(e.programs.values()) == 5
    assert all(t.count("exp") == 1 for t in e.programs)
    assert e.dask_numpy_tasks > e.tasks


def test_softmax_with_split_rows_still_correct():
    x = np.random.default_rng(2).standard_normal((9, 40))
    a = lf.from_dask(da.from_array(x, chunks=(4, 15)))
    close(softmax(a, lnp).compute(), softmax(x, np), "float64")


def test_reduction_across_chunks_fuses_the_partial():
    x = np.random.default_rng(3).standard_normal((40, 30))
    a = lf.from_dask(da.from_array(x, chunks=(7, 11)))
    y = (lnp.sin(a) * 2 + 1).sum(axis=0)
    close(y.compute(), (np.sin(x) * 2 + 1).sum(axis=0), "float64")
    texts = list(ld.explain(y).programs)
    assert all("sin" in t and "reduce_sum" in t for t in texts)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("op", ["sum", "prod", "max", "min", "mean", "var", "std", "any", "all"])
def test_reductions_over_uneven_chunks(op, axis, keepdims):
    x = np.random.default_rng(4).uniform(0.5, 1.5, (13, 9))
    a = lf.from_dask(da.from_array(x, chunks=((5, 1, 7), (2, 7))))
    close(getattr(a, op)(axis=axis, keepdims=keepdims).compute(),
          getattr(x, op)(axis=axis, keepdims=keepdims), "float64")


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint16", "bool", "float16", "float32",
                                   "complex128"])
def test_reduction_dtypes_follow_numpy(dtype):
    x = (np.arange(60) % 7 - 3).astype(dtype).reshape(6, 10)
    if dtype == "complex128":
        x = x + 1j * x[::-1]
    a = lf.from_dask(da.from_array(x, chunks=(4, 3)))
    for op in ["sum", "prod", "mean", "var", "max", "min"]:
        if dtype == "complex128" and op in ("max", "min"):
            continue
        close(getattr(a, op)(axis=0).compute(), getattr(x, op)(axis=0), dtype)
        close(getattr(a, op)().compute(), np.asarray(getattr(x, op)()), dtype)


def test_special_values_propagate_through_tree_reductions():
    x = np.array([1.0, np.nan, 3.0, -0.0, np.inf, 2.0, -np.inf, 0.5])
    a = lf.from_dask(da.from_array(x, chunks=3))
    for op in ["sum", "max", "min", "mean"]:
        close(getattr(a, op)().compute(), np.asarray(getattr(x, op)()), "float64")
    zeros = np.array([-0.0, -0.0, -0.0])
    for op in ["sum", "max", "min", "prod"]:
        got = getattr(lf.from_dask(da.from_array(zeros, chunks=1)), op)().compute()
        assert np.signbit(got) == np.signbit(getattr(zeros, op)()), op


def test_zero_size_and_zero_d():
    empty = np.zeros((0, 4))
    a = lf.from_dask(da.from_array(empty, chunks=(1, 2)))
    close((a * 2).sum(axis=0).compute(), (empty * 2).sum(axis=0), "float64")
    close(np.exp(a).compute(), np.exp(empty), "float64")
    s = lf.from_dask(da.from_array(np.array(2.5)))
    close((s * 4 - 1).compute(), np.asarray(np.array(2.5) * 4 - 1), "float64")


def test_broadcasting_and_mixed_chunks_are_unified():
    rng = np.random.default_rng(5)
    x, y, z = rng.standard_normal((12, 10)), rng.standard_normal(10), rng.standard_normal((12, 1))
    a = lf.from_dask(da.from_array(x, chunks=(5, 4)))
    b = lf.from_dask(da.from_array(y, chunks=3))
    c = lf.from_dask(da.from_array(z, chunks=(7, 1)))
    close((a * b - c + np.arange(10.0)).compute(), x * y - z + np.arange(10.0), "float64")
    f32 = lf.from_dask(da.from_array(x.astype(np.float32), chunks=4))
    got = (f32 * 2.5 + 1).compute()
    assert got.dtype == np.float32  # Python scalars are weak, as in NumPy


def test_matmul_and_transpose():
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((30, 20)), rng.standard_normal((20, 9))
    a = lf.from_dask(da.from_array(x, chunks=(8, 6)))
    b = lf.from_dask(da.from_array(y, chunks=(5, 4)))  # rechunked to a's columns
    close((a @ b).compute(), x @ y, "float64")
    close((a.T @ a).compute(), x.T @ x, "float64")
    close(np.matmul(np.exp(a), b).compute(), np.exp(x) @ y, "float64")
    v = rng.standard_normal(20)
    close((a @ v).compute(), x @ v, "float64")  # 1-D: Dask's implementation


def test_unfused_operations_use_dask():
    x = np.random.default_rng(7).standard_normal((10, 6))
    a = lf.from_dask(da.from_array(x, chunks=4))
    close(np.cumsum(a * 2, axis=0).compute(), np.cumsum(x * 2, axis=0), "float64")
    close((a + 1)[2:7, ::2].compute(), (x + 1)[2:7, ::2], "float64")
    close(np.argmax(a, axis=0).compute(), x.argmax(axis=0), "int64")


def test_jit_over_dask_arrays():
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((20, 8)), rng.standard_normal(8)

    @lf.jit
    def f(u, v):
        return lnp.tanh(u * v).sum(axis=0), lnp.exp(u) - v

    s, e = f(da.from_array(x, chunks=(6, 8)), da.from_array(y, chunks=8))
    assert isinstance(s, da.Array) and isinstance(e, da.Array)
    close(s.compute(), np.tanh(x * y).sum(axis=0), "float64")
    close(e.compute(), np.exp(x) - y, "float64")
    assert f.traces == 0  # nothing traced by the jit cache; the blocks have programs


def test_errors_are_numpys_at_build_time():
    a = lf.from_dask(da.ones((4, 3), chunks=2))
    b = lf.from_dask(da.ones((5,), chunks=2))
    with pytest.raises(ValueError, match="broadcast"):
        a + b
    with pytest.raises(np.exceptions.AxisError):
        a.sum(axis=2)
    with pytest.raises(TypeError, match="dask.array.Array"):
        lf.from_dask(np.ones(3))


def test_mixing_with_dask_and_numpy_and_the_collection_protocol():
    xn = np.arange(12.0).reshape(3, 4)
    x = da.from_array(xn, chunks=2)
    a = lf.from_dask(x)
    for got, want in [(x + a, xn + xn), (xn * a, xn * xn), (a - x, xn * 0)]:
        assert isinstance(got, ld.Array)
        close(got.compute(), want, "float64")
    (value,) = dask.compute(a * 2)
    close(value, xn * 2, "float64")
    masked = a[a > 3]  # unknown chunk sizes: Dask's array, Dask's answer
    assert isinstance(masked, da.Array)
    close(masked.compute(), xn[xn > 3], "float64")
    close(np.concatenate([a, a * 2]).compute(), np.concatenate([xn, xn * 2]), "float64")
    with pytest.raises(lf.DTypeError, match="dtype <U1"):
        lf.from_dask(da.from_array(np.array(["a", "b"])))
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        lf.from_dask(x[x > 3])


def test_programs_travel_as_text():
    a = lf.from_dask(da.from_array(np.ones((6, 4)), chunks=3))
    graph = dict((np.exp(a) + 1).to_dask().__dask_graph__())
    ours = [t for t in graph.values() if isinstance(t, tuple) and t and t[0] is ld._run]
    assert ours and all(isinstance(t[1], str) and t[1].startswith("program(") for t in ours)


# ---------------------------------------------------------------------------------------
# A real cluster: two worker processes on 127.0.0.1.

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None, silence_logs=40,
                           env={"LAZYFUSE_NUM_THREADS": "1"})
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_cluster_matches_numpy_and_compiles_once_per_worker(cluster):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((400, 50))
    a = lf.from_dask(da.from_array(x, chunks=(50, 50)))
    y = softmax(a, lnp)
    close(cluster.compute(y.to_dask()).result(), softmax(x, np), "float64")
    s = (lnp.sin(a) * a).mean(axis=0)
    close(cluster.compute(s.to_dask()).result(), (np.sin(x) * x).mean(axis=0), "float64")
    before = cluster.run(ld.worker_stats)
    close(cluster.compute(softmax(a, lnp).to_dask()).result(), softmax(x, np), "float64")
    after = cluster.run(ld.worker_stats)
    assert sum(s["runs"] for s in after.values()) > sum(s["runs"] for s in before.values())
    # The same programs again: no worker compiles anything new.
    assert {w: s["compiles"] for w, s in after.items()} == \
        {w: s["compiles"] for w, s in before.items()}


@settings(max_examples=min(EXAMPLES, 12), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=programs())
def test_random_programs_on_the_cluster_match_numpy(cluster, program):
    inputs, steps = program
    arrays = [lf.from_dask(da.from_array(x, chunks=c)) for x, c in inputs]
    try:
        with np.errstate(all="ignore"):
            want = np.asarray(run(steps, [x for x, _ in inputs]))
    except (ValueError, TypeError):
        return  # errors are checked by the synchronous test
    got = run(steps, arrays)
    if isinstance(got, ld.Array):
        got = cluster.compute(got.to_dask()).result(timeout=60)
    close_to_program(got, want, steps, inputs)


def _slow_block(x):
    time.sleep(0.05)
    return x


def test_killed_worker_blocks_are_recomputed(cluster):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4000, 20))
    slow = da.from_array(x, chunks=(100, 20)).map_blocks(_slow_block)
    y = (lnp.exp(lf.from_dask(slow)) * 3).sum(axis=0)
    future = cluster.compute(y.to_dask())
    pids = cluster.run(os.getpid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
            cluster.processing().values()):
        time.sleep(0.01)
    time.sleep(0.4)
    victim = sorted(pids.items())[0][1]
    assert not future.done()  # killed in the middle of the computation
    os.kill(victim, signal.SIGKILL)
    got = future.result(timeout=120)
    close(got, (np.exp(x) * 3).sum(axis=0), "float64")
    assert not future.cancelled()
