"""The functional API: a gradient has its argument's static type, whatever the container.

`grad(f)` differentiates by argument 0, `argnums=1` by the second, `argnums=(0, 1)` by
both (a tuple of gradients); `value_and_grad` also returns the 0-d value.
"""

from dataclasses import dataclass
from typing import Literal, NewType, assert_type

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

n = Batch(5)
x: Tensor[Batch, L3] = stag.randn(n, 3)
w: Tensor[L3, L4] = stag.randn(3, 4)
b: Tensor[L4] = stag.zeros(4)
Params = dict[str, Tensor[L3, L4]]


def dict_loss(params: Params, x: Tensor[Batch, L3]) -> Tensor[()]:
    return (x @ params["w"]).relu().sum()


def tuple_loss(params: tuple[Tensor[L3, L4], Tensor[L4]], x: Tensor[Batch, L3]) -> Tensor[()]:
    weight, bias = params
    return ((x @ weight + bias) ** 2).mean()


@dataclass
class Linear:
    weight: Tensor[L3, L4]
    bias: Tensor[L4]
    name: str = "linear"  # not a tensor: passed through unchanged


def module_loss(layer: Linear, x: Tensor[Batch, L3]) -> Tensor[()]:
    return (x @ layer.weight + layer.bias).tanh().mean()


# Argument 0, in a dict, a tuple and a dataclass.
assert_type(stag.grad(dict_loss)({"w": w}, x), Params)
assert_type(stag.grad(tuple_loss)((w, b), x), tuple[Tensor[L3, L4], Tensor[L4]])
layer_grad = stag.grad(module_loss)(Linear(w, b), x)
assert_type(layer_grad, Linear)
assert_type(layer_grad.weight, Tensor[L3, L4])

# value_and_grad: the 0-d value and the gradient.
value, grads = stag.value_and_grad(dict_loss)({"w": w}, x)
assert_type(value, Tensor[()])
assert_type(grads["w"], Tensor[L3, L4])

# argnums=1: the gradient with respect to the input.
assert_type(stag.grad(dict_loss, argnums=1)({"w": w}, x), Tensor[Batch, L3])
assert_type(stag.value_and_grad(module_loss, argnums=1)(Linear(w, b), x)[1], Tensor[Batch, L3])

# argnums=(0, 1): a tuple of both.
assert_type(
    stag.grad(tuple_loss, argnums=(0, 1))((w, b), x),
    tuple[tuple[Tensor[L3, L4], Tensor[L4]], Tensor[Batch, L3]],
)
assert_type(
    stag.value_and_grad(dict_loss, argnums=(0, 1))({"w": w}, x),
    tuple[Tensor[()], tuple[Params, Tensor[Batch, L3]]],
)

# derivative: d fn() / d one tensor of the expression.
v: Tensor[L3, L4] = stag.randn(3, 4, requires_grad=True)
assert_type(stag.derivative(lambda: (x @ v).sum(), v), Tensor[L3, L4])
