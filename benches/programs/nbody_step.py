"""N-body time steps: pairwise accelerations by broadcasting, velocity and position
updates in place."""
import numpy as np

SIZES = {"small": dict(n=32, steps=10), "large": dict(n=1200, steps=2)}


def setup(n, steps):
    rng = np.random.default_rng(17)
    return rng.random((n, 3)), np.zeros((n, 3)), rng.random(n) + 0.5, steps


def kernel(pos, vel, mass, steps):
    dt, soft = 0.01, 0.05
    for _ in range(steps):
        d = pos[None, :, :] - pos[:, None, :]
        r2 = (d * d).sum(axis=2) + soft * soft
        inv3 = r2 ** -1.5
        acc = (d * (mass[None, :] * inv3)[:, :, None]).sum(axis=1)
        vel += dt * acc
        pos += dt * vel
    kinetic = 0.5 * (mass * (vel * vel).sum(axis=1)).sum()
    return kinetic
