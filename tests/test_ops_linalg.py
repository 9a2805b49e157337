"""matmul with numpy semantics: vectors, matrices, batch prefixes, broadcasting."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, broadcast_shapes, check_grads, floats, shapes
from hypothesis import given
from hypothesis import strategies as st

import stag

side = st.integers(1, 4)


def _check_matmul(a, b):
    out = check_grads(lambda x, y: x @ y, a, b)
    expected = np.matmul(a, b)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    free = stag.matmul(stag.tensor(a, dtype=np.float64), stag.tensor(b, dtype=np.float64))
    np.testing.assert_allclose(free.numpy(), expected, rtol=1e-12, atol=1e-12)


@FAST
@given(data=st.data())
def test_matrix_matrix(data):
    m, k, n = data.draw(side), data.draw(side), data.draw(side)
    _check_matmul(data.draw(floats((m, k))), data.draw(floats((k, n))))


@FAST
@given(data=st.data())
def test_vector_matrix(data):
    k, n = data.draw(side), data.draw(side)
    _check_matmul(data.draw(floats((k,))), data.draw(floats((k, n))))


@FAST
@given(data=st.data())
def test_matrix_vector(data):
    m, k = data.draw(side), data.draw(side)
    _check_matmul(data.draw(floats((m, k))), data.draw(floats((k,))))


@FAST
@given(data=st.data())
def test_vector_vector_gives_0d(data):
    k = data.draw(side)
    _check_matmul(data.draw(floats((k,))), data.draw(floats((k,))))


@FAST
@given(data=st.data())
def test_batch_prefix_on_the_left(data):
    batch = data.draw(shapes(min_dims=1, max_dims=2, max_side=3))
    m, k, n = data.draw(side), data.draw(side), data.draw(side)
    _check_matmul(data.draw(floats(batch + (m, k))), data.draw(floats((k, n))))


@FAST
@given(data=st.data())
def test_batch_vector_on_the_left(data):
    batch = data.draw(shapes(min_dims=1, max_dims=2, max_side=3))
    k, n = data.draw(side), data.draw(side)
    _check_matmul(data.draw(floats(batch + (k, n))), data.draw(floats((n,))))


@FAST
@given(data=st.data())
def test_batched_same_batch(data):
    batch = data.draw(shapes(min_dims=1, max_dims=2, max_side=3))
    m, k, n = data.draw(side), data.draw(side), data.draw(side)
    _check_matmul(data.draw(floats(batch + (m, k))), data.draw(floats(batch + (k, n))))


@FAST
@given(data=st.data())
def test_batched_broadcast_batch(data):
    ba, bb = data.draw(broadcast_shapes(min_dims=0, max_dims=2))
    m, k, n = data.draw(side), data.draw(side), data.draw(side)
    _check_matmul(data.draw(floats(ba + (m, k))), data.draw(floats(bb + (k, n))))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_keeps_dtype(dtype):
    a = stag.tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    b = stag.tensor(np.ones((3, 4), dtype=dtype), requires_grad=True)
    out = a @ b
    assert out.dtype == dtype
    out.sum().backward()
    assert a.grad.dtype == dtype and b.grad.dtype == dtype
    np.testing.assert_array_equal(a.grad.numpy(), np.full((2, 3), 4.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full((3, 4), 2.0))


def test_matmul_grad_fn_name():
    a = stag.tensor(np.ones((2, 3)), requires_grad=True)
    assert (a @ stag.tensor(np.ones((3, 1)))).grad_fn.name == "matmul"
