"""Dim products, stated in the types: `Prod[H, D]` is the dim of size `H * D`.

Under every checker a `Prod` is a dim of its own, made by `Prod(h, d)` and kept through
reshapes, layers and indexing; the mypy plugin also checks the element counts of the
reshapes between `(B, T, Prod[H, D])` and `(B, T, H, D)` (plugin_products.py), and
`@stag.shapecheck` checks the sizes at run time.
"""

from typing import NewType, assert_type

import stag
from stag import Prod, Tensor, nn

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Heads = NewType("Heads", int)
HeadDim = NewType("HeadDim", int)
Width = NewType("Width", int)
Three = NewType("Three", int)  # q, k and v

b, t, h, d, c, three = Batch(2), Seq(5), Heads(3), HeadDim(4), Width(8), Three(3)
assert_type(Prod(h, d), Prod[Heads, HeadDim])

x: Tensor[Batch, Seq, Prod[Heads, HeadDim]] = stag.randn(b, t, Prod(h, d))
split = x.reshape(b, t, h, d)
assert_type(split, Tensor[Batch, Seq, Heads, HeadDim])
per_head = split.permute(0, 2, 1, 3)
assert_type(per_head, Tensor[Batch, Heads, Seq, HeadDim])
merged = per_head.transpose(1, 2).reshape(b, t, Prod(h, d))
assert_type(merged, Tensor[Batch, Seq, Prod[Heads, HeadDim]])
out = nn.Linear(Prod(h, d), c)
assert_type(out(merged), Tensor[Batch, Seq, Width])

# One projection for q, k and v, split in three along a named dim.
y: Tensor[Batch, Seq, Width] = stag.randn(b, t, c)
qkv = nn.Linear(c, Prod(three, c))(y)
assert_type(qkv, Tensor[Batch, Seq, Prod[Three, Width]])
parts = qkv.reshape(b, t, three, c)
assert_type(parts[:, :, 0], Tensor[Batch, Seq, Width])


@stag.shapecheck
def split_heads(
    x: Tensor[Batch, Seq, Prod[Heads, HeadDim]], h: Heads, d: HeadDim
) -> Tensor[Batch, Heads, Seq, HeadDim]:
    b, t, _ = x.shape
    return x.reshape(Batch(b), Seq(t), h, d).permute(0, 2, 1, 3)


assert_type(split_heads(x, h, d), Tensor[Batch, Heads, Seq, HeadDim])
