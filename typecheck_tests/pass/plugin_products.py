"""Dim products with the mypy plugin: reshapes counted through `Prod`, literal products.

`Prod(3, 4)` is `Literal[12]`; `Prod(3, c)` keeps its literal factor; a `-1` against a
product is the factor left over, or the product of those left over where the code states
products; a last dim `Prod[Literal[3], C]` chunks into three `C`s.  Merging named dims
(`flatten`, a `-1`) in code that states no product stays `Dyn`: a layer typed with a
named input size keeps accepting it.
"""

# checkers: mypy

from typing import Literal, NewType, assert_type

import stag
from stag import Dyn, Prod, Tensor, nn

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Heads = NewType("Heads", int)
HeadDim = NewType("HeadDim", int)
Width = NewType("Width", int)
L3 = Literal[3]
L12 = Literal[12]

b, t, h, d, c = Batch(2), Seq(5), Heads(3), HeadDim(4), Width(8)
assert_type(Prod(3, 4), L12)
assert_type(Prod(3, c), Prod[L3, Width])

x: Tensor[Batch, Seq, Prod[Heads, HeadDim]] = stag.randn(b, t, Prod(h, d))
assert_type(x.reshape(b, t, h, -1), Tensor[Batch, Seq, Heads, HeadDim])
assert_type(x.reshape(b, t, -1, d), Tensor[Batch, Seq, Heads, HeadDim])
heads: Tensor[Batch, Seq, Heads, HeadDim] = x.reshape(b, t, h, d)
assert_type(heads.reshape(b, t, -1), Tensor[Batch, Seq, Dyn])
assert_type(heads.reshape(b, t, Prod(h, d)), Tensor[Batch, Seq, Prod[Heads, HeadDim]])
grid: Tensor[Batch, L3, Literal[4]] = stag.randn(b, 3, 4)
assert_type(grid.flatten(1), Tensor[Batch, L12])

y: Tensor[Batch, Seq, Width] = stag.randn(b, t, c)
qkv = nn.Linear(c, Prod(3, c))(y)
assert_type(qkv, Tensor[Batch, Seq, Prod[L3, Width]])
q, k, v = qkv.chunk(3)
assert_type(q, Tensor[Batch, Seq, Width])
assert_type(qkv.reshape(b, t, 3, c)[:, :, 1], Tensor[Batch, Seq, Width])
assert_type(qkv.reshape(b, t, 3, -1), Tensor[Batch, Seq, L3, Width])
