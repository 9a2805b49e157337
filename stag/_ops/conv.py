"""Convolution and pooling primitives on NCHW arrays.

Both see the padded input through ``sliding_window_view``: a strided view of
shape ``(N, C, Ho, Wo, kh, kw)`` that copies nothing.  ``conv2d`` copies that
view once into an im2col matrix (the copy's inner loop runs along image rows)
for one ``matmul`` call: per image for a small filter bank, whose result is
then already NCHW, or one gemm over the whole batch.  Its weight VJP is one
BLAS call over the same windows, its input VJP the same matmul followed by
col2im: a loop over the ``kh*kw`` kernel offsets adding strided slices.
``max_pool2d`` loops over the kernel offsets too.  Nothing loops over pixels
or batch items.

``stride`` is ``(sh, sw)``; ``padding`` is ``((top, bottom), (left, right))``
so that PyTorch's ``padding="same"`` with an even kernel can pad one side more.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from stag._autograd import Array
from stag._errors import format_shapes
from stag._ops import defprim

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]


def _pad(x: Array, padding: Padding, value: float = 0.0) -> Array:
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    return np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=value)


def _pad_lowest(x: Array, padding: Padding) -> Array:
    """Padded with the dtype's lowest value (``-inf`` for floats): never a window's max."""
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    return _pad(x, padding, lowest)


def _unpad(xp: Array, padding: Padding) -> Array:
    (pt, pb), (pl, pr) = padding
    return xp[:, :, pt : xp.shape[2] - pb, pl : xp.shape[3] - pr]


def _windows(xp: Array, kernel: Pair, stride: Pair) -> Array:
    """The ``(N, C, Ho, Wo, kh, kw)`` view of every window of the padded input."""
    view = sliding_window_view(xp, kernel, axis=(2, 3))
    sh, sw = stride
    return view if sh == sw == 1 else view[:, :, ::sh, ::sw]


def _offsets(
    kernel: Pair, stride: Pair, out_hw: Pair
) -> Iterator[tuple[int, int, tuple[Any, ...]]]:
    """Each kernel offset ``(i, j)`` and the strided slice of the padded input it meets."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)
            yield i, j, (Ellipsis, rows, cols)


def _im2col(x: Array, kernel: Pair, stride: Pair, padding: Padding) -> Array:
    """The windows copied to ``(C, kh, kw, N, Ho, Wo)``: row ``(c, i, j)`` of im2col."""
    return _windows(_pad(x, padding), kernel, stride).transpose(1, 4, 5, 0, 2, 3).copy()


# ------------------------------------------------------------------ conv2d


# Below this many weights a per-image matmul (numpy loops the gemm over the batch) writes
# NCHW directly and skips a transpose copy; from it, one gemm over the whole batch is faster
# and makes one threaded BLAS call instead of N, which matters on busy cores.
_ONE_GEMM_FROM = 4096


def _filter_matmul(m: Array, b: Array, k: int) -> Array:
    """``m @ b[i]`` for every image ``i``: ``(M, K)`` with ``(N, *K dims, H, W)`` to ``(N, M, H*W)``."""
    n = b.shape[0]
    hw = math.prod(b.shape[-2:])  # spelled out: reshape cannot infer -1 for an empty batch
    if m.size < _ONE_GEMM_FROM:
        return m @ b.reshape(n, k, hw)
    out = m @ np.moveaxis(b, 0, -3).reshape(k, n * hw)  # (M, N*H*W)
    return np.ascontiguousarray(out.reshape(len(m), n, hw).transpose(1, 0, 2))


def _conv2d(x: Array, w: Array, *, stride: Pair, padding: Padding) -> Array:
    co, ci, kh, kw = w.shape
    windows = _windows(_pad(x, padding), (kh, kw), stride)  # (N, Ci, Ho, Wo, kh, kw), a view
    n, _, ho, wo = windows.shape[:4]
    cols = windows.transpose(0, 1, 4, 5, 2, 3)  # im2col rows (c, i, j), copied once below
    return _filter_matmul(w.reshape(co, -1), cols, ci * kh * kw).reshape(n, co, ho, wo)


def _conv2d_vjp_x(
    g: Array, ans: Array, x: Array, w: Array, *, stride: Pair, padding: Padding
) -> Array:
    co, ci, kh, kw = w.shape
    n, _, ho, wo = g.shape
    dcols = _filter_matmul(w.reshape(co, -1).T, g, co).reshape(n, ci, kh, kw, ho, wo)
    (pt, pb), (pl, pr) = padding
    dxp = np.zeros((n, ci, x.shape[2] + pt + pb, x.shape[3] + pl + pr), dtype=g.dtype)
    for i, j, window in _offsets((kh, kw), stride, (ho, wo)):  # col2im
        dxp[window] += dcols[:, :, i, j]
    return np.ascontiguousarray(_unpad(dxp, padding))


