"""Autograd: `backward` on a 0-d result; `.grad` has the parameter's shape, or is None.

Updates happen in place inside `no_grad`, keeping the parameter's static type.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

n = Batch(8)
x: Tensor[Batch, L3] = stag.randn(n, 3)
w: Tensor[L3, L4] = stag.randn(3, 4, requires_grad=True)
b: Tensor[L4] = stag.zeros(4, requires_grad=True)

loss = ((x @ w + b) ** 2).mean()
assert_type(loss, Tensor[()])
assert_type(loss.backward(), None)

# The gradient has the parameter's shape, once narrowed from None.
assert_type(w.grad, Tensor[L3, L4] | None)
assert_type(b.grad, Tensor[L4] | None)
grad_w = w.grad
if grad_w is not None:
    assert_type(grad_w, Tensor[L3, L4])
    with stag.no_grad():
        assert_type(w.sub_(0.1 * grad_w), Tensor[L3, L4])
        assert_type(stag.is_grad_enabled(), bool)
        with stag.enable_grad():
            assert_type(stag.is_grad_enabled(), bool)

# Clearing and replacing gradients keeps the shape.
w.grad = None
b.grad = stag.zeros_like(b)
with stag.no_grad():
    assert_type(w.zero_(), Tensor[L3, L4])
    assert_type(b.add_(1.0).mul_(0.5), Tensor[L4])
    assert_type(w.copy_(stag.randn_like(w)), Tensor[L3, L4])

# Leaving the graph keeps the shape too.
assert_type(w.detach(), Tensor[L3, L4])
assert_type(x.requires_grad_(), Tensor[Batch, L3])
assert_type(loss.item(), float)
assert_type(w.shape, tuple[L3, L4])


# no_grad (and enable_grad) also decorate a function, keeping its signature.
@stag.no_grad()
def evaluate(t: Tensor[L3]) -> Tensor[()]:
    return t.sum()


assert_type(evaluate(stag.randn(3)), Tensor[()])
