"""Shape-keeping ops (the op table's "unary" rule): each form keeps its input's type.

A line per form of each op (method, free function, operator), tagged `# op: <name>`;
tests/test_op_table.py fails when an op of stag/_ops has no tagged line here.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import Tensor

L3 = Literal[3]
Batch = NewType("Batch", int)

x: Tensor[Batch, L3] = stag.rand(Batch(4), 3)

assert_type(-x, Tensor[Batch, L3])  # op: neg
assert_type(~(x > 0), Tensor[Batch, L3])  # op: bitwise_not
assert_type(abs(x), Tensor[Batch, L3])  # op: abs
assert_type(x.abs(), Tensor[Batch, L3])  # op: abs
assert_type(stag.abs(x), Tensor[Batch, L3])  # op: abs
assert_type(x.exp(), Tensor[Batch, L3])  # op: exp
assert_type(stag.exp(x), Tensor[Batch, L3])  # op: exp
assert_type(x.log(), Tensor[Batch, L3])  # op: log
assert_type(stag.log(x), Tensor[Batch, L3])  # op: log
assert_type(x.sqrt(), Tensor[Batch, L3])  # op: sqrt
assert_type(stag.sqrt(x), Tensor[Batch, L3])  # op: sqrt
assert_type(x.tanh(), Tensor[Batch, L3])  # op: tanh
assert_type(stag.tanh(x), Tensor[Batch, L3])  # op: tanh
assert_type(x.sin(), Tensor[Batch, L3])  # op: sin
assert_type(stag.sin(x), Tensor[Batch, L3])  # op: sin
assert_type(x.cos(), Tensor[Batch, L3])  # op: cos
assert_type(stag.cos(x), Tensor[Batch, L3])  # op: cos
assert_type(x.sigmoid(), Tensor[Batch, L3])  # op: sigmoid
assert_type(stag.sigmoid(x), Tensor[Batch, L3])  # op: sigmoid
assert_type(x.relu(), Tensor[Batch, L3])  # op: relu
assert_type(stag.relu(x), Tensor[Batch, L3])  # op: relu
assert_type(x.log1p(), Tensor[Batch, L3])  # op: log1p
assert_type(stag.log1p(x), Tensor[Batch, L3])  # op: log1p
assert_type(x.log2(), Tensor[Batch, L3])  # op: log2
assert_type(stag.log2(x), Tensor[Batch, L3])  # op: log2
assert_type(x.log10(), Tensor[Batch, L3])  # op: log10
assert_type(stag.log10(x), Tensor[Batch, L3])  # op: log10
assert_type(x.expm1(), Tensor[Batch, L3])  # op: expm1
assert_type(stag.expm1(x), Tensor[Batch, L3])  # op: expm1
assert_type(x.erf(), Tensor[Batch, L3])  # op: erf
assert_type(stag.erf(x), Tensor[Batch, L3])  # op: erf
