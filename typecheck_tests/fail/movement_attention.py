"""Moves of attention that give the wrong shape are errors where the result is used."""

from typing import NewType

import stag
from stag import Tensor

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Heads = NewType("Heads", int)
HeadDim = NewType("HeadDim", int)

b, t, h, d = Batch(2), Seq(5), Heads(4), HeadDim(8)
q: Tensor[Batch, Seq, Heads, HeadDim] = stag.randn(b, t, h, d)

# The heads were not moved in front of the sequence.
wrong: Tensor[Batch, Heads, Seq, HeadDim] = q.permute(0, 1, 3, 2)  # E: assignment
# The scores need the keys transposed: (T, D) @ (T, D) does not multiply.
qh = q.transpose(1, 2)
qh @ qh  # E: operator
back: Tensor[Batch, Seq, Heads, HeadDim] = qh.swapaxes(2, 3)  # E: assignment
