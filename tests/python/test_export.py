"""lf.export: functions compiled ahead of time into C libraries, called through ctypes
and from C programs built here with gcc (no Python in their process), checked against
lazyfuse's jit and NumPy; the C runner also under AddressSanitizer."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import lazyfuse as lf
import lazyfuse.numpy as lnp

# Every temporary the libraries allocate or reuse starts as 0xff bytes (NaN, -1): a
# kernel reading what it did not write shows in the results.
os.environ["LAZYFUSE_EXPORT_POISON"] = "1"

RUNNER = pathlib.Path(__file__).resolve().parents[1] / "export" / "runner.c"
CC = os.environ.get("CC", "cc")
RNG = np.random.default_rng(20261203)
X = RNG.standard_normal((300, 200))
C = RNG.standard_normal(200)
IDX = RNG.integers(0, 300, 50)


def softmax(x):
    e = lnp.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def polynomial(x):
    return 3 * x**3 - 2 * x**2 + x * C + 1.5


def mse(w, a, y):
    return lnp.mean((lnp.tanh(a @ w) - y) ** 2)


W, A, Y = RNG.standard_normal(20), RNG.standard_normal((100, 20)), RNG.standard_normal(100)

# (name, function, example arguments): every kind of kernel the runtime runs.
CASES = [
    ("softmax", softmax, (X,)),
    ("polynomial", polynomial, (X,)),
    ("big_sum", lambda x: (x * x).sum(), (RNG.standard_normal(3_000_000),)),
    ("big_max", lambda x: lnp.max(x), (RNG.standard_normal(3_000_000),)),
    ("sum_f32", lambda x: x.sum(), (RNG.standard_normal(2_000_000).astype(np.float32),)),
    ("sum_int", lambda x: x.sum(), (RNG.integers(-100, 100, 2_000_000),)),
    ("any_rows", lambda x: (x > 1).any(axis=1), (X,)),
    ("mean_axis0", lambda x: x.mean(axis=0), (X,)),
    ("softmax_axis0", lambda x: lnp.exp(x) / lnp.exp(x).sum(axis=0), (X,)),
    ("matmul", lambda a, b: a @ b, (RNG.standard_normal((64, 48)), RNG.standard_normal((48, 32)))),
    ("gram", lambda a: a.T @ a + 1, (RNG.standard_normal((64, 48)),)),
    ("matmul_f32", lambda a, b: a @ b,
     (RNG.standard_normal((33, 17)).astype(np.float32),
      RNG.standard_normal((17, 5)).astype(np.float32))),
    ("matmul_int", lambda a, b: a @ b, (RNG.integers(0, 9, (5, 7)), RNG.integers(0, 9, (7, 3)))),
    ("three_outputs", lambda x: (x.sum(axis=1), x * 2, lnp.tanh(x)), (X,)),
    ("grad_mse", lf.grad(mse), (W, A, Y)),
    ("captured_gather", lambda x: x[IDX] * 2 + x[:, IDX[IDX < 200]].sum(), (X,)),
    ("complex", lambda z: (z * z.conj()).sum() + lnp.exp(z),
     (RNG.standard_normal(1000) + 1j * RNG.standard_normal(1000),)),
    ("views", lambda x: x[::-1, ::2] + x[:, :100].T.sum(axis=1), (X,)),
    ("zero_d", lambda x: lnp.sqrt(x) + 1, (np.float64(3.0),)),
    ("empty", lambda x: (x * 2, x.sum(axis=0)), (np.zeros((0, 4)),)),
    ("half", lambda x: x * 2 + 1, (RNG.standard_normal(100).astype(np.float16),)),
    ("uint8", lambda x: x + 3, (RNG.integers(0, 255, 100).astype(np.uint8),)),
    ("nan_inf", lambda x: lnp.maximum(x, 0.0) + x.min(), (np.array([np.nan, -np.inf, -0.0, 2.0]),)),
]


def as_tuple(r):
    return r if isinstance(r, (tuple, list)) else (r,)


def assert_same(got, want):
    got, want = as_tuple(got), as_tuple(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape
        if w.dtype.kind in "fc":
            # Same plan, same kernels: equal but for products, which the library computes
            # with the system's OpenBLAS and jit with NumPy's; the two builds pick different
            # kernels on some CPUs (float32 GEMM on Sapphire Rapids: 20 ulps apart). The
            # bound is the same in ulps for every precision (about 1e-13 in float64).
            eps = np.finfo(w.dtype).eps
            np.testing.assert_allclose(g, w, rtol=512 * eps, atol=8 * eps)
        else:
            np.testing.assert_array_equal(g, w)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("export")


@pytest.fixture(scope="module")
def exported(out_dir):
    """Each case exported once."""
    return {name: lf.export(f, *args, name=name, out_dir=out_dir) for name, f, args in CASES}


@pytest.mark.parametrize("name,f,args", CASES, ids=[c[0] for c in CASES])
def test_ctypes_call_matches_jit(exported, name, f, args):
    ex = exported[name]
    assert_same(ex(*args), lf.jit(f)(*args))


def test_softmax_matches_numpy(exported):
    e = np.exp(X - X.max(axis=1, keepdims=True))
    np.testing.assert_allclose(exported["softmax"](X), e / e.sum(axis=1, keepdims=True),
                               rtol=1e-14)


def test_gradient_matches_finite_differences(exported):
    g = exported["grad_mse"](W, A, Y)
    h = 1e-6
    fd = [(float(np.asarray(mse(W + h * e, A, Y))) - float(np.asarray(mse(W - h * e, A, Y))))
          / (2 * h) for e in np.eye(len(W))]
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-9)


def test_reductions_same_bits_for_any_thread_count(exported):
    ex = exported["big_sum"]
    x = CASES[2][2][0]
    results = []
    for n in (1, 2, 3, 7):
        ex.set_num_threads(n)
        results.append(ex(x))
    ex.set_num_threads(0)
    assert all(r.tobytes() == results[0].tobytes() for r in results)
    assert results[0] == lf.jit(CASES[2][1])(x)


def test_strided_reversed_inputs_and_strided_outputs(exported):
    ex = exported["softmax"]
    big = RNG.standard_normal((600, 401))
    x = big[::-2, 1::2]  # reversed rows, every other column
    assert x.shape == X.shape
    out = np.zeros((300, 400))[:, ::2]
    ex(x, out=[out])
    assert_same(out, lf.jit(softmax)(np.ascontiguousarray(x)))
    ft = np.asfortranarray(x)
    assert_same(ex(ft), lf.jit(softmax)(np.ascontiguousarray(x)))


def test_output_may_overlap_its_input(exported):
    x = X.copy()
    want = np.asarray(lf.jit(softmax)(x))
    exported["softmax"](x, out=[x])
    assert_same(x, want)


def test_bad_calls_report_status_and_message(exported):
    ex = exported["softmax"]
    with pytest.raises(RuntimeError, match=r"softmax: input 0 .*shape.*\(300, 200\).*\(10, 200\).*status 3"):
        ex(X[:10])
    with pytest.raises(RuntimeError, match=r"softmax: input 0 must be float64, got float32 .status 2"):
        ex(X.astype(np.float32))
    with pytest.raises(RuntimeError, match=r"softmax: takes 1 input tensors, got 2 .*status 1"):
        ex(X, X)
    with pytest.raises(RuntimeError, match=r"status 3"):
        ex(X, out=[np.empty((300, 199))])
    # Afterwards the library still works.
    assert_same(ex(X), lf.jit(softmax)(X))


def test_export_arguments_are_checked(out_dir):
    with pytest.raises(lf.errors.InvalidArgumentError, match="not a C identifier"):
        lf.export(softmax, X, name="2fast", out_dir=out_dir)
    with pytest.raises(lf.errors.InvalidArgumentError, match="unknown target CPU"):
        lf.export(softmax, X, out_dir=out_dir, target="pentium9")
    with pytest.raises(ValueError, match="pass name="):
        lf.export(lambda x: x + 1, X, out_dir=out_dir)


def test_static_argnums_and_scalars(out_dir):
    def scaled(x, k, shift):
        return x * k + shift

    ex = lf.export(scaled, X, 2.5, np.float64(1.0), static_argnums=(1,), out_dir=out_dir)
    assert [d for d, _ in ex.inputs] == ["float64", "float64"]
    assert_same(ex(X, np.float64(-1.0)), X * 2.5 - 1.0)


def _host_flags():
    try:
        text = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    m = re.search(r"^flags\s*:(.*)$", text, re.M)
    return set(m.group(1).split()) if m else set()


@pytest.mark.parametrize("target,needs", [("x86-64-v2", "sse4_2"), ("x86-64-v3", "avx2"),
                                          ("x86-64-v4", "avx512f")])
def test_named_baselines(out_dir, target, needs):
    name = "rows_" + target[-2:].replace("-", "")
    ex = lf.export(lambda x: lnp.exp(x).sum(axis=1), X, name=name, out_dir=out_dir, target=target)
    assert ex.cpu == target
    header = pathlib.Path(ex.header).read_text()
    assert f'#define {name.upper()}_TARGET_CPU "{target}"' in header
    if needs not in _host_flags():
        pytest.skip(f"this CPU lacks {needs}: {target} code is built but not run")
    np.testing.assert_allclose(ex(X), np.exp(X).sum(axis=1), rtol=1e-13)


# ---- C programs, no Python in the process -----------------------------------------------


def _build_runner(ex, directory, extra=(), static=False):
    """The generic C runner (tests/export/runner.c) for `ex`, linked with gcc."""
    exe = pathlib.Path(directory) / (f"run_{ex.name}" + ("_static" if static else "")
                                     + ("_asan" if extra else ""))
    lib_dir = os.path.dirname(os.path.abspath(ex.shared_library))
    cmd = [CC, "-std=c11", "-O1", "-g", *extra, f"-DLF_NAME={ex.name}", "-include", ex.header,
           "-I", lib_dir, str(RUNNER), "-o", str(exe)]
    if static:
        cmd += [ex.static_library] + [f"-l{lib}" for lib in ex.link_libraries]
    else:
        cmd += [f"-L{lib_dir}", f"-l{ex.name}", f"-Wl,-rpath,{lib_dir}"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def _run_runner(exe, ex, args, tmp_path, env=None, out_shapes=None):
    paths_in, paths_out = [], []
    for k, a in enumerate(args):
        p = tmp_path / f"in{k}.bin"
        np.ascontiguousarray(a).tofile(p)
        paths_in.append(str(p))
    for k in range(len(ex.outputs)):
        paths_out.append(str(tmp_path / f"out{k}.bin"))
    # A clean environment: no PYTHONPATH, nothing from this interpreter.
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LAZYFUSE_EXPORT_POISON": "1"}
    proc = subprocess.run([str(exe), *paths_in, "--", *paths_out], env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    shapes = out_shapes or [s for _, s in ex.outputs]
    return tuple(np.fromfile(p, dtype=d).reshape(s)
                 for p, (d, _), s in zip(paths_out, ex.outputs, shapes))


C_CASES = ["softmax", "polynomial", "big_sum", "sum_int", "matmul", "three_outputs", "grad_mse",
           "captured_gather", "complex", "empty", "softmax_axis0"]


@pytest.mark.parametrize("name", C_CASES)
def test_c_program_matches_lazyfuse(exported, tmp_path, name):
    ex = exported[name]
    f, args = next((f, a) for n, f, a in CASES if n == name)
    exe = _build_runner(ex, tmp_path)
    want = lf.jit(f)(*args)
    assert_same(_run_runner(exe, ex, args, tmp_path), want)
    assert_same(_run_runner(exe, ex, args, tmp_path, {"LF_STRIDED": "1"}), want)


def test_c_program_has_no_python(exported, tmp_path):
    ex = exported["softmax"]
    for binary in (_build_runner(ex, tmp_path), ex.shared_library):
        deps = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
        assert "python" not in deps.lower(), deps
        assert "libsoftmax" in deps or binary == ex.shared_library


def test_static_library_links_alone(exported, tmp_path):
    for name in ("softmax", "matmul", "big_sum"):
        ex = exported[name]
        f, args = next((f, a) for n, f, a in CASES if n == name)
        exe = _build_runner(ex, tmp_path, static=True)
        deps = subprocess.run(["ldd", str(exe)], capture_output=True, text=True).stdout
        assert f"lib{name}.so" not in deps and "python" not in deps.lower()
        assert_same(_run_runner(exe, ex, args, tmp_path, {"LF_REPEAT": "3"}), lf.jit(f)(*args))


def test_c_bad_call_exit_status(exported, tmp_path):
    """A short input file is the runner's error; a wrong-dtype tensor is the library's."""
    src = tmp_path / "bad.c"
    src.write_text(
        '#include <stdio.h>\n#include "softmax.h"\n'
        "int main(void) {\n"
        "  static float data[300 * 200]; int64_t shape[2] = {300, 200};\n"
        "  DLTensor in = {data, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, NULL, 0};\n"
        "  DLTensor out = in;\n"
        "  int rc = softmax(&in, 1, &out, 1);\n"
        "  printf(\"%d|%s|%s\\n\", rc, softmax_strerror(rc), softmax_last_error());\n"
        "  in.dtype.bits = 64; in.device.device_type = kDLCUDA;\n"
        "  rc = softmax(&in, 1, &out, 1);\n"
        "  printf(\"%d|%s\\n\", rc, softmax_last_error());\n"
        "  return 0;\n}\n")
    ex = exported["softmax"]
    lib_dir = os.path.dirname(os.path.abspath(ex.shared_library))
    exe = tmp_path / "bad"
    subprocess.run([CC, "-std=c11", "-I", lib_dir, str(src), "-o", str(exe), f"-L{lib_dir}",
                    "-lsoftmax", f"-Wl,-rpath,{lib_dir}"], check=True)
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
    code, meaning, message = lines[0].split("|")
    assert code == "2" and "type" in meaning and "float32" in message
    assert lines[1].startswith("4|") and "CPU" in lines[1]


@pytest.mark.skipif(shutil.which("ldd") is None, reason="needs ldd")
def test_c_program_under_address_sanitizer(tmp_path, monkeypatch):
    """The runtime compiled with -fsanitize=address (LAZYFUSE_EXPORT_CFLAGS), the runner
    too: heap errors in the runtime's C or in the runner's use of the API abort the run.
    (The LLVM kernels themselves are not instrumented.)"""
    flags = ["-fsanitize=address", "-fno-omit-frame-pointer"]
    monkeypatch.setenv("LAZYFUSE_EXPORT_CFLAGS", " ".join(flags))
    env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99"}
    for name in ("softmax", "big_sum", "matmul", "three_outputs", "captured_gather", "empty"):
        f, args = next((f, a) for n, f, a in CASES if n == name)
        ex = lf.export(f, *args, name=name + "_asan", out_dir=tmp_path)
        exe = _build_runner(ex, tmp_path, extra=flags)
        for binary in (exe, ex.shared_library):
            deps = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
            assert "libasan" in deps, deps
        want = lf.jit(f)(*args)
        assert_same(_run_runner(exe, ex, args, tmp_path, env), want)
        assert_same(_run_runner(exe, ex, args, tmp_path, {**env, "LF_STRIDED": "1"}), want)


def test_example_program_runs(tmp_path):
    """examples/export/run.sh: exports, builds main.c with gcc, runs it without Python."""
    script = RUNNER.parents[2] / "examples" / "export" / "run.sh"
    proc = subprocess.run(["bash", str(script), str(tmp_path)], capture_output=True, text=True,
                          env={**os.environ, "PYTHON": sys.executable}, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 Python libraries linked" in proc.stdout
    assert "status 3" in proc.stdout
    assert "row_softmax on (2, 3): status 0, rows [0.0900 0.2447 0.6652]" in proc.stdout
    accuracy = float(re.search(r"training accuracy: ([0-9.]+)%", proc.stdout).group(1))
    assert accuracy > 95.0, proc.stdout


# ---- shape-generic exports (dynamic=True) ------------------------------------------------


@pytest.fixture(scope="module")
def dynamic(out_dir):
    d = out_dir / "dynamic"
    return {
        "softmax": lf.export(softmax, X, name="dyn_softmax", out_dir=d, dynamic=True),
        "scaled": lf.export(lambda x, c: (x * c).sum(axis=0) + x.max(), X, C, name="dyn_scaled",
                            out_dir=d, dynamic=True),
        "matmul": lf.export(lambda a, b: lnp.tanh(a @ b), RNG.standard_normal((30, 20)),
                            RNG.standard_normal((20, 10)), name="dyn_matmul", out_dir=d,
                            dynamic=True),
        "rosenbrock": lf.export(lf.grad(lambda x: lnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2
                                                          + (1.0 - x[:-1]) ** 2)),
                                RNG.standard_normal(1000), name="dyn_rosenbrock", out_dir=d,
                                dynamic=True),
        "flatten": lf.export(lambda x: (x[:, None] * x[None, :]).reshape(-1)[::-1] + x.sum(),
                             RNG.standard_normal(30), name="dyn_flatten", out_dir=d,
                             dynamic=True),
    }


def test_dynamic_sizes_are_named_in_header(dynamic):
    ex = dynamic["softmax"]
    assert ex.sizes == [(0, 0, 300), (0, 1, 200)]
    header = pathlib.Path(ex.header).read_text()
    assert "input 0 (x): f64 (n0, n1)" in header and "output 0: f64 (n0, n1)" in header
    assert "#define DYN_SOFTMAX_NUM_SIZES 2" in header
    assert "(n1,)" in pathlib.Path(dynamic["scaled"].header).read_text()


@pytest.mark.parametrize("shape", [(300, 200), (1, 1), (5, 7), (1000, 3), (3, 4097)])
def test_dynamic_softmax_any_shape(dynamic, shape):
    x = RNG.standard_normal(shape)
    assert_same(dynamic["softmax"](x), lf.jit(softmax)(x))


def test_dynamic_tied_sizes_and_errors(dynamic):
    ex = dynamic["scaled"]
    f = lambda x, c: (x * c).sum(axis=0) + x.max()  # noqa: E731
    for rows, cols in [(300, 200), (4, 9), (1, 1), (2, 1000)]:
        x, c = RNG.standard_normal((rows, cols)), RNG.standard_normal(cols)
        assert_same(ex(x, c), lf.jit(f)(x, c))
    # c's length is x's column count: tied when traced (both 200).
    with pytest.raises(RuntimeError, match=r"input 1 must have shape \(9,\).*got shape \(8,\).*status 3"):
        ex(RNG.standard_normal((4, 9)), RNG.standard_normal(8))
    with pytest.raises(RuntimeError, match=r"dimension 0 is 0; .*at least 1.*status 3"):
        ex(np.zeros((0, 9)), np.zeros(9))
    with pytest.raises(RuntimeError, match=r"input 0 must have 2 dimensions, got 1.*status 3"):
        ex(np.zeros(9), np.zeros(9))


def test_dynamic_matmul_gradient_and_flattened_outer(dynamic):
    for m, k, n in [(30, 20, 10), (1, 1, 1), (7, 3, 50)]:
        a, b = RNG.standard_normal((m, k)), RNG.standard_normal((k, n))
        assert_same(dynamic["matmul"](a, b), lf.jit(lambda a, b: lnp.tanh(a @ b))(a, b))
    g = lf.grad(lambda x: lnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))
    for n in (1000, 2, 3, 77, 100_003):
        x = RNG.standard_normal(n)
        assert_same(dynamic["rosenbrock"](x), lf.jit(g)(x))
    flat = lambda x: (x[:, None] * x[None, :]).reshape(-1)[::-1] + x.sum()  # noqa: E731
    for n in (30, 1, 2, 45):
        x = RNG.standard_normal(n)
        assert_same(dynamic["flatten"](x), lf.jit(flat)(x))


def test_dynamic_means_variances_and_their_gradients(out_dir):
    """1/n constants are computed by the library from the sizes (divisions by constants
    stay divisions in a shape-generic export: the quotients are NumPy's)."""
    d = out_dir / "dynamic_means"
    cases = [
        ("dyn_mean", lambda x: x.mean(axis=0), (X,)),
        ("dyn_layernorm", lambda x: (x - x.mean(axis=1, keepdims=True))
         / lnp.sqrt(x.var(axis=1, keepdims=True) + 1e-5), (X,)),
        ("dyn_std32", lambda x: x.std() + x.mean(axis=1), (X.astype(np.float32),)),
        ("dyn_by_shape", lambda x: x.sum(axis=0) / x.shape[0] + x.shape[1], (X,)),
        # Traced at 30 rows: the grid reaches 32, where 1/32 is exact.
        ("dyn_centered", lambda x: x - x.mean(axis=0, keepdims=True), (X[:30],)),
        ("dyn_mse_grad", lf.grad(lambda w, a, y: lnp.mean((a @ w - y) ** 2)), (W, A, Y)),
        ("dyn_logistic_grad", lf.grad(lambda w, a, y: lnp.mean(lnp.logaddexp(0.0, -y * (a @ w)))),
         (W, A, Y)),
    ]
    for name, f, args in cases:
        ex = lf.export(f, *args, name=name, out_dir=d, dynamic=True)
        for scale in (1.0, 0.03, 2.5):
            shaped = [RNG.standard_normal(tuple(max(1, int(n * scale)) for n in np.shape(a)))
                      .astype(np.asarray(a).dtype) for a in args]
            got, want = ex(*shaped), lf.jit(f)(*shaped)
            rtol = 1e-5 if shaped[0].dtype == np.float32 else 1e-13
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=rtol)
    x = RNG.standard_normal((7, 5))
    np.testing.assert_array_equal(
        lf.export(lambda x: x.mean(axis=0), X, name="dyn_mean_bits", out_dir=d, dynamic=True)(x),
        x.mean(axis=0))


