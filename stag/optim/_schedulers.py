"""Learning-rate schedules: each ``step()`` sets every parameter group's ``lr`` for the next epoch.

A schedule is a closed-form function of the epoch count and a group's initial
``lr`` (its base rate); each group follows it from its own base rate, as in
PyTorch.  Making one sets the epoch-0 rates, and ``step()`` moves to the next
epoch (call it once per epoch, or per iteration, after ``optimizer.step()``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, TypedDict

from stag.optim._optimizer import ParamGroup
from stag.optim._settings import count, non_negative


class _HasParamGroups(Protocol):
    @property
    def param_groups(self) -> list[ParamGroup]: ...


class SchedulerState(TypedDict):
    """What ``LRScheduler.state_dict()`` returns."""

    base_lrs: list[float]
    last_epoch: int


class LRScheduler:
    """The base: ``lr_at(epoch, base_lr)`` is the whole schedule; ``step()`` applies the next epoch's."""

    def __init__(self, optimizer: _HasParamGroups) -> None:
        self.optimizer = optimizer
        self.base_lrs: list[float] = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    def lr_at(self, epoch: int, base_lr: float) -> float:
        """The rate for ``epoch`` of a group that started at ``base_lr`` (epoch 0: when made)."""
        raise NotImplementedError

    def _epochs(self, name: str, value: int) -> int:
        """A length of the schedule in epochs (``step_size``, ``t_max``, ...): at least 1."""
        if value < 1:
            raise ValueError(f"{type(self).__name__}: {name} must be >= 1, got {value}")
        return value

    def step(self) -> list[float]:
        """Move to the next epoch and set its rates on the optimizer; returns them, one a group."""
        self.last_epoch += 1
        return self._apply()

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` (or the constructor) set, one a group."""
        return [self.lr_at(self.last_epoch, base_lr) for base_lr in self.base_lrs]

    def _apply(self) -> list[float]:
        lrs = self._checked_rates(self.last_epoch, self.base_lrs)
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        return lrs

    def _checked_rates(self, epoch: int, base_lrs: list[float]) -> list[float]:
        """The rates of ``epoch``, each checked as ``lr`` is: a NaN from ``LambdaLR`` is refused."""
        where = f"{type(self).__name__}: lr at epoch {epoch}"
        groups = len(self.optimizer.param_groups)
        if len(base_lrs) != groups:
            raise ValueError(f"{where}: {len(base_lrs)} base rates for {groups} parameter groups")
        return [non_negative(self.lr_at(epoch, base_lr), where) for base_lr in base_lrs]

    def state_dict(self) -> SchedulerState:
        return {"base_lrs": list(self.base_lrs), "last_epoch": self.last_epoch}

    def load_state_dict(self, state: SchedulerState) -> None:
        """Resume: restore the epoch count and base rates, and set that epoch's rates.

        Checked first: on a ``ValueError`` the scheduler and the optimizer are unchanged.
        """
        where = f"{type(self).__name__}.load_state_dict"
        base_lrs = [non_negative(lr, f"{where}: base_lrs") for lr in state["base_lrs"]]
        epoch = count(state["last_epoch"], f"{where}: last_epoch")
        self._checked_rates(epoch, base_lrs)
        self.base_lrs, self.last_epoch = base_lrs, epoch
        self._apply()


class StepLR(LRScheduler):
    """``base_lr * gamma ** (epoch // step_size)``: decay by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: _HasParamGroups, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = self._epochs("step_size", step_size)
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``t_max`` epochs, then held.

    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2``.
    """

    def __init__(self, optimizer: _HasParamGroups, t_max: int, eta_min: float = 0.0) -> None:
        self.t_max = self._epochs("t_max", t_max)
        self.eta_min = eta_min
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float) -> float:
        progress = min(epoch, self.t_max) / self.t_max
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2


class LinearWarmup(LRScheduler):
    """A linear ramp from ``start_factor * base_lr`` to ``base_lr`` over ``warmup_epochs``, then held.

    ``base_lr * (start_factor + (1 - start_factor) * min(epoch, warmup_epochs) / warmup_epochs)``.
    """

    def __init__(
        self, optimizer: _HasParamGroups, warmup_epochs: int, start_factor: float = 0.0
    ) -> None:
        self.warmup_epochs = self._epochs("warmup_epochs", warmup_epochs)
        self.start_factor = start_factor
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float) -> float:
        ramp = min(epoch, self.warmup_epochs) / self.warmup_epochs
        return base_lr * (self.start_factor + (1.0 - self.start_factor) * ramp)


class LambdaLR(LRScheduler):
    """``base_lr * factor(epoch)``: any schedule as a function of the epoch."""

    def __init__(self, optimizer: _HasParamGroups, factor: Callable[[int], float]) -> None:
        self.factor = factor
        super().__init__(optimizer)

    def lr_at(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.factor(epoch)
