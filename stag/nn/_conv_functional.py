"""``conv2d`` and ``max_pool2d`` as functions of NCHW tensors.

Channels are typed; a spatial size comes out as ``Dyn`` (its arithmetic needs
the mypy plugin), so annotate the result where you know it:
``y: Tensor[Batch, L8, L26, L26] = conv2d(x, w)``.  ``padding="same"`` with
stride 1 keeps ``H, W`` and is typed so.
"""

from __future__ import annotations

from typing import Literal, TypeVar, overload

import numpy as np

from stag._dims import AnyShape, Dyn, N
from stag._errors import ShapeError
from stag._operands import expect_tensor, promote, sizes
from stag._ops import conv as ops
from stag._ops import elementwise
from stag._ops.conv import Padding, Pair
from stag._tensor import Tensor, apply

# The dims of NCHW images and of filter banks, for this module, _conv and _pooling.
C = TypeVar("C")
Ci = TypeVar("Ci")
Co = TypeVar("Co")
H = TypeVar("H")
W = TypeVar("W")
KH = TypeVar("KH")
KW = TypeVar("KW")

IntPair = int | tuple[int, int]
PaddingArg = int | tuple[int, int] | Literal["same", "valid"]


def int_pair(name: str, what: str, value: IntPair, minimum: int) -> Pair:
    pair = (value, value) if isinstance(value, int | np.integer) else tuple(value)
    ok = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in pair)
    if len(pair) != 2 or not ok or min(pair) < minimum:
        raise ValueError(
            f"{name}: {what} must be an int >= {minimum} or a pair of them, got {value!r}"
        )
    return int(pair[0]), int(pair[1])


def padding_pairs(name: str, padding: PaddingArg, kernel: Pair, stride: Pair) -> Padding:
    """``((top, bottom), (left, right))``; "same" pads the extra row/column at the end."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{name}: padding='same' needs stride 1, got stride {stride}")
        (kh, kw) = kernel
        return ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)
    ph, pw = int_pair(name, "padding", padding, 0)
    return (ph, ph), (pw, pw)


@overload
def conv2d(
    x: Tensor[N, Ci, H, W],
    weight: Tensor[Co, Ci, KH, KW],
    bias: Tensor[Co] | None = None,
    stride: Literal[1] = 1,
    *,
    padding: Literal["same"],
) -> Tensor[N, Co, H, W]: ...
@overload
def conv2d(
    x: Tensor[N, Ci, H, W],
    weight: Tensor[Co, Ci, KH, KW],
    bias: Tensor[Co] | None = None,
    stride: IntPair = 1,
    padding: PaddingArg = 0,
) -> Tensor[N, Co, Dyn, Dyn]: ...
def conv2d(
    x: Tensor[N, Ci, H, W],
    weight: Tensor[Co, Ci, KH, KW],
    bias: Tensor[Co] | None = None,
    stride: IntPair = 1,
    padding: PaddingArg = 0,
) -> Tensor[N, Co, Dyn, Dyn]:
    """2-d cross-correlation of a batch of images with a bank of filters, as PyTorch's.

    **Arguments:**
    - ``x``: ``(N, C_in, H, W)``.
    - ``weight``: ``(C_out, C_in, kH, kW)``.
    - ``bias``: ``(C_out,)`` or None.
    - ``stride``: an int or ``(sH, sW)``.
    - ``padding``: zeros on each side, an int or ``(pH, pW)``; ``"valid"`` is 0;
      ``"same"`` (stride 1 only) keeps ``H, W``, padding the extra row and column of
      an even kernel at the bottom and right.

    **Returns:** ``(N, C_out, (H + 2pH - kH) // sH + 1, (W + 2pW - kW) // sW + 1)``.
    """
    for value in (x, weight) if bias is None else (x, weight, bias):
        expect_tensor("conv2d", value)
    x_shape, w_shape = sizes(x), sizes(weight)
    kernel = (w_shape[2], w_shape[3]) if len(w_shape) == 4 else (1, 1)
    strides = int_pair("conv2d", "stride", stride, 1)
    pads = padding_pairs("conv2d", padding, kernel, strides)
    problem = ops.conv2d_problem(x_shape, w_shape, strides, pads)
    if problem is not None:
        raise ShapeError(problem)
    x, weight = promote("conv2d", (x, weight))
    out: Tensor[*AnyShape] = apply(ops.conv2d, x, weight, stride=strides, padding=pads)
    if bias is None:
        return out
    if bias.shape != (w_shape[0],):
        raise ShapeError(f"conv2d: bias of shape {bias.shape} for {w_shape[0]} output channels")
    out, bias = promote("conv2d", (out, bias))
    column: Tensor[*AnyShape] = bias.reshape(w_shape[0], 1, 1)
    return apply(elementwise.add, out, column)


def max_pool2d(
    x: Tensor[N, C, H, W],
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
) -> Tensor[N, C, Dyn, Dyn]:
    """The maximum of each ``kernel_size`` window, as PyTorch's (padding is ``-inf``).

    **Arguments:**
    - ``x``: ``(N, C, H, W)``.
    - ``kernel_size``: an int or ``(kH, kW)``.
    - ``stride``: an int or ``(sH, sW)``; defaults to ``kernel_size``.
    - ``padding``: an int or ``(pH, pW)``, at most half the kernel.

    **Returns:** ``(N, C, (H + 2pH - kH) // sH + 1, (W + 2pW - kW) // sW + 1)``.
    The gradient goes to the first maximum of each window.
    """
    expect_tensor("max_pool2d", x)
    kernel = int_pair("max_pool2d", "kernel_size", kernel_size, 1)
    strides = kernel if stride is None else int_pair("max_pool2d", "stride", stride, 1)
    pads = padding_pairs("max_pool2d", padding, kernel, strides)
    problem = ops.max_pool2d_problem(sizes(x), kernel, pads)
    if problem is not None:
        raise ShapeError(problem)
    return apply(ops.max_pool2d, x, kernel=kernel, stride=strides, padding=pads)