def test_dynamic_refuses_what_it_cannot_fit(out_dir):
    d = out_dir / "refused"
    with pytest.raises(lf.errors.InvalidArgumentError, match="not an integer"):
        lf.export(lambda x: x * (1.0 / x.shape[0] ** 0.5), X, name="dyn_scale", out_dir=d,
                  dynamic=True)
    with pytest.raises(lf.errors.InvalidArgumentError, match="not polynomials"):
        lf.export(lambda x: x[::2] * 2, RNG.standard_normal(100), name="dyn_step", out_dir=d,
                  dynamic=True)
    # x[:40] traced with 30 elements is the whole array up to 40: the far sizes see it.
    with pytest.raises(lf.errors.InvalidArgumentError, match="not polynomials"):
        lf.export(lambda x: x[:40] * 2, RNG.standard_normal(30), name="dyn_clamp", out_dir=d,
                  dynamic=True)
    with pytest.raises(lf.errors.InvalidArgumentError, match="at most 4"):
        lf.export(lambda a, b, c, e, f: a.sum() + b.sum() + c.sum() + e.sum() + f.sum(),
                  *[np.ones(n) for n in (2, 3, 4, 5, 6)], name="dyn_five", out_dir=d,
                  dynamic=True)


def test_dynamic_c_program_under_address_sanitizer(tmp_path, monkeypatch):
    flags = ["-fsanitize=address", "-fno-omit-frame-pointer"]
    monkeypatch.setenv("LAZYFUSE_EXPORT_CFLAGS", " ".join(flags))
    ex = lf.export(softmax, X, name="dyn_softmax_asan", out_dir=tmp_path, dynamic=True)
    exe = _build_runner(ex, tmp_path, extra=flags)
    env = {"ASAN_OPTIONS": "detect_leaks=1:exitcode=99"}
    for shape in [(300, 200), (3, 5), (1, 1), (64, 1000)]:
        x = RNG.standard_normal(shape)
        shape_env = {**env, "LF_SHAPE0": ",".join(map(str, shape))}
        want = lf.jit(softmax)(x)
        assert_same(_run_runner(exe, ex, (x,), tmp_path, shape_env, [shape]), want)
        assert_same(_run_runner(exe, ex, (x,), tmp_path, {**shape_env, "LF_STRIDED": "1"},
                                [shape]), want)


