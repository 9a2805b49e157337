"""Optimizers by hand and in training, clipping, schedules.

The step-by-step checks of every optimizer against its documented formula and
against PyTorch are in ``test_optim_reference.py``; the forms of ``params`` in
``test_optim_params.py``; state dicts and what they refuse in ``test_optim_state.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import stag
from stag import Tensor
from stag.nn import Module
from stag.optim import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop, clip_grad_norm_
from stag.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearWarmup, StepLR

Array = np.ndarray


class Net(Module):
    """Two parameters of different shapes and a non-parameter tensor."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.w = stag.tensor(rng.standard_normal((3, 2)), requires_grad=True)
        self.b = stag.tensor(rng.standard_normal(2), requires_grad=True)
        self.scale = stag.tensor(np.ones(2))  # no grad: not a parameter


def grads_for(step: int) -> dict[str, Array]:
    """A different, fixed gradient for every step (float64)."""
    rng = np.random.default_rng(100 + step)
    return {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}


def values(net: Net) -> dict[str, Array]:
    return {"w": net.w.numpy().copy(), "b": net.b.numpy().copy()}


def set_grads(net: Net, grads: dict[str, Array]) -> None:
    net.w.grad = Tensor(grads["w"].copy())
    net.b.grad = Tensor(grads["b"].copy())


MAKERS: dict[str, Callable[[Net], Optimizer[Net]]] = {
    "sgd_momentum": lambda n: SGD(n, lr=0.1, momentum=0.9),
    "adam": lambda n: Adam(n, lr=0.01),
    "adamw": lambda n: AdamW(n, lr=0.01),
    "rmsprop": lambda n: RMSprop(n, momentum=0.5, weight_decay=0.1),
    "adagrad": lambda n: Adagrad(n, weight_decay=0.1),
    "adadelta": lambda n: Adadelta(n, weight_decay=0.1),
}


def test_sgd_first_step_by_hand() -> None:
    # p = 1, g = 0.5, lr = 0.1, momentum 0.9, nesterov: b = g, p -= lr * (g + 0.9 * b)
    net = Net()
    net.b = stag.tensor(np.array([1.0]), requires_grad=True)
    del net.w
    opt = SGD(net, lr=0.1, momentum=0.9, nesterov=True)
    net.b.grad = Tensor(np.array([0.5]))
    opt.step()
    assert net.b.numpy()[0] == pytest.approx(1.0 - 0.1 * (0.5 + 0.9 * 0.5))
    net.b.grad = Tensor(np.array([0.5]))
    opt.step()  # b = 0.9 * 0.5 + 0.5 = 0.95; p -= 0.1 * (0.5 + 0.9 * 0.95)
    assert net.b.numpy()[0] == pytest.approx(0.905 - 0.1 * (0.5 + 0.855))


def test_adam_first_step_moves_each_weight_by_lr() -> None:
    # after bias correction the first Adam step is lr * g / (|g| + eps) = lr * sign(g)
    net = Net()
    before = values(net)
    opt = Adam(net, lr=0.01, eps=0.0)
    set_grads(net, grads_for(1))
    opt.step()
    np.testing.assert_allclose(
        net.w.numpy(), before["w"] - 0.01 * np.sign(grads_for(1)["w"]), rtol=1e-12
    )


def test_adamw_decay_is_decoupled_from_the_moments() -> None:
    # a zero gradient leaves Adam's moments at 0; AdamW still shrinks p by lr * wd * p
    net = Net()
    before = values(net)
    opt = AdamW(net, lr=0.1, weight_decay=0.5)
    net.w.grad = Tensor(np.zeros((3, 2)))
    opt.step()
    np.testing.assert_allclose(net.w.numpy(), before["w"] * (1 - 0.1 * 0.5), rtol=1e-12)


