"""A Gaussian (RBF) kernel matrix and its row sums, from squared norms and a product."""
import numpy as np

SIZES = {"small": dict(n=64, d=8), "large": dict(n=3200, d=16)}


def setup(n, d):
    rng = np.random.default_rng(20)
    return (rng.random((n, d)),)


def kernel(x):
    gamma = 0.5
    sq = (x * x).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    np.maximum(d2, 0.0, out=d2)
    k = np.exp(-gamma * d2)
    return k, k.sum(axis=1)
