"""Losses, as functions of tensors (``stag.nn.functional``).

Each returns the mean over its batch as a 0-d tensor.  ``cross_entropy`` is one
primitive (log-softmax, pick and mean in one graph node); the others are composites.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from stag._creation import zeros_like
from stag._dims import AnyShape, B, S
from stag._errors import ShapeError
from stag._free_functions import stack
from stag._indexing import check_ids
from stag._operands import expect_tensor
from stag._ops import movement
from stag._ops import reduce as R
from stag._tensor import Tensor, apply

C = TypeVar("C")


def mse_loss(pred: Tensor[*S], target: Tensor[*S]) -> Tensor[()]:
    """Mean squared error.  The shapes must be equal: no silent broadcast of
    ``(B, 1)`` against ``(B,)``."""
    expect_tensor("mse_loss", pred, target)
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
    expect_tensor(name, scores, labels)
    ids = labels._data
    if scores._data.ndim == 0 or ids.shape != scores._data.shape[:-1]:
        raise ShapeError(
            f"{name}: labels of shape {ids.shape} do not match logits of shape "
            f"{scores._data.shape} (expected labels of shape {scores._data.shape[:-1]})"
        )
    check_ids(name, ids, scores._data.shape[-1], what="label")


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
    expect_tensor("binary_cross_entropy_with_logits", logits, targets)
    if logits.shape != targets.shape:
        raise ShapeError(
            "binary_cross_entropy_with_logits: logits and targets shapes differ: "
            f"{logits.shape} vs {targets.shape}"
        )
    pair = stack((zeros_like(logits), logits), axis=-1)
    softplus = apply(R.logsumexp, pair, axis=-1, keepdims=False)
    return (softplus - logits * targets).mean()
