"""3-D diffusion with a seven-point stencil and a no-flux boundary copy."""
import numpy as np

SIZES = {"small": dict(n=16, steps=10), "large": dict(n=220, steps=2)}


def setup(n, steps):
    u = np.zeros((n, n, n))
    u[n // 2, n // 2, n // 2] = 1000.0
    return u, steps


def kernel(u, steps):
    k = 0.1
    for _ in range(steps):
        c = u[1:-1, 1:-1, 1:-1]
        lap = (u[:-2, 1:-1, 1:-1] + u[2:, 1:-1, 1:-1] + u[1:-1, :-2, 1:-1]
               + u[1:-1, 2:, 1:-1] + u[1:-1, 1:-1, :-2] + u[1:-1, 1:-1, 2:] - 6.0 * c)
        c += k * lap
        u[0] = u[1]
        u[-1] = u[-2]
    return u.sum(), u.max()
