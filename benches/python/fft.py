"""FFTs by lazyfuse and NumPy side by side (medians of 7 calls each, interleaved; the
operands are in memory, results evaluated with np.asarray). Run:
`python benches/python/fft.py`."""

import time

import numpy as np

import lazyfuse.numpy as lnp


def median_ms(f, calls=7):
    f()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def main():
    rng = np.random.default_rng(0)
    z1 = rng.standard_normal(2**20) + 1j * rng.standard_normal(2**20)
    x1 = rng.standard_normal(2**20)
    x2 = rng.standard_normal((2000, 2000))
    x3 = rng.standard_normal((1000, 1000))
    s2 = np.fft.rfft(x2)
    xp = rng.standard_normal(1_000_003)
    f32 = rng.standard_normal((2000, 2048)).astype(np.float32)
    cases = [
        ("fft, 2^20 complex128", "fft", z1, {}),
        ("rfft, 2^20 float64", "rfft", x1, {}),
        ("rfft of rows, 2000 x 2000", "rfft", x2, {}),
        ("irfft of rows, 2000 x 1001", "irfft", s2, {}),
        ("fft along axis 0, 2000 x 2000", "fft", x2, {"axis": 0}),
        ("fft2, 1000 x 1000 float64", "fft2", x3, {}),
        ("rfft of rows, float32 2000 x 2048", "rfft", f32, {}),
        ("fft, prime length 1,000,003", "fft", xp, {}),
    ]
    print(f"{'transform':36s} {'lazyfuse ms':>12s} {'NumPy ms':>10s} {'speed-up':>9s}")
    for name, function, x, kw in cases:
        lazy_x = lnp.asarray(x)
        ours = median_ms(lambda: np.asarray(getattr(lnp.fft, function)(lazy_x, **kw)))
        theirs = median_ms(lambda: getattr(np.fft, function)(x, **kw))
        print(f"{name:36s} {ours:12.2f} {theirs:10.2f} {theirs / ours:8.2f}x")


if __name__ == "__main__":
    main()
