"""Complex baseband mixing and a moving-average low-pass of the I/Q signal."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    t = np.arange(n) / 1e4
    return (np.cos(2 * np.pi * 1200 * t) + 0.1 * np.sin(2 * np.pi * 50 * t),)


def kernel(signal):
    t = np.arange(signal.shape[0]) / 1e4
    lo = np.exp(-2j * np.pi * 1200 * t)
    iq = signal * lo
    power = (iq * np.conj(iq)).real
    return iq, power.mean()
