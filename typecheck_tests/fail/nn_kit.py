"""The nn kit misused: containers given the wrong module, Flatten's axes, a wrong dim."""

from typing import Literal, NewType

import stag
import stag.nn.functional as F
from stag import Dyn, Tensor, nn

Batch = NewType("Batch", int)
In = NewType("In", int)
Hid = NewType("Hid", int)
Out = NewType("Out", int)

n = Batch(8)
d_in, d_hid, d_out = In(4), Hid(16), Out(3)
x: Tensor[Batch, In] = stag.randn(n, d_in)
h: Tensor[Batch, Hid] = stag.randn(n, d_hid)

# Sequential's ends are typed: the first layer takes In, the last gives Out.
mlp = nn.Sequential(nn.Linear(d_in, d_hid), nn.ReLU(), nn.Linear(d_hid, d_out))
mlp[0](h)  # E: arg-type
y: Tensor[Batch, Hid] = mlp[-1](h)  # E: assignment

# A ModuleList holds one type of module.
blocks = nn.ModuleList([nn.Linear(d_hid, d_hid) for _ in range(3)])
blocks.append(nn.Linear(d_in, d_hid))  # E: arg-type
blocks[0](x)  # E: arg-type
heads = nn.ModuleDict({"a": nn.Linear(d_hid, d_out)})
heads[0]  # E: index
heads["a"](x)  # E: arg-type
nn.ModuleList([stag.randn(3)])  # E: type-var

# Flatten's axes are in its type: Flatten(0) gives one dim, Flatten(2) needs three.
cube: Tensor[Batch, In, Hid] = stag.randn(n, d_in, d_hid)
# (mypy takes a one-dim `Tensor[Dyn]` for any rank: a known hole, README "What the types check")
f0: Tensor[Batch, Dyn] = nn.Flatten(0)(cube)  # E[pyright]: reportAssignmentType
nn.Flatten(2)(x)  # E: arg-type
nn.Flatten(0)(stag.tensor(1.0))  # E: arg-type
nn.Flatten(1.5)  # E: call-overload

# BatchNorm[C]: the channels are dim 1, and the rank is the module's.
L3 = Literal[3]
L8 = Literal[8]
images: Tensor[Batch, L3, L8, L8] = stag.randn(n, 3, 8, 8)
bn2: nn.BatchNorm2d[L8] = nn.BatchNorm2d(8)
bn2(images)  # E: arg-type
bn2(stag.randn(n, 8, 8))  # E: arg-type
bn1 = nn.BatchNorm1d(d_hid)
bn1(x)  # E: arg-type
bn1(stag.randn(n, d_hid, 2, 2))  # E: arg-type
wrong_bn: Tensor[Batch, In] = bn1(h)  # E: assignment
stats: Tensor[L8] = stag.zeros(8)
F.batch_norm(images, stats, stats)  # E: misc

# Pooling keeps the channels (3 here) and needs NCHW; AdaptiveAvgPool2d(1) gives 1 x 1.
pool_wrong: Tensor[Batch, L8, int, int] = nn.AvgPool2d(2)(images)  # E: arg-type
nn.AvgPool2d(2)(x)  # E: arg-type
gap_wrong: Tensor[Batch, L3, L8, L8] = nn.AdaptiveAvgPool2d(1)(images)  # E: assignment
nn.AdaptiveAvgPool2d(1)(stag.randn(n, 3))  # E: arg-type
nn.AdaptiveAvgPool2d("1")  # E: call-overload

# A tied head maps the embedding's D to its V, and nothing else.
Vocab = NewType("Vocab", int)
wte = nn.Embedding(Vocab(50), d_hid)
lm_head = nn.TiedLinear(wte.weight)
lm_head(x)  # E: arg-type
logits: Tensor[Batch, Hid] = lm_head(h)  # E: assignment
as_linear: nn.Linear[Hid, Vocab] = lm_head  # E: assignment
nn.Sequential(lm_head, nn.Linear(d_hid, d_out))  # E: misc
nn.TiedLinear(stag.randn(n))  # E: arg-type
