"""A biquad IIR filter, sample by sample (element reads and writes)."""
import numpy as np

SIZES = {"small": dict(n=400), "large": dict(n=50_000)}


def setup(n):
    t = np.arange(n) / 1000.0
    return (np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 300 * t),)


def kernel(x):
    b0, b1, b2, a1, a2 = 0.2, 0.4, 0.2, -0.5, 0.3
    y = np.zeros_like(x)
    for n in range(2, x.shape[0]):
        y[n] = b0 * x[n] + b1 * x[n - 1] + b2 * x[n - 2] - a1 * y[n - 1] - a2 * y[n - 2]
    return y
