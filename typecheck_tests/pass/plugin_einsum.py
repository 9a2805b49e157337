"""einsum's result shape, computed by the mypy plugin from a literal subscript string.

Each letter's dim comes from the operands' types as written (literal sizes, named dims,
type variables, `Dyn`); a size-1 dim broadcasts, as at run time.  A string that is not a
literal, an operand of unknown rank or a `*` argument leaves `Tensor[*AnyShape]`.
"""

# checkers: mypy

from typing import Final, Literal, NewType, TypeVar, assert_type

import numpy as np

import stag
from stag import AnyShape, Dyn, Tensor

Batch = NewType("Batch", int)
Heads = NewType("Heads", int)
Seq = NewType("Seq", int)
N = TypeVar("N")
K = TypeVar("K")
M = TypeVar("M")

L1 = Literal[1]
L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L8 = Literal[8]

n, h, s = Batch(2), Heads(4), Seq(6)
q: Tensor[Batch, Heads, Seq, L8] = stag.randn(n, h, s, 8)
k: Tensor[Batch, Heads, Seq, L8] = stag.randn(n, h, s, 8)
weights: Tensor[Batch, Heads, Seq, Seq] = stag.randn(n, h, s, s)
a: Tensor[L3, L4] = stag.randn(3, 4)
b: Tensor[L4, L5] = stag.randn(4, 5)
c: Tensor[L5, L2] = stag.randn(5, 2)
m: Tensor[L3, L3] = stag.randn(3, 3)
batch_m: Tensor[Batch, L3, L3] = stag.randn(n, 3, 3)
bx: Tensor[Batch, L3, L4] = stag.randn(n, 3, 4)
by: Tensor[Batch, L4, L5] = stag.randn(n, 4, 5)
x: Tensor[L3] = stag.randn(3)
y: Tensor[L4] = stag.randn(4)
column: Tensor[L3, L1] = stag.randn(3, 1)
rows: Tensor[Dyn, L4] = stag.randn(7, 4)
inner: Tensor[L3, Dyn] = stag.randn(3, 4)

# attention
assert_type(stag.einsum("bhqd,bhkd->bhqk", q, k), Tensor[Batch, Heads, Seq, Seq])
assert_type(stag.einsum("bhqk,bhkd->bhqd", weights, k), Tensor[Batch, Heads, Seq, L8])
SCORES: Final = "bhqd,bhkd->bhqk"
assert_type(stag.einsum(SCORES, q, k), Tensor[Batch, Heads, Seq, Seq])

# matmul, batched; the implicit output puts the letters used once in alphabetical order
assert_type(stag.einsum("ij,jk->ik", a, b), Tensor[L3, L5])
assert_type(stag.einsum("ij,jk", a, b), Tensor[L3, L5])
assert_type(stag.einsum("bij,bjk->bik", bx, by), Tensor[Batch, L3, L5])
assert_type(stag.einsum("ij", a), Tensor[L3, L4])
assert_type(stag.einsum("ji", a), Tensor[L4, L3])

# outer and dot products, transpose, sums
assert_type(stag.einsum("i,j->ij", x, y), Tensor[L3, L4])
assert_type(stag.einsum("i,i", x, x), Tensor[()])
assert_type(stag.einsum("ij->ji", a), Tensor[L4, L3])
assert_type(stag.einsum("ij->", a), Tensor[()])
assert_type(stag.einsum("ij->j", a), Tensor[L4])

# trace, diagonal, batch diagonal (with letters or with '...')
assert_type(stag.einsum("ii", m), Tensor[()])
assert_type(stag.einsum("ii->i", m), Tensor[L3])
assert_type(stag.einsum("bii->bi", batch_m), Tensor[Batch, L3])
assert_type(stag.einsum("...ii->...i", batch_m), Tensor[Batch, L3])

# three operands
assert_type(stag.einsum("i,ij,j->", x, a, y), Tensor[()])
assert_type(stag.einsum("ij,jk,kl->il", a, b, c), Tensor[L3, L2])

# '...' dims broadcast (a 1 takes the other size); so does a size-1 letter
wide: Tensor[Batch, L1, L3, L4] = stag.randn(n, 1, 3, 4)
deep: Tensor[L5, L4, L2] = stag.randn(5, 4, 2)
assert_type(stag.einsum("...ij,...jk->...ik", wide, deep), Tensor[Batch, L5, L3, L2])
assert_type(stag.einsum("...ij,jk", bx, by[0]), Tensor[Batch, L3, L5])
assert_type(stag.einsum("ij,ij->ij", column, a), Tensor[L3, L4])

# Dyn passes through; a letter bound to Dyn and to a literal takes the literal
assert_type(stag.einsum("ij,jk", rows, b), Tensor[Dyn, L5])
assert_type(stag.einsum("ij,jk->ik", inner, b), Tensor[L3, L5])
assert_type(stag.einsum("ij,ik->jk", rows, a), Tensor[L4, L4])


# type variables pass through
def matmul(left: Tensor[N, K], right: Tensor[K, M]) -> Tensor[N, M]:
    return stag.einsum("nk,km->nm", left, right)


def gram(t: Tensor[N, K]) -> Tensor[N, N]:
    return stag.einsum("ik,jk->ij", t, t)


# the fallbacks: a non-literal string, an operand of unknown rank, a * argument
def contract(spec: str) -> None:
    assert_type(stag.einsum(spec, a, b), Tensor[*AnyShape])


unknown = stag.tensor(np.ones((3, 4)))
assert_type(stag.einsum("ij->ji", unknown), Tensor[*AnyShape])
assert_type(stag.einsum("ij,jk->ik", a, unknown), Tensor[*AnyShape])
operands = [a, a]
assert_type(stag.einsum("ij,ij->i", *operands), Tensor[*AnyShape])

# a repeated letter bound to Dyn and to a literal within one operand takes the literal
half_known: Tensor[Dyn, L3] = stag.randn(3, 3)
assert_type(stag.einsum("ii->i", half_known), Tensor[L3])
