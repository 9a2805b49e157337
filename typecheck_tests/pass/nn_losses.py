"""Losses as functions and as modules: shapes in, a 0-d loss out."""

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
