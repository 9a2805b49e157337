"""Elementwise ops: operands that do not broadcast to one shape are rejected."""

from typing import Literal, NewType

import stag
from stag import Tensor

L1 = Literal[1]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)

n = Batch(4)
x: Tensor[Batch, L3] = stag.randn(n, 3)
x_t: Tensor[L3, Batch] = stag.randn(3, n)
other_rows: Tensor[Seq, L3] = stag.randn(Seq(4), 3)
bias3: Tensor[L3] = stag.randn(3)
bias4: Tensor[L4] = stag.randn(4)
per_row: Tensor[Batch] = stag.randn(n)
short_column: Tensor[L5, L1] = stag.randn(5, 1)
table: Tensor[L3, L4] = stag.randn(3, 4)

x + bias4  # E: operator
bias3 * bias4  # E: operator
x + x_t  # E: operator
x - other_rows  # E: operator
x / per_row  # E: operator
x * short_column  # E: operator
table + bias3  # E: operator
stag.maximum(x, bias4)  # E: arg-type
stag.minimum(x, x_t)  # E: arg-type
stag.where(x > 0, x_t, 0.0)  # E: arg-type
below = x < bias4  # E: operator
at_least = x >= x_t  # E: operator
x**bias4  # E: operator
x.add_(x_t)  # E: arg-type
