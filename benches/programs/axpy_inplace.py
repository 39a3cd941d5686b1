"""BLAS-1: repeated y += a * x on the caller's arrays, with a scaling and a dot product."""
import numpy as np

SIZES = {"small": dict(n=1000, reps=50), "large": dict(n=10_000_000, reps=3)}


def setup(n, reps):
    rng = np.random.default_rng(2)
    return rng.random(n), rng.random(n), reps


def axpy(a, x, y):
    y += a * x


def kernel(x, y, reps):
    for k in range(reps):
        axpy(0.5 / (k + 1), x, y)
        x *= 0.999
    return np.dot(x, y)
