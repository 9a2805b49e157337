"""stag.nn layers: each typed for an unbatched input and under any batch prefix.

`Linear[I, O]` maps `(*B, I)` to `(*B, O)`; the activations keep the shape; `LayerNorm[N]`
keeps `(*B, N)`; `Embedding[V, D]` maps integer ids `(*B,)` to `(*B, D)`; `Flatten` maps
`(N, *S)` to `(N, Dyn)`.  Plain ints work wherever a dim does.
"""

from typing import Literal, NewType, assert_type

import numpy as np

import stag
from stag import Tensor, nn

In = NewType("In", int)
Hid = NewType("Hid", int)
Out = NewType("Out", int)
Batch = NewType("Batch", int)
Vocab = NewType("Vocab", int)
L7 = Literal[7]
L28 = Literal[28]
L32 = Literal[32]
L64 = Literal[64]

n = Batch(8)
d_in, d_hid, d_out = In(4), Hid(16), Out(3)

x1: Tensor[In] = stag.randn(d_in)
x2: Tensor[Batch, In] = stag.randn(n, d_in)
x3: Tensor[L7, Batch, In] = stag.randn(7, n, d_in)

# Linear: the constructor infers the dims from its arguments.
lin = nn.Linear(d_in, d_hid)
assert_type(lin, nn.Linear[In, Hid])
assert_type(lin.weight, Tensor[In, Hid])
assert_type(lin.bias, Tensor[Hid] | None)
assert_type(lin(x1), Tensor[Hid])
assert_type(lin(x2), Tensor[Batch, Hid])
assert_type(lin(x3), Tensor[L7, Batch, Hid])
assert_type(nn.Linear(d_in, d_hid, bias=False)(x2), Tensor[Batch, Hid])

# Plain ints: a valid model.  The mypy plugin keeps their literal sizes
# (plugin_literals.py); other checkers see `int` sizes, which are gradual (Dyn) in a call.
untyped = nn.Linear(2, 32)
untyped_out: Tensor[Batch, L32] = untyped(stag.randn(n, 2))
assert_type(untyped_out, Tensor[Batch, L32])

# Literal dims are kept when the layer is annotated.
lit: nn.Linear[L64, L28] = nn.Linear(64, 28)
xl: Tensor[Batch, L64] = stag.randn(n, 64)
assert_type(lit(xl), Tensor[Batch, L28])

# Shape-keeping layers, under any prefix.
h: Tensor[Batch, Hid] = lin(x2)
assert_type(nn.ReLU()(h), Tensor[Batch, Hid])
assert_type(nn.Tanh()(x3), Tensor[L7, Batch, In])
assert_type(nn.Sigmoid()(x1), Tensor[In])
assert_type(nn.GELU()(h), Tensor[Batch, Hid])
assert_type(nn.Softmax()(h), Tensor[Batch, Hid])
assert_type(nn.Dropout(0.1)(x3), Tensor[L7, Batch, In])

# LayerNorm[N] keeps (*B, N).
norm = nn.LayerNorm(d_hid)
assert_type(norm, nn.LayerNorm[Hid])
assert_type(norm(h), Tensor[Batch, Hid])
assert_type(norm.weight, Tensor[Hid] | None)
assert_type(nn.LayerNorm(d_in)(x3), Tensor[L7, Batch, In])

# Embedding[V, D]: integer ids of any shape to vectors.
emb = nn.Embedding(Vocab(100), d_hid)
assert_type(emb, nn.Embedding[Vocab, Hid])
ids: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
seq_ids: Tensor[Batch, L7] = stag.zeros(n, 7, dtype=np.int64)
assert_type(emb(ids), Tensor[Batch, Hid])
assert_type(emb(seq_ids), Tensor[Batch, L7, Hid])
assert_type(emb.weight, Tensor[Vocab, Hid])
# ... and its output feeds a Linear.
assert_type(nn.Linear(d_hid, d_out)(emb(seq_ids)), Tensor[Batch, L7, Out])

# Flatten: (N, *S) to (N, Dyn); annotate the merged size to go on (the mypy plugin
# computes it, see plugin_arith.py).
images: Tensor[Batch, L28, L28] = stag.randn(n, 28, 28)
flat: Tensor[Batch, Literal[784]] = nn.Flatten()(images)
classifier: nn.Linear[Literal[784], Out] = nn.Linear(784, d_out)
assert_type(classifier(flat), Tensor[Batch, Out])
