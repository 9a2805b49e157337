"""Losses, as functions of tensors (``stag.nn.functional``), with PyTorch's options.

Each takes ``reduction``: ``"mean"`` (the default) and ``"sum"`` give a 0-d tensor,
``"none"`` the per-element (or per-row) losses, typed by overloads on the literal.
``cross_entropy`` and ``nll_loss`` take ``ignore_index`` (labels equal to it count
for nothing, in the mean's divisor neither) and ``cross_entropy`` takes
``label_smoothing``.  With the default arguments and no ignored label,
``cross_entropy`` is one primitive (log-softmax, pick and mean in one graph node:
it runs on every training step); every other case is a composite.
"""

from __future__ import annotations

import math
from typing import Literal, TypeVar, overload

import numpy as np

from stag._autograd import Array
from stag._backends import like, to_numpy
from stag._creation import zeros_like
from stag._dims import AnyShape, B, S
from stag._errors import ShapeError
from stag._free_functions import stack, where
from stag._operands import expect_tensor
from stag._ops import movement
from stag._ops import reduce as R
from stag._tensor import Tensor, apply

C = TypeVar("C")
Reduction = Literal["mean", "sum", "none"]
#: the reductions to a 0-d tensor
Reduced = Literal["mean", "sum"]
#: the reduction that keeps one loss per element (row)
NoReduction = Literal["none"]


@overload
def mse_loss(
    pred: Tensor[*S], target: Tensor[*S], *, reduction: Reduced = "mean"
) -> Tensor[()]: ...
@overload
def mse_loss(pred: Tensor[*S], target: Tensor[*S], *, reduction: NoReduction) -> Tensor[*S]: ...
def mse_loss(
    pred: Tensor[*S], target: Tensor[*S], *, reduction: Reduction = "mean"
) -> Tensor[*AnyShape]:
    """Squared error, ``(pred - target) ** 2``, reduced.

    The shapes must be equal: no silent broadcast of ``(B, 1)`` against ``(B,)``.

    **Arguments:** ``pred`` and ``target`` of one shape; ``reduction``.
    **Returns:** a 0-d tensor, or ``pred``'s shape with ``reduction="none"``.
    """
    check_reduction("mse_loss", reduction)
    expect_tensor("mse_loss", pred, target)
    if pred.shape != target.shape:
        raise ShapeError(f"mse_loss: pred and target shapes differ: {pred.shape} vs {target.shape}")
    diff = pred - target
    return _reduce(diff * diff, reduction)


@overload
def cross_entropy(
    logits: Tensor[*B, C],
    labels: Tensor[*B],
    *,
    ignore_index: int = -100,
    reduction: Reduced = "mean",
    label_smoothing: float = 0.0,
) -> Tensor[()]: ...
@overload
def cross_entropy(
    logits: Tensor[*B, C],
    labels: Tensor[*B],
    *,
    ignore_index: int = -100,
    reduction: NoReduction,
    label_smoothing: float = 0.0,
) -> Tensor[*B]: ...
def cross_entropy(
    logits: Tensor[*B, C],
    labels: Tensor[*B],
    *,
    ignore_index: int = -100,
    reduction: Reduction = "mean",
    label_smoothing: float = 0.0,
) -> Tensor[*AnyShape]:
    """Negative log-likelihood of integer class ``labels`` under ``softmax(logits)``.

    With ``label_smoothing`` ε a row's loss is ``(1 - ε) * nll + ε * mean_c(-log p_c)``:
    the target is ``1 - ε`` on the label and ε spread evenly over all ``C`` classes, as
    PyTorch's.

    **Arguments:**
    - ``logits``: ``(*B, C)``, float.
    - ``labels``: ``(*B,)``, integers in ``[0, C)`` or equal to ``ignore_index``.
    - ``ignore_index``: rows with this label add 0 and are left out of the mean.
    - ``reduction``: ``"mean"`` over the rows that count, ``"sum"``, or ``"none"``.
    - ``label_smoothing``: ε in [0, 1].

    **Returns:** a 0-d tensor, or ``(*B,)`` with ``reduction="none"`` (0 where ignored).
    """
    check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing}"
        )
    keep = _counted("cross_entropy", logits, labels, ignore_index)
    if keep is None and reduction == "mean" and label_smoothing == 0.0:
        return apply(R.cross_entropy, logits, ids=labels._data)  # the training step's path
    logp = apply(R.log_softmax, logits, axis=-1)
    return _picked_nll(logp, labels._data, keep, reduction, label_smoothing)


