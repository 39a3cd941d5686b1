"""The narrow dtypes against NumPy in one run: an elementwise expression and a whole-array
sum over 10^7 elements of uint8, int16, float16 and float32 (medians of 7 calls after a
warm-up; the ratio is NumPy's time over lazyfuse's, above 1 when lazyfuse is faster).

    python benches/python/dtypes.py

Integers: ``(x + y) // 2 + (x > y)``; floats: ``x * y + x * 0.5``. NumPy computes
float16 one element at a time in float32; lazyfuse in float32 vectors, rounding each
result to half as NumPy does.
"""

import statistics
import time

import numpy as np

import lazyfuse.numpy as lnp

N = 10_000_000


def median_time(f, repeats=7):
    f()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def integer_expr(x, y):
    return (x + y) // 2 + (x > y)


def float_expr(x, y):
    return x * y + x * 0.5


def main():
    rng = np.random.default_rng(0)
    print("| dtype | expression: NumPy ms | lazyfuse ms | ratio | sum: NumPy ms | lazyfuse ms | ratio |")
    print("|---|---|---|---|---|---|---|")
    for dtype in ["uint8", "int16", "float16", "float32"]:
        if dtype.startswith("float"):
            a, b, expr = rng.random(N).astype(dtype), rng.random(N).astype(dtype), float_expr
        else:
            a = rng.integers(0, 100, N).astype(dtype)
            b = rng.integers(0, 100, N).astype(dtype)
            expr = integer_expr
        la, lb = lnp.asarray(a), lnp.asarray(b)
        want, got = expr(a, b), np.asarray(expr(la, lb))
        assert want.dtype == got.dtype and np.array_equal(want, got), dtype
        t_np = median_time(lambda: expr(a, b))
        t_lf = median_time(lambda: np.asarray(expr(la, lb)))
        s_np = median_time(lambda: a.sum())
        s_lf = median_time(lambda: np.asarray(la.sum()))
        print(f"| {dtype} | {t_np * 1e3:.2f} | {t_lf * 1e3:.2f} | {t_np / t_lf:.2f}x "
              f"| {s_np * 1e3:.2f} | {s_lf * 1e3:.2f} | {s_np / s_lf:.2f}x |")


if __name__ == "__main__":
    with np.errstate(over="ignore"):
        main()
