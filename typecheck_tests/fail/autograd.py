"""Autograd: backward from a non-scalar, and `.grad` used as if it were always there."""

from typing import Literal, NewType

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

n = Batch(8)
x: Tensor[Batch, L3] = stag.randn(n, 3)
w: Tensor[L3, L4] = stag.randn(3, 4, requires_grad=True)
out = x @ w

# backward needs a 0-d loss: reduce first.
out.backward()  # E: misc
out.sum(-1).backward()  # E: misc
out.mean(axis=0).backward()  # E: misc

# .grad is None until a backward pass reached it.
w.grad.sum()  # E: union-attr
step: Tensor[L3, L4] = w.grad  # E: assignment

grad_w = w.grad
if grad_w is not None:
    with stag.no_grad():
        w.sub_(grad_w.T)  # E: arg-type
        w.copy_(x)  # E: arg-type
    w.grad = grad_w.T  # E: assignment

with stag.no_grad:  # E: attr-defined
    pass
