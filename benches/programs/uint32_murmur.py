"""The 32-bit MurmurHash3 finaliser over unsigned keys (wrapping uint32 multiplies and
logical shifts), then how many hashes fall in the lower half of the range."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    return (np.arange(n, dtype=np.uint32) * np.uint32(2654435761),)


def kernel(keys):
    h = keys.copy()
    h ^= h >> 16
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> 13
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> 16
    return h, (h < np.uint32(1 << 31)).sum()
