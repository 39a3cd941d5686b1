"""Mandelbrot escape counts with real arithmetic, a live mask and integer counters."""
import numpy as np

SIZES = {"small": dict(n=48, iters=20), "large": dict(n=2000, iters=20)}


def setup(n, iters):
    y, x = np.mgrid[-1.5:1.5:n * 1j, -2.0:1.0:n * 1j]
    return x, y, iters


def kernel(cx, cy, iters):
    zx = np.zeros_like(cx)
    zy = np.zeros_like(cy)
    count = np.zeros(cx.shape, dtype=np.int64)
    for _ in range(iters):
        live = zx * zx + zy * zy <= 4.0
        zx, zy = (np.where(live, zx * zx - zy * zy + cx, zx),
                  np.where(live, 2.0 * zx * zy + cy, zy))
        count += live
    return count
