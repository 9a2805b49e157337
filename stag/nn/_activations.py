"""Activations and the softmax family, as functions of tensors (``stag.nn.functional``).

PyTorch's placement with numpy's ``axis=`` keyword.  The softmax family's stable
forms are primitives of their own (``stag._ops.reduce``); the rest are composites.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Never, overload

import numpy as np

from stag._backends import like
from stag._creation import Generator, default_generator
from stag._dims import L1, AnyShape, B, N, S
from stag._operands import expect_tensor, sizes
from stag._ops import Primitive
from stag._ops import elementwise as E
from stag._ops import reduce as R
from stag._pytorch_names import refuse_keywords
from stag._tensor import Tensor, apply


def softmax(x: Tensor[*S], axis: int = -1, **pytorch: Never) -> Tensor[*S]:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed without overflow.

    ``**pytorch`` takes no argument: it turns PyTorch's ``dim=`` into an error that
    names ``axis``.
    """
    return _along("softmax", R.softmax, x, axis, pytorch)


def log_softmax(x: Tensor[*S], axis: int = -1, **pytorch: Never) -> Tensor[*S]:
    """``x - logsumexp(x)`` along ``axis``: log-probabilities, stable for large logits.

    ``**pytorch`` takes no argument: it turns PyTorch's ``dim=`` into an error that
    names ``axis``.
    """
    return _along("log_softmax", R.log_softmax, x, axis, pytorch)


def _along(
    name: str, primitive: Primitive, x: Tensor[*S], axis: int, pytorch: Mapping[str, object]
) -> Tensor[*S]:
    """``name``'s primitive along ``axis``, after refusing PyTorch's keywords (``dim=``)."""
    if pytorch:
        refuse_keywords(name, pytorch)
    return apply(primitive, x, axis=axis)


@overload
def logsumexp(
    x: Tensor[*B, N], axis: Literal[-1] = -1, *, keepdims: Literal[False] = False
) -> Tensor[*B]: ...
@overload
def logsumexp(
    x: Tensor[*B, N], axis: Literal[-1] = -1, *, keepdims: Literal[True]
) -> Tensor[*B, L1]: ...
@overload
def logsumexp(
    x: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False
) -> Tensor[*B]: ...
@overload
def logsumexp(x: Tensor[*AnyShape], axis: int, *, keepdims: bool = False) -> Tensor[*AnyShape]: ...
def logsumexp(
    x: Tensor[*AnyShape], axis: int = -1, *, keepdims: bool = False, **pytorch: object
) -> Tensor[*AnyShape]:
    """``log(sum(exp(x)))`` along ``axis``, shifted by the max so it never overflows."""
    if pytorch:
        refuse_keywords("logsumexp", pytorch)
    return apply(R.logsumexp, x, axis=axis, keepdims=keepdims)


def gelu(x: Tensor[*S], approximate: Literal["none", "tanh"] = "none") -> Tensor[*S]:
    """GELU, ``x * Phi(x)`` with the normal CDF ``Phi``: exact (erf) by default, as PyTorch.

    ``approximate="tanh"`` is ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``, which
    differs from the exact form by less than 1e-3.
    """
    expect_tensor("gelu", x)
    if approximate == "none":
        return apply(E.gelu, x)
    if approximate == "tanh":
        return apply(E.gelu_tanh, x)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def dropout(
    x: Tensor[*S], p: float = 0.5, training: bool = True, *, generator: Generator | None = None
) -> Tensor[*S]:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The identity when ``training`` is False or ``p == 0``.

    **Arguments:** ``x`` of any shape; ``p`` in [0, 1]; ``generator`` for a
    reproducible mask.
    **Returns:** a tensor of ``x``'s shape.
    """
    expect_tensor("dropout", x)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must lie in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    rng = (generator or default_generator).rng
    keep = rng.random(sizes(x)) >= p
    scale = np.zeros((), x.dtype) if p == 1.0 else np.asarray(1.0 / (1.0 - p), x.dtype)
    return x * Tensor(like(keep * scale, x._data))  # the mask in x's library
