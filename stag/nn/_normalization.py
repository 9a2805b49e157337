"""Normalisation layers' functions (``stag.nn.functional.layer_norm``).

``layer_norm`` is one primitive with its own VJPs, not a composite of a dozen ops: its
forward makes one full-size array and runs each later pass in it (center, scale,
weight, bias), and its input VJP is the closed form
``rstd * (gw - mean(gw) - xhat * mean(gw * xhat))`` with ``gw = g * weight``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stag._autograd import Array
from stag._dims import AnyShape, B, N
from stag._errors import ShapeError
from stag._ops import defprim
from stag._tensor import DEFAULT_FLOAT, Tensor, apply, expect_tensor, promote

_add_reduce: Any = np.add.reduce  # np.sum without its Python wrapper


def _dot_last(a: Array, b: Array) -> Array:
    """``sum(a * b)`` over the last axis, kept, without the product as an array."""
    dot: Array = np.einsum("...i,...i->...", a, b)
    return dot[..., None]


def _xhat(x: Array, eps: float) -> tuple[Array, Array]:
    """``(x - mean) * rstd`` (a fresh array) and ``rstd = 1 / sqrt(var + eps)``, per row."""
    n = x.shape[-1]
    xhat = x - _add_reduce(x, axis=-1, keepdims=True) / n
    rstd = 1 / np.sqrt(_dot_last(xhat, xhat) / n + eps)
    return np.multiply(xhat, rstd, out=xhat), rstd


def _layer_norm(x: Array, weight: Array, bias: Array, *, eps: float, affine: bool) -> Array:
    y = _xhat(x, eps)[0]
    if affine:
        np.multiply(y, weight, out=y)
        np.add(y, bias, out=y)
    return y


def _layer_norm_vjp_x(
    g: Array, ans: Array, x: Array, weight: Array, bias: Array, *, eps: float, affine: bool
) -> Array:
    xhat, rstd = _xhat(x, eps)
    gw = g * weight if affine else np.array(g, dtype=xhat.dtype)  # a fresh array to write over
    n = x.shape[-1]
    mean_g, mean_gx = _add_reduce(gw, axis=-1, keepdims=True) / n, _dot_last(gw, xhat) / n
    np.subtract(gw, mean_g, out=gw)
    np.subtract(gw, np.multiply(xhat, mean_gx, out=xhat), out=gw)
    np.multiply(gw, rstd, out=gw)
    return gw


def _layer_norm_vjp_weight(
    g: Array, ans: Array, x: Array, weight: Array, bias: Array, *, eps: float, affine: bool
) -> Array:
    xhat = _xhat(x, eps)[0]
    np.multiply(xhat, g, out=xhat)
    return xhat  # the engine sums it over the leading axes


# fmt: off
layer_norm_prim = defprim("layer_norm", _layer_norm, _layer_norm_vjp_x, _layer_norm_vjp_weight,
    lambda g, ans, x, weight, bias, eps, affine: g)
# fmt: on


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
    size = x._data.shape[-1]
    dtype = x._data.dtype if x._data.dtype.kind == "f" else DEFAULT_FLOAT
    w = Tensor(np.ones(size, dtype)) if weight is None else weight
    b = Tensor(np.zeros(size, dtype)) if bias is None else bias
    affine = weight is not None or bias is not None
    x, w, b = promote("layer_norm", (x, w, b))
    return apply(layer_norm_prim, x, w, b, eps=float(eps), affine=affine)


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
