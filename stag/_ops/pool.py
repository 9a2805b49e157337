"""Average pooling on NCHW arrays: the mean of each window, as PyTorch's ``avg_pool2d``.

Zero padding counts in the divisor (PyTorch's default ``count_include_pad=True``),
so the forward adds the ``kh * kw`` strided slices of the padded input that the
kernel offsets meet and divides by ``kh * kw``; the VJP adds ``g / (kh * kw)`` back
into the same slices.  Both loop over kernel offsets, never over pixels or images.

``kernel``, ``stride`` and ``padding`` are ``(h, w)`` pairs; padding is the same on
both sides of a dim.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from stag._autograd import Array
from stag._ops import defprim

Pair = tuple[int, int]


def _out_hw(hw: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair) -> Pair:
    """``(H + 2p - k) // s + 1`` for the height and the width."""
    h, w = hw
    return (h + 2 * padding[0] - kernel[0]) // stride[0] + 1, (
        w + 2 * padding[1] - kernel[1]
    ) // stride[1] + 1


def _window_slices(kernel: Pair, stride: Pair, out: Pair) -> Iterator[tuple[Any, ...]]:
    """For each kernel offset, the cells of the padded input it meets across all windows."""
    for di in range(kernel[0]):
        rows = slice(di, di + stride[0] * (out[0] - 1) + 1, stride[0])
        for dj in range(kernel[1]):
            yield (Ellipsis, rows, slice(dj, dj + stride[1] * (out[1] - 1) + 1, stride[1]))


def _avg_pool2d(x: Array, *, kernel: Pair, stride: Pair, padding: Pair) -> Array:
    (ph, pw), out_hw = padding, _out_hw(x.shape[2:], kernel, stride, padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    total = np.zeros(x.shape[:2] + out_hw, dtype=x.dtype)
    for cells in _window_slices(kernel, stride, out_hw):
        total += padded[cells]
    return np.asarray(total / (kernel[0] * kernel[1]), dtype=x.dtype)


def _avg_pool2d_vjp(
    g: Array, ans: Array, x: Array, *, kernel: Pair, stride: Pair, padding: Pair
) -> Array:
    (ph, pw), (h, w) = padding, x.shape[2:]
    dpadded = np.zeros(x.shape[:2] + (h + 2 * ph, w + 2 * pw), dtype=g.dtype)
    share = g / (kernel[0] * kernel[1])
    for cells in _window_slices(kernel, stride, g.shape[2:]):
        dpadded[cells] += share
    return np.ascontiguousarray(dpadded[:, :, ph : ph + h, pw : pw + w])


def avg_pool2d_problem(x_shape: tuple[int, ...], kernel: Pair, padding: Pair) -> str | None:
    """Why ``avg_pool2d`` cannot take this input, or None if it can."""
    if len(x_shape) != 4:
        return f"avg_pool2d: expected a 4-d input (N, C, H, W), got shape {x_shape}"
    if 2 * padding[0] > kernel[0] or 2 * padding[1] > kernel[1]:
        return f"avg_pool2d: padding {padding} is more than half the kernel {kernel}"
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        return f"avg_pool2d: kernel {kernel} is larger than the padded input {padded} (input {x_shape})"
    return None


def _avg_pool2d_error(datas: tuple[Array, ...], kw: dict[str, Any]) -> str:
    (x,) = datas
    problem = avg_pool2d_problem(x.shape, kw["kernel"], kw["padding"])
    return problem or f"avg_pool2d: cannot pool shape {x.shape}"


# fmt: off
avg_pool2d = defprim("avg_pool2d", _avg_pool2d, _avg_pool2d_vjp, error_text=_avg_pool2d_error)
# fmt: on
