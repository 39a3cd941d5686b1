"""A [1, 2, 1] / 4 smoothing of a float16 signal (storage halved, as on accelerators),
with its mean energy accumulated in float32."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    rng = np.random.default_rng(8)
    return (rng.standard_normal(n).astype(np.float16),)


def kernel(x):
    y = (x[:-2] + np.float16(2) * x[1:-1] + x[2:]) * np.float16(0.25)
    energy = (y.astype(np.float32) ** 2).mean()
    return y, energy
