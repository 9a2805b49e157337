"""The portable twins of conv2d and the pools (see ``stag._ops.portable``).

Written with the standard's slicing: each kernel offset ``(i, j)`` is a strided slice of
the padded input (numpy's body takes them all as one strided view), stacked into
columns for one matmul; the VJPs add the slices' cotangents back into a zeros array.
"""

from __future__ import annotations

import math
from typing import Any

from stag._ops import conv as conv  # registers conv2d and max_pool2d first
from stag._ops import defportable
from stag._ops import namespace_of as ns
from stag._ops import pool as pool  # registers avg_pool2d first
from stag._ops.portable import _device, _masked, _transposed

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]


def _padded(x: Any, padding: Padding, fill: float = 0.0) -> Any:
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    n, c, h, w = x.shape
    out = ns(x).full((n, c, h + pt + pb, w + pl + pr), fill, dtype=x.dtype, device=_device(x))
    out[:, :, pt : pt + h, pl : pl + w] = x
    return out


def _out_hw(padded: Any, kernel: Pair, stride: Pair) -> Pair:
    return (
        (padded.shape[2] - kernel[0]) // stride[0] + 1,
        (padded.shape[3] - kernel[1]) // stride[1] + 1,
    )


def _offsets(kernel: Pair, stride: Pair, out: Pair) -> list[tuple[slice, slice, slice, slice]]:
    """The slice of the padded input that each kernel offset (row-major) reads."""
    return [
        (
            slice(None),
            slice(None),
            slice(i, i + stride[0] * (out[0] - 1) + 1, stride[0]),
            slice(j, j + stride[1] * (out[1] - 1) + 1, stride[1]),
        )
        for i in range(kernel[0])
        for j in range(kernel[1])
    ]


def _columns(x: Any, kernel: Pair, stride: Pair, padding: Padding) -> tuple[Any, Pair]:
    """im2col: ``(N, C * kh * kw, Ho * Wo)``, rows ordered (c, i, j) as the weight's."""
    xp, padded = ns(x), _padded(x, padding)
    out = _out_hw(padded, kernel, stride)
    windows = xp.stack([padded[s] for s in _offsets(kernel, stride, out)], axis=2)
    n, c = x.shape[:2]
    return xp.reshape(windows, (n, c * kernel[0] * kernel[1], out[0] * out[1])), out


def _unpadded(dxp: Any, padding: Padding) -> Any:
    (pt, pb), (pl, pr) = padding
    return dxp[:, :, pt : dxp.shape[2] - pb, pl : dxp.shape[3] - pr]


def _conv2d(x: Any, w: Any, *, stride: Pair, padding: Padding) -> Any:
    xp = ns(x)
    co, ci, kh, kw = w.shape
    cols, (ho, wo) = _columns(x, (kh, kw), stride, padding)
    out = xp.reshape(w, (co, ci * kh * kw)) @ cols
    return xp.reshape(out, (x.shape[0], co, ho, wo))


def _conv2d_vjp_x(g: Any, ans: Any, x: Any, w: Any, *, stride: Pair, padding: Padding) -> Any:
    xp = ns(g)
    co, ci, kh, kw = w.shape
    n, _, ho, wo = g.shape
    dcols = _transposed(xp.reshape(w, (co, ci * kh * kw))) @ xp.reshape(g, (n, co, ho * wo))
    dcols = xp.reshape(dcols, (n, ci, kh * kw, ho, wo))
    (pt, pb), (pl, pr) = padding
    dxp = xp.zeros(
        (n, ci, x.shape[2] + pt + pb, x.shape[3] + pl + pr), dtype=g.dtype, device=_device(g)
    )
    for k, cells in enumerate(_offsets((kh, kw), stride, (ho, wo))):  # col2im
        dxp[cells] += dcols[:, :, k, ...]
    return _unpadded(dxp, padding)


def _conv2d_vjp_w(g: Any, ans: Any, x: Any, w: Any, *, stride: Pair, padding: Padding) -> Any:
    xp = ns(g)
    co, _, kh, kw = w.shape
    n, _, ho, wo = g.shape
    cols, _ = _columns(x, (kh, kw), stride, padding)
    dw = xp.sum(xp.reshape(g, (n, co, ho * wo)) @ _transposed(cols), axis=0)
    return xp.reshape(dw, tuple(w.shape))


def _pool_windows(x: Any, kernel: Pair, stride: Pair, padding: Padding, fill: float) -> list[Any]:
    padded = _padded(x, padding, fill)
    return [padded[s] for s in _offsets(kernel, stride, _out_hw(padded, kernel, stride))]


def _max_pool2d(x: Any, *, kernel: Pair, stride: Pair, padding: Padding) -> Any:
    xp = ns(x)
    windows = _pool_windows(x, kernel, stride, padding, -math.inf)
    return xp.max(xp.stack(windows, axis=0), axis=0)


def _max_pool2d_vjp(
    g: Any, ans: Any, x: Any, *, kernel: Pair, stride: Pair, padding: Padding
) -> Any:
    # each window's gradient goes to its first maximum (row-major), as numpy's body does
    xp = ns(g)
    padded = _padded(x, padding, -math.inf)
    out = _out_hw(padded, kernel, stride)
    dxp = xp.zeros(tuple(padded.shape), dtype=g.dtype, device=_device(g))
    taken = xp.zeros(tuple(ans.shape), dtype=xp.bool, device=_device(g))
    for cells in _offsets(kernel, stride, out):
        hit = (padded[cells] == ans) & ~taken
        taken = taken | hit
        dxp[cells] += _masked(hit, g)
    return _unpadded(dxp, padding)


def _symmetric(padding: Pair) -> Padding:
    return ((padding[0], padding[0]), (padding[1], padding[1]))


def _avg_pool2d(x: Any, *, kernel: Pair, stride: Pair, padding: Pair) -> Any:
    windows = _pool_windows(x, kernel, stride, _symmetric(padding), 0.0)
    total = windows[0]
    for window in windows[1:]:
        total = total + window
    return total / (kernel[0] * kernel[1])


def _avg_pool2d_vjp(g: Any, ans: Any, x: Any, *, kernel: Pair, stride: Pair, padding: Pair) -> Any:
    xp = ns(g)
    (ph, pw), (h, w) = padding, x.shape[2:]
    dxp = xp.zeros((*x.shape[:2], h + 2 * ph, w + 2 * pw), dtype=g.dtype, device=_device(g))
    share = g / (kernel[0] * kernel[1])
    for cells in _offsets(kernel, stride, tuple(g.shape[2:])):
        dxp[cells] += share
    return _unpadded(dxp, _symmetric(padding))


defportable("conv2d", _conv2d, _conv2d_vjp_x, _conv2d_vjp_w)
defportable("max_pool2d", _max_pool2d, _max_pool2d_vjp)
defportable("avg_pool2d", _avg_pool2d, _avg_pool2d_vjp)
