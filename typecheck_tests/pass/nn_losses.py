"""Losses as functions and as modules: shapes in, a 0-d loss out (or, with
`reduction="none"`, one loss per element or row: the literal picks the overload)."""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
import stag.nn.functional as F
from stag import Tensor, nn

L10 = Literal[10]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)

n = Batch(4)
logits: Tensor[Batch, L10] = stag.randn(n, 10)
labels: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
seq_logits: Tensor[Batch, Seq, L10] = stag.randn(n, Seq(3), 10)
seq_labels: Tensor[Batch, Seq] = stag.zeros(n, Seq(3), dtype=np.int64)
scores: Tensor[Batch] = stag.randn(n)
targets: Tensor[Batch] = stag.rand(n)

assert_type(F.nll_loss(F.log_softmax(logits), labels), Tensor[()])
assert_type(F.nll_loss(F.log_softmax(seq_logits), seq_labels), Tensor[()])
assert_type(F.binary_cross_entropy_with_logits(scores, targets), Tensor[()])
assert_type(F.binary_cross_entropy_with_logits(logits, F.sigmoid(logits)), Tensor[()])

assert_type(nn.MSELoss()(scores, targets), Tensor[()])
assert_type(nn.CrossEntropyLoss()(logits, labels), Tensor[()])
assert_type(nn.CrossEntropyLoss()(seq_logits, seq_labels), Tensor[()])
assert_type(nn.NLLLoss()(F.log_softmax(logits), labels), Tensor[()])
assert_type(nn.BCEWithLogitsLoss()(scores, targets), Tensor[()])

# The functional layers keep shapes.
assert_type(F.gelu(logits), Tensor[Batch, L10])
assert_type(F.dropout(seq_logits, 0.5, training=True), Tensor[Batch, Seq, L10])
w: Tensor[L10] = stag.ones(10)
assert_type(F.layer_norm(seq_logits, w, w), Tensor[Batch, Seq, L10])
assert_type(F.layer_norm(scores), Tensor[Batch])

# reduction="none" keeps the batch shape; "mean" and "sum" give a 0-d tensor.
assert_type(F.cross_entropy(logits, labels, reduction="none"), Tensor[Batch])
assert_type(F.cross_entropy(seq_logits, seq_labels, reduction="none"), Tensor[Batch, Seq])
assert_type(
    F.cross_entropy(logits, labels, ignore_index=0, reduction="sum", label_smoothing=0.1),
    Tensor[()],
)
assert_type(F.cross_entropy(logits, labels, label_smoothing=0.1), Tensor[()])
assert_type(F.nll_loss(F.log_softmax(seq_logits), seq_labels, reduction="none"), Tensor[Batch, Seq])
assert_type(F.nll_loss(F.log_softmax(logits), labels, ignore_index=3), Tensor[()])
assert_type(F.mse_loss(scores, targets, reduction="none"), Tensor[Batch])
assert_type(F.mse_loss(scores, targets, reduction="sum"), Tensor[()])
assert_type(
    F.binary_cross_entropy_with_logits(logits, F.sigmoid(logits), reduction="none"),
    Tensor[Batch, L10],
)

# The loss modules carry their reduction in their type.
per_token = nn.CrossEntropyLoss(reduction="none", ignore_index=0)
assert_type(per_token, nn.CrossEntropyLoss[Literal["none"]])
assert_type(per_token(seq_logits, seq_labels), Tensor[Batch, Seq])
assert_type(nn.CrossEntropyLoss(), nn.CrossEntropyLoss[Literal["mean", "sum"]])
assert_type(nn.CrossEntropyLoss(reduction="sum")(logits, labels), Tensor[()])
assert_type(nn.CrossEntropyLoss(label_smoothing=0.1)(seq_logits, seq_labels), Tensor[()])
assert_type(nn.NLLLoss(reduction="none")(F.log_softmax(logits), labels), Tensor[Batch])
assert_type(nn.MSELoss(reduction="none")(scores, targets), Tensor[Batch])
assert_type(nn.BCEWithLogitsLoss(reduction="none")(scores, targets), Tensor[Batch])
default_loss: nn.CrossEntropyLoss = nn.CrossEntropyLoss()  # the bare name: a reduced loss
assert_type(default_loss(logits, labels), Tensor[()])


class Tagger(nn.Module):
    """A module holding an unreduced loss as an attribute keeps its type."""

    def __init__(self) -> None:
        self.loss = nn.CrossEntropyLoss(reduction="none")

    def __call__(self, logits: Tensor[Batch, Seq, L10], tags: Tensor[Batch, Seq]) -> Tensor[()]:
        per_tag = self.loss(logits, tags)
        assert_type(per_tag, Tensor[Batch, Seq])
        return per_tag.mean()


assert_type(Tagger()(seq_logits, seq_labels), Tensor[()])
