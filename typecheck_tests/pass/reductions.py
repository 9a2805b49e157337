"""Reductions: all axes give a 0-d tensor; axis -1 / 0 drop (or keep as 1) that dim.

Other axes are untyped (`Tensor[*AnyShape]`): annotate the result to state it.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import AnyShape, Tensor

L1 = Literal[1]
L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

n = Batch(5)
x: Tensor[Batch, L3] = stag.randn(n, 3)
cube: Tensor[Batch, L3, L4] = stag.randn(n, 3, 4)

assert_type(x.sum(), Tensor[()])
assert_type(x.mean(), Tensor[()])
assert_type(x.max(), Tensor[()])
assert_type(x.var(ddof=1), Tensor[()])

# axis=-1 drops the last dim; keepdims=True keeps it as 1.
assert_type(x.sum(-1), Tensor[Batch])
assert_type(x.mean(axis=-1), Tensor[Batch])
assert_type(x.max(-1, keepdims=True), Tensor[Batch, L1])
assert_type(x.min(axis=-1, keepdims=True), Tensor[Batch, L1])
assert_type(cube.var(-1), Tensor[Batch, L3])

# axis=0 drops the first dim.
assert_type(x.sum(0), Tensor[L3])
assert_type(x.mean(axis=0, keepdims=True), Tensor[L1, L3])
assert_type(cube.max(0), Tensor[L3, L4])

# Indices of extremes have the reduced shape.
assert_type(x.argmax(-1), Tensor[Batch])
assert_type(x.argmin(0), Tensor[L3])
assert_type(x.argmax(), Tensor[()])

# Keep-dims results broadcast back against their source: row-wise normalisation.
assert_type(x - x.max(-1, keepdims=True), Tensor[Batch, L3])
assert_type(x / x.sum(axis=-1, keepdims=True), Tensor[Batch, L3])
# axis=0 without keepdims is a trailing bias: column-wise centering.
assert_type(x - x.mean(0), Tensor[Batch, L3])

# Every other axis gives an unstated shape.
assert_type(cube.sum(1), Tensor[*AnyShape])
assert_type(x.sum(axis=(0, 1)), Tensor[*AnyShape])
middle: Tensor[Batch, L4] = cube.sum(1)
assert_type(middle, Tensor[Batch, L4])
