"""stag.nn misused: wrong layer order, wrong input dim, wrong ids, wrong loss shapes."""

from typing import Literal, NewType

import numpy as np

import stag
from stag import Tensor, nn

In = NewType("In", int)
Hid = NewType("Hid", int)
Out = NewType("Out", int)
Batch = NewType("Batch", int)
L7 = Literal[7]

n = Batch(8)
d_in, d_hid, d_out = In(4), Hid(16), Out(3)
x1: Tensor[In] = stag.randn(d_in)
x2: Tensor[Batch, In] = stag.randn(n, d_in)
x3: Tensor[L7, Batch, In] = stag.randn(7, n, d_in)
h: Tensor[Batch, Hid] = stag.randn(n, d_hid)
lin = nn.Linear(d_in, d_hid)

# Wrong input dim, unbatched and batched.
lin(h)  # E: arg-type
lin(stag.randn(d_hid))  # E: arg-type
lin(x2.T)  # E: arg-type
nn.Linear(d_hid, d_out)(x3)  # E: arg-type
# The output type is the out dim, under the input's batch prefix (mypy infers from the
# declared target, so it reports the argument).
y1: Tensor[Batch, In] = lin(x2)  # E: assignment
y2: Tensor[Hid] = lin(x2)  # E: arg-type
y3: Tensor[Batch, Hid] = lin(x3)  # E: arg-type
y4: Tensor[Batch, Hid] = lin(x1)  # E: arg-type
# Shape-keeping layers keep the shape.
r: Tensor[Batch, Out] = nn.ReLU()(h)  # E: arg-type
g: Tensor[Hid] = nn.GELU()(h)  # E: arg-type
# LayerNorm[N] needs a last dim N.
nn.LayerNorm(d_in)(h)  # E: arg-type
# Embedding: the output has the ids' shape plus D.
emb = nn.Embedding(NewType("Vocab", int)(10), d_hid)
e: Tensor[Batch, Out] = emb(stag.zeros(n, dtype=np.int64))  # E: assignment
# Flatten keeps the leading dim; it needs one.
f: Tensor[In, int] = nn.Flatten()(h)  # E: arg-type
nn.Flatten()(stag.tensor(1.0))  # E: arg-type
# Linear's dims are part of its type.
wrong: nn.Linear[In, Out] = nn.Linear(d_in, d_hid)  # E: arg-type
