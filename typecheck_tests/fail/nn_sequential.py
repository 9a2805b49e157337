"""Chains that do not connect: a wrong layer order, a wrong input, a wrong result type."""

from typing import Literal, NewType

import stag
from stag import Tensor, nn

In = NewType("In", int)
Hid = NewType("Hid", int)
Out = NewType("Out", int)
Batch = NewType("Batch", int)
L7 = Literal[7]

n = Batch(8)
d_in, d_hid, d_out = In(784), Hid(256), Out(10)
x2: Tensor[Batch, In] = stag.randn(n, d_in)
h: Tensor[Batch, Hid] = stag.randn(n, d_hid)

# Layers in the wrong order.
nn.Sequential(nn.Linear(d_hid, d_out), nn.ReLU(), nn.Linear(d_in, d_hid))  # E: arg-type
nn.Sequential(nn.Linear(d_in, d_hid), nn.ReLU(), nn.LayerNorm(d_out))  # E: arg-type
# Two layers whose dims do not meet: no hidden dim connects them (mypy says so as `misc`).
nn.Sequential(nn.Linear(d_in, d_hid), nn.Linear(d_in, d_hid))  # E: misc
first, second, last = nn.Linear(d_in, d_hid), nn.Linear(d_hid, d_out), nn.Linear(d_in, d_out)
nn.Sequential(first, last)  # E: misc
nn.Sequential(second, first)  # E: misc
nn.Sequential(first, nn.ReLU(), last)  # E: arg-type
first >> last  # E: operator
first >> nn.ReLU() >> last  # E: operator
nn.ReLU() >> first >> first  # E: operator
second >> nn.LayerNorm(d_hid)  # E: arg-type
# Built inline, the layer's dims are inferred from the chain: the argument is reported.
nn.Linear(d_in, d_hid) >> nn.Linear(d_in, d_out)  # E: arg-type

mlp = nn.Sequential(nn.Linear(d_in, d_hid), nn.ReLU(), nn.Linear(d_hid, d_out))
# A wrong input dim, batched or not.
mlp(h)  # E: arg-type
mlp(stag.randn(d_hid))  # E: arg-type
# A wrong result type.
y1: Tensor[Batch, Hid] = mlp(x2)  # E: assignment
y2: Tensor[Out] = mlp(x2)  # E: arg-type
y3: Tensor[L7, Batch, Out] = mlp(x2)  # E: arg-type
m: nn.Sequential[In, Hid] = mlp  # E: assignment
# Flatten and Embedding do not map the last dim: Sequential does not chain them statically.
nn.Sequential(nn.Flatten(), nn.Linear(d_in, d_out))  # E: arg-type
