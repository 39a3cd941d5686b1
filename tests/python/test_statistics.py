"""NaN-ignoring reductions, cov/corrcoef, polyval, tensordot, take/take_along_axis and
convolutions, computed lazily: NumPy's values, dtypes and shapes over dtypes, axes,
keepdims, NaN, +-inf and empty slices, on arrays in memory and pending ones, NumPy's
exceptions for bad input, and one fused program where NumPy makes several passes."""

import warnings

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

RNG = onp.random.default_rng(0)
NAN = onp.array([[1.0, onp.nan, 3.0, -onp.inf], [onp.nan, onp.nan, onp.nan, onp.nan],
                 [2.0, -0.0, onp.nan, 5.5]])
F = RNG.standard_normal((4, 5, 3))
I = RNG.integers(-5, 5, (3, 4))


def pending(a):
    """A pending lazy array with a's values (computed by a kernel, not read)."""
    return np.asarray(onp.asarray(a)) * 1 if onp.asarray(a).dtype != bool else np.asarray(a) | False


def check(name, args, kwargs, rtol=1e-12):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = getattr(onp, name)(*args, **kwargs)
        for make in (np.asarray, pending):
            got = getattr(np, name)(*(make(a) if isinstance(a, onp.ndarray) else a for a in args),
                                    **kwargs)
            assert isinstance(got, lazyfuse.ndarray), name
            got = onp.asarray(got)
            assert got.shape == onp.shape(want), (name, got.shape, onp.shape(want))
            assert got.dtype == onp.asarray(want).dtype, (name, got.dtype, onp.asarray(want).dtype)
            onp.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12, equal_nan=True,
                                        err_msg=name)


@pytest.mark.parametrize("name", ["nanmax", "nanmin", "nanmean", "nanvar", "nanstd"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 1), False)])
def test_nan_reductions(name, axis, keepdims):
    check(name, (NAN,), {"axis": axis, "keepdims": keepdims})
    check(name, (NAN.astype(onp.float32),), {"axis": axis, "keepdims": keepdims}, rtol=1e-6)
    if name in ("nanmax", "nanmin", "nanmean"):
        check(name, (I,), {"axis": axis, "keepdims": keepdims})


def test_nan_variance_degrees_of_freedom():
    for ddof in (0, 1, 2):
        check("nanvar", (NAN,), {"axis": 1, "ddof": ddof})
        check("nanstd", (NAN,), {"axis": 0, "ddof": ddof})
    check("nanvar", (I,), {"axis": 0})


def test_nan_arg_reductions():
    x = onp.array([[onp.nan, 2.0, 7.0, 7.0], [1.0, onp.nan, -onp.inf, 0.0]])
    for name in ("nanargmax", "nanargmin"):
        for axis in (None, 0, 1):
            check(name, (x,), {"axis": axis})
        check(name, (I,), {"axis": 1})
        with pytest.raises(ValueError, match="All-NaN slice encountered"):
            getattr(np, name)(np.asarray(NAN), axis=1)
        with pytest.raises(ValueError):
            getattr(onp, name)(NAN, axis=1)


@pytest.mark.parametrize("args,kwargs", [
    ((F[0],), {}), ((F[0],), {"rowvar": False}), ((F[0, 0],), {}), ((F[0, :2], F[1, :2]), {}),
    ((F[0],), {"bias": True}), ((F[0],), {"ddof": 2}), ((I,), {}),
    ((F[0].astype(onp.float32),), {}), ((F[0, 0], F[1, 0]), {"rowvar": False}),
    ((F[0] + 1j * F[1],), {}),
])
def test_cov_and_corrcoef(args, kwargs):
    check("cov", args, kwargs, rtol=1e-6 if args[0].dtype == onp.float32 else 1e-12)
    kwargs = {k: v for k, v in kwargs.items() if k == "rowvar"}
    if args[0].dtype.kind != "c":
        check("corrcoef", args, kwargs, rtol=1e-6 if args[0].dtype == onp.float32 else 1e-12)


@pytest.mark.parametrize("p,x", [
    ([3.0, 0.0, -1.0], F[0]), (onp.array([1, 2, 3]), I), ([2.5], F[1]), (onp.array([1.0, -2.0, 0.5, 4.0], onp.float32), F[0].astype(onp.float32)),
    ([1, -1], onp.array(3.0)),
])
def test_polyval(p, x):
    want = onp.polyval(p, x)
    for px in (p, np.asarray(onp.asarray(p))):
        got = np.polyval(px, np.asarray(x))
        assert onp.asarray(got).dtype == want.dtype and onp.shape(got) == want.shape
        onp.testing.assert_allclose(onp.asarray(got), want, rtol=1e-6)


