"""The nn kit: containers, Flatten's axes, Identity, batch norm, pooling, a tied output head.

`ModuleList[T]` / `ModuleDict[T]` keep their element type; `Sequential` indexing types its
ends; `Flatten(start_axis, end_axis)` carries its axes in its type; `BatchNorm1d[C]` /
`BatchNorm2d[C]` keep the input's shape; pooling keeps the channels (`AdaptiveAvgPool2d(1)`
gives `Literal[1]` sizes); `TiedLinear` made from an `Embedding[V, D]` is a `Layer[D, V]`.
"""

from typing import Literal, NewType, assert_type

import stag
import stag.nn.functional as F
from stag import AnyShape, Dyn, Tensor, nn

Batch = NewType("Batch", int)
In = NewType("In", int)
Hid = NewType("Hid", int)
Out = NewType("Out", int)
L1 = Literal[1]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]

n = Batch(8)
d_in, d_hid, d_out = In(4), Hid(16), Out(3)
x: Tensor[Batch, In] = stag.randn(n, d_in)
h: Tensor[Batch, Hid] = stag.randn(n, d_hid)

# ---------------------------------------------------------------- Sequential indexing
mlp = nn.Sequential(nn.Linear(d_in, d_hid), nn.ReLU(), nn.Linear(d_hid, d_out))
assert_type(mlp[0](x), Tensor[Batch, Dyn])
assert_type(mlp[-1](h), Tensor[Batch, Out])
assert_type(mlp[1:], nn.Sequential[Dyn, Dyn])
assert_type(len(mlp), int)
for layer in mlp:
    assert_type(layer(x), Tensor[*AnyShape])

# ---------------------------------------------------------------- ModuleList, ModuleDict
blocks = nn.ModuleList([nn.Linear(d_hid, d_hid) for _ in range(3)])
assert_type(blocks, nn.ModuleList[nn.Linear[Hid, Hid]])
assert_type(blocks[0], nn.Linear[Hid, Hid])
assert_type(blocks[1:], nn.ModuleList[nn.Linear[Hid, Hid]])
assert_type(blocks.append(nn.Linear(d_hid, d_hid)), nn.ModuleList[nn.Linear[Hid, Hid]])
for block in blocks:
    h = block(h)
assert_type(h, Tensor[Batch, Hid])
empty: nn.ModuleList[nn.Linear[Hid, Hid]] = nn.ModuleList()
empty.extend(blocks)

heads = nn.ModuleDict({"a": nn.Linear(d_hid, d_out), "b": nn.Linear(d_hid, d_out)})
assert_type(heads, nn.ModuleDict[nn.Linear[Hid, Out]])
assert_type(heads["a"](h), Tensor[Batch, Out])
for name, head in heads.items():
    assert_type(name, str)
    assert_type(head(h), Tensor[Batch, Out])
assert_type(list(heads), list[str])
assert_type("a" in heads, bool)

# Module.apply returns the module, typed.
assert_type(mlp.apply(lambda m: None), nn.Sequential[In, Out])

# ---------------------------------------------------------------- Identity, Flatten
assert_type(nn.Identity()(x), Tensor[Batch, In])
assert_type(nn.Identity(d_hid, bias=False)(h), Tensor[Batch, Hid])
assert_type(nn.Linear(d_in, d_hid) >> nn.Identity(), nn.Sequential[In, Hid])

cube: Tensor[Batch, In, Hid, Out] = stag.randn(n, d_in, d_hid, d_out)
assert_type(nn.Flatten(), nn.Flatten[L1, Literal[-1]])
assert_type(nn.Flatten()(cube), Tensor[Batch, Dyn])
assert_type(nn.Flatten(1, -1)(cube), Tensor[Batch, Dyn])
assert_type(nn.Flatten(0)(cube), Tensor[Dyn])
assert_type(nn.Flatten(2)(cube), Tensor[Batch, In, Dyn])
assert_type(nn.Flatten(1, 2), nn.Flatten[int, int])
assert_type(nn.Flatten(1, 2)(cube), Tensor[*AnyShape])
flat: nn.Flatten = nn.Flatten()  # the bare name is the default Flatten[L1, L-1]
assert_type(flat(cube), Tensor[Batch, Dyn])

