"""Reductions: a reduced result used where the unreduced (or other) shape is needed."""

from typing import Literal, NewType

import stag
from stag import Tensor

L1 = Literal[1]
L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

n = Batch(5)
x: Tensor[Batch, L3] = stag.randn(n, 3)
cube: Tensor[Batch, L3, L4] = stag.randn(n, 3, 4)

# keepdims forgotten: (Batch,) does not broadcast against (Batch, 3).
x - x.max(-1)  # E: operator
x / x.sum(axis=-1)  # E: operator
cube - cube.mean(-1)  # E: operator

# The reduced shape assigned where another one is declared.
as_column: Tensor[Batch, L1] = x.sum(-1)  # E: assignment
wrong_axis: Tensor[Batch] = x.sum(0)  # E: assignment
wrong_dim: Tensor[L3] = x.mean(-1)  # E: assignment
row_not_column: Tensor[Batch, L1] = x.mean(0, keepdims=True)  # E: assignment
indices: Tensor[L3] = x.argmax(-1)  # E: assignment
total: float = x.sum()  # E: assignment

cube.sum(0) + x  # E: operator
