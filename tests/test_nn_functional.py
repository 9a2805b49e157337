"""stag.nn.functional: activations, the softmax family and the losses."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats, nonzero, shapes
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stag
import stag.nn.functional as F

# numpy references, written in the max-shifted (stable) form


def np_logsumexp(x, axis=-1, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def np_log_softmax(x, axis=-1):
    return x - np_logsumexp(x, axis=axis, keepdims=True)


def np_softmax(x, axis=-1):
    return np.exp(np_log_softmax(x, axis=axis))


def np_cross_entropy(logits, labels):
    logp = np_log_softmax(logits, axis=-1)
    picked = np.take_along_axis(logp, labels[..., None], axis=-1)[..., 0]
    return -np.mean(picked)


def _onehot(labels, c):
    return np.eye(c)[labels]


def _f64(a, requires_grad=False):
    return stag.tensor(
        np.asarray(a, dtype=np.float64), requires_grad=requires_grad, dtype=np.float64
    )


# ------------------------------------------------------------------ activations

ACTIVATIONS = {
    "relu": (F.relu, lambda a: np.maximum(a, 0)),
    "tanh": (F.tanh, np.tanh),
    "sigmoid": (F.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@FAST
@given(data=st.data())
def test_activations(name, data):
    fn, ref = ACTIVATIONS[name]
    a = data.draw(nonzero(data.draw(shapes())))
    out = check_grads(fn, a)
    np.testing.assert_allclose(out.numpy(), ref(a), rtol=1e-12)


# ------------------------------------------------------------------ softmax family


def _shape_and_axis(data, min_dims=1):
    shape = data.draw(shapes(min_dims=min_dims, max_dims=3))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    return shape, axis


@FAST
@given(data=st.data())
def test_softmax(data):
    shape, axis = _shape_and_axis(data)
    a = data.draw(floats(shape, -3, 3))
    out = check_grads(lambda t: F.softmax(t, axis=axis), a)
    np.testing.assert_allclose(out.numpy(), np_softmax(a, axis), rtol=1e-12)
    np.testing.assert_allclose(out.numpy().sum(axis=axis), 1.0, rtol=1e-12)


@FAST
@given(data=st.data())
def test_log_softmax(data):
    shape, axis = _shape_and_axis(data)
    a = data.draw(floats(shape, -3, 3))
    out = check_grads(lambda t: F.log_softmax(t, axis=axis), a)
    np.testing.assert_allclose(out.numpy(), np_log_softmax(a, axis), rtol=1e-12, atol=1e-12)


@FAST
@given(data=st.data())
def test_logsumexp(data):
    shape, axis = _shape_and_axis(data)
    keepdims = data.draw(st.booleans())
    a = data.draw(floats(shape, -3, 3))
    out = check_grads(lambda t: F.logsumexp(t, axis=axis, keepdims=keepdims), a)
    expected = np_logsumexp(a, axis, keepdims)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_softmax_family_default_axis_is_last():
    a = np.arange(6.0).reshape(2, 3)
    t = _f64(a)
    np.testing.assert_allclose(F.softmax(t).numpy(), np_softmax(a, -1), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(t).numpy(), np_log_softmax(a, -1), rtol=1e-12)
    np.testing.assert_allclose(F.logsumexp(t).numpy(), np_logsumexp(a, -1), rtol=1e-12)
    assert F.logsumexp(t).shape == (2,)


# ------------------------------------------------------------------ losses


@FAST
@given(data=st.data())
def test_mse_loss(data):
    shape = data.draw(shapes())
    p, q = data.draw(floats(shape)), data.draw(floats(shape))
    out = check_grads(F.mse_loss, p, q)
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), np.mean((p - q) ** 2), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("pred", "target"), [((4, 1), (4,)), ((4,), (4, 1)), ((2, 3), (3,))])
def test_mse_loss_rejects_unequal_shapes(pred, target):
    with pytest.raises(stag.ShapeError) as info:
        F.mse_loss(_f64(np.zeros(pred)), _f64(np.zeros(target)))
    assert str(pred) in str(info.value) and str(target) in str(info.value)


def _labelled_logits(data):
    batch = data.draw(shapes(min_dims=0, max_dims=2))
    c = data.draw(st.integers(1, 5))
    logits = data.draw(floats(batch + (c,), -3, 3))
    labels = data.draw(hnp.arrays(np.int64, batch, elements=st.integers(0, c - 1)))
    return logits, labels


@FAST
@given(data=st.data())
def test_cross_entropy(data):
    logits, labels = _labelled_logits(data)
    lab = stag.tensor(labels)
    out = check_grads(lambda t: F.cross_entropy(t, lab), logits)
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), np_cross_entropy(logits, labels), rtol=1e-12, atol=1e-14)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    x = _f64(logits, requires_grad=True)
    F.cross_entropy(x, stag.tensor(labels)).backward()
    np.testing.assert_allclose(
        x.grad.numpy(), (np_softmax(logits) - _onehot(labels, 4)) / 6, rtol=1e-10
    )


# ------------------------------------------------------------------ huge logits

HUGE = 1e4


def _huge_logits(dtype):
    rng = np.random.default_rng(7)
    return (HUGE * rng.uniform(-1, 1, (5, 4))).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_huge_logits(dtype):
    a = _huge_logits(dtype)
    w = np.random.default_rng(1).standard_normal(a.shape)
    x = stag.tensor(a, requires_grad=True)
    s = F.softmax(x, axis=-1)
    assert s.dtype == dtype
    (s * stag.tensor(w.astype(dtype))).sum().backward()
    ref = np_softmax(a.astype(np.float64))
    analytic = ref * (w - np.sum(w * ref, axis=-1, keepdims=True))
    assert np.all(np.isfinite(s.numpy())) and np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(s.numpy(), ref, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), analytic, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_huge_logits(dtype):
    a = _huge_logits(dtype)
    w = np.random.default_rng(2).standard_normal(a.shape)
    x = stag.tensor(a, requires_grad=True)
    ls = F.log_softmax(x, axis=-1)
    (ls * stag.tensor(w.astype(dtype))).sum().backward()
    a64 = a.astype(np.float64)
    analytic = w - np_softmax(a64) * np.sum(w, axis=-1, keepdims=True)
    assert np.all(np.isfinite(ls.numpy())) and np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(
        ls.numpy(), np_log_softmax(a64), rtol=1e-6, atol=1e-2 if dtype == np.float32 else 1e-9
    )
    np.testing.assert_allclose(x.grad.numpy(), analytic, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_huge_logits(dtype):
    a = _huge_logits(dtype)
    x = stag.tensor(a, requires_grad=True)
    out = F.logsumexp(x, axis=-1)
    out.sum().backward()
    a64 = a.astype(np.float64)
    assert np.all(np.isfinite(out.numpy())) and np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(out.numpy(), np_logsumexp(a64), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), np_softmax(a64), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_huge_logits(dtype):
    a = _huge_logits(dtype)
    labels = np.array([0, 1, 2, 3, 0])
    x = stag.tensor(a, requires_grad=True)
    loss = F.cross_entropy(x, stag.tensor(labels))
    loss.backward()
    a64 = a.astype(np.float64)
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(loss.item(), np_cross_entropy(a64, labels), rtol=1e-6)
    np.testing.assert_allclose(
        x.grad.numpy(), (np_softmax(a64) - _onehot(labels, 4)) / 5, atol=1e-6
    )


def test_softmax_of_equal_huge_logits_is_uniform():
    x = _f64(np.full((2, 4), 1e4), requires_grad=True)
    np.testing.assert_allclose(F.softmax(x).numpy(), 0.25)
    F.cross_entropy(x, stag.tensor(np.array([1, 2]))).backward()
    np.testing.assert_allclose(x.grad.numpy(), (0.25 - _onehot(np.array([1, 2]), 4)) / 2)
