"""Literal sizes written the PyTorch way are checked (the mypy plugin): a wrong size is
an error at the call that proves it."""

# checkers: mypy

from typing import Literal, NewType

import stag
from stag import Tensor, nn

Batch = NewType("Batch", int)
L1 = Literal[1]
L10 = Literal[10]
L16 = Literal[16]
L28 = Literal[28]
n = Batch(4)
x: Tensor[Batch, L16] = stag.randn(n, 16)
seq: Tensor[Batch, Literal[5], L16] = stag.randn(n, 5, 16)
gray: Tensor[Batch, L1, L28, L28] = stag.randn(n, 1, 28, 28)

# The two misses measured before the plugin kept literals:
conv = nn.Conv2d(1, 8, 3)  # (28 - 3 + 1) ** 2 * 8 = 5408 features, not 8 * 28 * 28
nn.Linear(8 * 28 * 28, 10)(conv(gray).flatten(1))  # E: arg-type
nn.Linear(8, 1)(x)  # E: arg-type  # N: Linear: in_features differs: 16 (dim -1 of the input) vs 8 (the layer's)

# The kit's layers.
nn.MultiheadAttention(8, 2)(seq)  # E: arg-type
nn.BatchNorm1d(8)(x)  # E: arg-type
nn.BatchNorm2d(3)(gray)  # E: arg-type
nn.TiedLinear(nn.Embedding(10, 8).weight)(x)  # E: arg-type
nn.LayerNorm(8)(x)  # E: arg-type  # N: LayerNorm: normalized_shape differs: 16 (dim -1 of the input) vs 8
nn.Embedding(27, 8)(stag.zeros(n).astype("int64")) @ stag.randn(16, 4)  # E: arg-type

# Creation functions: the declared target's sizes against the literal arguments.
steps: Tensor[Literal[4]] = stag.linspace(0.0, 1.0, 5)  # E: arg-type
ids: Tensor[Literal[3], Literal[2]] = stag.randint(0, 10, 2, 3)  # E: arg-type
filled: Tensor[Literal[3], Literal[2]] = stag.full((2, 3), 0.5)  # E: arg-type
grid: Tensor[Literal[3], Literal[2]] = stag.arange(6).reshape(2, 3)  # E: arg-type
wide: Tensor[Literal[2], Literal[5]] = stag.zeros(4).expand(2, 4)  # E: arg-type
