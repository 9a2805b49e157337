"""stag's broadcasting rule refuses what numpy would stretch silently.

An implicit leading dim that meets a size-1 dim of the other operand, `(N,) + (N, 1)`
or `(N, 1) ** (K,)`, is an error for every checker (and a ShapeError at run time);
so are dims that differ.
"""

from typing import Literal, NewType

import numpy as np

import stag
from stag import L1, Tensor

Batch = NewType("Batch", int)
Classes = NewType("Classes", int)
L3 = Literal[3]
L4 = Literal[4]

n, k = Batch(4), Classes(3)
pred: Tensor[Batch, L1] = stag.randn(n, 1)
target: Tensor[Batch] = stag.randn(n)
per_class: Tensor[Classes] = stag.randn(k)
logits: Tensor[Batch, Classes] = stag.randn(n, k)
labels: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
x: Tensor[Batch, L3, L4] = stag.randn(n, 3, 4)
wrong_rows: Tensor[L4, L4] = stag.randn(4, 4)

pred - target  # E: operator
target * pred  # E: operator
pred**per_class  # E: operator
stag.maximum(target, pred)  # E: arg-type
stag.where(target > 0, pred, 0.0)  # E: arg-type
x + wrong_rows  # E: operator
# Accuracy: predictions over the classes compared with per-example labels.
(logits.argmax(axis=0) == labels).mean()  # E: operator
logits.argmax(axis=-1) != per_class  # E: operator
pred < target  # E: operator
# Masks of two shapes that do not broadcast.
(pred > 0) & (target > 0)  # E: operator
# A mask that would stretch the tensor: numpy's outer result cannot be written into it.
pred.masked_fill(target > 0, 0.0)  # E: arg-type
x.masked_fill(stag.ones(Classes(3), 4) > 0, 0.0)  # E: arg-type
