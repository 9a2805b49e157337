"""Indexing follows numpy: basic forms give numpy's result and gradient, gathers accumulate,
and every form stag does not support is a clear error, never a plausible wrong value."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats, shapes
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stag
from stag import nn

A = np.arange(12.0).reshape(3, 4)


def t64(a: np.ndarray) -> stag.Tensor:
    return stag.tensor(a, dtype=np.float64)


@pytest.mark.parametrize(
    "index",
    [
        (0, 1),
        (slice(None), 1),
        (Ellipsis, 0),
        None,
        (1, slice(1, 3)),
        (slice(None), None),
        (None, Ellipsis, 2),
        (-1, -2),
        (slice(None, None, -1), slice(3, 0, -2)),
        (),
        Ellipsis,
    ],
    ids=repr,
)
def test_basic_forms_give_numpys_result_and_gradient(index):
    out = check_grads(lambda t: t[index], A)
    assert out.shape == A[index].shape
    np.testing.assert_array_equal(out.numpy(), A[index])


def test_two_ints_pick_one_element():
    out = t64(A)[0, 1]
    assert out.shape == () and out.item() == 1.0


@FAST
@given(data=st.data())
def test_every_basic_index_matches_numpy(data):
    shape = data.draw(shapes(min_dims=0, max_dims=3, max_side=4))
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t[index], a)
    np.testing.assert_array_equal(out.numpy(), a[index])


@FAST
@given(data=st.data())
def test_integer_array_indices_match_numpy_and_accumulate(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=4))
    index = data.draw(hnp.integer_array_indices(shape, result_shape=shapes(max_dims=2)))
    a = data.draw(floats(shape))
    tensors = tuple(stag.tensor(i) for i in index)
    out = check_grads(lambda t: t[tensors], a)
    np.testing.assert_array_equal(out.numpy(), a[index])


@pytest.mark.parametrize(
    "index",
    [
        (slice(None), np.array([0, 2, 2])),
        (np.array([2, 0]), 1),
        [0, 2, 0],
        (np.array([[0], [2]]), np.array([1, 3])),
        (Ellipsis, np.array([-1, 0])),
    ],
    ids=["column_gather", "rows_then_int", "list", "broadcast_pair", "negative_last_axis"],
)
def test_mixed_advanced_forms_match_numpy(index):
    out = check_grads(lambda t: t[index], A)
    np.testing.assert_array_equal(out.numpy(), A[index])


@pytest.mark.parametrize(
    ("index", "error", "message"),
    [
        (True, TypeError, r"bool index \(True\).*t\[None\]"),
        (np.array([True, False, True]), TypeError, "masked_select"),
        (0.5, TypeError, r"cannot index with float \(0\.5\)"),
        ("rows", TypeError, "cannot index with str"),
        (slice(0.5, 2), TypeError, "slice bounds must be ints"),
        (slice(0, 2, 0), ValueError, "step cannot be zero"),
        (3, IndexError, r"index 3 is out of range for axis 0 of size 3 \(shape \(3, 4\)\)"),
        ((0, -5), IndexError, "index -5 is out of range for axis 1 of size 4"),
        ((0, 0, 0), IndexError, "too many indices for a tensor of shape"),
        ((Ellipsis, Ellipsis), IndexError, r"only have one '\.\.\.'"),
        (np.array([0, 3]), IndexError, "index 3 is out of range for axis 0"),
        (np.array([0.0, 1.0]), TypeError, "must hold integers"),
    ],
    ids=repr,
)
def test_unsupported_or_out_of_range_forms_raise_clearly(index, error, message):
    with pytest.raises(error, match=message):
        t64(A)[index]


def test_a_0d_tensor_takes_none_and_ellipsis_but_no_int():
    s = stag.tensor(2.0)
    assert s[None].shape == (1,) and s[...].shape == ()
    with pytest.raises(IndexError, match=r"too many indices for a tensor of shape \(\)"):
        s[0]


def test_an_integer_tensor_gathers_rows_with_negative_ids_as_numpy_does():
    ids = stag.tensor(np.array([-1, 0]))
    np.testing.assert_array_equal(t64(A)[ids].numpy(), A[[-1, 0]])


@pytest.mark.parametrize("bad", [-1, 5])
def test_an_embedding_id_outside_its_table_is_an_index_error(bad):
    table = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match=rf"Embedding: id {bad} is out of range.*\[0, 5\)"):
        table(stag.tensor(np.array([0, bad])))


def test_masked_select_picks_in_order_and_routes_the_gradient():
    x = stag.tensor(A, requires_grad=True, dtype=np.float64)
    mask = x > 5.0
    picked = x.masked_select(mask)
    np.testing.assert_array_equal(picked.numpy(), A[A > 5.0])
    (picked * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.where(A > 5.0, 2.0, 0.0))
    with pytest.raises(stag.ShapeError, match="masked_select: mask of shape"):
        x.masked_select(stag.tensor(np.array([True])))
