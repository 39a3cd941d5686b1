"""Numerically stable softmax over rows, and the cross-entropy of given labels."""
import numpy as np

SIZES = {"small": dict(n=32, k=10), "large": dict(n=1_000_000, k=10)}


def setup(n, k):
    rng = np.random.default_rng(29)
    return rng.normal(0.0, 3.0, (n, k)), rng.integers(0, k, n)


def kernel(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=1, keepdims=True)
    onehot = labels[:, None] == np.arange(logits.shape[1])[None, :]
    loss = -(np.log(p) * onehot).sum(axis=1).mean()
    return p, loss
