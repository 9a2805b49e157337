"""Mask algebra: & | ^ ~ on bool tensors (logical), on int ones (bitwise), typed and
broadcast as the comparisons; a float operand is a DTypeError naming the fix."""

from __future__ import annotations

import numpy as np
import pytest

import stag
from stag import DTypeError, ShapeError


def test_and_or_xor_not_on_bool_masks_are_numpys_logical_ops():
    a = np.array([[True, False], [True, True]])
    b = np.array([True, False])
    x, y = stag.tensor(a), stag.tensor(b)
    np.testing.assert_array_equal((x & y).numpy(), a & b)
    np.testing.assert_array_equal((x | y).numpy(), a | b)
    np.testing.assert_array_equal((x ^ y).numpy(), a ^ b)
    np.testing.assert_array_equal((~x).numpy(), ~a)
    assert (~x).dtype == np.bool_


def test_a_causal_mask_and_a_padding_mask_combine():
    causal = stag.tril(stag.ones(4, 4)) > 0
    keep = stag.tensor(np.array([[True, True, True, False]]))
    scores = stag.zeros(2, 4, 4).masked_fill(~(causal & keep), -np.inf)
    expected = np.where(np.tril(np.ones((4, 4), bool)) & [True, True, True, False], 0.0, -np.inf)
    np.testing.assert_array_equal(scores.numpy()[1], expected)


def test_int_tensors_get_bitwise_ops():
    x = stag.tensor(np.array([6, 3], dtype=np.int64))
    np.testing.assert_array_equal((x & 5).numpy(), [4, 1])
    np.testing.assert_array_equal((~x).numpy(), [-7, -4])


def test_a_float_operand_names_the_fix():
    with pytest.raises(DTypeError) as info:
        stag.ones(3) & (stag.ones(3) > 0)
    assert str(info.value) == (
        "&: takes bool (or int) tensors, got a float32 one; make a mask first (x > 0) "
        "or convert it (x.astype(bool))"
    )
    with pytest.raises(DTypeError, match=r"^~: takes bool"):
        ~stag.ones(3)


def test_masks_follow_the_broadcasting_rule():
    column = stag.tensor(np.ones((3, 1), bool))
    with pytest.raises(ShapeError, match=r"^bitwise_and: shapes \(3,\) and \(3, 1\)"):
        stag.tensor(np.ones(3, bool)) & column
