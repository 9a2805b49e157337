"""numpy's basic indexing, typed: ints drop dims, `:` keeps one, None adds a Literal[1].

A bounded slice makes its dim Dyn (the mypy plugin computes literal bounds; see
plugin_indexing.py); forms the overloads leave out are Tensor[*AnyShape], never a
wrong type.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import L1, Dyn, Tensor

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Hidden = NewType("Hidden", int)
L3 = Literal[3]

n, t, hid = Batch(4), Seq(6), Hidden(8)
states: Tensor[Batch, Seq, Hidden] = stag.randn(n, t, hid)
x: Tensor[Batch, L3] = stag.randn(n, 3)
qkv: Tensor[Batch, Seq, L3, Hidden] = stag.randn(n, t, 3, hid)

assert_type(states[:, -1], Tensor[Batch, Hidden])  # an RNN's last step
assert_type(states[:, 0, :], Tensor[Batch, Hidden])
assert_type(states[..., 0], Tensor[Batch, Seq])
assert_type(states[0, 1], Tensor[Hidden])
assert_type(states[0, :], Tensor[Seq, Hidden])
assert_type(states[:], Tensor[Batch, Seq, Hidden])
assert_type(states[:, 1:3], Tensor[Batch, Dyn, Hidden])
assert_type(qkv[:, :, 0], Tensor[Batch, Seq, Hidden])  # q, k, v from one projection
assert_type(x[:, None], Tensor[Batch, L1, L3])
assert_type(x[None], Tensor[L1, Batch, L3])
assert_type(x[..., None], Tensor[Batch, L3, L1])
assert_type(x[:, None] * x[None], Tensor[Batch, Batch, L3])  # pairwise, written out
