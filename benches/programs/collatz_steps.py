"""Collatz stopping times for a range of integers, vectorised with a live mask."""
import numpy as np

SIZES = {"small": dict(n=200, iters=120), "large": dict(n=2_000_000, iters=40)}


def setup(n, iters):
    return np.arange(1, n + 1, dtype=np.int64), iters


def kernel(x, iters):
    steps = np.zeros_like(x)
    v = x.copy()
    for _ in range(iters):
        live = v != 1
        odd = (v & 1) == 1
        v = np.where(live, np.where(odd, 3 * v + 1, v // 2), v)
        steps += live
    return steps
