"""`make demo`: what a NumPy user sees. The same NumPy code, with one import changed,
runs as fused kernels compiled for this CPU; results are checked against NumPy and
timed side by side (medians of several calls, after a first call that compiles).
"""

import statistics
import time

import numpy

import lazyfuse
import lazyfuse.numpy as lnp


def softmax(np, x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def fused(np, a, b, c):
    return np.sqrt(a * a + b * b) * np.tanh(c) + 0.5 * np.exp(-a)


def median_ms(f, calls=7):
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def show(name, numpy_fn, lazy_fn):
    first = time.perf_counter()
    got = lazy_fn()
    first = (time.perf_counter() - first) * 1e3
    want = numpy_fn()
    # Equal up to rounding (both libraries round transcendental functions slightly
    # differently; terms that cancel leave differences of a few ulp of the terms).
    numpy.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14 * numpy.abs(want).max())
    ours, theirs = median_ms(lazy_fn), median_ms(numpy_fn)
    print(f"{name}: lazyfuse {ours:.1f} ms (first call {first:.0f} ms, compiling included), "
          f"NumPy {theirs:.1f} ms: {theirs / ours:.1f}x faster; results equal to NumPy's")


def main():
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((4000, 2500))
    a, b, c = (rng.standard_normal(4_000_000) for _ in range(3))

    print("Row softmax of a 4000x2500 float64 matrix, written as NumPy code:\n")
    print(lazyfuse.explain(softmax(lnp, lnp.asarray(x))))
    print()
    show("softmax", lambda: softmax(numpy, x),
         lambda: numpy.asarray(softmax(lnp, lnp.asarray(x))))

    print("\nsqrt(a*a + b*b) * tanh(c) + 0.5 * exp(-a) on 4M float64 each:\n")
    explanation = lazyfuse.explain(fused(lnp, lnp.asarray(a), lnp.asarray(b), lnp.asarray(c)))
    print(f"{len(explanation.kernels)} kernel after optimisation:")
    print(explanation.kernels[0])
    show("fused expression", lambda: fused(numpy, a, b, c),
         lambda: numpy.asarray(fused(lnp, lnp.asarray(a), lnp.asarray(b), lnp.asarray(c))))

    jitted = lazyfuse.jit(lambda a, b, c: fused(lnp, a, b, c))
    show("the same, jitted", lambda: fused(numpy, a, b, c), lambda: jitted(a, b, c))
    print(f"\nkernel cache: {lazyfuse.cache_info()}")


if __name__ == "__main__":
    main()
