"""Losses as functions and modules: nll_loss, binary_cross_entropy_with_logits, the modules,
and the functional forms of the layers (gelu, dropout, layer_norm)."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats, shapes
from hypothesis import assume, given
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


# ------------------------------------------------------------------ reduction, ignore_index,
# label_smoothing: every combination against PyTorch (float64), values and gradients

REDUCTIONS = ["mean", "sum", "none"]
LABEL_KINDS = ["classes", "some ignored", "ignore a class", "all ignored"]


def _labelled(kind, prefix, classes=4, seed=0):
    """Logits (*prefix, classes), labels (*prefix) and the ignore_index for ``kind``."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((*prefix, classes)) * 3
    labels = rng.integers(0, classes, prefix)
    labels.flat[0], labels.flat[-1] = 1, 2  # class 1 present for "ignore a class"
    ignore_index = 1 if kind == "ignore a class" else -100
    if kind == "some ignored":
        labels.flat[::3] = -100
    if kind == "all ignored":
        labels[...] = -100
    return logits, labels, ignore_index


def np_cross_entropy(x, y, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """PyTorch's documented formula, written out in numpy."""
    logp = _np_log_softmax(x)
    keep = y != ignore_index
    nll = -np.take_along_axis(logp, np.where(keep, y, 0)[..., None], -1)[..., 0]
    loss = np.where(keep, (1 - label_smoothing) * nll - label_smoothing * logp.mean(-1), 0.0)
    if reduction == "none":
        return loss
    with np.errstate(invalid="ignore"):
        return loss.sum() if reduction == "sum" else loss.sum() / keep.sum()


def _against_torch(torch, ours_fn, theirs_fn, x, labels, reduction):
    """Values and input gradients of a loss of (*B, C) scores, ours and PyTorch's on (N, C)."""
    g = np.random.default_rng(1).standard_normal(labels.shape) if reduction == "none" else 1.0
    ours_x = stag.tensor(x, requires_grad=True)
    ours = ours_fn(ours_x, stag.tensor(labels))
    (ours * stag.tensor(np.asarray(g, dtype=np.float64))).sum().backward()
    theirs_x = torch.tensor(x.reshape(-1, x.shape[-1]), requires_grad=True)
    theirs = theirs_fn(theirs_x, torch.tensor(labels.reshape(-1))).reshape(ours.shape)
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    expected_grad = theirs_x.grad.numpy().reshape(x.shape)
    np.testing.assert_allclose(ours_x.grad.numpy(), expected_grad, rtol=1e-12, atol=1e-14)
    return ours


@pytest.mark.parametrize("prefix", [(6,), (2, 3)])
@pytest.mark.parametrize("kind", LABEL_KINDS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_options_match_pytorch(reduction, label_smoothing, kind, prefix):
    torch = pytest.importorskip("torch")
    x, labels, ignore_index = _labelled(kind, prefix)
    kw = {"ignore_index": ignore_index, "reduction": reduction, "label_smoothing": label_smoothing}
    out = _against_torch(
        torch,
        lambda t, y: F.cross_entropy(t, y, **kw),
        lambda t, y: torch.nn.functional.cross_entropy(t, y, **kw),
        x,
        labels,
        reduction,
    )
    assert out.shape == (prefix if reduction == "none" else ())


@pytest.mark.parametrize("prefix", [(6,), (2, 3)])
@pytest.mark.parametrize("kind", LABEL_KINDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_options_match_pytorch(reduction, kind, prefix):
    torch = pytest.importorskip("torch")
    x, labels, ignore_index = _labelled(kind, prefix)
    logp = _np_log_softmax(x)
    kw = {"ignore_index": ignore_index, "reduction": reduction}
    _against_torch(
        torch,
        lambda t, y: F.nll_loss(t, y, **kw),
        lambda t, y: torch.nn.functional.nll_loss(t, y, **kw),
        logp,
        labels,
        reduction,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_bce_reductions_match_pytorch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.random((3, 4))
    pairs = [
        (F.mse_loss, torch.nn.functional.mse_loss),
        (F.binary_cross_entropy_with_logits, torch.nn.functional.binary_cross_entropy_with_logits),
    ]
    for ours_fn, theirs_fn in pairs:
        ours_a, theirs_a = stag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        ours = ours_fn(ours_a, stag.tensor(b), reduction=reduction)
        theirs = theirs_fn(theirs_a, torch.tensor(b), reduction=reduction)
        ours.sum().backward(), theirs.sum().backward()
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours_a.grad.numpy(), theirs_a.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", LABEL_KINDS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_options_match_numpy(reduction, label_smoothing, kind):
    x, labels, ignore_index = _labelled(kind, (2, 3))
    kw = {"ignore_index": ignore_index, "reduction": reduction, "label_smoothing": label_smoothing}
    out = F.cross_entropy(stag.tensor(x), stag.tensor(labels), **kw)
    np.testing.assert_allclose(out.numpy(), np_cross_entropy(x, labels, **kw), rtol=1e-12)


@FAST
@given(
    data=st.data(),
    reduction=st.sampled_from(REDUCTIONS),
    label_smoothing=st.sampled_from([0.0, 0.3]),
)
def test_cross_entropy_options_gradients_match_finite_differences(data, reduction, label_smoothing):
    prefix = data.draw(shapes(min_dims=1, max_dims=2, max_side=3))
    c = data.draw(st.integers(1, 4))
    labels = _labels(data, prefix, c)
    assume(labels.size > 1)  # one row counted at least: an empty mean is NaN
    labels.flat[0] = -100  # one ignored row at least: the composite path
    kw = {"reduction": reduction, "label_smoothing": label_smoothing}
    out = check_grads(
        lambda t: F.cross_entropy(t, stag.tensor(labels), **kw), data.draw(floats((*prefix, c)))
    )
    assert out.grad_fn.name != "cross_entropy"


def test_the_default_cross_entropy_stays_one_primitive():
    logits = stag.randn(8, 5, requires_grad=True)
    labels = stag.tensor(np.arange(8) % 5)
    for loss in (F.cross_entropy(logits, labels), nn.CrossEntropyLoss()(logits, labels)):
        assert loss.grad_fn.name == "cross_entropy" and loss.grad_fn.parents == (logits,)
    # an ignored label, another reduction or smoothing take the composite path
    ignored = stag.tensor(np.array([-100, *range(7)]) % 5 - 100 * (np.arange(8) == 0))
    for loss in (
        F.cross_entropy(logits, ignored),
        F.cross_entropy(logits, labels, reduction="sum"),
        F.cross_entropy(logits, labels, label_smoothing=0.1),
    ):
        assert loss.grad_fn.name != "cross_entropy"


def test_all_ignored_mean_is_nan_with_zero_gradient_as_pytorch():
    logits = stag.tensor(np.zeros((3, 4)), requires_grad=True)
    labels = stag.tensor(np.full(3, -100))
    loss = F.cross_entropy(logits, labels, label_smoothing=0.2)
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(logits.grad.numpy(), np.zeros((3, 4)))
    assert F.nll_loss(logits, labels, reduction="sum").item() == 0.0


def test_loss_options_are_checked():
    logits, labels = stag.randn(2, 3), stag.tensor(np.array([0, 7]))
    with pytest.raises(IndexError, match=r"cross_entropy: label 7 is out of range: .* \(-100\)"):
        F.cross_entropy(logits, labels)
    with pytest.raises(IndexError, match="label -1 is out of range"):
        F.nll_loss(logits, stag.tensor(np.array([-1, 0])), ignore_index=0)
    with pytest.raises(
        ValueError, match="cross_entropy: reduction must be 'mean', 'sum' or 'none'"
    ):
        F.cross_entropy(logits, stag.tensor(np.array([0, 1])), reduction="avg")
    with pytest.raises(ValueError, match="mse_loss: reduction must be"):
        F.mse_loss(logits, logits, reduction="batchmean")
    with pytest.raises(ValueError, match="label_smoothing must lie in"):
        F.cross_entropy(logits, stag.tensor(np.array([0, 1])), label_smoothing=1.5)
    with pytest.raises(ValueError, match="CrossEntropyLoss: reduction must be"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="CrossEntropyLoss: label_smoothing must lie in"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)


def test_loss_modules_pass_their_settings_on():
    x, labels, _ = _labelled("some ignored", (2, 3))
    logits, y = stag.tensor(x), stag.tensor(labels)
    module = nn.CrossEntropyLoss(reduction="none", label_smoothing=0.1)
    expected = F.cross_entropy(logits, y, reduction="none", label_smoothing=0.1)
    np.testing.assert_array_equal(module(logits, y).numpy(), expected.numpy())
    assert repr(module) == "CrossEntropyLoss(reduction='none', label_smoothing=0.1)"
    nll = nn.NLLLoss(ignore_index=2, reduction="sum")
    logp, classes = F.log_softmax(logits), stag.tensor(_labelled("classes", (2, 3))[1])
    expected_sum = F.nll_loss(logp, classes, ignore_index=2, reduction="sum")
    assert nll(logp, classes).item() == expected_sum.item()
    assert repr(nll) == "NLLLoss(reduction='sum')"
    assert nn.MSELoss(reduction="none")(logits, logits).shape == (2, 3, 4)
    assert nn.BCEWithLogitsLoss(reduction="sum")(logits, logits).shape == ()
