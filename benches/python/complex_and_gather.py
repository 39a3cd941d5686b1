"""Complex arithmetic and fancy indexing against NumPy in one run (medians of 7 calls
after a warm-up; the ratio is NumPy's time over lazyfuse's, above 1 when lazyfuse is
faster).

    python benches/python/complex_and_gather.py

Complex over 4 * 10^6 elements: ``abs(z * w + 1j) ** 2`` (arithmetic, fused: one pass),
``exp(1j * t) * z`` (the C library's cexp per element, as NumPy), ``z.sum()``. Fancy
indexing over 10^7 float64 elements: ``x[idx] * 2 + 1`` with 10^6 random indices and
``exp(x)[x > 0.5].sum()`` (a mask: its positions are computed by NumPy, the gather and
what follows by lazyfuse).
"""

import numpy as np

import lazyfuse.numpy as lnp
from dtypes import median_time  # (this directory's timing helper)

N_COMPLEX = 4_000_000
N_GATHER = 10_000_000


def row(name, numpy_call, lazy_call, check=True):
    want, got = numpy_call(), np.asarray(lazy_call())
    if check:
        np.testing.assert_allclose(got, want, rtol=1e-9)
    t_np, t_lf = median_time(numpy_call), median_time(lambda: np.asarray(lazy_call()))
    print(f"| {name} | {t_np * 1e3:.2f} | {t_lf * 1e3:.2f} | {t_np / t_lf:.2f}x |")


def main():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(N_COMPLEX) + 1j * rng.standard_normal(N_COMPLEX)
    w = rng.standard_normal(N_COMPLEX) - 1j * rng.standard_normal(N_COMPLEX)
    t = rng.standard_normal(N_COMPLEX)
    lz, lw, lt = lnp.asarray(z), lnp.asarray(w), lnp.asarray(t)
    x = rng.standard_normal(N_GATHER)
    idx = rng.integers(0, N_GATHER, 1_000_000)
    lx = lnp.asarray(x)
    print("| kernel | NumPy ms | lazyfuse ms | ratio |")
    print("|---|---|---|---|")
    row("complex128 abs(z*w + 1j)**2", lambda: abs(z * w + 1j) ** 2,
        lambda: abs(lz * lw + 1j) ** 2)
    row("complex128 exp(1j*t) * z", lambda: np.exp(1j * t) * z, lambda: lnp.exp(1j * lt) * lz)
    row("complex128 sum", lambda: z.sum(), lambda: lz.sum())
    z64, w64 = z.astype("complex64"), w.astype("complex64")
    lz64, lw64 = lnp.asarray(z64), lnp.asarray(w64)
    row("complex64 abs(z*w + 1j)**2", lambda: abs(z64 * w64 + 1j) ** 2,
        lambda: abs(lz64 * lw64 + 1j) ** 2, check=False)
    row("float64 x[idx] * 2 + 1", lambda: x[idx] * 2 + 1, lambda: lx[idx] * 2 + 1)
    row("float64 exp(x)[x > 0.5].sum()", lambda: np.exp(x)[x > 0.5].sum(),
        lambda: lnp.exp(lx)[lx > 0.5].sum())


if __name__ == "__main__":
    main()
