"""The functional API: non-scalar functions, wrong arguments, gradients taken for other types."""

from dataclasses import dataclass
from typing import Literal, NewType

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)

n = Batch(5)
x: Tensor[Batch, L3] = stag.randn(n, 3)
w: Tensor[L3, L4] = stag.randn(3, 4)
b: Tensor[L4] = stag.zeros(4)
v: Tensor[L3, L4] = stag.randn(3, 4, requires_grad=True)
Params = dict[str, Tensor[L3, L4]]


def dict_loss(params: Params, x: Tensor[Batch, L3]) -> Tensor[()]:
    return (x @ params["w"]).sum()


def per_sample_loss(params: Params, x: Tensor[Batch, L3]) -> Tensor[Batch]:
    return (x @ params["w"]).sum(-1)


@dataclass
class Linear:
    weight: Tensor[L3, L4]
    bias: Tensor[L4]


def module_loss(layer: Linear, x: Tensor[Batch, L3]) -> Tensor[()]:
    return (x @ layer.weight + layer.bias).mean()


# Only a function with a 0-d result has a gradient.
stag.grad(per_sample_loss)  # E: arg-type
stag.value_and_grad(per_sample_loss, argnums=1)  # E: arg-type
stag.derivative(lambda: x @ v, v)  # E: arg-type, return-value

# The gradient function takes the function's own arguments.
stag.grad(dict_loss)({"w": w}, w)  # E: arg-type
stag.grad(dict_loss)({"w": x}, x)  # E: dict-item

# A gradient has its argument's type, not another one.
transposed: Tensor[L4, L3] = stag.grad(dict_loss)({"w": w}, x)["w"]  # E: assignment
wrong_bias: Tensor[L3] = stag.grad(module_loss)(Linear(w, b), x).bias  # E: assignment
of_input: Params = stag.grad(dict_loss, argnums=1)({"w": w}, x)  # E: assignment
both: Tensor[Batch, L3] = stag.grad(dict_loss, argnums=(0, 1))({"w": w}, x)  # E: assignment
no_value: Params = stag.value_and_grad(dict_loss)({"w": w}, x)  # E: assignment
stag.grad(dict_loss)({"w": w}, x)["w"].backward()  # E: misc
