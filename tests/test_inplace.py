"""In-place changes: `+= -= *= /=`, `t[i] = v` and the `_` methods write into the tensor,
bump a version counter that views and detached tensors share, and refuse what would
rewrite a graph or change the shape or dtype."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import stag
from stag import nn


def leaf(values: list[float], requires_grad: bool = True) -> stag.Tensor:
    return stag.tensor(np.array(values), requires_grad=requires_grad, dtype=np.float64)


def test_pytorchs_manual_update_changes_the_parameter_itself():
    p = leaf([1.0, 2.0])
    same = p
    (p * p).sum().backward()
    with stag.no_grad():
        p -= 0.1 * p.grad
    assert p is same
    np.testing.assert_allclose(p.numpy(), [0.8, 1.6])


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (lambda t: t.__iadd__(1.0), [2.0, 3.0]),
        (lambda t: t.__isub__(stag.tensor(np.array([1.0, 1.0]))), [0.0, 1.0]),
        (lambda t: t.__imul__(2), [2.0, 4.0]),
        (lambda t: t.__itruediv__(4.0), [0.25, 0.5]),
    ],
    ids=["+=", "-=", "*=", "/="],
)
def test_each_operator_writes_in_place_and_bumps_the_version(update, expected):
    t = leaf([1.0, 2.0], requires_grad=False)
    y = (t * leaf([1.0, 1.0])).sum()  # a graph that saved t
    data = t.numpy()
    assert update(t) is t
    np.testing.assert_allclose(t.numpy(), expected)
    assert np.shares_memory(t.numpy(), data)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_a_tensor_that_requires_grad_is_refused_while_grad_mode_is_on():
    p = leaf([1.0])
    with pytest.raises(
        RuntimeError,
        match=r"\+=: in-place change of a tensor that requires grad.*x = x \+ y.*no_grad",
    ):
        p += 1.0
    np.testing.assert_array_equal(p.numpy(), [1.0])


def test_the_operand_broadcasts_into_the_tensor_never_the_reverse():
    x = stag.zeros(2, 3, dtype=np.float64)
    x += stag.tensor(np.array([1.0, 2.0, 3.0]))  # a bias row: fine
    np.testing.assert_array_equal(x.numpy(), [[1.0, 2.0, 3.0]] * 2)
    bias = stag.zeros(3, dtype=np.float64)
    with pytest.raises(
        stag.ShapeError,
        match=r"\+=: a tensor of shape \(2, 3\) cannot be written into one of shape \(3,\)",
    ):
        bias += x
    np.testing.assert_array_equal(bias.numpy(), [0.0, 0.0, 0.0])


def test_dtypes_are_kept_or_refused_never_cast_silently():
    ints = stag.tensor(np.array([1, 2]))
    with pytest.raises(
        stag.DTypeError, match=r"\+=: float values cannot be written into a int64 tensor"
    ):
        ints += 0.5
    with pytest.raises(stag.DTypeError, match="/=: a int64 tensor cannot hold a quotient"):
        ints /= 2
    ints += 1
    np.testing.assert_array_equal(ints.numpy(), [2, 3])
    f32 = stag.zeros(2)
    with pytest.raises(stag.DTypeError, match=r"\+=: dtypes float32 and float64 differ"):
        f32 += stag.zeros(2, dtype=np.float64)
    f32 += 0.1  # a Python number takes the tensor's dtype
    assert f32.dtype == np.float32


def test_setitem_writes_like_numpy_and_accepts_masks():
    t = stag.tensor(np.arange(6.0).reshape(2, 3))
    t[0, 1] = 10.0
    t[:, 2] = stag.tensor(np.array([-1.0, -2.0], dtype=np.float32))
    t[t < 0] = 0.0
    np.testing.assert_array_equal(t.numpy(), [[0.0, 10.0, 0.0], [3.0, 4.0, 0.0]])
    with pytest.raises(
        stag.ShapeError,
        match=r"setitem: a value of shape \(3,\) does not fit the indexed part of shape \(2,\)",
    ):
        t[:, 0] = stag.tensor(np.zeros(3, dtype=np.float32))
    with pytest.raises(IndexError, match="out of range"):
        t[5] = 1.0
    p = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="setitem: in-place change"):
        p[0] = 0.0
    with stag.no_grad():
        p[0] = 0.0
    np.testing.assert_array_equal(p.numpy(), [0.0, 2.0])


def test_an_update_through_a_detached_tensor_invalidates_graphs_that_saved_the_original():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    x.detach().add_(1.0)  # shares x's memory, as in PyTorch
    np.testing.assert_array_equal(x.numpy(), [2.0, 3.0])
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


@pytest.mark.parametrize(
    "view",
    [lambda t: t[0], lambda t: t.reshape(4), lambda t: t.T, lambda t: t[:, 1:]],
    ids=["row", "reshape", "transpose", "slice"],
)
def test_views_of_a_data_tensor_share_its_version(view):
    data = stag.tensor(np.arange(4.0).reshape(2, 2))  # no grad: its views have no record
    w = stag.ones_like(view(data), requires_grad=True)
    y = (w * view(data)).sum()
    data.add_(1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_a_copy_made_by_an_op_is_not_a_view():
    data = stag.tensor(np.arange(4.0).reshape(2, 2))
    w = stag.ones_like(data.reshape(4), requires_grad=True)
    y = (w * data.T.reshape(4)).sum()  # a transpose made contiguous: a copy
    data.add_(1.0)
    y.backward()  # nothing it saved has changed
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 2.0, 1.0, 3.0])


def test_an_update_of_a_view_under_no_grad_writes_into_its_base():
    w = leaf([[1.0, 2.0], [3.0, 4.0]])
    with stag.no_grad():
        w[0] += 10.0
    np.testing.assert_array_equal(w.numpy(), [[11.0, 12.0], [3.0, 4.0]])


def test_a_view_of_a_users_array_is_copied_before_it_is_written():
    array = np.zeros(3)
    t = stag.Tensor(array[:2])
    t += 1.0
    np.testing.assert_array_equal(array, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(t.numpy(), [1.0, 1.0])


# ------------------------------------------------------------------ copies


class Tiny(nn.Module):
    def __init__(self) -> None:
        self.w = leaf([1.0, 2.0])


def test_a_model_and_its_deepcopy_in_one_loss_get_their_own_gradients():
    model = Tiny()
    twin = copy.deepcopy(model)
    assert twin.w is not model.w and not np.shares_memory(twin.w.numpy(), model.w.numpy())
    ((model.w * 2.0).sum() + (twin.w * 3.0).sum()).backward()
    np.testing.assert_array_equal(model.w.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(twin.w.grad.numpy(), [3.0, 3.0])


def test_copies_and_pickles_are_independent_leaves():
    t = leaf([1.0, 2.0])
    for other in (copy.copy(t), copy.deepcopy(t), pickle.loads(pickle.dumps(t))):
        assert other.requires_grad and other is not t
        with stag.no_grad():
            other += 1.0
        np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
    with pytest.raises(RuntimeError, match="only leaf tensors can be copied.*'mul'.*detach"):
        copy.deepcopy(t * 2.0)


def test_grad_keeps_the_parameters_dtype_over_every_backward():
    w = stag.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    ints = stag.tensor(np.array([3, 4]))
    for _ in range(3):
        (w * ints + w.astype(np.float64).sum().astype(np.float32)).sum().backward()
        assert w.grad is not None and w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.numpy(), [3 * (3 + 2), 3 * (4 + 2)])
