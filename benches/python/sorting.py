"""Sorting 10M elements: lazyfuse's sort kernel (the IR's radix sort, as a traced
function computes it) against NumPy's sort and stable argsort, in one run.

    python benches/python/sorting.py [--n N] [--reps K]

Values that can be read are sorted by NumPy at once (its SIMD sort is faster); this
measures the kernel that runs inside jit, grad and vmap, and argsort everywhere.
"""

import argparse
import statistics
import time

import numpy

import lazyfuse
import lazyfuse.numpy as lnp


def median_ms(f, reps):
    f()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    rng = numpy.random.default_rng(0)
    floats = rng.standard_normal(args.n)
    ints = rng.integers(0, 1 << 40, args.n)
    sort, argsort = lazyfuse.jit(lnp.sort), lazyfuse.jit(lnp.argsort)
    for name, x in (("float64", floats), ("int64", ints)):
        numpy.testing.assert_array_equal(numpy.asarray(sort(x)), numpy.sort(x))
        print(f"sort {name} {args.n:,}: lazyfuse {median_ms(lambda: sort(x), args.reps):.0f} ms, "
              f"NumPy {median_ms(lambda: numpy.sort(x), args.reps):.0f} ms")
    order = numpy.asarray(argsort(floats))
    numpy.testing.assert_array_equal(order, numpy.argsort(floats, kind="stable"))
    print(f"argsort float64 {args.n:,}: lazyfuse "
          f"{median_ms(lambda: argsort(floats), args.reps):.0f} ms, NumPy stable "
          f"{median_ms(lambda: numpy.argsort(floats, kind='stable'), args.reps):.0f} ms")


if __name__ == "__main__":
    main()
