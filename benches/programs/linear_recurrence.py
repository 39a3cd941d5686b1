"""A first-order linear recurrence a[i] = r a[i-1] + x[i], as an element loop."""
import numpy as np

SIZES = {"small": dict(n=500), "large": dict(n=100_000)}


def setup(n):
    rng = np.random.default_rng(9)
    return rng.random(n), np.zeros(n)


def kernel(x, a):
    r = 0.9
    a[0] = x[0]
    for i in range(1, x.shape[0]):
        a[i] = r * a[i - 1] + x[i]
    return a[-1]
