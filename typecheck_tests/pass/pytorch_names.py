"""stag's spellings of PyTorch's idioms keep their types."""

from typing import Literal

from typing_extensions import assert_type

import stag
from stag import Dyn, Tensor
from stag.nn import functional as F

L2 = Literal[2]
L3 = Literal[3]

x: Tensor[L2, L3] = stag.zeros(2, 3)

assert_type(x.size, int)  # PyTorch's numel()
assert_type(x.shape, tuple[L2, L3])  # PyTorch's size()
assert_type(x.sum(axis=-1), Tensor[L2])  # sum(dim=-1)
assert_type(x.mean(axis=0, keepdims=True), Tensor[Literal[1], L3])  # mean(0, keepdim=True)
assert_type(x.argmax(axis=-1), Tensor[L2])  # argmax(dim=-1)
assert_type(F.softmax(x, axis=-1), Tensor[L2, L3])  # softmax(x, dim=-1)
assert_type(F.log_softmax(x, -1), Tensor[L2, L3])
assert_type(stag.stack((x, x), axis=0), Tensor[L2, L2, L3])  # torch.stack(.., dim=0)
joined: Tensor[Dyn, L3] = stag.concat([x, x])  # torch.cat([x, x])