@pytest.mark.parametrize("a,b,axes", [
    (F, RNG.standard_normal((5, 3, 2)), 2), (F, RNG.standard_normal((3, 4)), ([0, 2], [1, 0])),
    (F[0], F[1].T, 1), (F, F, 0), (F, F, 3), (I, I.T, ([1], [0])),
])
def test_tensordot(a, b, axes):
    check("tensordot", (a, b), {"axes": axes})


def test_tensordot_errors():
    with pytest.raises(ValueError):
        np.tensordot(np.asarray(F), np.asarray(F), axes=([0], [1]))


def test_take_and_take_along_axis():
    check("take", (F, onp.array([2, 0, -1])), {"axis": 1})
    check("take", (F, onp.array([[5, 0], [59, 7]])), {})
    check("take", (I, onp.array(1)), {"axis": 0})
    order = onp.argsort(F, axis=1)
    check("take_along_axis", (F, order), {"axis": 1})
    check("take_along_axis", (F, onp.argmax(F, axis=-1)[..., None]), {"axis": -1})
    check("take_along_axis", (F.ravel(), onp.array([3, 1, 4])), {"axis": None})
    with pytest.raises(IndexError):
        np.take(np.asarray(F), onp.array([100]), axis=1).numpy()
    with pytest.raises(ValueError):
        np.take_along_axis(np.asarray(F), onp.array([0, 1]), axis=1)


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_and_take_along_axis_with_traced_indices(axis):
    # Indices computed inside a traced function: the gather's positions are computed in
    # the program (negative indices wrapped, broadcasting as NumPy's); one out of bounds
    # is an IndexError when the program runs.
    x = RNG.standard_normal((3, 4, 5))
    n = x.size if axis is None else x.shape[axis]
    idx = RNG.integers(-n, n, (2, 3))
    got = lazyfuse.jit(lambda a, i: np.take(a, i * 1, axis=axis))(x, idx)
    onp.testing.assert_array_equal(onp.asarray(got), onp.take(x, idx, axis=axis))
    if axis is None:
        return
    for shape in ([7 if k == axis % 3 else s for k, s in enumerate(x.shape)],
                  [2 if k == axis % 3 else 1 for k in range(3)]):  # full and broadcast
        idx = RNG.integers(-n, n, shape)
        got = lazyfuse.jit(lambda a, i: np.take_along_axis(a, i + 0, axis))(x, idx)
        onp.testing.assert_array_equal(onp.asarray(got), onp.take_along_axis(x, idx, axis))
    order = lazyfuse.jit(lambda a: np.take_along_axis(a, np.argsort(a, axis=axis), axis))(x)
    onp.testing.assert_array_equal(onp.asarray(order), onp.sort(x, axis=axis))
    with pytest.raises(IndexError, match="out of bounds"):
        lazyfuse.jit(lambda a, i: np.take(a, i * 1, axis=axis))(x, onp.array([n]))
    with pytest.raises(IndexError, match="out of bounds"):
        lazyfuse.jit(lambda a, i: np.take_along_axis(a, i * 1, axis))(x, onp.full((1, 1, 1), -n - 1))


