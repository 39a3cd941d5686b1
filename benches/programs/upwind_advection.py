"""1-D linear advection, first-order upwind with a periodic boundary."""
import numpy as np

SIZES = {"small": dict(n=200, steps=100), "large": dict(n=10_000_000, steps=3)}


def setup(n, steps):
    x = np.linspace(0.0, 1.0, n, endpoint=False)
    q = np.where((x > 0.2) & (x < 0.4), 1.0, 0.0)
    return q, steps


def kernel(q, steps):
    cfl = 0.4
    for _ in range(steps):
        flux_in = np.concatenate((q[-1:], q[:-1]))
        q -= cfl * (q - flux_in)
    return q.max(), q.sum()
