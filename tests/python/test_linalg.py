"""lazyfuse.numpy.linalg's routines of the IR (LAPACK library kernels) against NumPy's:
stacks and single matrices, float64, float32 and integer input, pending, transposed and
reversed operands, empty stacks; NumPy's result types (SlogdetResult, EighResult),
dtypes, LinAlgError on singular and indefinite matrices (raised in the call), shape
errors; inside jit, grad and vmap; complex input still NumPy's."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

R = onp.random.default_rng(21)
A = R.standard_normal((3, 5, 5)) + 5 * onp.eye(5)
B = R.standard_normal((3, 5, 2))
SPD = A @ A.transpose(0, 2, 1)


def layouts(a):
    lazy = np.asarray(a)
    return [lazy, lazy * 1, np.asarray(onp.ascontiguousarray(a.swapaxes(-1, -2))).swapaxes(-1, -2),
            lazy[::-1][::-1]]


def check(got, want, tol):
    assert isinstance(got, lazyfuse.ndarray)
    got = onp.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape)
    onp.testing.assert_allclose(got, want, rtol=tol, atol=tol)


TOLERANCE = {onp.float64: 1e-10, onp.float32: 1e-4, onp.int64: 1e-10}


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64])
@pytest.mark.parametrize("name", ["inv", "det", "cholesky", "eigvalsh", "svdvals", "matrix_rank"])
def test_one_operand_routines(dtype, name):
    a = (SPD if name in ("cholesky", "eigvalsh") else A)
    a = (a * 10).round().astype(dtype) if dtype == onp.int64 else a.astype(dtype)
    want = getattr(onp.linalg, name)(a)
    for x in layouts(a):
        check(getattr(np.linalg, name)(x), want, TOLERANCE[dtype] * max(1.0, abs(want).max()))
    # One matrix of the stack.
    check(getattr(np.linalg, name)(np.asarray(a[1])), getattr(onp.linalg, name)(a[1]),
          TOLERANCE[dtype] * max(1.0, abs(want).max()))


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32])
def test_solve_slogdet_eigh_and_norms(dtype):
    a, b, s = A.astype(dtype), B.astype(dtype), SPD.astype(dtype)
    tol = TOLERANCE[dtype]
    for x in layouts(a):
        check(np.linalg.solve(x, np.asarray(b)), onp.linalg.solve(a, b), tol)
        check(np.linalg.solve(x, np.asarray(b[0, :, 0])), onp.linalg.solve(a, b[0, :, 0]), tol)
        got, want = np.linalg.slogdet(x), onp.linalg.slogdet(a)
        assert type(got).__name__ == "SlogdetResult"
        check(got.sign, want.sign, 0)
        check(got.logabsdet, want.logabsdet, tol)
    # Broadcast batch axes: one matrix against a stack of right-hand sides.
    check(np.linalg.solve(np.asarray(a[0]), np.asarray(b)), onp.linalg.solve(a[0], b), tol)
    for uplo in ("L", "U"):
        lower_only = onp.tril(s) if uplo == "L" else onp.triu(s)  # the other triangle ignored
        got, want = np.linalg.eigh(np.asarray(lower_only), UPLO=uplo), onp.linalg.eigh(s, UPLO=uplo)
        assert type(got).__name__ == "EighResult"
        check(got.eigenvalues, want.eigenvalues, tol * 50)
        # Eigenvectors up to sign.
        v, w = onp.asarray(got.eigenvectors), want.eigenvectors
        signs = onp.sign(onp.sum(v * w, axis=-2, keepdims=True))
        onp.testing.assert_allclose(v * signs, w, atol=tol * 100)
        check(np.linalg.eigvalsh(np.asarray(lower_only), UPLO=uplo), onp.linalg.eigvalsh(s, UPLO=uplo), tol * 50)
    check(np.linalg.cholesky(np.asarray(s), upper=True), onp.linalg.cholesky(s, upper=True), tol * 50)
    for ord in (2, -2, "nuc"):
        check(np.linalg.norm(np.asarray(a), ord, axis=(1, 2)), onp.linalg.norm(a, ord, axis=(1, 2)), tol)
        check(np.linalg.norm(np.asarray(a), ord, axis=(2, 0), keepdims=True),
              onp.linalg.norm(a, ord, axis=(2, 0), keepdims=True), tol)
    rect = R.standard_normal((2, 4, 7)).astype(dtype)
    check(np.linalg.svd(np.asarray(rect), compute_uv=False), onp.linalg.svd(rect, compute_uv=False), tol)
    check(np.linalg.svdvals(np.asarray(rect.swapaxes(1, 2))), onp.linalg.svdvals(rect.swapaxes(1, 2)), tol)


def test_errors_raise_in_the_call_as_numpys():
    singular = onp.ones((2, 3, 3))
    for call in (lambda: np.linalg.inv(np.asarray(singular)),
                 lambda: np.linalg.solve(np.asarray(singular), np.asarray(onp.ones(3)))):
        with pytest.raises(onp.linalg.LinAlgError, match="Singular matrix"):
            call()
    with pytest.raises(onp.linalg.LinAlgError, match="not positive definite"):
        np.linalg.cholesky(np.asarray(-onp.eye(3)))
    check(np.linalg.det(np.asarray(singular)), onp.linalg.det(singular), 1e-12)
    sign, log = np.linalg.slogdet(np.asarray(singular))
    check(sign, onp.zeros(2), 0)
    check(log, onp.full(2, -onp.inf), 0)
    with pytest.raises(onp.linalg.LinAlgError, match="at least two-dimensional"):
        np.linalg.inv(np.asarray(onp.ones(3)))
    with pytest.raises(onp.linalg.LinAlgError, match="must be square"):
        np.linalg.det(np.asarray(onp.ones((2, 3))))
    with pytest.raises(TypeError, match="float16 is unsupported"):
        np.linalg.inv(np.asarray(onp.eye(2, dtype=onp.float16)))
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        np.linalg.solve(np.asarray(onp.eye(3)), np.asarray(onp.ones(4)))
    with pytest.raises(ValueError, match="UPLO"):
        np.linalg.eigh(np.asarray(onp.eye(3)), UPLO="X")
    # Empty stacks and matrices.
    check(np.linalg.inv(np.asarray(onp.ones((0, 3, 3)))), onp.linalg.inv(onp.ones((0, 3, 3))), 0)
    check(np.linalg.det(np.asarray(onp.ones((2, 0, 0)))), onp.linalg.det(onp.ones((2, 0, 0))), 0)
    assert np.linalg.matrix_rank(np.asarray(onp.ones(3))) == onp.linalg.matrix_rank(onp.ones(3))


def test_traced_routines_and_derivatives():
    f = lazyfuse.jit(lambda a, b: np.linalg.solve(a, b) * 2.0)
    onp.testing.assert_allclose(onp.asarray(f(A, B)), 2 * onp.linalg.solve(A, B), atol=1e-12)
    # d log|det a| / da = a^-T;  d sum(inv(a)) / da = -(a^-T 1 1^T a^-T).
    grad = lazyfuse.grad(lambda a: np.linalg.slogdet(a).logabsdet.sum())(A)
    onp.testing.assert_allclose(onp.asarray(grad), onp.linalg.inv(A).transpose(0, 2, 1), atol=1e-12)
    grad = lazyfuse.grad(lambda a: np.linalg.inv(a).sum())(A[0])
    ai = onp.linalg.inv(A[0])
    onp.testing.assert_allclose(onp.asarray(grad), -(ai.T @ onp.ones((5, 5)) @ ai.T), atol=1e-12)
    # solve's gradient against central differences.
    loss = lambda b: np.sum(np.linalg.solve(A[0], b) ** 2)  # noqa: E731
    g = onp.asarray(lazyfuse.grad(loss)(B[0]))
    h, fd = 1e-6, onp.zeros_like(B[0])
    for i in onp.ndindex(B[0].shape):
        e = onp.zeros_like(B[0])
        e[i] = h
        fd[i] = (onp.sum(onp.linalg.solve(A[0], B[0] + e) ** 2)
                 - onp.sum(onp.linalg.solve(A[0], B[0] - e) ** 2)) / (2 * h)
    onp.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    batched = onp.asarray(lazyfuse.vmap(np.linalg.det)(A))
    onp.testing.assert_allclose(batched, onp.linalg.det(A), rtol=1e-12)
    with pytest.raises(Exception, match="no derivative"):
        lazyfuse.grad(lambda a: np.linalg.cholesky(a).sum())(SPD[0])


def test_complex_matrices_are_numpys():
    z = A + 1j * R.standard_normal(A.shape)
    onp.testing.assert_allclose(onp.asarray(np.linalg.inv(np.asarray(z))), onp.linalg.inv(z), atol=1e-12)
    onp.testing.assert_allclose(onp.asarray(np.linalg.det(np.asarray(z))), onp.linalg.det(z), atol=1e-9)


def exact(got, want):
    assert isinstance(got, lazyfuse.ndarray)
    got = onp.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape)
    onp.testing.assert_array_equal(got, want)


SHAPES = [(3, 5, 5), (6, 3), (3, 6), (2, 1, 4), (0, 3), (2, 0), (0, 2, 2)]


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64])
@pytest.mark.parametrize("shape", SHAPES)
def test_svd_qr_and_pinv_are_numpys_bits(dtype, shape):
    # One gesdd / geqrf+orgqr per matrix, as NumPy's (float32 in float64, rounded): its
    # bits, for every layout of the operand.
    a = R.standard_normal(shape)
    a = (a * 10).round().astype(dtype) if dtype == onp.int64 else a.astype(dtype)
    for x in layouts(a):
        for full in (True, False):
            got, want = np.linalg.svd(x, full_matrices=full), onp.linalg.svd(a, full_matrices=full)
            assert type(got).__name__ == "SVDResult"
            for g, w in zip(got, want):
                exact(g, w)
        exact(np.linalg.svd(x, compute_uv=False), onp.linalg.svd(a, compute_uv=False))
        for mode in ("reduced", "complete"):
            got, want = np.linalg.qr(x, mode), onp.linalg.qr(a, mode)
            assert type(got).__name__ == "QRResult"
            exact(got.Q, want.Q)
            exact(got.R, want.R)
        exact(np.linalg.qr(x, "r"), onp.linalg.qr(a, "r"))
        exact(np.linalg.pinv(x), onp.linalg.pinv(a))
    if dtype != onp.int64:  # (NumPy's finfo fails on integers there)
        exact(np.linalg.pinv(np.asarray(a), rtol=None), onp.linalg.pinv(a, rtol=None))
    exact(np.linalg.pinv(np.asarray(a), 0.1), onp.linalg.pinv(a, 0.1))


def test_hermitian_svd_and_rank_deficient_pinv():
    s = SPD - 30 * onp.eye(5)  # symmetric, indefinite
    for g, w in zip(np.linalg.svd(np.asarray(s), hermitian=True), onp.linalg.svd(s, hermitian=True)):
        exact(g, w)
    exact(np.linalg.svd(np.asarray(s), hermitian=True, compute_uv=False),
          onp.linalg.svd(s, hermitian=True, compute_uv=False))
    exact(np.linalg.pinv(np.asarray(s), hermitian=True), onp.linalg.pinv(s, hermitian=True))
    low = R.standard_normal((6, 2)) @ R.standard_normal((2, 4))  # rank 2
    exact(np.linalg.pinv(np.asarray(low)), onp.linalg.pinv(low))
    exact(np.linalg.pinv(np.asarray(low), rtol=None), onp.linalg.pinv(low, rtol=None))


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32])
@pytest.mark.parametrize("m,n,k", [(6, 3, None), (6, 3, 2), (3, 6, None), (4, 4, 1), (5, 2, 0),
                                   (3, 0, None), (0, 2, None)])
def test_lstsq_as_numpys(dtype, m, n, k):
    # Through the reduced svd (NumPy's gelsd drops the same singular values): x within
    # LAPACK's tolerance, NumPy's rank, residuals (by its rule) and singular values.
    a = R.standard_normal((m, n))
    b = R.standard_normal((m, k) if k is not None else (m,))
    low_rank = R.standard_normal((m, 1)) @ R.standard_normal((1, n))
    tol = TOLERANCE[dtype] * 10
    for a in (a.astype(dtype), low_rank.astype(dtype)):
        b = b.astype(dtype)
        want = onp.linalg.lstsq(a, b)
        for lazy_a in layouts(a):
            x, residuals, rank, s = np.linalg.lstsq(lazy_a, np.asarray(b))
            check(x, want[0], tol)
            check(residuals, want[1], tol)
            assert rank == want[2] and type(rank) is type(want[2])
            check(s, want[3], tol)
        # Traced: the rank is a lazy int32; residuals NaN where the rank is short.
        x, residuals, rank, s = lazyfuse.jit(lambda a, b: np.linalg.lstsq(a, b))(a, b)
        onp.testing.assert_allclose(onp.asarray(x), want[0], rtol=tol, atol=tol)
        assert onp.asarray(rank).dtype == onp.int32 and int(onp.asarray(rank)) == want[2]
        if m > n:
            expect = want[1] if want[2] == n else onp.full(b.shape[1:] or (1,), onp.nan)
            onp.testing.assert_allclose(onp.asarray(residuals), expect, rtol=tol, atol=tol)
        else:
            assert onp.asarray(residuals).shape == (0,)


def test_factorisation_errors_traces_and_derivatives():
    nan = onp.eye(3)
    nan[1, 1] = onp.nan
    for call in (lambda: np.linalg.svd(np.asarray(nan)), lambda: np.linalg.pinv(np.asarray(nan)),
                 lambda: np.linalg.svd(np.asarray(nan), compute_uv=False)):
        with pytest.raises(onp.linalg.LinAlgError, match="SVD did not converge"):
            call()
    q, r = np.linalg.qr(np.asarray(nan))  # (NaN propagates, as NumPy's)
    assert onp.isnan(onp.asarray(r)).any()
    with pytest.raises(ValueError, match="Unrecognized mode 'x'"):
        np.linalg.qr(np.asarray(A), "x")
    with pytest.raises(onp.linalg.LinAlgError, match="at least two-dimensional"):
        np.linalg.qr(np.asarray(onp.ones(3)))
    with pytest.raises(onp.linalg.LinAlgError, match="Incompatible dimensions"):
        np.linalg.lstsq(np.asarray(onp.ones((3, 2))), np.asarray(onp.ones(4)))
    with pytest.raises(onp.linalg.LinAlgError, match="must be two-dimensional"):
        np.linalg.lstsq(np.asarray(A), np.asarray(B))
    # rcond: NumPy's cutoffs (a negative one is machine precision, as gelsd's).
    low, rhs = onp.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]), onp.arange(3.0)
    for rcond in (-1, None, 0.5, 1e-20):
        want = onp.linalg.lstsq(low, rhs, rcond=rcond)
        got = np.linalg.lstsq(np.asarray(low), np.asarray(rhs), rcond=rcond)
        onp.testing.assert_allclose(onp.asarray(got[0]), want[0], rtol=1e-9)
        assert got[2] == want[2] and onp.asarray(got[1]).shape == want[1].shape
    # raw mode is NumPy's (LAPACK's reflectors).
    h, tau = np.linalg.qr(np.asarray(A[0]), "raw")
    exact(h, onp.linalg.qr(A[0], "raw")[0])
    # Traced and batched: the same bits.
    f = lazyfuse.jit(lambda a: np.linalg.svd(a, full_matrices=False))
    for g, w in zip(f(A), onp.linalg.svd(A, full_matrices=False)):
        onp.testing.assert_array_equal(onp.asarray(g), w)
    q = lazyfuse.vmap(lambda a: np.linalg.qr(a).Q)(A)
    onp.testing.assert_array_equal(onp.asarray(q), onp.linalg.qr(A).Q)
    with pytest.raises(Exception, match="no derivative"):
        lazyfuse.grad(lambda a: np.linalg.qr(a).R.sum())(A[0])


@pytest.mark.parametrize("dtype", [onp.float64, onp.float32, onp.int64])
@pytest.mark.parametrize("shape", [(5, 5), (3, 4, 4), (1, 1), (0, 0), (2, 0, 0)])
def test_eig_and_eigvals_are_numpys_bits(dtype, shape):
    # geev per matrix, as NumPy's: its order, normalisation and bits; real results where
    # every eigenvalue is real (triangular matrices), complex otherwise.
    general = R.standard_normal(shape)
    for a in (general, onp.triu(general)):
        a = (a * 10).round().astype(dtype) if dtype == onp.int64 else a.astype(dtype)
        for x in layouts(a):
            got, want = np.linalg.eig(x), onp.linalg.eig(a)
            assert type(got).__name__ == "EigResult"
            exact(got.eigenvalues, want.eigenvalues)
            exact(got.eigenvectors, want.eigenvectors)
            exact(np.linalg.eigvals(x), onp.linalg.eigvals(a))


def test_eig_errors_and_traces():
    bad = onp.eye(3)
    bad[0, 2] = onp.inf
    for f in (np.linalg.eig, np.linalg.eigvals):
        with pytest.raises(onp.linalg.LinAlgError, match="infs or NaNs"):
            f(np.asarray(bad))
        with pytest.raises(onp.linalg.LinAlgError, match="must be square"):
            f(np.asarray(onp.ones((2, 3))))
    # Traced: complex whatever the values (the result type cannot depend on them).
    a = R.standard_normal((4, 4))
    w, v = lazyfuse.jit(lambda x: np.linalg.eig(x))(a)
    want = onp.linalg.eig(a)
    assert onp.asarray(w).dtype == onp.complex128
    onp.testing.assert_allclose(onp.asarray(w), want.eigenvalues, rtol=1e-12)
    onp.testing.assert_allclose(onp.asarray(v), want.eigenvectors, rtol=1e-12, atol=1e-15)
    t = onp.triu(a)
    w = lazyfuse.jit(np.linalg.eigvals)(t)
    assert onp.asarray(w).dtype == onp.complex128
    onp.testing.assert_array_equal(onp.asarray(w).real, onp.linalg.eigvals(t))
    batched = lazyfuse.vmap(np.linalg.eigvals)(R.standard_normal((3, 4, 4)))
    assert onp.asarray(batched).shape == (3, 4)
    z = a + 1j * a.T  # complex input: NumPy's
    onp.testing.assert_allclose(onp.asarray(np.linalg.eigvals(np.asarray(z))), onp.linalg.eigvals(z))
