"""Integer-array and boolean-mask indexing of lazy arrays: a gather of x's elements at
positions NumPy's own rules give (broadcast index arrays, the placement of advanced
axes, negative indices, masks), without evaluating x; NumPy's errors and result
layout."""

import numpy as onp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lazyfuse
import lazyfuse.numpy as np

X = onp.arange(2 * 3 * 4 * 5, dtype=onp.float64).reshape(2, 3, 4, 5) * 0.5 - 7

KEYS = [
    onp.array([1, 0, 1]),
    (slice(None), onp.array([2, -1, 0])),
    (onp.array([0, 1]), slice(None), onp.array([3, 1])),          # split: axes move first
    (slice(None), onp.array([[0], [2]]), onp.array([1, 3, 0])),    # broadcast index arrays
    (Ellipsis, onp.array([4, 0])),
    (None, 1, slice(1, 3), [0, 3], None),
    (1, [2, 0], slice(None, None, -1), 4),
    X > 10,
    (X[:, :, 0, 0] > -6,),
    (slice(None), X[0, :, :, 0] < 0),
    ([True, False],),
    (onp.array([], dtype=onp.intp),),
    (onp.uint8(1), onp.array([2], dtype=onp.int32)),
]


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
@pytest.mark.parametrize("dtype", ["float64", "float32", "int16", "uint8", "bool", "complex64"])
def test_matches_numpy_and_stays_lazy(key, dtype):
    ref = (X * 3).astype(dtype)
    x = np.asarray(X) * 3  # pending: computed, not evaluated
    if dtype != "float64":
        x = x.astype(dtype)
    got = x[key]
    assert x._base.buffer is None, "indexing evaluated x"
    want = ref[key]
    assert got.shape == want.shape and got.dtype == want.dtype
    onp.testing.assert_array_equal(onp.asarray(got), want)
    # NumPy's layout: a ravel is a view exactly where NumPy's is.
    assert np.shares_memory(got.ravel(), got) == onp.shares_memory(want.ravel(), want)


def test_index_arrays_may_be_lazy_and_errors_are_numpys():
    x = np.asarray(X) + 1
    idx = np.asarray(onp.array([3, 0])) * 1  # a pending index array: evaluated
    onp.testing.assert_array_equal(x[:, :, idx], (X + 1)[:, :, [3, 0]])
    mask = x > 0
    onp.testing.assert_array_equal(x[mask], (X + 1)[X + 1 > 0])
    for key in [(onp.array([2]),), (slice(None), [3]), (onp.zeros((2, 3), bool), 0, 0, 0),
                (onp.zeros(5, bool),)]:
        with pytest.raises(IndexError) as want:
            X[key]
        with pytest.raises(IndexError) as got:
            x[key]
        assert str(want.value) in str(got.value)


def test_the_gather_fuses_into_what_follows_in_one_program():
    e = lazyfuse.explain(lambda a: (np.exp(a)[[1, 0]] * 2).sum(), X)
    assert "gather" in e.before
    # One kernel reads the positions, gathers, computes and sums: no temporary.
    assert "gather %" in e.kernels[0] and "reduce_sum" in e.kernels[0]
    x = np.asarray(X)
    onp.testing.assert_allclose(onp.asarray((np.exp(x)[[1, 0]] * 2).sum()),
                                (onp.exp(X)[[1, 0]] * 2).sum())


def test_explain_says_which_inputs_a_mask_made_and_that_it_was_evaluated():
    x = np.asarray(onp.linspace(-1, 1, 4096))
    y = np.exp(x)[x > 0.5].sum()
    e = lazyfuse.explain(y)
    assert len(e.inputs) == 1
    assert e.inputs[0].startswith("b: flat positions into shape (4096,) of a boolean mask")
    assert "evaluated first" in e.inputs[0] and "1024 of them" in e.inputs[0]
    assert "inputs:" in str(e)
    # exp runs at the selected elements only, in the loop of the sum.
    assert "gather a b" in e.after and len(e.kernels) == 1
    onp.testing.assert_allclose(float(y), onp.exp(onp.linspace(-1, 1, 4096))[
        onp.linspace(-1, 1, 4096) > 0.5].sum())
    # A concrete NumPy index was not evaluated by lazyfuse: the note says only what it is.
    e = lazyfuse.explain(np.exp(x)[onp.arange(3000)])
    assert "evaluated first" not in e.inputs[0] and "an advanced index" in e.inputs[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_integer_keys_match_numpy(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    ref = onp.arange(int(onp.prod(shape)), dtype=onp.float64).reshape(shape) - 3.5
    items = []
    for n in shape:
        kind = data.draw(st.sampled_from(["array", "slice", "int", "none"]))
        if kind == "array":
            size = data.draw(st.integers(0, 3))
            items.append(onp.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=size,
                                                      max_size=size)), dtype=onp.intp))
        elif kind == "slice":
            items.append(slice(None, None, data.draw(st.sampled_from([1, -1, 2]))))
        elif kind == "int":
            items.append(data.draw(st.integers(-n, n - 1)))
        else:
            items.append(None)
            items.append(slice(None))
    key = tuple(items)
    try:
        want = ref[key]
    except (IndexError, ValueError) as e:
        with pytest.raises(type(e)):
            onp.asarray(np.asarray(ref)[key])
        return
    got = (np.asarray(ref) * 1)[key]
    onp.testing.assert_array_equal(onp.asarray(got), want)
    assert got.shape == want.shape
