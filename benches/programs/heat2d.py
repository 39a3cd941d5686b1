"""Heat equation on a square plate: explicit Euler, five-point Laplacian, in place."""
import numpy as np

SIZES = {"small": dict(n=64, steps=50), "large": dict(n=3200, steps=4)}


def setup(n, steps):
    u = np.zeros((n, n))
    u[n // 4:n // 2, n // 4:n // 2] = 100.0
    return u, steps


def kernel(u, steps):
    alpha = 0.2
    for _ in range(steps):
        lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * u[1:-1, 1:-1]
        u[1:-1, 1:-1] += alpha * lap
    return u.sum()
