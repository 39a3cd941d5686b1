"""Dominant eigenvalue by power iteration: matrix-vector products, in-place normalisation."""
import numpy as np

SIZES = {"small": dict(n=64, iters=30), "large": dict(n=3200, iters=5)}


def setup(n, iters):
    rng = np.random.default_rng(7)
    a = rng.random((n, n))
    return a + a.T, iters


def kernel(a, iters):
    v = np.ones(a.shape[0])
    lam = 0.0
    for _ in range(iters):
        w = a @ v
        lam = float(np.dot(v, w) / np.dot(v, v))
        v = w
        v /= np.sqrt(np.dot(v, v))
    return lam, v
