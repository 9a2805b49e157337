"""Conv2d and MaxPool2d on NCHW images: channels typed, spatial sizes annotated.

`Conv2d[Ci, Co]` maps `(N, Ci, H, W)` to `(N, Co, Dyn, Dyn)`; `MaxPool2d` maps `(N, C, H, W)`
to `(N, C, Dyn, Dyn)`.  The spatial sizes need shape arithmetic: the mypy plugin computes
them from the kernel size, stride and padding in a module's type (`Conv2d[Ci, Co, K, S, P]`,
filled from literal constructor arguments; see plugin_arith.py); without it a declared
target states them.  `padding="same"` with stride 1 keeps `H, W` in the functional's type.
"""

from typing import Literal, NewType, assert_type

import stag
from stag import Dyn, Tensor
from stag.nn import Conv2d, MaxPool2d
from stag.nn.functional import conv2d, max_pool2d

Batch = NewType("Batch", int)
Rgb = NewType("Rgb", int)
L1 = Literal[1]
L2 = Literal[2]
L3 = Literal[3]
L8 = Literal[8]
L13 = Literal[13]
L14 = Literal[14]
L16 = Literal[16]
L26 = Literal[26]
L28 = Literal[28]

n = Batch(4)
images: Tensor[Batch, L1, L28, L28] = stag.randn(n, 1, 28, 28)

# The constructor infers the channel dims from its arguments.
conv: Conv2d[L1, L8] = Conv2d(1, 8, 3)
assert_type(conv.weight, Tensor[L8, L1, Dyn, Dyn])
assert_type(conv.bias, Tensor[L8] | None)
assert_type(conv(images), Tensor[Batch, L8, Dyn, Dyn])
assert_type(Conv2d(Rgb(3), n, 3).weight, Tensor[Batch, Rgb, Dyn, Dyn])

# Annotated spatial targets carry the sizes on.
h: Tensor[Batch, L8, L26, L26] = conv(images)
p: Tensor[Batch, L8, L13, L13] = MaxPool2d(2)(h.relu())
pool: MaxPool2d = MaxPool2d(2)  # a bare MaxPool2d: MaxPool2d[Dyn, Dyn, Dyn]
assert_type(pool(h), Tensor[Batch, L8, Dyn, Dyn])
# K, S, P (kernel size, stride, padding) default to Dyn; both checkers take them written out.
written: Conv2d[L1, L8, L3, L1, L1] = Conv2d(1, 8, 3, padding=1)
kept: Tensor[Batch, L8, L28, L28] = written(images)
strided: MaxPool2d[L2, L2, Literal[0]] = MaxPool2d(2)
assert_type(strided, MaxPool2d[L2, L2, Literal[0]])

# Channels chain from layer to layer.
conv2: Conv2d[L8, L16] = Conv2d(8, 16, 3, padding=1)
assert_type(conv2(p), Tensor[Batch, L16, Dyn, Dyn])

# The functional forms: "same" padding with stride 1 keeps H and W (other sizes: the mypy
# plugin computes them, see plugin_arith.py).
w: Tensor[L8, L1, L3, L3] = stag.randn(8, 1, 3, 3)
b: Tensor[L8] = stag.zeros(8)
same_size: Tensor[Batch, L8, L28, L28] = conv2d(images, w, b, padding=1)
assert_type(conv2d(images, w, b, padding="same"), Tensor[Batch, L8, L28, L28])
valid: Tensor[Batch, L8, L26, L26] = conv2d(images, w, padding="valid")
pooled: Tensor[Batch, L1, L14, L14] = max_pool2d(images, 2)
