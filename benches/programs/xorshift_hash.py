"""An integer mixing hash (xorshift-multiply) of 64-bit keys, then bucket counts."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    return (np.arange(n, dtype=np.int64) * 2654435761,)


def kernel(keys):
    h = keys.copy()
    h ^= h >> 33
    h *= 0x62A9D9ED799705F5 - (1 << 64) if 0x62A9D9ED799705F5 >= 1 << 63 else 0x62A9D9ED799705F5
    h ^= h >> 28
    h *= 0x1B873593
    h ^= h >> 31
    bucket = h & 1023
    return h, (bucket < 512).sum()