@pytest.mark.parametrize("n,m", [(10, 3), (7, 7), (9, 4), (5, 1), (3, 8), (100, 64)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_and_correlate(n, m, mode):
    a, v = RNG.standard_normal(n), RNG.standard_normal(m)
    check("convolve", (a, v), {"mode": mode})
    check("correlate", (a, v), {"mode": mode})
    check("convolve", (a.astype(onp.float32), I.ravel()[:m].astype(onp.int64)), {"mode": mode}, rtol=1e-5)
    z = a + 1j * RNG.standard_normal(n)
    check("correlate", (z, v + 0.5j), {"mode": mode})


def test_convolution_errors():
    for f in (np.convolve, np.correlate):
        with pytest.raises(ValueError):
            f(np.asarray(onp.ones(3)), np.asarray(onp.ones((2, 2))))
        with pytest.raises(ValueError):
            f(np.asarray(onp.ones(3)), np.asarray(onp.ones(0)))


def test_compositions_fuse():
    x = np.asarray(RNG.standard_normal((200, 300)))
    text = str(lazyfuse.explain(np.nanmean(x * 2.0, axis=1)))
    assert "kernels (1)" in text, text
    # A convolution's bulk (every tap inside the signal) is one kernel that computes the
    # pending signal itself and writes the result; only the short edges are apart.
    text = str(lazyfuse.explain(np.convolve(x[0] + 1.0, onp.array([0.25, 0.5, 0.25]), "same")))
    kernels = text.split("kernel ")[1:]
    bulk = [k for k in kernels if k.startswith(tuple(f"{i}: loop outer [298]" for i in range(9)))]
    assert len(bulk) == 1 and "const 1.0" in bulk[0], text


@pytest.mark.parametrize("args,kwargs", [
    ((F[0],), {}), ((F[0],), {"ord": "fro"}), ((F[0],), {"ord": 1}), ((F[0],), {"ord": -1}),
    ((F[0],), {"ord": onp.inf}), ((F[0],), {"ord": -onp.inf}), ((F[0, 0],), {}),
    ((F[0, 0],), {"ord": 3}), ((F[0, 0],), {"ord": 0}), ((F[0, 0],), {"ord": onp.inf}),
    ((F,), {"axis": 1}), ((F,), {"axis": (0, 2), "keepdims": True}),
    ((F,), {"axis": (2, 1), "ord": 1}), ((I,), {"axis": 0, "ord": 1}), ((I,), {}),
    ((F[0] + 1j * F[1],), {}), ((F[0, 0] + 1j * F[1, 0],), {"ord": 1}),
    ((F[0],), {"ord": 2}),  # the matrix 2-norm: by NumPy (singular values)
])
def test_norm(args, kwargs):
    want = onp.linalg.norm(*args, **kwargs)
    for make in (np.asarray, pending):
        got = np.linalg.norm(make(args[0]), **kwargs)
        assert onp.shape(got) == onp.shape(want) and onp.asarray(got).dtype == onp.asarray(want).dtype
        onp.testing.assert_allclose(onp.asarray(got), want, rtol=1e-12)
    with pytest.raises(ValueError):
        np.linalg.norm(np.asarray(F), axis=(0, 1, 2))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, -2])
def test_matrix_power(n):
    s = F[0, :3] + 2 * onp.eye(3)
    for x in (s, onp.stack([s, s.T]), I[:3, :3]):
        if n < 0 and x.dtype.kind == "i":
            continue
        want = onp.linalg.matrix_power(x, n)
        got = np.linalg.matrix_power(np.asarray(x), n)
        assert onp.asarray(got).dtype == want.dtype and onp.shape(got) == want.shape
        onp.testing.assert_allclose(onp.asarray(got), want, rtol=1e-10)
    with pytest.raises(onp.linalg.LinAlgError):
        np.linalg.matrix_power(np.asarray(F[0]), 2)


def test_products_and_membership():
    for a, b in [(F[0, :2], I[:2, :2]), (F[0, 0], F[1, :2]), (onp.arange(3), F[0]),
                 (F, onp.array(2.0))]:
        check("kron", (a, b), {})
    check("cross", (F[0], F[1]), {})
    check("cross", (F[0], F[1, 0]), {})
    check("cross", (I[:, :3], F[0, :3]), {})
    check("vdot", (F[0], F[1]), {})
    check("vdot", (I, I), {})
    check("vdot", (F[0] + 1j, F[1] - 2j), {})
    check("isin", (I, onp.array([0, 3, -5, 99])), {})
    check("isin", (I, onp.array([1, 2])), {"invert": True})
    check("isin", (F[0], F[0, 1]), {})
    check("compress", (onp.array([True, False, True]), F[0]), {"axis": 1})
    check("compress", (onp.array([False, True]), F), {})
    check("extract", (F[0] > 0, F[0]), {})
    with pytest.raises(IndexError):
        np.compress(onp.array([False, False, True]), np.asarray(onp.ones(2)))
    with pytest.raises(ValueError):
        np.vdot(np.asarray(onp.ones(3)), np.asarray(onp.ones(2)))
    got = np.fromfunction(lambda i, j: i * 10 + j, (3, 4), dtype=int)
    onp.testing.assert_array_equal(onp.asarray(got), onp.fromfunction(lambda i, j: i * 10 + j,
                                                                    (3, 4), dtype=int))
    for axes in (None, 0, (1,)):
        check_fft = onp.fft.fftshift(F[0], axes=axes)
        onp.testing.assert_array_equal(onp.asarray(np.fft.fftshift(np.asarray(F[0]), axes=axes)),
                                       check_fft)
        onp.testing.assert_array_equal(
            onp.asarray(np.fft.ifftshift(np.asarray(F[0]), axes=axes)),
            onp.fft.ifftshift(F[0], axes=axes))


