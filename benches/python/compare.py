"""lazyfuse against NumPy, NumExpr, Numba and JAX, side by side in one process.

`make bench` installs the peers (requirements-bench.txt) and runs this script, which
writes BENCHMARKS.md and benchmarks.png. Each workload is written once against a
NumPy-like namespace (`np`) and run on NumPy, on lazyfuse (`lazyfuse.jit`) and on JAX
(`jax.jit`, 64-bit); NumExpr gets the same expression as a string where it can express
it; Numba gets what a Numba user writes (`@njit(parallel=True)`, NumPy-style for
elementwise work, loops over rows otherwise). Every result is checked against NumPy's
(rtol 1e-6 for float64, 1e-4 for float32, with an absolute tolerance of rtol times the
largest magnitude, for terms that cancel); a wrong result is reported, never timed.

Times: the first call (compilation included) and the median of CALLS steady-state
calls. Memory-bound workloads also report the fraction of this machine's bandwidth
limit, from a large copy measured in the same run.
"""

import argparse
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy

CALLS = 7
N = 10_000_000
ROWS, COLS = 4000, 2500


# --- workloads, written once against a NumPy-like namespace ------------------------

def poly(np, x):
    return 3.0 * x**3 - 2.0 * x**2 + 0.5 * x - 1.0


def muladd(np, a, b, c):
    return a * b + c


def transcendental(np, a, b):
    return np.sin(a) * np.cos(b) + np.exp(-a * a) * np.log(1.0 + b * b) + np.tanh(a - b)


def gaussian(np, x):
    mu, sigma = 0.3, 1.7
    return np.exp(-((x - mu) ** 2) / (2.0 * sigma**2)) / (sigma * math.sqrt(2.0 * math.pi))


def select(np, a, b):
    return np.where(a > 0.5, a * b, b - a)


def mean_squared_difference(np, a, b):
    return np.mean((a - b) ** 2)


