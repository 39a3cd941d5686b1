"""The GPU check in one run: lazyfuse's CUDA target against NumPy on the benchmark
workloads and on small cases of every layout (0-d, zero-size, broadcast, strided,
reversed, NaN, +-inf, -0.0), then timed against CuPy and JAX on the same GPU with the
device's copy bandwidth measured in the same run. `scripts/gpu_check.sh` runs it.

Times are medians of CALLS calls. lazyfuse's program inputs are NumPy arrays copied to
the device on each call (arrays do not live on the device yet), so it reports two
numbers: the whole call (copies included) and its kernels alone (device events around
the plan's kernels: what a call on inputs already there would take). CuPy's and JAX's
inputs are on the device before timing; their whole call with copies is reported too.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benches", "python"))
import compare  # noqa: E402  (the workloads, written once against a NumPy-like namespace)

import lazyfuse  # noqa: E402
import lazyfuse.numpy as lnp  # noqa: E402

CALLS = 7
SKIP = {"matrix_chain"}  # matrix products run on the host so far (no cuBLAS yet)


def median_time(call, calls=CALLS, sync=None):
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        call()
        if sync:
            sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def close(got, want, rtol):
    got = numpy.asarray(got)
    if got.shape != numpy.shape(want) or got.dtype != numpy.asarray(want).dtype:
        return False
    scale = float(numpy.max(numpy.abs(want))) if numpy.size(want) else 0.0
    return bool(numpy.allclose(got, want, rtol=rtol, atol=rtol * scale, equal_nan=True))


def layouts(rng):
    """Small inputs of every layout and special value."""
    base = rng.standard_normal((6, 8))
    base[0, 0], base[1, 1], base[2, 2], base[3, 3] = numpy.nan, numpy.inf, -numpy.inf, -0.0
    yield "contiguous", base
    yield "transposed", base.T
    yield "strided", base[::2, ::3]
    yield "reversed", base[::-1, ::-1]
    yield "broadcast", numpy.broadcast_to(base[0], (5, 8))
    yield "0-d", numpy.array(1.5)
    yield "zero-size", numpy.zeros((0, 4))
    yield "float32", base.astype(numpy.float32)
    yield "int64", numpy.arange(48).reshape(6, 8) - 20


CASES = {
    "add_mul": lambda np, x: x * 2 + x,
    "exp_sin": lambda np, x: np.exp(np.sin(x)) if x.dtype.kind == "f" else x * 3,
    "where": lambda np, x: np.where(x > 0, x, -x),
    "sum": lambda np, x: np.sum(x),
    "sum_axis0": lambda np, x: np.sum(x, axis=0) if x.ndim else np.sum(x),
    "max_axis1": lambda np, x: np.max(x, axis=-1) if x.size else np.sum(x),
    "mean_var": lambda np, x: (np.mean(x), np.var(x)) if x.size else np.sum(x),
    "argmax": lambda np, x: np.argmax(x) if x.size else np.sum(x),
    "cumsum_host": lambda np, x: np.cumsum(x),
}


def check_layouts(report):
    rng = numpy.random.default_rng(7)
    failures = []
    count = 0
    for layout, x in layouts(rng):
        for name, f in CASES.items():
            with numpy.errstate(all="ignore"):
                want = f(numpy, x)
            try:
                got = lazyfuse.jit(lambda a, f=f: f(lnp, a), device="cuda")(x)
            except Exception as e:  # noqa: BLE001 - reported
                failures.append(f"{name} on {layout}: {type(e).__name__}: {e}")
                continue
            count += 1
            wants = want if isinstance(want, tuple) else (want,)
            gots = got if isinstance(got, tuple) else (got,)
            for w, g in zip(wants, gots):
                w = numpy.asarray(w)
                rtol = 1e-5 if w.dtype == numpy.float32 else 1e-12
                if not close(g, w, rtol):
                    failures.append(f"{name} on {layout}: got {numpy.asarray(g)!r} want {w!r}")
    report["layout_cases"] = count
    report["layout_failures"] = failures
    print(f"layouts: {count} cases, {len(failures)} failures")
    for f in failures:
        print("  FAIL", f)


def copy_bandwidth_cupy(cp):
    src = cp.random.standard_normal(compare.N * 4)
    dst = cp.empty_like(src)
    sync = cp.cuda.Device().synchronize
    t = median_time(lambda: cp.copyto(dst, src), sync=sync)
    return 2 * src.nbytes / t


def bench(report, only=None):
    rng = numpy.random.default_rng(0)
    workloads = compare.inputs(rng)
    try:
        import cupy as cp
    except Exception as e:  # noqa: BLE001
        cp = None
        print("no CuPy:", e)
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
    except Exception as e:  # noqa: BLE001
        jax = None
        print("no JAX:", e)
    if cp is not None:
        report["copy_bandwidth_GBps"] = copy_bandwidth_cupy(cp) / 1e9
        print(f"device copy bandwidth: {report['copy_bandwidth_GBps']:.0f} GB/s")
    rows = []
    for name, (f, args, nbytes) in workloads.items():
        if name in SKIP or (only and name not in only):
            continue
        row = {"workload": name}
        with numpy.errstate(all="ignore"):
            want = f(numpy, *args)
        rtol = 1e-4 if args[0].dtype == numpy.float32 else 1e-6
        jitted = lazyfuse.jit(lambda *a, f=f: f(lnp, *a), device="cuda")
        try:
            t = time.perf_counter()
            got = jitted(*args)
            row["lazyfuse_first_ms"] = (time.perf_counter() - t) * 1e3
            row["lazyfuse_correct"] = close(got, want, rtol)
            before = lazyfuse._native.cuda_timing()["kernels"]
            row["lazyfuse_call_ms"] = median_time(lambda: jitted(*args)) * 1e3
            after = lazyfuse._native.cuda_timing()["kernels"]
            row["lazyfuse_kernels_ms"] = (after - before) / CALLS * 1e3
        except Exception as e:  # noqa: BLE001
            row["lazyfuse_error"] = f"{type(e).__name__}: {str(e)[:200]}"
        if cp is not None:
            try:
                dev = [cp.asarray(a) for a in args]
                sync = cp.cuda.Device().synchronize
                out = f(cp, *dev)
                row["cupy_correct"] = close(cp.asnumpy(out), want, rtol)
                row["cupy_ms"] = median_time(lambda: f(cp, *dev), sync=sync) * 1e3
                row["cupy_with_copies_ms"] = median_time(
                    lambda: cp.asnumpy(f(cp, *[cp.asarray(a) for a in args])), sync=sync) * 1e3
            except Exception as e:  # noqa: BLE001
                row["cupy_error"] = f"{type(e).__name__}: {str(e)[:200]}"
        if jax is not None:
            try:
                jf = jax.jit(lambda *a, f=f: f(jnp, *a))
                dev = [jax.device_put(a) for a in args]
                out = jf(*dev).block_until_ready()
                row["jax_correct"] = close(numpy.asarray(out), want, rtol)
                row["jax_ms"] = median_time(lambda: jf(*dev).block_until_ready()) * 1e3
            except Exception as e:  # noqa: BLE001
                row["jax_error"] = f"{type(e).__name__}: {str(e)[:200]}"
        if nbytes and "copy_bandwidth_GBps" in report and "lazyfuse_kernels_ms" in row:
            limit_ms = nbytes / (report["copy_bandwidth_GBps"] * 1e9) * 1e3
            row["limit_ms"] = limit_ms
            row["lazyfuse_fraction_of_limit"] = limit_ms / row["lazyfuse_kernels_ms"]
        rows.append(row)
        print(json.dumps(row))
    report["workloads"] = rows


def markdown(report):
    lines = [f"GPU: {report.get('device')}; copy bandwidth {report.get('copy_bandwidth_GBps', float('nan')):.0f} GB/s", "",
             "| workload | lazyfuse kernels ms | share of copy rate | lazyfuse call ms (copies) | CuPy ms | CuPy with copies ms | JAX ms | best of CuPy/JAX over lazyfuse kernels |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report.get("workloads", []):
        def g(k):
            v = r.get(k)
            return f"{v:.3f}" if isinstance(v, float) else "-"
        peers = [r[k] for k in ("cupy_ms", "jax_ms") if isinstance(r.get(k), float)]
        ratio = (min(peers) / r["lazyfuse_kernels_ms"]) if peers and r.get("lazyfuse_kernels_ms") else math.nan
        share = r.get("lazyfuse_fraction_of_limit")
        share = f"{share:.0%}" if isinstance(share, float) else "-"
        lines.append(f"| {r['workload']} | {g('lazyfuse_kernels_ms')} | {share} | {g('lazyfuse_call_ms')} | "
                     f"{g('cupy_ms')} | {g('cupy_with_copies_ms')} | {g('jax_ms')} | {ratio:.2f}x |")
    return "\n".join(lines)


def first_calls(label, out, only=None):
    """Each workload's first call on the GPU in this fresh process (tracing, planning,
    PTX from LLVM or the on-disk cache, the driver loading it), into
    first_calls_<label>.json: run over an empty LAZYFUSE_CACHE_DIR, then again over
    the one the first run filled."""
    rng = numpy.random.default_rng(0)
    rows = {}
    for name, (f, args, _) in compare.inputs(rng).items():
        if name in SKIP or (only and name not in only):
            continue
        jitted = lazyfuse.jit(lambda *a, f=f: f(lnp, *a), device="cuda")
        try:
            t = time.perf_counter()
            jitted(*args)
            rows[name] = (time.perf_counter() - t) * 1e3
        except Exception as e:  # noqa: BLE001
            rows[name] = f"{type(e).__name__}: {str(e)[:200]}"
        print(f"first call ({label}) {name}: {rows[name]}")
    with open(os.path.join(out, f"first_calls_{label}.json"), "w") as fh:
        json.dump(rows, fh, indent=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=".")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--first-calls", metavar="LABEL",
                        help="only time each workload's first call (see first_calls)")
    args = parser.parse_args()
    report = {"devices": [repr(d) for d in lazyfuse.devices()]}
    print("devices:", report["devices"])
    if not any(d.kind == "cuda" for d in lazyfuse.devices()):
        print("no CUDA device: nothing to check")
        sys.exit(2)
    if args.first_calls:
        os.makedirs(args.out, exist_ok=True)
        first_calls(args.first_calls, args.out, args.only)
        return
    check_layouts(report)
    bench(report, args.only)
    timing = lazyfuse._native.cuda_timing()
    report["device"] = timing["device"]
    report["timing"] = timing
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "gpu_check.json"), "w") as fh:
        json.dump(report, fh, indent=1)
    md = markdown(report)
    with open(os.path.join(args.out, "gpu_check.md"), "w") as fh:
        fh.write(md + "\n")
    print(md)
    sys.exit(1 if report["layout_failures"] or any(
        r.get("lazyfuse_correct") is False or "lazyfuse_error" in r for r in report["workloads"]) else 0)


if __name__ == "__main__":
    main()
