"""Random walks: positions by cumulative sums of given steps, first passage by masks."""
import numpy as np

SIZES = {"small": dict(walkers=16, steps=64), "large": dict(walkers=100_000, steps=100)}


def setup(walkers, steps):
    rng = np.random.default_rng(24)
    return (rng.choice(np.array([-1, 1]), size=(walkers, steps)),)


def kernel(steps):
    pos = np.cumsum(steps, axis=1)
    crossed = np.abs(pos) >= 10
    ever = crossed.any(axis=1)
    final = pos[:, -1]
    return ever.mean(), (final * final).mean(), pos.max()
