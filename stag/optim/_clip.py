"""Gradient clipping by the total norm of all gradients, as ``torch.nn.utils.clip_grad_norm_``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from stag._backends import namespace
from stag._tensor import Tensor
from stag.nn._module import Module

if TYPE_CHECKING:
    from stag._dims import AnyShape


def clip_grad_norm_(
    parameters: Module | Tensor[*AnyShape] | Iterable[Tensor[*AnyShape]],
    max_norm: float,
    norm_type: float = 2.0,
) -> float:
    """Scale every gradient by one factor so that their total norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients taken together
    (as if concatenated into one vector; ``math.inf`` for the largest
    magnitude).  When it exceeds ``max_norm`` each ``.grad`` is multiplied by
    ``max_norm / (total + 1e-6)``.  Parameters without a gradient are ignored.

    **Arguments:**

    - ``parameters``: a module, one tensor, or an iterable of tensors.
    - ``max_norm``: the largest total norm allowed.
    - ``norm_type``: the order of the norm (2 by default).

    **Returns:** the total norm before clipping, a Python float.
    """
    if isinstance(parameters, Tensor):
        tensors: list[Tensor[*AnyShape]] = [parameters]
    elif isinstance(parameters, Module):
        tensors = parameters.parameters()
    else:
        tensors = list(parameters)
    grads = [t._grad for t in tensors if t._grad is not None]
    if not grads:
        return 0.0
    total = _total_norm(grads, float(norm_type))
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for t in tensors:
            g = t.grad
            if g is not None:
                t.grad = g * coef  # a new array: .grad may be shared with a caller
    return total


def _total_norm(grads: list[npt.NDArray[Any]], norm_type: float) -> float:
    if type(grads[0]) is not np.ndarray:  # another library's: the standard's functions
        xp = namespace("clip_grad_norm_", *grads)
        if norm_type == math.inf:
            return max(float(xp.max(xp.abs(g))) if math.prod(g.shape) else 0.0 for g in grads)
        total = sum(float(xp.sum(xp.abs(g) ** norm_type)) for g in grads)
        return float(total ** (1.0 / norm_type))
    if norm_type == math.inf:
        return max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    if norm_type == 2.0:
        return math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    return float(sum(float(np.sum(np.abs(g) ** norm_type)) for g in grads) ** (1.0 / norm_type))
