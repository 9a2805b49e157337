"""What the mypy plugin rejects, and how it words shape errors.

`# E: shape` is the plugin's own error code; `# N: <text>` pins its message on the
line (a note under mypy's own error, or the error itself).
"""

# checkers: mypy

from typing import Literal, NewType

import stag
from stag import Tensor, nn
from stag.nn.functional import conv2d, max_pool2d

Batch = NewType("Batch", int)
In = NewType("In", int)
Hid = NewType("Hid", int)

L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L28 = Literal[28]

n = Batch(4)
images: Tensor[Batch, L28, L28] = stag.randn(n, 28, 28)
cube: Tensor[L2, L3, L4] = stag.randn(2, 3, 4)
a: Tensor[Batch, L3] = stag.randn(n, 3)
c: Tensor[Batch, L2] = stag.randn(n, 2)
x_in: Tensor[Batch, In] = stag.randn(n, In(3))
w_hid: Tensor[Hid, L4] = stag.randn(Hid(3), 4)
w34: Tensor[L3, L4] = stag.randn(3, 4)
w54: Tensor[L5, L4] = stag.randn(5, 4)
x: Tensor[Batch, L3, Literal[32], Literal[32]] = stag.randn(n, 3, 32, 32)
w: Tensor[Literal[8], L3, L5, L5] = stag.randn(8, 3, 5, 5)

# A wrong declared size is an error at the line that declares it.
flat: Tensor[Batch, Literal[785]] = images.flatten(1)  # E: assignment
six: Tensor[L2, Literal[10]] = cube.reshape(2, -1)  # E: arg-type  # N: the -1 is 12
joined: Tensor[Batch, L4] = stag.concat([a, c], axis=-1)  # E: assignment
four: Tensor[L4, Batch, L3] = stag.stack([a, a, a])  # E: assignment
conv_out: Tensor[Batch, Literal[8], L28, Literal[27]] = conv2d(x, w)  # E: assignment
pooled: Tensor[Batch, L3, Literal[15], Literal[16]] = max_pool2d(x, 2)  # E: assignment

# reshape: the element count must match; -1 must divide it.
cube.reshape(5, 5)  # E: shape  # N: reshape: (2, 3, 4) has 24 elements, (5, 5) has 25
images.reshape(n, 27, 28)  # E: shape  # N: has 784·Batch elements, (Batch, 27, 28) has 756·Batch
cube.reshape(5, -1)  # E: shape  # N: reshape: cannot infer -1: 24 elements do not divide by 5
cube.reshape(-1, -1)  # E: shape  # N: reshape: (-1, -1) has more than one -1

# concat / stack of a list display: the other dims must agree (mypy joins list items).
stag.concat([a, c])  # E: shape  # N: concat: dim 1 differs: 3 (tensor 0) vs 2 (tensor 1)
stag.stack([a, a, c])  # E: shape  # N: stack: dim 1 differs: 3 (tensor 0) vs 2 (tensor 2)
stag.stack([a, images[0]])  # E: shape  # N: stack: dim 0 differs: Batch (tensor 0) vs 28 (tensor 1)

# Readable messages under mypy's own errors: a note names the dims that differ.
x_in @ w_hid  # E: operator  # N: matmul: inner dimensions differ: In (dim -1 of the left) vs Hid (dim 0 of the right)
a @ w54  # E: operator  # N: matmul: inner dimensions differ: 3 (dim -1 of the left) vs 5 (dim 0 of the right)
a @ stag.randn(4)  # E: operator  # N: 3 (dim -1 of the left) vs 4 (dim 0 of the right)
stacked: Tensor[Literal[7], Batch, L3] = stag.randn(7, n, 3)
batched_w: Tensor[L5, L3, L4] = stag.randn(5, 3, 4)
stacked @ batched_w  # E: operator  # N: matmul: batch dimensions differ: (7,) vs (5,)
# stag.matmul: "matmul: inner dimensions differ: In (dim -1 of the left) vs 3 (dim 0 ...)"
stag.matmul(x_in, w34)  # E: misc  # N: In (dim -1 of the left) vs 3 (dim 0 of the right)
# "add: shapes (Batch, 3) and (Batch, 2) cannot be broadcast: 3 (dim -1 of the left) vs 2 ..."
a + c  # E: operator  # N: cannot be broadcast: 3 (dim -1 of the left) vs 2 (dim -1 of the right)
a * w34  # E: operator  # N: mul: shapes (Batch, 3) and (3, 4) cannot be broadcast
a - c  # E: operator  # N: sub: shapes (Batch, 3) and (Batch, 2) cannot be broadcast
a / c  # E: operator  # N: div: shapes (Batch, 3) and (Batch, 2) cannot be broadcast
# Module calls: "Linear: in_features differs: 3 (dim -1 of the input) vs In (the layer's)"
linear = nn.Linear(In(3), Hid(5))
linear(a)  # E: arg-type  # N: Linear: in_features differs: 3 (dim -1 of the input) vs In
norm = nn.LayerNorm(Hid(5))
norm(a)  # E: arg-type  # N: LayerNorm: normalized_shape differs: 3 (dim -1 of the input) vs Hid
conv: nn.Conv2d[L5, L4] = nn.Conv2d(5, 4, 3)
conv(x)  # E: arg-type  # N: Conv2d: in_channels differs: 3 (dim 1 of the input) vs 5

# Conv2d / MaxPool2d modules: a wrong declared size, or a module type that differs.
L1 = Literal[1]
L8 = Literal[8]
L13 = Literal[13]
ONE: L1 = 1
C8: L8 = 8
gray: Tensor[Batch, L1, L28, L28] = stag.randn(n, 1, 28, 28)
down = nn.Conv2d(ONE, C8, 3, stride=2, padding=1)
halved: Tensor[Batch, L8, L13, Literal[14]] = down(gray)  # E: assignment
kept: Tensor[Batch, L8, L28, L28] = nn.Conv2d(ONE, C8, 3, padding="valid")(gray)  # E: assignment
pooled2: Tensor[Batch, L1, L13, L13] = nn.MaxPool2d(2)(gray)  # E: assignment
k5: nn.Conv2d[L1, L8, L5, L1, Literal[0]] = nn.Conv2d(1, 8, 3)  # E: assignment

# A slice's length under a declared target.
window: Tensor[L4, L28] = images[0][2:5]  # E: assignment

# repeat / tile: a wrong declared size; a negative count or an axis out of range.
repeated: Tensor[L2, Literal[7], L4] = cube.repeat(2, axis=1)  # E: assignment
tiled: Tensor[L2, L3, Literal[9]] = cube.tile(2)  # E: assignment
leading: Tensor[L2, L3, L4] = cube.tile(1, 1, 1, 1)  # E: assignment
cube.repeat(-1, axis=0)  # E: shape  # N: repeat: negative repeats -1 for (2, 3, 4)
cube.repeat(2, axis=3)  # E: shape  # N: repeat: axis 3 is out of range for (2, 3, 4)
cube.tile(2, -1)  # E: shape  # N: tile: reps (2, -1) for (2, 3, 4) must be >= 0

# permute / squeeze at axes the overloads leave out.
cube.permute(0, 0, 1)  # E: shape  # N: permute: (0, 0, 1) is not an order of the 3 axes
cube.squeeze(1)  # E: shape  # N: squeeze: dim 1 of (2, 3, 4) is 3, not 1
