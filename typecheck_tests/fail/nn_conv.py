"""Conv2d and MaxPool2d: a wrong channel count or a non-4-d input is a type error."""

from typing import Literal, NewType

import stag
from stag import Tensor
from stag.nn import Conv2d, MaxPool2d
from stag.nn.functional import conv2d, max_pool2d

Batch = NewType("Batch", int)
Rgb = NewType("Rgb", int)
L1 = Literal[1]
L3 = Literal[3]
L8 = Literal[8]
L28 = Literal[28]

n = Batch(4)
gray: Tensor[Batch, L1, L28, L28] = stag.randn(n, 1, 28, 28)
rgb: Tensor[Batch, L3, L28, L28] = stag.randn(n, 3, 28, 28)
unbatched: Tensor[L1, L28, L28] = stag.randn(1, 28, 28)
conv: Conv2d[L1, L8] = Conv2d(1, 8, 3)

conv(rgb)  # E: arg-type
conv(unbatched)  # E: arg-type
MaxPool2d(2)(unbatched)  # E: arg-type
wrong_out: Tensor[Batch, L3, L28, L28] = conv(gray)  # E: assignment
Conv2d(Rgb(3), 8, 3)(gray)  # E: arg-type

# The functional forms check the weight's input channels and the bias size (mypy
# reports a dim shared by two arguments that disagree as a failed inference).
w: Tensor[L8, L3, L3, L3] = stag.randn(8, 3, 3, 3)
b: Tensor[L3] = stag.zeros(3)
conv2d(gray, w)  # E: arg-type
conv2d(rgb, w, b)  # E: misc
conv2d(rgb)  # E: call-overload
max_pool2d(unbatched, 2)  # E: arg-type
# "same" keeps the size in the type: a different size is an error.
same = conv2d(rgb, w, padding="same")
wrong_size: Tensor[Batch, L8, L8, L8] = same  # E: assignment
# A module's kernel, stride and padding type arguments are its own: a written one that
# differs from another module's is an error under both checkers.
k3: Conv2d[L1, L8, L3, L1, L1] = Conv2d(1, 8, 3, padding=1)
k5: Conv2d[L1, L8, Literal[5], L1, L1] = k3  # E: assignment
