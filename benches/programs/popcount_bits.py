"""Population count of 32-bit words with the classic shift-and-mask reduction."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    rng = np.random.default_rng(27)
    return (rng.integers(0, 2**31 - 1, n).astype(np.int32),)


def kernel(x):
    v = x - ((x >> 1) & 0x55555555)
    v = (v & 0x33333333) + ((v >> 2) & 0x33333333)
    v = (v + (v >> 4)) & 0x0F0F0F0F
    v = (v * 0x01010101) >> 24
    v &= 0xFF
    return v, v.sum()
