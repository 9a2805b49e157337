"""0-d tensors: `Tensor[()]` arithmetic stays 0-d, and a 0-d result can call `backward`."""

from typing import Literal, NewType, assert_type

import stag
from stag import Tensor

L3 = Literal[3]
Batch = NewType("Batch", int)

a = stag.tensor(2.0, requires_grad=True)
b = stag.tensor(3.0, requires_grad=True)
c = stag.tensor(4.0)
assert_type(a, Tensor[()])

out = (a + b) * c
assert_type(out, Tensor[()])
assert_type(a * 2 + 1, Tensor[()])
assert_type(1.0 / a - b, Tensor[()])
assert_type(a**2 + b**0.5, Tensor[()])
assert_type(-a, Tensor[()])
assert_type(stag.exp(a).log().sqrt(), Tensor[()])
assert_type(stag.maximum(a, 0.0), Tensor[()])

out.backward()
assert_type(a.grad, Tensor[()] | None)
assert_type(out.item(), float)
assert_type(float(out), float)

# A 0-d tensor scales a tensor of any shape, from either side.
x: Tensor[Batch, L3] = stag.randn(Batch(2), 3)
assert_type(c * x, Tensor[Batch, L3])
assert_type(x - c, Tensor[Batch, L3])
# A full reduction is 0-d and mixes with other 0-d tensors.
assert_type(x.sum() / x.max() + c, Tensor[()])
# A 0-d tensor's value as a Python int, an index or a count, and formatted (f"{loss:.4f}").
assert_type(int(out), int)
assert_type([10, 20, 30][stag.tensor(1)], int)
assert_type(range(stag.tensor(3)), range)
assert_type(f"{out:.3f}", str)
