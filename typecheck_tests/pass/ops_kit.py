"""The transformer kit's ops keep or compute their shapes: splits, masks, sorting, scans,
creation and sampling, attention, gradients of intermediates."""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
import stag.nn.functional as F
from stag import Dyn, Tensor, nn

L3 = Literal[3]
L4 = Literal[4]
L8 = Literal[8]
L12 = Literal[12]
Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Heads = NewType("Heads", int)

b, t, h = Batch(2), Seq(5), Heads(2)
Top = NewType("Top", int)  # a named size: pyright widens a literal solved into a TypeVar
Steps = NewType("Steps", int)
top, steps = Top(3), Steps(4)
eight: L8 = 8
qkv: Tensor[Batch, Seq, L12] = stag.randn(b, t, 12)
q, k, v = qkv.chunk(3)
assert_type(q, Tensor[Batch, Seq, Dyn])
head, tail = stag.split(qkv, (4, 8))
assert_type(tail, Tensor[Batch, Seq, Dyn])

scores: Tensor[Batch, Heads, Seq, Seq] = stag.randn(b, h, t, t)
causal: Tensor[Seq, Seq] = stag.tril(stag.ones(t, t)) > 0
assert_type(scores.masked_fill(causal, -np.inf), Tensor[Batch, Heads, Seq, Seq])
assert_type(stag.triu(scores, 1), Tensor[Batch, Heads, Seq, Seq])
assert_type(scores.cumsum(-1), Tensor[Batch, Heads, Seq, Seq])
assert_type(stag.cumsum(scores, 0), Tensor[Batch, Heads, Seq, Seq])

logits: Tensor[Batch, L8] = stag.randn(b, 8)
values, indices = logits.topk(top)
assert_type(values, Tensor[Batch, Top])
assert_type(indices, Tensor[Batch, Top])
assert_type(logits.sort()[0], Tensor[Batch, L8])
assert_type(logits.argsort(descending=True), Tensor[Batch, L8])
assert_type(logits.std(-1), Tensor[Batch])
assert_type(logits.norm(-1, keepdims=True), Tensor[Batch, Literal[1]])
assert_type(logits.norm(), Tensor[()])

bias: Tensor[L8] = stag.zeros(8)
assert_type(bias.expand(b, eight), Tensor[Batch, L8])  # E[pyright]: reportAssertTypeFailure
grid: Tensor[Batch, L8] = stag.broadcast_to(bias, (b, eight))
assert_type(stag.linspace(0.0, 1.0, steps), Tensor[Steps])
assert_type(stag.randint(0, 10, b, t), Tensor[Batch, Seq])
assert_type(stag.multinomial(F.softmax(logits), top), Tensor[Batch, Top])

D = NewType("D", int)
queries: Tensor[Batch, Heads, Seq, D] = stag.randn(b, h, t, D(4))
keys: Tensor[Batch, Heads, Seq, D] = stag.randn(b, h, t, D(4))
vals: Tensor[Batch, Heads, Seq, L3] = stag.randn(b, h, t, 3)
assert_type(
    F.scaled_dot_product_attention(queries, keys, vals, is_causal=True),
    Tensor[Batch, Heads, Seq, L3],
)
E = NewType("E", int)
attend = nn.MultiheadAttention(E(8), 2, causal=True)
tokens: Tensor[Batch, Seq, E] = stag.randn(b, t, E(8))
assert_type(attend(tokens), Tensor[Batch, Seq, E])

w: Tensor[L8] = stag.ones(8, requires_grad=True)
hidden = logits * w
loss = hidden.sum()
assert_type(stag.grad_of(loss, hidden), Tensor[Batch, L8])
assert_type(hidden.retain_grad(), Tensor[Batch, L8])
assert_type(stag.erf(hidden), Tensor[Batch, L8])
