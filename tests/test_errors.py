"""Run-time errors: ShapeError and DTypeError, their types and what they say."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import stag
import stag.nn.functional as F


def _zeros(*shape, dtype=np.float64):
    return stag.tensor(np.zeros(shape, dtype=dtype))


def _assert_names(message, *parts):
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


def test_error_classes():
    assert issubclass(stag.ShapeError, ValueError)
    assert issubclass(stag.DTypeError, TypeError)


@pytest.mark.parametrize(
    ("name", "op"),
    [
        ("add", operator.add),
        ("sub", operator.sub),
        ("mul", operator.mul),
        ("div", operator.truediv),
        ("pow", operator.pow),
        ("maximum", stag.maximum),
        ("minimum", stag.minimum),
    ],
)
def test_broadcast_mismatch_names_op_and_shapes(name, op):
    with pytest.raises(stag.ShapeError) as info:
        op(_zeros(2, 3) + 1.0, _zeros(4) + 1.0)
    _assert_names(str(info.value), name, "(2, 3)", "(4,)")


def test_broadcast_mismatch_is_a_value_error():
    with pytest.raises(ValueError):
        _zeros(2, 3) + _zeros(4)


@pytest.mark.parametrize(
    ("sa", "sb"), [((2, 3), (4, 5)), ((3,), (4,)), ((2, 2, 3), (2, 4, 1)), ((5,), (4, 2))]
)
def test_matmul_inner_mismatch(sa, sb):
    with pytest.raises(stag.ShapeError) as info:
        _zeros(*sa) @ _zeros(*sb)
    _assert_names(str(info.value), "matmul", str(sa), str(sb))


def test_concat_mismatch():
    with pytest.raises(stag.ShapeError) as info:
        stag.concat([_zeros(2, 3), _zeros(2, 4)], axis=0)
    _assert_names(str(info.value), "concat", "(2, 3)", "(2, 4)")


def test_stack_mismatch():
    with pytest.raises(stag.ShapeError) as info:
        stag.stack([_zeros(2, 3), _zeros(3, 2)])
    _assert_names(str(info.value), "stack", "(2, 3)", "(3, 2)")


def test_reshape_to_wrong_size():
    with pytest.raises(stag.ShapeError) as info:
        _zeros(2, 3).reshape(4, 2)
    _assert_names(str(info.value), "reshape", "(2, 3)", "(4, 2)")


def test_where_mismatch():
    with pytest.raises(stag.ShapeError) as info:
        stag.where(stag.tensor(np.ones((2, 3), dtype=bool)), _zeros(2, 3), _zeros(5))
    _assert_names(str(info.value), "where", "(5,)")


def test_mse_loss_column_vs_vector():
    with pytest.raises(stag.ShapeError) as info:
        F.mse_loss(_zeros(8, 1), _zeros(8))
    _assert_names(str(info.value), "(8, 1)", "(8,)")


def test_cross_entropy_label_shape_mismatch():
    with pytest.raises(stag.ShapeError):
        F.cross_entropy(_zeros(4, 3), stag.tensor(np.zeros(5, dtype=np.int64)))


def test_backward_of_non_scalar():
    x = stag.tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(stag.ShapeError) as info:
        (x * 2.0).backward()
    _assert_names(str(info.value), "(2, 2)")


@pytest.mark.parametrize(
    ("name", "op"),
    [
        ("add", operator.add),
        ("mul", operator.mul),
        ("sub", operator.sub),
        ("div", operator.truediv),
        ("matmul", operator.matmul),
        ("maximum", stag.maximum),
    ],
)
def test_mixing_float32_and_float64_raises_dtype_error(name, op):
    a = stag.tensor(np.ones((2, 2), dtype=np.float32))
    b = stag.tensor(np.ones((2, 2), dtype=np.float64))
    with pytest.raises(stag.DTypeError) as info:
        op(a, b)
    _assert_names(str(info.value), name, "float32", "float64")
    with pytest.raises(stag.DTypeError):
        op(b, a)


def test_mixing_dtypes_in_concat():
    with pytest.raises(stag.DTypeError) as info:
        stag.concat([_zeros(2, dtype=np.float32), _zeros(2, dtype=np.float64)])
    _assert_names(str(info.value), "concat", "float32", "float64")


def test_mse_loss_mixed_dtypes():
    with pytest.raises(stag.DTypeError):
        F.mse_loss(_zeros(3, dtype=np.float32), _zeros(3, dtype=np.float64))


def test_failed_op_does_not_poison_later_backward():
    x = stag.tensor(np.ones(3), requires_grad=True, dtype=np.float64)
    with pytest.raises(stag.ShapeError):
        x + _zeros(4)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
