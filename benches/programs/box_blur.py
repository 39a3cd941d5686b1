"""A 3x3 box blur of an image by summing shifted slices, repeated."""
import numpy as np

SIZES = {"small": dict(n=64, reps=5), "large": dict(n=3200, reps=2)}


def setup(n, reps):
    rng = np.random.default_rng(13)
    return rng.random((n, n)), reps


def kernel(img, reps):
    for _ in range(reps):
        out = img.copy()
        acc = np.zeros_like(img[1:-1, 1:-1])
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                acc += img[1 + di:img.shape[0] - 1 + di, 1 + dj:img.shape[1] - 1 + dj]
        out[1:-1, 1:-1] = acc / 9.0
        img = out
    return img
