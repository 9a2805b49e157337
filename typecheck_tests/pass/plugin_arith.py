"""Shape arithmetic the mypy plugin (`stag.mypy_plugin`) computes: no annotation needed.

Without the plugin these results have `Dyn` dims (or widened `int` ones) and the
program states them with a declared target; see `movement.py`, `join.py`, `nn_conv.py`.
"""

# checkers: mypy

from typing import Literal, NewType, TypeVar, assert_type

import stag
from stag import Dyn, Tensor, nn
from stag.nn.functional import conv2d, max_pool2d

Batch = NewType("Batch", int)
Hid = NewType("Hid", int)
N = TypeVar("N")

L1 = Literal[1]
L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L7 = Literal[7]
L8 = Literal[8]
L12 = Literal[12]
L14 = Literal[14]
L16 = Literal[16]
L24 = Literal[24]
L26 = Literal[26]
L28 = Literal[28]
L32 = Literal[32]
L784 = Literal[784]

n = Batch(4)
images: Tensor[Batch, L28, L28] = stag.randn(n, 28, 28)
cube: Tensor[L2, L3, L4] = stag.randn(2, 3, 4)
a: Tensor[Batch, L3] = stag.randn(n, 3)
c: Tensor[Batch, L2] = stag.randn(n, 2)
h: Tensor[Batch, Hid] = stag.randn(n, Hid(5))

# flatten: the product of the merged literal dims.
assert_type(images.flatten(1), Tensor[Batch, L784])
assert_type(cube.flatten(), Tensor[L24])
assert_type(cube.flatten(1), Tensor[L2, L12])
assert_type(cube.flatten(-1), Tensor[L2, L3, L4])
assert_type(images.flatten(-2), Tensor[Batch, L784])
# ... a named or Dyn dim among them: the plain signature's Dyn.
assert_type(images.flatten(), Tensor[Dyn])
assert_type(h.flatten(), Tensor[Dyn])

# reshape: literal sizes kept without a target; one -1 inferred from the element count.
assert_type(cube.reshape(6, 4), Tensor[Literal[6], L4])
assert_type(cube.reshape(-1, 4), Tensor[Literal[6], L4])
assert_type(cube.reshape(2, -1), Tensor[L2, L12])
assert_type(images.reshape(n, -1), Tensor[Batch, L784])
assert_type(images.reshape(n, 7, -1), Tensor[Batch, L7, Literal[112]])
assert_type(images.reshape(-1, 28), Tensor[Dyn, L28])  # a named dim folded in: Dyn
assert_type(h.reshape(n, -1), Tensor[Batch, Hid])  # the one named dim left over
assert_type(a.reshape(3, n), Tensor[L3, Batch])

# concat: the joined size is the sum, for tuples and list displays, along any axis.
assert_type(stag.concat((a, c), axis=-1), Tensor[Batch, L5])
assert_type(stag.concat([a, c, a], axis=1), Tensor[Batch, Literal[8]])
assert_type(stag.concat([cube, cube]), Tensor[L4, L3, L4])
assert_type(stag.concat([a, a]), Tensor[Dyn, L3])  # Batch + Batch is not a literal

# stack: the new dim counts the tensors, however many, at the axis given.
assert_type(stag.stack([a, a, a, a, a]), Tensor[L5, Batch, L3])
assert_type(stag.stack((a, a, a, a, a, a, a)), Tensor[L7, Batch, L3])
assert_type(stag.stack([a, a], axis=-1), Tensor[Batch, L3, L2])
assert_type(stag.stack([a, a, a], axis=1), Tensor[Batch, L3, L3])

# conv2d / max_pool2d: (H + 2p - k) // s + 1 from literal sizes.
x: Tensor[Batch, L3, L32, L32] = stag.randn(n, 3, 32, 32)
w: Tensor[L8, L3, L5, L5] = stag.randn(8, 3, 5, 5)
assert_type(conv2d(x, w), Tensor[Batch, L8, L28, L28])
assert_type(conv2d(x, w, stride=2, padding=2), Tensor[Batch, L8, L16, L16])
assert_type(conv2d(x, w, stride=(1, 2), padding=(2, 0)), Tensor[Batch, L8, L32, L14])
assert_type(conv2d(x, w, padding="valid"), Tensor[Batch, L8, L28, L28])
assert_type(conv2d(x, w, padding="same"), Tensor[Batch, L8, L32, L32])
assert_type(max_pool2d(x, 2), Tensor[Batch, L3, L16, L16])
assert_type(max_pool2d(x, 3, stride=1, padding=1), Tensor[Batch, L3, L32, L32])
assert_type(max_pool2d(x, (2, 4)), Tensor[Batch, L3, L16, Literal[8]])
# ... a named size: Dyn, as without the plugin.
y: Tensor[Batch, L3, Hid, L26] = stag.randn(n, 3, Hid(26), 26)
assert_type(max_pool2d(y, 2), Tensor[Batch, L3, Dyn, Literal[13]])

