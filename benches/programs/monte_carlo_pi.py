"""Monte Carlo estimate of pi from given samples, with a boolean mask and its count."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    rng = np.random.default_rng(21)
    return rng.random(n), rng.random(n)


def kernel(x, y):
    inside = x * x + y * y <= 1.0
    estimate = 4.0 * inside.sum() / x.shape[0]
    x[~inside] = 0.0
    return estimate
