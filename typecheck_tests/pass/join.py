"""Joining tensors: `concat` along an existing axis, `stack` along a new one.

The joined size is `Dyn` (state it with a declared target), except that `stack` of a
tuple of 2, 3 or 4 tensors has a literal leading size.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import Dyn, Tensor

L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
Batch = NewType("Batch", int)

n = Batch(2)
a: Tensor[Batch, L3] = stag.randn(n, 3)
b: Tensor[Batch, L3] = stag.randn(n, 3)
c: Tensor[Batch, L2] = stag.randn(n, 2)
d: Tensor[L5, L3] = stag.randn(5, 3)
rows: list[Tensor[Batch, L3]] = [a, b, a]

# concat along axis 0: the other dims must agree, the joined one is Dyn.
assert_type(stag.concat([a, b]), Tensor[Dyn, L3])
assert_type(stag.concat((a, d)), Tensor[Dyn, L3])
assert_type(stag.concat(rows), Tensor[Dyn, L3])

# concat along the last axis, with the joined size stated by the target (the mypy plugin
# adds literal sizes itself, see plugin_arith.py).
features: Tensor[Batch, L5] = stag.concat([a, c], axis=-1)
assert_type(features, Tensor[Batch, L5])

# stack of a tuple: a literal leading size.
assert_type(stag.stack((a, b)), Tensor[L2, Batch, L3])
assert_type(stag.stack((a, b, a)), Tensor[L3, Batch, L3])
assert_type(stag.stack((a, b, a, b)), Tensor[L4, Batch, L3])

# stack of a list variable: Dyn, at either end (the plugin counts a display of any length).
assert_type(stag.stack(rows), Tensor[Dyn, Batch, L3])
assert_type(stag.stack(rows, axis=-1), Tensor[Batch, L3, Dyn])
