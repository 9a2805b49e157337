"""Shape-keeping ops (the op table's "unary" rule): the result is not another shape.

A line per op, tagged `# op: <name>`; tests/test_op_table.py fails when an op of
stag/_ops has no tagged line here.  A free function meets the declared type as
context (mypy then reports its argument); a method's result is checked on assignment.
"""

from typing import Literal, NewType

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

x: Tensor[Batch, L3] = stag.rand(Batch(4), 3)

neg: Tensor[Batch, L4] = -x  # E: assignment  # op: neg
not_mask: Tensor[Batch, L4] = ~(x > 0)  # E: assignment  # op: bitwise_not
absolute: Tensor[Batch, L4] = abs(x)  # E: arg-type  # op: abs
exp: Tensor[L3, Batch] = stag.exp(x)  # E: arg-type  # op: exp
log: Tensor[Batch] = x.log()  # E: assignment  # op: log
sqrt: Tensor[Batch, L4] = stag.sqrt(x)  # E: arg-type  # op: sqrt
tanh: Tensor[Batch, L3, L3] = x.tanh()  # E: assignment  # op: tanh
sin: Tensor[L3] = stag.sin(x)  # E: arg-type  # op: sin
cos: Tensor[Batch, L4] = x.cos()  # E: assignment  # op: cos
sigmoid: Tensor[L3, Batch] = x.sigmoid()  # E: assignment  # op: sigmoid
relu: Tensor[Batch, L4] = stag.relu(x)  # E: arg-type  # op: relu
log1p: Tensor[Batch, L4] = x.log1p()  # E: assignment  # op: log1p
log2: Tensor[L3] = stag.log2(x)  # E: arg-type  # op: log2
log10: Tensor[L3, Batch] = x.log10()  # E: assignment  # op: log10
expm1: Tensor[Batch] = stag.expm1(x)  # E: arg-type  # op: expm1
erf: Tensor[L3, L3] = x.erf()  # E: assignment  # op: erf
