"""Euclidean distance matrix of a point cloud, and each point's nearest neighbour."""
import numpy as np

SIZES = {"small": dict(n=48, d=3), "large": dict(n=3000, d=3)}


def setup(n, d):
    rng = np.random.default_rng(18)
    return (rng.random((n, d)),)


def kernel(x):
    diff = x[:, None, :] - x[None, :, :]
    dist = np.sqrt((diff ** 2).sum(axis=-1))
    big = dist + np.eye(x.shape[0]) * 1e9
    return dist, big.min(axis=1), big.argmin(axis=1)
