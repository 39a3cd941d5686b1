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
