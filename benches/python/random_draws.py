"""Random draws side by side: lazyfuse.numpy.random (the philox op inside kernels) and
NumPy's default_rng, each draw materialised (10M values), and Monte Carlo pi over two
samples of 20M, where lazyfuse's samples fuse into the reduction. Medians of several
calls, the two libraries alternating; the streams differ (different generators), so
the check is on the statistics (mean and standard deviation), not the values.

    python benches/python/random_draws.py
"""

import statistics
import time

import numpy

import lazyfuse.numpy as lnp

N = 10_000_000
CASES = {
    "random": lambda r: r.random(N),
    "random float32": lambda r: r.random(N, dtype=numpy.float32),
    "standard_normal": lambda r: r.standard_normal(N),
    "integers(0, 100)": lambda r: r.integers(0, 100, N),
    "exponential(2)": lambda r: r.exponential(2.0, N),
}


def pi(r, n=20_000_000):
    u, v = r.random(n), r.random(n)
    return float(4 * ((u * u + v * v) < 1).mean())


def median_ms(fn, calls=5):
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def main():
    ours, theirs = lnp.random.default_rng(1), numpy.random.default_rng(1)
    print(f"| draw | lazyfuse ms | NumPy ms | NumPy / lazyfuse |\n|---|---|---|---|")
    for name, draw in CASES.items():
        a, b = numpy.asarray(draw(ours)), draw(theirs)  # first call compiles
        assert abs(a.mean() - b.mean()) < 0.01 * max(1.0, abs(b.mean()))
        assert abs(a.std() - b.std()) < 0.01 * max(1.0, b.std())
        t_ours, t_theirs = [], []
        for _ in range(3):
            t_ours.append(median_ms(lambda: numpy.asarray(draw(ours))))
            t_theirs.append(median_ms(lambda: draw(theirs)))
        lf, np_ = statistics.median(t_ours), statistics.median(t_theirs)
        print(f"| {name} | {lf:.1f} | {np_:.1f} | {np_ / lf:.2f}x |")
    pi(ours)
    lf = statistics.median(median_ms(lambda: pi(ours)) for _ in range(3))
    np_ = statistics.median(median_ms(lambda: pi(theirs)) for _ in range(3))
    print(f"| Monte Carlo pi, 2 x 20M | {lf:.1f} | {np_:.1f} | {np_ / lf:.2f}x |")


if __name__ == "__main__":
    main()
