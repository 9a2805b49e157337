"""Losses and modules misused: shapes that disagree, a model used with the wrong input."""

from typing import Literal, NewType

import numpy as np

import stag
import stag.nn.functional as F
from stag import Tensor, nn

L1 = Literal[1]
L10 = Literal[10]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
In = NewType("In", int)
Out = NewType("Out", int)

n = Batch(4)
logits: Tensor[Batch, L10] = stag.randn(n, 10)
labels: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
seq_labels: Tensor[Batch, Seq] = stag.zeros(n, Seq(3), dtype=np.int64)
scores: Tensor[Batch, L1] = stag.randn(n, 1)
targets: Tensor[Batch] = stag.rand(n)

F.nll_loss(logits, seq_labels)  # E: arg-type
F.nll_loss(labels, logits)  # E: arg-type
# (Batch, 1) against (Batch,) would broadcast to (Batch, Batch): rejected.
F.binary_cross_entropy_with_logits(scores, targets)  # E: arg-type
nn.BCEWithLogitsLoss()(scores, targets)  # E: arg-type
nn.MSELoss()(scores, targets)  # E: arg-type
nn.CrossEntropyLoss()(logits, seq_labels)  # E: arg-type
nn.NLLLoss()(logits, logits)  # E: arg-type
per_sample: Tensor[Batch] = nn.CrossEntropyLoss()(logits, labels)  # E: assignment
# reduction: a literal picks the result; "none" keeps the batch shape, the others do not.
total: Tensor[Batch] = F.cross_entropy(logits, labels, reduction="sum")  # E: assignment
scalar: Tensor[()] = F.cross_entropy(logits, labels, reduction="none")  # E: assignment
F.cross_entropy(logits, labels, reduction="avg")  # E: call-overload
F.cross_entropy(logits, labels, -100)  # E: call-overload
wrong_seq: Tensor[Batch] = F.nll_loss(logits, seq_labels, reduction="none")  # E: call-overload


def any_reduction(reduction: str) -> None:
    F.mse_loss(scores, scores, reduction=reduction)  # E: call-overload


nn.CrossEntropyLoss(reduction="avg")  # E: call-overload
reduced: Tensor[()] = nn.CrossEntropyLoss(reduction="none")(logits, labels)  # E: assignment
none_mse: Tensor[()] = nn.MSELoss(reduction="none")(targets, targets)  # E: assignment
F.layer_norm(logits, stag.ones(Seq(3)))  # E: arg-type


class Head(nn.Module):
    def __init__(self) -> None:
        self.proj = nn.Linear(In(8), Out(2))

    def __call__(self, x: Tensor[Batch, In]) -> Tensor[Batch, Out]:
        return self.proj(x)


head = Head()
unbatched: Tensor[In] = stag.randn(In(8))
outputs: Tensor[Batch, Out] = stag.randn(n, Out(2))
inputs: Tensor[Batch, In] = stag.randn(n, In(8))
head(unbatched)  # E: arg-type
head(outputs)  # E: arg-type
inputs @ head.proj.weight.T  # E: operator
wrong: Tensor[Batch, In] = head(inputs)  # E: assignment
