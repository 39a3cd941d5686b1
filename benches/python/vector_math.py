"""Vector math per core: lazyfuse against NumPy and glibc's libmvec, side by side.

Each function runs on one core (`LAZYFUSE_NUM_THREADS=1`; NumPy's ufuncs are single
threaded) over arrays of N elements that stay in the L2 cache, so the number is the
function's throughput, not the memory's. lazyfuse runs `lazyfuse.jit(f)`, NumPy the
ufunc; both allocate their result each call. libmvec's vector functions (`_ZGVeN8v_sin`
and friends, the AVX-512 forms where the CPU has AVX-512, else the AVX2 forms) are
called from a small C loop compiled here with gcc (when gcc is present) and loaded
into this process.

Reported: millions of elements per second, each the median over ROUNDS rounds that
alternate the three (each round's rate the median of ROUND_CALLS timed repetitions),
and lazyfuse's speed-up over the faster of NumPy and libmvec: the median over the
rounds of each round's ratio, so that every ratio compares one moment on a shared
machine.

    python benches/python/vector_math.py [--markdown BENCHMARKS.md]
"""

import argparse
import os
import statistics
import sys
import time

os.environ["LAZYFUSE_NUM_THREADS"] = "1"

ROUNDS = 9
# timed calls per round (the median of them)
ROUND_CALLS = 3

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
    InProcess,
    build_libmvec,
)


def rate(f, args, calls=CALLS):
    f(*args)
    times = []
    for _ in range(calls):
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
    mvec_lib = InProcess(exe) if exe else None
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
        # ROUNDS rounds alternating libmvec (in this process), lazyfuse and NumPy, a few
        # calls each: on a shared machine neighbours change every rate within seconds,
        # so each round's ratio compares one moment, and the median ratio is reported
        # (with each one's median rate).
        rounds = {("ours", 0): [], ("ours", 1): [], ("np", 0): [], ("np", 1): []}
        rounds.update({("mv", 0): [], ("mv", 1): [], ("ratio", 0): [], ("ratio", 1): []})
        for _ in range(ROUNDS):
            mv = mvec_lib.rates(mvec, lo, hi, ROUND_CALLS) if mvec_lib and mvec else None
            for k, args in enumerate(inputs):
                jitted = lf.jit(getattr(lnp, ufunc or name))
                ours = rate(jitted, args, ROUND_CALLS)
                theirs = rate(getattr(np, ufunc), args, ROUND_CALLS) if ufunc else 0.0
                rounds[("ours", k)].append(ours)
                rounds[("np", k)].append(theirs)
                if mv:
                    rounds[("mv", k)].append(mv[k])
                rounds[("ratio", k)].append(ours / max(theirs, mv[k] if mv else 0.0))
        for k, dtype in enumerate((np.float64, np.float32)):
            ours = statistics.median(rounds[("ours", k)])
            theirs = statistics.median(rounds[("np", k)]) if ufunc else None
            mvk = statistics.median(rounds[("mv", k)]) if rounds[("mv", k)] else None
            ratio = statistics.median(rounds[("ratio", k)])
            rows.append((name, np.dtype(dtype).name, ours, theirs, mvk, ratio))
            mv_text = f"{mvk:8.0f}" if mvk else "       -"
            np_text = f"{theirs:8.0f}" if theirs else "       -"
            print(
                f"{name:7} {np.dtype(dtype).name:8} lazyfuse {rows[-1][2]:8.0f}  NumPy {np_text}"
                f"  libmvec {mv_text}  M/s  ({ratio:.2f}x)",
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
        f"{N} elements (in cache), medians over {ROUNDS} alternating rounds; speed-up: "
        "the median of each round's ratio to the faster of NumPy and libmvec. "
        "`python benches/python/vector_math.py`.",
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