# Conv2d / MaxPool2d modules: the constructor's literal kernel size, stride and padding
# fill the module's type, and a call computes H', W' from them.
GREY: L1 = 1
C8: L8 = 8
C32: L32 = 32
gray: Tensor[Batch, L1, L28, L28] = stag.randn(n, 1, 28, 28)
down = nn.Conv2d(GREY, C32, 3, stride=2, padding=1)
assert_type(down, nn.Conv2d[L1, L32, L3, L2, L1])
assert_type(down(gray), Tensor[Batch, L32, L14, L14])  # (28 + 2 - 3) // 2 + 1
same = nn.Conv2d(GREY, C8, 5, padding="same")
assert_type(same, nn.Conv2d[L1, L8, L5, L1, Literal["same"]])
assert_type(same(gray), Tensor[Batch, L8, L28, L28])
wide = nn.Conv2d(GREY, C8, (3, 5), stride=(1, 2), padding="valid")
assert_type(wide(gray), Tensor[Batch, L8, L26, L12])
assert_type(nn.MaxPool2d(2), nn.MaxPool2d[L2, L2, Literal[0]])  # stride: the kernel size
assert_type(nn.MaxPool2d(2)(gray), Tensor[Batch, L1, L14, L14])
assert_type(nn.MaxPool2d(3, stride=1, padding=1)(gray), Tensor[Batch, L1, L28, L28])
# ... a named size is Dyn ("same" keeps it); so is everything a module's type leaves out.
tall: Tensor[Batch, L1, Hid, L28] = stag.randn(n, 1, Hid(28), 28)
assert_type(down(tall), Tensor[Batch, L32, Dyn, L14])
assert_type(same(tall), Tensor[Batch, L8, Hid, L28])
stated: nn.Conv2d[L1, L8] = nn.Conv2d(1, 8, 3)  # K, S, P default to Dyn
assert_type(stated(gray), Tensor[Batch, L8, Dyn, Dyn])
written: nn.Conv2d[L1, L8, L3, L1, Literal[0]] = nn.Conv2d(1, 8, 3)
assert_type(written(gray), Tensor[Batch, L8, L26, L26])
kernel = 3  # an int variable, not a literal
assert_type(nn.Conv2d(GREY, C8, kernel)(gray), Tensor[Batch, L8, Dyn, Dyn])
lenet = nn.MaxPool2d(2)(nn.Conv2d(GREY, C8, 5, padding=2)(gray).relu()).flatten(1)
assert_type(lenet, Tensor[Batch, Literal[1568]])

# A chain: the LeNet-style feature extractor, every size inferred.
features = max_pool2d(conv2d(x, w).relu(), 2).flatten(1)
assert_type(features, Tensor[Batch, Literal[1568]])
assert_type(features @ stag.randn(1568, 10), Tensor[Batch, Literal[10]])

# Slicing a literal leading dim: the slice's length, as Python counts it.
seq: Tensor[L12, L3] = stag.randn(12, 3)
assert_type(seq[2:5], Tensor[L3, L3])
assert_type(seq[:-2], Tensor[Literal[10], L3])
assert_type(seq[::4], Tensor[L3, L3])
assert_type(seq[10:20], Tensor[L2, L3])
assert_type(seq[1], Tensor[L3])
assert_type(a[1:3], Tensor[Dyn, L3])  # a named leading dim: Dyn
k = 3
assert_type(seq[:k], Tensor[Dyn, L3])  # a bound that is not written: Dyn

# permute / squeeze / unsqueeze at axes their overloads leave out: computed on a known rank.
assert_type(cube.permute(2, 0, 1), Tensor[L4, L2, L3])
five: Tensor[Batch, L2, L3, L4, L5] = stag.randn(n, 2, 3, 4, 5)
assert_type(five.permute(0, 4, 1, 2, 3), Tensor[Batch, L5, L2, L3, L4])
assert_type(cube.unsqueeze(1), Tensor[L2, L1, L3, L4])
assert_type(cube.unsqueeze(-2), Tensor[L2, L3, L1, L4])
column: Tensor[L3, L1, L4] = stag.randn(3, 1, 4)
assert_type(column.squeeze(1), Tensor[L3, L4])
assert_type(column.squeeze(-2), Tensor[L3, L4])

# repeat / tile: the repeated sizes (tile: np.tile's rule, leading 1s pad the shorter side).
assert_type(cube.repeat(2, axis=0), Tensor[L4, L3, L4])
assert_type(cube.repeat(3, axis=-1), Tensor[L2, L3, L12])
assert_type(cube.repeat(2, axis=1), Tensor[L2, Literal[6], L4])
assert_type(a.repeat(2, axis=0), Tensor[Dyn, L3])  # Batch * 2 is not a literal
assert_type(a.repeat(1, axis=0), Tensor[Batch, L3])  # once: the dim itself
assert_type(cube.repeat(k, axis=1), Tensor[L2, Dyn, L4])  # a count that is not written
assert_type(cube.tile(2), Tensor[L2, L3, L8])
assert_type(cube.tile(2, 1, 3), Tensor[L4, L3, L12])
assert_type(cube.tile(3, 1, 1, 1), Tensor[L3, L2, L3, L4])  # more reps than dims
assert_type(a.tile(1, 2), Tensor[Batch, Literal[6]])
assert_type(a.tile(2, 2), Tensor[Dyn, Literal[6]])

# Where the plugin cannot count, the plain signature's result stands.
sizes = (2, 12)
assert_type(cube.reshape(*sizes), Tensor[int, int])
assert_type(stag.stack([a, *[a, a]]), Tensor[Dyn, Batch, L3])
assert_type(stag.concat((a, *[a, a])), Tensor[Dyn, L3])


def generic(x: Tensor[N, L3], y: Tensor[N, L4]) -> None:
    assert_type(stag.concat((x, y), axis=1), Tensor[N, Literal[7]])  # a type variable kept
    assert_type(x.flatten(), Tensor[Dyn])
    assert_type(x.repeat(2, axis=1), Tensor[N, Literal[6]])
    assert_type(y.tile(2, 1), Tensor[Dyn, L4])


# nn.Flatten(): as flatten(1).
assert_type(nn.Flatten()(images), Tensor[Batch, L784])
assert_type(nn.Flatten()(h), Tensor[Batch, Dyn])
