"""stag's broadcasting rule at run time, and the switch back to numpy's (stag/_broadcasting.py).

A suffix and explicit size-1 dims broadcast; a rank promotion that also stretches a
size-1 dim of the other operand is a ShapeError naming the op, both shapes and the fix.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import stag
from stag import ShapeError


def t(*shape: int) -> stag.Tensor[*tuple[int, ...]]:
    return stag.tensor(np.arange(float(np.prod(shape))).reshape(shape))


OPERATORS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "maximum": stag.maximum,
    "minimum": stag.minimum,
}


@pytest.mark.parametrize("name", OPERATORS)
@pytest.mark.parametrize(
    ("left", "right", "result"),
    [
        ((2, 3, 4), (3, 4), (2, 3, 4)),  # a suffix: implicit leading dims (the bias case)
        ((4,), (2, 3, 4), (2, 3, 4)),
        ((3, 1), (1, 4), (3, 4)),  # explicit size-1 dims on both sides
        ((2, 1, 4), (1, 3, 1), (2, 3, 4)),
        ((2, 3, 4), (1, 4), (2, 3, 4)),  # the shorter operand's own size-1 dims stretch
        ((1, 3), (3,), (1, 3)),  # a leading 1 of the longer one is not stretched
        ((3, 4), (), (3, 4)),  # a 0-d tensor
    ],
)
def test_suffixes_and_explicit_size_one_dims_broadcast_as_in_numpy(name, left, right, result):
    out = OPERATORS[name](t(*left) + 1, t(*right) + 1)
    assert out.shape == result


@pytest.mark.parametrize("name", OPERATORS)
@pytest.mark.parametrize(
    ("left", "right"),
    [((3,), (3, 1)), ((3, 1), (4,)), ((2, 1, 4), (3, 4)), ((2, 5, 1), (3,))],
)
def test_a_rank_promotion_that_stretches_a_size_one_dim_is_refused(name, left, right):
    with pytest.raises(ShapeError) as info:
        OPERATORS[name](t(*left), t(*right))
    message = str(info.value)
    assert message.startswith(f"{name}: shapes {left} and {right} would broadcast to ")
    assert "make the ranks equal" in message
    assert "stag.numpy_broadcasting()" in message


def test_the_message_names_the_column_fix():
    with pytest.raises(ShapeError) as info:
        t(3) + t(3, 1)
    assert str(info.value) == (
        "add: shapes (3,) and (3, 1) would broadcast to (3, 3): numpy gives (3,) an "
        "implicit leading dim and stretches dim 1 of (3, 1), of size 1, to 3; make the "
        "ranks equal: .unsqueeze(-1) the (3,) operand for a column, or .squeeze(-1) the "
        "(3, 1) one to pair the elements (stag.numpy_broadcasting() allows numpy's rule)"
    )


def test_the_ported_loss_trap_is_refused_and_numpy_broadcasting_gives_numpys_result():
    pred, target = t(4, 1), t(4)
    with pytest.raises(ShapeError, match=r"sub: shapes \(4, 1\) and \(4,\)"):
        ((pred - target) ** 2).mean()
    with stag.numpy_broadcasting():
        assert (pred - target).shape == (4, 4)
    assert ((pred.squeeze(-1) - target) ** 2).mean().item() == 0.0


def test_where_follows_the_rule_for_each_pair_of_its_operands():
    scores, causal = t(2, 3, 4, 4), stag.tensor(np.tril(np.ones((4, 4), bool)))
    assert stag.where(causal, scores, -1e9).shape == (2, 3, 4, 4)  # a (T, T) mask
    column = stag.tensor(np.ones((4, 1), bool))
    assert stag.where(column, t(1, 3), 0.0).shape == (4, 3)
    with pytest.raises(ShapeError, match=r"^where: shapes \(4,\) and \(4, 1\)"):
        stag.where(stag.tensor(np.ones(4, bool)), t(4, 1), 0.0)


def test_scalars_and_reflected_operators_are_never_refused():
    x = t(3, 1)
    for out in (2.0 * x, 1 - x, x / 2, 2**x, stag.maximum(x, 0.0), x == 1.0):
        assert out.shape == (3, 1)


def test_gradients_under_numpy_broadcasting_sum_over_the_stretched_dims():
    a = stag.tensor(np.ones(3), requires_grad=True)
    b = stag.tensor(np.ones((3, 1)), requires_grad=True)
    with stag.numpy_broadcasting():
        (a * b).sum().backward()
    assert a.grad is not None and b.grad is not None
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(b.grad.numpy(), [[3.0], [3.0], [3.0]])


def test_the_process_wide_switch_is_every_threads_default():
    assert not stag.is_numpy_broadcasting()
    stag.set_numpy_broadcasting(True)
    try:
        seen: list[bool] = []
        thread = threading.Thread(target=lambda: seen.append(stag.is_numpy_broadcasting()))
        thread.start()
        thread.join()
        assert seen == [True]
        assert (t(3) + t(3, 1)).shape == (3, 3)
    finally:
        stag.set_numpy_broadcasting(False)
    with pytest.raises(ShapeError):
        t(3) + t(3, 1)


def test_a_block_is_per_thread_and_restores_what_it_found():
    inside, checked = threading.Event(), threading.Event()
    seen: list[bool] = []

    def lenient() -> None:
        with stag.numpy_broadcasting():
            with stag.numpy_broadcasting():
                pass
            seen.append(stag.is_numpy_broadcasting())  # the outer block still holds
            inside.set()
            checked.wait(5)

    thread = threading.Thread(target=lenient)
    thread.start()
    inside.wait(5)
    seen.append(stag.is_numpy_broadcasting())  # this thread is not in the block
    checked.set()
    thread.join()
    assert seen == [True, False]
    assert not stag.is_numpy_broadcasting()


def test_numpy_broadcasting_decorates_a_function():
    @stag.numpy_broadcasting()
    def outer(
        a: stag.Tensor[*tuple[int, ...]], b: stag.Tensor[*tuple[int, ...]]
    ) -> tuple[int, ...]:
        return (a + b).shape

    assert outer(t(3), t(3, 1)) == (3, 3)
    assert not stag.is_numpy_broadcasting()


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda x, v: x.__iadd__(v), r"^\+=: a tensor of shape \(3,\) cannot be written into one"),
        (lambda x, v: x.masked_fill(v > 0, 0.0), r"^masked_fill: a mask of shape \(3,\)"),
        (lambda x, v: x.__setitem__(slice(None), v), r"^setitem: a value of shape \(3,\)"),
    ],
    ids=["in-place operator", "masked_fill", "setitem"],
)
def test_a_write_that_would_stretch_a_size_one_dim_names_the_rank_fix(write, message):
    """numpy refuses these too; stag says which edit was meant, as for the operators."""
    with pytest.raises(ShapeError, match=message) as info:
        write(t(3, 1), t(3))
    assert str(info.value).endswith(
        "make the ranks equal: .unsqueeze(-1) the (3,) operand for a column, "
        "or .squeeze(-1) the (3, 1) one to pair the elements"
    )


def test_a_write_of_another_shape_keeps_the_plain_message():
    x = t(3, 2)
    with pytest.raises(ShapeError) as info:
        x += t(3)
    assert str(info.value) == (
        "+=: a tensor of shape (3,) cannot be written into one of shape (3, 2); "
        "use the out-of-place operator to get a new tensor"
    )


def test_masked_fill_and_in_place_ops_take_a_suffix():
    x = t(2, 3, 4)
    filled = x.masked_fill(stag.tensor(np.eye(3, 4, dtype=bool)), -1.0)
    np.testing.assert_array_equal(
        filled.numpy()[1], np.where(np.eye(3, 4, dtype=bool), -1.0, x.numpy()[1])
    )
    x += t(4)
    np.testing.assert_array_equal(x.numpy()[0, 0], [0.0, 2.0, 4.0, 6.0])
