"""A leading batch of 7 models, carried through matmul, bias add, reductions and losses."""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
import stag.nn.functional as F
from stag import Tensor

L1 = Literal[1]
L7 = Literal[7]
L10 = Literal[10]
L784 = Literal[784]
Batch = NewType("Batch", int)
Hid = NewType("Hid", int)

n = Batch(4)
h = Hid(16)
x: Tensor[L7, Batch, L784] = stag.randn(7, n, 784)
w: Tensor[L784, Hid] = stag.randn(784, h)
b: Tensor[Hid] = stag.zeros(h)
per_model_w: Tensor[L7, Hid, L10] = stag.randn(7, h, 10)
labels: Tensor[L7, Batch] = stag.zeros(7, n, dtype=np.int64)

hidden = x @ w + b
assert_type(x @ w, Tensor[L7, Batch, Hid])
assert_type(hidden, Tensor[L7, Batch, Hid])
logits = hidden.relu() @ per_model_w
assert_type(logits, Tensor[L7, Batch, L10])

# Reductions at axis -1 keep the prefix; at axis 0 they drop it.
assert_type(hidden.sum(-1), Tensor[L7, Batch])
assert_type(hidden.mean(-1, keepdims=True), Tensor[L7, Batch, L1])
assert_type(hidden - hidden.mean(-1, keepdims=True), Tensor[L7, Batch, Hid])
assert_type(hidden.max(axis=0), Tensor[Batch, Hid])
assert_type(logits.argmax(-1), Tensor[L7, Batch])
assert_type(F.logsumexp(logits), Tensor[L7, Batch])
assert_type(F.softmax(logits), Tensor[L7, Batch, L10])

# The loss averages over the whole prefix.
assert_type(F.cross_entropy(logits, labels), Tensor[()])
# One row of the prefix is one model's output.
assert_type(logits[0], Tensor[Batch, L10])
assert_type(logits.swapaxes(0, 1), Tensor[Batch, L7, L10])
