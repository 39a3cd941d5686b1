"""QR factorisation by modified Gram-Schmidt: column writes Q[:, j] and R[i, j]."""
import numpy as np

SIZES = {"small": dict(m=40, n=12), "large": dict(m=200_000, n=50)}


def setup(m, n):
    rng = np.random.default_rng(6)
    return (rng.random((m, n)),)


def kernel(a):
    m, n = a.shape
    q = a.copy()
    r = np.zeros((n, n))
    for j in range(n):
        v = q[:, j]
        for i in range(j):
            r[i, j] = np.dot(q[:, i], v)
            v -= r[i, j] * q[:, i]
        r[j, j] = np.sqrt(np.dot(v, v))
        v /= r[j, j]
    return q, r
