"""BatchNorm1d / BatchNorm2d and F.batch_norm: PyTorch's formulas, buffers, gradients."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats
from hypothesis import given
from hypothesis import strategies as st

import stag
import stag.nn.functional as F
from stag import nn

SHAPES = {"1d": [(5, 3), (4, 3, 6)], "2d": [(4, 3, 5, 2)]}
MODULES = {"1d": nn.BatchNorm1d, "2d": nn.BatchNorm2d}


def np_batch_norm(a, mean, var, w, b, eps=1e-5):
    column = (1, -1) + (1,) * (a.ndim - 2)
    return (a - mean.reshape(column)) / np.sqrt(var.reshape(column) + eps) * w.reshape(
        column
    ) + b.reshape(column)


def _batch_stats(a):
    axes = (0, *range(2, a.ndim))
    n = a.size // a.shape[1]
    return a.mean(axes), a.var(axes), a.var(axes) * n / (n - 1)


def _f64(module):
    """``module``'s parameters random and its state in float64."""
    rng = np.random.default_rng(1)
    state = {k: v.numpy() for k, v in module.state_dict().items()}
    for k in ("weight", "bias"):
        if k in state:
            state[k] = rng.standard_normal(state[k].shape)
    return state


# ------------------------------------------------------------------ against numpy


@pytest.mark.parametrize("kind, shape", [(k, s) for k, shapes in SHAPES.items() for s in shapes])
def test_training_steps_and_eval_against_numpy(kind, shape):
    rng = np.random.default_rng(0)
    bn = MODULES[kind](3, dtype=np.float64)
    bn.load_state_dict(_f64(bn))
    w, b = bn.weight.numpy().copy(), bn.bias.numpy().copy()
    mean, var = np.zeros(3), np.ones(3)
    for step in range(1, 4):
        a = rng.standard_normal(shape) * 2 + 1
        batch_mean, biased, unbiased = _batch_stats(a)
        out = bn(stag.tensor(a)).numpy()
        np.testing.assert_allclose(out, np_batch_norm(a, batch_mean, biased, w, b), atol=1e-12)
        mean, var = 0.9 * mean + 0.1 * batch_mean, 0.9 * var + 0.1 * unbiased
        np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=1e-12)
        np.testing.assert_allclose(bn.running_var.numpy(), var, rtol=1e-12)
        assert bn.num_batches_tracked.item() == step
    a = rng.standard_normal(shape)
    out = bn.eval()(stag.tensor(a)).numpy()
    np.testing.assert_allclose(out, np_batch_norm(a, mean, var, w, b), atol=1e-12)
    assert bn.num_batches_tracked.item() == 3  # evaluation leaves the statistics alone


def test_momentum_none_is_a_cumulative_average():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(2, momentum=None, dtype=np.float64)
    batches = [rng.standard_normal((6, 2)) for _ in range(3)]
    for a in batches:
        bn(stag.tensor(a))
    means = [_batch_stats(a)[0] for a in batches]
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, axis=0), rtol=1e-12)


def test_without_running_stats_the_batch_statistics_are_used_in_both_modes():
    bn = nn.BatchNorm2d(3, track_running_stats=False, affine=False, dtype=np.float64)
    assert bn.state_dict() == {} and bn.running_mean is None and bn.weight is None
    a = np.random.default_rng(0).standard_normal((2, 3, 2, 2))
    mean, biased, _ = _batch_stats(a)
    expected = np_batch_norm(a, mean, biased, np.ones(3), np.zeros(3))
    np.testing.assert_allclose(bn(stag.tensor(a)).numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(bn.eval()(stag.tensor(a)).numpy(), expected, atol=1e-12)


# ------------------------------------------------------------------ gradients


@FAST
@given(
    data=st.data(),
    rest=st.lists(st.integers(1, 3), max_size=2),
    training=st.booleans(),
    affine=st.booleans(),
)
def test_batch_norm_gradients_match_finite_differences(data, rest, training, affine):
    n, c = data.draw(st.integers(2, 3)), data.draw(st.integers(1, 3))
    x = data.draw(floats((n, c, *rest), -2, 2))
    stats = [data.draw(floats((c,), -1, 1)), data.draw(floats((c,), 0.5, 2))]
    params = [data.draw(floats((c,), -2, 2)) for _ in range(2)] if affine else []

    def fn(x, *wb):
        mean, var = (stag.tensor(s.copy()) for s in stats)  # fresh: training updates them
        return F.batch_norm(x, mean, var, *wb, training=training, eps=0.1)

    check_grads(fn, x, *params)


# ------------------------------------------------------------------ against PyTorch


def _torch_pair(torch, kind, **kw):
    ours = MODULES[kind](3, dtype=np.float64, **kw)
    theirs = getattr(torch.nn, ours.__class__.__name__)(3, dtype=torch.float64, **kw)
    state = _f64(ours)
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.tensor(np.array(v)) for k, v in state.items()})
    return ours, theirs


