"""Chains of layers: `Sequential(...)` and `>>` connect layers whose dims agree.

`Sequential[I, O]` maps `(*B, I)` to `(*B, O)`, for an unbatched input too.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import Tensor, nn

In = NewType("In", int)
Hid = NewType("Hid", int)
Hid2 = NewType("Hid2", int)
Out = NewType("Out", int)
Batch = NewType("Batch", int)
L1 = Literal[1]
L7 = Literal[7]

n = Batch(8)
d_in, d_hid, d_hid2, d_out = In(784), Hid(256), Hid2(128), Out(10)

x1: Tensor[In] = stag.randn(d_in)
x2: Tensor[Batch, In] = stag.randn(n, d_in)
x3: Tensor[L7, Batch, In] = stag.randn(7, n, d_in)

mlp = nn.Sequential(nn.Linear(d_in, d_hid), nn.ReLU(), nn.Linear(d_hid, d_out))
assert_type(mlp, nn.Sequential[In, Out])
assert_type(mlp(x1), Tensor[Out])
assert_type(mlp(x2), Tensor[Batch, Out])
assert_type(mlp(x3), Tensor[L7, Batch, Out])

# One layer, and ten.
assert_type(nn.Sequential(nn.Linear(d_in, d_out)), nn.Sequential[In, Out])
deep = nn.Sequential(
    nn.Linear(d_in, d_hid),
    nn.LayerNorm(d_hid),
    nn.GELU(),
    nn.Dropout(0.1),
    nn.Linear(d_hid, d_hid2),
    nn.Tanh(),
    nn.Linear(d_hid2, d_hid2),
    nn.Sigmoid(),
    nn.Linear(d_hid2, d_out),
    nn.Softmax(),
)
assert_type(deep, nn.Sequential[In, Out])
assert_type(deep(x2), Tensor[Batch, Out])

# Sequentials nest: a Sequential is a layer.
block = nn.Sequential(nn.Linear(d_hid, d_hid2), nn.ReLU())
assert_type(nn.Sequential(nn.Linear(d_in, d_hid), block), nn.Sequential[In, Hid2])

# The >> operator builds the same chains, of any length.
piped = nn.Linear(d_in, d_hid) >> nn.ReLU() >> nn.Linear(d_hid, d_hid2) >> nn.Tanh()
assert_type(piped, nn.Sequential[In, Hid2])
assert_type(piped >> nn.Linear(d_hid2, d_out), nn.Sequential[In, Out])
assert_type(nn.ReLU() >> nn.Linear(d_in, d_out), nn.Sequential[In, Out])
assert_type(nn.LayerNorm(d_in) >> nn.Linear(d_in, d_out), nn.Sequential[In, Out])
assert_type((block >> nn.Linear(d_hid2, d_out))(stag.randn(n, d_hid)), Tensor[Batch, Out])

# Plain ints: a valid model.  The mypy plugin keeps their literal sizes
# (plugin_literals.py); other checkers see `int` sizes, which are gradual (Dyn) in a call.
untyped = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
untyped_out: Tensor[Batch, L1] = untyped(stag.randn(n, 2))
assert_type(untyped_out, Tensor[Batch, L1])

# A function of the right shape is a layer too.
assert_type(nn.Sequential(nn.Linear(d_in, d_out), stag.relu), nn.Sequential[In, Out])


# A typed Sequential is a value like any other.
def head(width: Hid) -> nn.Sequential[Hid, Out]:
    return nn.Sequential(nn.Linear(width, d_out), nn.Softmax())


assert_type(head(d_hid)(stag.randn(n, d_hid)), Tensor[Batch, Out])
