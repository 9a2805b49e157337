"""Indexing: a 0-d tensor has no rows, and an index result keeps the dims it has."""

from typing import Literal, NewType

import numpy as np

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
L16 = Literal[16]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Vocab = NewType("Vocab", int)

n = Batch(4)
x: Tensor[Batch, L3] = stag.randn(n, 3)
scalar: Tensor[()] = stag.tensor(1.0)
table: Tensor[Vocab, L16] = stag.randn(Vocab(10), 16)
ids: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
id_grid: Tensor[Batch, Seq] = stag.zeros(n, Seq(5), dtype=np.int64)
proj: Tensor[L3, L4] = stag.randn(3, 4)

scalar[0]  # E: index
x["rows"]  # E: call-overload
x[0.5]  # E: call-overload
# x[0] is the first row, not the first column.
first_column: Tensor[Batch] = x[0]  # E: assignment
# A gather replaces the leading dim with the index's dims.
kept_vocab: Tensor[Vocab, L16] = table[ids]  # E: index
lost_seq: Tensor[Batch, L16] = table[id_grid]  # E: index
table[ids] @ proj  # E: operator
x[0][0][0]  # E: index
