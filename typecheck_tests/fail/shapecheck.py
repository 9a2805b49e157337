"""@stag.shapecheck hides nothing from mypy: the static errors stay static."""

from typing import Literal, NewType, TypeVar

from typing_extensions import TypeVarTuple

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
Batch = NewType("Batch", int)
N = TypeVar("N")
B = TypeVarTuple("B")
In = TypeVar("In")
Out = TypeVar("Out")


@stag.shapecheck
def layer(x: Tensor[N, In], w: Tensor[In, Out], b: Tensor[Out]) -> Tensor[N, Out]:
    return x @ w + b


@stag.shapecheck
def batched(x: Tensor[*B, In], w: Tensor[In, Out], b: Tensor[Out]) -> Tensor[*B, Out]:
    return x @ w + b


@stag.shapecheck
def scale(x: Tensor[N], factor: float) -> Tensor[N]:
    return x * factor


n = Batch(5)
x: Tensor[Batch, L3] = stag.randn(n, 3)
w: Tensor[L3, L4] = stag.randn(3, 4)
b5: Tensor[L5] = stag.randn(5)
v: Tensor[L3] = stag.randn(3)

layer(x, w, b5)  # E: misc
layer(x, w.T, b5)  # E: misc
layer(x, w)  # E: call-arg
wrong: Tensor[Batch, L5] = layer(x, w, stag.randn(4))  # E: arg-type
batched(x, w.T, stag.randn(4))  # E: misc
batch_out: Tensor[Batch, L5] = batched(x, w, stag.randn(4))  # E: arg-type
scale(v, "2")  # E: arg-type
scale(v, factor=2.0, extra=1)  # E: call-arg
stag.shapecheck(42)  # E: arg-type
stag.set_checking("off")  # E: arg-type
stag.install_import_hook(42)  # E: arg-type
