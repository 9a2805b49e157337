"""Adam and AdamW (decoupled weight decay), PyTorch's formulas with bias correction."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from stag.optim._optimizer import M, Optimizer

Array = npt.NDArray[Any]


class Adam(Optimizer[M]):
    """Adam: gradient steps scaled by running moment estimates.

    With ``g = grad + weight_decay * p`` (L2 penalty folded into the
    gradient), ``m = beta1 * m + (1 - beta1) * g``,
    ``v = beta2 * v + (1 - beta2) * g**2`` and the bias corrections
    ``m̂ = m / (1 - beta1**t)``, ``v̂ = v / (1 - beta2**t)``, the update is
    ``p -= lr * m̂ / (sqrt(v̂) + eps)``; with ``amsgrad=True`` the running
    maximum of ``v`` replaces ``v``.

    **Arguments:**

    - ``module``: the model whose parameters are trained.
    - ``lr``: learning rate (1e-3).
    - ``betas``: the moment decay rates ``(beta1, beta2)`` ((0.9, 0.999)).
    - ``eps``: added to the denominator (1e-8).
    - ``weight_decay``: L2 penalty coefficient (0).
    - ``amsgrad``: use the AMSGrad variant.
    """

    _hyperparam_names = ("beta1", "beta2", "eps", "weight_decay", "amsgrad")
    _buffer_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _decoupled = False

    def __init__(
        self,
        module: M,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(module, lr)
        beta1, beta2 = betas
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {betas}")
        if eps < 0.0 or weight_decay < 0.0:
            raise ValueError(
                f"{type(self).__name__}: eps and weight_decay must be >= 0, "
                f"got {eps}, {weight_decay}"
            )
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.amsgrad = bool(amsgrad)

    @property
    def betas(self) -> tuple[float, float]:
        return (self.beta1, self.beta2)

    def _update(
        self, data: Array, grad: Array, step: int, buffers: dict[str, Array] | None
    ) -> dict[str, Array] | None:
        lr, beta1, beta2 = self.lr, self.beta1, self.beta2
        if self.weight_decay:
            if self._decoupled:
                data *= 1.0 - lr * self.weight_decay
            else:
                grad = grad + self.weight_decay * data
        if buffers is None:
            buffers = {"exp_avg": np.zeros_like(data), "exp_avg_sq": np.zeros_like(data)}
            if self.amsgrad:
                buffers["max_exp_avg_sq"] = np.zeros_like(data)
        m, v = buffers["exp_avg"], buffers["exp_avg_sq"]
        tmp = grad * (1.0 - beta1)  # the one scratch array of the step
        m *= beta1
        m += tmp
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - beta2
        v *= beta2
        v += tmp
        if self.amsgrad:
            v = np.maximum(buffers["max_exp_avg_sq"], v, out=buffers["max_exp_avg_sq"])
        # p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps), as PyTorch does
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(1.0 - beta2**step)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / (1.0 - beta1**step)
        data -= tmp
        return buffers


class AdamW(Adam[M]):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` before the Adam step.

    The same arguments as ``Adam``; ``weight_decay`` defaults to 0.01.
    """

    _decoupled = True

    def __init__(
        self,
        module: M,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(module, lr, betas, eps, weight_decay, amsgrad)
