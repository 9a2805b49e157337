"""In-place operators keep the variable's type: the operand broadcasts into it."""

from typing import Literal, NewType, assert_type

import stag
from stag import Tensor

L1 = Literal[1]
L3 = Literal[3]
Batch = NewType("Batch", int)

n = Batch(4)
x: Tensor[Batch, L3] = stag.zeros(n, 3)
bias: Tensor[L3] = stag.ones(3)
column: Tensor[Batch, L1] = stag.ones(n, 1)

with stag.no_grad():
    x += bias
    x -= column
    x *= 2.0
    x /= stag.tensor(2.0)
    x[0] = 1.0
    x[:, 1] = stag.zeros(n)
assert_type(x, Tensor[Batch, L3])
assert_type(x.add_(x), Tensor[Batch, L3])  # the _ methods take their own shape
