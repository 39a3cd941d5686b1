"""Array attributes and methods beyond the core (NumPy's memory attributes, the method
forms of module functions, the Array API's device, mT, namespace and DLPack) against
NumPy's."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np


def pair(shape=(3, 4), dtype="float64"):
    ref = (onp.arange(onp.prod(shape)) % 7).astype(dtype).reshape(shape)[::-1]
    return ref, np.asarray(ref.copy())


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int16", "uint8", "bool"])
def test_memory_attributes(dtype):
    ref, lazy = pair((3, 5), dtype)
    assert lazy.itemsize == ref.itemsize
    assert lazy.nbytes == ref.nbytes
    assert lazy.strides == onp.ascontiguousarray(ref).strides
    assert lazy.tobytes() == ref.tobytes()
    assert lazy.mT.shape == ref.mT.shape
    onp.testing.assert_array_equal(onp.asarray(lazy.mT), ref.mT)


def test_mT_needs_two_dimensions():
    with pytest.raises(ValueError, match="ndim"):
        np.ones(3).mT


@pytest.mark.parametrize("name,args", [("cumsum", ()), ("cumprod", ()), ("argsort", ()),
                                       ("trace", ()), ("repeat", (2,)),
                                       ("take", ([0, 2],)), ("compress", ([True, False, True],)),
                                       ("searchsorted", (5.0,)), ("round", (1,)), ("conj", ())])
def test_function_methods(name, args):
    ref, lazy = pair((3, 3))
    ref = ref / 3
    lazy = lazy / 3
    if name == "searchsorted":
        ref, lazy = onp.sort(ref.ravel()), np.sort(lazy.ravel())
    want = getattr(ref, name)(*args)
    got = getattr(lazy, name)(*args)
    onp.testing.assert_allclose(onp.asarray(got), want)


def test_in_place_methods_write_the_array_and_its_views():
    ref, lazy = pair((2, 5))
    rv, lv = ref[1], lazy[1]
    rv.sort()
    lv.sort()
    onp.testing.assert_array_equal(onp.asarray(lazy), ref)
    ref.partition(2, axis=1)
    lazy.partition(2, axis=1)
    onp.testing.assert_array_equal(onp.asarray(lazy)[:, 2], ref[:, 2])
    ref.put([0, 7], [-1, -2])
    lazy.put([0, 7], [-1, -2])
    onp.testing.assert_array_equal(onp.asarray(lazy), ref)


def test_flat_reads_and_writes_in_c_order_through_any_view():
    ref, lazy = pair((4, 6))
    rv, lv = ref[::2, 1::2], lazy[::2, 1::2]
    assert len(lv.flat) == len(rv.flat)
    assert lv.flat[4] == rv.flat[4]
    onp.testing.assert_array_equal(onp.asarray(lv.flat[1:5]), rv.flat[1:5])
    rv.flat[3] = 100
    lv.flat[3] = 100
    rv.flat[[0, 5]] = -1
    lv.flat[[0, 5]] = -1
    onp.testing.assert_array_equal(onp.asarray(lazy), ref)
    assert list(lv.flat) == list(rv.flat)


def test_array_api_device_namespace_and_dlpack():
    ref, lazy = pair()
    assert lazy.device == "cpu"
    assert lazy.to_device("cpu") is lazy
    with pytest.raises(ValueError):
        lazy.to_device("cuda:0")
    assert lazy.__array_namespace__() is np
    assert np.__array_api_version__ == "2024.12"
    back = onp.from_dlpack(lazy)
    onp.testing.assert_array_equal(back, ref)
    assert lazy.__dlpack_device__() == (1, 0)
    imported = np.from_dlpack(ref)
    assert isinstance(imported, np.ndarray)
    onp.testing.assert_array_equal(onp.asarray(imported), ref)


def test_namespace_info_lists_what_lazyfuse_has():
    info = np.__array_namespace_info__()
    assert info.default_device() == "cpu" and info.devices() == ["cpu"]
    assert info.default_dtypes()["real floating"] == onp.float64
    assert set(info.dtypes(kind="unsigned integer")) == {"uint8", "uint16", "uint32", "uint64"}
    # The standard's dtypes: float16 is lazyfuse's and NumPy's, not the standard's.
    assert set(info.dtypes(kind=("real floating", "bool"))) == {"float32", "float64", "bool"}
    assert set(info.dtypes(kind="complex floating")) == {"complex64", "complex128"}
    assert "float16" not in info.dtypes()
    assert info.default_dtypes()["complex floating"] == onp.complex128
    assert info.capabilities()["boolean indexing"]
    with pytest.raises(ValueError):
        info.dtypes(kind="no such kind")


@pytest.fixture(params=["lazy", "eager"])
def either_path(request):
    """The test once all-lazy and once with lazyfuse's default eager limit."""
    previous = lazyfuse.set_eager_limit(4096 if request.param == "eager" else 0)
    yield
    lazyfuse.set_eager_limit(previous)


