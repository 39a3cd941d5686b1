"""Common NumPy calls, written as a script would write them, against NumPy: the same
values, shapes and dtypes (with lazyfuse.numpy bound to ``np``), or the same kind of
exception. Guards the breadth of the NumPy surface against regressions."""

import warnings

import numpy as onp
import pytest

import lazyfuse.numpy as lnp

RNG = onp.random.default_rng(0)
A = RNG.standard_normal((4, 6))
V = RNG.standard_normal(7)
IV = RNG.integers(-3, 5, 9)
B = A > 0

VALUE_CALLS = [

 "np.empty((2, 3), dtype=np.int32).shape", "np.zeros(3, dtype=bool)", "np.ones((2,), np.uint8)", "np.full((2, 2), np.nan)", "np.full(3, 7)", "np.arange(0, 1, 0.25)", "np.arange(5, dtype=np.float32)",
 "np.array([[1, 2], [3, 4]], dtype=np.float32)", "np.array([1, 2.5, 3])", "np.array([True, False])", "np.array(3)", "np.array([])", "np.array([[]])", "np.asarray([1, 2], dtype=np.int8)",
 "np.frombuffer(b'\\x01\\x02\\x03\\x04', dtype=np.uint8)", "np.fromiter(range(5), dtype=float)", "np.copy(A)", "np.empty_like(A).shape", "np.zeros_like(iv)", "np.ones_like(b)",
 "A.reshape(3, -1)", "A.reshape((2, 2, 6))", "np.reshape(A, (-1,))", "A.flatten()", "A.T.ravel()", "np.transpose(A[None], (2, 0, 1))", "np.swapaxes(A[None], 0, 2)", "A[:, None, :].shape",
 "np.squeeze(A[:, :1])", "np.concatenate((A, A), axis=1)", "np.stack((v, v), axis=-1)", "np.split(A, 2, axis=1)", "np.array_split(A, 3, axis=1)", "np.hsplit(A, 3)", "np.vsplit(A, 2)",
 "np.repeat(iv, 2)", "np.repeat(A, [1, 2, 0, 1], axis=0)", "np.tile(A, 2)", "np.roll(v, -2)", "np.roll(A, 1)", "np.flip(A, axis=1)", "np.sort(A, axis=0)", "np.sort(A, axis=None)",
 "np.argsort(-v)", "np.unique(iv)", "np.unique(A.round())", "np.cumsum(b, axis=1)", "np.sum(b)", "np.mean(b)", "np.sum(iv.astype(np.int8))", "np.prod(iv.astype(np.int16))",
 "np.max(iv)", "np.min(A, axis=0)", "np.abs(iv)", "np.sqrt(np.abs(A))", "np.exp(v)", "np.log(np.abs(v))", "np.power(iv, 2)", "np.power(2.0, iv)", "iv ** 2", "iv / 2", "iv // 2", "iv % 3", "-iv % 3",
 "np.floor_divide(iv, -2)", "np.mod(v, 0.7)", "np.fmod(v, 0.7)", "np.true_divide(iv, 4)", "np.int64(5) // iv.clip(1)", "np.bitwise_and(iv, 3)", "iv & 1", "iv | 2", "iv ^ 5", "iv >> 1",
 "np.logical_and(b, ~b)", "np.logical_or.reduce(b, axis=0)", "np.add.reduce(A, axis=1)", "np.add.accumulate(v)", "np.multiply.outer(v[:3], v[:2])", "np.maximum.reduceat(v, [0, 3])", "np.minimum.accumulate(v)",
 "np.equal(iv, 2)", "iv == 2", "A != A", "np.isnan(A).any()", "A.astype(np.int32)", "A.astype(np.uint8)", "(A * 100).astype(np.int16)", "iv.astype(bool)", "b.astype(float)", "v.astype(np.float16)",
 "np.float32(2.5) * v", "v * np.float32(2.5)", "np.int32(3) + iv", "iv + np.uint8(3)", "v + 1j", "np.real(v + 1j)", "np.angle(v + 1j)", "np.conj(v + 2j)", "np.abs(v + 1j)",
 "np.dot(v, v)", "np.matmul(A, A.T)", "A @ A.T", "np.einsum('ij,ij->i', A, A)", "np.trace(A @ A.T)", "np.linalg.det(A @ A.T)", "np.cumsum(A, axis=0)[-1]", "np.diff(A, axis=1)",
 "np.mean(A, axis=(0, 1))", "np.std(A, axis=0)", "np.var(iv)", "np.median(iv)", "np.percentile(A, 75, axis=1)", "np.argmax(b, axis=0)", "np.nonzero(iv)", "np.flatnonzero(b)",
 "np.where(b)", "np.count_nonzero(b)", "np.clip(iv, -1, 2)", "np.round(v, 3)", "np.floor(v)", "np.ceil(v)", "np.trunc(v)", "np.rint(v)", "np.sign(iv)", "np.maximum(A, 0)", "np.minimum(iv, 0)",
 "A[b]", "A[b] * 2", "A[:, [0, 2]]", "A[[0, 1], [2, 3]]", "A[iv.clip(0, 3)]", "A[-1]", "A[::-1, ::2]", "A[1:3, ...]", "A[np.newaxis]", "v[v > 0].sum()", "v[[True] * 7]",
 "np.take(v, [0, 0, 6])", "np.take_along_axis(A, np.argsort(A, axis=1), axis=1)", "np.put_along_axis(A.copy(), np.zeros((4, 1), int), 9.0, axis=1)", "np.choose([0, 1, 0], [[1, 2, 3], [4, 5, 6]])",
 "np.tensordot(A, A, axes=([1], [1]))", "np.histogram(v, bins=4)", "np.histogram2d(v, v, bins=2)", "np.histogram_bin_edges(v, bins=3)", "np.cumulative_sum(v)", "np.unique_counts(iv)", "np.unique_values(iv)",
 "np.astype(iv, np.float32)", "np.matrix_transpose(A)", "np.permute_dims(A, (1, 0))", "np.concat([v, v])", "np.pow(v, 2)", "np.acos(np.clip(v, -1, 1))", "np.atan2(v, v)", "np.bitwise_left_shift(iv, 1)",
 "np.vecdot(A, A)", "np.matvec(A, v[:6])", "np.vecmat(v[:4], A)", "np.isdtype(np.float32, 'real floating')", "np.bool(1)",
]

