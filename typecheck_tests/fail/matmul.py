"""Matrix products: a mismatched inner dim is an error, wherever it hides."""

from typing import Literal, NewType

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
w_hid: Tensor[Hid, L4] = stag.randn(Hid(3), 4)
v3: Tensor[L3] = stag.randn(3)
v4: Tensor[L4] = stag.randn(4)
stacked_x: Tensor[L7, Batch, L3] = stag.randn(7, n, 3)
stacked_w: Tensor[L5, L3, L4] = stag.randn(5, 3, 4)

x @ w2  # E: operator
x @ w.T  # E: operator
w @ x  # E: operator
x @ w @ w  # E: operator
x @ w_hid  # E: operator
v4 @ w  # E: operator
x @ v4  # E: operator
stacked_x @ w2  # E: operator
stacked_x @ stacked_w  # E: operator
stag.matmul(x, w2)  # E: misc
x.T @ w  # E: operator
