"""The NumPy long tail through lazyfuse.numpy: one call per function with lazy array
arguments, compared with NumPy's answer on the same values (values, dtypes, shapes;
tuples, lists and named tuples part by part). Used by tests/python/test_numpy_coverage.py
and, as a report of which functions give NumPy's answer and which are lazy, by
``python tests/python/numpy_coverage.py``."""

import numpy as onp

R = onp.random.default_rng(7)
A = R.standard_normal((4, 5))
B = R.standard_normal((5, 3))
V = R.standard_normal(9)
W = onp.array([3.0, -1.0, onp.nan, 2.5, 0.0, onp.nan, 7.0])
I = R.integers(-4, 9, (3, 6))
U = onp.array([0, 3, 1, 3, 7, 1, 0])
S = R.standard_normal((4, 4))
SPD = S @ S.T + 4 * onp.eye(4)
STACK = R.standard_normal((2, 3, 3)) + 3 * onp.eye(3)
SORTED = onp.array([-2.0, 0.0, 0.5, 3.0, 9.0])
Z = A + 1j * R.standard_normal((4, 5))

# (name, call): call(m, x) with m the module (numpy or lazyfuse.numpy) and x the array
# maker (numpy's array, or lazyfuse.numpy.asarray).
CASES = [
    # reductions and scans
    ("cumsum", lambda m, x: m.cumsum(x(A), axis=1)),
    ("cumprod", lambda m, x: m.cumprod(x(I), axis=0)),
    ("median", lambda m, x: m.median(x(A), axis=0)),
    ("ptp", lambda m, x: m.ptp(x(A), axis=1)),
    ("count_nonzero", lambda m, x: m.count_nonzero(x(I))),
    ("nansum", lambda m, x: m.nansum(x(W))),
    ("nanprod", lambda m, x: m.nanprod(x(W))),
    ("nanmean", lambda m, x: m.nanmean(x(W))),
    ("nanmedian", lambda m, x: m.nanmedian(x(W))),
    ("nanstd", lambda m, x: m.nanstd(x(W))),
    ("nanvar", lambda m, x: m.nanvar(x(W), ddof=1)),
    ("nanmin", lambda m, x: m.nanmin(x(W))),
    ("nanmax", lambda m, x: m.nanmax(x(W))),
    ("nanargmin", lambda m, x: m.nanargmin(x(W))),
    ("nanargmax", lambda m, x: m.nanargmax(x(W))),
    ("nancumsum", lambda m, x: m.nancumsum(x(W))),
    ("nancumprod", lambda m, x: m.nancumprod(x(W))),
    ("nanpercentile", lambda m, x: m.nanpercentile(x(W), 30)),
    ("nanquantile", lambda m, x: m.nanquantile(x(W), [0.1, 0.9])),
    ("percentile", lambda m, x: m.percentile(x(A), [25, 50], axis=1)),
    ("quantile", lambda m, x: m.quantile(x(V), 0.3)),
    ("average", lambda m, x: m.average(x(A), axis=0, weights=x(onp.arange(1.0, 5.0)))),
    ("cov", lambda m, x: m.cov(x(A))),
    ("corrcoef", lambda m, x: m.corrcoef(x(A), rowvar=False)),
    ("histogram", lambda m, x: m.histogram(x(V), bins=4)),
    ("bincount", lambda m, x: m.bincount(x(U))),
    ("digitize", lambda m, x: m.digitize(x(V), x(SORTED))),
    # linear algebra
    ("vdot", lambda m, x: m.vdot(x(A), x(A))),
    ("tensordot", lambda m, x: m.tensordot(x(A), x(B), axes=([1], [0]))),
    ("einsum", lambda m, x: m.einsum("ij,jk->ik", x(A), x(B))),
    ("kron", lambda m, x: m.kron(x(S[:2, :2]), x(I[:2, :2]))),
    ("trace", lambda m, x: m.trace(x(S))),
    ("cross", lambda m, x: m.cross(x(A[:, :3]), x(A[::-1, :3]))),
    ("linalg.norm", lambda m, x: m.linalg.norm(x(A), axis=1)),
    ("linalg.solve", lambda m, x: m.linalg.solve(x(SPD), x(A))),
    ("linalg.inv", lambda m, x: m.linalg.inv(x(STACK))),
    ("linalg.det", lambda m, x: m.linalg.det(x(STACK))),
    ("linalg.slogdet", lambda m, x: m.linalg.slogdet(x(S))),
    ("linalg.eigh", lambda m, x: m.linalg.eigh(x(SPD)).eigenvalues),
    ("linalg.eigvalsh", lambda m, x: m.linalg.eigvalsh(x(SPD))),
    ("linalg.eigvals", lambda m, x: onp.sort_complex(onp.asarray(m.linalg.eigvals(x(SPD))))),
    ("linalg.svd", lambda m, x: m.linalg.svd(x(A), compute_uv=False)),
    ("linalg.cholesky", lambda m, x: m.linalg.cholesky(x(SPD))),
    ("linalg.qr", lambda m, x: abs(onp.asarray(m.linalg.qr(x(A)).R))),
    ("linalg.lstsq", lambda m, x: m.linalg.lstsq(x(A), x(V[:4]), rcond=None)[0]),
    ("linalg.pinv", lambda m, x: m.linalg.pinv(x(A))),
    ("linalg.matrix_rank", lambda m, x: m.linalg.matrix_rank(x(A))),
    ("linalg.matrix_power", lambda m, x: m.linalg.matrix_power(x(S), 3)),
    # fft
    ("fft.fft", lambda m, x: m.fft.fft(x(V))),
    ("fft.ifft", lambda m, x: m.fft.ifft(x(Z), axis=0)),
    ("fft.rfft", lambda m, x: m.fft.rfft(x(A), norm="ortho")),
    ("fft.irfft", lambda m, x: m.fft.irfft(x(Z))),
    ("fft.fft2", lambda m, x: m.fft.fft2(x(A))),
    ("fft.fftn", lambda m, x: m.fft.fftn(x(A), norm="forward")),
    ("fft.fftshift", lambda m, x: m.fft.fftshift(x(A))),
    ("fft.fftfreq", lambda m, x: m.fft.fftfreq(8, 0.5)),
    # sorting, searching, sets
    ("sort", lambda m, x: m.sort(x(A), axis=0)),
    ("argsort", lambda m, x: m.argsort(x(V), kind="stable")),
    ("lexsort", lambda m, x: m.lexsort((x(I[0]), x(I[1])))),
    ("partition", lambda m, x: m.partition(x(V), 4)[4]),
    ("unique", lambda m, x: m.unique(x(U))),
    ("unique_counts", lambda m, x: m.unique(x(U), return_counts=True)),
    ("searchsorted", lambda m, x: m.searchsorted(x(SORTED), x(V))),
    ("nonzero", lambda m, x: m.nonzero(x(I))),
    ("argwhere", lambda m, x: m.argwhere(x(I) > 2)),
    ("flatnonzero", lambda m, x: m.flatnonzero(x(U))),
    ("extract", lambda m, x: m.extract(x(V) > 0, x(V))),
    ("select", lambda m, x: m.select([x(V) < 0, x(V) > 1], [x(V), x(V) * 2], 0.5)),
    ("isin", lambda m, x: m.isin(x(U), [1, 3])),
    ("intersect1d", lambda m, x: m.intersect1d(x(U), [0, 7, 9])),
    ("union1d", lambda m, x: m.union1d(x(U), [9])),
    ("setdiff1d", lambda m, x: m.setdiff1d(x(U), [3])),
    ("interp", lambda m, x: m.interp(x(V), x(SORTED), x(SORTED) ** 2)),
    # indexing helpers
    ("take", lambda m, x: m.take(x(A), [0, 3], axis=1)),
    ("take_along_axis", lambda m, x: m.take_along_axis(x(A), onp.argsort(A, axis=1), axis=1)),
    ("compress", lambda m, x: m.compress([True, False, True], x(I), axis=0)),
    ("diagonal", lambda m, x: m.diagonal(x(A), 1)),
    ("put", lambda m, x: _written(m, x, lambda m, a: m.put(a, [0, 5], [-1.0, -2.0]))),
    ("put_along_axis", lambda m, x: _written(
        m, x, lambda m, a: m.put_along_axis(a, onp.zeros((4, 1), int), 9.0, axis=1))),
    ("fill_diagonal", lambda m, x: _written(m, x, lambda m, a: m.fill_diagonal(a, 0.5))),
    # manipulation
    ("broadcast_arrays", lambda m, x: m.broadcast_arrays(x(V[:5]), x(A))),
    ("vstack", lambda m, x: m.vstack([x(A), x(A)])),
    ("hstack", lambda m, x: m.hstack([x(A), x(B.T[:, :4].T)])),
    ("dstack", lambda m, x: m.dstack([x(A), x(A)])),
    ("column_stack", lambda m, x: m.column_stack([x(V), x(V)])),
    ("split", lambda m, x: m.split(x(V), 3)),
    ("array_split", lambda m, x: m.array_split(x(V), 4)),
    ("hsplit", lambda m, x: m.hsplit(x(I), 2)),
    ("vsplit", lambda m, x: m.vsplit(x(S), 2)),
    ("tile", lambda m, x: m.tile(x(V), 2)),
    ("repeat", lambda m, x: m.repeat(x(A), 2, axis=0)),
    ("roll", lambda m, x: m.roll(x(A), 2)),
    ("flip", lambda m, x: m.flip(x(A))),
    ("fliplr", lambda m, x: m.fliplr(x(A))),
    ("flipud", lambda m, x: m.flipud(x(A))),
    ("rot90", lambda m, x: m.rot90(x(A))),
    ("pad", lambda m, x: m.pad(x(A), 1, mode="reflect")),
    ("diff", lambda m, x: m.diff(x(V), 2)),
    ("ediff1d", lambda m, x: m.ediff1d(x(V))),
    ("gradient", lambda m, x: m.gradient(x(V))),
    ("append", lambda m, x: m.append(x(V), [1.0, 2.0])),
    ("insert", lambda m, x: m.insert(x(V), 2, 7.0)),
    ("delete", lambda m, x: m.delete(x(V), [0, 3])),
    ("atleast_1d", lambda m, x: m.atleast_1d(x(onp.array(3.0)))),
    ("atleast_2d", lambda m, x: m.atleast_2d(x(V))),
    ("atleast_3d", lambda m, x: m.atleast_3d(x(A))),
    ("meshgrid", lambda m, x: m.meshgrid(x(V[:3]), x(V[:2]))),
    ("mgrid", lambda m, x: m.mgrid[0:3, 0:2]),
    ("ogrid", lambda m, x: m.ogrid[0:3, 0:2][1]),
    ("indices", lambda m, x: m.indices((2, 3))),
    ("triu", lambda m, x: m.triu(x(A))),
    ("tril", lambda m, x: m.tril(x(A), -1)),
    ("diag", lambda m, x: m.diag(x(V))),
    ("diagflat", lambda m, x: m.diagflat(x(V[:3]))),
    ("tri", lambda m, x: m.tri(3, 4, 1)),
    ("vander", lambda m, x: m.vander(x(V[:4]))),
    ("resize", lambda m, x: m.resize(x(V), (2, 6))),
    ("trim_zeros", lambda m, x: m.trim_zeros(x(onp.array([0.0, 0.0, 1.0, 2.0, 0.0])))),
    ("convolve", lambda m, x: m.convolve(x(V), x(V[:3]))),
    ("correlate", lambda m, x: m.correlate(x(V), x(V[:4]), "same")),
    ("polyval", lambda m, x: m.polyval([1.0, -2.0, 3.0], x(V))),
    ("polyfit", lambda m, x: m.polyfit(x(V), x(V) ** 2, 2)),
    ("apply_along_axis", lambda m, x: m.apply_along_axis(onp.sum, 1, x(A))),
    # creation
    ("logspace", lambda m, x: m.logspace(0, 2, 5)),
    ("geomspace", lambda m, x: m.geomspace(1, 1000, 4)),
    ("ascontiguousarray", lambda m, x: m.ascontiguousarray(x(A).T)),
    ("fromfunction", lambda m, x: m.fromfunction(lambda i, j: i + 2 * j, (2, 3))),
    ("frombuffer", lambda m, x: m.frombuffer(onp.arange(4.0).tobytes())),
    # helpers
    ("isscalar", lambda m, x: m.isscalar(3.0)),
    ("shape", lambda m, x: m.shape(x(A))),
    ("ndim", lambda m, x: m.ndim(x(A))),
    ("size", lambda m, x: m.size(x(A))),
    ("vectorize", lambda m, x: m.vectorize(lambda a, b: a - b if a > b else a + b)(x(V), 1.0)),
]


