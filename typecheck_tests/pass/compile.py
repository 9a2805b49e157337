"""`stag.compile` keeps the wrapped function's signature: arguments and result types."""

from typing import Literal, NewType, assert_type

import stag
from stag import Tensor, nn
from stag.optim import SGD

L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

model: nn.Linear[L3, L4] = nn.Linear(3, 4)
opt = SGD(model, lr=0.1)


def step(opt: SGD[nn.Linear[L3, L4]], x: Tensor[Batch, L3], y: Tensor[Batch, L4]) -> Tensor[()]:
    opt.zero_grad()
    loss = ((opt.module(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    return loss


compiled = stag.compile(step)
assert_type(compiled.captures, int)

n = Batch(8)
x: Tensor[Batch, L3] = stag.randn(n, 3)
y: Tensor[Batch, L4] = stag.randn(n, 4)
assert_type(compiled(opt, x, y), Tensor[()])
assert_type(compiled(opt, x=x, y=y), Tensor[()])


@stag.compile
def double(t: Tensor[Batch, L4]) -> tuple[Tensor[Batch, L4], int]:
    return t * 2, 2


assert_type(double(y), tuple[Tensor[Batch, L4], int])
assert_type(stag.compile(step, cache_size=2)(opt, x, y).item(), float)
