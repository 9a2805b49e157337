"""Reductions: sum / mean / max / min / var / argmax against numpy, with gradients."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, axis_args, check_grads, distinct, floats, shapes
from hypothesis import given
from hypothesis import strategies as st

import stag

REDUCTIONS = {
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
}


def _reduce(name, axis, keepdims):
    return lambda t: getattr(t, name)(axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@FAST
@given(data=st.data())
def test_reduction_values_and_grads(name, data):
    shape = data.draw(shapes(min_dims=0))
    a = data.draw(distinct(shape) if name in ("max", "min") else floats(shape))
    axis = data.draw(axis_args(len(shape)))
    keepdims = data.draw(st.booleans())
    out = check_grads(_reduce(name, axis, keepdims), a)
    expected = REDUCTIONS[name](a, axis=axis, keepdims=keepdims)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_defaults_give_0d(name):
    a = np.arange(6.0).reshape(2, 3)
    out = getattr(stag.tensor(a, dtype=np.float64), name)()
    assert out.shape == ()
    assert out.item() == pytest.approx(REDUCTIONS[name](a))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reduction_keeps_dtype(name, dtype):
    t = stag.tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    out = getattr(t, name)(axis=1)
    assert out.dtype == dtype
    out.sum().backward()
    assert t.grad.dtype == dtype


def _reduced_size(shape, axis):
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    return int(np.prod([shape[a] for a in axes]))


@pytest.mark.parametrize("ddof", [0, 1])
@FAST
@given(data=st.data())
def test_var_values_and_grads(ddof, data):
    shape = data.draw(shapes(min_dims=1).filter(lambda s: max(s) > 1))
    a = data.draw(floats(shape))
    axis = data.draw(axis_args(len(shape)).filter(lambda ax: _reduced_size(shape, ax) > ddof))
    keepdims = data.draw(st.booleans())
    out = check_grads(lambda t: t.var(axis=axis, keepdims=keepdims, ddof=ddof), a, rtol=1e-4)
    expected = np.var(a, axis=axis, keepdims=keepdims, ddof=ddof)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-13)


def test_var_default_is_population_variance():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    assert stag.tensor(a, dtype=np.float64).var().item() == pytest.approx(1.25)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_ties_split_gradient_evenly(name):
    a = np.array([[1.0, 3.0, 3.0, 2.0], [-1.0, -1.0, -1.0, 5.0]])
    if name == "min":
        a = -a
    x = stag.tensor(a, requires_grad=True, dtype=np.float64)
    getattr(x, name)().backward()  # the global extreme (5.0) is unique
    expected_all = np.zeros_like(a)
    expected_all[1, 3] = 1.0
    np.testing.assert_allclose(x.grad.numpy(), expected_all)

    y = stag.tensor(a, requires_grad=True, dtype=np.float64)
    getattr(y, name)(axis=1).sum().backward()
    expected_rows = np.array([[0.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 1.0]])
    np.testing.assert_allclose(y.grad.numpy(), expected_rows)

    z = stag.tensor(np.full((2, 3), 7.0), requires_grad=True, dtype=np.float64)
    getattr(z, name)().backward()
    np.testing.assert_allclose(z.grad.numpy(), np.full((2, 3), 1 / 6))


@FAST
@given(data=st.data())
def test_argmax_matches_numpy(data):
    shape = data.draw(shapes(min_dims=1))
    a = data.draw(distinct(shape))
    axis = data.draw(st.one_of(st.just(None), st.integers(-len(shape), len(shape) - 1)))
    t = stag.tensor(a, requires_grad=True, dtype=np.float64)
    out = t.argmax(axis=axis)
    assert out.dtype == np.int64
    assert out.requires_grad is False
    assert out.grad_fn is None
    expected = np.argmax(a, axis=axis)
    assert out.shape == np.shape(expected)
    np.testing.assert_array_equal(out.numpy(), expected)


def test_argmax_ties_take_first_like_numpy():
    a = np.array([[1.0, 4.0, 4.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(stag.tensor(a).argmax(axis=1).numpy(), [1, 0])
    assert stag.tensor(a).argmax().item() == 1


def test_sum_over_tuple_axis_with_keepdims_broadcasts_back():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = stag.tensor(a, dtype=np.float64)
    s = t.sum(axis=(0, 2), keepdims=True)
    assert s.shape == (1, 3, 1)
    np.testing.assert_allclose((t - s).numpy(), a - a.sum(axis=(0, 2), keepdims=True))


def test_mean_grad_is_uniform():
    x = stag.tensor(np.zeros((4, 5)), requires_grad=True, dtype=np.float64)
    x.mean().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((4, 5), 1 / 20))
