"""Viscous Burgers' equation: nonlinear advection plus diffusion, explicit in time."""
import numpy as np

SIZES = {"small": dict(n=256, steps=100), "large": dict(n=10_000_000, steps=3)}


def setup(n, steps):
    x = np.linspace(0.0, 2.0 * np.pi, n)
    return np.sin(x) + 1.5, steps


def kernel(u, steps):
    dt, dx, nu = 1e-4, 2.0 * np.pi / u.shape[0], 0.07
    for _ in range(steps):
        un = u.copy()
        u[1:-1] = (un[1:-1] - un[1:-1] * dt / dx * (un[1:-1] - un[:-2])
                   + nu * dt / dx ** 2 * (un[2:] - 2.0 * un[1:-1] + un[:-2]))
    return u
