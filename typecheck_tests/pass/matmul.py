"""Matrix products: the inner dims must agree; batch prefixes and vectors follow numpy."""

from typing import Literal, NewType, TypeVar, TypeVarTuple, assert_type

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L7 = Literal[7]
Batch = NewType("Batch", int)
Hid = NewType("Hid", int)

n = Batch(6)
x: Tensor[Batch, L3] = stag.randn(n, 3)
w: Tensor[L3, L4] = stag.randn(3, 4)
w2: Tensor[L4, L5] = stag.randn(4, 5)
w_hid: Tensor[L3, Hid] = stag.randn(3, Hid(8))
v3: Tensor[L3] = stag.randn(3)
stacked_x: Tensor[L7, Batch, L3] = stag.randn(7, n, 3)
stacked_w: Tensor[L7, L3, L4] = stag.randn(7, 3, 4)

assert_type(x @ w, Tensor[Batch, L4])
assert_type(x @ w @ w2, Tensor[Batch, L5])
assert_type(x @ w_hid, Tensor[Batch, Hid])
assert_type(stag.matmul(x, w), Tensor[Batch, L4])

# Vectors: a row vector times a matrix, a matrix times a column vector.
assert_type(v3 @ w, Tensor[L4])
assert_type(x @ v3, Tensor[Batch])
assert_type(stag.matmul(v3, w), Tensor[L4])

# A batch prefix is carried through, against a shared or a batched right operand.
assert_type(stacked_x @ w, Tensor[L7, Batch, L4])
assert_type(stacked_x @ stacked_w, Tensor[L7, Batch, L4])
assert_type(stag.matmul(stacked_x, stacked_w), Tensor[L7, Batch, L4])

# A Gram matrix either way round.
assert_type(x @ x.T, Tensor[Batch, Batch])
assert_type(x.T @ x, Tensor[L3, L3])
assert_type(w.T @ v3, Tensor[L4])

# Two vectors: the dot product is 0-d.
dot_left: Tensor[L4] = stag.randn(4)
assert_type(dot_left @ dot_left, Tensor[()])
assert_type(stag.matmul(dot_left, dot_left), Tensor[()])


# Generic code: a batch prefix that may be empty, a matrix or a vector on the right.
B = TypeVarTuple("B")
I = TypeVar("I")
O = TypeVar("O")


def affine(x: Tensor[*B, I], w: Tensor[I, O], b: Tensor[O]) -> Tensor[*B, O]:
    return x @ w + b


def project(x: Tensor[*B, I], v: Tensor[I]) -> Tensor[*B]:
    return x @ v


weight_43: Tensor[L4, L3] = stag.randn(4, 3)
bias_3: Tensor[L3] = stag.randn(3)
assert_type(affine(dot_left, weight_43, bias_3), Tensor[L3])
assert_type(project(weight_43.T, dot_left), Tensor[L3])
