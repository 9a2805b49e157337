"""Learning-rate schedules: each ``step()`` sets ``optimizer.lr`` for the next epoch.

A schedule is a closed-form function of the epoch count and the optimizer's
initial ``lr``; making one sets the epoch-0 rate, and ``step()`` moves to
the next epoch (call it once per epoch, or per iteration, after
``optimizer.step()``), as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, TypedDict


class _HasLR(Protocol):
    lr: float


class SchedulerState(TypedDict):
    """What ``LRScheduler.state_dict()`` returns."""

    base_lr: float
    last_epoch: int


class LRScheduler:
    """The base: ``lr_at(epoch)`` is the whole schedule; ``step()`` applies the next epoch's."""

    def __init__(self, optimizer: _HasLR) -> None:
        self.optimizer = optimizer
        self.base_lr: float = optimizer.lr
        self.last_epoch = 0
        optimizer.lr = self.lr_at(0)

    def lr_at(self, epoch: int) -> float:
        """The learning rate for ``epoch`` (0 is the rate when the scheduler is made)."""
        raise NotImplementedError

    def step(self) -> float:
        """Move to the next epoch and set its rate on the optimizer; returns that rate."""
        self.last_epoch += 1
        lr = self.optimizer.lr = self.lr_at(self.last_epoch)
        return lr

    def get_last_lr(self) -> float:
        """The rate the last ``step()`` (or the constructor) set."""
        return self.lr_at(self.last_epoch)

    def state_dict(self) -> SchedulerState:
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: SchedulerState) -> None:
        """Resume: restore the epoch count and set that epoch's rate on the optimizer."""
        self.base_lr = float(state["base_lr"])
        self.last_epoch = int(state["last_epoch"])
        self.optimizer.lr = self.lr_at(self.last_epoch)


class StepLR(LRScheduler):
    """``base_lr * gamma ** (epoch // step_size)``: decay by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: _HasLR, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``t_max`` epochs, then held.

    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2``.
    """

    def __init__(self, optimizer: _HasLR, t_max: int, eta_min: float = 0.0) -> None:
        if t_max < 1:
            raise ValueError(f"CosineAnnealingLR: t_max must be >= 1, got {t_max}")
        self.t_max = t_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        progress = min(epoch, self.t_max) / self.t_max
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2


class LinearWarmup(LRScheduler):
    """A linear ramp from ``start_factor * base_lr`` to ``base_lr`` over ``warmup_epochs``, then held.

    ``base_lr * (start_factor + (1 - start_factor) * min(epoch, warmup_epochs) / warmup_epochs)``.
    """

    def __init__(self, optimizer: _HasLR, warmup_epochs: int, start_factor: float = 0.0) -> None:
        if warmup_epochs < 1:
            raise ValueError(f"LinearWarmup: warmup_epochs must be >= 1, got {warmup_epochs}")
        self.warmup_epochs = warmup_epochs
        self.start_factor = start_factor
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        ramp = min(epoch, self.warmup_epochs) / self.warmup_epochs
        return self.base_lr * (self.start_factor + (1.0 - self.start_factor) * ramp)


class LambdaLR(LRScheduler):
    """``base_lr * factor(epoch)``: any schedule as a function of the epoch."""

    def __init__(self, optimizer: _HasLR, factor: Callable[[int], float]) -> None:
        self.factor = factor
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.factor(epoch)
