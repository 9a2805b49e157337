"""@stag.shapecheck keeps a function's static signature: generic dims still solve."""

from typing import Generic, Literal, NewType, TypeVar, assert_type

from typing_extensions import TypeVarTuple

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
L7 = Literal[7]
Batch = NewType("Batch", int)
B = TypeVarTuple("B")
N = TypeVar("N")
In = TypeVar("In")
Out = TypeVar("Out")


@stag.shapecheck
def layer(x: Tensor[N, In], w: Tensor[In, Out], b: Tensor[Out]) -> Tensor[N, Out]:
    return x @ w + b


@stag.shapecheck
def batched(x: Tensor[*B, In], w: Tensor[In, Out], b: Tensor[Out]) -> Tensor[*B, Out]:
    return x @ w + b


@stag.shapecheck
def double(x: Tensor[*B], factor: float = 2.0) -> Tensor[*B]:
    return x * factor


class Linear(Generic[In, Out]):
    weight: Tensor[In, Out]

    def __init__(self, weight: Tensor[In, Out]) -> None:
        self.weight = weight

    @stag.shapecheck
    def __call__(self, x: Tensor[N, In]) -> Tensor[N, Out]:
        return x @ self.weight

    @classmethod
    @stag.shapecheck
    def square(cls, weight: Tensor[In, In]) -> "Linear[In, In]":
        return Linear(weight)


n = Batch(5)
x: Tensor[Batch, L3] = stag.randn(n, 3)
w: Tensor[L3, L4] = stag.randn(3, 4)
b: Tensor[L4] = stag.randn(4)
w33: Tensor[L3, L3] = stag.randn(3, 3)
stacked: Tensor[L7, Batch, L3] = stag.randn(7, n, 3)

assert_type(layer(x, w, b), Tensor[Batch, L4])
assert_type(layer(x=x, w=w, b=b), Tensor[Batch, L4])
assert_type(batched(x, w, b), Tensor[Batch, L4])
assert_type(batched(stacked, w, b), Tensor[L7, Batch, L4])
assert_type(double(x), Tensor[Batch, L3])
assert_type(double(x, factor=3), Tensor[Batch, L3])
assert_type(Linear(w)(x), Tensor[Batch, L4])
assert_type(Linear.square(w33), Linear[L3, L3])  # E[pyright]: reportAssertTypeFailure
assert_type(stag.shapecheck(double)(x), Tensor[Batch, L3])

assert_type(stag.checking_enabled(), bool)
assert_type(stag.set_checking(True), None)
with stag.disable_checking():
    assert_type(layer(x, w, b), Tensor[Batch, L4])
with stag.install_import_hook(["some_package", "another"]) as hook:
    hook.uninstall()