@pytest.mark.parametrize("subscripts,shapes", [
    ("ij,jk->ik", [(4, 5), (5, 3)]), ("ij,jk", [(4, 5), (5, 3)]), ("ij->ji", [(4, 5)]),
    ("ij->", [(4, 5)]), ("ij->j", [(4, 5)]), ("i,i->", [(6,), (6,)]), ("i,j->ij", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
    ("ijk,kj->i", [(3, 4, 5), (5, 4)]), ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    ("ab,cd->abcd", [(2, 3), (4, 1)]), ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ik,jk->ij", [(3, 4), (5, 4)]), ("i,ij,j->", [(3,), (3, 4), (4,)]),
    ("ij,j->i", [(3, 1), (4,)]),
    # Ellipses, repeated indices (diagonals), longer chains (NumPy's greedy order).
    ("ii", [(4, 4)]), ("ii->i", [(4, 4)]), ("iji->j", [(3, 2, 3)]), ("iij->j", [(3, 3, 2)]),
    ("ii,ij->j", [(3, 3), (3, 4)]), ("...ij,...jk", [(2, 3, 4), (4, 5)]),
    ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]), ("i...,i...->...", [(3, 2, 4), (3, 2, 4)]),
    ("...j,j", [(2, 3, 4), (4,)]), ("...", [(2, 3)]), ("ij...->...", [(2, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ij,jk,kl,lm->im", [(3, 4), (4, 5), (5, 2), (2, 6)]),
    ("ab,bc,cd,de->ae", [(30, 2), (2, 40), (40, 3), (3, 5)]), ("ijk,kl,l->ij", [(2, 3, 4), (4, 5), (5,)]),
])
def test_einsum(subscripts, shapes):
    rng = onp.random.default_rng(len(subscripts))
    for dtype in (onp.float64, onp.int64, onp.complex128):
        arrays = [rng.standard_normal(s).astype(dtype) if dtype != onp.int64
                  else rng.integers(-3, 4, s) for s in shapes]
        if dtype == onp.complex128:
            arrays = [a + 0.5j * a[::-1] if a.ndim else a for a in arrays]
        check("einsum", (subscripts, *arrays), {})


def test_einsum_is_lazy_and_errors_are_numpys():
    x = onp.arange(9.0).reshape(3, 3)
    for subscripts, operands in [("ii->i", (x,)), ("...j,j->...", (x, x[0])),
                                 ("ij,jk,kl->il", (x, x, x))]:
        got = np.einsum(subscripts, *(np.asarray(o) for o in operands))
        assert "computed by NumPy" not in str(lazyfuse.explain(got))
        onp.testing.assert_array_equal(onp.asarray(got), onp.einsum(subscripts, *operands))
        traced = lazyfuse.jit(lambda *o: np.einsum(subscripts, *o))(*operands)
        onp.testing.assert_array_equal(onp.asarray(traced), onp.einsum(subscripts, *operands))
    with pytest.raises(ValueError, match="collapsing index"):
        np.einsum("ii", np.asarray(onp.ones((2, 3))))
    with pytest.raises(ValueError, match="ellipsis"):
        np.einsum("i", np.asarray(x))
    with pytest.raises(ValueError):
        np.einsum("ij,jk->ik", np.asarray(x))
    with pytest.raises(ValueError):
        np.einsum("ij->k", np.asarray(x))
    with pytest.raises(ValueError):
        np.einsum("ij,jk->ik", np.asarray(x), np.asarray(onp.ones((4, 2))))
    text = str(lazyfuse.explain(np.einsum("ij,jk,k->i", np.asarray(x), np.asarray(x),
                                          np.asarray(x[0]))))
    assert "matmul" in text


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64])
def test_polyfit_as_numpys(dtype):
    # NumPy's steps lazily (scaled Vandermonde, lstsq through the svd): its coefficients
    # within LAPACK's tolerance, its full and cov results, dtypes and RankWarning.
    x = onp.linspace(0, 3, 25)
    y = 2 * x ** 3 - x + 0.5 + 0.01 * RNG.standard_normal(25)
    x, y = (x * 4).astype(dtype), (y * 4).astype(dtype)
    ys = onp.stack([y, -y, 2 * y], axis=1)
    w = RNG.random(25) + 0.5
    tol = 1e-4 if dtype == onp.float32 else 1e-8
    for args, kwargs in [((x, y, 3), {}), ((x, ys, 2), {}), ((x, y, 3), {"w": w}),
                         ((x, ys, 3), {"w": w, "cov": True}), ((x, y, 1), {"cov": "unscaled"}),
                         ((x, y, 3), {"cov": True}), ((x, ys, 4), {"full": True}),
                         ((x, y, 0), {})]:
        want = onp.polyfit(*args, **kwargs)
        lazy = (np.asarray(args[0]), np.asarray(args[1]), args[2])
        traced = lazyfuse.jit(lambda a, b: np.polyfit(a, b, args[2], **kwargs))(*args[:2])
        for got in (np.polyfit(*lazy, **kwargs), traced):
            for g, e in zip(got if isinstance(want, tuple) else (got,),
                            want if isinstance(want, tuple) else (want,)):
                g, e = onp.asarray(g), onp.asarray(e)
                assert g.dtype == e.dtype and g.shape == e.shape, (kwargs, g.dtype, e.dtype)
                onp.testing.assert_allclose(g, e, rtol=tol, atol=tol * onp.abs(e).max(initial=1))
    with pytest.warns(onp.exceptions.RankWarning):
        np.polyfit(np.asarray(onp.ones(5)), np.asarray(onp.arange(5.0)), 2)
    for bad, error in [((onp.ones(3), onp.ones(3), -1), ValueError),
                       ((onp.ones((2, 2)), onp.ones(2), 1), TypeError),
                       ((onp.ones(3), onp.ones(4), 1), TypeError),
                       ((onp.ones(0), onp.ones(0), 1), TypeError)]:
        with pytest.raises(error):
            np.polyfit(*bad)
    with pytest.raises(ValueError, match="must exceed order"):
        np.polyfit(np.asarray(onp.arange(3.0)), np.asarray(onp.arange(3.0) ** 2), 2, cov=True)


