"""Conjugate gradient on a 1-D Poisson matrix applied matrix-free by slicing."""
import numpy as np

SIZES = {"small": dict(n=200, iters=30), "large": dict(n=10_000_000, iters=3)}


def setup(n, iters):
    return np.ones(n), iters


def apply_a(p):
    out = 2.0 * p
    out[1:] -= p[:-1]
    out[:-1] -= p[1:]
    return out


def kernel(b, iters):
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rs = np.dot(r, r)
    for _ in range(iters):
        ap = apply_a(p)
        alpha = rs / np.dot(p, ap)
        x += alpha * p
        r -= alpha * ap
        rs_new = np.dot(r, r)
        p *= rs_new / rs
        p += r
        rs = rs_new
    return x, float(np.sqrt(rs))
