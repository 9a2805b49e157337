"""A tensor's values leaving stag as Python numbers: format, int, index (stag/_values.py)."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import stag


def test_a_0d_tensor_formats_its_value_as_pytorchs_does() -> None:
    loss = stag.tensor(np.float32(0.123456))
    assert f"{loss:.4f}" == "0.1235"
    assert f"{loss}" == format(loss.item())  # the value, as torch's f"{t}" of a 0-d tensor
    assert f"{stag.tensor(7):03d}" == "007"
    assert f"{stag.tensor(True)}" == "True"
    assert str(loss).startswith("tensor(")  # print(t) still shows the tensor


def test_a_format_spec_on_a_tensor_of_several_values_is_refused() -> None:
    t = stag.ones(2)
    assert f"{t}" == str(t)
    with pytest.raises(TypeError) as info:
        f"{t:.2f}"
    assert str(info.value) == (
        "format: the spec '.2f' formats a 0-d tensor's value, got shape (2,); "
        "format t.numpy() or its items instead"
    )


def test_int_truncates_a_one_element_tensor_toward_zero() -> None:
    assert int(stag.tensor(-1.7)) == -1
    assert int(stag.tensor(np.array([[2.9]]))) == 2
    assert int(stag.tensor(5)) == 5 and type(int(stag.tensor(5))) is int
    with pytest.raises(
        stag.ShapeError, match=r"^int: expected a tensor with one element, got shape \(2,\)$"
    ):
        int(stag.ones(2))
    with pytest.raises(stag.ShapeError, match=r"^float: expected a tensor with one element"):
        float(stag.ones(2))


def test_a_0d_integer_tensor_is_an_index_and_nothing_else_is() -> None:
    i = stag.tensor(2)
    assert [10, 20, 30][i] == 30
    assert list(range(i)) == [0, 1]
    assert operator.index(stag.tensor(np.uint8(4))) == 4
    with pytest.raises(
        TypeError,
        match=r"^index: only an integer tensor can be an index, got dtype float32; int\(t\) truncates a float$",
    ):
        [1, 2][stag.tensor(1.0)]
    with pytest.raises(TypeError, match=r"got dtype bool"):
        operator.index(stag.tensor(True))
    with pytest.raises(
        TypeError, match=r"^index: only a 0-d integer tensor can be an index, got shape \(1,\)"
    ):
        operator.index(stag.tensor([1]))


def test_the_conversions_read_another_librarys_values() -> None:
    pytest.importorskip("torch")
    t = stag.tensor(np.float64(2.5)).to("torch")
    assert (f"{t:.2f}", int(t), [0, 1, 2][stag.tensor(1).to("torch")]) == ("2.50", 2, 1)


def test_the_truth_of_several_values_is_refused_with_a_reduction_that_works() -> None:
    x = stag.tensor(np.array([1.0, -2.0, 3.0]))
    with pytest.raises(stag.ShapeError) as info:
        bool(x)
    assert str(info.value) == (
        "bool: the truth value of a tensor of shape (3,) is ambiguous; reduce it to one "
        "value first: (x > 0).sum() > 0 is any, (x > 0).sum() == x.size is all"
    )
    assert bool((x > 0).sum() > 0) and not bool((x > 0).sum() == x.size)  # the spellings