# ---------------------------------------------------------------- batch norm
L8 = Literal[8]
Seq = NewType("Seq", int)
images: Tensor[Batch, L8, L4, L5] = stag.randn(n, 8, 4, 5)
bn2: nn.BatchNorm2d[L8] = nn.BatchNorm2d(8)
assert_type(bn2(images), Tensor[Batch, L8, L4, L5])
assert_type(bn2.running_mean, Tensor[L8] | None)
assert_type(bn2.weight, Tensor[L8] | None)
bn1 = nn.BatchNorm1d(d_hid)
assert_type(bn1, nn.BatchNorm1d[Hid])
assert_type(bn1(h), Tensor[Batch, Hid])
seq_h: Tensor[Batch, Hid, Seq] = stag.randn(n, d_hid, Seq(5))
assert_type(bn1(seq_h), Tensor[Batch, Hid, Seq])
assert_type(nn.BatchNorm1d(d_hid, momentum=None, affine=False)(h), Tensor[Batch, Hid])
assert_type(F.batch_norm(images, None, None, training=True), Tensor[Batch, L8, L4, L5])
stats: Tensor[L8] = stag.zeros(8)
assert_type(F.batch_norm(images, stats, stats, stats, stats), Tensor[Batch, L8, L4, L5])

# ---------------------------------------------------------------- pooling
assert_type(nn.AvgPool2d(2)(images), Tensor[Batch, L8, Dyn, Dyn])
assert_type(F.avg_pool2d(images, 3, stride=1, padding=1), Tensor[Batch, L8, Dyn, Dyn])
gap = nn.AdaptiveAvgPool2d(1)
assert_type(gap, nn.AdaptiveAvgPool2d[L1])
assert_type(gap(images), Tensor[Batch, L8, L1, L1])
assert_type(nn.AdaptiveAvgPool2d((1, 1))(images), Tensor[Batch, L8, L1, L1])
assert_type(F.adaptive_avg_pool2d(images, 1), Tensor[Batch, L8, L1, L1])
assert_type(nn.AdaptiveAvgPool2d(7), nn.AdaptiveAvgPool2d[int])
assert_type(nn.AdaptiveAvgPool2d((2, None))(images), Tensor[Batch, L8, Dyn, Dyn])
assert_type(F.adaptive_avg_pool2d(images, (3, 2)), Tensor[Batch, L8, Dyn, Dyn])
pooled: Tensor[Batch, L8, L3, L3] = nn.AdaptiveAvgPool2d(3)(images)
# Global average pooling then a head: the flattened size is the channel count.
features: Tensor[Batch, L8] = gap(images).reshape(n, 8)
head8: nn.Linear[L8, Out] = nn.Linear(8, d_out)
assert_type(head8(features), Tensor[Batch, Out])
some_pool: nn.AdaptiveAvgPool2d = nn.AdaptiveAvgPool2d(4)  # the bare name: Dyn sizes
assert_type(some_pool(images), Tensor[Batch, L8, Dyn, Dyn])

# ---------------------------------------------------------------- weight tying (GPT)
Vocab = NewType("Vocab", int)
wte = nn.Embedding(Vocab(50), d_hid)
lm_head = nn.TiedLinear(wte.weight)
assert_type(lm_head, nn.TiedLinear[Hid, Vocab])
assert_type(lm_head.weight, Tensor[Vocab, Hid])
tokens: Tensor[Batch, Seq] = stag.zeros(n, Seq(5), dtype=int)
assert_type(lm_head(wte(tokens)), Tensor[Batch, Seq, Vocab])
assert_type(nn.LayerNorm(d_hid) >> lm_head, nn.Sequential[Hid, Vocab])
assert_type(nn.Sequential(nn.Linear(d_in, d_hid), nn.GELU(), lm_head), nn.Sequential[In, Vocab])
assert_type(nn.TiedLinear(wte.weight, bias=True).bias, Tensor[Vocab] | None)

Dim = NewType("Dim", int)


class GPTHead(nn.Module):
    """README's weight-tying example, as it is written there."""

    def __init__(self, vocab: Vocab, dim: Dim) -> None:
        self.wte = nn.Embedding(vocab, dim)
        self.ln = nn.LayerNorm(dim)
        self.lm_head = nn.TiedLinear(self.wte.weight)  # TiedLinear[Dim, Vocab]

    def __call__(self, ids: Tensor[Batch, Seq]) -> Tensor[Batch, Seq, Vocab]:
        return self.lm_head(self.ln(self.wte(ids)))


gpt = GPTHead(Vocab(50), Dim(8))
assert_type(gpt.lm_head, nn.TiedLinear[Dim, Vocab])
assert_type(gpt(tokens), Tensor[Batch, Seq, Vocab])
