"""Adam and AdamW (decoupled weight decay), PyTorch's formulas with bias correction."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, TypedDict, Unpack, overload

import numpy.typing as npt

from stag._backends import kernels
from stag.optim._optimizer import GroupSettings, M, Optimizer, ParamGroup, zeros_buffer
from stag.optim._params import NoModule, Params
from stag.optim._settings import flag, fraction_pair, moment, non_negative, square, table

Array = npt.NDArray[Any]


class AdamSettings(TypedDict, total=False):
    """The keyword settings of ``Adam`` and ``AdamW`` (and of their groups, with ``lr``)."""

    betas: tuple[float, float]
    eps: float
    weight_decay: float
    amsgrad: bool


class Adam(Optimizer[M]):
    """Adam: gradient steps scaled by running moment estimates (``torch.optim.Adam``).

    With ``g = grad + weight_decay * p`` (L2 penalty folded into the
    gradient), ``m = beta1 * m + (1 - beta1) * g``,
    ``v = beta2 * v + (1 - beta2) * g**2`` and the bias corrections
    ``m̂ = m / (1 - beta1**t)``, ``v̂ = v / (1 - beta2**t)``, the update is
    ``p -= lr * m̂ / (sqrt(v̂) + eps)``; with ``amsgrad=True`` the running
    maximum of ``v`` replaces ``v``.

    **Arguments:**

    - ``params``: a module, an iterable of tensors, or parameter groups.
    - ``lr``: learning rate (1e-3).
    - ``betas``: the moment decay rates ``(beta1, beta2)``, each in [0, 1) ((0.9, 0.999)).
    - ``eps``: added to the denominator (1e-8).
    - ``weight_decay``: L2 penalty coefficient (0).
    - ``amsgrad``: use the AMSGrad variant.
    """

    _settings = table(
        betas=(fraction_pair, (0.9, 0.999)),
        eps=(non_negative, 1e-8),
        weight_decay=(non_negative, 0.0),
        amsgrad=(flag, False),
    )
    _buffers = table(exp_avg=moment, exp_avg_sq=square, max_exp_avg_sq=square)
    _decoupled = False

    @overload
    def __init__(
        self: Adam[M], params: M, lr: float = ..., **settings: Unpack[AdamSettings]
    ) -> None: ...
    @overload
    def __init__(
        self: Adam[NoModule], params: Params, lr: float = ..., **settings: Unpack[AdamSettings]
    ) -> None: ...
    def __init__(
        self, params: M | Params, lr: float = 1e-3, **settings: Unpack[AdamSettings]
    ) -> None:
        super().__init__(params, lr, settings)

    def _required_buffers(self, settings: GroupSettings) -> Iterable[str]:
        both = ("exp_avg", "exp_avg_sq")
        return (*both, "max_exp_avg_sq") if settings["amsgrad"] else both

    def _update(
        self, group: ParamGroup, data: Array, grad: Array, step: int, buffers: dict[str, Array]
    ) -> None:
        xp = kernels(data)  # numpy, or another library with out=
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        if weight_decay:
            if self._decoupled:
                data *= 1.0 - lr * weight_decay
            else:
                grad = grad + weight_decay * data
        m, v = zeros_buffer(buffers, "exp_avg", data), zeros_buffer(buffers, "exp_avg_sq", data)
        tmp = grad * (1.0 - beta1)  # the one scratch array of the step
        m *= beta1
        m += tmp
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - beta2
        v *= beta2
        v += tmp
        if group["amsgrad"]:
            v = xp.maximum(
                zeros_buffer(buffers, "max_exp_avg_sq", data), v, out=buffers["max_exp_avg_sq"]
            )
        # p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps), as PyTorch does
        xp.sqrt(v, out=tmp)
        tmp /= math.sqrt(1.0 - beta2**step)
        tmp += group["eps"]
        xp.divide(m, tmp, out=tmp)
        tmp *= lr / (1.0 - beta1**step)
        data -= tmp


class AdamW(Adam[M]):
    """Adam with decoupled weight decay (``torch.optim.AdamW``).

    ``p *= 1 - lr * weight_decay`` before the Adam step, whose gradient has no
    L2 term.  The same arguments as ``Adam``; ``weight_decay`` defaults to 0.01.
    """

    _settings = table(**{**Adam._settings, "weight_decay": (non_negative, 1e-2)})
    _decoupled = True

    @overload
    def __init__(
        self: AdamW[M], params: M, lr: float = ..., **settings: Unpack[AdamSettings]
    ) -> None: ...
    @overload
    def __init__(
        self: AdamW[NoModule], params: Params, lr: float = ..., **settings: Unpack[AdamSettings]
    ) -> None: ...
    def __init__(
        self, params: M | Params, lr: float = 1e-3, **settings: Unpack[AdamSettings]
    ) -> None:
        Optimizer.__init__(self, params, lr, settings)  # Adam's overloads take one form each
