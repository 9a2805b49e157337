"""Dim products: a Prod is its own dim, and its factors' order is part of it."""

from typing import NewType

import stag
from stag import Prod, Tensor

Batch = NewType("Batch", int)
Heads = NewType("Heads", int)
HeadDim = NewType("HeadDim", int)
Width = NewType("Width", int)

b, h, d = Batch(2), Heads(3), HeadDim(4)
x: Tensor[Batch, Prod[Heads, HeadDim]] = stag.randn(b, Prod(h, d))


def project(x: Tensor[Batch, Width]) -> None: ...


# A product is not some other named dim, whatever its size at run time.
project(x)  # E: arg-type
# (Heads, HeadDim) flattened is Prod[Heads, HeadDim], not Prod[HeadDim, Heads].
swapped: Tensor[Batch, Prod[HeadDim, Heads]] = x  # E: assignment
split: Tensor[Batch, HeadDim, Heads] = x.reshape(b, h, d)  # E: arg-type
