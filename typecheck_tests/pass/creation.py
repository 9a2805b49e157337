"""Creation: the dims passed are the dims of the result's type.

Literals keep their size against a declared target (or a dim object) for every checker;
the mypy plugin keeps them everywhere (plugin_literals.py), where pyright and mypy
without it widen an unannotated `zeros(2, 3)` to `Tensor[int, int]`.
"""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
from stag import Tensor

L3 = Literal[3]
L4 = Literal[4]
L784 = Literal[784]
Batch = NewType("Batch", int)

n = Batch(32)

# A declared target keeps literal sizes; a named dim keeps its name without one.
x: Tensor[Batch, L784] = stag.randn(n, 784)
assert_type(x, Tensor[Batch, L784])
assert_type(stag.randn(n, n), Tensor[Batch, Batch])
assert_type(stag.zeros(n), Tensor[Batch])

# Inferred variables: the mypy plugin keeps literal dims (plugin_literals.py); pyright and
# mypy without the plugin widen them to int.  A declared target keeps them everywhere.
a = stag.zeros(2, 3)
assert_type(a.sum(), Tensor[()])
kept: Tensor[L3, L4] = stag.zeros(3, 4)
assert_type(kept, Tensor[L3, L4])

# No dims at all is a 0-d tensor.
assert_type(stag.zeros(), Tensor[()])
assert_type(stag.full((), 0.5), Tensor[()])

ones_3: Tensor[Batch, L3] = stag.ones(n, 3, requires_grad=True)
assert_type(ones_3, Tensor[Batch, L3])
assert_type(stag.rand(n, dtype=np.float64), Tensor[Batch])
assert_type(stag.full((n, n), 1.0), Tensor[Batch, Batch])
assert_type(stag.eye(n), Tensor[Batch, Batch])
eye3: Tensor[L3, L3] = stag.eye(3)
assert_type(eye3, Tensor[L3, L3])

# `arange(n)` is typed by its one argument; start/stop/step is an unstated size.
assert_type(stag.arange(n), Tensor[Batch])
four: Tensor[L4] = stag.arange(1, 5)
assert_type(four, Tensor[L4])

# The *_like family copies the static shape.
assert_type(stag.zeros_like(x), Tensor[Batch, L784])
assert_type(stag.ones_like(x), Tensor[Batch, L784])
assert_type(stag.full_like(x, 2.0), Tensor[Batch, L784])
assert_type(stag.randn_like(x), Tensor[Batch, L784])
assert_type(stag.rand_like(x, generator=stag.Generator(0)), Tensor[Batch, L784])

# A Python number becomes a 0-d tensor.
assert_type(stag.tensor(1.5), Tensor[()])

# astype changes the dtype, which is not in the static type: the shape is kept.
assert_type(x.astype(np.float64), Tensor[Batch, L784])
