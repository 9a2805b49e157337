"""The softmax family and the losses: shapes in, a 0-d loss out.

`mse_loss` takes two tensors of one shape; `cross_entropy` takes logits `(*B, C)` and
integer labels `(*B,)`, with any batch prefix `*B`.
"""

from typing import Literal, NewType, assert_type

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
pred: Tensor[Batch, L1] = stag.randn(n, 1)
target: Tensor[Batch] = stag.randn(n)

# softmax / log_softmax keep the shape, along any axis.
assert_type(F.softmax(logits), Tensor[Batch, L10])
assert_type(F.log_softmax(logits, axis=0), Tensor[Batch, L10])
assert_type(F.softmax(seq_logits, axis=-1), Tensor[Batch, Seq, L10])
assert_type(F.relu(F.tanh(F.sigmoid(logits))), Tensor[Batch, L10])

# logsumexp reduces the last axis (by default) or the first.
assert_type(F.logsumexp(logits), Tensor[Batch])
assert_type(F.logsumexp(logits, keepdims=True), Tensor[Batch, L1])
assert_type(F.logsumexp(logits, 0), Tensor[L10])
assert_type(logits - F.logsumexp(logits, keepdims=True), Tensor[Batch, L10])

# Losses are 0-d.
assert_type(F.mse_loss(pred, pred.detach()), Tensor[()])
assert_type(F.mse_loss(pred.squeeze(-1), target), Tensor[()])
assert_type(F.cross_entropy(logits, labels), Tensor[()])
assert_type(F.cross_entropy(seq_logits, seq_labels), Tensor[()])
# Predicted classes are labels of the right shape.
assert_type(F.cross_entropy(logits, logits.argmax(-1)), Tensor[()])
