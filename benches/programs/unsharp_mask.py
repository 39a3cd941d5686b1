"""Unsharp masking: blur by a separable [1 2 1] filter, add back the detail, clip."""
import numpy as np

SIZES = {"small": dict(n=64), "large": dict(n=3200)}


def setup(n):
    rng = np.random.default_rng(16)
    return (rng.random((n, n)),)


def kernel(img):
    tmp = img.copy()
    tmp[:, 1:-1] = 0.25 * img[:, :-2] + 0.5 * img[:, 1:-1] + 0.25 * img[:, 2:]
    blur = tmp.copy()
    blur[1:-1, :] = 0.25 * tmp[:-2, :] + 0.5 * tmp[1:-1, :] + 0.25 * tmp[2:, :]
    sharp = img + 1.5 * (img - blur)
    return np.clip(sharp, 0.0, 1.0)
