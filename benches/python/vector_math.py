"""Vector math per core: lazyfuse against NumPy and glibc's libmvec, side by side.

Each function runs on one core (`LAZYFUSE_NUM_THREADS=1`; NumPy's ufuncs are single
threaded) over arrays of N elements that stay in the L2 cache, so the number is the
function's throughput, not the memory's. lazyfuse runs `lazyfuse.jit(f)`, NumPy the
ufunc; both allocate their result each call. libmvec's vector functions (`_ZGVeN8v_sin`
and friends, the AVX-512 forms where the CPU has AVX-512, else the AVX2 forms) are
called from a small C loop compiled here with gcc (when gcc is present) and loaded
into this process.

Reported: millions of elements per second, each the median over SWEEPS x ROUNDS rounds
that alternate the three (each round's rate the median of ROUND_CALLS timed
repetitions), and lazyfuse's speed-up over the faster of NumPy and libmvec: the median
over the rounds of each round's ratio, so that every ratio compares one moment on a
shared machine. The rounds of one function are spread over SWEEPS passes over all the
functions: on this shared machine libmvec's rate alone moved by up to 1.9x between
single passes minutes apart (log2 float32 1161 and 2171 M/s).

    python benches/python/vector_math.py [--markdown BENCHMARKS.md]
"""

import argparse
import os
import statistics
import sys
import time

os.environ["LAZYFUSE_NUM_THREADS"] = "1"

ROUNDS = 9
# passes over all the functions: a function's rounds are spread over minutes
SWEEPS = 3
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
    parser.add_argument("--sweeps", type=int, default=SWEEPS,
                        help=f"passes over the functions (default {SWEEPS})")
    options = parser.parse_args()
    only = set(options.only.split(",")) if options.only else None
    exe = build_libmvec()
    mvec_lib = InProcess(exe) if exe else None
    rng = np.random.default_rng(0)
    functions = [f for f in FUNCTIONS if not only or f[0] in only]
    inputs = {}
    for name, _, (lo, hi), _ in functions:
        inputs[name] = []
        for dtype in (np.float64, np.float32):
            args = [rng.uniform(lo, hi, N).astype(dtype)]
            if name in BINARY:
                args.append(rng.uniform(*Y_RANGE, N).astype(dtype))
            inputs[name].append(args)
    # Per function and dtype: each round's rates and ratio, over all sweeps.
    rounds = {}
    for _ in range(options.sweeps):
        for name, ufunc, (lo, hi), mvec in functions:
            measure_rounds(rounds, name, ufunc, (lo, hi), mvec, inputs[name], mvec_lib)
    rows = []
    for name, ufunc, _, _ in functions:
        for k, dtype in enumerate((np.float64, np.float32)):
            r = rounds[(name, k)]
            ours = statistics.median(r["ours"])
            theirs = statistics.median(r["np"]) if ufunc else None
            mvk = statistics.median(r["mv"]) if r["mv"] else None
            ratio = statistics.median(r["ratio"])
            rows.append((name, np.dtype(dtype).name, ours, theirs, mvk, ratio))
            mv_text = f"{mvk:8.0f}" if mvk else "       -"
            np_text = f"{theirs:8.0f}" if theirs else "       -"
            print(
                f"{name:7} {np.dtype(dtype).name:8} lazyfuse {ours:8.0f}  NumPy {np_text}"
                f"  libmvec {mv_text}  M/s  ({ratio:.2f}x; rounds {min(r['ratio']):.2f}-"
                f"{max(r['ratio']):.2f}x)",
                flush=True,
            )
    if options.markdown:
        write_markdown(options.markdown, rows, options.sweeps)


def measure_rounds(rounds, name, ufunc, bounds, mvec, inputs, mvec_lib):
    """ROUNDS rounds of `name` alternating libmvec (in this process), lazyfuse and
    NumPy, a few calls each: on a shared machine neighbours change every rate within
    seconds, so each round's ratio compares one moment. Appends to `rounds`."""
    for _ in range(ROUNDS):
        mv = mvec_lib.rates(mvec, *bounds, ROUND_CALLS) if mvec_lib and mvec else None
        for k, args in enumerate(inputs):
            r = rounds.setdefault((name, k), {"ours": [], "np": [], "mv": [], "ratio": []})
            jitted = lf.jit(getattr(lnp, ufunc or name))
            ours = rate(jitted, args, ROUND_CALLS)
            theirs = rate(getattr(np, ufunc), args, ROUND_CALLS) if ufunc else 0.0
            r["ours"].append(ours)
            r["np"].append(theirs)
            if mv:
                r["mv"].append(mv[k])
            r["ratio"].append(ours / max(theirs, mv[k] if mv else 0.0))


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


def write_markdown(path, rows, sweeps):
    sys.path.insert(0, os.path.dirname(__file__))
    from _markdown import replace_section

    lines = [
        f"{machine()}, {time.strftime('%Y-%m-%d')}. "
        "Millions of elements per second on one core, arrays of "
        f"{N} elements (in cache), medians over {sweeps} x {ROUNDS} alternating rounds "
        f"({sweeps} passes over the functions); speed-up: "
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
