"""Movement: transposes and permutations reorder the dims; reshape takes its target's dims.

`reshape` and `flatten` cannot compute sizes without the plugin: state them with a
declared target (reshape) or accept the `Dyn` merged dim (flatten).
"""

from typing import Literal, NewType, assert_type

import stag
from stag import Dyn, Tensor

L1 = Literal[1]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L12 = Literal[12]
L28 = Literal[28]
L784 = Literal[784]
Batch = NewType("Batch", int)

n = Batch(2)
x: Tensor[Batch, L3] = stag.randn(n, 3)
cube: Tensor[Batch, L3, L4] = stag.randn(n, 3, 4)
nchw: Tensor[Batch, L3, L4, L5] = stag.randn(n, 3, 4, 5)
images: Tensor[Batch, L28, L28] = stag.randn(n, 28, 28)
column: Tensor[Batch, L1] = stag.randn(n, 1)

# Transposes.
assert_type(x.T, Tensor[L3, Batch])
assert_type(x.T.T, Tensor[Batch, L3])
assert_type(x.transpose(), Tensor[L3, Batch])
assert_type(cube.transpose(), Tensor[L4, L3, Batch])
assert_type(cube.swapaxes(-1, -2), Tensor[Batch, L4, L3])
assert_type(cube.swapaxes(0, 1), Tensor[L3, Batch, L4])

# Permutations: every order of 2 and 3 axes, and NCHW <-> NHWC.
assert_type(x.permute(1, 0), Tensor[L3, Batch])
assert_type(cube.permute(0, 2, 1), Tensor[Batch, L4, L3])
assert_type(cube.permute(2, 0, 1), Tensor[L4, Batch, L3])
assert_type(cube.permute(1, 2, 0), Tensor[L3, L4, Batch])
assert_type(nchw.permute(0, 2, 3, 1), Tensor[Batch, L4, L5, L3])
assert_type(nchw.permute(0, 2, 3, 1).permute(0, 3, 1, 2), Tensor[Batch, L3, L4, L5])

# Reshape: the result is typed by the dims given; a declared target keeps literals.
flat: Tensor[Batch, L784] = images.reshape(n, 784)
assert_type(flat, Tensor[Batch, L784])
assert_type(cube.reshape(n, 12), Tensor[Batch, L12])  # E[pyright]: reportAssertTypeFailure
back: Tensor[Batch, L28, L28] = flat.reshape(n, 28, 28)
assert_type(back, Tensor[Batch, L28, L28])

# Flatten: a declared target states the merged size (the mypy plugin computes it from
# literal dims, see plugin_arith.py).
assert_type(images.flatten(), Tensor[Dyn])
stated: Tensor[Batch, L784] = images.flatten(1)
assert_type(stated, Tensor[Batch, L784])

# repeat (np.repeat) and tile (np.tile): the repeated dims are Dyn; a declared target
# states them (the mypy plugin computes them, see plugin_arith.py).
assert_type(x.repeat(2, axis=0), Tensor[Dyn, L3])
assert_type(images.repeat(n, axis=0), Tensor[Dyn, L28, L28])
doubled: Tensor[Batch, L3, Literal[8]] = cube.repeat(2, axis=-1)
assert_type(doubled, Tensor[Batch, L3, Literal[8]])
tiled: Tensor[Batch, L12] = x.tile(4)
rows: Tensor[Batch, L3, L12] = cube.tile(1, 3)
grown: Tensor[L1, Batch, L3] = x.tile(1, 1, 1)

# Adding and removing size-1 dims at either end.
assert_type(x.unsqueeze(0), Tensor[L1, Batch, L3])
assert_type(x.unsqueeze(-1), Tensor[Batch, L3, L1])
assert_type(x.unsqueeze(0).squeeze(0), Tensor[Batch, L3])
assert_type(column.squeeze(-1), Tensor[Batch])
# Another axis: Tensor[*AnyShape], which a declared target states (the mypy plugin
# computes it, see plugin_arith.py).
middle: Tensor[Batch, L1, L3] = x.unsqueeze(1)