def test_flags_base_and_clip_keywords(either_path):
    xn = onp.arange(12.0).reshape(3, 4)
    x = np.asarray(xn.copy())
    pending = x * 2.0
    assert x.flags["C_CONTIGUOUS"] and x.T.flags.f_contiguous and not x.T.flags.c_contiguous
    assert pending.flags.c_contiguous == (xn * 2.0).flags.c_contiguous
    assert x.base is None and pending.base is None and x[::2].base is not None
    assert onp.asarray(x[1:].base).shape == (3, 4)
    x.flags.writeable = False
    for write in [lambda: x.__setitem__((0, 0), 5.0), lambda: x.__setitem__(0, 5.0),
                  lambda: x.__iadd__(1.0)]:
        with pytest.raises(ValueError, match="read-only"):
            write()
    assert onp.array_equal(onp.asarray(x), xn)
    for kw in [dict(min=3.0), dict(max=4.0), dict(min=2.0, max=5.0)]:
        assert onp.array_equal(onp.asarray(x.clip(**kw)), xn.clip(**kw))
    assert onp.array_equal(onp.asarray(x.clip(2.0, 5.0)), xn.clip(2.0, 5.0))


@pytest.mark.parametrize("args,kw", [
    ((0, 1, 5), dict(retstep=True)), ((0, 1, 1), dict(retstep=True)), ((2.0, 3.0, 7), dict(endpoint=False, retstep=True)),
    (([0, 1], [2, 3], 4), dict(axis=1)), (([0, 1], [2, 3], 4), {}), (([0, 1], 2, 5), dict(endpoint=False)),
    ((onp.array([[0.0], [1.0]]), [5.0, 6.0, 7.0], 3), dict(axis=-1, retstep=True)),
    ((0, 10, 5), dict(dtype=int)), ((-3, 7, 5000), dict(retstep=True))])
def test_linspace_retstep_and_axis(args, kw):
    want, got = onp.linspace(*args, **kw), np.linspace(*args, **kw)
    if kw.get("retstep"):
        (want, want_step), (got, got_step) = want, got
        assert onp.array_equal(onp.asarray(got_step), want_step, equal_nan=True)
        assert onp.ndim(want_step) or type(got_step) is type(want_step)
    got = onp.asarray(got)
    assert got.shape == want.shape and got.dtype == want.dtype and onp.array_equal(got, want)


def test_format_specs_as_numpy(either_path):
    xn = onp.array([1.5, -2.25, 3.0])
    x = np.asarray(xn)
    for spec in [".3f", "8.2f", "e", "", "+.1%"]:
        assert format(x.sum(), spec) == format(xn.sum(), spec)
        assert format(x[1], spec) == format(xn[1], spec)
    assert f"{np.arange(5).sum():05d}" == f"{onp.arange(5).sum():05d}"
    assert format(x, "") == format(xn, "")
    with pytest.raises(TypeError, match="unsupported format string"):
        format(x, ".2f")


def test_pickle_copy_contains_and_shape_assignment(either_path):
    import copy
    import pickle
    xn = onp.arange(12.0).reshape(3, 4)
    x = np.asarray(xn.copy())
    for a, an in [(x, xn), (x * 2.0, xn * 2.0), (x[:, ::2], xn[:, ::2]), (x.T, xn.T)]:
        back = pickle.loads(pickle.dumps(a))
        assert isinstance(back, lazyfuse.ndarray) and onp.array_equal(onp.asarray(back), an)
        for c in (copy.copy(a), copy.deepcopy(a)):
            assert onp.array_equal(onp.asarray(c), an)
            assert not onp.shares_memory(onp.asarray(c), onp.asarray(a))
    assert 5.0 in x and 99.0 not in x and (xn[1] in x) == (xn[1] in xn)
    y = x.copy()
    y.shape = (4, 3)
    y[0, 0] = -1.0
    assert y.shape == (4, 3) and onp.asarray(y).tolist() == [[-1.0, 1.0, 2.0]] + xn.reshape(4, 3)[1:].tolist()
    z = np.zeros((0, 3))
    z.shape = (3, 0)
    assert z.shape == (3, 0)
    t = x.T
    with pytest.raises(AttributeError, match="Incompatible shape"):
        t.shape = (12,)
    assert t.shape == (4, 3)
