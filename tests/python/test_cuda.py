"""The CUDA target from Python where there may be no GPU: devices, the PTX of a traced
function, and the error a GPU call raises without a device. (On a GPU,
scripts/gpu_check.sh checks results against NumPy.)"""

import numpy as np
import pytest

import lazyfuse
import lazyfuse.numpy as lnp


def has_gpu():
    return any(d.kind == "cuda" for d in lazyfuse.devices())


def test_devices_start_with_the_cpu():
    devices = lazyfuse.devices()
    assert str(devices[0]) == "cpu"
    for i, d in enumerate(devices[1:]):
        assert str(d) == f"cuda:{i}" and d.name


def test_explain_shows_the_ptx_of_each_gpu_kernel_without_a_gpu():
    x = np.random.default_rng(0).standard_normal((8, 16))

    def softmax(a):
        e = lnp.exp(a - lnp.max(a, axis=1, keepdims=True))
        return e / lnp.sum(e, axis=1, keepdims=True)

    e = lazyfuse.explain(softmax, x, target="cuda")
    assert e.ptx and all(".entry lazyfuse_kernel" in p for p in e.ptx)
    assert "PTX" in str(e)
    assert lazyfuse.explain(softmax, x).ptx is None


def test_math_from_libdevice_is_linked_into_the_ptx():
    x = np.linspace(-2, 2, 10)
    ptx = lazyfuse.explain(lambda a: lnp.arcsinh(a) + lnp.cbrt(a), x, target="cuda").ptx
    assert ptx and not any(".extern .func" in p for p in ptx)


@pytest.mark.skipif(has_gpu(), reason="a GPU is present")
def test_a_gpu_call_without_a_device_says_what_is_missing():
    f = lazyfuse.jit(lambda a: a * 2 + 1, device="cuda")
    with pytest.raises(lazyfuse.DeviceError, match="cuda") as info:
        f(np.ones(4))
    assert isinstance(info.value, RuntimeError)
    assert "driver" in str(info.value) or "device" in str(info.value)


@pytest.mark.skipif(not has_gpu(), reason="no GPU")
def test_a_gpu_call_gives_numpys_values():
    x = np.random.default_rng(1).standard_normal((64, 300))
    f = lazyfuse.jit(lambda a: lnp.sum(lnp.exp(a), axis=1), device="cuda")
    np.testing.assert_allclose(f(x), np.sum(np.exp(x), axis=1), rtol=1e-12)


def test_unknown_devices_are_refused():
    with pytest.raises(ValueError, match="unknown device"):
        lazyfuse.jit(lambda a: a, device="tpu")


def test_kernels_without_a_gpu_lowering_are_named():
    x = np.ones(4, dtype=np.complex64)
    with pytest.raises(lazyfuse.DeviceError, match="no GPU implementation of cexpf"):
        lazyfuse.explain(lambda a: lnp.exp(a), x, target="cuda")
