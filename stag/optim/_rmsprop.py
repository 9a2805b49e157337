"""RMSprop, plain or centered, with momentum: PyTorch's formulas (``torch.optim.RMSprop``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict, Unpack, overload

import numpy.typing as npt

from stag._backends import kernels
from stag.optim._optimizer import GroupSettings, M, Optimizer, ParamGroup, zeros_buffer
from stag.optim._params import NoModule, Params
from stag.optim._settings import flag, moment, non_negative, square, table, unit

Array = npt.NDArray[Any]


class RMSpropSettings(TypedDict, total=False):
    """The keyword settings of ``RMSprop`` (and of its parameter groups, with ``lr``)."""

    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: bool


class RMSprop(Optimizer[M]):
    """Gradient steps divided by a running root mean square of the gradient.

    With ``g = grad + weight_decay * p``, ``v = alpha * v + (1 - alpha) * g**2``
    and ``s = sqrt(v)`` (``centered``: ``a = alpha * a + (1 - alpha) * g`` and
    ``s = sqrt(v - a**2)``, the gradient's variance), the update is
    ``p -= lr * g / (s + eps)``; with momentum, ``b = momentum * b + g / (s + eps)``
    and ``p -= lr * b``.

    **Arguments:**

    - ``params``: a module, an iterable of tensors, or parameter groups.
    - ``lr``: learning rate (1e-2).
    - ``alpha``: the smoothing constant, in [0, 1] (0.99).
    - ``eps``: added to the denominator (1e-8).
    - ``weight_decay``: L2 penalty coefficient (0).
    - ``momentum``: momentum factor (0).
    - ``centered``: divide by the gradient's estimated standard deviation instead.
    """

    _settings = table(
        alpha=(unit, 0.99),
        eps=(non_negative, 1e-8),
        weight_decay=(non_negative, 0.0),
        momentum=(non_negative, 0.0),
        centered=(flag, False),
    )
    _buffers = table(square_avg=square, grad_avg=moment, momentum_buffer=moment)

    @overload
    def __init__(
        self: RMSprop[M], params: M, lr: float = ..., **settings: Unpack[RMSpropSettings]
    ) -> None: ...
    @overload
    def __init__(
        self: RMSprop[NoModule],
        params: Params,
        lr: float = ...,
        **settings: Unpack[RMSpropSettings],
    ) -> None: ...
    def __init__(
        self, params: M | Params, lr: float = 1e-2, **settings: Unpack[RMSpropSettings]
    ) -> None:
        super().__init__(params, lr, settings)

    def _required_buffers(self, settings: GroupSettings) -> Iterable[str]:
        centered = ("grad_avg",) if settings["centered"] else ()
        return ("square_avg", *centered, *(("momentum_buffer",) if settings["momentum"] else ()))

    def _update(
        self, group: ParamGroup, data: Array, grad: Array, step: int, buffers: dict[str, Array]
    ) -> None:
        xp = kernels(data)  # numpy, or another library with out=
        alpha, weight_decay = group["alpha"], group["weight_decay"]
        if weight_decay:
            grad = grad + weight_decay * data
        v = zeros_buffer(buffers, "square_avg", data)
        tmp = xp.multiply(grad, grad)  # the one scratch array of the step
        tmp *= 1.0 - alpha
        v *= alpha
        v += tmp
        if group["centered"]:
            a = _lerp(zeros_buffer(buffers, "grad_avg", data), grad, 1.0 - alpha, tmp)
            xp.multiply(a, a, out=tmp)
            xp.subtract(v, tmp, out=tmp)
            # where the variance is 0, rounding can leave v - a**2 a hair below 0, and
            # PyTorch's sqrt writes NaN into the parameter: 0 is what it stands for
            xp.maximum(tmp, 0.0, out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(v, out=tmp)
        tmp += group["eps"]
        xp.divide(grad, tmp, out=tmp)
        if group["momentum"] > 0.0:
            buf = zeros_buffer(buffers, "momentum_buffer", data)
            buf *= group["momentum"]
            buf += tmp
            xp.multiply(buf, group["lr"], out=tmp)
        else:
            tmp *= group["lr"]
        data -= tmp


def _lerp(a: Array, g: Array, weight: float, tmp: Array) -> Array:
    """``a += weight * (g - a)`` in place, rounded as ``torch.lerp`` (exactly ``g`` at weight 1)."""
    xp = kernels(a)
    xp.subtract(g, a, out=tmp)
    if weight < 0.5:
        tmp *= weight
        a += tmp
    else:
        tmp *= 1.0 - weight
        xp.subtract(g, tmp, out=a)
    return a
