"""lazyfuse.numpy.fft against NumPy's: every transform over dtypes, lengths (cropped and
padded), axes, norms, layouts (pending, transposed, reversed), NaN and zero-size
operands; NumPy's result dtypes, shapes and exceptions; the transforms inside jit,
grad and vmap; one library kernel per transform, fused with its neighbours."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np

R = onp.random.default_rng(11)
X = R.standard_normal((6, 10, 7))
Z = X + 1j * R.standard_normal((6, 10, 7))


def layouts(a):
    lazy = np.asarray(a)
    return [lazy, lazy * 1, lazy.T.T, lazy[::-1][::-1], np.asarray(onp.ascontiguousarray(a.T)).T]


def check(got, want, rtol):
    assert isinstance(got, lazyfuse.ndarray)
    got = onp.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape)
    scale = max(1.0, float(onp.max(onp.abs(want), initial=0.0)))
    onp.testing.assert_allclose(got, want, rtol=0, atol=rtol * scale)


def tolerance(dtype):
    if onp.dtype(dtype) == onp.float16:
        return 2e-3  # (irfft's float16 results: one float16 rounding of float32 values)
    return 1e-5 if onp.dtype(dtype) in (onp.float32, onp.complex64) else 1e-13


DTYPES = [onp.float64, onp.float32, onp.complex128, onp.complex64, onp.int32, onp.bool_,
          onp.float16]


# (rfft and ihfft take real input: complex input is a TypeError, tested below.)
@pytest.mark.parametrize("name,dtype", [
    (name, dtype) for name in ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"] for dtype in DTYPES
    if not (name in ("rfft", "ihfft") and onp.dtype(dtype).kind == "c")])
def test_one_dimensional_transforms(name, dtype):
    a = (Z if onp.dtype(dtype).kind == "c" else X * 3).astype(dtype)
    numpy_f, lazy_f = getattr(onp.fft, name), getattr(np.fft, name)
    for axis in (0, 1, -1):
        for n in (None, 4, 13):
            for norm in (None, "backward", "ortho", "forward"):
                want = numpy_f(a, n=n, axis=axis, norm=norm)
                for x in layouts(a):
                    check(lazy_f(x, n=n, axis=axis, norm=norm), want, tolerance(dtype))


@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2",
                                  "irfft2"])
@pytest.mark.parametrize("s,axes", [(None, None), (None, (0, 2)), ((5, 12), (2, 1)),
                                    ((3, 4, 9), None), ((-1, 6), (0, 1))])
def test_n_dimensional_transforms(name, s, axes):
    a = Z if name.startswith("i") else X
    if name.endswith("2") and axes is None:
        axes = (-2, -1)
        s = None if s is None else s[-2:]
    numpy_f, lazy_f = getattr(onp.fft, name), getattr(np.fft, name)
    deprecated = s is not None and axes is None  # (NumPy 2.0 warns; so does lazyfuse)
    for norm in (None, "ortho"):
        with pytest.warns(DeprecationWarning) if deprecated else _no_warning():
            want = numpy_f(a, s=s, axes=axes, norm=norm)
        for x in layouts(a)[:3]:
            with pytest.warns(DeprecationWarning) if deprecated else _no_warning():
                got = lazy_f(x, s=s, axes=axes, norm=norm)
            check(got, want, 1e-13)


def _no_warning():
    import contextlib
    return contextlib.nullcontext()


def test_nan_inf_zero_size_and_exceptions():
    a = X.copy()
    a[1, 2, 3] = onp.nan
    got = onp.asarray(np.fft.fft(np.asarray(a), axis=1))
    want = onp.fft.fft(a, axis=1)
    onp.testing.assert_array_equal(onp.isnan(got).any(axis=1), onp.isnan(want).any(axis=1))
    ok = ~onp.isnan(want).any(axis=1, keepdims=True).repeat(10, axis=1)
    onp.testing.assert_allclose(got[ok], want[ok], atol=1e-12)
    empty = onp.ones((2, 0, 3))
    check(np.fft.fft(np.asarray(empty), axis=2), onp.fft.fft(empty, axis=2), 0)
    check(np.fft.rfft(np.asarray(empty), axis=0), onp.fft.rfft(empty, axis=0), 0)
    for call, error in [
        (lambda: np.fft.fft(np.asarray(empty), axis=1), ValueError),
        (lambda: np.fft.fft(np.asarray(X), n=0), ValueError),
        (lambda: np.fft.irfft(np.asarray(onp.ones(1))), ValueError),
        (lambda: np.fft.fft(np.asarray(X), norm="sideways"), ValueError),
        (lambda: np.fft.fft(np.asarray(X), axis=3), IndexError),
        (lambda: np.fft.fft(np.asarray(onp.float64(2.0))), IndexError),
        (lambda: np.fft.rfft(np.asarray(Z)), TypeError),
        (lambda: np.fft.fftn(np.asarray(X), s=(2, 3), axes=(0,)), ValueError),
    ]:
        with pytest.raises(error):
            call()


def test_out_and_fusion():
    out = onp.empty((6, 10, 7), onp.complex128)
    result = np.fft.fft(np.asarray(X), out=out)
    assert result is out
    onp.testing.assert_allclose(out, onp.fft.fft(X), atol=1e-12)
    lazy_out = np.zeros((6, 10, 4), onp.complex128)
    np.fft.rfft(np.asarray(X), out=lazy_out)
    check(lazy_out, onp.fft.rfft(X), 1e-13)
    with pytest.raises(ValueError, match="wrong shape"):
        np.fft.fft(np.asarray(X), out=onp.empty((6, 10, 8), onp.complex128))
    # A pending product, its transform and the magnitude: the transform is one library
    # kernel reading the product, the magnitude a loop over its result.
    plan = str(lazyfuse.explain(lambda x: np.abs(np.fft.rfft(x * 2.0, axis=0)), X).kernels)
    assert plan.count("rfft[axis=0]") == 1 and "fft[" not in plan.replace("rfft[", "")


def test_jit_grad_and_vmap():
    f = lazyfuse.jit(lambda x: np.fft.irfft(np.fft.rfft(x) * 2.0, n=x.shape[-1]))
    onp.testing.assert_allclose(onp.asarray(f(X)), 2 * X, atol=1e-12)
    # Parseval: the gradient of sum |fft(x)|^2 is 2 n x for real x (n the lane length).
    energy = lambda x: np.sum(np.abs(np.fft.fft(x, axis=1)) ** 2)  # noqa: E731
    onp.testing.assert_allclose(onp.asarray(lazyfuse.grad(energy)(X)), 2 * 10 * X, rtol=1e-12)
    # ... and of sum |rfft(x)|^2 with orthonormal scaling, by central differences.
    half = lambda x: np.sum(np.abs(np.fft.rfft(x, norm="ortho")) ** 2)  # noqa: E731
    x = X[0, :3]
    g = onp.asarray(lazyfuse.grad(half)(x))
    h, fd = 1e-6, onp.zeros_like(x)
    for i in onp.ndindex(x.shape):
        e = onp.zeros_like(x)
        e[i] = h
        up = onp.sum(onp.abs(onp.fft.rfft(x + e, norm="ortho")) ** 2)
        down = onp.sum(onp.abs(onp.fft.rfft(x - e, norm="ortho")) ** 2)
        fd[i] = (up - down) / (2 * h)
    onp.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    batched = onp.asarray(lazyfuse.vmap(lambda v: np.fft.fft(v, axis=0))(Z))
    onp.testing.assert_allclose(batched, onp.fft.fft(Z, axis=1), atol=1e-12)


def test_frequencies_and_shifts():
    check(np.fft.fftfreq(9, 0.5), onp.fft.fftfreq(9, 0.5), 0)
    check(np.fft.rfftfreq(10), onp.fft.rfftfreq(10), 0)
    check(np.fft.fftshift(np.asarray(X), axes=1), onp.fft.fftshift(X, axes=1), 0)
    check(np.fft.ifftshift(np.asarray(X)), onp.fft.ifftshift(X), 0)