def _conv2d_vjp_w(
    g: Array, ans: Array, x: Array, w: Array, *, stride: Pair, padding: Padding
) -> Array:
    co, ci, kh, kw = w.shape
    cols = _im2col(x, (kh, kw), stride, padding)
    gt = g.transpose(1, 0, 2, 3).reshape(co, -1)  # (Co, N*Ho*Wo)
    return (gt @ cols.reshape(ci * kh * kw, -1).T).reshape(w.shape)  # the one BLAS call


def conv2d_problem(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: Pair, padding: Padding
) -> str | None:
    """Why ``conv2d`` cannot take these shapes, or None if it can."""
    shapes = f"(input {x_shape}, weight {w_shape})"
    if len(x_shape) != 4:
        return f"conv2d: expected a 4-d input (N, C, H, W), got shape {x_shape}"
    if len(w_shape) != 4:
        return f"conv2d: expected a 4-d weight (C_out, C_in, kH, kW), got shape {w_shape}"
    if x_shape[1] != w_shape[1]:
        return (
            f"conv2d: input has {x_shape[1]} channels but the weight expects {w_shape[1]} {shapes}"
        )
    return _window_problem("conv2d", x_shape, w_shape[2:], padding, shapes)


def _window_problem(
    name: str, x_shape: tuple[int, ...], kernel: tuple[int, ...], padding: Padding, shapes: str
) -> str | None:
    (pt, pb), (pl, pr) = padding
    padded = (x_shape[2] + pt + pb, x_shape[3] + pl + pr)
    if kernel[0] > padded[0] or kernel[1] > padded[1] or 0 in kernel:
        return f"{name}: kernel {tuple(kernel)} is larger than the padded input {padded} {shapes}"
    return None


def _conv2d_error(datas: tuple[Array, ...], kw: dict[str, Any]) -> str:
    x, w = datas
    problem = conv2d_problem(x.shape, w.shape, kw["stride"], kw["padding"])
    return problem or f"conv2d: cannot convolve shapes {format_shapes([x.shape, w.shape])}"


# -------------------------------------------------------------- max_pool2d


def _max_pool2d(x: Array, *, kernel: Pair, stride: Pair, padding: Padding) -> Array:
    windows = _windows(_pad_lowest(x, padding), kernel, stride)
    out = windows[..., 0, 0].copy()
    for i, j, _ in _offsets(kernel, stride, out.shape[2:]):
        if i or j:
            np.maximum(out, windows[..., i, j], out=out)
    return out


def _max_pool2d_vjp(
    g: Array, ans: Array, x: Array, *, kernel: Pair, stride: Pair, padding: Padding
) -> Array:
    xp = _pad_lowest(x, padding)
    windows = _windows(xp, kernel, stride)
    dxp = np.zeros(xp.shape, dtype=g.dtype)
    taken = np.zeros(ans.shape, dtype=bool)  # each window's g goes to its first max, as PyTorch
    finite = bool(np.isfinite(g).all())  # then a multiply by the mask is exact (and 7x a where)
    disjoint = stride[0] >= kernel[0] and stride[1] >= kernel[1]  # each cell in one window
    for i, j, window in _offsets(kernel, stride, ans.shape[2:]):
        hit = windows[..., i, j] == ans
        np.greater(hit, taken, out=hit)  # hit and not taken
        taken |= hit
        if finite and disjoint:
            np.multiply(g, hit, out=dxp[window])
        else:
            dxp[window] += g * hit if finite else np.where(hit, g, 0)
    return np.ascontiguousarray(_unpad(dxp, padding))


def max_pool2d_problem(x_shape: tuple[int, ...], kernel: Pair, padding: Padding) -> str | None:
    """Why ``max_pool2d`` cannot take this input, or None if it can."""
    if len(x_shape) != 4:
        return f"max_pool2d: expected a 4-d input (N, C, H, W), got shape {x_shape}"
    (pt, pb), (pl, pr) = padding
    ph, pw = max(pt, pb), max(pl, pr)
    if 2 * ph > kernel[0] or 2 * pw > kernel[1]:
        return f"max_pool2d: padding {(ph, pw)} is more than half the kernel {kernel}"
    return _window_problem("max_pool2d", x_shape, kernel, padding, f"(input {x_shape})")


def _max_pool2d_error(datas: tuple[Array, ...], kw: dict[str, Any]) -> str:
    (x,) = datas
    problem = max_pool2d_problem(x.shape, kw["kernel"], kw["padding"])
    return problem or f"max_pool2d: cannot pool shape {x.shape}"


# fmt: off
conv2d = defprim("conv2d", _conv2d, _conv2d_vjp_x, _conv2d_vjp_w, error_text=_conv2d_error)
max_pool2d = defprim("max_pool2d", _max_pool2d, _max_pool2d_vjp, error_text=_max_pool2d_error)
# fmt: on
