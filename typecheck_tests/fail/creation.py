"""Creation: a result whose dims disagree with the declared target is an error."""

from typing import Literal, NewType

import stag
from stag import Tensor

L1 = Literal[1]
L3 = Literal[3]
L4 = Literal[4]
L784 = Literal[784]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)

n = Batch(32)
x: Tensor[Batch, L784] = stag.randn(n, 784)

wrong_size: Tensor[Batch, L3] = stag.zeros(n, 4)  # E: arg-type
swapped: Tensor[Batch, L3] = stag.zeros(3, n)  # E: arg-type
too_few: Tensor[Batch, L3] = stag.zeros(n)  # E: call-arg
too_many: Tensor[Batch] = stag.ones(n, 3)  # E: call-arg, arg-type
other_name: Tensor[Seq, L3] = stag.randn(n, 3)  # E: arg-type
plain_int: Tensor[Batch, L3] = stag.randn(32, 3)  # E: arg-type

# An unannotated result has int dims under pyright (the mypy plugin keeps the literals),
# which no longer fit a literal target there.
widened = stag.zeros(3, 4)
later: Tensor[L3, L4] = widened  # E[pyright]: reportAssignmentType

not_square: Tensor[L3, L4] = stag.eye(3)  # E: arg-type
full_shape: Tensor[Batch, L3] = stag.full((n, 4), 0.0)  # E: arg-type
like_shape: Tensor[Batch, L3] = stag.zeros_like(x)  # E: arg-type
range_size: Tensor[L3] = stag.arange(n)  # E: arg-type
not_a_vector: Tensor[L1] = stag.tensor(2.0)  # E: assignment
cast_to_other_dims: Tensor[Batch, L3] = x.astype("float64")  # E: assignment
