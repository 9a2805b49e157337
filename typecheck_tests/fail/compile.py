"""`stag.compile` keeps the wrapped function's signature: a wrong argument is an error."""

from typing import Literal, NewType

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
Batch = NewType("Batch", int)


@stag.compile
def predict(x: Tensor[Batch, L3], w: Tensor[L3, L4]) -> Tensor[Batch, L4]:
    return x @ w


n = Batch(8)
x: Tensor[Batch, L3] = stag.randn(n, 3)
w: Tensor[L3, L4] = stag.randn(3, 4)
wrong: Tensor[L4, L3] = stag.randn(4, 3)

predict(x, wrong)  # E: arg-type
predict(x)  # E: call-arg
predict(x, w, 3)  # E: call-arg
result: Tensor[Batch, L3] = predict(x, w)  # E: assignment
stag.compile(predict, cache_size="8")  # E: arg-type
