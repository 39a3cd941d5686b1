"""Vector math per core: lazyfuse against NumPy and glibc's libmvec, side by side.

Each function runs on one core (`LAZYFUSE_NUM_THREADS=1`; NumPy's ufuncs are single
threaded) over arrays of N elements that stay in the L2 cache, so the number is the
function's throughput, not the memory's. lazyfuse runs `lazyfuse.jit(f)`, NumPy the
ufunc; both allocate their result each call. libmvec's vector functions (`_ZGVeN8v_sin`
and friends, the AVX-512 forms where the CPU has AVX-512, else the AVX2 forms) are
called from a small C loop compiled here with gcc, when gcc is present.

Reported: millions of elements per second (median of CALLS timed repetitions, the best
of ROUNDS rounds that alternate the three) and lazyfuse's speed-up over the faster of
NumPy and libmvec.

    python benches/python/vector_math.py [--markdown BENCHMARKS.md]
"""

import argparse
import os
import statistics
import sys
import time

os.environ["LAZYFUSE_NUM_THREADS"] = "1"

ROUNDS = 3

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
        inputs = []
        for dtype in (np.float64, np.float32):
            args = [rng.uniform(lo, hi, N).astype(dtype)]
            if name in BINARY:
                args.append(rng.uniform(*Y_RANGE, N).astype(dtype))
            inputs.append(args)
        # ROUNDS rounds of all three, each keeping its best round: a neighbour on a
        # shared machine only slows a run down, and libmvec runs in its own process,
        # so one round each would compare two different moments.
        best = {}
        for _ in range(ROUNDS):
            if exe and mvec:
                for k, v in enumerate(libmvec_rates(exe, mvec, lo, hi)):
                    best[("mv", k)] = max(best.get(("mv", k), 0.0), v)
            for k, args in enumerate(inputs):
                jitted = lf.jit(getattr(lnp, ufunc or name))
                best[("ours", k)] = max(best.get(("ours", k), 0.0), rate(jitted, args))
                if ufunc:
                    r = rate(getattr(np, ufunc), args)
                    best[("np", k)] = max(best.get(("np", k), 0.0), r)
        mv = (best.get(("mv", 0)), best.get(("mv", 1)))
        for k, dtype in enumerate((np.float64, np.float32)):
            ours = best[("ours", k)]
            theirs = best.get(("np", k))
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


def machine():
    """The CPU's model name and vector width (which libmvec forms ran)."""
    model, wide = "unknown CPU", False
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown CPU":
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    wide = " avx512f" in line
    except OSError:
        pass
    return f"{model} ({'AVX-512' if wide else 'AVX2'}: libmvec's {'512' if wide else '256'}-bit forms)"


def write_markdown(path, rows):
    sys.path.insert(0, os.path.dirname(__file__))
    from _markdown import replace_section

    lines = [
        f"{machine()}, {time.strftime('%Y-%m-%d')}. "
        "Millions of elements per second on one core, arrays of "
        f"{N} elements (in cache), median of {CALLS}, best of {ROUNDS} alternating rounds; "
        "speed-up over the faster of NumPy and "
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
