"""Float matrix products call NumPy's own OpenBLAS when the process has loaded it (the
scipy_openblas64 library of NumPy's PyPI wheels; codegen/src/cpu/blas.rs), else the
OpenBLAS lazyfuse links: both agree with NumPy, in every float and complex dtype and
operand layout."""

import glob
import os
import subprocess
import sys

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

NUMPY_BUNDLES_OPENBLAS = bool(glob.glob(os.path.join(os.path.dirname(onp.__file__), os.pardir,
                                                     "numpy.libs", "libscipy_openblas64_*")))


@pytest.mark.skipif(not NUMPY_BUNDLES_OPENBLAS, reason="this NumPy does not bundle scipy-openblas")
def test_products_use_numpys_openblas_when_loaded():
    assert lazyfuse.blas_info() == "numpy"
    code = "import lazyfuse; print(lazyfuse.blas_info())"
    env = dict(os.environ, LAZYFUSE_BLAS="system")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "system"


@pytest.mark.parametrize("blas", ["default", "system"])
def test_products_agree_with_numpy_in_every_dtype_and_layout(blas):
    code = """
import numpy as onp, lazyfuse.numpy as np
rng = onp.random.default_rng(3)
for dtype, rtol in [("float64", 1e-12), ("float32", 1e-5), ("complex128", 1e-12), ("complex64", 1e-5)]:
    a = (rng.standard_normal((70, 90)) + 1j * rng.standard_normal((70, 90))).astype(dtype) if dtype.startswith("c") else rng.standard_normal((70, 90)).astype(dtype)
    b = rng.standard_normal((90, 50)).astype(dtype)
    for x, y in [(a, b), (onp.asfortranarray(a), b), (a, onp.asfortranarray(b)), (a[:, ::-1], b[::-1])]:
        want = x @ y
        got = onp.asarray(np.asarray(x) @ np.asarray(y))
        assert got.dtype == want.dtype, (dtype, got.dtype)
        onp.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 10)
print("ok")
"""
    env = dict(os.environ)
    if blas == "system":
        env["LAZYFUSE_BLAS"] = "system"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