def test_apply_along_axis_batches_the_function():
    # Traced once on a lane and batched (vmap): NumPy's values and result layout for
    # scalar, vector and matrix results on every axis; functions that need the lanes'
    # values run NumPy's loop.
    a = RNG.standard_normal((3, 4, 5))
    cases = [(onp.sum, 0), (onp.sum, 1), (lambda r: r[::-1] * 2, 2), (lambda r: onp.outer(r, r), 1),
             (lambda r: onp.sort(r)[1:3], 0), (lambda r: r.max() - r.min(), -1),
             (lambda r, k: onp.polyval([1.0, k], r), 1)]
    for f, axis in cases:
        extra = (3.0,) if getattr(f, "__code__", None) and f.__code__.co_argcount == 2 else ()
        want = onp.apply_along_axis(f, axis, a, *extra)
        got = np.apply_along_axis(f, axis, np.asarray(a), *extra)
        assert onp.asarray(got).shape == want.shape
        onp.testing.assert_allclose(onp.asarray(got), want, rtol=1e-12)
        traced = lazyfuse.jit(lambda x: np.apply_along_axis(f, axis, x, *extra))(a)
        onp.testing.assert_allclose(onp.asarray(traced), want, rtol=1e-12)
    calls = []

    def branchy(r):
        calls.append(1)
        return r * 2 if r[0] > 0 else -r
    want = onp.apply_along_axis(branchy, 1, a)
    onp.testing.assert_array_equal(onp.asarray(np.apply_along_axis(branchy, 1, np.asarray(a))), want)
    onp.testing.assert_array_equal(onp.asarray(np.apply_along_axis(onp.sum, 0, np.ones((0, 3)))),
                                   onp.apply_along_axis(onp.sum, 0, onp.ones((0, 3))))
    with pytest.raises(ValueError, match="iteration dimensions are 0"):
        np.apply_along_axis(onp.sum, 1, np.ones((0, 3)))
    with pytest.raises(onp.exceptions.AxisError):
        np.apply_along_axis(onp.sum, 2, np.ones((2, 3)))
