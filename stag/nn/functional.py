"""Activations, the softmax family and losses, as functions of tensors.

PyTorch's placement with numpy's ``axis=`` keyword.  All of them are
composites of the engine's primitives except the softmax family, whose
stable forms are primitives of their own.
"""

from __future__ import annotations

from typing import Literal, TypeVar, overload

import numpy as np
from typing_extensions import TypeVarTuple

from stag._autograd import apply
from stag._dims import L1, AnyShape
from stag._errors import ShapeError
from stag._functions import relu, sigmoid, tanh
from stag._ops import movement
from stag._ops import reduce as R
from stag._tensor import Tensor

__all__ = [
    "cross_entropy", "log_softmax", "logsumexp", "mse_loss", "relu", "sigmoid", "softmax", "tanh",
]  # fmt: skip

S = TypeVarTuple("S")
B = TypeVarTuple("B")
C = TypeVar("C")
N = TypeVar("N")


def softmax(x: Tensor[*S], axis: int = -1) -> Tensor[*S]:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed without overflow."""
    return apply(R.softmax, x, axis=axis)


def log_softmax(x: Tensor[*S], axis: int = -1) -> Tensor[*S]:
    """``x - logsumexp(x)`` along ``axis``: log-probabilities, stable for large logits."""
    return apply(R.log_softmax, x, axis=axis)


@overload
def logsumexp(
    x: Tensor[*B, N], axis: Literal[-1] = -1, *, keepdims: Literal[False] = False
) -> Tensor[*B]: ...
@overload
def logsumexp(
    x: Tensor[*B, N], axis: Literal[-1] = -1, *, keepdims: Literal[True]
) -> Tensor[*B, L1]: ...
@overload
def logsumexp(
    x: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False
) -> Tensor[*B]: ...
@overload
def logsumexp(x: Tensor[*AnyShape], axis: int, *, keepdims: bool = False) -> Tensor[*AnyShape]: ...
def logsumexp(x: Tensor[*AnyShape], axis: int = -1, *, keepdims: bool = False) -> Tensor[*AnyShape]:
    """``log(sum(exp(x)))`` along ``axis``, shifted by the max so it never overflows."""
    return apply(R.logsumexp, x, axis=axis, keepdims=keepdims)


def mse_loss(pred: Tensor[*S], target: Tensor[*S]) -> Tensor[()]:
    """Mean squared error.  The shapes must be equal: no silent broadcast of
    ``(B, 1)`` against ``(B,)``."""
    if pred.shape != target.shape:
        raise ShapeError(f"mse_loss: pred and target shapes differ: {pred.shape} vs {target.shape}")
    diff = pred - target
    return (diff * diff).mean()


def cross_entropy(logits: Tensor[*B, C], labels: Tensor[*B]) -> Tensor[()]:
    """Mean negative log-likelihood of integer class ``labels`` under ``softmax(logits)``.

    **Arguments:** ``logits`` of shape ``(*B, C)``, float; ``labels`` of shape
    ``(*B,)``, integers in ``[0, C)``.
    **Returns:** a 0-d tensor.
    """
    ids = labels._data
    if logits._data.ndim == 0 or ids.shape != logits._data.shape[:-1]:
        raise ShapeError(
            f"cross_entropy: labels of shape {ids.shape} do not match logits of shape "
            f"{logits._data.shape} (expected labels of shape {logits._data.shape[:-1]})"
        )
    if ids.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integers, got {ids.dtype}")
    classes = logits._data.shape[-1]
    if ids.size and (ids.min() < 0 or ids.max() >= classes):
        raise ValueError(
            f"cross_entropy: labels must lie in [0, {classes}), got values in "
            f"[{ids.min()}, {ids.max()}]"
        )
    logp = apply(R.log_softmax, logits, axis=-1)
    picked = apply(movement.take_along_axis, logp, indices=np.expand_dims(ids, -1), axis=-1)
    return -apply(R.mean, picked, axis=None, keepdims=False)
