"""Normalisation layers' functions (``stag.nn.functional.layer_norm``)."""

from __future__ import annotations

from stag._dims import B, N
from stag._tensor import Tensor


def layer_norm(
    x: Tensor[*B, N],
    weight: Tensor[N] | None = None,
    bias: Tensor[N] | None = None,
    eps: float = 1e-5,
) -> Tensor[*B, N]:
    """Normalise the last axis to zero mean and unit (biased) variance, then scale and shift.

    **Arguments:** ``x`` of shape ``(*B, N)``; optional ``weight`` and ``bias``
    of shape ``(N,)``; ``eps`` added to the variance.
    **Returns:** a tensor of shape ``(*B, N)``.
    """
    centered = x - x.mean(-1, keepdims=True)
    variance = (centered * centered).mean(-1, keepdims=True)
    y = centered / (variance + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y
