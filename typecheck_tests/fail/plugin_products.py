"""Dim products with the mypy plugin: a reshape whose count disagrees with a stated
product is an error, both ways."""

# checkers: mypy

from typing import NewType

import stag
from stag import Prod, Tensor, nn

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Heads = NewType("Heads", int)
HeadDim = NewType("HeadDim", int)
Width = NewType("Width", int)

b, t, h, d, c = Batch(2), Seq(5), Heads(3), HeadDim(4), Width(8)
x: Tensor[Batch, Seq, Prod[Heads, HeadDim]] = stag.randn(b, t, Prod(h, d))
heads: Tensor[Batch, Seq, Heads, HeadDim] = x.reshape(b, t, h, d)

x.reshape(b, t, h, h)  # E: shape  # N: reshape: (Batch, Seq, Prod[Heads, HeadDim]) has Batch·HeadDim·Heads·Seq elements, (Batch, Seq, Heads, Heads) has Batch·Heads·Heads·Seq
heads.reshape(b, t, Prod(d, d))  # E: shape  # N: (Batch, Seq, Prod[HeadDim, HeadDim]) has Batch·HeadDim·HeadDim·Seq
x.reshape(b, h, d)  # E: shape
qkv = nn.Linear(c, Prod(3, c))(stag.randn(b, t, c))
qkv.reshape(b, t, 4, c)  # E: shape  # N: (Batch, Seq, Prod[3, Width]) has 3·Batch·Seq·Width elements, (Batch, Seq, 4, Width) has 4·Batch·Seq·Width
# qkv splits into three Width-sized parts, not HeadDim-sized ones.
q, k, v = qkv.chunk(3)
wrong_q: Tensor[Batch, Seq, HeadDim] = q  # E: assignment
