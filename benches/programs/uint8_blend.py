"""Alpha blending of two 8-bit RGB images in integer arithmetic, luma, and a
highlight mask written back into the first image."""
import numpy as np

SIZES = {"small": dict(n=32), "large": dict(n=2000)}


def setup(n):
    rng = np.random.default_rng(21)
    a = rng.integers(0, 256, (n, n, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (n, n, 3), dtype=np.uint8)
    return a, b


def kernel(a, b):
    alpha = 180
    mixed = ((a.astype(np.uint16) * alpha + b.astype(np.uint16) * (256 - alpha)) >> 8)
    mixed = mixed.astype(np.uint8)
    wide = mixed.astype(np.uint32)
    luma = (wide[..., 0] * 77 + wide[..., 1] * 150 + wide[..., 2] * 29) >> 8
    bright = luma > 200
    a[..., 0] = np.where(bright, 255, a[..., 0])
    return mixed, luma.astype(np.uint8), bright.sum()
