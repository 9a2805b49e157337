"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from stag.optim._optimizer import M, Optimizer

Array = npt.NDArray[Any]


class SGD(Optimizer[M]):
    """Gradient descent, PyTorch's formulation.

    With ``g = grad + weight_decay * p``, the buffer ``b = g`` on the first
    step and ``b = momentum * b + (1 - dampening) * g`` after; the update is
    ``p -= lr * (g + momentum * b)`` with ``nesterov=True``, else
    ``p -= lr * b`` (``p -= lr * g`` without momentum).

    **Arguments:**

    - ``module``: the model whose parameters are trained.
    - ``lr``: learning rate.
    - ``momentum``, ``dampening``, ``weight_decay``: as above (all 0 by default).
    - ``nesterov``: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    """

    _hyperparam_names = ("momentum", "dampening", "weight_decay", "nesterov")
    _buffer_names = ("momentum_buffer",)

    def __init__(
        self,
        module: M,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(module, lr)
        if momentum < 0.0 or weight_decay < 0.0:
            raise ValueError(
                f"SGD: momentum and weight_decay must be >= 0, got {momentum}, {weight_decay}"
            )
        if nesterov and (momentum <= 0.0 or dampening != 0.0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening == 0")
        self.momentum = float(momentum)
        self.dampening = float(dampening)
        self.weight_decay = float(weight_decay)
        self.nesterov = bool(nesterov)

    def _update(
        self, data: Array, grad: Array, step: int, buffers: dict[str, Array] | None
    ) -> dict[str, Array] | None:
        if self.weight_decay:
            grad = grad + self.weight_decay * data
        momentum = self.momentum
        if not momentum:
            data -= self.lr * grad
            return buffers
        if buffers is None:
            buf = np.array(grad, dtype=data.dtype)
            buffers = {"momentum_buffer": buf}
        else:
            buf = buffers["momentum_buffer"]
            buf *= momentum
            buf += (1.0 - self.dampening) * grad
        data -= self.lr * (grad + momentum * buf) if self.nesterov else self.lr * buf
        return buffers
