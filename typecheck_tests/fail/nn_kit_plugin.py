"""`nn.Flatten` under the mypy plugin: a wrong declared merged size is an error."""

# checkers: mypy

from typing import Literal, NewType

import stag
from stag import Tensor, nn

Batch = NewType("Batch", int)
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L12 = Literal[12]
L20 = Literal[20]

n = Batch(2)
images: Tensor[Batch, L3, L4, L5] = stag.randn(n, 3, 4, 5)
wrong: Tensor[Batch, L3, L12] = nn.Flatten(2)(images)  # E: assignment
also_wrong: Tensor[Batch, L20] = nn.Flatten()(images)  # E: assignment
