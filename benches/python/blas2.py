"""Matrix-vector products (BLAS-2) side by side: NumPy (its OpenBLAS gemv) and lazyfuse
(``lazyfuse.jit``), on ``A @ x``, ``A.T @ y``, ``x @ A`` and BiCG's pair ``(A.T @ r,
A @ p)`` (one pass over A in lazyfuse), float64 and float32, small and large.

Each library runs in its own blocks of calls, each block after a pause (NumPy's OpenBLAS
threads spin for about 0.1 s after its last call, taking the cores from whatever runs
next); blocks alternate three times and each time is the median over all blocks. A
product reads the matrix once, so its limit is the matrix's bytes over the memory read
rate: the table gives each run's rate (matrix bytes over time) next to the machine's
copy rate measured in the same run (bytes read and written by ``numpy.copyto`` on
256 MiB, over time). Every result is checked against NumPy's.

    python benches/python/blas2.py [--markdown FILE]
"""

import argparse
import statistics
import time

import numpy

import lazyfuse
from _markdown import replace_section



def block_times(fn, calls):
    # OpenBLAS's threads spin for about 0.1 s after NumPy's last call (and would take
    # both cores from whatever runs next): each block starts on quiet cores.
    time.sleep(0.3)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def side_by_side(numpy_fn, lazy_fn, calls, rounds=3):
    """Median seconds of NumPy and of lazyfuse, blocks alternating."""
    got = {"numpy": [], "lazyfuse": []}
    for _ in range(rounds):
        got["numpy"] += block_times(numpy_fn, calls)
        got["lazyfuse"] += block_times(lazy_fn, calls)
    return statistics.median(got["numpy"]), statistics.median(got["lazyfuse"])


def copy_rate():
    """Bytes read and written per second by a 256 MiB copy (median of 7)."""
    src = numpy.ones(1 << 25)
    dst = numpy.empty_like(src)
    numpy.copyto(dst, src)
    t = statistics.median(block_times(lambda: numpy.copyto(dst, src), 7))
    return 2 * src.nbytes / t


def check(got, want, dtype):
    rtol = 1e-9 if dtype == numpy.float64 else 2e-4
    for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        numpy.testing.assert_allclose(numpy.asarray(g), w, rtol=rtol, atol=rtol)


def cases(m, n, dtype):
    rng = numpy.random.default_rng(0)
    a = rng.standard_normal((m, n)).astype(dtype)
    x, y = rng.standard_normal(n).astype(dtype), rng.standard_normal(m).astype(dtype)
    yield "A @ x", (lambda a, x: a @ x), (a, x)
    yield "A.T @ y", (lambda a, y: a.T @ y), (a, y)
    yield "y @ A", (lambda a, y: y @ a), (a, y)
    yield "(A.T @ r, A @ p)", (lambda a, r, p: (a.T @ r, a @ p)), (a, y, x)


def run():
    rate = copy_rate()
    rows = []
    for m, n, dtype in [(400, 500, numpy.float64), (2000, 2000, numpy.float64),
                        (4000, 4000, numpy.float64), (4000, 4000, numpy.float32)]:
        calls = max(20, min(400, int(3e9 / (m * n * numpy.dtype(dtype).itemsize))))
        for name, f, args in cases(m, n, dtype):
            jitted = lazyfuse.jit(f)
            want = f(*args)
            check(jitted(*args), want, dtype)
            t_np, t_lf = side_by_side(lambda: f(*args), lambda: jitted(*args), calls)
            nbytes = args[0].nbytes
            rows.append(dict(case=name, shape=f"{m}x{n}", dtype=numpy.dtype(dtype).name,
                             numpy_ms=t_np * 1e3, lazyfuse_ms=t_lf * 1e3,
                             speedup=t_np / t_lf, lf_rate=nbytes / t_lf / 1e9,
                             np_rate=nbytes / t_np / 1e9))
    return rate, rows


def table(rate, rows):
    lines = [f"Copy rate in the same run: {rate / 1e9:.1f} GB/s (read + written). "
             "Rate: the matrix's bytes over the time (it is read once).", "",
             "| product | shape | dtype | NumPy ms | lazyfuse ms | speed-up | NumPy GB/s | lazyfuse GB/s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r['case']}` | {r['shape']} | {r['dtype']} | {r['numpy_ms']:.3g} | "
                     f"{r['lazyfuse_ms']:.3g} | {r['speedup']:.2f}x | {r['np_rate']:.1f} | "
                     f"{r['lf_rate']:.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="update this file's BLAS-2 table")
    args = parser.parse_args()
    rate, rows = run()
    text = table(rate, rows)
    print(text)
    if args.markdown:
        replace_section(args.markdown, "blas2", text,
                        "## Matrix-vector products (benches/python/blas2.py)\n\n"
                        "`python benches/python/blas2.py --markdown BENCHMARKS.md` (part of "
                        "`make bench`).")


if __name__ == "__main__":
    main()
