"""Sobel gradient magnitude and an edge mask with a threshold."""
import numpy as np

SIZES = {"small": dict(n=64), "large": dict(n=3200)}


def setup(n):
    y, x = np.mgrid[0:n, 0:n] / n
    return (np.sin(8 * x) * np.cos(6 * y) + (x > 0.5),)


def kernel(img):
    gx = (img[:-2, 2:] + 2.0 * img[1:-1, 2:] + img[2:, 2:]
          - img[:-2, :-2] - 2.0 * img[1:-1, :-2] - img[2:, :-2])
    gy = (img[2:, :-2] + 2.0 * img[2:, 1:-1] + img[2:, 2:]
          - img[:-2, :-2] - 2.0 * img[:-2, 1:-1] - img[:-2, 2:])
    mag = np.sqrt(gx * gx + gy * gy)
    edges = mag > 0.5 * mag.max()
    return mag, edges, edges.sum()
