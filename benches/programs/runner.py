"""Runs the corpus of NumPy programs (benches/programs/*.py) unchanged under NumPy and
under lazyfuse, checks that they agree and times both.

Each program is a plain module written with ``import numpy as np`` that defines

* ``SIZES``: ``{"small": kwargs, "large": kwargs}`` for ``setup`` (small: dispatch-bound;
  large: at least 10M elements, or bandwidth-bound);
* ``setup(**kwargs)``: the inputs, a tuple of arguments (built with NumPy);
* ``kernel(*args)``: the work; it may return values and may write its arguments.

The lazyfuse run imports the module with ``sys.modules["numpy"]`` bound to
``lazyfuse.numpy`` (a user's one-line change) and gives ``kernel`` each NumPy array
argument as a lazy copy (``lazyfuse.numpy.array``). Every returned value and every
argument afterwards is compared with NumPy's: the same dtype and shape, equal integers
and booleans, floats equal within a summation-order tolerance.

    python benches/programs/runner.py                 # both sizes, print the table
    python benches/programs/runner.py --size small --only heat
    python benches/programs/runner.py --markdown BENCHMARKS.md   # also update its table
"""

import argparse
import copy
import importlib.util
import math
import pathlib
import statistics
import sys
import time
import traceback

import numpy

HERE = pathlib.Path(__file__).resolve().parent
BEGIN, END = "<!-- programs:begin -->", "<!-- programs:end -->"


def discover(only=None):
    """The corpus programs, by name."""
    paths = sorted(p for p in HERE.glob("*.py") if p.stem != "runner" and not p.stem.startswith("_"))
    return [p for p in paths if only is None or only in p.stem]


def load(path, np_module):
    """Imports the program at `path` with `numpy` bound to `np_module`."""
    name = f"_program_{path.stem}_{np_module.__name__.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    saved = sys.modules["numpy"]
    sys.modules["numpy"] = np_module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules["numpy"] = saved
    return module


def to_lazy(lnp, value):
    """A kernel argument as the lazyfuse run gets it."""
    if isinstance(value, numpy.ndarray):
        return lnp.array(value)
    if isinstance(value, (list, tuple)):
        return type(value)(to_lazy(lnp, v) for v in value)
    return value


def force(value):
    """Evaluates lazy results (so that timing covers the work)."""
    if isinstance(value, (list, tuple)):
        return type(value)(force(v) for v in value)
    if hasattr(value, "__array__") and not isinstance(value, numpy.ndarray):
        return numpy.asarray(value)
    return value


def check(where, got, want):
    """Raises AssertionError if `got` (lazyfuse's) differs from `want` (NumPy's)."""
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), f"{where}: {got!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            check(f"{where}[{i}]", g, w)
        return
    if isinstance(want, (numpy.ndarray, numpy.generic)):
        got_a, want_a = numpy.asarray(got), numpy.asarray(want)
        assert got_a.dtype == want_a.dtype, f"{where}: dtype {got_a.dtype}, NumPy {want_a.dtype}"
        assert got_a.shape == want_a.shape, f"{where}: shape {got_a.shape}, NumPy {want_a.shape}"
        if want_a.dtype.kind == "f":
            rtol = 1e-9 if want_a.dtype.itemsize == 8 else 1e-4
            numpy.testing.assert_allclose(got_a, want_a, rtol=rtol, atol=rtol * 1e-3,
                                          equal_nan=True, err_msg=where)
        else:
            numpy.testing.assert_array_equal(got_a, want_a, err_msg=where)
        return
    if isinstance(want, float):
        assert math.isclose(float(got), want, rel_tol=1e-9) or got == want, f"{where}: {got} != {want}"
        return
    assert got == want, f"{where}: {got!r} != {want!r}"


def run_once(module, args):
    """Runs the kernel on `args`; the time it took, its results and its arguments (all
    evaluated)."""
    start = time.perf_counter()
    result = force(module.kernel(*args))
    after = force(args)
    return time.perf_counter() - start, result, after


