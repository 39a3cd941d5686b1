"""Rank-1 updates A += x y^T by broadcasting, then row normalisation in place."""
import numpy as np

SIZES = {"small": dict(n=64, reps=20), "large": dict(n=3200, reps=2)}


def setup(n, reps):
    rng = np.random.default_rng(5)
    return rng.random((n, n)), rng.random(n), rng.random(n), reps


def kernel(a, x, y, reps):
    for k in range(reps):
        a += x[:, None] * y[None, :]
        a /= a.sum(axis=1, keepdims=True)
        x[k % x.shape[0]] = 1.0
    return a
