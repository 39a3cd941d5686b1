"""Exported kernels called from C against the same computations hand-written in C
(`gcc -O3 -march=native -fopenmp`): the polynomial, the row softmax and two fused
gradients (Rosenbrock's, elementwise with neighbours; a logistic regression's, two
products over X). Exports into a temporary directory, builds bench.c against the
libraries, runs it (no Python in that process) and prints the medians and ratios.

    python benches/export/bench.py [--markdown FILE]

Both sides use every core (the exported library's default; OpenMP's), OpenMP with
OMP_WAIT_POLICY=passive so its idle threads do not spin while the library runs."""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

import lazyfuse as lf
import lazyfuse.numpy as lnp

HERE = pathlib.Path(__file__).resolve().parent
N, ROWS, COLS, LN, LD = 10_000_000, 4000, 2500, 1_000_000, 32


def poly(x):
    return 3.0 * x**3 - 2.0 * x**2 + 0.5 * x - 1.0


def softmax(x):
    e = lnp.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def rosenbrock(x):
    return lnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logistic_loss(w, X, y):
    z = X @ w
    return lnp.mean(lnp.logaddexp(0.0, z) - y * z)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markdown", help="append the table to this file")
    args = parser.parse_args()
    f64 = lambda *shape: np.zeros(shape)  # noqa: E731 - only shapes and dtypes matter
    with tempfile.TemporaryDirectory() as build:
        exports = [(poly, (f64(N),), "poly"), (softmax, (f64(ROWS, COLS),), "softmax"),
                   (lf.grad(rosenbrock), (f64(N),), "rosenbrock_grad"),
                   (lf.grad(logistic_loss), (f64(LD), f64(LN, LD), f64(LN)), "logistic_grad")]
        libs = set()
        for f, example, name in exports:
            ex = lf.export(f, *example, name=name, out_dir=build)
            libs.update(ex.link_libraries)
        exe = pathlib.Path(build) / "bench"
        cc = os.environ.get("CC", "gcc")
        subprocess.run([cc, "-std=gnu11", "-O3", "-march=native", "-fopenmp", "-I", build,
                        str(HERE / "bench.c"), "-o", str(exe), f"-L{build}",
                        *[f"-l{n}" for _, _, n in exports], f"-Wl,-rpath,{build}",
                        *[f"-l{lib}" for lib in sorted(libs)]], check=True)
        env = {"PATH": os.environ.get("PATH", ""), "OMP_WAIT_POLICY": "passive"}
        out = subprocess.run([str(exe)], env=env, capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()]
    table = ["| workload | exported (ms) | hand-written C (ms) | C / exported | max rel. diff |",
             "|---|---:|---:|---:|---:|"]
    for name, ours, theirs, diff in rows:
        table.append(f"| {name} | {float(ours):.2f} | {float(theirs):.2f} | "
                     f"{float(theirs) / float(ours):.2f}x | {float(diff):.1e} |")
    print("\n".join(table))
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n## Exported kernels against hand-written C (`benches/export/bench.py`)\n\n"
                    + "\n".join(table) + "\n")


if __name__ == "__main__":
    sys.exit(main())
