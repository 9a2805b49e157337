"""Adagrad: steps divided by the root of all squared gradients so far (``torch.optim.Adagrad``)."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack, overload

import numpy.typing as npt

from stag._backends import kernels
from stag.optim._optimizer import M, Optimizer, ParamGroup
from stag.optim._params import NoModule, Params
from stag.optim._settings import non_negative, square, table

Array = npt.NDArray[Any]


class AdagradSettings(TypedDict, total=False):
    """The keyword settings of ``Adagrad`` (and of its parameter groups, with ``lr``)."""

    lr_decay: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float


class Adagrad(Optimizer[M]):
    """Adagrad, PyTorch's formulation.

    With ``g = grad + weight_decay * p``, the rate ``lr / (1 + (t - 1) * lr_decay)``
    at step ``t`` and the sum ``s += g**2`` (started at
    ``initial_accumulator_value``), the update is
    ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)``.

    **Arguments:**

    - ``params``: a module, an iterable of tensors, or parameter groups.
    - ``lr``: learning rate (1e-2).
    - ``lr_decay``: how fast the rate falls with the step count (0).
    - ``weight_decay``: L2 penalty coefficient (0).
    - ``initial_accumulator_value``: where the sum of squares starts (0).
    - ``eps``: added to the denominator (1e-10).
    """

    _settings = table(
        lr_decay=(non_negative, 0.0),
        weight_decay=(non_negative, 0.0),
        initial_accumulator_value=(non_negative, 0.0),
        eps=(non_negative, 1e-10),
    )
    _buffers = table(sum=square)

    @overload
    def __init__(
        self: Adagrad[M], params: M, lr: float = ..., **settings: Unpack[AdagradSettings]
    ) -> None: ...
    @overload
    def __init__(
        self: Adagrad[NoModule],
        params: Params,
        lr: float = ...,
        **settings: Unpack[AdagradSettings],
    ) -> None: ...
    def __init__(
        self, params: M | Params, lr: float = 1e-2, **settings: Unpack[AdagradSettings]
    ) -> None:
        super().__init__(params, lr, settings)

    def _update(
        self, group: ParamGroup, data: Array, grad: Array, step: int, buffers: dict[str, Array]
    ) -> None:
        xp = kernels(data)  # numpy, or another library with out=
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * data
        total = buffers.get("sum")
        if total is None:
            total = buffers["sum"] = xp.full_like(data, group["initial_accumulator_value"])
        tmp = xp.multiply(grad, grad)  # the one scratch array of the step
        total += tmp
        xp.sqrt(total, out=tmp)
        tmp += group["eps"]
        xp.divide(grad, tmp, out=tmp)
        tmp *= group["lr"] / (1.0 + (step - 1) * group["lr_decay"])
        data -= tmp
