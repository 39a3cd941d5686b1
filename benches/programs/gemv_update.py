"""BLAS-2: y <- alpha A x + beta y in place, iterated with a changing x."""
import numpy as np

SIZES = {"small": dict(n=64, reps=20), "large": dict(n=3200, reps=3)}


def setup(n, reps):
    rng = np.random.default_rng(3)
    return rng.random((n, n)) / n, rng.random(n), rng.random(n), reps


def kernel(a, x, y, reps):
    alpha, beta = 1.5, 0.5
    for _ in range(reps):
        y *= beta
        y += alpha * (a @ x)
        x[:] = y / y.max()
    return y
