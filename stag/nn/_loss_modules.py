"""Loss modules: ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss``.

Each holds its settings and calls its function in ``stag.nn.functional``.
"""

from __future__ import annotations

from typing import TypeVar

from stag._dims import B, S
from stag._tensor import Tensor
from stag.nn import functional as F
from stag.nn._module import Module

C = TypeVar("C")


class MSELoss(Module):
    """``F.mse_loss`` as a module: mean squared error of two tensors of one shape.

    **Arguments:** ``pred`` and ``target`` of shape ``(*S)``.  **Returns:** a 0-d tensor.
    """

    def __call__(self, pred: Tensor[*S], target: Tensor[*S]) -> Tensor[()]:
        return F.mse_loss(pred, target)


class CrossEntropyLoss(Module):
    """``F.cross_entropy`` as a module: logits ``(*B, C)``, integer labels ``(*B,)``.

    **Returns:** the mean loss, a 0-d tensor.
    """

    def __call__(self, logits: Tensor[*B, C], labels: Tensor[*B]) -> Tensor[()]:
        return F.cross_entropy(logits, labels)


class NLLLoss(Module):
    """``F.nll_loss`` as a module: log-probabilities ``(*B, C)``, integer labels ``(*B,)``.

    **Returns:** the mean loss, a 0-d tensor.
    """

    def __call__(self, log_probs: Tensor[*B, C], labels: Tensor[*B]) -> Tensor[()]:
        return F.nll_loss(log_probs, labels)


class BCEWithLogitsLoss(Module):
    """``F.binary_cross_entropy_with_logits`` as a module: logits and targets of one shape.

    **Returns:** the mean loss, a 0-d tensor.
    """

    def __call__(self, logits: Tensor[*S], targets: Tensor[*S]) -> Tensor[()]:
        return F.binary_cross_entropy_with_logits(logits, targets)
