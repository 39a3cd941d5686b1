"""I/Q demodulation written with real arrays: mix with cos/sin, smooth, magnitude, phase."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    t = np.arange(n) / 1e4
    return t, np.cos(2 * np.pi * 1000 * t + 0.3)


def kernel(t, signal):
    w = 2 * np.pi * 1000
    i = signal * np.cos(w * t)
    q = -signal * np.sin(w * t)
    i_s = 0.5 * (i[1:] + i[:-1])
    q_s = 0.5 * (q[1:] + q[:-1])
    mag = np.sqrt(i_s * i_s + q_s * q_s)
    phase = np.arctan2(q_s, i_s)
    return mag.mean(), phase
