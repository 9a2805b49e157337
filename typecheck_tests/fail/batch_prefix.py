"""A batch prefix must line up: a bias or a label tensor with the prefix in the wrong place."""

from typing import Literal, NewType

import numpy as np

import stag
import stag.nn.functional as F
from stag import Tensor

L7 = Literal[7]
L10 = Literal[10]
L784 = Literal[784]
Batch = NewType("Batch", int)
Hid = NewType("Hid", int)

n = Batch(4)
h = Hid(16)
x: Tensor[L7, Batch, L784] = stag.randn(7, n, 784)
batch_first: Tensor[Batch, L7, L784] = stag.randn(n, 7, 784)
w: Tensor[L784, Hid] = stag.randn(784, h)
hidden: Tensor[L7, Batch, Hid] = stag.randn(7, n, h)
per_model_w: Tensor[L7, Hid, L10] = stag.randn(7, h, 10)
per_batch: Tensor[Batch] = stag.zeros(n)
labels_t: Tensor[Batch, L7] = stag.zeros(n, 7, dtype=np.int64)
logits: Tensor[L7, Batch, L10] = stag.randn(7, n, 10)

x @ w.T  # E: operator
hidden + per_batch  # E: operator
hidden @ per_model_w.swapaxes(-1, -2)  # E: operator
batch_first_out: Tensor[L7, Batch, Hid] = batch_first @ w  # E: assignment
dropped_prefix: Tensor[Batch, Hid] = hidden.sum(-1)  # E: assignment
F.cross_entropy(logits, labels_t)  # E: arg-type
hidden.sum(-1) - hidden  # E: operator
