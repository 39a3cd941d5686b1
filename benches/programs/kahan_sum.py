"""Compensated (Kahan) summation across the rows of a matrix, row by row."""
import numpy as np

SIZES = {"small": dict(n=64, m=16), "large": dict(n=200, m=50_000)}


def setup(n, m):
    rng = np.random.default_rng(32)
    return (rng.random((n, m)) * 1e-3 + 1.0,)


def kernel(x):
    total = np.zeros(x.shape[1])
    comp = np.zeros(x.shape[1])
    for i in range(x.shape[0]):
        y = x[i] - comp
        t = total + y
        comp[:] = (t - total) - y
        total[:] = t
    return total
