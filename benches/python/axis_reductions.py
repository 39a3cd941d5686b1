"""Reductions along each axis side by side: NumPy and lazyfuse (``lazyfuse.jit``) on a
4000 x 2500 C-ordered matrix, float64 and float32: ``sum``, ``max``, ``mean`` and
``argmax`` along axis 0 (a column per output: codegen's blocked loops) and axis 1 (a
row per output), and pairwise distances of 3-d points (an inner space of 3 elements).

Each library runs in blocks of calls after a pause (NumPy's OpenBLAS threads spin for
about 0.1 s after a call), blocks alternating three times; each time is the median over
all blocks. Every result is checked against NumPy's (float sums within rounding).

    python benches/python/axis_reductions.py [--markdown FILE]
"""

import argparse

import numpy

import lazyfuse
import lazyfuse.numpy as lnp
from _markdown import replace_section
from blas2 import copy_rate, side_by_side


def pairwise(np, p, q):
    d = p[:, None, :] - q[None, :, :]
    return np.sqrt(np.sum(d * d, axis=-1))


def cases():
    rng = numpy.random.default_rng(0)
    for dtype in (numpy.float64, numpy.float32):
        x = rng.standard_normal((4000, 2500)).astype(dtype)
        for axis in (0, 1):
            for name in ("sum", "max", "mean", "argmax"):
                yield (f"{name}(axis={axis}) {numpy.dtype(dtype).name}",
                       lambda x, name=name, axis=axis: getattr(numpy, name)(x, axis=axis),
                       lambda x, name=name, axis=axis: getattr(lnp, name)(x, axis=axis), (x,))
    p, q = rng.random((4000, 3)), rng.random((2500, 3))
    yield ("pairwise distances 4000 x 2500 x 3", lambda p, q: pairwise(numpy, p, q),
           lambda p, q: pairwise(lnp, p, q), (p, q))


def run():
    rate = copy_rate()
    rows = []
    for name, numpy_fn, lazy_fn, args in cases():
        jitted = lazyfuse.jit(lazy_fn)
        want, got = numpy_fn(*args), numpy.asarray(jitted(*args))
        rtol = 1e-9 if got.dtype == numpy.float64 else 1e-4
        numpy.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 10)
        t_numpy, t_lazy = side_by_side(lambda: numpy_fn(*args), lambda: jitted(*args), 15)
        rows.append((name, t_numpy, t_lazy))
        print(f"{name:36s} NumPy {t_numpy * 1e3:7.2f} ms  lazyfuse {t_lazy * 1e3:7.2f} ms  "
              f"{t_numpy / t_lazy:5.2f}x", flush=True)
    return rate, rows


def markdown(rate, rows):
    lines = [f"Copy rate measured in the same run: {rate / 2**30:.1f} GiB/s. Median ms; "
             "speed-up = NumPy's time / lazyfuse's.", "",
             "| reduction | NumPy | lazyfuse | speed-up |", "|---|---:|---:|---:|"]
    lines += [f"| {n} | {a * 1e3:.2f} | {b * 1e3:.2f} | {a / b:.2f}x |" for n, a, b in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="update this file's axis-reductions section")
    args = parser.parse_args()
    rate, rows = run()
    if args.markdown:
        replace_section(args.markdown, "axis-reductions", markdown(rate, rows),
                        "## Reductions along each axis (benches/python/axis_reductions.py)")
