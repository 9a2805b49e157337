"""Literal sizes written the PyTorch way keep their Literal type (the mypy plugin).

A constant argument (`784`, `64 * 12 * 12`, a `Final` or `Literal` name) keeps its
literal wherever a dim is expected: every layer's constructor (the user's own modules
too), `zeros`/`ones`/`rand`/`randn`, `full`, `arange`, `eye`, `reshape`, `expand`,
`assert_shape`.  A non-constant `int` stays `int`; a declared target still decides.
"""

# checkers: mypy

from typing import Final, Generic, Literal, NewType, TypeVar, assert_type

import stag
from stag import Tensor, nn

Batch = NewType("Batch", int)
L1 = Literal[1]
L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L8 = Literal[8]
L10 = Literal[10]
L16 = Literal[16]
L28 = Literal[28]
L784 = Literal[784]
HIDDEN: Final = 32
TEN: L10 = 10
n = Batch(4)

# Layers: every constructor argument that binds a type parameter.
assert_type(nn.Linear(784, 10), nn.Linear[L784, L10])
assert_type(nn.Linear(64 * 12 * 12, 128), nn.Linear[Literal[9216], Literal[128]])
assert_type(nn.Linear(HIDDEN * 2, TEN), nn.Linear[Literal[64], L10])
assert_type(nn.Conv2d(1, 8, 3), nn.Conv2d[L1, L8, L3, L1, Literal[0]])
assert_type(nn.LayerNorm(64), nn.LayerNorm[Literal[64]])
assert_type(nn.Embedding(27, 10), nn.Embedding[Literal[27], L10])
assert_type(nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1)), nn.Sequential[L2, L1])

# A module of the user's own.
D = TypeVar("D")


class Block(nn.Module, Generic[D]):
    def __init__(self, width: D) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)


assert_type(Block(64), Block[Literal[64]])

# Creation: the dims passed.
a = stag.zeros(2, 3)
assert_type(a, Tensor[L2, L3])
assert_type(stag.randn(5, 4), Tensor[Literal[5], L4])
assert_type(stag.ones(n, 3, requires_grad=True), Tensor[Batch, L3])
assert_type(stag.full((2, 3), 0.5), Tensor[L2, L3])
assert_type(stag.arange(10), Tensor[L10])
assert_type(stag.arange(1, 5), Tensor[L4])
assert_type(stag.arange(0, 10, 3), Tensor[L4])
assert_type(stag.eye(3), Tensor[L3, L3])
images: Tensor[Batch, L28, L28] = stag.randn(n, 28, 28)
assert_type(images.reshape(n, 28 * 28), Tensor[Batch, L784])
assert_type(stag.randn(8, 3).assert_shape(8, 3), Tensor[L8, L3])

# The layers' calls then check literal sizes.
x: Tensor[Batch, L16] = stag.randn(n, 16)
assert_type(nn.Linear(16, 1)(x), Tensor[Batch, L1])


# In a module: the attributes keep the literals, so the declared output checks.
class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 14 * 14, TEN)

    def __call__(self, x: Tensor[Batch, L1, L28, L28]) -> Tensor[Batch, L10]:
        return self.fc(self.pool(self.conv(x).relu()).flatten(1))


assert_type(Net()(stag.randn(n, 1, 28, 28)), Tensor[Batch, L10])

# A non-constant int stays int; a declared target decides.
width = len("abcd")
assert_type(nn.Linear(width, 10), nn.Linear[int, L10])
kept: nn.Linear[int, int] = nn.Linear(3, 4)
assert_type(kept, nn.Linear[int, int])

# The layers of the transformer and CNN kits, and the other creation functions.
seq: Tensor[Batch, Literal[5], L16] = stag.randn(n, 5, 16)
assert_type(nn.MultiheadAttention(16, 4)(seq), Tensor[Batch, Literal[5], L16])
assert_type(nn.BatchNorm1d(16)(x), Tensor[Batch, L16])
assert_type(nn.BatchNorm1d(16)(seq.transpose(1, 2)), Tensor[Batch, L16, Literal[5]])
gray: Tensor[Batch, L1, L28, L28] = stag.randn(n, 1, 28, 28)
assert_type(nn.BatchNorm2d(1)(gray), Tensor[Batch, L1, L28, L28])
assert_type(nn.AvgPool2d(2)(gray), Tensor[Batch, L1, stag.Dyn, stag.Dyn])
table = nn.Embedding(10, 16)
assert_type(nn.TiedLinear(table.weight), nn.TiedLinear[L16, L10])
assert_type(nn.TiedLinear(table.weight)(seq), Tensor[Batch, Literal[5], L10])
assert_type(stag.linspace(0.0, 1.0, 5), Tensor[Literal[5]])
assert_type(stag.randint(0, 10, 2, 3), Tensor[L2, L3])
assert_type(stag.full((2, 3), 0.5), Tensor[L2, L3])
assert_type(stag.arange(6).reshape(2, 3), Tensor[L2, L3])
assert_type(stag.zeros(4).expand(2, 4), Tensor[L2, L4])
