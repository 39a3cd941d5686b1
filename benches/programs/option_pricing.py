"""Monte Carlo price of a European call under geometric Brownian motion."""
import numpy as np

SIZES = {"small": dict(n=1000), "large": dict(n=10_000_000)}


def setup(n):
    rng = np.random.default_rng(22)
    return (rng.standard_normal(n),)


def kernel(z):
    s0, strike, r, sigma, t = 100.0, 105.0, 0.03, 0.2, 1.0
    st = s0 * np.exp((r - 0.5 * sigma ** 2) * t + sigma * np.sqrt(t) * z)
    payoff = np.maximum(st - strike, 0.0)
    price = np.exp(-r * t) * payoff.mean()
    in_money = (payoff > 0).mean()
    return price, in_money
