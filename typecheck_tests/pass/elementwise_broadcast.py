"""Elementwise ops: same shape, a Python scalar, a trailing bias, a keep-dims column, a 0-d.

Every form keeps the wider operand's shape, whichever side it is on.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import Tensor

L1 = Literal[1]
L3 = Literal[3]
Batch = NewType("Batch", int)

n = Batch(4)
x: Tensor[Batch, L3] = stag.randn(n, 3)
y: Tensor[Batch, L3] = stag.randn(n, 3)
bias: Tensor[L3] = stag.randn(3)
column: Tensor[Batch, L1] = stag.rand(n, 1)
scale: Tensor[()] = stag.tensor(2.0)

# Same shape.
assert_type(x + y, Tensor[Batch, L3])
assert_type(x - y, Tensor[Batch, L3])
assert_type(x * y, Tensor[Batch, L3])
assert_type(x / (y * y + 1.0), Tensor[Batch, L3])

# A Python scalar on either side.
assert_type(x * 2.0, Tensor[Batch, L3])
assert_type(2 * x, Tensor[Batch, L3])
assert_type(1.0 - x, Tensor[Batch, L3])
assert_type(1 / (x * x + 1), Tensor[Batch, L3])
assert_type(x**2, Tensor[Batch, L3])

# A trailing-dim bias, either side.
assert_type(x + bias, Tensor[Batch, L3])
assert_type(bias * x, Tensor[Batch, L3])

# A keep-dims column (size-1 last dim), either side.
assert_type(x / column, Tensor[Batch, L3])
assert_type(column - x, Tensor[Batch, L3])

# A 0-d tensor, either side.
assert_type(x * scale, Tensor[Batch, L3])
assert_type(scale + x, Tensor[Batch, L3])

# Unary ops and the free functions keep the shape.
assert_type(-x, Tensor[Batch, L3])
assert_type(abs(x), Tensor[Batch, L3])
assert_type(x.exp().log(), Tensor[Batch, L3])
assert_type(stag.sqrt(stag.abs(x)), Tensor[Batch, L3])
assert_type(stag.tanh(stag.sigmoid(x)), Tensor[Batch, L3])
assert_type(x.clip(-1.0, 1.0), Tensor[Batch, L3])

# Comparisons give a (bool) tensor of the same shape; `where` selects with it.
assert_type(x > 0, Tensor[Batch, L3])
assert_type(x == y, Tensor[Batch, L3])
# < <= > >= and ** broadcast as + does: a bias, a column, a row, a 0-d, either side.
assert_type(x < bias, Tensor[Batch, L3])
assert_type(bias >= x, Tensor[Batch, L3])
assert_type(x <= column, Tensor[Batch, L3])
assert_type(x > scale, Tensor[Batch, L3])
assert_type(x**bias, Tensor[Batch, L3])
assert_type(x**column, Tensor[Batch, L3])
assert_type(stag.where(x > y, x, 0.0), Tensor[Batch, L3])
assert_type(stag.maximum(x, 0.0), Tensor[Batch, L3])
assert_type(stag.maximum(x, bias), Tensor[Batch, L3])
assert_type(stag.minimum(x, column), Tensor[Batch, L3])

# A keep-dims row (size-1 leading dim), either side: centring over the batch.
row: Tensor[L1, L3] = x.mean(axis=0, keepdims=True)
assert_type(x - row, Tensor[Batch, L3])
assert_type(row * x, Tensor[Batch, L3])
assert_type(x - x.mean(axis=0, keepdims=True), Tensor[Batch, L3])

# Trigonometry keeps the shape.
assert_type(x.sin(), Tensor[Batch, L3])
assert_type(stag.cos(x), Tensor[Batch, L3])
