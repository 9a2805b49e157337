"""``state_dict`` / ``check_state_dict`` / ``load_state_dict``: what is saved, what is refused.

The rule under test: ``check_state_dict`` (and so ``load_state_dict``) refuses a
state with a setting its constructor would refuse, a step count that is no
count, a buffer missing, misshapen or poisoned, or names and groups that do not
fit, and leaves the optimizer as it was; a state it accepts never makes the
next ``step()`` fail or write NaN into the parameters.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import stag
from stag import Tensor
from stag.optim import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop

Array = np.ndarray
Make = Callable[[list[Tensor[Any]]], Optimizer[Any]]
REFUSALS = (ValueError, KeyError, TypeError)  # ShapeError is a ValueError, DTypeError a TypeError


def tensors() -> list[Tensor[Any]]:
    rng = np.random.default_rng(0)
    return [stag.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 2), (2,), (4,)]]


def two_groups(cls: type[Optimizer[Any]], first: dict[str, Any], **settings: Any) -> Make:
    return lambda ts: cls([{"params": ts[:1], **first}, {"params": ts[1:]}], **settings)


MAKERS: dict[str, Make] = {
    "sgd": lambda ts: SGD(ts, lr=0.1),
    "sgd_nesterov": lambda ts: SGD(ts, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    "sgd_groups": two_groups(SGD, {"momentum": 0.5, "dampening": 0.1}, lr=0.1),
    "adam_amsgrad": lambda ts: Adam(ts, lr=0.01, amsgrad=True),
    "adamw_groups": two_groups(AdamW, {"weight_decay": 0.1, "amsgrad": True}, lr=0.01),
    "rmsprop_centered_momentum": lambda ts: RMSprop(ts, centered=True, momentum=0.9),
    "adagrad": lambda ts: Adagrad(ts, lr_decay=0.01, initial_accumulator_value=0.1),
    "adadelta_groups": two_groups(Adadelta, {"rho": 0.5}, weight_decay=0.1),
}


def trained(make: Make, steps: int = 2) -> tuple[list[Tensor[Any]], Optimizer[Any]]:
    ts = tensors()
    opt = make(ts)
    for seed in range(steps):
        set_grads(ts, seed)
        opt.step()
    return ts, opt


def set_grads(ts: list[Tensor[Any]], seed: int) -> None:
    rng = np.random.default_rng(50 + seed)
    for t in ts:
        t.grad = Tensor(rng.standard_normal(t.shape))


def assert_same_tree(a: object, b: object) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b)
        for key in a:
            assert_same_tree(a[key], b[key])
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        both_nan = isinstance(a, float) and math.isnan(a) and math.isnan(b)
        assert type(a) is type(b) and (a == b or both_nan)


# ------------------------------------------------------------ what is saved
def test_state_dict_is_a_tree_of_numbers_and_arrays_named_by_group_and_parameter() -> None:
    _, opt = trained(MAKERS["adamw_groups"])
    state = opt.state_dict()
    assert sorted(state) == ["hyperparams", "state"]
    assert state["hyperparams"] == {
        "0.lr": 0.01, "0.betas.0": 0.9, "0.betas.1": 0.999, "0.eps": 1e-8,
        "0.weight_decay": 0.1, "0.amsgrad": True,
        "1.lr": 0.01, "1.betas.0": 0.9, "1.betas.1": 0.999, "1.eps": 1e-8,
        "1.weight_decay": 0.01, "1.amsgrad": False,
    }  # fmt: skip
    assert list(state["state"]) == ["0.0", "1.0", "1.1"]
    assert sorted(state["state"]["0.0"]) == [
        "exp_avg",
        "exp_avg_sq",
        "group",
        "max_exp_avg_sq",
        "step",
    ]
    assert sorted(state["state"]["1.1"]) == ["exp_avg", "exp_avg_sq", "group", "step"]
    entry = state["state"]["1.1"]
    assert entry["group"].dtype == entry["step"].dtype == np.int64
    assert (int(entry["group"]), int(entry["step"])) == (1, 2)
    entry["exp_avg"][...] = 99.0  # a copy: the optimizer is not affected
    assert opt.state_dict()["state"]["1.1"]["exp_avg"].max() < 99.0


def test_a_parameter_without_steps_is_listed_with_step_0_and_no_buffers() -> None:
    ts = tensors()
    opt = Adam(ts)
    ts[0].grad = Tensor(np.ones((3, 2)))
    opt.step()
    state = opt.state_dict()["state"]
    assert sorted(state["1"]) == ["group", "step"] and int(state["1"]["step"]) == 0
    Adam(tensors()).load_state_dict(opt.state_dict())


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_loaded_state_resumes_bit_for_bit(name: str) -> None:
    ts, opt = trained(MAKERS[name])
    saved, values = opt.state_dict(), [t.numpy().copy() for t in ts]
    set_grads(ts, 7)
    opt.step()
    twin = tensors()
    for t, v in zip(twin, values, strict=True):
        t.array_for_update()[...] = v
    resumed = MAKERS[name](twin)
    for group in resumed.param_groups:
        group["lr"] = 123.0  # restored from the state too
    resumed.load_state_dict(saved)
    set_grads(twin, 7)
    resumed.step()
    for a, b in zip(ts, twin, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert_same_tree(opt.state_dict(), resumed.state_dict())


# ------------------------------------------------------- what is refused
def adam_state() -> tuple[Optimizer[Any], dict[str, Any]]:
    _, opt = trained(lambda ts: Adam([{"params": ts[:1]}, {"params": ts[1:]}], lr=0.01))
    return opt, copy.deepcopy(dict(opt.state_dict()))


Change = Callable[[dict[str, Any]], object]


def set_entry_of(name: str) -> Change:
    return lambda s: s["state"].__setitem__(name, s["state"]["0.0"])


def set_hyper(key: str, value: object) -> Change:
    return lambda s: s["hyperparams"].__setitem__(key, value)


def set_entry(name: str, key: str, value: object) -> Change:
    return lambda s: s["state"][name].__setitem__(key, value)


def drop(*path: str) -> Change:
    def change(state: dict[str, Any]) -> None:
        for key in path[:-1]:
            state = state[key]
        del state[path[-1]]

    return change


def drop_group_1(state: dict[str, Any]) -> None:
    for key in [k for k in state["hyperparams"] if k.startswith("1.")]:
        del state["hyperparams"][key]


REPORTED: dict[str, tuple[type[Exception], str, Change]] = {
    # the cases of the user report, each with what it must raise and what it must name
    "lr nan": (ValueError, r"0\.lr must be finite", set_hyper("0.lr", math.nan)),
    "lr -1": (ValueError, r"1\.lr must be >= 0", set_hyper("1.lr", -1.0)),
    "beta1 = 1": (ValueError, r"0\.betas\[0\] must be in \[0, 1\)", set_hyper("0.betas.0", 1.0)),
    "step -1": (ValueError, r"1\.0\.step must be a whole", set_entry("1.0", "step", np.array(-1))),
    "step 2.5": (ValueError, r"0\.0\.step must be a whole", set_entry("0.0", "step", np.array(2.5))),
    "missing moment": (KeyError, r"0\.0\.exp_avg is missing", drop("state", "0.0", "exp_avg")),
    "amsgrad without its buffer": (
        KeyError, r"1\.0\.max_exp_avg_sq is missing", set_hyper("1.amsgrad", True),
    ),
    "buffer shape": (
        stag.ShapeError, r"1\.0\.exp_avg_sq: expected shape \(2,\)",
        set_entry("1.0", "exp_avg_sq", np.ones(3)),
    ),
    "buffer dtype": (
        stag.DTypeError, r"0\.0\.exp_avg: expected dtype float64",
        set_entry("0.0", "exp_avg", np.ones((3, 2), np.float32)),
    ),
    "unknown setting": (KeyError, r"unknown settings \['0\.momentum'\]", set_hyper("0.momentum", 0.9)),
    "missing setting": (KeyError, r"missing settings \['1\.eps'\]", drop("hyperparams", "1.eps")),
    "more groups": (KeyError, r"'2\.lr'.* has 2 parameter group", set_hyper("2.lr", 0.1)),
    "fewer groups": (KeyError, r"missing settings \['1\.amsgrad', '1\.betas'", drop_group_1),
    "other group": (
        ValueError, r"1\.0\.group is 0, but the parameter is in group 1",
        set_entry("1.0", "group", np.array(0)),
    ),
    "unknown parameter": (KeyError, r"missing \[\], unexpected \['9\.9'\]", set_entry_of("9.9")),
    "missing parameter": (KeyError, r"missing \['1\.1'\], unexpected \[\]", drop("state", "1.1")),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REPORTED))
def test_each_reported_bad_state_is_refused_by_name_and_changes_nothing(case: str) -> None:
    error, message, corrupt = REPORTED[case]
    opt, state = adam_state()
    before = opt.state_dict()
    corrupt(state)
    with pytest.raises(error, match=message):
        opt.check_state_dict(state)
    with pytest.raises(error, match=message):
        opt.load_state_dict(state)
    assert_same_tree(opt.state_dict(), before)


BAD_ANYWHERE: list[object] = [math.nan, math.inf, -math.inf, "x", None, np.zeros(2)]
MAYBE_BAD: list[object] = [-1.0, 0.0, 0.5, 1.0, 2.0, np.array(1.0), True]


def corruptions(state: dict[str, Any]) -> Iterator[tuple[str, bool, Change]]:
    """Every field of ``state`` changed in turn: (label, whether it must be refused, the change)."""
    for key in state["hyperparams"]:
        for must, values in ((True, BAD_ANYWHERE), (False, MAYBE_BAD)):
            for value in values:
                yield f"{key}={value!r}", must, set_hyper(key, value)
        yield f"del {key}", True, drop("hyperparams", key)
    yield "0.bogus", True, set_hyper("0.bogus", 1.0)
    yield "x.lr", True, set_hyper("x.lr", 1.0)
    for name, entry in state["state"].items():
        yield f"del {name}", True, drop("state", name)
        yield f"{name} not a dict", True, lambda s, n=name: s["state"].__setitem__(n, 3)
        yield f"{name}.bogus", True, set_entry(name, "bogus", np.zeros(1))
        for key, value in entry.items():
            yield f"del {name}.{key}", True, drop("state", name, key)
            for label, bad, must in _bad_values(key, value, buffered=len(entry) > 2):
                yield f"{name}.{key} {label}", must, set_entry(name, key, bad)
    yield "extra parameter", True, lambda s: s["state"].__setitem__("nope", {})
    yield "extra key", True, lambda s: s.__setitem__("extra", {})
    yield "no state", True, drop("state")


def _bad_values(key: str, value: Array, buffered: bool) -> list[tuple[str, object, bool]]:
    if key in ("group", "step"):
        counts: list[object] = [-1, 2.5, "x", None, np.array([1, 2])]
        # another step count is a state as good as any, but not 0 steps with buffers
        other = [("7", 7, True), ("0 or 1", 1 - int(value), True)]
        maybe = other if key == "group" else [("7", 7, False), ("0", 0, buffered)]
        return [(repr(v), v, True) for v in counts] + maybe
    squares = ("exp_avg_sq", "max_exp_avg_sq", "square_avg", "sum", "acc_delta")
    return [
        ("shape", np.zeros((*value.shape, 1)), True), ("dtype", value.astype(np.float32), True),
        ("nan", np.full_like(value, math.nan), True), ("inf", np.full_like(value, math.inf), True),
        ("list", value.tolist(), True), ("negative", -np.abs(value) - 1.0, key in squares),
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_every_field_corrupted_in_turn_is_refused_or_harmless(name: str) -> None:
    ts, opt = trained(MAKERS[name])
    good, values = opt.state_dict(), [t.numpy().copy() for t in ts]
    refused = accepted = 0
    for label, must, change in corruptions(dict(good)):
        bad = copy.deepcopy(dict(good))
        change(bad)
        try:
            opt.check_state_dict(bad)
        except REFUSALS:
            refused += 1
            with pytest.raises(REFUSALS):
                opt.load_state_dict(bad)
            assert_same_tree(opt.state_dict(), good)
            for t, v in zip(ts, values, strict=True):
                np.testing.assert_array_equal(t.numpy(), v)
        else:
            accepted += 1
            assert not must, f"{label}: accepted"
            assert_steps_stay_finite(MAKERS[name], bad, label)
    assert refused and accepted  # both branches ran: in-range settings are states too


def assert_steps_stay_finite(make: Make, state: dict[str, Any], label: str) -> None:
    ts = tensors()
    opt = make(ts)
    opt.load_state_dict(state)
    for seed in range(2):
        set_grads(ts, seed)
        opt.step()
    assert all(np.isfinite(t.numpy()).all() for t in ts), f"{label}: accepted, then NaN or inf"


def test_check_state_dict_leaves_its_argument_as_it_was() -> None:
    opt, state = adam_state()
    state["hyperparams"]["0.lr"] = math.nan
    kept = copy.deepcopy(state)
    with pytest.raises(ValueError):
        opt.check_state_dict(state)
    opt.check_state_dict(opt.state_dict())
    assert_same_tree(state, kept)


def test_numbers_read_back_as_arrays_or_floats_load() -> None:
    # a checkpoint stores settings as float64 and counts as int64 0-d arrays
    opt, state = adam_state()
    state["hyperparams"] = {k: np.array(float(v)) for k, v in state["hyperparams"].items()}
    state["state"]["0.0"]["step"] = np.array(2.0)
    opt.load_state_dict(state)
    assert opt.param_groups[0]["amsgrad"] is False
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)
    assert type(opt.param_groups[0]["lr"]) is float


def test_centered_rmsprop_writes_no_nan_where_the_variance_is_zero() -> None:
    # square_avg == grad_avg**2 and a gradient equal to grad_avg: the variance stays 0, and
    # rounding leaves square_avg - grad_avg**2 one ulp below 0 in about a quarter of places
    avg = np.random.default_rng(0).standard_normal(1000) * 1e-3
    w = stag.tensor(np.zeros(1000), requires_grad=True)
    opt = RMSprop([w], alpha=0.9, centered=True)
    state = opt.state_dict()
    state["state"]["0"].update(step=np.array(1), square_avg=avg * avg, grad_avg=avg.copy())
    opt.load_state_dict(state)
    w.grad = Tensor(avg.copy())
    opt.step()
    assert np.isfinite(w.numpy()).all()
