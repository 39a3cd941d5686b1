"""Weighted histogram with np.bincount and a per-bin mean, as analysis code writes it."""
import numpy as np

SIZES = {"small": dict(n=1000, bins=10), "large": dict(n=10_000_000, bins=100)}


def setup(n, bins):
    rng = np.random.default_rng(26)
    return rng.integers(0, bins, n), rng.random(n), bins


def kernel(label, weight, bins):
    sums = np.bincount(label, weights=weight * 2.0 + 1.0, minlength=bins)
    counts = np.bincount(label, minlength=bins)
    return sums / np.maximum(counts, 1)
