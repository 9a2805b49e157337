"""Attention: ``scaled_dot_product_attention`` and the ``MultiheadAttention`` layer.

Scores ``q @ k^T * scale`` go through one masked-softmax primitive (a causal mask, a
boolean mask whose ``True`` entries take part, or an additive float mask), so a fully
masked row gives zeros, never NaN; the weighted sum of ``v`` is a batched matmul.
"""

from __future__ import annotations

import math
from typing import Generic, TypeVar, overload

import numpy as np

from stag._creation import Generator
from stag._dims import AnyShape, B, Dyn
from stag._errors import ShapeError
from stag._operands import expect_tensor
from stag._ops import reduce
from stag._tensor import Tensor, apply
from stag.nn._layers import DType, Linear, check_size
from stag.nn._module import Module

Tq = TypeVar("Tq")
Tk = TypeVar("Tk")
D = TypeVar("D")
Dv = TypeVar("Dv")
T = TypeVar("T")
E = TypeVar("E")


def scaled_dot_product_attention(
    q: Tensor[*B, Tq, D],
    k: Tensor[*B, Tk, D],
    v: Tensor[*B, Tk, Dv],
    mask: Tensor[*AnyShape] | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor[*B, Tq, Dv]:
    """``softmax(q @ k^T * scale + mask) @ v``, as PyTorch's, stable for masked rows.

    **Arguments:**
    - ``q``, ``k``, ``v``: ``(*B, Tq, D)``, ``(*B, Tk, D)``, ``(*B, Tk, Dv)``.
    - ``mask``: broadcasts to ``(*B, Tq, Tk)``: bool (``True`` takes part) or float
      (added to the scores; ``-inf`` masks out).
    - ``is_causal``: query ``i`` attends to keys ``0..i`` only.
    - ``scale``: ``1 / sqrt(D)`` unless given.

    **Returns:** ``(*B, Tq, Dv)``; a query whose every key is masked gets zeros.
    """
    expect_tensor("scaled_dot_product_attention", q, k, v)
    _check_attention_shapes(q, k, v)
    depth = q._data.shape[-1]
    scores = (q @ k.swapaxes(-1, -2)) * (1.0 / math.sqrt(depth) if scale is None else scale)
    keep = _causal(scores._data.shape) if is_causal else None
    if mask is not None:
        expect_tensor("scaled_dot_product_attention", mask)
        if mask.dtype.kind == "b":
            keep = mask._data if keep is None else keep & mask._data
        else:
            scores = scores + mask
    weights: Tensor[*AnyShape] = apply(reduce.masked_softmax, scores, keep=keep)
    return weights @ v


def _check_attention_shapes(
    q: Tensor[*AnyShape], k: Tensor[*AnyShape], v: Tensor[*AnyShape]
) -> None:
    qs, ks, vs = q._data.shape, k._data.shape, v._data.shape
    if min(len(qs), len(ks), len(vs)) < 2 or qs[-1] != ks[-1] or ks[-2] != vs[-2]:
        raise ShapeError(
            "scaled_dot_product_attention: expected q (*B, Tq, D), k (*B, Tk, D), "
            f"v (*B, Tk, Dv), got {qs}, {ks} and {vs}"
        )


def _causal(score_shape: tuple[int, ...]) -> np.ndarray:
    """True where query ``i`` may see key ``j <= i`` (top-left aligned, as PyTorch)."""
    tq, tk = score_shape[-2:]
    return np.tri(tq, tk, 0, dtype=bool)


class MultiheadAttention(Module, Generic[E]):
    """Multi-head self-attention: ``Tensor[*B, T, E] -> Tensor[*B, T, E]``.

    One ``Linear[E, 3E]`` makes queries, keys and values, split into ``num_heads`` heads
    of ``E // num_heads``; ``scaled_dot_product_attention`` per head; the heads are
    joined and projected by ``Linear[E, E]``.  ``causal=True`` masks later positions.

    **Arguments:** ``embed_dim`` (``E``, divisible by ``num_heads``), ``num_heads``,
    ``causal``, ``bias``, ``dtype``, ``generator``.
    """

    qkv: Linear[E, Dyn]
    out: Linear[E, E]

    def __init__(
        self,
        embed_dim: E,
        num_heads: int,
        *,
        causal: bool = False,
        bias: bool = True,
        dtype: DType | None = None,
        generator: Generator | None = None,
    ) -> None:
        super().__init__()
        size = check_size("MultiheadAttention", "embed_dim", embed_dim)
        heads = check_size("MultiheadAttention", "num_heads", num_heads)
        if size % heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim {size} is not divisible by num_heads {heads}"
            )
        self.embed_dim, self.num_heads, self.causal = size, heads, causal
        self.qkv = Linear(embed_dim, 3 * size, bias, dtype=dtype, generator=generator)
        self.out = Linear(embed_dim, embed_dim, bias, dtype=dtype, generator=generator)

    # `MultiheadAttention[int]` (pyright's and plain mypy's `MultiheadAttention(16, 4)`):
    # the embedding size is unknown and treated as Dyn, as Linear's.
    @overload
    def __call__(
        self: MultiheadAttention[int], x: Tensor[*B, T, Dyn], mask: Tensor[*AnyShape] | None = None
    ) -> Tensor[*B, T, Dyn]: ...
    @overload
    def __call__(
        self, x: Tensor[*B, T, E], mask: Tensor[*AnyShape] | None = None
    ) -> Tensor[*B, T, E]: ...
    def __call__(
        self, x: Tensor[*B, T, E], mask: Tensor[*AnyShape] | None = None
    ) -> Tensor[*B, T, E]:
        """**Arguments:** ``x`` of shape ``(*B, T, E)``; an optional ``mask`` as
        ``scaled_dot_product_attention``'s.  **Returns:** shape ``(*B, T, E)``."""
        shape = x.shape
        if len(shape) < 2 or shape[-1] != self.embed_dim:
            raise ShapeError(
                f"MultiheadAttention: expected (*B, T, {self.embed_dim}), got shape {shape}"
            )
        *batch, length, _ = shape
        heads, depth = self.num_heads, self.embed_dim // self.num_heads
        split: Tensor[*AnyShape] = self.qkv(x).reshape(*batch, length, 3, heads, depth)
        moved = split.permute(*range(len(batch)), -3, -2, -4, -1)  # (*B, 3, H, T, D)
        q, k, v = (moved[(..., i, slice(None), slice(None), slice(None))] for i in range(3))
        attended = scaled_dot_product_attention(q, k, v, mask, self.causal)
        merged: Tensor[*AnyShape] = attended.swapaxes(-2, -3).reshape(*batch, length, -1)
        return self.out(merged)

    def extra_repr(self) -> str:
        return f"{self.embed_dim}, num_heads={self.num_heads}, causal={self.causal}"
