"""A 2-layer MLP written with the operators: each step's shape follows from the last."""

from typing import Literal, NewType, assert_type

import numpy as np
from typing_extensions import TypeVarTuple

import stag
import stag.nn.functional as F
from stag import Tensor

L10 = Literal[10]
L784 = Literal[784]
Batch = NewType("Batch", int)
Hid = NewType("Hid", int)
S = TypeVarTuple("S")

n = Batch(8)
h = Hid(32)
x: Tensor[Batch, L784] = stag.randn(n, 784)
y: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
w1: Tensor[L784, Hid] = stag.randn(784, h, requires_grad=True)
b1: Tensor[Hid] = stag.zeros(h, requires_grad=True)
w2: Tensor[Hid, L10] = stag.randn(h, 10, requires_grad=True)
b2: Tensor[L10] = stag.zeros(10, requires_grad=True)


def forward(x: Tensor[Batch, L784]) -> Tensor[Batch, L10]:
    return stag.relu(x @ w1 + b1) @ w2 + b2


hidden = (x @ w1 + b1).relu()
assert_type(hidden, Tensor[Batch, Hid])
logits = hidden @ w2 + b2
assert_type(logits, Tensor[Batch, L10])
assert_type(forward(x), Tensor[Batch, L10])

loss = F.cross_entropy(forward(x), y)
assert_type(loss, Tensor[()])
loss.backward()


def sgd_step(param: Tensor[*S], lr: float) -> Tensor[*S]:
    grad = param.grad
    if grad is not None:
        with stag.no_grad():
            param.sub_(lr * grad)
    return param


# An SGD step written once for every shape keeps each parameter's type.
assert_type(sgd_step(w1, 0.01), Tensor[L784, Hid])
assert_type(sgd_step(b2, 0.01), Tensor[L10])

# Accuracy: predicted classes compared with labels of the same shape.
predicted = forward(x).argmax(-1)
assert_type(predicted, Tensor[Batch])
assert_type((predicted == y).mean(), Tensor[()])
