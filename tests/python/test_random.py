"""lazyfuse.numpy.random: the counter-based generator against its references (the
`philox` op's known answers and a NumPy form of the rounds), the same numbers lazily
and eagerly and for any thread count, distributions against their exact CDFs
(Kolmogorov-Smirnov, chi-square for integers), and NumPy's API: shapes, dtypes,
parameter broadcasting and errors, the legacy functions, choice, permutation, shuffle."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

import lazyfuse
import lazyfuse.numpy as lnp
from lazyfuse.numpy.random import Generator, Philox, default_rng
from lazyfuse._dispatch import _binary
from numpy_reference import philox as philox_reference

# Kolmogorov-Smirnov: with n samples, D exceeds sqrt(-ln(alpha / 2) / (2n)) with
# probability alpha; the seeds are fixed, so a test never flakes, and a wrong recipe
# (off by a factor, a wrong tail) moves D far past this.
N = 200_000
KS_LIMIT = math.sqrt(-math.log(1e-6 / 2) / (2 * N))


def ks_statistic(sample, cdf):
    x = np.sort(np.asarray(sample, dtype=float))
    f = cdf(x)
    n = len(x)
    return max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))


_erf = np.frompyfunc(math.erf, 1, 1)


def normal_cdf(x):
    return 0.5 * (1 + _erf(x / math.sqrt(2)).astype(float))


def test_the_op_gives_random123s_known_answers():
    # philox4x32-10 of counter (0, 0, 0, 0) under key (0, 0): words 0x6627e8d5,
    # 0xe169c58d first (Random123's kat_vectors); of all-ones (the op's upper counter
    # words are zero, so only the zero vector applies as it is).
    want = 0xE169C58D_6627E8D5
    for c in (np.zeros(1, np.uint64), lnp.zeros(1, dtype="uint64")):
        got = _binary("philox", c, np.uint64(0), None)
        assert np.asarray(got)[0] == want
    assert philox_reference(np.zeros(1, np.uint64), np.zeros(1, np.uint64))[0] == want


def test_lazy_bits_are_the_numpy_rounds():
    counters = np.arange(5000, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for key in (0, 1, 2 ** 64 - 1, 0x0123456789ABCDEF):
        lazy = _binary("philox", lnp.asarray(counters), np.uint64(key), None)
        np.testing.assert_array_equal(np.asarray(lazy), philox_reference(counters, np.uint64(key)))


@pytest.mark.eager
def test_small_samples_at_once_equal_large_ones_lazily():
    # Small samples are computed at once by NumPy, large ones lazily: the bits are the
    # same, and so are exact recipes; transcendental ones agree to vector-math accuracy.
    previous = lazyfuse.set_eager_limit(4096)
    try:
        for method, args, rtol in [("random", (), 0), ("integers", (0, 1000), 0),
                                   ("standard_normal", (), 1e-14), ("exponential", (), 1e-14),
                                   ("uniform", (-2, 3), 1e-15), ("laplace", (), 1e-14)]:
            small = getattr(default_rng(7), method)(*args, size=100)
            large = getattr(default_rng(7), method)(*args, size=10_000)
            assert type(small) is lnp.ndarray and type(large) is lnp.ndarray
            np.testing.assert_allclose(np.asarray(small), np.asarray(large)[:100], rtol=rtol,
                                       atol=1e-300, err_msg=method)
    finally:
        lazyfuse.set_eager_limit(previous)


def test_the_same_numbers_for_any_thread_count():
    script = ("import numpy as np, lazyfuse.numpy as lnp, hashlib;"
              "r = lnp.random.default_rng(11);"
              "x = np.asarray(r.standard_normal(300_001) + r.random(300_001, dtype='float32'));"
              "print(hashlib.sha256(x.tobytes()).hexdigest())")
    digests = set()
    for threads in ("1", "2", "3"):
        env = dict(os.environ, LAZYFUSE_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, timeout=120, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_seeds_counters_and_state():
    a, b = default_rng(3), default_rng(3)
    np.testing.assert_array_equal(np.asarray(a.random(10)), np.asarray(b.random(10)))
    # Consecutive draws use fresh counters: never the same numbers twice.
    first, second = np.asarray(a.random(1000)), np.asarray(a.random(1000))
    assert not np.any(first == second)
    assert not np.array_equal(np.asarray(default_rng(4).random(10)), np.asarray(default_rng(3).random(10)))
    state = a.bit_generator.state
    x = np.asarray(a.random(50))
    a.bit_generator.state = state
    np.testing.assert_array_equal(np.asarray(a.random(50)), x)
    # Seeds are NumPy's SeedSequence inputs; a generator passes through default_rng.
    assert default_rng(a) is a
    np.testing.assert_array_equal(np.asarray(default_rng([1, 2]).random(5)),
                                  np.asarray(default_rng(np.random.SeedSequence([1, 2])).random(5)))
    assert default_rng(None).bit_generator.key != default_rng(None).bit_generator.key
    children = default_rng(5).spawn(2)
    assert children[0].bit_generator.key != children[1].bit_generator.key
    with pytest.raises(TypeError, match="counter-based Philox"):
        Generator(np.random.PCG64(1))


def test_uniform_floats():
    for dtype in (np.float64, np.float32):
        u = np.asarray(default_rng(1).random(N, dtype=dtype))
        assert u.dtype == dtype and u.min() >= 0 and u.max() < 1
        assert ks_statistic(u, lambda x: x) < KS_LIMIT
    # float64 values are multiples of 2**-53 (NumPy's recipe), float32 of 2**-24.
    u = np.asarray(default_rng(2).random(1000))
    assert np.all(u * 2.0 ** 53 == np.floor(u * 2.0 ** 53))
    assert 0.0 <= default_rng(2).random() < 1.0 and isinstance(default_rng(2).random(), float)


CONTINUOUS = [
    ("standard_normal", (), {}, normal_cdf),
    ("normal", (1.5, 2.0), {}, lambda x: normal_cdf((x - 1.5) / 2.0)),
    ("uniform", (-3.0, 5.0), {}, lambda x: (x + 3.0) / 8.0),
    ("exponential", (2.0,), {}, lambda x: 1 - np.exp(-x / 2.0)),
    ("standard_exponential", (), {}, lambda x: 1 - np.exp(-x)),
    ("lognormal", (0.5, 0.25), {}, lambda x: normal_cdf((np.log(x) - 0.5) / 0.25)),
    ("laplace", (1.0, 2.0), {}, lambda x: np.where(x < 1, 0.5 * np.exp((x - 1) / 2),
                                                   1 - 0.5 * np.exp(-(x - 1) / 2))),
    ("logistic", (1.0, 0.5), {}, lambda x: 1 / (1 + np.exp(-(x - 1.0) / 0.5))),
    ("gumbel", (1.0, 2.0), {}, lambda x: np.exp(-np.exp(-(x - 1.0) / 2.0))),
    ("rayleigh", (2.0,), {}, lambda x: 1 - np.exp(-x * x / 8.0)),
    ("weibull", (1.5,), {}, lambda x: 1 - np.exp(-x ** 1.5)),
    ("pareto", (3.0,), {}, lambda x: 1 - (1 + x) ** -3.0),
    ("power", (2.5,), {}, lambda x: x ** 2.5),
    ("standard_cauchy", (), {}, lambda x: 0.5 + np.arctan(x) / np.pi),
]


@pytest.mark.parametrize("method,args,kwargs,cdf", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
def test_continuous_distributions_follow_their_cdfs(method, args, kwargs, cdf):
    sample = getattr(default_rng(12), method)(*args, size=N, **kwargs)
    assert type(sample) is lnp.ndarray
    x = np.asarray(sample)
    assert x.shape == (N,) and x.dtype == np.float64 and np.all(np.isfinite(x))
    assert ks_statistic(x, cdf) < KS_LIMIT, method


def test_float32_normals_and_exponentials():
    z = np.asarray(default_rng(5).standard_normal(N, dtype=np.float32))
    assert z.dtype == np.float32 and np.all(np.isfinite(z))
    assert ks_statistic(z, normal_cdf) < KS_LIMIT
    e = np.asarray(default_rng(5).standard_exponential(N, dtype="float32"))
    assert e.dtype == np.float32 and ks_statistic(e, lambda x: 1 - np.exp(-x)) < KS_LIMIT


def chi_square_ok(counts, expected):
    # Chi-square with k - 1 degrees of freedom: mean k - 1, sd sqrt(2(k - 1)); 8 sd.
    k = len(counts)
    stat = float(np.sum((counts - expected) ** 2 / expected))
    return stat < (k - 1) + 8 * math.sqrt(2 * (k - 1))


@pytest.mark.parametrize("low,high,dtype,endpoint", [
    (0, 10, np.int64, False), (-5, 5, np.int32, True), (0, 256, np.uint8, False),
    (0, 2, np.bool_, False), (-(2 ** 63), 2 ** 63, np.int64, False),
    (2 ** 64 - 7, 2 ** 64, np.uint64, False), (-128, 127, np.int8, True),
])
def test_integers(low, high, dtype, endpoint):
    x = np.asarray(default_rng(8).integers(low, high, size=N, dtype=dtype, endpoint=endpoint))
    assert x.dtype == dtype
    top = high if endpoint else high - 1
    assert x.min() >= low and x.max() <= top
    span = top - low + 1
    if span <= 256:
        counts = np.bincount((x.astype(object) - low).astype(np.int64), minlength=span)
        assert chi_square_ok(counts, N / span)
    else:  # the full 64-bit range: uniform bits, checked on the top byte
        counts = np.bincount((x.view(np.uint64) >> np.uint64(56)).astype(np.int64), minlength=256)
        assert chi_square_ok(counts, N / 256)


def test_integers_arguments_like_numpy():
    r, g = default_rng(0), np.random.default_rng(0)
    for args, kwargs in [((5,), {}), ((2, 9), {"size": (3, 4)}), ((0, [3, 5, 9]), {}),
                         (([0, 10], 20), {"size": (4, 2)}), ((3,), {"size": 0})]:
        ours, theirs = r.integers(*args, **kwargs), g.integers(*args, **kwargs)
        assert np.shape(ours) == np.shape(theirs) and np.asarray(ours).dtype == np.asarray(theirs).dtype
    x = np.asarray(r.integers(0, [3, 5, 9], size=(1000, 3)))
    assert np.all(x < [3, 5, 9]) and np.all(x >= 0)
    for bad in [(5, 3), (0, 0), (0, 300, None, np.uint8), (-1, 3, None, np.uint8)]:
        with pytest.raises(ValueError) as ours:
            r.integers(*bad)
        with pytest.raises(ValueError):
            g.integers(*bad)
        assert str(ours.value)
    with pytest.raises(TypeError):
        r.integers(0, 5, dtype=np.float64)


@pytest.mark.parametrize("call", [
    lambda r: r.random(), lambda r: r.random(3), lambda r: r.random((2, 0, 3)),
    lambda r: r.standard_normal((4, 1)), lambda r: r.normal([0.0, 1.0], 2.0),
    lambda r: r.normal(0.0, [[1.0], [2.0]], size=(2, 3)), lambda r: r.uniform(0, [1, 2, 3]),
    lambda r: r.exponential([1.0, 2.0]), lambda r: r.poisson(3.0, 5),
    lambda r: r.poisson([1.0, 2.0]), lambda r: r.binomial(10, 0.5, (2, 2)),
    lambda r: r.standard_cauchy(), lambda r: r.random(dtype=np.float32),
])
def test_shapes_and_dtypes_are_numpys(call):
    ours, theirs = call(default_rng(1)), call(np.random.default_rng(1))
    assert np.shape(ours) == np.shape(theirs)
    assert np.asarray(ours).dtype == np.asarray(theirs).dtype
    assert isinstance(ours, type(theirs)) or isinstance(ours, lnp.ndarray)


@pytest.mark.parametrize("call,error", [
    (lambda r: r.normal(0, -1), ValueError), (lambda r: r.exponential(-2.0), ValueError),
    (lambda r: r.random(-1), ValueError), (lambda r: r.random(dtype=np.int64), TypeError),
    (lambda r: r.choice(5, 6, replace=False), ValueError),
    (lambda r: r.choice([1, 2], p=[0.5, 0.6]), ValueError),
    (lambda r: r.choice(0, 3), ValueError), (lambda r: r.pareto(0.0), ValueError),
])
def test_bad_parameters_raise_numpys_exceptions(call, error):
    with pytest.raises(error):
        call(np.random.default_rng(0))
    with pytest.raises(error):
        call(default_rng(0))


def test_poisson_and_binomial_depend_on_the_seed_alone():
    a = np.asarray(default_rng(9).poisson(4.0, N))
    assert a.dtype == np.int64 and abs(a.mean() - 4.0) < 0.05 and abs(a.var() - 4.0) < 0.1
    np.testing.assert_array_equal(a, np.asarray(default_rng(9).poisson(4.0, N)))
    b = np.asarray(default_rng(9).binomial(20, 0.25, N))
    assert abs(b.mean() - 5.0) < 0.05 and abs(b.var() - 3.75) < 0.1


def test_choice_permutation_and_shuffle():
    r = default_rng(21)
    p = np.asarray(r.permutation(1000))
    assert sorted(p.tolist()) == list(range(1000)) and not np.array_equal(p, np.arange(1000))
    x = lnp.arange(12.0).reshape(4, 3)
    px = np.asarray(r.permutation(x))
    assert sorted(px[:, 0].tolist()) == [0, 3, 6, 9] and np.all(px[:, 1] == px[:, 0] + 1)
    pc = np.asarray(r.permutation(x, axis=1))
    assert np.all(np.sort(pc, axis=1) == np.arange(12.0).reshape(4, 3))
    r.shuffle(x)
    xs = np.asarray(x)
    assert sorted(xs[:, 0].tolist()) == [0, 3, 6, 9] and np.all(xs[:, 2] == xs[:, 0] + 2)
    y = np.arange(10)
    r.shuffle(y)
    assert sorted(y.tolist()) == list(range(10))
    # Uniform choice with replacement: every value about equally often.
    c = np.asarray(r.choice(7, size=N))
    assert chi_square_ok(np.bincount(c, minlength=7), N / 7)
    # Weighted choice: frequencies follow p (with and without replacement).
    w = np.asarray(r.choice(["a", "b", "c"], size=N, p=[0.2, 0.3, 0.5]))
    freq = [np.mean(w == s) for s in "abc"]
    np.testing.assert_allclose(freq, [0.2, 0.3, 0.5], atol=0.01)
    k = np.asarray(r.choice(100, size=30, replace=False))
    assert len(set(k.tolist())) == 30
    kw = np.asarray(r.choice(5, size=3, replace=False, p=[0.0, 0.25, 0.25, 0.25, 0.25]))
    assert 0 not in kw.tolist() and len(set(kw.tolist())) == 3
    rows = np.asarray(r.choice(lnp.arange(20).reshape(10, 2), 4))
    assert rows.shape == (4, 2) and np.all(rows[:, 1] == rows[:, 0] + 1)
    assert r.choice(5) in range(5)


def test_legacy_functions_on_the_global_generator():
    lnp.random.seed(123)
    a = [np.asarray(lnp.random.rand(3, 2)), np.asarray(lnp.random.randn(4)),
         np.asarray(lnp.random.randint(0, 10, size=5)), np.asarray(lnp.random.random_sample(2)),
         np.asarray(lnp.random.uniform(1, 2, 3)), np.asarray(lnp.random.normal(0, 1, 2))]
    lnp.random.seed(123)
    b = [np.asarray(lnp.random.rand(3, 2)), np.asarray(lnp.random.randn(4)),
         np.asarray(lnp.random.randint(0, 10, size=5)), np.asarray(lnp.random.random_sample(2)),
         np.asarray(lnp.random.uniform(1, 2, 3)), np.asarray(lnp.random.normal(0, 1, 2))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert a[0].shape == (3, 2) and a[2].dtype == np.int64
    assert isinstance(lnp.random.rand(), float) and isinstance(lnp.random.randn(), float)
    rs = lnp.random.RandomState(5)
    assert np.asarray(rs.randint(3, size=100)).max() < 3
    assert np.asarray(rs.lognormal(size=10)).min() > 0


def test_samples_fuse_into_their_consumers():
    # Monte Carlo pi: two samples, the arithmetic and the mean in one lazy expression,
    # one loop kernel that reads no array (the counters are its loop index).
    r = default_rng(2024)
    u, v = r.random(1_000_000), r.random(1_000_000)
    inside = ((u * u + v * v) < 1.0).mean()
    text = str(lazyfuse.explain(inside))
    kernel = text[text.index("kernel 0:"):text.index("kernel 1:")]
    assert kernel.count("philox") == 2 and "inner [1000000]" in kernel and "kernel 2:" not in text
    assert abs(4 * float(inside) - math.pi) < 0.01


def test_numpy_samplers_cover_the_rest_of_generator():
    # Every NumPy Generator method exists; the ones without a lazy sampler draw with
    # NumPy's own on a stream keyed by the generator: the right distribution, the same
    # values for the same seed, fresh values on each call.
    names = [m for m in dir(np.random.default_rng(0)) if not m.startswith("_")]
    g = lnp.random.default_rng(3)
    assert [m for m in names if not hasattr(g, m)] == []
    x = np.asarray(g.gamma(2.0, 1.5, 200_000))
    assert abs(x.mean() - 3.0) < 0.03 and abs(x.var() - 4.5) < 0.1
    b = np.asarray(g.beta(2.0, 3.0, 200_000))
    assert abs(b.mean() - 0.4) < 0.005 and b.min() >= 0 and b.max() <= 1
    mvn = np.asarray(g.multivariate_normal([0.0, 1.0], [[1.0, 0.5], [0.5, 2.0]], 200_000))
    assert np.allclose(np.cov(mvn.T), [[1.0, 0.5], [0.5, 2.0]], atol=0.03)
    assert isinstance(g.standard_t(5), float) and isinstance(g.bytes(4), bytes)
    assert sorted(np.asarray(g.permuted(lnp.arange(10))).tolist()) == list(range(10))
    first, second = g.gamma(2.0, size=4), g.gamma(2.0, size=4)
    assert not np.array_equal(np.asarray(first), np.asarray(second))
    same = [np.asarray(lnp.random.default_rng(9).dirichlet([1, 2, 3], 2)) for _ in range(2)]
    assert np.array_equal(*same) and np.allclose(same[0].sum(axis=1), 1.0)
    out = lnp.zeros(5)
    assert g.standard_gamma(2.0, size=5, out=out) is out and np.all(np.asarray(out) > 0)
