"""What an optimizer is made from: a module, an iterable of tensors, parameter groups.

Names (which key ``state_dict``), ``param_groups``, ``lr`` and ``module`` for
each form; what is refused and how; schedules that move every group from its
own base rate; weight decay on matrices only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import stag
from stag import Tensor
from stag.nn import Linear, Module
from stag.optim import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from stag.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearWarmup, StepLR

OPTIMIZERS: list[type[Optimizer[Any]]] = [SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta]


class MLP(Module):
    def __init__(self) -> None:
        self.hidden = Linear(3, 4, generator=stag.Generator(0))
        self.out = Linear(4, 2, generator=stag.Generator(1))


def set_grads(tensors: list[Tensor[Any]], seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for t in tensors:
        t.grad = Tensor(rng.standard_normal(t.shape).astype(t.dtype))


def arrays(tensors: list[Tensor[Any]]) -> list[np.ndarray]:
    return [t.numpy().copy() for t in tensors]


# ------------------------------------------------------------------- forms
@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("form", ["list", "iterator", "generator", "one group"])
def test_an_iterable_of_tensors_steps_like_the_module(cls: type[Optimizer[Any]], form: str) -> None:
    by_module, by_iterable = MLP(), MLP()
    params = by_iterable.parameters()
    given: Any = {
        "list": params,
        "iterator": iter(params),
        "generator": (p for p in params),
        "one group": [{"params": params}],
    }[form]
    opts = [cls(by_module, lr=0.05), cls(given, lr=0.05)]
    for seed in range(3):
        for model, opt in zip([by_module, by_iterable], opts, strict=True):
            set_grads(model.parameters(), seed)
            opt.step()
    for a, b in zip(arrays(by_module.parameters()), arrays(params), strict=True):
        np.testing.assert_array_equal(a, b)
    assert sorted(opts[1].state_dict()["state"]) == (
        ["0", "1", "2", "3"] if form != "one group" else ["0.0", "0.1", "0.2", "0.3"]
    )


def test_names_come_from_the_module_else_from_positions() -> None:
    model = MLP()
    w, b, w2, b2 = model.parameters()
    assert list(SGD(model).state_dict()["state"]) == [
        "hidden.weight", "hidden.bias", "out.weight", "out.bias",
    ]  # fmt: skip
    assert list(SGD([w, b]).state_dict()["state"]) == ["0", "1"]
    groups = [{"params": [w, w2]}, {"params": [b, b2], "lr": 0.5}]
    assert list(SGD(groups).state_dict()["state"]) == ["0.0", "0.1", "1.0", "1.1"]
    assert SGD({"params": w} for _ in range(1)).param_groups[0]["params"] == [w]


def test_module_is_there_only_for_an_optimizer_made_from_a_module() -> None:
    model = MLP()
    assert SGD(model).module is model
    opt = SGD(model.parameters())
    with pytest.raises(AttributeError, match="made from tensors or parameter groups"):
        _ = opt.module
    assert not hasattr(opt, "module")


def test_param_groups_hold_the_tensors_and_every_setting_as_pytorch() -> None:
    model = MLP()
    w, b, w2, b2 = model.parameters()
    opt = Adam([{"params": [w, w2], "weight_decay": 0.1}, {"params": [b, b2], "lr": 0.5}], lr=0.01)
    first, second = opt.param_groups
    assert first["params"] == [w, w2] and second["params"] == [b, b2]
    assert {k: v for k, v in first.items() if k != "params"} == {
        "lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.1, "amsgrad": False,
    }  # fmt: skip
    assert second["lr"] == 0.5 and second["weight_decay"] == 0.0
    assert Adam(model).param_groups[0]["params"] == model.parameters()


def test_a_changed_group_setting_applies_at_the_next_step() -> None:
    model = MLP()
    w, b, w2, b2 = model.parameters()
    opt = SGD([{"params": [w, w2]}, {"params": [b, b2]}], lr=0.1)
    opt.param_groups[1]["lr"] = 0.0
    before = arrays([w, b])
    set_grads([w, b, w2, b2])
    opt.step()
    assert not np.array_equal(w.numpy(), before[0])
    np.testing.assert_array_equal(b.numpy(), before[1])


# --------------------------------------------------------------------- lr
def test_lr_reads_and_writes_the_only_group_and_is_checked() -> None:
    opt = SGD(MLP(), lr=0.1)
    assert opt.lr == 0.1
    opt.lr = 0.25
    assert opt.param_groups[0]["lr"] == 0.25
    for bad in (math.nan, -1.0, math.inf):
        with pytest.raises(ValueError, match=r"SGD\.lr must be"):
            opt.lr = bad
    assert opt.lr == 0.25


def test_lr_with_several_groups_says_to_use_param_groups() -> None:
    model = MLP()
    w, b, w2, b2 = model.parameters()
    opt = SGD([{"params": [w]}, {"params": [b, w2, b2]}], lr=0.1)
    with pytest.raises(AttributeError, match=r"2 parameter groups.*param_groups\[i\]\['lr'\]"):
        _ = opt.lr
    with pytest.raises(AttributeError, match="param_groups"):
        opt.lr = 0.5
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.1]


# ----------------------------------------------------------------- refused
def refused(error: type[Exception], match: str, make: Callable[[], object]) -> None:
    with pytest.raises(error, match=match):
        make()


def test_a_tensor_without_grad_is_refused_by_name() -> None:
    w = stag.randn(3, requires_grad=True)
    frozen = stag.randn(3)
    refused(ValueError, "parameter 1 does not require grad", lambda: SGD([w, frozen]))
    refused(ValueError, "parameter 1.0 does not require grad", lambda: SGD([
        {"params": [w]}, {"params": [frozen]},
    ]))  # fmt: skip


def test_a_tensor_given_twice_is_refused_with_both_names() -> None:
    w, b = stag.randn(3, requires_grad=True), stag.randn(2, requires_grad=True)
    refused(ValueError, r"parameter 2 is given twice \(also as 0\)", lambda: Adam([w, b, w]))
    refused(ValueError, r"1\.0 is given twice \(also as 0\.0\)", lambda: Adam([
        {"params": [w, b]}, {"params": [w]},
    ]))  # fmt: skip


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_no_parameters_at_all_is_refused(cls: type[Optimizer[Any]]) -> None:
    refused(ValueError, "empty parameter list", lambda: cls([]))
    refused(ValueError, "empty parameter list", lambda: cls(iter([])))
    refused(ValueError, "empty parameter list", lambda: cls([{"params": []}]))
    refused(ValueError, "empty parameter list", lambda: cls(Module()))


def test_a_group_may_be_empty_when_another_is_not() -> None:
    w = stag.randn(3, requires_grad=True)
    opt = AdamW([{"params": [w]}, {"params": [], "weight_decay": 0.0}])
    assert [len(g["params"]) for g in opt.param_groups] == [1, 0]


def test_what_is_not_parameters_is_refused_with_a_type_error() -> None:
    w = stag.randn(3, requires_grad=True)
    refused(TypeError, "iterable of tensors or of dicts", lambda: SGD(w))
    refused(TypeError, "iterable of tensors", lambda: SGD(3))
    refused(TypeError, "parameter 1 is a dict", lambda: SGD([w, {"params": [w]}]))
    refused(TypeError, "parameter 0.0 is a ndarray", lambda: SGD([{"params": [np.zeros(3)]}]))
    refused(TypeError, "group 0: 'params' must hold tensors", lambda: SGD([{"params": 3}]))
    refused(ValueError, "group 1 has no 'params'", lambda: SGD([{"params": [w]}, {"lr": 0.1}]))


def test_group_settings_are_checked_like_keyword_settings() -> None:
    w, b = stag.randn(3, requires_grad=True), stag.randn(2, requires_grad=True)
    refused(KeyError, r"group 1: unknown settings \['momentun'\]", lambda: SGD([
        {"params": [w]}, {"params": [b], "momentun": 0.9},
    ]))  # fmt: skip
    refused(ValueError, "group 1: lr must be >= 0", lambda: SGD([
        {"params": [w]}, {"params": [b], "lr": -0.1},
    ]))  # fmt: skip
    refused(ValueError, r"group 0: betas\[1\] must be in \[0, 1\)", lambda: Adam([
        {"params": [w], "betas": (0.9, 1.0)},
    ]))  # fmt: skip
    refused(ValueError, "group 0: nesterov momentum needs", lambda: SGD(
        [{"params": [w], "nesterov": True}], momentum=0.0,
    ))  # fmt: skip
    refused(KeyError, r"SGD: unknown settings \['betas'\]", lambda: SGD([w], betas=(0.9, 0.9)))


@pytest.mark.parametrize(
    ("cls", "setting", "bad"),
    [
        (SGD, "lr", -1.0), (SGD, "lr", math.nan), (SGD, "momentum", -0.5),
        (SGD, "weight_decay", math.inf), (SGD, "dampening", math.nan),
        (Adam, "eps", -1e-8), (Adam, "betas", (1.0, 0.9)), (Adam, "betas", (0.9, -0.1)),
        (AdamW, "weight_decay", -0.01), (RMSprop, "alpha", 1.5), (RMSprop, "momentum", -1.0),
        (Adagrad, "lr_decay", -0.1), (Adagrad, "initial_accumulator_value", -1.0),
        (Adadelta, "rho", 1.1), (Adadelta, "eps", math.nan),
    ],
)  # fmt: skip
def test_settings_out_of_range_are_refused_by_name(
    cls: type[Optimizer[Any]], setting: str, bad: object
) -> None:
    refused(ValueError, f"{cls.__name__}: {setting}", lambda: cls(MLP(), **{setting: bad}))


def test_settings_of_the_wrong_type_are_refused() -> None:
    refused(TypeError, "lr must be a number", lambda: SGD(MLP(), lr="0.1"))
    refused(TypeError, "nesterov must be True or False", lambda: SGD(MLP(), nesterov="yes"))
    refused(TypeError, "betas must be a pair", lambda: Adam(MLP(), betas=0.9))


# ------------------------------------------------------------- schedules
def two_groups(lrs: tuple[float, float]) -> SGD[Any]:
    w, b = stag.randn(3, requires_grad=True), stag.randn(2, requires_grad=True)
    return SGD([{"params": [w], "lr": lrs[0]}, {"params": [b], "lr": lrs[1]}])


SCHEDULES: dict[str, tuple[Callable[[SGD[Any]], Any], Callable[[int, float], float]]] = {
    "step": (lambda o: StepLR(o, step_size=2, gamma=0.5), lambda t, b: b * 0.5 ** (t // 2)),
    "cosine": (
        lambda o: CosineAnnealingLR(o, t_max=4, eta_min=0.01),
        lambda t, b: 0.01 + (b - 0.01) * (1 + math.cos(math.pi * min(t, 4) / 4)) / 2,
    ),
    "warmup": (
        lambda o: LinearWarmup(o, warmup_epochs=3, start_factor=0.1),
        lambda t, b: b * (0.1 + 0.9 * min(t, 3) / 3),
    ),
    "lambda": (lambda o: LambdaLR(o, lambda t: 0.9**t), lambda t, b: b * 0.9**t),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_a_schedule_moves_every_group_from_its_own_base_rate(name: str) -> None:
    make, expected = SCHEDULES[name]
    opt = two_groups((1.0, 0.2))
    sched = make(opt)
    for t in range(7):
        want = [expected(t, 1.0), expected(t, 0.2)]
        assert [g["lr"] for g in opt.param_groups] == pytest.approx(want, rel=1e-12)
        assert sched.get_last_lr() == pytest.approx(want, rel=1e-12)
        assert sched.step() == pytest.approx([expected(t + 1, 1.0), expected(t + 1, 0.2)])


def test_a_schedule_refuses_a_bad_rate_and_changes_nothing() -> None:
    opt = two_groups((1.0, 0.2))
    sched = LambdaLR(opt, lambda t: [1.0, math.nan][t])
    with pytest.raises(ValueError, match="LambdaLR: lr at epoch 1 must be finite"):
        sched.step()
    assert [g["lr"] for g in opt.param_groups] == [1.0, 0.2]


def test_scheduler_state_round_trips_with_groups_and_is_checked() -> None:
    opt = two_groups((1.0, 0.2))
    sched = StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    state = sched.state_dict()
    assert state == {"base_lrs": [1.0, 0.2], "last_epoch": 1}
    other = two_groups((3.0, 3.0))
    resumed = StepLR(other, step_size=1, gamma=0.5)
    resumed.load_state_dict(state)
    assert [g["lr"] for g in other.param_groups] == [0.5, 0.1]
    for bad in ({"base_lrs": [1.0], "last_epoch": 1}, {"base_lrs": [1.0, 0.2], "last_epoch": -1}):
        with pytest.raises(ValueError):
            resumed.load_state_dict(bad)
        assert [g["lr"] for g in other.param_groups] == [0.5, 0.1]
        assert resumed.state_dict() == state


# ----------------------------------------------------- decay on matrices only
def test_adamw_decays_the_matrices_and_leaves_biases() -> None:
    # the GPT recipe: weight decay on 2-d parameters only, by two groups
    model = MLP()
    named = dict(model.named_parameters())
    matrices = [p for p in named.values() if p.ndim >= 2]
    others = [p for p in named.values() if p.ndim < 2]
    opt = AdamW(
        [{"params": matrices, "weight_decay": 0.1}, {"params": others, "weight_decay": 0.0}],
        lr=0.01,
    )
    before = {name: p.numpy().copy() for name, p in named.items()}
    for p in named.values():
        p.grad = Tensor(np.zeros(p.shape, p.dtype))  # Adam's own step is 0: only decay moves p
    opt.step()
    for name, p in named.items():
        factor = 1 - 0.01 * 0.1 if p.ndim >= 2 else 1.0
        np.testing.assert_allclose(p.numpy(), before[name] * factor, rtol=1e-6, err_msg=name)