def test_float32_parameters_stay_float32_and_in_place() -> None:
    net = Net()
    net.w = stag.randn(3, 2, requires_grad=True)
    identity = net.w
    for make in (lambda n: SGD(n, lr=0.1, momentum=0.9), lambda n: Adam(n), lambda n: AdamW(n)):
        opt = make(net)
        net.w.grad = stag.ones(3, 2)
        net.b.grad = Tensor(np.ones(2))
        opt.step()
        assert net.w is identity
        assert net.w.dtype == np.float32
        assert net.w.grad is not None and net.w.grad.dtype == np.float32


def test_training_a_real_graph_reduces_the_loss() -> None:
    rng = np.random.default_rng(0)
    x = stag.tensor(rng.standard_normal((32, 3)))
    y = stag.tensor(rng.standard_normal((32, 2)))
    for make in (lambda n: SGD(n, lr=0.05, momentum=0.9), lambda n: Adam(n, lr=0.05)):
        net = Net()
        opt = make(net)
        losses = []
        for _ in range(30):
            opt.zero_grad()
            loss = ((x @ net.w + net.b - y) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < 0.5 * losses[0]


def test_step_bumps_the_version_so_stale_graphs_fail() -> None:
    net = Net()
    loss = (net.w * net.w).sum()
    net.w.grad = Tensor(np.ones((3, 2)))
    SGD(net, lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_zero_grad_clears_every_grad() -> None:
    net = Net()
    set_grads(net, grads_for(1))
    SGD(net, lr=0.1).zero_grad()
    assert net.w.grad is None and net.b.grad is None
    set_grads(net, grads_for(1))
    SGD(net, lr=0.1).zero_grad(set_to_none=False)
    assert net.w.grad is not None and not net.w.grad.numpy().any()
    assert net.b.grad is not None and not net.b.grad.numpy().any()


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_parameters_without_grad_are_skipped(name: str) -> None:
    net = Net()
    before = values(net)
    opt = MAKERS[name](net)
    net.w.grad = Tensor(grads_for(1)["w"])
    opt.step()
    assert not np.array_equal(net.w.numpy(), before["w"])
    np.testing.assert_array_equal(net.b.numpy(), before["b"])  # untouched, even by decay
    assert sorted(opt.state_dict()["state"]["b"]) == ["group", "step"]


def test_invalid_settings_raise() -> None:
    net = Net()
    with pytest.raises(ValueError, match="lr"):
        SGD(net, lr=-1.0)
    with pytest.raises(ValueError, match="nesterov"):
        SGD(net, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        Adam(net, betas=(1.0, 0.9))


def test_a_setting_changed_between_steps_takes_effect_and_is_saved() -> None:
    net = Net()
    opt = SGD(net, lr=0.1, momentum=0.9, nesterov=True)
    other = SGD(net, lr=0.1, momentum=0.5)
    other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["nesterov"] is True and other.param_groups[0]["momentum"] == 0.9
    other.param_groups[0]["lr"] = 0.0
    before = values(net)
    set_grads(net, grads_for(1))
    other.step()
    np.testing.assert_array_equal(net.w.numpy(), before["w"])
    assert other.state_dict()["hyperparams"]["0.lr"] == 0.0


def test_load_state_dict_refuses_another_optimizers_state() -> None:
    net = Net()
    opt = SGD(net, lr=0.1, momentum=0.9)
    set_grads(net, grads_for(1))
    opt.step()
    good = opt.state_dict()
    adam = Adam(net)
    adam.step()
    with pytest.raises(
        KeyError, match=r"unknown settings \['0\.amsgrad', '0\.betas\.0', '0\.betas\.1', '0\.eps'\]"
    ):
        opt.load_state_dict(adam.state_dict())
    mixed = opt.state_dict()
    mixed["state"]["w"] = {**mixed["state"]["w"], "exp_avg": np.zeros((3, 2))}
    with pytest.raises(KeyError, match=r"w\.exp_avg: not a buffer of SGD"):
        opt.load_state_dict(mixed)
    assert opt.state_dict()["state"]["w"]["momentum_buffer"].tolist() == (
        good["state"]["w"]["momentum_buffer"].tolist()
    )


# ---------------------------------------------------------------- clipping
def test_clip_grad_norm_returns_the_total_norm_and_scales_like_pytorch() -> None:
    net = Net()
    grads = grads_for(1)
    set_grads(net, grads)
    total = math.sqrt(sum(float((g**2).sum()) for g in grads.values()))
    assert clip_grad_norm_(net, max_norm=0.5) == pytest.approx(total, rel=1e-12)
    coef = 0.5 / (total + 1e-6)
    assert net.w.grad is not None and net.b.grad is not None
    np.testing.assert_allclose(net.w.grad.numpy(), grads["w"] * coef, rtol=1e-12)
    np.testing.assert_allclose(net.b.grad.numpy(), grads["b"] * coef, rtol=1e-12)
    assert clip_grad_norm_(net.parameters(), 1.0) == pytest.approx(0.5, rel=1e-5)


def test_clip_grad_norm_below_the_limit_changes_nothing() -> None:
    net = Net()
    grads = grads_for(2)
    set_grads(net, grads)
    clip_grad_norm_([net.w, net.b], max_norm=1e6)
    assert net.w.grad is not None
    np.testing.assert_array_equal(net.w.grad.numpy(), grads["w"])


def test_clip_grad_norm_inf_norm_one_tensor_and_no_grads() -> None:
    net = Net()
    g = np.array([[1.0, -4.0], [2.0, 0.0], [0.5, 3.0]])
    net.w.grad = Tensor(g.copy())
    assert clip_grad_norm_(net.w, 2.0, norm_type=math.inf) == 4.0
    assert net.w.grad is not None
    np.testing.assert_allclose(net.w.grad.numpy(), g * 2.0 / (4.0 + 1e-6))
    assert clip_grad_norm_(net.w, 2.0, norm_type=1.0) == pytest.approx(np.abs(g).sum() * 0.5)
    net.zero_grad()
    assert clip_grad_norm_(net, 1.0) == 0.0


# -------------------------------------------------------------- schedules
def lrs(scheduler_step: Callable[[], list[float]], n: int) -> list[float]:
    """The rate of the one group after each of ``n`` steps."""
    return [rate for _ in range(n) for rate in scheduler_step()]


def test_step_lr_sequence() -> None:
    opt = SGD(Net(), lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    assert opt.lr == 1.0
    assert lrs(sched.step, 5) == [1.0, 0.5, 0.5, 0.25, 0.25]
    assert [opt.lr] == [0.25] == sched.get_last_lr()


def test_cosine_annealing_sequence() -> None:
    opt = SGD(Net(), lr=1.0)
    sched = CosineAnnealingLR(opt, t_max=4, eta_min=0.1)
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(1, 7)]
    expected[4:] = [0.1, 0.1]  # held at eta_min after t_max
    assert lrs(sched.step, 6) == pytest.approx(expected)


def test_linear_warmup_and_lambda_sequences() -> None:
    opt = SGD(Net(), lr=0.1)
    sched = LinearWarmup(opt, warmup_epochs=4, start_factor=0.2)
    assert opt.lr == pytest.approx(0.02)
    assert lrs(sched.step, 5) == pytest.approx([0.04, 0.06, 0.08, 0.1, 0.1])
    opt2 = Adam(Net(), lr=0.1)
    sched2 = LambdaLR(opt2, lambda epoch: 1 / (epoch + 1))
    assert lrs(sched2.step, 3) == pytest.approx([0.05, 0.1 / 3, 0.025])


def test_scheduler_state_round_trip_and_effect_on_steps() -> None:
    net = Net()
    opt = SGD(net, lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.1)
    sched.step()
    before = values(net)
    net.w.grad = Tensor(np.ones((3, 2)))
    opt.step()
    np.testing.assert_allclose(net.w.numpy(), before["w"] - 0.1)
    opt2 = SGD(Net(), lr=1.0)
    sched2 = StepLR(opt2, step_size=1, gamma=0.1)
    sched2.load_state_dict(sched.state_dict())
    assert opt2.lr == pytest.approx(0.1)
    assert sched2.step() == pytest.approx([0.01])
