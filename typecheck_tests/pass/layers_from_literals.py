"""Layers built from plain literal sizes, the PyTorch way, check under every checker.

The mypy plugin keeps the literals (`nn.Linear(16, 1)` is `Linear[L16, L1]`) and checks
each call; pyright (and mypy without the plugin) solve the type parameters to `int`, a
size they cannot know, which a call treats as `Dyn`: gradual, never a mismatch.
"""

from typing import Literal, NewType

import stag
from stag import L1, Tensor, nn

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
L16 = Literal[16]
L28 = Literal[28]
L10 = Literal[10]
n = Batch(4)


def regression_head(x: Tensor[Batch, L16]) -> Tensor[Batch, L1]:
    return nn.Linear(16, 1)(x)


class SmallCNN(nn.Module):
    """The conv, pool and linear sizes all from literals and names typed as literals."""

    def __init__(self) -> None:
        super().__init__()
        one: L1 = 1
        eight: Literal[8] = 8
        ten: L10 = 10
        self.conv = nn.Conv2d(one, eight, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 14 * 14, ten)
        self.norm = nn.LayerNorm(10)

    def __call__(self, x: Tensor[Batch, L1, L28, L28]) -> Tensor[Batch, L10]:
        h = self.pool(self.conv(x).relu())
        flat: Tensor[Batch, Literal[1568]] = h.flatten(1)
        return self.norm(self.fc(flat))


class Tagger(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(27, 16)
        self.mlp = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 10))

    def __call__(self, ids: Tensor[Batch]) -> Tensor[Batch, L10]:
        return self.mlp(self.embed(ids))


out: Tensor[Batch, L10] = SmallCNN()(stag.randn(n, 1, 28, 28))
scores: Tensor[Batch, L10] = Tagger()(stag.zeros(n).astype("int64"))
head: Tensor[Batch, L1] = regression_head(stag.randn(n, 16))


class Block(nn.Module):
    """The transformer kit built the PyTorch way: attention, batch norm, a tied head."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 16)
        self.attn = nn.MultiheadAttention(16, 4)
        self.norm = nn.BatchNorm1d(16)
        self.head = nn.TiedLinear(self.embed.weight)

    def __call__(self, ids: Tensor[Batch, Seq]) -> Tensor[Batch, Seq, L10]:
        h = self.attn(self.embed(ids))
        normed: Tensor[Batch, L16, Seq] = self.norm(h.transpose(1, 2))
        return self.head(normed.transpose(1, 2))


class Pooled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.norm = nn.BatchNorm2d(8)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(8 * 14 * 14, 10)

    def __call__(self, x: Tensor[Batch, L1, L28, L28]) -> Tensor[Batch, L10]:
        h = self.pool(self.norm(self.conv(x)))
        return self.fc(h.flatten(1))


seq_ids: Tensor[Batch, Seq] = stag.zeros(n, Seq(5)).astype("int64")
logits: Tensor[Batch, Seq, L10] = Block()(seq_ids)
pooled: Tensor[Batch, L10] = Pooled()(stag.randn(n, 1, 28, 28))
