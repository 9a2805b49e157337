"""Losses: predictions and targets whose shapes disagree, and the softmax family misused."""

from typing import Literal, NewType

import numpy as np

import stag
import stag.nn.functional as F
from stag import Tensor

L1 = Literal[1]
L10 = Literal[10]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)

n = Batch(4)
logits: Tensor[Batch, L10] = stag.randn(n, 10)
labels: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
seq_logits: Tensor[Batch, Seq, L10] = stag.randn(n, Seq(3), 10)
seq_labels: Tensor[Batch, Seq] = stag.zeros(n, Seq(3), dtype=np.int64)
other_labels: Tensor[Seq] = stag.zeros(Seq(3), dtype=np.int64)
pred: Tensor[Batch, L1] = stag.randn(n, 1)
target: Tensor[Batch] = stag.randn(n)

# (Batch, 1) against (Batch,) would broadcast to (Batch, Batch): rejected.
F.mse_loss(pred, target)  # E: arg-type
F.mse_loss(pred, pred.T)  # E: arg-type

F.cross_entropy(logits, seq_labels)  # E: arg-type
F.cross_entropy(seq_logits, labels)  # E: arg-type
F.cross_entropy(logits, other_labels)  # E: arg-type
F.cross_entropy(labels, logits)  # E: arg-type
F.cross_entropy(logits, logits.argmax(0))  # E: arg-type
# Labels are class indices, not a distribution over classes.
F.cross_entropy(logits, F.softmax(logits))  # E: arg-type
# The loss is the batch mean, not one value per sample.
per_sample: Tensor[Batch] = F.cross_entropy(logits, labels)  # E: assignment

row_sums: Tensor[Batch, L10] = F.softmax(logits).sum(-1)  # E: assignment
log_norm = F.logsumexp(logits)
logits - log_norm  # E: operator
