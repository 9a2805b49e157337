"""Basic indexing on a tensor of known rank, every form (the mypy plugin).

An int drops its dim, `:` keeps it, a slice with literal bounds on a literal dim is
its length as Python counts it, other slices are Dyn, None adds a Literal[1], and
`...` stands for the dims no other item takes, wherever it is written.
"""

# checkers: mypy

from typing import Literal, NewType, assert_type

import stag
from stag import L1, Dyn, Tensor

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Hidden = NewType("Hidden", int)
L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L10 = Literal[10]

n, t, hid = Batch(4), Seq(6), Hidden(8)
states: Tensor[Batch, Seq, Hidden] = stag.randn(n, t, hid)
grid: Tensor[L10, L4, L5] = stag.randn(10, 4, 5)
step = 2

assert_type(states[0, ..., 1], Tensor[Seq])
assert_type(states[..., 0, :], Tensor[Batch, Hidden])
assert_type(states[None, ..., None], Tensor[L1, Batch, Seq, Hidden, L1])
assert_type(states[:, None, :, 0], Tensor[Batch, L1, Seq])
assert_type(grid[2:5], Tensor[L3, L4, L5])
assert_type(grid[::3], Tensor[L4, L4, L5])
assert_type(grid[-2:], Tensor[L2, L4, L5])
assert_type(grid[:, 1:, 0], Tensor[L10, L3])
assert_type(grid[:, :, 1:step], Tensor[L10, L4, Dyn])  # a bound that is not constant
assert_type(grid[..., 4], Tensor[L10, L4])
assert_type(grid[9, -4], Tensor[L5])
assert_type(states[1:3], Tensor[Dyn, Seq, Hidden])
