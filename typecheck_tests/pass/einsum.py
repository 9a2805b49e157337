"""einsum as every checker sees it: `Tensor[*AnyShape]`, shaped by a declared target.

Without the mypy plugin (and under pyright) `stag.einsum` returns `Tensor[*AnyShape]`;
a declared target states the shape and the run-time check holds it to that.  With the
plugin a literal string gives the shape itself (`plugin_einsum.py`), and these targets
agree with it.
"""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
from stag import AnyShape, Tensor

Batch = NewType("Batch", int)
Heads = NewType("Heads", int)
Seq = NewType("Seq", int)

L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L8 = Literal[8]

n, h, s = Batch(2), Heads(4), Seq(6)
q: Tensor[Batch, Heads, Seq, L8] = stag.randn(n, h, s, 8)
k: Tensor[Batch, Heads, Seq, L8] = stag.randn(n, h, s, 8)
v: Tensor[Batch, Heads, Seq, L8] = stag.randn(n, h, s, 8)
a: Tensor[L3, L4] = stag.randn(3, 4)
b: Tensor[L4, L5] = stag.randn(4, 5)
m: Tensor[L3, L3] = stag.randn(3, 3)
batch_m: Tensor[Batch, L3, L3] = stag.randn(n, 3, 3)
x: Tensor[L3] = stag.randn(3)
y: Tensor[L4] = stag.randn(4)

# attention: the scores, then the weighted sum of the values
scores: Tensor[Batch, Heads, Seq, Seq] = stag.einsum("bhqd,bhkd->bhqk", q, k)
assert_type(scores, Tensor[Batch, Heads, Seq, Seq])
attended: Tensor[Batch, Heads, Seq, L8] = stag.einsum("bhqk,bhkd->bhqd", scores, v)
assert_type(attended, Tensor[Batch, Heads, Seq, L8])

# matmul (explicit and implicit output), outer product, transpose
product: Tensor[L3, L5] = stag.einsum("ij,jk->ik", a, b)
assert_type(product, Tensor[L3, L5])
implicit: Tensor[L3, L5] = stag.einsum("ij,jk", a, b)
assert_type(implicit, Tensor[L3, L5])
outer: Tensor[L3, L4] = stag.einsum("i,j->ij", x, y)
assert_type(outer, Tensor[L3, L4])
flipped: Tensor[L4, L3] = stag.einsum("ij->ji", a)
assert_type(flipped, Tensor[L4, L3])

# trace, batch diagonal, sum: a 0-d result has .backward()
trace: Tensor[()] = stag.einsum("ii", m)
assert_type(trace, Tensor[()])
trace.backward()
diagonals: Tensor[Batch, L3] = stag.einsum("bii->bi", batch_m)
assert_type(diagonals, Tensor[Batch, L3])
total: Tensor[()] = stag.einsum("ij->", a)
assert_type(total, Tensor[()])


# a string that is not a literal, an operand of unknown rank: Tensor[*AnyShape] everywhere
def contract(spec: str, left: Tensor[L3, L4], right: Tensor[L4, L5]) -> None:
    assert_type(stag.einsum(spec, left, right), Tensor[*AnyShape])


unknown = stag.tensor(np.ones((3, 4)))
assert_type(stag.einsum("ij->ji", unknown), Tensor[*AnyShape])
