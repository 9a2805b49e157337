"""Indexing the leading dim: an int drops it, a slice makes it Dyn, an index tensor gathers rows.

A gather `table[ids]` replaces the leading dim with the index's shape: an embedding
lookup with a `(Batch,)` or a `(Batch, Seq)` index.
"""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
from stag import AnyShape, Dyn, Tensor

L3 = Literal[3]
L4 = Literal[4]
L16 = Literal[16]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Vocab = NewType("Vocab", int)

n = Batch(4)
x: Tensor[Batch, L3] = stag.randn(n, 3)
cube: Tensor[Batch, L3, L4] = stag.randn(n, 3, 4)
table: Tensor[Vocab, L16] = stag.randn(Vocab(10), 16)
ids: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
id_grid: Tensor[Batch, Seq] = stag.zeros(n, Seq(5), dtype=np.int64)

# An int index drops the leading dim; twice gives a 0-d tensor.
assert_type(x[0], Tensor[L3])
assert_type(cube[-1], Tensor[L3, L4])
assert_type(x[0][2], Tensor[()])

# A slice keeps the rank, with an unstated leading size.
assert_type(x[1:3], Tensor[Dyn, L3])
assert_type(cube[::2], Tensor[Dyn, L3, L4])

# Row gather: the embedding lookup.
assert_type(table[ids], Tensor[Batch, L16])
assert_type(table[id_grid], Tensor[Batch, Seq, L16])
assert_type(cube[ids], Tensor[Batch, L3, L4])
# A numpy index array is not typed by shape.
assert_type(table[np.array([1, 2, 3])], Tensor[*AnyShape])

# Iteration yields the rows.
for row in x:
    assert_type(row, Tensor[L3])
assert_type(list(cube), list[Tensor[L3, L4]])
