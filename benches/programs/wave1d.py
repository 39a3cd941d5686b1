"""1-D wave equation, leapfrog in time with three rotating arrays."""
import numpy as np

SIZES = {"small": dict(n=256, steps=100), "large": dict(n=10_000_000, steps=3)}


def setup(n, steps):
    x = np.linspace(0.0, 1.0, n)
    u = np.exp(-200.0 * (x - 0.5) ** 2)
    return u, steps


def kernel(u, steps):
    c2 = 0.25
    prev = u.copy()
    cur = u.copy()
    nxt = np.zeros_like(u)
    for _ in range(steps):
        nxt[1:-1] = 2.0 * cur[1:-1] - prev[1:-1] + c2 * (cur[2:] - 2.0 * cur[1:-1] + cur[:-2])
        nxt[0] = 0.0
        nxt[-1] = 0.0
        prev, cur, nxt = cur, nxt, prev
    return cur
