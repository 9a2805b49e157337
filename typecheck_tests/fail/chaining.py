"""A 2-layer MLP with the usual slips: a swapped weight, a wrong bias, swapped batch dims."""

from typing import Literal, NewType

import numpy as np

import stag
import stag.nn.functional as F
from stag import Tensor

L10 = Literal[10]
L784 = Literal[784]
Batch = NewType("Batch", int)
Hid = NewType("Hid", int)

n = Batch(8)
h = Hid(32)
x: Tensor[Batch, L784] = stag.randn(n, 784)
x_t: Tensor[L784, Batch] = stag.randn(784, n)
y: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
w1: Tensor[L784, Hid] = stag.randn(784, h)
b1: Tensor[Hid] = stag.zeros(h)
w2: Tensor[Hid, L10] = stag.randn(h, 10)
b2: Tensor[L10] = stag.zeros(10)
hidden = (x @ w1 + b1).relu()
logits = hidden @ w2 + b2


def forward(x: Tensor[Batch, L784]) -> Tensor[Batch, L10]:
    return stag.relu(x @ w1 + b1) @ w2 + b2


def forward_skipping_layer(x: Tensor[Batch, L784]) -> Tensor[Batch, L10]:
    features = stag.relu(x @ w1 + b1)
    return features  # E: return-value


hidden @ w2.T  # E: operator
x @ w1 + b2  # E: operator
hidden @ w1  # E: operator
x_t @ w1  # E: operator
forward(x_t)  # E: arg-type
forward(hidden)  # E: arg-type
F.cross_entropy(logits, logits)  # E: arg-type
F.cross_entropy(logits.T, y)  # E: arg-type
wrong_width: Tensor[Batch, Hid] = forward(x)  # E: assignment
