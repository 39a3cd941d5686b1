"""lazyfuse + Dask against dask + NumPy on a dask.distributed LocalCluster (worker
processes on 127.0.0.1, one thread each, LAZYFUSE_NUM_THREADS=1): two fused elementwise
expressions reduced to their sums (a cubic polynomial, memory-bound in NumPy's
temporaries; exp, sin, sqrt and cos, bound by vector math), and a row softmax (rows of
1,000) kept on the workers (persist), over a float64 array of N elements in blocks of 10^7; time (median of
REPEATS after a warm-up run) and peak worker memory (the largest worker's resident set,
sampled every 5 ms in fresh worker processes); then 1 against 2 workers.

    python benches/dask/bench.py [--elements N] [--repeats R] [--markdown FILE]

The input is ``da.arange`` scaled into [-2, 2), generated on the workers the same way
for both (lazyfuse fuses the scaling into its block programs; dask + NumPy's graph
optimisation fuses it into the same task as the expression)."""

import argparse
import statistics
import time

import dask
import dask.array as da
import numpy as np
from distributed import Client, LocalCluster, wait

import lazyfuse as lf
import lazyfuse.dask as ld  # noqa: F401 - registers the Array type
import lazyfuse.numpy as lnp

BLOCK = 10_000_000
ROW = 1000


def _same(block):
    return block


def source(n, two_d, run):
    """The input; `run` names its blocks, so each run computes afresh (results of an
    earlier run with the same keys may still be on the workers)."""
    x = da.arange(n, chunks=BLOCK, dtype=np.float64)
    if two_d:
        x = x.reshape((n // ROW, ROW), merge_chunks=True)
    return x.map_blocks(_same, name=f"bench-source-{run}", dtype=x.dtype)


def scaled(x):
    return x * (4.0 / x.size) - 2.0


def polynomial(x, xp):
    x = scaled(x)
    return (((3.0 * x - 2.0) * x + 0.5) * x - 1.0).sum()


def transcendental(x, xp):
    x = scaled(x)
    return (2.0 * xp.exp(-0.5 * x * x) * xp.sin(3.0 * x) + xp.sqrt(xp.abs(x)) * xp.cos(x)).sum()


def softmax(x, xp):
    x = scaled(x)
    e = xp.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


_RUNS = iter(range(10**9))


WORKLOADS = {"polynomial": polynomial, "transcendental": transcendental, "softmax": softmax}


def build(workload, engine, n):
    x = source(n, workload == "softmax", next(_RUNS))
    f = WORKLOADS[workload]
    if engine == "lazyfuse":
        return f(lf.from_dask(x), lnp).to_dask()
    return f(x, np)


def _start_sampler():
    """On a worker: sample this process's resident set every 5 ms until stopped."""
    import threading

    import psutil
    state = {"peak": 0, "stop": threading.Event()}
    process = psutil.Process()

    def sample():
        while not state["stop"].is_set():
            state["peak"] = max(state["peak"], process.memory_info().rss)
            state["stop"].wait(0.005)
    state["thread"] = threading.Thread(target=sample, daemon=True)
    state["thread"].start()
    import sys
    sys.lazyfuse_bench_sampler = state  # (a module attribute outlives this call)


def _stop_sampler():
    import sys
    state = sys.__dict__.pop("lazyfuse_bench_sampler")
    state["stop"].set()
    state["thread"].join()
    return state["peak"]


def released(client):
    """Waits (at most 30 s) until the workers hold no results."""
    deadline = time.monotonic() + 30
    while any(client.has_what().values()) and time.monotonic() < deadline:
        time.sleep(0.02)


def measure(client, workload, engine, n, repeats):
    client.restart()
    client.run(_start_sampler)
    times = []
    for i in range(repeats + 1):
        y = build(workload, engine, n)
        t = time.perf_counter()
        if workload == "softmax":
            kept = client.persist(y)
            wait(kept)
            elapsed = time.perf_counter() - t
            del kept
            released(client)
        else:
            value = client.compute(y).result()
            elapsed = time.perf_counter() - t
            assert np.isfinite(value)
        if i:
            times.append(elapsed)
    return statistics.median(times), max(client.run(_stop_sampler).values())


def check(client, n):
    """Both engines give the same answer (a smaller size)."""
    small = min(n, 2 * BLOCK)
    for workload in WORKLOADS:
        a = client.compute(build(workload, "lazyfuse", small)).result()
        b = client.compute(build(workload, "numpy", small)).result()
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elements", type=float, default=4e8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--markdown", help="append the tables to this file")
    args = parser.parse_args()
    n = int(args.elements) // (BLOCK) * BLOCK or BLOCK
    rows = []
    scaling = {}
    for workers in (2, 1):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None, silence_logs=40,
                          memory_limit=0, env={"LAZYFUSE_NUM_THREADS": "1"}) as cluster, \
                Client(cluster) as client:
            if workers == 2:
                check(client, n)
            for workload in WORKLOADS:
                for engine in ("lazyfuse", "numpy"):
                    if workers == 1 and engine == "numpy":
                        continue
                    t, mem = measure(client, workload, engine, n, args.repeats)
                    if workers == 2:
                        rows.append((workload, engine, t, mem))
                    if engine == "lazyfuse":
                        scaling[(workload, workers)] = t
                    print(f"{workers} worker(s) {workload:14s} {engine:8s} {t * 1e3:9.1f} ms "
                          f"peak worker RSS {mem / 2**20:8.0f} MiB", flush=True)
    lines = [f"{n:.1e} float64 elements in blocks of {BLOCK:.0e}, 2 worker processes, "
             "one thread each; median of {} runs after a warm-up.".format(args.repeats), "",
             "| workload | lazyfuse + Dask | dask + NumPy | speed-up | peak worker RSS (lazyfuse / NumPy) |",
             "|---|---:|---:|---:|---:|"]
    for workload in WORKLOADS:
        (_, _, tl, ml), = [r for r in rows if r[0] == workload and r[1] == "lazyfuse"]
        (_, _, tn, mn), = [r for r in rows if r[0] == workload and r[1] == "numpy"]
        lines.append(f"| {workload} | {tl * 1e3:.0f} ms | {tn * 1e3:.0f} ms | {tn / tl:.2f}x | "
                     f"{ml / 2**20:.0f} / {mn / 2**20:.0f} MiB |")
    lines += ["", "| workload | 1 worker | 2 workers | scaling |", "|---|---:|---:|---:|"]
    for workload in WORKLOADS:
        one, two = scaling[(workload, 1)], scaling[(workload, 2)]
        lines.append(f"| {workload} | {one * 1e3:.0f} ms | {two * 1e3:.0f} ms | {one / two:.2f}x |")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n## lazyfuse + Dask against dask + NumPy (`benches/dask/bench.py`)\n\n")
            f.write(table + "\n")


if __name__ == "__main__":
    dask.config.set({"distributed.worker.daemon": False})
    main()