@overload
def nll_loss(
    log_probs: Tensor[*B, C],
    labels: Tensor[*B],
    *,
    ignore_index: int = -100,
    reduction: Reduced = "mean",
) -> Tensor[()]: ...
@overload
def nll_loss(
    log_probs: Tensor[*B, C],
    labels: Tensor[*B],
    *,
    ignore_index: int = -100,
    reduction: NoReduction,
) -> Tensor[*B]: ...
def nll_loss(
    log_probs: Tensor[*B, C],
    labels: Tensor[*B],
    *,
    ignore_index: int = -100,
    reduction: Reduction = "mean",
) -> Tensor[*AnyShape]:
    """``-log_probs[..., label]``, reduced: the loss after an explicit ``log_softmax``.

    ``nll_loss(log_softmax(logits), labels)`` equals ``cross_entropy(logits, labels)``.

    **Arguments:** ``log_probs`` of shape ``(*B, C)``, float; ``labels`` of shape
    ``(*B,)``, integers in ``[0, C)`` or equal to ``ignore_index``; ``reduction``.
    **Returns:** a 0-d tensor, or ``(*B,)`` with ``reduction="none"`` (0 where ignored).
    """
    check_reduction("nll_loss", reduction)
    keep = _counted("nll_loss", log_probs, labels, ignore_index)
    return _picked_nll(log_probs, labels._data, keep, reduction, 0.0)


@overload
def binary_cross_entropy_with_logits(
    logits: Tensor[*S], targets: Tensor[*S], *, reduction: Reduced = "mean"
) -> Tensor[()]: ...
@overload
def binary_cross_entropy_with_logits(
    logits: Tensor[*S], targets: Tensor[*S], *, reduction: NoReduction
) -> Tensor[*S]: ...
def binary_cross_entropy_with_logits(
    logits: Tensor[*S], targets: Tensor[*S], *, reduction: Reduction = "mean"
) -> Tensor[*AnyShape]:
    """Binary cross-entropy of ``targets`` in [0, 1] under ``sigmoid(logits)``, reduced.

    Computed as ``softplus(x) - x * t`` with ``softplus(x) = logsumexp([0, x])``:
    finite and smooth for logits of any magnitude.

    **Arguments:** ``logits`` and ``targets`` of one shape (floats); ``reduction``.
    **Returns:** a 0-d tensor, or ``logits``' shape with ``reduction="none"``.
    """
    check_reduction("binary_cross_entropy_with_logits", reduction)
    expect_tensor("binary_cross_entropy_with_logits", logits, targets)
    if logits.shape != targets.shape:
        raise ShapeError(
            "binary_cross_entropy_with_logits: logits and targets shapes differ: "
            f"{logits.shape} vs {targets.shape}"
        )
    pair = stack((zeros_like(logits), logits), axis=-1)
    softplus = apply(R.logsumexp, pair, axis=-1, keepdims=False)
    return _reduce(softplus - logits * targets, reduction)


# ------------------------------------------------------------------ shared pieces
def check_reduction(name: str, reduction: object) -> None:
    """A ``ValueError`` naming ``name`` unless ``reduction`` is one of PyTorch's three."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(losses: Tensor[*AnyShape], reduction: Reduction) -> Tensor[*AnyShape]:
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _picked_nll(
    logp: Tensor[*AnyShape], ids: Array, keep: Array | None, reduction: Reduction, smoothing: float
) -> Tensor[*AnyShape]:
    """Each row's ``-logp[label]`` (smoothed), 0 where ``keep`` is False, then reduced."""
    ids = to_numpy(ids)  # the gather's indices are made on the host (and moved by apply)
    safe = ids if keep is None else np.where(keep, ids, 0)  # an ignored label picks class 0
    picked = apply(movement.take_along_axis, logp, indices=np.expand_dims(safe, -1), axis=-1)
    losses = -apply(movement.squeeze, picked, axis=-1)
    if smoothing:
        losses = losses * (1.0 - smoothing) - logp.mean(-1) * smoothing
    if keep is not None:
        losses = where(Tensor(like(keep, losses._data)), losses, 0.0)
    if reduction != "mean":
        return _reduce(losses, reduction)
    counted = ids.size if keep is None else int(keep.sum())
    # nothing counted: NaN, as PyTorch (a multiply, so that the gradient stays 0 without warnings)
    return losses.sum() / counted if counted else losses.sum() * math.nan


def _counted(
    name: str, scores: Tensor[*AnyShape], labels: Tensor[*AnyShape], ignore_index: int
) -> Array | None:
    """The rows whose label counts (a bool array), or None when every label is a class."""
    expect_tensor(name, scores, labels)
    ids, shape = to_numpy(labels._data), scores._data.shape  # on the host for the checks
    if not shape or ids.shape != shape[:-1]:
        raise ShapeError(
            f"{name}: labels of shape {ids.shape} do not match logits of shape {shape} "
            f"(expected labels of shape {shape[:-1]})"
        )
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name}: labels must be integers, got dtype {ids.dtype}")
    classes = shape[-1]
    lowest, highest = (ids.min(), ids.max()) if ids.size else (0, 0)
    if 0 <= lowest and highest < classes and not lowest <= ignore_index <= highest:
        return None
    keep: Array = ids != ignore_index
    bad = ids[keep & ((ids < 0) | (ids >= classes))]
    if bad.size:
        raise IndexError(
            f"{name}: label {int(bad[0])} is out of range: labels must lie in [0, {classes}) "
            f"or equal ignore_index ({ignore_index})"
        )
    return keep
