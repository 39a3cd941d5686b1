"""Moving averages of a time series: by cumulative sum and by a sum of shifted slices."""
import numpy as np

SIZES = {"small": dict(n=500, w=8), "large": dict(n=10_000_000, w=8)}


def setup(n, w):
    rng = np.random.default_rng(31)
    return rng.random(n).cumsum(), w


def kernel(x, w):
    c = np.cumsum(x)
    by_cumsum = (c[w:] - c[:-w]) / w
    acc = np.zeros(x.shape[0] - w + 1)
    for k in range(w):
        acc += x[k:x.shape[0] - w + 1 + k]
    by_slices = acc / w
    return by_cumsum, by_slices
