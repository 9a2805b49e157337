"""The GPT-block row: one pre-norm transformer block, forward and backward, then SGD.

``B=8, T=64, C=128``, 4 heads of 32, an MLP of ``4C``: ``h = x + attn(ln1(x))``, ``out =
h + mlp(ln2(h))`` with causal ``scaled_dot_product_attention`` and exact GELU; the loss
is ``mean(out ** 2)``.  stag and PyTorch run this one source (``bench._common.library``)
on the same seeded weights; both write a linear layer as ``x @ W + b`` with ``W`` of
shape ``(in, out)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench._common import Array, Sizes, Step, library, train

F32 = np.float32


def _data(s: Sizes) -> tuple[list[Array], Array]:
    """The block's weights (LayerNorms, QKV, output projection, MLP) and its input."""
    c, hidden = s.gpt_width, 4 * s.gpt_width
    rng = np.random.default_rng(0)

    def linear(fan_in: int, fan_out: int) -> list[Array]:
        w = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(F32)
        return [w, np.zeros(fan_out, F32)]

    norm = [np.ones(c, F32), np.zeros(c, F32)]
    arrays = [*norm, *linear(c, 3 * c), *linear(c, c), *norm, *linear(c, hidden)]
    arrays += linear(hidden, c)
    x = rng.standard_normal((s.gpt_batch, s.gpt_tokens, c)).astype(F32)
    return [a.copy() for a in arrays], x


def gpt_block(name: str, s: Sizes) -> tuple[Step, int]:
    """stag's or PyTorch's training step of the block (one unit: a step)."""
    lib = library(name)
    arrays, x_array = _data(s)
    params = [lib.param(a) for a in arrays]
    x = lib.tensor(x_array)
    b, t, c = x_array.shape
    heads = s.gpt_heads
    d = c // heads

    def norm(v: Any, w: Any, bias: Any) -> Any:
        if name == "stag":
            return lib.F.layer_norm(v, w, bias)
        return lib.F.layer_norm(v, (c,), w, bias)

    def split_heads(a: Any) -> Any:
        return a.reshape(b, t, heads, d).permute(0, 2, 1, 3)  # (B, H, T, D)

    def step() -> float:
        ln1w, ln1b, wqkv, bqkv, wo, bo, ln2w, ln2b, w1, b1, w2, b2 = params
        qkv = norm(x, ln1w, ln1b) @ wqkv + bqkv
        q, k, v = (split_heads(qkv[..., i * c : (i + 1) * c]) for i in range(3))
        att = lib.F.scaled_dot_product_attention(q, k, v, is_causal=True)
        h = x + att.permute(0, 2, 1, 3).reshape(b, t, c) @ wo + bo
        out = h + lib.F.gelu(norm(h, ln2w, ln2b) @ w1 + b1) @ w2 + b2
        return train(lib, (out * out).mean(), params)

    return step, 1
