"""The optimizer base: parameter groups, per-parameter state, ``state_dict``.

An optimizer is made from a module (typed: ``opt.module`` is the model's own
class), from an iterable of tensors, or from parameter groups (dicts with
``"params"`` and settings that override the optimizer's), as in PyTorch.  It
updates the parameters' numpy arrays in place.  A subclass declares its
settings (each with its check and default) and its buffers, and implements
``_update``, one parameter at a time, on plain arrays: no tensor is made per
parameter per step.

Every setting and buffer is checked by one function of its kind
(``stag/optim/_settings.py``), whether it comes from the constructor, a group,
the ``lr`` setter or ``load_state_dict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Required,
    TypeAlias,
    TypedDict,
    TypeVar,
    cast,
)

import numpy as np
import numpy.typing as npt

from stag._backends import Backend, convert, device_of, kernels, name_of, to_numpy
from stag.nn._module import clear_grads
from stag.optim._params import NoModule, Params, collect
from stag.optim._settings import BufferKind, SettingKind, SettingValue, count, non_negative

if TYPE_CHECKING:
    from stag._dims import AnyShape
    from stag._tensor import Tensor
    from stag.nn._module import Module


Array = npt.NDArray[Any]
M = TypeVar("M", bound="Module | NoModule")


class GroupSettings(TypedDict, total=False):
    """The settings of a parameter group; each optimizer has ``lr`` and its own others."""

    lr: Required[float]
    momentum: float
    dampening: float
    weight_decay: float
    nesterov: bool
    betas: tuple[float, float]
    eps: float
    amsgrad: bool
    alpha: float
    centered: bool
    lr_decay: float
    initial_accumulator_value: float
    rho: float


class ParamGroup(GroupSettings, total=False):
    """One entry of ``Optimizer.param_groups``: its tensors and their settings.

    Change a setting between steps (``opt.param_groups[1]["lr"] = 1e-4``); the
    tensors of a group are fixed when the optimizer is made.
    """

    params: Required[list[Tensor[*AnyShape]]]


class OptimizerState(TypedDict):
    """What ``Optimizer.state_dict()`` returns: numbers and numpy arrays only.

    ``hyperparams`` holds every group's settings as ``"<group>.<setting>"``
    (``"0.lr"``, ``"1.weight_decay"``; a pair such as ``betas`` as
    ``"0.betas.0"``, ``"0.betas.1"``).  ``state`` maps each parameter's name
    to its ``"group"`` and ``"step"`` (0-d int64 arrays) and its buffers
    (``"momentum_buffer"``, ``"exp_avg"``, ...; none before its first step).
    """

    hyperparams: dict[str, float]
    state: dict[str, dict[str, Array]]


_Checked: TypeAlias = tuple[list[GroupSettings], list[int], list[dict[str, Array]]]


class Optimizer(Generic[M]):
    """Updates parameters from their ``.grad``, in place.

    **Arguments:**

    - ``params``: a module (``opt.module`` keeps its static type), an iterable of
      tensors, or an iterable of parameter groups (dicts with ``"params"`` and
      any settings that differ from the optimizer's).
    - ``lr``: the learning rate of every group that does not set its own.
    - ``settings``: the optimizer's other settings, by name.

    Parameters whose ``.grad`` is None are skipped by ``step()``.  A tensor that
    does not require grad, a tensor given twice or no tensor at all raises
    ``ValueError``; an unknown setting ``KeyError``; a bad value ``ValueError``.
    """

    #: each setting besides ``lr``: the function that checks it, and its default
    _settings: ClassVar[Mapping[str, tuple[SettingKind, SettingValue]]] = {}
    #: each buffer ``_update`` may keep per parameter, and the function that checks it
    _buffers: ClassVar[Mapping[str, BufferKind]] = {}

    def __init__(self, params: M | Params, lr: float, settings: Mapping[str, object]) -> None:
        where = type(self).__name__
        defaults = self._checked_settings(where, "", {"lr": lr, **settings}, self._defaults())
        found = collect(params, where)
        self._module = cast("M | None", found.module)
        self._names, self._params, self._members = found.names, found.tensors, found.members
        # collect numbers the tensors group by group, so this lists each one's group in order
        self._group_of = [g for g, members in enumerate(self._members) for _ in members]
        self.param_groups: list[ParamGroup] = [
            self._group(f"{where}: group {g}", members, overrides, defaults)
            for g, (members, overrides) in enumerate(zip(self._members, found.overrides))
        ]
        # per parameter: how many updates it has had, and its buffers (none until the first)
        self._steps: list[int] = [0] * len(self._params)
        self._state: list[dict[str, Array]] = [{} for _ in self._params]

    # ------------------------------------------------------------ settings
    def _kinds(self) -> dict[str, SettingKind]:
        return {"lr": non_negative, **{name: kind for name, (kind, _) in self._settings.items()}}

    def _defaults(self) -> dict[str, SettingValue]:
        return {name: default for name, (_, default) in self._settings.items()}

    def _checked_settings(
        self,
        where: str,
        prefix: str,
        given: Mapping[str, object],
        base: Mapping[str, SettingValue] | None,
    ) -> GroupSettings:
        """``given``, each value checked by its kind; the rest from ``base`` (all needed if None).

        ``prefix`` is how the names are spelled where they came from (``"0."`` in a state dict).
        """
        kinds = self._kinds()
        unknown = [prefix + name for name in sorted(set(given) - set(kinds))]
        if unknown:
            raise KeyError(f"{where}: unknown settings {unknown} (the settings: {sorted(kinds)})")
        missing = [prefix + name for name in sorted(set(kinds) - set(given) - set(base or {}))]
        if missing:
            raise KeyError(f"{where}: missing settings {missing}")
        values = dict(base or {})
        for name, value in given.items():
            values[name] = kinds[name](value, f"{where}: {prefix}{name}")
        settings = cast(GroupSettings, values)
        self._check_together(f"{where}: {prefix}", settings)
        return settings

    def _check_together(self, where: str, settings: GroupSettings) -> None:
        """Rules that tie settings together (SGD's Nesterov needs momentum); none by default."""

    def _group(
        self,
        where: str,
        members: list[int],
        overrides: Mapping[str, object],
        defaults: GroupSettings,
    ) -> ParamGroup:
        base = cast(Mapping[str, SettingValue], defaults)
        settings = self._checked_settings(where, "", overrides, base)
        return cast(ParamGroup, {"params": [self._params[i] for i in members], **settings})

    @property
    def lr(self) -> float:
        """The learning rate, when there is one parameter group (else use ``param_groups``)."""
        return self._only_group()["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        self._only_group()["lr"] = non_negative(value, f"{type(self).__name__}.lr")

    def _only_group(self) -> ParamGroup:
        if len(self.param_groups) != 1:
            raise AttributeError(
                f"{type(self).__name__}.lr: the optimizer has {len(self.param_groups)} "
                "parameter groups, each with its own rate: use opt.param_groups[i]['lr']"
            )
        return self.param_groups[0]

    @property
    def module(self) -> M:
        """The module the optimizer was made from, with its own static type."""
        if self._module is None:
            raise AttributeError(
                f"{type(self).__name__}.module: this optimizer was made from tensors or "
                "parameter groups, not from a Module, so it has no module"
            )
        return self._module

    # ---------------------------------------------------------------- step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: ``.grad`` becomes None, as PyTorch's default;
        with ``set_to_none=False`` each gradient is set to 0 in place instead."""
        clear_grads(self._params, set_to_none)

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient.

        The update works on the parameters' arrays directly, so no graph is
        recorded whatever the grad mode; each updated parameter's version is
        bumped, so a graph recorded before the step can no longer be used.
        """
        steps, state, params = self._steps, self._state, self._params
        for group, members in zip(self.param_groups, self._members, strict=True):
            for i in members:
                p = params[i]
                grad = p._grad
                if grad is None:
                    continue
                steps[i] += 1
                data, buffers = p.array_for_update(), state[i]
                if buffers:
                    follow(buffers, data)
                self._update(group, data, grad, steps[i], buffers)

    def _update(
        self, group: ParamGroup, data: Array, grad: Array, step: int, buffers: dict[str, Array]
    ) -> None:
        """Update ``data`` in place (``step`` counts from 1), keeping ``buffers`` in place."""
        raise NotImplementedError

    def _required_buffers(self, settings: GroupSettings) -> Iterable[str]:
        """The buffers a parameter has after its first step with these settings."""
        return self._buffers

    # --------------------------------------------------------------- state
    def state_dict(self) -> OptimizerState:
        """Every group's settings and every parameter's step and buffers (copies, not views)."""
        hyper: dict[str, float] = {}
        for g, group in enumerate(self.param_groups):
            for name in self._kinds():
                hyper.update(_flat(f"{g}.{name}", cast(Mapping[str, SettingValue], group)[name]))
        state: dict[str, dict[str, Array]] = {}
        for i, name in enumerate(self._names):
            state[name] = {
                "group": np.array(self._group_of[i], dtype=np.int64),
                "step": np.array(self._steps[i], dtype=np.int64),
                **{k: np.array(to_numpy(v)) for k, v in self._state[i].items()},  # host copies
            }
        return {"hyperparams": hyper, "state": state}

    def load_state_dict(self, state_dict: OptimizerState) -> None:
        """Restore what ``state_dict()`` returned; checked in full before anything changes.

        Raises ``KeyError`` for a missing or unknown setting, parameter, buffer or
        group, ``ValueError`` for a value its constructor would refuse (``lr=nan``,
        ``betas[0]=1``, a negative or fractional ``step``, a parameter in another
        group, a buffer with NaN), and ``ShapeError`` / ``DTypeError`` for a buffer
        that does not fit its parameter.  A state it accepts cannot make the next
        ``step()`` fail.
        """
        groups, self._steps, self._state = self._checked_state(state_dict)
        for group, settings in zip(self.param_groups, groups, strict=True):
            cast(dict[str, object], group).update(settings)

    def check_state_dict(self, state_dict: OptimizerState) -> None:
        """Raise what ``load_state_dict(state_dict)`` would raise, changing nothing."""
        self._checked_state(state_dict)

    def _checked_state(self, state_dict: OptimizerState) -> _Checked:
        where = f"{type(self).__name__}.load_state_dict"
        hyper, entries = _parts(state_dict, where)
        groups = [
            self._checked_settings(where, f"{g}.", values, None)
            for g, values in enumerate(self._split_groups(where, hyper))
        ]
        missing = [name for name in self._names if name not in entries]
        unknown = sorted(set(entries) - set(self._names))
        if missing or unknown:
            raise KeyError(f"{where}: other parameters: missing {missing}, unexpected {unknown}")
        checked = [
            self._checked_entry(where, i, entries[name], groups)
            for i, name in enumerate(self._names)
        ]
        return groups, [step for step, _ in checked], [buffers for _, buffers in checked]

    def _split_groups(self, where: str, hyper: Mapping[str, object]) -> list[dict[str, object]]:
        """``{"0.lr": .., "1.lr": ..}`` as one dict of settings per group, pairs rejoined."""
        n = len(self.param_groups)
        groups: list[dict[str, object]] = [{} for _ in range(n)]
        for key, value in hyper.items():
            g, _, name = key.partition(".")
            if not (g.isdigit() and int(g) < n):
                raise KeyError(
                    f"{where}: unexpected setting {key!r}: settings are named <group>.<setting> "
                    f"and this optimizer has {n} parameter group(s)"
                )
            groups[int(g)][name] = value
        pairs = [
            name for name, (_, default) in self._settings.items() if isinstance(default, tuple)
        ]
        return [_join_pairs(values, pairs) for values in groups]

    def _checked_entry(
        self, where: str, i: int, entry: object, groups: list[GroupSettings]
    ) -> tuple[int, dict[str, Array]]:
        where = f"{where}: {self._names[i]}."
        if not isinstance(entry, Mapping):
            raise TypeError(f"{where[:-1]} must be a dict of arrays, got {type(entry).__name__}")
        entry = dict(entry)
        for key in ("group", "step"):
            if key not in entry:
                raise KeyError(f"{where}{key} is missing")
        group, step = (
            count(entry.pop("group"), f"{where}group"),
            count(entry.pop("step"), f"{where}step"),
        )
        if group != self._group_of[i]:
            raise ValueError(
                f"{where}group is {group}, but the parameter is in group {self._group_of[i]}"
            )
        buffers = self._checked_buffers(where, i, entry)
        if not step and buffers:
            raise ValueError(f"{where}step is 0 but it has buffers {sorted(buffers)}")
        missing = [name for name in self._required_buffers(groups[group]) if name not in buffers]
        if step and missing:
            raise KeyError(
                f"{where}{missing[0]} is missing (needed after {step} steps with these settings)"
            )
        return step, buffers

    def _checked_buffers(self, where: str, i: int, entry: Mapping[str, object]) -> dict[str, Array]:
        unknown = sorted(set(entry) - set(self._buffers))
        if unknown:
            raise KeyError(f"{where}{unknown[0]}: not a buffer of {type(self).__name__}")
        param = self._params[i]._data
        return {
            name: self._buffers[name](value, f"{where}{name}", param)
            for name, value in entry.items()
        }


def follow(buffers: dict[str, Array], data: Any) -> None:
    """Move a parameter's buffers to its library and device (after ``module.to``)."""
    if type(data) is np.ndarray and type(next(iter(buffers.values()))) is np.ndarray:
        return  # the usual case, every step: numpy's (a parameter's buffers move together)
    where = Backend(name_of(data), device_of(data))
    for name, buf in buffers.items():
        if type(buf) is not type(data) or device_of(buf) != where.device:
            buffers[name] = convert(buf, where)


def zeros_buffer(buffers: dict[str, Array], name: str, like: Array) -> Array:
    """The buffer ``name``, started at zeros the first time (as PyTorch starts its state)."""
    buf = buffers.get(name)
    if buf is None:
        buf = buffers[name] = kernels(like).zeros_like(like)
    return buf


def _flat(key: str, value: SettingValue) -> dict[str, float]:
    """A setting as ``state_dict`` numbers: a pair becomes ``key.0`` and ``key.1``."""
    if isinstance(value, tuple):
        return {f"{key}.{j}": v for j, v in enumerate(value)}
    return {key: value}


def _join_pairs(values: dict[str, object], pairs: list[str]) -> dict[str, object]:
    for name in pairs:
        keys = (f"{name}.0", f"{name}.1")
        if all(key in values for key in keys):
            values[name] = tuple(values.pop(key) for key in keys)
    return values


def _parts(state_dict: object, where: str) -> tuple[Mapping[str, object], Mapping[str, object]]:
    """The ``hyperparams`` and ``state`` of a state dict, which must have exactly these two."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"{where}: expected a dict, got {type(state_dict).__name__}")
    keys = set(state_dict)
    if keys != {"hyperparams", "state"}:
        raise KeyError(f"{where}: expected the keys ['hyperparams', 'state'], got {sorted(keys)}")
    parts = state_dict["hyperparams"], state_dict["state"]
    if not all(isinstance(part, Mapping) for part in parts):
        raise TypeError(f"{where}: hyperparams and state must be dicts")
    return cast(tuple[Mapping[str, object], Mapping[str, object]], parts)
