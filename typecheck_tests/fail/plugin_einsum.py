"""What the mypy plugin rejects in an einsum with a literal subscript string.

`# E: shape` is the plugin's own error code; `# N: <text>` pins its message.  The same
calls raise at run time (`stag.ShapeError` or `ValueError`, with the same words).
"""

# checkers: mypy

from typing import Literal, NewType

import stag
from stag import Tensor

Batch = NewType("Batch", int)
Heads = NewType("Heads", int)
Seq = NewType("Seq", int)

L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L8 = Literal[8]

n, h, s = Batch(2), Heads(4), Seq(6)
q: Tensor[Batch, Heads, Seq, L8] = stag.randn(n, h, s, 8)
k: Tensor[Batch, Heads, Seq, L8] = stag.randn(n, h, s, 8)
a: Tensor[L3, L4] = stag.randn(3, 4)
b: Tensor[L4, L5] = stag.randn(4, 5)
bx: Tensor[Batch, L3, L4] = stag.randn(n, 3, 4)
by: Tensor[Batch, L4, L5] = stag.randn(n, 4, 5)
ragged: Tensor[L2, L4] = stag.randn(2, 4)

# A letter bound to two different dims: both are named, with where they come from.
stag.einsum("bij,bkj->bik", bx, by)  # E: shape  # N: einsum: letter "j" is 4 (dim 2 of operand 0) but 5 (dim 2 of operand 1)
stag.einsum("bhqd,bhdk->bhqk", q, k)  # E: shape  # N: einsum: letter "d" is 8 (dim 3 of operand 0) but Seq (dim 2 of operand 1)
stag.einsum("ij,ij->i", bx[0], bx)  # E: shape  # N: einsum: operand 1 has 3 dims but its subscripts 'ij' name 2
stag.einsum("ij,bj->bi", a, by[0])  # E: shape  # N: einsum: letter "j" is 4 (dim 1 of operand 0) but 5 (dim 1 of operand 1)
stag.einsum("ii", a)  # E: shape  # N: einsum: letter "i" is 3 (dim 0 of operand 0) but 4 (dim 1 of operand 0)
stag.einsum("...j,...j", a, ragged)  # E: shape  # N: einsum: a "..." dim is 3 (dim 0 of operand 0) but 2 (dim 0 of operand 1)
stag.einsum("bi,bi->b", bx[0], by[0])  # E: shape  # N: einsum: letter "b" is 3 (dim 0 of operand 0) but 4 (dim 0 of operand 1)

# The wrong number of operands, a rank the string does not fit, a malformed string.
stag.einsum("ij,jk->ik", a)  # E: shape  # N: einsum: 'ij,jk->ik' has subscripts for 2 operands, got 1
stag.einsum("ij", a, b)  # E: shape  # N: einsum: 'ij' has subscripts for 1 operand, got 2
stag.einsum("ijk", a)  # E: shape  # N: einsum: operand 0 has 2 dims but its subscripts 'ijk' name 3
stag.einsum("i.j", a)  # E: shape  # N: einsum: a '.' that is not part of '...' in the subscripts of operand 0
stag.einsum("i1", a)  # E: shape  # N: einsum: '1' in the subscripts of operand 0
stag.einsum("ij->ii", a)  # E: shape  # N: einsum: the output names 'i' more than once
stag.einsum("ij->k", a)  # E: shape  # N: einsum: the output's 'k' is in no operand's subscripts
stag.einsum("...ij->ij", bx)  # E: shape  # N: einsum: the output 'ij' has no '...' for the 1 dim

# The computed shape meets a declared target: a wrong one is an error there.
scores: Tensor[Batch, Heads, Seq, L8] = stag.einsum("bhqd,bhkd->bhqk", q, k)  # E: assignment
stag.einsum("ij->i", a).backward()  # E: misc
