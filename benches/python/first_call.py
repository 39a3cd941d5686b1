"""First calls of the 14 workloads of compare.py, each in a fresh process: cold (an empty
on-disk kernel cache: tracing, optimisation, planning and LLVM compilation), new kernels
(the same over a cache that holds only the vector-math library) and warm (a second fresh
process over the cache the first filled: nothing compiled), next to the
steady-state call, so that the first call's overhead is first minus steady.

    python benches/python/first_call.py [--only NAME ...] [--markdown FILE]
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
PRIMER = "vector-math-primer"


def child(name):
    """In the fresh process: the workload's first call and its steady-state median."""
    sys.path.insert(0, str(HERE))
    import numpy
    import compare
    import lazyfuse as lf
    import lazyfuse.numpy as lnp
    fn, args, _ = compare.inputs(numpy.random.default_rng(0))[name]
    f = lf.jit(lambda *a: fn(lnp, *a))
    t = time.perf_counter()
    numpy.asarray(f(*args))
    first = time.perf_counter() - t
    steady = []
    for _ in range(5):
        t = time.perf_counter()
        numpy.asarray(f(*args))
        steady.append(time.perf_counter() - t)
    info = lf.cache_info()
    print(json.dumps({"first": first, "steady": statistics.median(steady),
                      "compiles": info["compiles"], "disk_hits": info["disk_hits"],
                      "vector_math": info.get("vector_math_compiles", 0)}))


def prime_vector_math():
    """In the fresh process: every function of the shared vector-math library (sin, cos,
    tan, the logarithms and pow: codegen/src/cpu/vector_library.rs) in both float
    widths, so that the on-disk cache holds the library (not the workloads' kernels)."""
    import numpy
    import lazyfuse as lf
    import lazyfuse.numpy as lnp
    f = lf.jit(lambda a: lnp.sin(a) + lnp.cos(a) * lnp.tan(a) + lnp.log(a) + lnp.log2(a)
               + lnp.log10(a) + lnp.log1p(a) + lnp.power(a, a))
    for dtype in ("float64", "float32"):
        numpy.asarray(f(numpy.linspace(0.5, 2.0, 100_000, dtype=dtype)))
    print("{}")


def fresh_process(name, cache_dir):
    env = dict(os.environ, LAZYFUSE_CACHE_DIR=cache_dir)
    env.pop("LAZYFUSE_CACHE", None)
    out = subprocess.run([sys.executable, __file__, "--child", name], env=env, check=True,
                         capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    if args.child == PRIMER:
        return prime_vector_math()
    if args.child:
        return child(args.child)
    names = args.only or _workload_names()
    rows = []
    for name in names:
        with tempfile.TemporaryDirectory(prefix="lazyfuse-first-call-") as cache:
            cold = fresh_process(name, cache)
            warm = fresh_process(name, cache)
        with tempfile.TemporaryDirectory(prefix="lazyfuse-first-call-") as cache:
            fresh_process(PRIMER, cache)
            primed = fresh_process(name, cache)
        rows.append((name, cold, primed, warm))
        print(f"{name:24s} cold {cold['first'] * 1e3:7.1f} ms ({cold['compiles']} compiles)  "
              f"new kernels {primed['first'] * 1e3:7.1f} ms  "
              f"warm {warm['first'] * 1e3:7.1f} ms ({warm['compiles']} compiles, "
              f"{warm['disk_hits']} loaded)  steady {warm['steady'] * 1e3:7.2f} ms", flush=True)
    lines = ["| workload | cold first call | new kernels | warm first call | steady call | "
             "kernels (+ vector-math symbols) compiled cold / warm |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, cold, primed, warm in rows:
        lines.append(f"| {name} | {cold['first'] * 1e3:.1f} ms | {primed['first'] * 1e3:.1f} ms | "
                     f"{warm['first'] * 1e3:.1f} ms | "
                     f"{warm['steady'] * 1e3:.2f} ms | {counts(cold)} / {counts(warm)} |")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        sys.path.insert(0, str(HERE))
        from _markdown import replace_section

        text = ("Cold: an empty on-disk kernel cache (tracing, optimisation, planning, LLVM); "
                "new kernels: the same, but the cache already holds the vector-math library "
                "(sin, cos, tan, the logarithms and pow, compiled once per machine: what any "
                "later new program "
                "sees); warm: a second fresh process over the cache the first filled (nothing "
                f"compiled). One run, {time.strftime('%Y-%m-%d')}; single runs on a shared "
                "machine vary by up to 2x.\n\n" + table)
        replace_section(args.markdown, "first-call", text,
                        "## First calls in a fresh process, cold and warm "
                        "(`benches/python/first_call.py`)")


def counts(run):
    """Kernels compiled, with the vector-math symbols compiled where there were any."""
    extra = run.get("vector_math", 0)
    return f"{run['compiles']} (+{extra})" if extra else f"{run['compiles']}"


def _workload_names():
    """compare.py's workloads, in its order (its inputs are built once to list them)."""
    sys.path.insert(0, str(HERE))
    import numpy
    import compare
    return list(compare.inputs(numpy.random.default_rng(0)))


if __name__ == "__main__":
    main()
