"""Reductions, scans, sorting, splits and masks: values against numpy (and PyTorch where
its semantics differ from numpy's), gradients through the primitives' gradchecks and here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _gradcheck import FAST, axis_args, check_grads, distinct, shapes
from hypothesis import given
from hypothesis import strategies as st

import stag

A = np.arange(24.0).reshape(2, 3, 4) / 7.0 - 1.5


def t64(a: np.ndarray) -> stag.Tensor:
    return stag.tensor(a, dtype=np.float64)


# ------------------------------------------------------------------ std, norm, cumsum
@FAST
@given(data=st.data())
def test_std_matches_numpy_with_ddof(data):
    shape = data.draw(shapes(min_dims=1))
    axis, ddof = data.draw(axis_args(len(shape))), data.draw(st.integers(0, 1))
    a = data.draw(distinct(shape))  # distinct values: no zero spread, where sqrt has no slope
    count = a.size if axis is None else math.prod(np.array(shape)[np.atleast_1d(axis)])
    if count < 2:
        return
    out = check_grads(lambda t: t.std(axis=axis, ddof=ddof), a, rtol=1e-4)
    np.testing.assert_allclose(out.numpy(), np.std(a, axis=axis, ddof=ddof), rtol=1e-12)


@pytest.mark.parametrize("ord", [2, 1, math.inf, -math.inf, 3.0, 0.5])
def test_norm_matches_numpys_vector_norms(ord):
    out = t64(A).norm(axis=-1, ord=ord)
    np.testing.assert_allclose(out.numpy(), np.linalg.norm(A, ord=ord, axis=-1), rtol=1e-12)
    assert t64(A).norm(ord=ord).shape == ()


def test_the_2_norm_of_zeros_has_a_zero_gradient_not_nan():
    x = stag.tensor(np.zeros(3), requires_grad=True, dtype=np.float64)
    x.norm().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="norm: ord must be"):
        x.norm(ord=-1.0)


def test_cumsum_method_and_function_match_numpy():
    np.testing.assert_allclose(t64(A).cumsum(1).numpy(), np.cumsum(A, axis=1))
    np.testing.assert_allclose(stag.cumsum(t64(A), -1).numpy(), np.cumsum(A, axis=-1))
    with pytest.raises(
        stag.ShapeError, match=r"cumsum: axis 3 is out of range for shape \(2, 3, 4\)"
    ):
        t64(A).cumsum(3)


# ------------------------------------------------------------------ sorting
@FAST
@given(data=st.data())
def test_sort_and_argsort_match_numpy_and_route_gradients(data):
    shape = data.draw(shapes(min_dims=1))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    a = data.draw(distinct(shape))
    descending = data.draw(st.booleans())
    expected = np.sort(a, axis=axis)
    expected = np.flip(expected, axis) if descending else expected
    out = check_grads(lambda t: t.sort(axis, descending=descending)[0], a)
    np.testing.assert_array_equal(out.numpy(), expected)
    order = t64(a).argsort(axis, descending=descending).numpy()
    np.testing.assert_array_equal(np.take_along_axis(a, order, axis), expected)


def test_sort_is_stable_in_both_directions():
    values = stag.tensor(np.array([2.0, 1.0, 2.0, 1.0]))
    assert values.argsort().numpy().tolist() == [1, 3, 0, 2]
    assert values.argsort(descending=True).numpy().tolist() == [0, 2, 1, 3]


def test_topk_matches_pytorch():
    torch = pytest.importorskip("torch")
    for largest in (True, False):
        values, indices = t64(A).topk(2, largest=largest)
        ref = torch.tensor(A).topk(2, largest=largest)
        np.testing.assert_array_equal(values.numpy(), ref.values.numpy())
        np.testing.assert_array_equal(indices.numpy(), ref.indices.numpy())
    assert indices.dtype == np.int64
    with pytest.raises(stag.ShapeError, match=r"topk: k must be an int in \[0, 4\]"):
        t64(A).topk(5)


def test_topk_gradient_reaches_only_the_picked_values():
    x = stag.tensor(np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.8]]), requires_grad=True)
    values, _ = x.topk(1, axis=-1)
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [0, 0, 1]])


# ------------------------------------------------------------------ splits
def test_chunk_and_split_give_views_that_add_up():
    x = stag.tensor(np.arange(12.0).reshape(2, 6), requires_grad=True)
    q, k, v = x.chunk(3)
    np.testing.assert_array_equal(k.numpy(), [[2.0, 3.0], [8.0, 9.0]])
    head, tail = stag.split(x, (1, 5))
    assert head.shape == (2, 1) and tail.shape == (2, 5)
    (q.sum() + 2 * v.sum() + 3 * head.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[4, 1, 0, 0, 2, 2]] * 2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: x.chunk(4), r"chunk: 4 equal parts of axis 1 of shape \(2, 6\).*stag.split"),
        (lambda x: stag.split(x, (2, 3)), r"split: sizes \(2, 3\) add up to 5, not to 6"),
        (lambda x: x.chunk(2, axis=2), r"chunk: axis 2 is out of range"),
    ],
)
def test_splits_that_do_not_add_up_are_shape_errors(call, message):
    with pytest.raises(stag.ShapeError, match=message):
        call(stag.zeros(2, 6))


# ------------------------------------------------------------------ masks
def test_masked_fill_broadcasts_a_causal_mask_over_batch_and_heads():
    scores = stag.tensor(np.ones((2, 3, 4, 4)), requires_grad=True)
    future = stag.tensor(~np.tri(4, 4, dtype=bool))
    filled = scores.masked_fill(future, -np.inf)
    np.testing.assert_array_equal(filled.numpy()[1, 2], np.where(np.tri(4, 4) > 0, 1.0, -np.inf))
    filled.masked_fill(future, 0.0).sum().backward()
    np.testing.assert_array_equal(scores.grad.numpy()[0, 0], np.tri(4, 4))
    with pytest.raises(stag.ShapeError, match=r"masked_fill: a mask of shape \(3, 4, 4, 4\)"):
        scores.masked_fill(stag.tensor(np.zeros((3, 4, 4, 4), bool)), 0.0)
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool tensor"):
        scores.masked_fill(stag.zeros(4, 4), 0.0)


@pytest.mark.parametrize("k", [-1, 0, 1])
def test_tril_and_triu_match_numpy(k):
    np.testing.assert_array_equal(stag.tril(t64(A), k).numpy(), np.tril(A, k))
    np.testing.assert_array_equal(stag.triu(t64(A), k).numpy(), np.triu(A, k))
    with pytest.raises(stag.ShapeError, match="tril: expected at least 2 dims"):
        stag.tril(stag.zeros(3), k)


def test_expand_and_broadcast_to_sum_their_gradient_back():
    x = stag.tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    big = x.expand(3, 2, 4)
    assert big.shape == (3, 2, 4) and x.expand(-1, 5).shape == (2, 5)
    (big * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[24.0], [24.0]])
    assert stag.broadcast_to(x, (2, 2)).numpy().tolist() == [[1.0, 1.0], [2.0, 2.0]]
    with pytest.raises(stag.ShapeError, match=r"expand: cannot expand shape \(2, 1\) to \(3, 4\)"):
        x.expand(3, 4)
