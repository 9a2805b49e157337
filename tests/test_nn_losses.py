"""Losses as functions and modules: nll_loss, binary_cross_entropy_with_logits, the modules,
and the functional forms of the layers (gelu, dropout, layer_norm)."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats, shapes
from hypothesis import given
from hypothesis import strategies as st

import stag
import stag.nn.functional as F
from stag import nn


def _np_log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def _np_bce_with_logits(x, t):
    return np.mean(np.logaddexp(0, x) - x * t)


def _labels(data, prefix, classes):
    seed = data.draw(st.integers(0, 1000))
    return np.random.default_rng(seed).integers(0, classes, prefix)


# ------------------------------------------------------------------ nll_loss


@FAST
@given(data=st.data())
def test_nll_loss_values_and_grads(data):
    prefix = data.draw(shapes(min_dims=0, max_dims=2, max_side=3))
    c = data.draw(st.integers(1, 4))
    logp = data.draw(floats((*prefix, c), -3, 0))
    labels = _labels(data, prefix, c)
    out = check_grads(lambda t: F.nll_loss(t, stag.tensor(labels)), logp)
    picked = np.take_along_axis(logp, labels[..., None], axis=-1)
    np.testing.assert_allclose(out.item(), -picked.mean(), rtol=1e-12)


@FAST
@given(data=st.data())
def test_nll_of_log_softmax_is_cross_entropy(data):
    prefix = data.draw(shapes(min_dims=1, max_dims=2, max_side=3))
    logits = data.draw(floats((*prefix, 3), -5, 5))
    labels = stag.tensor(_labels(data, prefix, 3))
    t = stag.tensor(logits)
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(t), labels).item(), F.cross_entropy(t, labels).item(), rtol=1e-12
    )


def test_nll_loss_checks_labels():
    logp = stag.tensor(np.zeros((2, 3)))
    with pytest.raises(stag.ShapeError, match="nll_loss: labels of shape"):
        F.nll_loss(logp, stag.tensor(np.array([0, 1, 2])))
    with pytest.raises(TypeError, match="nll_loss: labels must be integers"):
        F.nll_loss(logp, stag.tensor(np.array([0.0, 1.0])))
    with pytest.raises(
        IndexError, match=r"nll_loss: label 3 is out of range: labels must lie in \[0, 3\)"
    ):
        F.nll_loss(logp, stag.tensor(np.array([0, 3])))


def test_cross_entropy_messages_are_unchanged():
    logits = stag.tensor(np.zeros((2, 3)))
    with pytest.raises(stag.ShapeError, match="cross_entropy: labels of shape"):
        F.cross_entropy(logits, stag.tensor(np.array([0])))


# ------------------------------------------------------------------ BCE with logits


@FAST
@given(data=st.data())
def test_bce_with_logits_values_and_grads(data):
    shape = data.draw(shapes(min_dims=0, max_dims=3, max_side=3))
    x = data.draw(floats(shape, -4, 4))
    t = data.draw(floats(shape, 0, 1))
    out = check_grads(F.binary_cross_entropy_with_logits, x, t)
    np.testing.assert_allclose(out.item(), _np_bce_with_logits(x, t), rtol=1e-12)


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    x = stag.tensor(np.zeros(3), requires_grad=True)
    t = stag.tensor(np.array([0.0, 0.25, 1.0]))
    F.binary_cross_entropy_with_logits(x, t).backward()
    np.testing.assert_allclose(x.grad.numpy(), (0.5 - t.numpy()) / 3, rtol=1e-12)


def test_bce_with_logits_is_finite_for_huge_logits():
    x = stag.tensor(np.array([1e4, -1e4, 1e4, -1e4]), requires_grad=True)
    t = stag.tensor(np.array([1.0, 0.0, 0.0, 1.0]))
    loss = F.binary_cross_entropy_with_logits(x, t)
    np.testing.assert_allclose(loss.item(), 2e4 / 4, rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.array([0, 0, 1, -1]) / 4, atol=1e-12)


def test_bce_with_logits_rejects_different_shapes():
    with pytest.raises(stag.ShapeError, match="shapes differ"):
        F.binary_cross_entropy_with_logits(stag.randn(4, 1), stag.randn(4))


# ------------------------------------------------------------------ modules


def test_loss_modules_equal_the_functions():
    rng = np.random.default_rng(0)
    logits = stag.tensor(rng.standard_normal((5, 4)))
    labels = stag.tensor(rng.integers(0, 4, 5))
    probs = stag.tensor(rng.random((5, 4)))
    pairs = [
        (nn.MSELoss()(logits, probs), F.mse_loss(logits, probs)),
        (nn.CrossEntropyLoss()(logits, labels), F.cross_entropy(logits, labels)),
        (nn.NLLLoss()(F.log_softmax(logits), labels), F.nll_loss(F.log_softmax(logits), labels)),
        (
            nn.BCEWithLogitsLoss()(logits, probs),
            F.binary_cross_entropy_with_logits(logits, probs),
        ),
    ]
    for got, expected in pairs:
        assert got.shape == ()
        assert got.item() == expected.item()
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert nn.MSELoss().parameters() == []


def test_a_training_step_through_a_model_and_a_loss_module():
    stag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    x = stag.randn(64, 2)
    y = stag.tensor((x.numpy()[:, :1] > 0).astype(np.float32))
    first = None
    for _ in range(100):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        first = loss.item() if first is None else first
        loss.backward()
        with stag.no_grad():
            for p in model.parameters():
                assert p.grad is not None
                p.sub_(p.grad * 0.5)
    assert loss.item() < 0.5 * first


# ------------------------------------------------------------------ functional layers


def test_functional_dropout_and_layer_norm():
    x = stag.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match="p must lie in"):
        F.dropout(x, -0.1)
    a = np.random.default_rng(0).standard_normal((3, 4))
    out = F.layer_norm(stag.tensor(a), eps=0.0).numpy()
    np.testing.assert_allclose(out, (a - a.mean(-1, keepdims=True)) / a.std(-1, keepdims=True))
    np.testing.assert_allclose(F.gelu(stag.tensor(np.array([0.0, 100.0]))).numpy(), [0, 100])
