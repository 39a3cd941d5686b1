"""Polynomial evaluation by Horner's rule and its derivative, at many points."""
import numpy as np

SIZES = {"small": dict(n=1000, deg=8), "large": dict(n=10_000_000, deg=8)}


def setup(n, deg):
    rng = np.random.default_rng(33)
    return np.linspace(-1.0, 1.0, n), rng.normal(0.0, 1.0, deg + 1)


def kernel(x, coeffs):
    p = np.full_like(x, coeffs[0])
    dp = np.zeros_like(x)
    for c in coeffs[1:]:
        dp = dp * x + p
        p = p * x + c
    return p, dp