def softmax(np, x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def logsumexp(np, x):
    m = np.max(x, axis=1, keepdims=True)
    return m[:, 0] + np.log(np.sum(np.exp(x - m), axis=1))


def layernorm(np, x):
    mean = np.mean(x, axis=1, keepdims=True)
    centered = x - mean
    var = np.mean(centered * centered, axis=1, keepdims=True)
    return centered / np.sqrt(var + 1e-5)


def pairwise_distances(np, p, q):
    d = p[:, None, :] - q[None, :, :]
    return np.sqrt(np.sum(d * d, axis=-1))


def product_of_exponentials(np, a, b, c):
    return np.exp(a) * np.exp(b) * np.exp(c)


def expanded_square(np, x, u, v):
    uv = u[:, None] * v[None, :]
    return np.sum(x * x) - 2.0 * np.sum(x * uv) + np.sum(uv * uv)


def matrix_chain(np, a, b, v):
    return (a @ b) @ v


# --- Numba: what a Numba user writes --------------------------------------------------

def numba_versions():
    import numba
    from numba import prange

    jit = numba.njit(parallel=True, fastmath=False, cache=False)

    @jit
    def nb_poly(x):
        return 3.0 * x**3 - 2.0 * x**2 + 0.5 * x - 1.0

    @jit
    def nb_muladd(a, b, c):
        return a * b + c

    @jit
    def nb_transcendental(a, b):
        return numpy.sin(a) * numpy.cos(b) + numpy.exp(-a * a) * numpy.log(1.0 + b * b) + numpy.tanh(a - b)

    @jit
    def nb_gaussian(x):
        mu, sigma = 0.3, 1.7
        return numpy.exp(-((x - mu) ** 2) / (2.0 * sigma**2)) / (sigma * math.sqrt(2.0 * math.pi))

    @jit
    def nb_select(a, b):
        return numpy.where(a > 0.5, a * b, b - a)

    @jit
    def nb_msd(a, b):
        total = 0.0
        for i in prange(a.shape[0]):
            d = a[i] - b[i]
            total += d * d
        return total / a.shape[0]

    @jit
    def nb_softmax(x):
        out = numpy.empty_like(x)
        for i in prange(x.shape[0]):
            m = x[i].max()
            e = numpy.exp(x[i] - m)
            out[i] = e / e.sum()
        return out

    @jit
    def nb_logsumexp(x):
        out = numpy.empty(x.shape[0])
        for i in prange(x.shape[0]):
            m = x[i].max()
            out[i] = m + numpy.log(numpy.exp(x[i] - m).sum())
        return out

    @jit
    def nb_layernorm(x):
        out = numpy.empty_like(x)
        for i in prange(x.shape[0]):
            mean = x[i].mean()
            c = x[i] - mean
            var = (c * c).mean()
            out[i] = c / numpy.sqrt(var + 1e-5)
        return out

    @jit
    def nb_pairwise(p, q):
        out = numpy.empty((p.shape[0], q.shape[0]))
        for i in prange(p.shape[0]):
            for j in range(q.shape[0]):
                s = 0.0
                for k in range(p.shape[1]):
                    d = p[i, k] - q[j, k]
                    s += d * d
                out[i, j] = math.sqrt(s)
        return out

    @jit
    def nb_product_of_exponentials(a, b, c):
        return numpy.exp(a) * numpy.exp(b) * numpy.exp(c)

    @jit
    def nb_expanded_square(x, u, v):
        total = 0.0
        for i in prange(x.shape[0]):
            for j in range(x.shape[1]):
                w = u[i] * v[j]
                total += x[i, j] * x[i, j] - 2.0 * x[i, j] * w + w * w
        return total

    @jit
    def nb_matrix_chain(a, b, v):
        return (a @ b) @ v

    return {
        "poly": nb_poly, "muladd": nb_muladd, "transcendental_f64": nb_transcendental,
        "transcendental_f32": nb_transcendental, "gaussian": nb_gaussian, "select": nb_select,
        "mean_squared_difference": nb_msd, "softmax": nb_softmax, "logsumexp": nb_logsumexp,
        "layernorm": nb_layernorm, "pairwise_distances": nb_pairwise,
        "product_of_exponentials": nb_product_of_exponentials,
        "expanded_square": nb_expanded_square, "matrix_chain": nb_matrix_chain,
    }


NUMEXPR = {
    "poly": "3.0 * x**3 - 2.0 * x**2 + 0.5 * x - 1.0",
    "muladd": "a * b + c",
    "transcendental_f64": "sin(a) * cos(b) + exp(-a * a) * log(1.0 + b * b) + tanh(a - b)",
    "transcendental_f32": "sin(a) * cos(b) + exp(-a * a) * log(1.0 + b * b) + tanh(a - b)",
    "gaussian": "exp(-((x - 0.3) ** 2) / (2.0 * 1.7**2)) / (1.7 * 2.5066282746310002)",
    "select": "where(a > 0.5, a * b, b - a)",
    "product_of_exponentials": "exp(a) * exp(b) * exp(c)",
}


def inputs(rng):
    """name -> (function, arguments, bytes a memory-bound run must move or None)."""
    f64 = lambda *shape: rng.standard_normal(shape)  # noqa: E731
    a, b, c = f64(N), f64(N), f64(N)
    a32, b32 = a.astype(numpy.float32), b.astype(numpy.float32)
    x2 = f64(ROWS, COLS)
    mb = lambda *arrays, out=0: sum(v.nbytes for v in arrays) + out  # noqa: E731
    return {
        "poly": (poly, (a,), mb(a, out=a.nbytes)),
        "muladd": (muladd, (a, b, c), mb(a, b, c, out=a.nbytes)),
        "transcendental_f64": (transcendental, (a, b), None),
        "transcendental_f32": (transcendental, (a32, b32), None),
        "gaussian": (gaussian, (a,), mb(a, out=a.nbytes)),
        "select": (select, (a, b), mb(a, b, out=a.nbytes)),
        "mean_squared_difference": (mean_squared_difference, (a, b), mb(a, b)),
        "softmax": (softmax, (x2,), mb(x2, out=x2.nbytes)),
        "logsumexp": (logsumexp, (x2,), mb(x2)),
        "layernorm": (layernorm, (x2,), mb(x2, out=x2.nbytes)),
        "pairwise_distances": (pairwise_distances, (f64(ROWS, 3), f64(COLS, 3)), ROWS * COLS * 8),
        "product_of_exponentials": (product_of_exponentials, (a, b, c), None),
        "expanded_square": (expanded_square, (x2, f64(ROWS), f64(COLS)), mb(x2)),
        "matrix_chain": (matrix_chain, (f64(2000, 2000), f64(2000, 2000), f64(2000)), None),
    }


# Per workload: the vector-math functions it evaluates per element (libmvec's names),
# over how many elements, in which float width.
VECTOR_MATH = {
    "transcendental_f64": (("sin", "cos", "exp", "log", "tanh"), N, 64),
    "transcendental_f32": (("sin", "cos", "exp", "log", "tanh"), N, 32),
    "gaussian": (("exp",), N, 64),
    "softmax": (("exp",), ROWS * COLS, 64),
    "logsumexp": (("exp",), ROWS * COLS, 64),
    "product_of_exponentials": (("exp", "exp", "exp"), N, 64),
}


def vector_math_seconds(names):
    """Per workload of `names` that evaluates vector math: the seconds glibc's libmvec
    needs for those evaluations on every core (its per-core rates measured now, the
    best of three; in-cache data, so memory is not counted). Empty without libmvec."""
    sys.path.insert(0, os.path.dirname(__file__))
    from _libmvec import FUNCTIONS, build_libmvec, libmvec_rates

    exe = build_libmvec()
    if exe is None:
        return {}
    ranges = {m: r for _, _, r, m in FUNCTIONS if m}
    needed = {f for n in names if n in VECTOR_MATH for f in VECTOR_MATH[n][0]}
    rates = {}
    for f in needed:
        runs = [libmvec_rates(exe, f, *ranges[f]) for _ in range(3)]
        rates[f] = (max(r[0] for r in runs), max(r[1] for r in runs))
    cores = os.cpu_count()
    seconds = {}
    for n in names:
        if n in VECTOR_MATH:
            fns, count, bits = VECTOR_MATH[n]
            k = 0 if bits == 64 else 1
            seconds[n] = sum(count / (rates[f][k] * 1e6 * cores) for f in fns)
    return seconds


# --- timing ---------------------------------------------------------------------------

def timed(call):
    t = time.perf_counter()
    out = call()
    return out, time.perf_counter() - t


def measure(call, want, rtol):
    """(first-call seconds, median seconds, error or None)."""
    # Let the previous peers' worker threads (XLA, Numba, NumExpr, OpenBLAS) go idle first
    # (0.5 s was not enough here: a spinning pool tripled a 9 ms time); on a small
    # machine their spinning would be timed as part of this peer.
    time.sleep(2.0)
    try:
        got, first = timed(call)
        got = numpy.asarray(got)
        scale = float(numpy.max(numpy.abs(want))) if numpy.size(want) else 0.0
        if got.shape != numpy.shape(want) or not numpy.allclose(got, want, rtol=rtol, atol=rtol * scale):
            return first, None, "wrong result"
        times = [timed(call)[1] for _ in range(CALLS)]
        return first, statistics.median(times), None
    except Exception as e:  # noqa: BLE001 - a peer that cannot run a workload is reported
        return None, None, f"{type(e).__name__}: {str(e).splitlines()[0][:60] if str(e) else ''}"


def copy_bandwidth():
    """Bytes per second of a large copy (read + write), median of several."""
    src = numpy.random.default_rng(1).standard_normal(N)
    dst = numpy.empty_like(src)
    times = [timed(lambda: numpy.copyto(dst, src))[1] for _ in range(CALLS)]
    return 2 * src.nbytes / statistics.median(times)


def peers(names):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numexpr

    import lazyfuse
    import lazyfuse.numpy as lnp

    numba_fns = numba_versions()

    def make(peer, name, fn, args):
        if peer == "NumPy":
            return lambda: fn(numpy, *args)
        if peer == "lazyfuse":
            f = lazyfuse.jit(lambda *a: fn(lnp, *a))
            return lambda: f(*args)
        if peer == "JAX":
            f = jax.jit(lambda *a: fn(jnp, *a))
            dev = [jax.device_put(a) for a in args]
            return lambda: f(*dev).block_until_ready()
        if peer == "Numba":
            f = numba_fns[name]
            return lambda: f(*args)
        if peer == "NumExpr":
            if name not in NUMEXPR:
                return None
            names_ = "x" if fn in (poly, gaussian) else "abc"
            local = dict(zip(names_, args))
            expr = NUMEXPR[name]
            return lambda: numexpr.evaluate(expr, local_dict=local)
        raise ValueError(peer)

    return make


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="workload names to run")
    parser.add_argument("--out", default=".", help="where BENCHMARKS.md and benchmarks.png go")
    parser.add_argument("--peers", nargs="*", help="peers to run (NumPy always runs)")
    args = parser.parse_args()

    rng = numpy.random.default_rng(0)
    work = inputs(rng)
    if args.only:
        work = {k: v for k, v in work.items() if k in args.only}
    make = peers(work)
    bandwidth = copy_bandwidth()
    vector_math = vector_math_seconds(list(work))
    order = ["NumPy", "NumExpr", "Numba", "JAX", "lazyfuse"]
    if args.peers:
        order = [p for p in order if p == "NumPy" or p in args.peers]
    rows = []
    for name, (fn, fargs, nbytes) in work.items():
        want = numpy.asarray(fn(numpy, *fargs))
        rtol = 1e-4 if fargs[0].dtype == numpy.float32 else 1e-6
        results = {}
        for peer in order:
            call = make(peer, name, fn, fargs)
            results[peer] = measure(call, want, rtol) if call is not None else (None, None, "n/a")
        rows.append((name, nbytes, results))
        line = "  ".join(
            f"{p} {r[1] * 1e3:.1f} ms" if r[1] is not None else f"{p} {r[2]}" for p, r in results.items()
        )
        print(f"{name}: {line}", flush=True)

    write_report(rows, order, bandwidth, vector_math, args.out)