def run_program(path, size, repeats=0):
    """Checks one program at one size; with repeats, also times it. Returns a dict."""
    import lazyfuse.numpy as lnp

    ref = load(path, numpy)
    lazy = load(path, lnp)
    inputs = ref.setup(**ref.SIZES[size])
    row = {"name": path.stem, "size": size, "ok": False, "error": None}
    try:
        _, want, want_args = run_once(ref, copy.deepcopy(inputs))
        _, got, got_args = run_once(lazy, to_lazy(lnp, copy.deepcopy(inputs)))
        check("result", got, want)
        check("arguments", got_args, want_args)
        row["ok"] = True
    except Exception as e:  # reported in the table, not hidden
        row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:160]
        if repeats == 0:
            row["traceback"] = traceback.format_exc()
        return row
    if repeats:
        times = {"numpy": [], "lazyfuse": []}
        for _ in range(repeats):  # interleaved, so both see the same machine load
            times["numpy"].append(run_once(ref, copy.deepcopy(inputs))[0])
            times["lazyfuse"].append(run_once(lazy, to_lazy(lnp, copy.deepcopy(inputs)))[0])
        row["numpy_s"] = statistics.median(times["numpy"])
        row["lazyfuse_s"] = statistics.median(times["lazyfuse"])
        row["speedup"] = row["numpy_s"] / row["lazyfuse_s"]
    return row


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def table(rows, sizes):
    """The markdown table of a run."""
    programs = sorted({r["name"] for r in rows})
    lines = [f"{sum(1 for p in programs if all(r['ok'] for r in rows if r['name'] == p))} of "
             f"{len(programs)} programs agree with NumPy at every size run.", ""]
    for size in sizes:
        ok = [r for r in rows if r["size"] == size and r["ok"] and "speedup" in r]
        if ok:
            lines.append(f"- {size}: geomean speed-up over NumPy {geomean([r['speedup'] for r in ok]):.2f}x "
                         f"({len(ok)} programs); slowest: "
                         + ", ".join(f"{r['name']} {r['speedup']:.2f}x"
                                     for r in sorted(ok, key=lambda r: r["speedup"])[:5]))
    lines += ["", "| program | " + " | ".join(f"{s}: NumPy ms | {s}: lazyfuse ms | {s}: speed-up"
                                               for s in sizes) + " |",
              "|---|" + "---|---|---|" * len(sizes)]
    for p in programs:
        cells = []
        for size in sizes:
            r = next((r for r in rows if r["name"] == p and r["size"] == size), None)
            if r is None:
                cells += ["", "", ""]
            elif not r["ok"]:
                cells += ["", "", f"fails: {r['error']}"]
            else:
                cells += [f"{r['numpy_s'] * 1e3:.3g}", f"{r['lazyfuse_s'] * 1e3:.3g}",
                          f"{r['speedup']:.2f}x"]
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update_markdown(path, text):
    """Replaces the programs section of `path` (between the markers) with `text`."""
    path = pathlib.Path(path)
    doc = path.read_text() if path.exists() else ""
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        doc += ("\n## NumPy programs, unchanged (benches/programs)\n\n"
                "`python benches/programs/runner.py --markdown BENCHMARKS.md` (part of `make "
                "bench`): each program run with `numpy` bound to `lazyfuse.numpy`, checked "
                "against NumPy, timed side by side (median of interleaved runs; times include "
                "evaluating the results). Large arrays on a shared VM time noisily (first "
                "touches of fresh memory): single ratios move between runs, the geomean less."
                "\n\n" + block + "\n")
    path.write_text(doc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "large", "both"], default="both")
    parser.add_argument("--only", help="run programs whose name contains this")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--markdown", help="update this file's programs table")
    opts = parser.parse_args()
    sizes = ["small", "large"] if opts.size == "both" else [opts.size]
    rows = []
    for path in discover(opts.only):
        for size in sizes:
            repeats = opts.repeats if size == "small" else max(1, opts.repeats // 2)
            row = run_program(path, size, repeats)
            rows.append(row)
            status = f"{row['speedup']:.2f}x" if row["ok"] else f"FAILS {row['error']}"
            print(f"{path.stem:28s} {size:6s} {status}", flush=True)
    text = table(rows, sizes)
    print("\n" + text)
    if opts.markdown:
        update_markdown(opts.markdown, text)


if __name__ == "__main__":
    main()
