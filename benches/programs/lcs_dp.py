"""Longest common subsequence: dynamic programming over an integer table, element loop."""
import numpy as np

SIZES = {"small": dict(n=40), "large": dict(n=300)}


def setup(n):
    rng = np.random.default_rng(10)
    return rng.integers(0, 4, n), rng.integers(0, 4, n)


def kernel(s, t):
    n, m = s.shape[0], t.shape[0]
    table = np.zeros((n + 1, m + 1), dtype=np.int64)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if s[i - 1] == t[j - 1]:
                table[i, j] = table[i - 1, j - 1] + 1
            else:
                table[i, j] = max(table[i - 1, j], table[i, j - 1])
    return table[n, m], table
