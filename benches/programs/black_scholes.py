"""Black-Scholes call and put prices for a batch of options (erf-free: a logistic
approximation of the normal CDF, as some vectorised codes use)."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    rng = np.random.default_rng(23)
    return rng.uniform(10, 50, n), rng.uniform(10, 50, n), rng.uniform(0.1, 2.0, n)


def cdf(x):
    return 1.0 / (1.0 + np.exp(-1.702 * x))


def kernel(s, k, t):
    r, v = 0.02, 0.3
    sq = v * np.sqrt(t)
    d1 = (np.log(s / k) + (r + 0.5 * v * v) * t) / sq
    d2 = d1 - sq
    disc = k * np.exp(-r * t)
    call = s * cdf(d1) - disc * cdf(d2)
    put = call - s + disc
    return call, put
