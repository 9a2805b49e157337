"""The transformer kit's ops reject shapes that do not fit."""

from typing import Literal, NewType

import stag
import stag.nn.functional as F
from stag import Tensor, nn

L3 = Literal[3]
L4 = Literal[4]
L8 = Literal[8]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Other = NewType("Other", int)
D = NewType("D", int)
E = NewType("E", int)

b, t = Batch(2), Seq(5)
Top = NewType("Top", int)
scores: Tensor[Batch, Seq, Seq] = stag.randn(b, t, t)
wrong_mask: Tensor[Seq, Other] = stag.ones(t, Other(3)) > 0
scores.masked_fill(wrong_mask, 0.0)  # E: arg-type
logits: Tensor[Batch, L8] = stag.randn(b, 8)
values, _ = logits.topk(Top(3))
four_best: Tensor[Batch, L4] = values  # E: assignment
kept: Tensor[Batch, L4] = logits.sort()[0]  # E: assignment

q: Tensor[Batch, Seq, D] = stag.randn(b, t, D(4))
k: Tensor[Batch, Other, L3] = stag.randn(b, Other(6), 3)
v: Tensor[Batch, Other, L3] = stag.randn(b, Other(6), 3)
F.scaled_dot_product_attention(q, k, v)  # E: misc
attend = nn.MultiheadAttention(E(8), 2)
tokens: Tensor[Batch, Seq, L8] = stag.randn(b, t, 8)
attend(tokens)  # E: arg-type
