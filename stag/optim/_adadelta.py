"""Adadelta: steps scaled by running averages of squared gradients and squared steps."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack, overload

import numpy.typing as npt

from stag._backends import kernels
from stag.optim._optimizer import M, Optimizer, ParamGroup, zeros_buffer
from stag.optim._params import NoModule, Params
from stag.optim._settings import non_negative, square, table, unit

Array = npt.NDArray[Any]


class AdadeltaSettings(TypedDict, total=False):
    """The keyword settings of ``Adadelta`` (and of its parameter groups, with ``lr``)."""

    rho: float
    eps: float
    weight_decay: float


class Adadelta(Optimizer[M]):
    """Adadelta, PyTorch's formulation (``torch.optim.Adadelta``).

    With ``g = grad + weight_decay * p``, ``v = rho * v + (1 - rho) * g**2``,
    the step ``d = sqrt(u + eps) / sqrt(v + eps) * g`` and then
    ``u = rho * u + (1 - rho) * d**2``, the update is ``p -= lr * d``.

    **Arguments:**

    - ``params``: a module, an iterable of tensors, or parameter groups.
    - ``lr``: scales the step (1.0).
    - ``rho``: the smoothing constant of both averages, in [0, 1] (0.9).
    - ``eps``: added inside both square roots (1e-6).
    - ``weight_decay``: L2 penalty coefficient (0).
    """

    _settings = table(
        rho=(unit, 0.9),
        eps=(non_negative, 1e-6),
        weight_decay=(non_negative, 0.0),
    )
    _buffers = table(square_avg=square, acc_delta=square)

    @overload
    def __init__(
        self: Adadelta[M], params: M, lr: float = ..., **settings: Unpack[AdadeltaSettings]
    ) -> None: ...
    @overload
    def __init__(
        self: Adadelta[NoModule],
        params: Params,
        lr: float = ...,
        **settings: Unpack[AdadeltaSettings],
    ) -> None: ...
    def __init__(
        self, params: M | Params, lr: float = 1.0, **settings: Unpack[AdadeltaSettings]
    ) -> None:
        super().__init__(params, lr, settings)

    def _update(
        self, group: ParamGroup, data: Array, grad: Array, step: int, buffers: dict[str, Array]
    ) -> None:
        xp = kernels(data)  # numpy, or another library with out=
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * data
        v, u = zeros_buffer(buffers, "square_avg", data), zeros_buffer(buffers, "acc_delta", data)
        tmp = xp.multiply(grad, grad)  # scratch: first g**2, then the step d
        tmp *= 1.0 - rho
        v *= rho
        v += tmp
        std = v + eps  # the second scratch array
        xp.sqrt(std, out=std)
        xp.add(u, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp /= std
        tmp *= grad
        xp.multiply(tmp, tmp, out=std)
        std *= 1.0 - rho
        u *= rho
        u += std
        tmp *= group["lr"]
        data -= tmp
