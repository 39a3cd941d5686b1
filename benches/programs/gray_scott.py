"""Gray-Scott reaction-diffusion: two species, Laplacians by slicing, in-place updates."""
import numpy as np

SIZES = {"small": dict(n=64, steps=20), "large": dict(n=3200, steps=2)}


def setup(n, steps):
    u = np.ones((n, n))
    v = np.zeros((n, n))
    r = n // 8
    u[n // 2 - r:n // 2 + r, n // 2 - r:n // 2 + r] = 0.50
    v[n // 2 - r:n // 2 + r, n // 2 - r:n // 2 + r] = 0.25
    return u, v, steps


def laplacian(z):
    return z[:-2, 1:-1] + z[2:, 1:-1] + z[1:-1, :-2] + z[1:-1, 2:] - 4.0 * z[1:-1, 1:-1]


def kernel(u, v, steps):
    du, dv, f, k = 0.16, 0.08, 0.035, 0.065
    for _ in range(steps):
        uc = u[1:-1, 1:-1]
        vc = v[1:-1, 1:-1]
        uvv = uc * vc * vc
        lu = laplacian(u)
        lv = laplacian(v)
        uc += du * lu - uvv + f * (1.0 - uc)
        vc += dv * lv + uvv - (f + k) * vc
    return u.mean(), v.mean()
