"""The escape hatch: `Dyn` dims and `Tensor[*AnyShape]` for sizes (or ranks) nobody states.

A `Dyn` dim is accepted against any other dim; `stag.tensor(array)` has an unknown shape
and is assignable to a declared one; `.assert_shape(...)` states it with a run-time check.
"""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
from stag import AnyShape, Dyn, Tensor

L3 = Literal[3]
L4 = Literal[4]
L784 = Literal[784]
Batch = NewType("Batch", int)

n = Batch(8)
w: Tensor[L3, L4] = stag.randn(3, 4)
x: Tensor[Batch, L3] = stag.randn(n, 3)

# A Dyn dim flows through the algebra and into any declared dim.
rows: Tensor[Dyn, L3] = stag.randn(8, 3)
assert_type(rows @ w, Tensor[Dyn, L4])
assert_type(rows + x, Tensor[Dyn, L3])
assert_type(x - rows, Tensor[Batch, L3])
assert_type(rows.sum(-1), Tensor[Dyn])
as_batch: Tensor[Batch, L3] = rows
assert_type(as_batch, Tensor[Batch, L3])
some_width: Tensor[Batch, Dyn] = stag.randn(n, 3)
assert_type(some_width @ w, Tensor[Batch, L4])

# An array of unknown shape: the rank is unknown too.
array = np.zeros((8, 784), dtype=np.float32)
unknown = stag.tensor(array)
assert_type(unknown, Tensor[*AnyShape])
assert_type(stag.tensor([[1.0, 2.0]]), Tensor[*AnyShape])
assert_type(unknown.sum(axis=1), Tensor[*AnyShape])
declared: Tensor[Batch, L784] = stag.tensor(array)
assert_type(declared, Tensor[Batch, L784])

# assert_shape states the shape (checked at run time) with the dims given.
checked: Tensor[Batch, L784] = stag.tensor(array).assert_shape(n, 784)
assert_type(checked, Tensor[Batch, L784])
eight_rows: Tensor[Literal[8], L3] = rows.assert_shape(8, 3)
assert_type(eight_rows, Tensor[Literal[8], L3])