def write_report(rows, order, bandwidth, vector_math, out_dir):
    cores = os.cpu_count()
    today = datetime.date.today().isoformat()
    lines = [
        "# Benchmarks",
        "",
        f"{cpu_model()}, {cores} cores, {today}; Python {platform.python_version()}, "
        f"NumPy {numpy.__version__}. Generated by `make bench` "
        "(`benches/python/compare.py`); every result checked against NumPy's.",
        "",
        f"Copy bandwidth measured in the same run: {bandwidth / 2**30:.1f} GiB/s "
        "(read + write of 80 MB).",
        "",
        "Steady-state median of 7 calls in ms (first call, compilation included, in "
        "parentheses); speed-up = fastest peer's median / lazyfuse's; bandwidth = bytes a "
        "memory-bound workload must move / lazyfuse's time, as a fraction of the copy rate; "
        "vector math = the time glibc's libmvec vector functions (`_ZGVeN8v_exp` and "
        "friends, per-core rates measured in the same run on in-cache data, times the "
        "cores) need for the workload's function evaluations / lazyfuse's time.",
        "",
        "| workload | " + " | ".join(order) + " | speed-up | bandwidth | vector math |",
        "|---|" + "---:|" * (len(order) + 3),
    ]
    speedups = []
    for name, nbytes, results in rows:
        cells = []
        for peer in order:
            first, med, err = results[peer]
            cells.append(err if med is None else f"{med * 1e3:.1f} ({first * 1e3:.0f})")
        ours = results["lazyfuse"][1]
        peer_times = [results[p][1] for p in order if p != "lazyfuse" and results[p][1] is not None]
        speedup = min(peer_times) / ours if ours and peer_times else None
        speedups.append((name, speedup))
        frac = f"{nbytes / ours / bandwidth:.0%}" if ours and nbytes else ""
        cells.append(f"{speedup:.2f}x" if speedup else "")
        cells.append(frac)
        cells.append(f"{vector_math[name] / ours:.0%}" if ours and name in vector_math else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    path = os.path.join(out_dir, "BENCHMARKS.md")
    image = "![speed-ups](benchmarks.png)\n"
    # The other benchmarks' sections (after this table's picture) stay as they are.
    try:
        with open(path) as f:
            old = f.read()
        rest = old[old.index(image) + len(image):]
    except (OSError, ValueError):
        rest = ""
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n\n" + image + rest)
    print(f"wrote {path}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        names = [n for n, s in speedups if s]
        values = [s for _, s in speedups if s]
        fig, ax = plt.subplots(figsize=(8, 0.4 * len(names) + 1.5))
        ax.barh(names, values, color=["tab:green" if v >= 1 else "tab:red" for v in values])
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("lazyfuse speed-up over the fastest peer (log scale)")
        ax.invert_yaxis()
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "benchmarks.png"), dpi=100)
        print(f"wrote {os.path.join(out_dir, 'benchmarks.png')}")
    except ImportError:
        print("matplotlib missing: no chart", file=sys.stderr)


if __name__ == "__main__":
    main()
