"""0-d tensors: no rows, no transpose, no matmul; and a 0-d result is not a float or a vector."""

from typing import Literal, NewType

import stag
from stag import Tensor

L1 = Literal[1]
L3 = Literal[3]
Batch = NewType("Batch", int)

a = stag.tensor(2.0, requires_grad=True)
b = stag.tensor(3.0)
x: Tensor[Batch, L3] = stag.randn(Batch(2), 3)

vector: Tensor[L1] = (a + b) * 2  # E: assignment
number: float = a * b  # E: assignment
(a + b)[0]  # E: index
_ = a.T  # E: misc
a @ b  # E: misc, operator
for item in a:  # E: misc
    pass
a.unsqueeze(0).backward()  # E: misc
(x * a).backward()  # E: misc
