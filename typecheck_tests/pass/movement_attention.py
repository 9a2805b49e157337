"""The moves of attention, typed for every checker without an annotation.

`permute` has an overload for every order of 2, 3 and 4 axes; `swapaxes` and PyTorch's
two-axis `transpose` swap any two of the first four axes or of the last three;
`transpose()` reverses 2, 3 or 4 axes.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import Tensor

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Heads = NewType("Heads", int)
HeadDim = NewType("HeadDim", int)
L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]

b, t, h, d = Batch(2), Seq(5), Heads(4), HeadDim(8)
q: Tensor[Batch, Seq, Heads, HeadDim] = stag.randn(b, t, h, d)
k: Tensor[Batch, Seq, Heads, HeadDim] = stag.randn(b, t, h, d)

# (B, T, H, D) -> (B, H, T, D), scores, weights, back to (B, T, H, D).
qh = q.permute(0, 2, 1, 3)
assert_type(qh, Tensor[Batch, Heads, Seq, HeadDim])
kh = k.transpose(1, 2)
assert_type(kh, Tensor[Batch, Heads, Seq, HeadDim])
scores = qh @ kh.transpose(-2, -1)
assert_type(scores, Tensor[Batch, Heads, Seq, Seq])
assert_type(scores.swapaxes(-1, -2), Tensor[Batch, Heads, Seq, Seq])
out = scores @ qh
assert_type(out.transpose(1, 2), Tensor[Batch, Seq, Heads, HeadDim])
assert_type(out.swapaxes(1, 2), Tensor[Batch, Seq, Heads, HeadDim])

# Every order of four axes.
cube: Tensor[L2, L3, L4, L5] = stag.randn(2, 3, 4, 5)
assert_type(cube.permute(0, 1, 2, 3), Tensor[L2, L3, L4, L5])
assert_type(cube.permute(3, 2, 1, 0), Tensor[L5, L4, L3, L2])
assert_type(cube.permute(1, 3, 0, 2), Tensor[L3, L5, L2, L4])
assert_type(cube.permute(2, 0, 3, 1), Tensor[L4, L2, L5, L3])
assert_type(cube.permute(0, 3, 1, 2), Tensor[L2, L5, L3, L4])
assert_type(cube.transpose(), Tensor[L5, L4, L3, L2])
assert_type(cube.transpose(0, 3), Tensor[L5, L3, L4, L2])
assert_type(cube.swapaxes(2, 1), Tensor[L2, L4, L3, L5])
assert_type(cube.swapaxes(-3, -1), Tensor[L2, L5, L4, L3])

# Three axes: a sequence batch to channels-first and back.
seq: Tensor[Batch, Seq, L4] = stag.randn(b, t, 4)
assert_type(seq.transpose(1, 2), Tensor[Batch, L4, Seq])
assert_type(seq.permute(2, 0, 1), Tensor[L4, Batch, Seq])
assert_type(seq.transpose(), Tensor[L4, Seq, Batch])
