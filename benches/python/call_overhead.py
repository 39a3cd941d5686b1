"""The per-call cost of a jitted function on small arrays (issue 17's 1 µs goal):
``lazyfuse.jit(lambda a, b, c: a * b + c)`` on 1,000 float64 against NumPy's eager
``a * b + c``, in one run, blocks of calls interleaved.

    python benches/python/call_overhead.py [--calls N] [--blocks K]

Prints each library's median time per call over the blocks and the ratio.
"""

import argparse
import statistics
import time

import numpy

import lazyfuse


def per_call(f, calls):
    start = time.perf_counter()
    for _ in range(calls):
        f()
    return (time.perf_counter() - start) / calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--blocks", type=int, default=7)
    args = parser.parse_args()
    a, b, c = (numpy.random.default_rng(k).standard_normal(1000) for k in range(3))
    jitted = lazyfuse.jit(lambda a, b, c: a * b + c)
    numpy.testing.assert_array_equal(numpy.asarray(jitted(a, b, c)), a * b + c)
    times = {"lazyfuse": [], "numpy": []}
    for _ in range(args.blocks):
        times["lazyfuse"].append(per_call(lambda: jitted(a, b, c), args.calls))
        times["numpy"].append(per_call(lambda: a * b + c, args.calls))
    lf, np_ = (statistics.median(times[k]) for k in ("lazyfuse", "numpy"))
    print(f"a * b + c on 1,000 float64: lazyfuse.jit {lf * 1e6:.3f} µs, NumPy eager "
          f"{np_ * 1e6:.3f} µs per call (lazyfuse / NumPy {lf / np_:.2f})")


if __name__ == "__main__":
    main()
