"""Loops over small arrays, lazyfuse against NumPy in one run (issue 10's measures):

* dispatch: the cost of one lazy operation before evaluation (every array lazy);
* element loop: 10,000 scalar reads and writes ``a[i] = r * a[i-1] + b[i]`` on 1,000
  elements;
* stencil: a heat-equation time-stepping loop on a 64x64 grid, 10^6 array operations
  in all, with the peak memory growth of each;
* scalars: ``a * s + 1`` with a new ``s`` each call, evaluated.

    python benches/python/loops.py [--markdown BENCHMARKS.md]

Times are medians of interleaved repetitions; ratios are lazyfuse over NumPy.
"""

import argparse
import gc
import resource
import statistics
import sys
import time
import timeit

import numpy

import lazyfuse
import lazyfuse.numpy as lnp
from _markdown import replace_section


def dispatch():
    """Per-operation cost of building lazy nodes (eager limit 0: always lazy)."""
    previous = lazyfuse.set_eager_limit(0)
    try:
        a = lnp.asarray(numpy.random.rand(64, 64))
        b = lnp.asarray(numpy.random.rand(64, 64))
        p = a * 2.0
        cases = {"pending + in memory": "p + b", "pending * float": "p * 1.7",
                 "sin(pending)": "lnp.sin(p)", "slice of in-memory": "a[1:-1, 1:-1]",
                 "pending.T": "p.T", "pending.sum()": "p.sum()"}
        env = {"a": a, "b": b, "p": p, "lnp": lnp}
        return {name: min(timeit.repeat(stmt, globals=env, number=2000, repeat=9)) / 2000
                for name, stmt in cases.items()}
    finally:
        lazyfuse.set_eager_limit(previous)


def element_loop(np):
    a = np.zeros(1000)
    b = np.arange(1000.0)
    start = time.perf_counter()
    for _ in range(10):
        for i in range(1, 1000):
            a[i] = 0.5 * a[i - 1] + b[i]
    elapsed = time.perf_counter() - start
    return elapsed, numpy.asarray(a)


def heat(np, steps, n=64):
    u = np.zeros((n, n))
    u[n // 2, n // 2] = 1.0
    for _ in range(steps):
        lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * u[1:-1, 1:-1]
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + 0.1 * lap
    return u


OPS_PER_STEP = 15  # 5 slices, 6 arithmetic operations, 2 slices + 1 write in the update


def stencil(np, steps):
    gc.collect()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    u = heat(np, steps)
    elapsed = time.perf_counter() - start
    return elapsed, numpy.asarray(u), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0


def scalars(np, calls=300):
    a = np.asarray(numpy.random.default_rng(0).random(10_000))
    start = time.perf_counter()
    for i in range(calls):
        numpy.asarray(a * (1.0 + i * 1e-3) + 1.0)
    return (time.perf_counter() - start) / calls


def median_pair(f, reps):
    """Medians of f(numpy) and f(lazyfuse.numpy), interleaved."""
    times = {"numpy": [], "lazyfuse": []}
    for _ in range(reps):
        times["numpy"].append(f(numpy))
        times["lazyfuse"].append(f(lnp))
    return statistics.median(times["numpy"]), statistics.median(times["lazyfuse"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="update this file's loops section")
    parser.add_argument("--steps", type=int, default=1_000_000 // OPS_PER_STEP)
    opts = parser.parse_args()
    lines = []

    costs = dispatch()
    lines.append("Lazy dispatch (every operation lazy; µs per operation, min of 9×2000): "
                 + ", ".join(f"{k} {v * 1e6:.2f}" for k, v in costs.items()) + ".")

    tn, tl = median_pair(lambda np: element_loop(np)[0], 5)
    assert numpy.array_equal(element_loop(numpy)[1], element_loop(lnp)[1])
    lines.append(f"Element loop (10,000 reads and writes on 1,000 elements): NumPy "
                 f"{tn * 1e3:.2f} ms, lazyfuse {tl * 1e3:.2f} ms ({tl / tn:.2f}x NumPy's time).")

    steps = opts.steps
    tn, un, mn = stencil(numpy, steps)
    tl, ul, ml = stencil(lnp, steps)
    numpy.testing.assert_allclose(ul, un, rtol=1e-9, atol=1e-300)
    lines.append(f"Heat stencil, 64x64, {steps:,} steps ({steps * OPS_PER_STEP:,} array "
                 f"operations): NumPy {tn:.2f} s, lazyfuse {tl:.2f} s ({tl / tn:.2f}x NumPy's "
                 f"time); peak RSS growth NumPy {mn // 1024} MiB, lazyfuse {ml // 1024} MiB.")

    c0 = lazyfuse.cache_info()["compiles"]
    tn, tl = median_pair(scalars, 3)
    lines.append(f"`a * s + 1` on 10,000 elements with a new `s` per call, evaluated: NumPy "
                 f"{tn * 1e6:.1f} µs, lazyfuse {tl * 1e6:.1f} µs per call; "
                 f"{lazyfuse.cache_info()['compiles'] - c0} compiles for 900 distinct values.")

    text = "\n\n".join(lines)
    print(text)
    if opts.markdown:
        replace_section(opts.markdown, "loops", text,
                        "## Loops over small arrays (benches/python/loops.py)")


if __name__ == "__main__":
    sys.exit(main())
