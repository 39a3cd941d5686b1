"""Errors by kind: each failure raises one class of ``lazyfuse.errors``, which is also
the builtin exception NumPy raises, with a message naming the operation and shapes."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np
from lazyfuse import errors


def test_every_class_derives_from_the_base_and_numpys_exception():
    expected = {
        errors.ShapeError: ValueError,
        errors.DTypeError: TypeError,
        errors.AxisError: onp.exceptions.AxisError,
        errors.ScalarOverflowError: OverflowError,
        errors.IndexingError: IndexError,
        errors.InvalidArgumentError: ValueError,
        errors.LinAlgError: onp.linalg.LinAlgError,
        errors.BindingError: ValueError,
        errors.ConcretizationError: TypeError,
        errors.ParseError: ValueError,
        errors.OutOfMemoryError: MemoryError,
        errors.CompileError: RuntimeError,
        errors.DeviceError: RuntimeError,
        errors.InternalError: RuntimeError,
    }
    exceptions = {getattr(errors, n) for n in errors.__all__} - {errors.FallbackWarning}
    assert set(expected) | {errors.LazyfuseError} == exceptions
    assert issubclass(errors.FallbackWarning, UserWarning)
    for cls, builtin in expected.items():
        assert issubclass(cls, errors.LazyfuseError) and issubclass(cls, builtin), cls
        assert getattr(lazyfuse, cls.__name__) is cls


def test_shape_mismatch_is_a_shape_error_naming_op_and_shapes():
    a = np.ones((2, 3))
    with pytest.raises(lazyfuse.ShapeError, match=r"add.*\(2, ?3\).*\(4,\)") as info:
        a + np.ones(4)
    assert isinstance(info.value, ValueError)
    with pytest.raises(lazyfuse.ShapeError, match="reshape"):
        a.reshape(4, 2)


def test_bad_axis_is_numpys_axis_error():
    with pytest.raises(lazyfuse.AxisError) as info:
        np.ones((2, 3)).sum(axis=2)
    assert isinstance(info.value, onp.exceptions.AxisError)
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)
    assert "axis 2" in str(info.value)


def test_unsupported_dtype_is_a_dtype_error():
    with pytest.raises(lazyfuse.DTypeError, match="longdouble|float128"):
        np.asarray(onp.ones(3, dtype=onp.longdouble))
    with pytest.raises(lazyfuse.DTypeError, match="complex256|clongdouble"):
        np.zeros(3, dtype=onp.clongdouble)


def test_out_of_range_python_integer_is_an_overflow_error():
    with pytest.raises(lazyfuse.ScalarOverflowError) as info:
        np.ones(3, dtype="int64") + 2**70
    assert isinstance(info.value, OverflowError)


def test_bad_indices_are_indexing_errors_with_numpys_messages():
    a = np.ones((2, 3))
    with pytest.raises(lazyfuse.IndexingError, match="index 5 is out of bounds for axis 0 with size 2"):
        a[5]
    with pytest.raises(IndexError, match="too many indices for array: array is 2-dimensional, but 3 were indexed"):
        a[0, 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        a[..., ...]
    with pytest.raises(IndexError, match="only integers, slices"):
        a[1.0]
    with pytest.raises(IndexError, match="only integers, slices"):
        a["x"]
    # 0-d integer arrays and NumPy integers are integers, as in NumPy.
    assert onp.array_equal(np.asarray(onp.arange(6).reshape(2, 3))[onp.array(1)], [3, 4, 5])
    assert onp.array_equal(np.asarray(onp.arange(6).reshape(2, 3))[onp.int32(-1), ::-2], [5, 3])


def test_other_invalid_arguments():
    with pytest.raises(lazyfuse.InvalidArgumentError):
        np.ones(3)[::0]
    with pytest.raises(lazyfuse.InvalidArgumentError):
        np.transpose(np.ones((2, 3)), (0, 0))


def test_a_compiled_call_with_other_arrays_is_a_binding_error():
    x = lazyfuse._native.param(0, "float64", [3])
    compiled = lazyfuse._native.compile([x.binary("mul", 2.0, False)], [("float64", [3])])
    assert onp.array_equal(compiled(onp.ones(3))[0], [2.0, 2.0, 2.0])
    with pytest.raises(lazyfuse.BindingError, match=r"expects arrays \[float64 \[3\]\]"):
        compiled(onp.ones(4))


def test_errors_can_be_caught_as_the_builtin_numpy_code_expects():
    try:
        np.ones((2, 3)) @ np.ones((2, 3))
    except ValueError as e:
        assert isinstance(e, lazyfuse.LazyfuseError)
        assert "matmul" in str(e)
    else:
        raise AssertionError("no error")


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((3,), (4,)), ((2, 3), (4,)), ((5, 2, 3), (4, 2)),
                                   ((2, 3, 4), (5, 3, 6))])
def test_matrix_products_report_the_core_dimension_as_numpy_does(sa, sb):
    for f in (onp.matmul, onp.dot):
        with pytest.raises(ValueError) as want:
            f(onp.ones(sa), onp.ones(sb))
        ours = getattr(np, f.__name__)
        with pytest.raises(lazyfuse.ShapeError) as got:
            ours(np.ones(sa), np.ones(sb))
        assert str(want.value) in str(got.value), (str(got.value), str(want.value))


@pytest.mark.parametrize("body", [lambda x: x[x > 0].sum(), lambda x: x[(x > 0).nonzero()],
                                  lambda x: x * 2 if float(x.sum()) > 0 else x,
                                  lambda x: x if x.sum() > 0 else -x])
def test_jit_of_a_function_that_needs_values_says_so(body):
    """A mask or positions computed from traced values make the shape data-dependent."""
    x = onp.linspace(-1.0, 1.0, 10)
    with pytest.raises(lazyfuse.ConcretizationError, match="traced") as info:
        lazyfuse.jit(body)(x)
    assert isinstance(info.value, TypeError)  # as JAX's ConcretizationTypeError
    assert "without jit" in str(info.value)
    with pytest.raises(lazyfuse.ConcretizationError):
        lazyfuse.explain(body, x)


def test_jit_of_fancy_indexing_with_concrete_indices_is_a_gather():
    """Index arrays known at trace time (NumPy arrays, lists) are not data-dependent:
    the traced program gathers, and runs for new inputs."""
    f = lazyfuse.jit(lambda x: (x * 2)[onp.array([[1, -1], [0, 2]])].sum(axis=0) + x[[3, 3]])
    for seed in (0, 1):
        x = onp.random.default_rng(seed).standard_normal(10)
        onp.testing.assert_allclose(f(x), (x * 2)[onp.array([[1, -1], [0, 2]])].sum(axis=0) + x[[3, 3]])
    assert "gather" in str(lazyfuse.explain(lambda x: x[[1, 2]] * 2, onp.ones(5)))


def test_a_panic_in_graph_building_is_an_internal_error_not_a_base_exception():
    # pyo3 turns an uncaught panic into PanicException, a BaseException that
    # `except Exception` does not catch; lazyfuse's entry points catch panics.
    from lazyfuse import _native

    with pytest.raises(lazyfuse.errors.InternalError, match="internal error: panic probe") as info:
        _native._panic_probe()
    assert isinstance(info.value, RuntimeError)
