"""Vector math per core: lazyfuse against NumPy and glibc's libmvec, side by side.

Each function runs on one core (`LAZYFUSE_NUM_THREADS=1`; NumPy's ufuncs are single
threaded) over arrays of N elements that stay in the L2 cache, so the number is the
function's throughput, not the memory's. lazyfuse runs `lazyfuse.jit(f)`, NumPy the
ufunc; both allocate their result each call. libmvec's vector functions (`_ZGVeN8v_sin`
and friends, the AVX-512 forms where the CPU has AVX-512, else the AVX2 forms) are
called from a small C loop compiled here with gcc, when gcc is present.

Reported: millions of elements per second (median of CALLS timed repetitions) and
lazyfuse's speed-up over the faster of NumPy and libmvec.

    python benches/python/vector_math.py [--markdown BENCHMARKS.md]
"""

import argparse
import os
import statistics
import sys
import time

os.environ["LAZYFUSE_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402

import lazyfuse as lf  # noqa: E402
import lazyfuse.numpy as lnp  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from _libmvec import (  # noqa: E402
    BINARY,
    CALLS,
    FUNCTIONS,
    N,
    REPEAT,
    Y_RANGE,
    build_libmvec,
    libmvec_rates,
)


def rate(f, args):
    f(*args)
    times = []
    for _ in range(CALLS):
        t0 = time.perf_counter()
        for _ in range(REPEAT):
            f(*args)
        times.append(time.perf_counter() - t0)
    return N * REPEAT / statistics.median(times) / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="replace this section of a Markdown file")
    parser.add_argument("--only", help="comma-separated function names")
    options = parser.parse_args()
    only = set(options.only.split(",")) if options.only else None
    exe = build_libmvec()
    rng = np.random.default_rng(0)
    rows = []
    for name, ufunc, (lo, hi), mvec in FUNCTIONS:
        if only and name not in only:
            continue
        mv = libmvec_rates(exe, mvec, lo, hi) if exe and mvec else (None, None)
        for k, dtype in enumerate((np.float64, np.float32)):
            args = [rng.uniform(lo, hi, N).astype(dtype)]
            if name in BINARY:
                args.append(rng.uniform(*Y_RANGE, N).astype(dtype))
            jitted = lf.jit(getattr(lnp, ufunc or name))
            ours = rate(jitted, args)
            theirs = rate(getattr(np, ufunc), args) if ufunc else None
            peer = max(theirs or 0.0, mv[k] or 0.0)
            rows.append((name, np.dtype(dtype).name, ours, theirs, mv[k], ours / peer))
            mv_text = f"{mv[k]:8.0f}" if mv[k] else "       -"
            np_text = f"{theirs:8.0f}" if theirs else "       -"
            print(
                f"{name:7} {np.dtype(dtype).name:8} lazyfuse {ours:8.0f}  NumPy {np_text}"
                f"  libmvec {mv_text}  M/s  ({ours / peer:.2f}x)",
                flush=True,
            )
    if options.markdown:
        write_markdown(options.markdown, rows)


def write_markdown(path, rows):
    sys.path.insert(0, os.path.dirname(__file__))
    from _markdown import replace_section

    lines = [
        "Millions of elements per second on one core, arrays of "
        f"{N} elements (in cache), median of {CALLS}; speed-up over the faster of NumPy and "
        "libmvec. `python benches/python/vector_math.py`.",
        "",
        "| function | dtype | lazyfuse | NumPy | libmvec | speed-up |",
        "|---|---|---|---|---|---|",
    ]
    for name, dtype, ours, theirs, mv, ratio in rows:
        mv_text = f"{mv:.0f}" if mv else "-"
        np_text = f"{theirs:.0f}" if theirs else "-"
        lines.append(
            f"| {name} | {dtype} | {ours:.0f} | {np_text} | {mv_text} | {ratio:.2f}x |"
        )
    replace_section(path, "vector-math", "\n".join(lines), "## Vector math per core")


if __name__ == "__main__":
    main()