def test_calls_from_several_threads_at_once(tmp_path):
    """tests/export/threads.c: four threads call a shape-generic softmax at once, each
    with its own shapes, checked against a plain C softmax (also under ASan)."""
    for flags in ([], ["-fsanitize=address", "-fno-omit-frame-pointer"]):
        d = tmp_path / ("asan" if flags else "plain")
        env = {**os.environ, "LAZYFUSE_EXPORT_CFLAGS": " ".join(flags)}
        previous = os.environ.get("LAZYFUSE_EXPORT_CFLAGS")
        os.environ["LAZYFUSE_EXPORT_CFLAGS"] = env["LAZYFUSE_EXPORT_CFLAGS"]
        try:
            ex = lf.export(softmax, X, name="lf_softmax", out_dir=d, dynamic=True)
        finally:
            if previous is None:
                del os.environ["LAZYFUSE_EXPORT_CFLAGS"]
            else:
                os.environ["LAZYFUSE_EXPORT_CFLAGS"] = previous
        exe = d / "threads"
        subprocess.run([CC, "-std=gnu11", "-O1", "-pthread", *flags, "-include", ex.header,
                        "-I", str(d), str(RUNNER.parent / "threads.c"), "-o", str(exe),
                        f"-L{d}", "-llf_softmax", f"-Wl,-rpath,{d}", "-lm"], check=True)
        proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300,
                              env={"PATH": os.environ.get("PATH", ""),
                                   "LAZYFUSE_EXPORT_POISON": "1", "LAZYFUSE_NUM_THREADS": "2"})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "120 calls from 4 threads, 0 failures" in proc.stdout