def _written(m, x, write):
    """The array after `write` wrote into it in place (a lazy one for lazyfuse)."""
    a = x(onp.array(A)) * 1.0  # a pending lazy array for lazyfuse, a copy for NumPy
    write(m, a)
    return a


def same(got, want):
    """Whether got (lazyfuse's) is want (NumPy's): the same values (NaN equal, 1e-9
    relative), dtype and shape; sequences part by part."""
    if isinstance(want, (tuple, list)):
        return (isinstance(got, (tuple, list)) and len(got) == len(want)
                and all(same(g, w) for g, w in zip(got, want)))
    if isinstance(want, (bool, int, float, complex, str)) and not isinstance(want, onp.generic):
        return type(got) is type(want) and got == want
    g, w = onp.asarray(got), onp.asarray(want)
    if g.shape != w.shape or g.dtype != w.dtype:
        return False
    if w.dtype.kind in "fc":
        return bool(onp.allclose(g, w, rtol=1e-9, atol=1e-12, equal_nan=True))
    return bool(onp.array_equal(g, w))


def run_case(lazy_numpy, call):
    """(gives NumPy's answer, computed lazily: no FallbackWarning, error or '')."""
    import os
    import warnings
    from lazyfuse.errors import FallbackWarning
    want = call(onp, onp.asarray)
    previous = os.environ.get("LAZYFUSE_WARN_FALLBACK")
    os.environ["LAZYFUSE_WARN_FALLBACK"] = "1"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FallbackWarning)
            got = call(lazy_numpy, lazy_numpy.asarray)
            ok = same(got, want)
    except Exception as e:  # noqa: BLE001 - the report names it
        return False, False, f"{type(e).__name__}: {e}"
    finally:
        if previous is None:
            del os.environ["LAZYFUSE_WARN_FALLBACK"]
        else:
            os.environ["LAZYFUSE_WARN_FALLBACK"] = previous
    fallback = any(issubclass(w.category, FallbackWarning) for w in caught)
    return ok, not fallback, ""


def run(lazy_numpy):
    """{name: (gives NumPy's answer, computed lazily, error or '')}."""
    return {name: run_case(lazy_numpy, call) for name, call in CASES}


if __name__ == "__main__":
    import lazyfuse.numpy as lnp
    report = run(lnp)
    good = [n for n, (ok, _, _) in report.items() if ok]
    lazy = [n for n, (ok, lazy, _) in report.items() if ok and lazy]
    for name, (ok, _, error) in report.items():
        if not ok:
            print(f"differs: {name} {error}")
    print("by NumPy (fallbacks):", " ".join(n for n in good if n not in lazy))
    print(f"{len(good)} of {len(report)} give NumPy's answer "
          f"({100 * len(good) / len(report):.1f}%); {len(lazy)} without a fallback")
