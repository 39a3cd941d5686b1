"""K-means: assign points to the nearest centroid, recompute centroids with masks."""
import numpy as np

SIZES = {"small": dict(n=200, k=4, iters=5), "large": dict(n=2_000_000, k=4, iters=2)}


def setup(n, k, iters):
    rng = np.random.default_rng(19)
    return rng.random((n, 2)), rng.random((k, 2)), iters


def kernel(x, centroids, iters):
    for _ in range(iters):
        d2 = ((x[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        label = d2.argmin(axis=1)
        for c in range(centroids.shape[0]):
            members = label == c
            count = members.sum()
            if count > 0:
                centroids[c] = (x * members[:, None]).sum(axis=0) / count
    return label
