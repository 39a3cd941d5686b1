"""The NumPy long tail (tests/python/numpy_coverage.py: one call per function, lazy
array arguments): every function gives NumPy's answer, and the ones lazyfuse computes
lazily do so without a fallback to NumPy."""

import pytest

import lazyfuse.numpy as lnp
from numpy_coverage import CASES, run_case

# Computed as lazy compositions (no FallbackWarning); the rest are computed by NumPy on
# the evaluated inputs and returned as lazy arrays.
LAZY = {
    "ptp", "count_nonzero", "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin",
    "nanmax", "nanargmin", "nanargmax", "average", "cov", "corrcoef", "tensordot", "trace",
    "histogram", "take", "take_along_axis", "diagonal", "put", "put_along_axis", "fill_diagonal", "vstack", "hstack", "dstack",
    "column_stack", "tile", "repeat", "roll", "flip", "fliplr", "flipud", "rot90", "pad",
    "diff", "atleast_1d", "atleast_2d", "atleast_3d", "meshgrid", "indices", "triu", "tril",
    "diag", "convolve", "correlate", "polyval", "broadcast_arrays", "split", "array_split",
    "hsplit", "vsplit", "ediff1d", "diagflat", "tri", "vander", "append", "logspace",
    "geomspace", "select", "resize", "gradient", "insert", "delete", "vdot", "kron", "cross",
    "isin", "compress", "extract", "fromfunction", "linalg.norm", "linalg.matrix_power", "einsum",
    "cumsum", "cumprod", "nancumsum", "nancumprod", "sort", "argsort", "median", "quantile",
    "nanmedian", "nanquantile", "nanpercentile", "lexsort", "polyfit", "apply_along_axis", "mgrid", "ogrid",
    "percentile",
    "fft.fftshift", "fft.fft", "fft.fft2", "fft.fftn", "fft.ifft", "fft.irfft", "fft.rfft",
    "linalg.cholesky", "linalg.det", "linalg.eigh", "linalg.eigvalsh", "linalg.inv",
    "linalg.matrix_rank", "linalg.slogdet", "linalg.solve", "linalg.svd", "linalg.qr",
    "linalg.lstsq", "linalg.pinv", "linalg.eigvals",
}


def check(name, call):
    ok, lazy, error = run_case(lnp, call)
    assert ok, f"{name}: {error or 'differs from NumPy'}"
    if name in LAZY:
        assert lazy, f"{name} fell back to NumPy"


@pytest.mark.parametrize("name,call", CASES, ids=[c[0] for c in CASES])
def test_gives_numpys_answer_lazily(name, call):
    check(name, call)  # tiny arrays lazy too: the compositions run compiled


@pytest.mark.eager
@pytest.mark.parametrize("name,call", CASES, ids=[c[0] for c in CASES])
def test_gives_numpys_answer_at_the_default_eager_limit(name, call):
    check(name, call)  # tiny arrays through NumPy at once, as users get them


def test_the_lazy_set_names_cases():
    assert LAZY <= {name for name, _ in CASES}
