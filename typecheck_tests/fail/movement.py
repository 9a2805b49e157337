"""Movement: a transposed or reshaped result used with the dims it does not have."""

from typing import Literal, NewType

import stag
from stag import Tensor

L1 = Literal[1]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L28 = Literal[28]
L784 = Literal[784]
Batch = NewType("Batch", int)

n = Batch(2)
x: Tensor[Batch, L3] = stag.randn(n, 3)
cube: Tensor[Batch, L3, L4] = stag.randn(n, 3, 4)
nchw: Tensor[Batch, L3, L4, L5] = stag.randn(n, 3, 4, 5)
images: Tensor[Batch, L28, L28] = stag.randn(n, 28, 28)

_ = cube.T  # E: misc
twice: Tensor[L3, Batch] = x.T.T  # E: assignment
# numpy's transpose() reverses all axes; it is not torch's swap of the last two.
last_two: Tensor[Batch, L4, L3] = cube.transpose()  # E: assignment
wrong_pair: Tensor[Batch, L4, L3] = cube.swapaxes(0, 1)  # E: assignment
not_nhwc: Tensor[Batch, L3, L4, L5] = nchw.permute(0, 2, 3, 1)  # E: assignment
swapped_dims: Tensor[Batch, L784] = images.reshape(784, n)  # E: arg-type
typo: Tensor[Batch, L784] = images.reshape(n, 748)  # E: arg-type
wrong_end: Tensor[Batch, L1, L3] = x.unsqueeze(-1)  # E: assignment
# repeat's axis is keyword-only: PyTorch's x.repeat(2, 3) is tile here.
x.repeat(2, 1)  # E: call-overload
wrong_rank: Tensor[Batch] = x.tile(2)  # E: assignment
wrong_dim: Tensor[Batch, L4, L4] = cube.repeat(2, axis=-1)  # E: assignment
