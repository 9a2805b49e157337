"""Activations, the softmax family and losses, as functions of tensors.

PyTorch's placement with numpy's ``axis=`` keyword.  All of them are
composites of the engine's primitives except the softmax family, whose
stable forms are primitives of their own.
"""

from __future__ import annotations

import math
from typing import Literal, TypeVar, overload

import numpy as np
from typing_extensions import TypeVarTuple

from stag._autograd import apply
from stag._creation import Generator, default_generator, zeros_like
from stag._dims import L1, AnyShape
from stag._errors import ShapeError
from stag._functions import relu, sigmoid, stack, tanh
from stag._ops import movement
from stag._ops import reduce as R
from stag._tensor import Tensor
from stag.nn._conv_functional import conv2d, max_pool2d

__all__ = [
    "binary_cross_entropy_with_logits", "conv2d", "cross_entropy", "dropout", "gelu",
    "layer_norm", "log_softmax", "logsumexp", "max_pool2d", "mse_loss", "nll_loss", "relu",
    "sigmoid", "softmax", "tanh",
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
    _check_labels("cross_entropy", logits, labels)
    return apply(R.cross_entropy, logits, ids=labels._data)


def nll_loss(log_probs: Tensor[*B, C], labels: Tensor[*B]) -> Tensor[()]:
    """Mean of ``-log_probs[..., label]``: the loss after an explicit ``log_softmax``.

    ``nll_loss(log_softmax(logits), labels)`` equals ``cross_entropy(logits, labels)``.

    **Arguments:** ``log_probs`` of shape ``(*B, C)``, float; ``labels`` of
    shape ``(*B,)``, integers in ``[0, C)``.
    **Returns:** a 0-d tensor.
    """
    _check_labels("nll_loss", log_probs, labels)
    return _mean_picked_nll(log_probs, labels)


def _check_labels(name: str, scores: Tensor[*AnyShape], labels: Tensor[*AnyShape]) -> None:
    ids = labels._data
    if scores._data.ndim == 0 or ids.shape != scores._data.shape[:-1]:
        raise ShapeError(
            f"{name}: labels of shape {ids.shape} do not match logits of shape "
            f"{scores._data.shape} (expected labels of shape {scores._data.shape[:-1]})"
        )
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name}: labels must be integers, got {ids.dtype}")
    classes = scores._data.shape[-1]
    if ids.size and (ids.min() < 0 or ids.max() >= classes):
        raise ValueError(
            f"{name}: labels must lie in [0, {classes}), got values in [{ids.min()}, {ids.max()}]"
        )


def _mean_picked_nll(logp: Tensor[*AnyShape], labels: Tensor[*AnyShape]) -> Tensor[()]:
    ids = np.expand_dims(labels._data, -1)
    picked = apply(movement.take_along_axis, logp, indices=ids, axis=-1)
    return -apply(R.mean, picked, axis=None, keepdims=False)


def binary_cross_entropy_with_logits(logits: Tensor[*S], targets: Tensor[*S]) -> Tensor[()]:
    """Mean binary cross-entropy of ``targets`` in [0, 1] under ``sigmoid(logits)``.

    Computed as ``softplus(x) - x * t`` with ``softplus(x) = logsumexp([0, x])``:
    finite and smooth for logits of any magnitude.

    **Arguments:** ``logits`` and ``targets`` of one shape (floats).
    **Returns:** a 0-d tensor.
    """
    if logits.shape != targets.shape:
        raise ShapeError(
            "binary_cross_entropy_with_logits: logits and targets shapes differ: "
            f"{logits.shape} vs {targets.shape}"
        )
    pair = stack((zeros_like(logits), logits), axis=-1)
    softplus = apply(R.logsumexp, pair, axis=-1, keepdims=False)
    return (softplus - logits * targets).mean()


_GELU_C = math.sqrt(2.0 / math.pi)


def gelu(x: Tensor[*S]) -> Tensor[*S]:
    """GELU, ``x * Phi(x)``, in its tanh approximation (PyTorch's ``approximate="tanh"``).

    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``; it differs
    from the erf form by less than 1e-3.
    """
    inner = (x + x * x * x * 0.044715) * _GELU_C
    return x * (inner.tanh() + 1.0) * 0.5


def dropout(
    x: Tensor[*S], p: float = 0.5, training: bool = True, *, generator: Generator | None = None
) -> Tensor[*S]:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The identity when ``training`` is False or ``p == 0``.

    **Arguments:** ``x`` of any shape; ``p`` in [0, 1]; ``generator`` for a
    reproducible mask.
    **Returns:** a tensor of ``x``'s shape.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must lie in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    rng = (generator or default_generator).rng
    keep = rng.random(x._data.shape) >= p
    scale = np.zeros((), x._data.dtype) if p == 1.0 else np.asarray(1.0 / (1.0 - p), x._data.dtype)
    return x * Tensor(keep * scale)


def layer_norm(
    x: Tensor[*B, N],
    weight: Tensor[N] | None = None,
    bias: Tensor[N] | None = None,
    eps: float = 1e-5,
) -> Tensor[*B, N]:
    """Normalise the last axis to zero mean and unit (biased) variance, then scale and shift.

    **Arguments:** ``x`` of shape ``(*B, N)``; optional ``weight`` and ``bias``
    of shape ``(N,)``; ``eps`` added to the variance.
    **Returns:** a tensor of shape ``(*B, N)``.
    """
    centered = x - x.mean(-1, keepdims=True)
    variance = (centered * centered).mean(-1, keepdims=True)
    y = centered / (variance + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y
