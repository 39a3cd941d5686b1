"""All-pairs shortest paths (Floyd-Warshall), one relaxation per intermediate vertex."""
import numpy as np

SIZES = {"small": dict(n=32), "large": dict(n=600)}


def setup(n):
    rng = np.random.default_rng(12)
    d = rng.random((n, n)) * 10.0
    d[rng.random((n, n)) < 0.5] = np.inf
    np.fill_diagonal(d, 0.0)
    return (d,)


def kernel(d):
    for k in range(d.shape[0]):
        d[...] = np.minimum(d, d[:, k, None] + d[None, k, :])
    return d
