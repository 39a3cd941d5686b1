"""The per-call cost of a jitted function on small arrays (issue 17's 1 µs goal):
``lazyfuse.jit(lambda a, b, c: a * b + c)`` on 1,000 float64 against NumPy's eager
``a * b + c``, and ``a * s + 1.0`` with a Python float ``s``, in one run, blocks of calls
interleaved.

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
    scaled = lazyfuse.jit(lambda a, s: a * s + 1.0)
    numpy.testing.assert_array_equal(numpy.asarray(jitted(a, b, c)), a * b + c)
    numpy.testing.assert_array_equal(numpy.asarray(scaled(a, 0.7)), a * 0.7 + 1.0)
    cases = {
        "a * b + c": (lambda: jitted(a, b, c), lambda: a * b + c),
        "a * s + 1.0 (Python float s)": (lambda: scaled(a, 0.7), lambda: a * 0.7 + 1.0),
    }
    for name, (lf_call, np_call) in cases.items():
        times = {"lazyfuse": [], "numpy": []}
        for _ in range(args.blocks):
            times["lazyfuse"].append(per_call(lf_call, args.calls))
            times["numpy"].append(per_call(np_call, args.calls))
        lf, np_ = (statistics.median(times[k]) for k in ("lazyfuse", "numpy"))
        print(f"{name} on 1,000 float64: lazyfuse.jit {lf * 1e6:.3f} µs, NumPy eager "
              f"{np_ * 1e6:.3f} µs per call (lazyfuse / NumPy {lf / np_:.2f})")


if __name__ == "__main__":
    main()
