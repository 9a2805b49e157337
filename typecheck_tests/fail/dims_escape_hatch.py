"""The escape hatch is local: a `Dyn` dim frees that dim only, and assert_shape states dims."""

from typing import Literal, NewType

import numpy as np

import stag
from stag import Dyn, Tensor

L3 = Literal[3]
L4 = Literal[4]
L784 = Literal[784]
Batch = NewType("Batch", int)

n = Batch(8)
w: Tensor[L3, L4] = stag.randn(3, 4)
x: Tensor[Batch, L3] = stag.randn(n, 3)
rows: Tensor[Dyn, L4] = stag.randn(8, 4)
array = np.zeros((8, 784), dtype=np.float32)

# The stated dims next to a Dyn one are still checked, and so is the rank.
rows @ w  # E: operator
x + rows  # E: operator
higher_rank: Tensor[Batch, L4, L4] = rows  # E: assignment

# assert_shape types the result by the dims passed to it.
wrong_target: Tensor[Batch, L4] = stag.tensor(array).assert_shape(n, 784)  # E: arg-type
swapped: Tensor[Batch, L784] = stag.tensor(array).assert_shape(784, n)  # E: arg-type
# len() is a plain int; a named dim needs its constructor, Batch(len(array)).
unnamed: Tensor[Batch, L784] = stag.tensor(array).assert_shape(len(array), 784)  # E: arg-type
