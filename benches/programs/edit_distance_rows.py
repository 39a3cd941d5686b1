"""Levenshtein distances of one string to many, a row of the DP table at a time
(vectorised over the batch)."""
import numpy as np

SIZES = {"small": dict(batch=16, n=12), "large": dict(batch=1_000_000, n=10)}


def setup(batch, n):
    rng = np.random.default_rng(11)
    return rng.integers(0, 4, n), rng.integers(0, 4, (batch, n))


def kernel(query, words):
    batch, n = words.shape
    prev = np.tile(np.arange(n + 1), (batch, 1))
    for i in range(1, query.shape[0] + 1):
        cur = np.empty_like(prev)
        cur[:, 0] = i
        for j in range(1, n + 1):
            cost = (words[:, j - 1] != query[i - 1]).astype(np.int64)
            cur[:, j] = np.minimum(np.minimum(prev[:, j] + 1, cur[:, j - 1] + 1),
                                   prev[:, j - 1] + cost)
        prev = cur
    return prev[:, n]
