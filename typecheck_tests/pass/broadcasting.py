"""stag's broadcasting rule, statically: a suffix and explicit size-1 dims broadcast.

The same rule holds at run time (stag/_broadcasting.py); the overloads state the
common forms for every checker, the mypy plugin computes the others.
"""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
from stag import L1, Tensor

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Heads = NewType("Heads", int)
Classes = NewType("Classes", int)
L3 = Literal[3]
L4 = Literal[4]

n, t, h, k = Batch(2), Seq(5), Heads(4), Classes(3)
x: Tensor[Batch, Seq, L4] = stag.randn(n, t, 4)
pos: Tensor[Seq, L4] = stag.randn(t, 4)
bias: Tensor[L4] = stag.randn(4)
scores: Tensor[Batch, Heads, Seq, Seq] = stag.randn(n, h, t, t)
causal: Tensor[Seq, Seq] = stag.ones(t, t) > 0
column: Tensor[Batch, L1] = stag.randn(n, 1)
row: Tensor[L1, Classes] = stag.randn(1, k)

# A suffix: implicit leading dims (a bias, positions added to a batch, a (T, T) mask).
assert_type(x + pos, Tensor[Batch, Seq, L4])
assert_type(pos * x, Tensor[Batch, Seq, L4])
assert_type(x - bias, Tensor[Batch, Seq, L4])
assert_type(scores + causal, Tensor[Batch, Heads, Seq, Seq])
assert_type(stag.where(causal, scores, -1e9), Tensor[Batch, Heads, Seq, Seq])
assert_type(stag.where(causal, 0.0, scores), Tensor[Batch, Heads, Seq, Seq])

# Explicit size-1 dims, equal ranks: an outer product, a column, a row.
assert_type(column * row, Tensor[Batch, Classes])
assert_type(row - column, Tensor[Batch, Classes])
assert_type(column == row, Tensor[Batch, Classes])
assert_type(stag.maximum(column, row), Tensor[Batch, Classes])
assert_type(x / x.sum(axis=-1, keepdims=True), Tensor[Batch, Seq, L4])

# Comparisons and == / != broadcast as + does.
labels: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
logits: Tensor[Batch, Classes] = stag.randn(n, k)
assert_type(logits.argmax(axis=-1) == labels, Tensor[Batch])
assert_type((logits.argmax(axis=-1) == labels).mean(), Tensor[()])
assert_type(logits != 0.0, Tensor[Batch, Classes])
assert_type(scores > causal, Tensor[Batch, Heads, Seq, Seq])
assert_type(causal <= scores, Tensor[Batch, Heads, Seq, Seq])
assert_type(x >= bias, Tensor[Batch, Seq, L4])

# masked_fill: the mask broadcasts into the tensor (a causal mask, a padding mask).
keep: Tensor[Batch, Seq] = stag.ones(n, t) > 0
padding = keep[:, None][:, None]
assert_type(padding, Tensor[Batch, L1, L1, Seq])
assert_type(scores.masked_fill(causal, -np.inf), Tensor[Batch, Heads, Seq, Seq])
assert_type(scores.masked_fill(padding, -np.inf), Tensor[Batch, Heads, Seq, Seq])
assert_type(x.masked_fill(x > 0, 0.0), Tensor[Batch, Seq, L4])

# Masks combine as the comparisons broadcast: & | ^ and ~.
assert_type(~causal & (scores > 0), Tensor[Batch, Heads, Seq, Seq])
assert_type(causal | padding[0, 0], Tensor[Seq, Seq])
assert_type((x > 0) ^ (bias > 0), Tensor[Batch, Seq, L4])

# Tensors stay hashable (by identity) although == is elementwise.
seen: dict[Tensor[Batch, Classes], str] = {logits: "logits"}
assert_type(seen[logits], str)
