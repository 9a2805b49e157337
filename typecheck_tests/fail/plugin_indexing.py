"""Basic indexing on a tensor of known rank: a wrong index is an error (the mypy plugin)."""

# checkers: mypy

from typing import Literal, NewType

import stag
from stag import Tensor

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
L4 = Literal[4]
L5 = Literal[5]

states: Tensor[Batch, Seq] = stag.randn(Batch(2), Seq(3))
grid: Tensor[L4, L5] = stag.randn(4, 5)

grid[4]  # E: index  # N: index 4 is out of range for dim 0 of size 4
grid[:, -6]  # E: index  # N: index -6 is out of range for dim 1 of size 5
states[0, 0, 0]  # E: index  # N: into (Batch, Seq): 3 indices for 2 dims
states[..., 0, ...]  # E: index  # N: an index can only have a single ellipsis
# grid[1:3] keeps 2 rows, not 3.
rows: Tensor[Literal[3], L5] = grid[1:3]  # E: assignment
