"""In-place operators cannot change the variable's shape."""

from typing import Literal, NewType

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

n = Batch(4)
x: Tensor[Batch, L3] = stag.zeros(n, 3)
bias: Tensor[L3] = stag.ones(3)
wrong: Tensor[L4] = stag.ones(4)
grid: Tensor[L4, Batch, L3] = stag.zeros(4, n, 3)

bias += x  # E: operator
x += wrong  # E: operator
x *= grid  # E: operator
x.add_(bias)  # E: arg-type
