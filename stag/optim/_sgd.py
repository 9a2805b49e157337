"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict, Unpack, overload

import numpy.typing as npt

from stag._backends import kernels
from stag.optim._optimizer import GroupSettings, M, Optimizer, ParamGroup
from stag.optim._params import NoModule, Params
from stag.optim._settings import flag, moment, non_negative, real, table

Array = npt.NDArray[Any]


class SGDSettings(TypedDict, total=False):
    """The keyword settings of ``SGD`` (and of its parameter groups, with ``lr``)."""

    momentum: float
    dampening: float
    weight_decay: float
    nesterov: bool


class SGD(Optimizer[M]):
    """Gradient descent, PyTorch's formulation (``torch.optim.SGD``).

    With ``g = grad + weight_decay * p``, the buffer ``b = g`` on the first
    step and ``b = momentum * b + (1 - dampening) * g`` after; the update is
    ``p -= lr * (g + momentum * b)`` with ``nesterov=True``, else
    ``p -= lr * b`` (``p -= lr * g`` without momentum).

    **Arguments:**

    - ``params``: a module, an iterable of tensors, or parameter groups.
    - ``lr``: learning rate (1e-3).
    - ``momentum``, ``dampening``, ``weight_decay``: as above (all 0 by default).
    - ``nesterov``: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    """

    _settings = table(
        momentum=(non_negative, 0.0),
        dampening=(real, 0.0),
        weight_decay=(non_negative, 0.0),
        nesterov=(flag, False),
    )
    _buffers = table(momentum_buffer=moment)

    @overload
    def __init__(
        self: SGD[M], params: M, lr: float = ..., **settings: Unpack[SGDSettings]
    ) -> None: ...
    @overload
    def __init__(
        self: SGD[NoModule], params: Params, lr: float = ..., **settings: Unpack[SGDSettings]
    ) -> None: ...
    def __init__(
        self, params: M | Params, lr: float = 1e-3, **settings: Unpack[SGDSettings]
    ) -> None:
        super().__init__(params, lr, settings)

    def _check_together(self, where: str, settings: GroupSettings) -> None:
        if settings["nesterov"] and (settings["momentum"] <= 0.0 or settings["dampening"] != 0.0):
            raise ValueError(f"{where}nesterov momentum needs momentum > 0 and dampening == 0")

    def _required_buffers(self, settings: GroupSettings) -> Iterable[str]:
        return ("momentum_buffer",) if settings["momentum"] else ()

    def _update(
        self, group: ParamGroup, data: Array, grad: Array, step: int, buffers: dict[str, Array]
    ) -> None:
        xp = kernels(data)  # numpy, or another library with out=
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay:
            grad = grad + weight_decay * data
        if not momentum:
            data -= lr * grad
            return
        buf = buffers.get("momentum_buffer")
        if buf is None:  # the first step starts the buffer at the gradient, as PyTorch does
            buf = buffers["momentum_buffer"] = xp.asarray(grad, dtype=data.dtype, copy=True)
        else:
            buf *= momentum
            buf += (1.0 - group["dampening"]) * grad
        data -= lr * (grad + momentum * buf) if group["nesterov"] else lr * buf
