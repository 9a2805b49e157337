"""Normalisation layers' functions (``stag.nn.functional.layer_norm``)."""

from __future__ import annotations

from stag._dims import AnyShape, B, N
from stag._errors import ShapeError
from stag._operands import expect_tensor
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
    _check("layer_norm", x, weight, bias)
    centered = x - x.mean(-1, keepdims=True)
    variance = (centered * centered).mean(-1, keepdims=True)
    y = centered / (variance + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _check(
    name: str,
    x: Tensor[*AnyShape],
    weight: Tensor[*AnyShape] | None,
    bias: Tensor[*AnyShape] | None,
) -> None:
    """Tensors, a normalised last dim, and a weight and bias of that size."""
    expect_tensor(name, x)
    if x._data.ndim == 0:
        raise ShapeError(f"{name}: expected a tensor with a last dim to normalise, got a 0-d one")
    size = x._data.shape[-1]
    for what, value in (("weight", weight), ("bias", bias)):
        if value is not None:
            expect_tensor(name, value)
            if value._data.shape != (size,):
                raise ShapeError(
                    f"{name}: {what} of shape {value._data.shape} for a last dim of size {size}; "
                    f"expected ({size},)"
                )
