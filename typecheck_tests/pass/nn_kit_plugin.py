"""`nn.Flatten(start_axis, end_axis)` under the mypy plugin: the merged size computed.

The plugin reads the axes from the module's type (`Flatten[L1, L-1]` by default) and
merges the literal sizes from `start_axis` to `end_axis`; a `Flatten[int, int]` (axes
the type does not carry) keeps its signature's `Tensor[*AnyShape]`.
"""

# checkers: mypy

from typing import Literal, NewType, assert_type

import stag
from stag import AnyShape, Dyn, Tensor, nn

Batch = NewType("Batch", int)
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L20 = Literal[20]
L60 = Literal[60]

n = Batch(2)
images: Tensor[Batch, L3, L4, L5] = stag.randn(n, 3, 4, 5)
cube: Tensor[L3, L4, L5] = stag.randn(3, 4, 5)

assert_type(nn.Flatten()(images), Tensor[Batch, L60])
assert_type(nn.Flatten(2)(images), Tensor[Batch, L3, L20])
assert_type(nn.Flatten(0)(cube), Tensor[L60])
assert_type(nn.Flatten(0)(images), Tensor[Dyn])  # a named dim: the product is not known
assert_type(nn.Flatten(1, 2)(images), Tensor[*AnyShape])
