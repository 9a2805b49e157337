"""Normalisation layers' functions (``stag.nn.functional.layer_norm``, ``batch_norm``).

``layer_norm`` is one primitive with its own VJPs, not a composite of a dozen ops: its
forward makes one full-size array and runs each later pass in it (center, scale,
weight, bias), and its input VJP is the closed form
``rstd * (gw - mean(gw) - xhat * mean(gw * xhat))`` with ``gw = g * weight``.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np

from stag._autograd import Array, no_grad
from stag._backends import like
from stag._dims import AnyShape, B, Dyn, N, S
from stag._errors import ShapeError
from stag._operands import DEFAULT_FLOAT, expect_tensor, promote
from stag._ops import defportable, defprim
from stag._ops import namespace_of as ns
from stag._ops.reduce import count as reduce_count
from stag._tensor import Tensor, apply

C = TypeVar("C")

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


# the twin on any array-API library (stag._ops.portable): the same formulas, out of place
def _xhat_portable(x: Any, eps: float) -> tuple[Any, Any]:
    xp = ns(x)
    centred = x - xp.mean(x, axis=-1, keepdims=True)
    rstd = 1 / xp.sqrt(xp.mean(centred * centred, axis=-1, keepdims=True) + eps)
    return centred * rstd, rstd


def _layer_norm_portable(x: Any, weight: Any, bias: Any, *, eps: float, affine: bool) -> Any:
    y = _xhat_portable(x, eps)[0]
    return y * weight + bias if affine else y


def _layer_norm_portable_vjp_x(
    g: Any, ans: Any, x: Any, weight: Any, bias: Any, *, eps: float, affine: bool
) -> Any:
    xp = ns(x)
    xhat, rstd = _xhat_portable(x, eps)
    gw = g * weight if affine else g
    mean_g = xp.mean(gw, axis=-1, keepdims=True)
    mean_gx = xp.mean(gw * xhat, axis=-1, keepdims=True)
    return (gw - mean_g - xhat * mean_gx) * rstd


defportable(
    "layer_norm",
    _layer_norm_portable,
    _layer_norm_portable_vjp_x,
    lambda g, ans, x, weight, bias, eps, affine: _xhat_portable(x, eps)[0] * g,
    lambda g, ans, x, weight, bias, eps, affine: g,
)


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
    dtype = x.dtype if x.dtype.kind == "f" else DEFAULT_FLOAT
    w = Tensor(like(np.ones(size, dtype), x._data)) if weight is None else weight
    b = Tensor(like(np.zeros(size, dtype), x._data)) if bias is None else bias
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
                    f"{name}: {what} of shape {value.shape} for a last dim of size {size}; "
                    f"expected ({size},)"
                )


def batch_norm(
    x: Tensor[N, C, *S],
    running_mean: Tensor[C] | None,
    running_var: Tensor[C] | None,
    weight: Tensor[C] | None = None,
    bias: Tensor[C] | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor[N, C, *S]:
    """Normalise each channel (dim 1) over the batch and the other dims, as PyTorch's.

    Training: with the batch's mean and biased variance, and the running statistics
    (if given) updated in place, ``running = (1 - momentum) * running + momentum *
    batch``, with the batch's *unbiased* variance.  Evaluation: with the running
    statistics.  Then ``* weight + bias`` per channel.

    **Arguments:**
    - ``x``: ``(N, C, *S)``, such as ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``.
    - ``running_mean``, ``running_var``: ``(C,)`` buffers, or None (then ``training``
      must be True).
    - ``weight``, ``bias``: ``(C,)`` or None.
    - ``training``: use and update the batch's statistics.
    - ``momentum``: the running statistics' update factor; ``eps``: added to the variance.

    **Returns:** a tensor of ``x``'s shape.
    """
    channels = _check_batch_norm(x, (running_mean, running_var, weight, bias), training)
    rank = x._data.ndim
    axes = (0, *range(2, rank))
    column: tuple[Dyn, ...] = (channels,) + (1,) * (rank - 2)  # (C,) broadcast on dim 1
    if training:
        y = _with_batch_statistics(x, axes, (running_mean, running_var), momentum, eps)
    elif running_mean is None or running_var is None:
        raise ValueError(
            "batch_norm: evaluation mode (training=False) normalises with running_mean and "
            "running_var; give both, or pass training=True to use the batch's statistics"
        )
    else:
        y = (x - running_mean.reshape(*column)) / (running_var.reshape(*column) + eps).sqrt()
    if weight is not None:
        y = y * weight.reshape(*column)
    if bias is not None:
        y = y + bias.reshape(*column)
    return y


def _with_batch_statistics(
    x: Tensor[*S],
    axes: tuple[int, ...],
    running: tuple[Tensor[*AnyShape] | None, Tensor[*AnyShape] | None],
    momentum: float,
    eps: float,
) -> Tensor[*S]:
    """``x`` normalised with its mean and biased variance over ``axes``; the running
    mean and variance (if given) moved towards the mean and the unbiased variance."""
    mean = x.mean(axes, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(axes, keepdims=True)
    running_mean, running_var = running
    if running_mean is not None and running_var is not None:
        channels, count = x._data.shape[1], reduce_count(x._data.shape, axes)
        _update_running(running_mean, mean.reshape(channels), momentum)
        unbiased = variance.reshape(channels) * (count / (count - 1))
        _update_running(running_var, unbiased, momentum)
    return centered / (variance + eps).sqrt()


def _update_running(stat: Tensor[*AnyShape], batch: Tensor[*AnyShape], momentum: float) -> None:
    with no_grad():
        stat.mul_(1.0 - momentum).add_(batch * momentum)


_STAT_NAMES = ("running_mean", "running_var", "weight", "bias")


def _check_batch_norm(
    x: Tensor[*AnyShape], stats: tuple[Tensor[*AnyShape] | None, ...], training: bool
) -> int:
    """The number of channels, once ``x`` and every per-channel tensor are checked."""
    expect_tensor("batch_norm", x)
    shape = x._data.shape
    if len(shape) < 2:
        raise ShapeError(
            f"batch_norm: expected an input of shape (N, C, *S), got shape {shape}; "
            "add a batch dim with x.unsqueeze(0)"
        )
    channels: int = shape[1]
    for name, value in zip(_STAT_NAMES, stats, strict=True):
        if value is not None:
            expect_tensor("batch_norm", value)
            if value._data.shape != (channels,):
                raise ShapeError(
                    f"batch_norm: {name} of shape {value.shape} for an input with "
                    f"{channels} channels (shape {shape}); expected ({channels},)"
                )
    if training and math.prod(shape) // max(channels, 1) <= 1:
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, got an input "
            f"of shape {shape}; use a larger batch, or evaluation mode"
        )
    return channels