ERROR_CALLS = [
"A + v", "A @ v", "A.sum(axis=2)", "A.reshape(5, 3)", "A[3]", "A[0, 4]", "A[:, [5]]", "np.concatenate([A, v])", "np.stack([A, A[:2]])", "A.T @ A.T", "np.dot(v, A)",
 "iv[1.5]", "A['x']", "np.zeros(-1)", "np.arange(0, 10, 0)", "np.linalg.inv(np.ones((2, 2)))", "np.linalg.inv(A)", "np.linalg.cholesky(-np.eye(2))", "np.sqrt('a')", "A.astype('foo')",
 "np.mean(A, axis=(0, 0))", "np.moveaxis(A, 3, 0)", "np.squeeze(A, axis=0)", "np.swapaxes(A, 0, 5)", "np.broadcast_to(A, (2, 3))", "np.repeat(A, [1, 2], axis=0)", "np.split(v, 2)",
 "np.take(v, 10)", "np.argmax(np.zeros(0))", "np.max(np.zeros(0))", "np.min(np.zeros((0, 3)), axis=0)", "iv << -1", "iv // 0", "np.int8(100) + np.asarray(np.int8([100]))", "np.asarray(iv, dtype=np.uint8) - 300",
 "np.transpose(A, (0, 0))", "A.flat[20]", "np.einsum('ij,jk', A, A)", "np.pad(A, -1)", "np.tile(A, -1)", "np.reshape(A, (-1, -1))", "np.eye(-1)", "np.histogram(v, bins=0)", "np.percentile(v, 101)",
 "np.cross(v, v)", "np.interp(v, [1], [])", "np.polyfit(v, v, -1)", "np.where(A > 0, A)", "np.clip(A)", "np.unique(A, axis=3)", "np.diff(v, n=-1)",
 "np.bincount([-1, 2])", "np.bincount(v)", "np.searchsorted(v, 1, side='middle')", "np.sort(A, kind='foo')", "A.item()", "float(A)", "int(v)", "bool(v)", "len(np.asarray(3.0))", "iter(np.asarray(3.0))",
]


def _env(m):
    wrap = lnp.asarray if m is lnp else (lambda x: x)
    return {"np": m, "A": wrap(A), "v": wrap(V), "iv": wrap(IV), "b": wrap(B)}


def _plain(x):
    """Lists of NumPy arrays (or Python scalars) from a call's result."""
    if isinstance(x, (tuple, list)):
        return [_plain(y) for y in x]
    if isinstance(x, (str, bool, int, float, complex, type(None))) and not isinstance(x, onp.generic):
        return x
    return onp.asarray(x)


def _same(want, got):
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(_same, want, got))
    if isinstance(want, onp.ndarray):
        return (isinstance(got, onp.ndarray) and got.shape == want.shape and got.dtype == want.dtype
                and onp.allclose(got, want, equal_nan=True, rtol=1e-7, atol=1e-9))
    return want == got or (type(want) is float and want != want and got != got)


@pytest.mark.parametrize("call", VALUE_CALLS)
def test_values_match_numpy(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = _plain(eval(call, _env(onp)))  # noqa: S307 - fixed test expressions
        got = _plain(eval(call, _env(lnp)))  # noqa: S307
    assert _same(want, got), (want, got)


@pytest.mark.parametrize("call", ERROR_CALLS)
def test_errors_match_numpy(call):
    def run(m):
        result = eval(call, {**_env(m), "A": (lnp.asarray if m is lnp else onp.asarray)(onp.arange(12.0).reshape(3, 4)),
                             "v": (lnp.asarray if m is lnp else onp.asarray)(onp.arange(5.0)),
                             "iv": (lnp.asarray if m is lnp else onp.asarray)(onp.arange(5))})  # noqa: S307
        return _plain(result) if m is lnp and not hasattr(result, "__next__") else result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            run(onp)
        except Exception as e:  # noqa: BLE001 - lazyfuse must raise the same kind
            with pytest.raises(type(e)):
                run(lnp)
        else:
            run(lnp)
