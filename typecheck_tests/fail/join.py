"""Joining tensors: parts whose other dims disagree, and joined sizes miscounted."""

from typing import Literal, NewType

import stag
from stag import Tensor

L2 = Literal[2]
L3 = Literal[3]
L5 = Literal[5]
Batch = NewType("Batch", int)

n = Batch(2)
a: Tensor[Batch, L3] = stag.randn(n, 3)
b: Tensor[Batch, L3] = stag.randn(n, 3)
c: Tensor[Batch, L2] = stag.randn(n, 2)
d: Tensor[L5, L3] = stag.randn(5, 3)
rows: list[Tensor[Batch, L3]] = [a, b]
narrow_rows: list[Tensor[Batch, L2]] = [c]

# Parts of different shapes.
stag.stack((a, c))  # E: misc
stag.stack((a, a.T))  # E: misc
stag.stack((a, d, a))  # E: arg-type
stag.concat((a, c))  # E: misc
stag.concat(rows + narrow_rows)  # E: misc

# axis=-1 forgotten: concat along rows needs equal trailing sizes.
features: Tensor[Batch, L5] = stag.concat([a, c])  # E: list-item

# The new axis miscounted, or taken for a batch of rows.
three: Tensor[L3, Batch, L3] = stag.stack((a, b))  # E: assignment
stacked = stag.stack(rows, axis=-1)
leading: Tensor[L2, Batch, L3] = stacked  # E: assignment
