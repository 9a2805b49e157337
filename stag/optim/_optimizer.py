"""The optimizer base: parameters by name, per-parameter state, ``state_dict``.

An optimizer holds its module (typed: ``opt.module`` is the model's own class),
snapshots the module's named parameters when it is made, and updates their
numpy arrays in place.  Subclasses implement ``_update``, one parameter at a
time, on plain arrays: no tensor is made per parameter per step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypedDict, TypeVar

import numpy as np
import numpy.typing as npt

from stag._errors import DTypeError, ShapeError

if TYPE_CHECKING:
    from stag._dims import AnyShape
    from stag._tensor import Tensor
    from stag.nn._module import Module


Array = npt.NDArray[Any]
M = TypeVar("M", bound="Module")


class OptimizerState(TypedDict):
    """What ``Optimizer.state_dict()`` returns: numbers and numpy arrays only.

    ``hyperparams`` holds ``lr`` and the optimizer's other settings;
    ``state`` maps a parameter's dotted name to its buffers (``"step"`` is a
    0-d int64 array, then e.g. ``"momentum_buffer"`` or ``"exp_avg"``).
    A parameter that never had a gradient has no entry.
    """

    hyperparams: dict[str, float]
    state: dict[str, dict[str, Array]]


_CheckedState: TypeAlias = tuple[dict[str, float], list[int], list[dict[str, Array] | None]]


class Optimizer(Generic[M]):
    """Updates the parameters of ``module`` from their ``.grad``, in place.

    **Arguments:**

    - ``module``: the model; ``opt.module`` keeps its static type.
    - ``lr``: the learning rate (a scheduler may change ``opt.lr`` between steps).

    Parameters whose ``.grad`` is None are skipped by ``step()``.
    """

    #: settings saved by ``state_dict`` besides ``lr`` (attributes of the same name)
    _hyperparam_names: tuple[str, ...] = ()
    #: the per-parameter buffers ``_update`` may keep
    _buffer_names: tuple[str, ...] = ()

    def __init__(self, module: M, lr: float) -> None:
        if not lr >= 0.0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {lr}")
        self.module: M = module
        self.lr: float = float(lr)
        named = list(module.named_parameters())
        self._names: list[str] = [name for name, _ in named]
        self._params: list[Tensor[*AnyShape]] = [p for _, p in named]
        # per parameter: how many updates it has had, and its buffers (None until the first)
        self._steps: list[int] = [0] * len(named)
        self._state: list[dict[str, Array] | None] = [None] * len(named)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad`` becomes None)."""
        for p in self._params:
            p.grad = None

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient.

        The update works on the parameters' arrays directly, so no graph is
        recorded whatever the grad mode; each updated parameter's version is
        bumped, so a graph recorded before the step can no longer be used.
        """
        steps, state = self._steps, self._state
        for i, p in enumerate(self._params):
            grad = p._grad
            if grad is None:
                continue
            steps[i] += 1
            state[i] = self._update(p.array_for_update(), grad, steps[i], state[i])

    def _update(
        self, data: Array, grad: Array, step: int, buffers: dict[str, Array] | None
    ) -> dict[str, Array] | None:
        """Update ``data`` in place (``step`` counts from 1); return the new buffers."""
        raise NotImplementedError

    # ------------------------------------------------------------- state
    def _hyperparams(self) -> dict[str, float]:
        values = {"lr": self.lr}
        for name in self._hyperparam_names:
            values[name] = float(getattr(self, name))
        return values

    def state_dict(self) -> OptimizerState:
        """The settings and buffers, keyed by parameter name (copies, not views)."""
        state: dict[str, dict[str, Array]] = {}
        for name, step, buffers in zip(self._names, self._steps, self._state, strict=True):
            if step == 0 and buffers is None:
                continue
            entry = {"step": np.array(step, dtype=np.int64)}
            entry.update({k: v.copy() for k, v in (buffers or {}).items()})
            state[name] = entry
        return {"hyperparams": self._hyperparams(), "state": state}

    def load_state_dict(self, state_dict: OptimizerState) -> None:
        """Restore what ``state_dict()`` returned; validated before anything changes.

        Raises ``KeyError`` for unknown settings, parameter or buffer names, and
        ``ShapeError`` / ``DTypeError`` for a buffer that does not fit its parameter.
        """
        self._apply_state(self._checked_state(state_dict))

    def check_state_dict(self, state_dict: OptimizerState) -> None:
        """Raise what ``load_state_dict(state_dict)`` would raise, changing nothing."""
        self._checked_state(state_dict)

    def _checked_state(self, state_dict: OptimizerState) -> _CheckedState:
        """Validate ``state_dict`` against this optimizer; change nothing yet."""
        where = f"{type(self).__name__}.load_state_dict"
        hyper = dict(state_dict["hyperparams"])
        unknown = set(hyper) - {"lr", *self._hyperparam_names}
        if unknown:
            raise KeyError(f"{where}: unknown settings {sorted(unknown)}")
        index = {name: i for i, name in enumerate(self._names)}
        steps = [0] * len(self._params)
        state: list[dict[str, Array] | None] = [None] * len(self._params)
        for name, entry in state_dict["state"].items():
            if name not in index:
                raise KeyError(f"{where}: no parameter named {name!r}")
            i = index[name]
            steps[i] = int(entry.get("step", 0))
            param = self._params[i]._data
            buffers = {
                k: self._checked_buffer(f"{name}.{k}", v, param)
                for k, v in entry.items()
                if k != "step"
            }
            state[i] = buffers or None
        return hyper, steps, state

    def _apply_state(self, checked: _CheckedState) -> None:
        hyper, self._steps, self._state = checked
        for key, value in hyper.items():
            setattr(self, key, type(getattr(self, key))(value))  # bool settings stay bool

    def _checked_buffer(self, key: str, value: Array, param: Array) -> Array:
        where = f"{type(self).__name__}.load_state_dict: {key}"
        if key.rsplit(".", 1)[1] not in self._buffer_names:
            raise KeyError(f"{where}: not a buffer of {type(self).__name__}")
        value = np.asarray(value)
        if value.shape != param.shape:
            raise ShapeError(f"{where}: expected shape {param.shape}, got {value.shape}")
        if value.dtype != param.dtype:
            raise DTypeError(f"{where}: expected dtype {param.dtype}, got {value.dtype}")
        return value.copy()