def _step(torch, ours, theirs, a, g):
    x, tx = stag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    (y * stag.tensor(g)).sum().backward()
    (ty * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    for p, tp in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-12)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
@pytest.mark.parametrize("kind, shape", [(k, s) for k, shapes in SHAPES.items() for s in shapes])
def test_train_steps_and_eval_match_pytorch_with_gradients(kind, shape, momentum):
    torch = pytest.importorskip("torch")
    ours, theirs = _torch_pair(torch, kind, momentum=momentum)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    for _ in range(3):
        _step(torch, ours, theirs, rng.standard_normal(shape) * 3 + 1, rng.standard_normal(shape))
    ours.eval(), theirs.eval()
    _step(torch, ours, theirs, rng.standard_normal(shape), rng.standard_normal(shape))


@pytest.mark.parametrize("options", [{"affine": False}, {"track_running_stats": False}])
def test_options_match_pytorch(options):
    torch = pytest.importorskip("torch")
    ours, theirs = _torch_pair(torch, "2d", **options)
    rng = np.random.default_rng(0)
    for mode in (True, False):
        ours.train(mode), theirs.train(mode)
        _step(
            torch,
            ours,
            theirs,
            rng.standard_normal((3, 3, 2, 2)),
            rng.standard_normal((3, 3, 2, 2)),
        )


# ------------------------------------------------------------------ state


def test_running_statistics_are_buffers_saved_and_loaded(tmp_path):
    bn = nn.BatchNorm2d(3)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in bn.named_buffers()] == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert bn.num_batches_tracked.dtype == np.int64 and bn.running_var.dtype == np.float32
    bn(stag.randn(4, 3, 2, 2))
    stag.save(bn, tmp_path / "bn.npz")
    fresh = nn.BatchNorm2d(3)
    stag.load(fresh, tmp_path / "bn.npz")
    for name, value in bn.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[name].numpy(), value.numpy())
    fresh.reset_running_stats()
    assert fresh.num_batches_tracked.item() == 0 and fresh.running_var.numpy().tolist() == [1] * 3


def test_a_model_with_batch_norm_trains_and_its_buffers_follow_it():
    stag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    assert "1.running_mean" in model.state_dict()
    opt = stag.optim.Adam(model, lr=0.05)
    x = stag.randn(32, 2)
    y = x.sum(-1, keepdims=True)
    losses = []
    for _ in range(30):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad(), loss.backward(), opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]
    assert model[1].num_batches_tracked.item() == 30
    assert F.mse_loss(model.eval()(x), y).item() < 0.5 * losses[0]


# ------------------------------------------------------------------ errors


def test_errors_name_the_layer_and_the_shapes():
    with pytest.raises(
        stag.ShapeError,
        match=r"BatchNorm2d: expected an input of shape \(N, 3, H, W\), got shape \(2, 4, 5, 5\)",
    ):
        nn.BatchNorm2d(3)(stag.randn(2, 4, 5, 5))
    with pytest.raises(
        stag.ShapeError, match=r"BatchNorm1d: .* \(N, 3\) or \(N, 3, L\), got shape \(2, 3, 1, 1\)"
    ):
        nn.BatchNorm1d(3)(stag.randn(2, 3, 1, 1))
    with pytest.raises(ValueError, match="expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(stag.randn(1, 3))
    nn.BatchNorm1d(3).eval()(stag.randn(1, 3))  # one sample is fine in evaluation mode
    with pytest.raises(
        stag.ShapeError, match=r"batch_norm: weight of shape \(2,\) for an input with 3 channels"
    ):
        F.batch_norm(stag.randn(2, 3), None, None, weight=stag.ones(2), training=True)
    with pytest.raises(ValueError, match=r"batch_norm: evaluation mode \(training=False\)"):
        F.batch_norm(stag.randn(2, 3), stag.zeros(3), None)
    with pytest.raises(ValueError, match="momentum must lie in"):
        nn.BatchNorm2d(3, momentum=1.5)
    with pytest.raises(ValueError, match="num_features must be a positive int"):
        nn.BatchNorm2d(0)


def test_repr_is_pytorchs():
    assert repr(nn.BatchNorm2d(8)) == (
        "BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    )
