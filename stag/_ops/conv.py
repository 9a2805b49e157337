"""Convolution and pooling primitives on NCHW arrays.

Both see the padded input through strided views that copy nothing.  At stride 1
(the common case) ``conv2d`` sees it as runs of whole image rows (see "stride 1"
below): im2col is one copy of long contiguous runs, the forward and the weight VJP
one BLAS call each (the weight VJP reuses the forward's im2col), and the input VJP
one per group of images, whose col2im is ``kh*kw`` additions of long runs.  At other strides it uses
``sliding_window_view``, the ``(N, C, Ho, Wo, kh, kw)`` view of every window,
copied once into an im2col matrix for one ``matmul`` (per image for a small filter
bank, whose result is then already NCHW, or one gemm over the whole batch); col2im
adds strided slices, one per kernel offset.  ``max_pool2d`` whose windows tile the
input (stride = kernel, no padding) takes the max over each tile's rows, then its
columns; otherwise it loops over the kernel offsets.  Nothing loops over pixels or
batch items.

``stride`` is ``(sh, sw)``; ``padding`` is ``((top, bottom), (left, right))``
so that PyTorch's ``padding="same"`` with an even kernel can pad one side more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from stag._autograd import Array, is_grad_enabled
from stag._errors import format_shapes
from stag._ops import defprim

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]
_add_reduce: Any = np.add.reduce  # np.sum without its Python wrapper


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


def _slices(i: int, j: int, stride: Pair, out_hw: Pair) -> tuple[Any, ...]:
    """The strided slice of the padded input that kernel offset ``(i, j)`` meets."""
    (sh, sw), (ho, wo) = stride, out_hw
    return Ellipsis, slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)


def _offsets(
    kernel: Pair, stride: Pair, out_hw: Pair
) -> Iterator[tuple[int, int, tuple[Any, ...]]]:
    """Each kernel offset ``(i, j)`` and the strided slice of the padded input it meets."""
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            yield i, j, _slices(i, j, stride, out_hw)


def _im2col(x: Array, kernel: Pair, stride: Pair, padding: Padding) -> Array:
    """The windows copied to ``(C, kh, kw, N, Ho, Wo)``: row ``(c, i, j)`` of im2col."""
    return _windows(_pad(x, padding), kernel, stride).transpose(1, 4, 5, 0, 2, 3).copy()


# ---------------------------------------------- stride 1: windows as runs of image rows
# At stride 1 the window of output pixel (r, q) starts at r * Wp + q of the flattened padded
# image, so what kernel offset (i, j) meets over all of an image's outputs is one contiguous
# run of that image's data, starting at i * Wp + j and L = (Ho - 1) * Wp + Wo long: im2col
# copies long runs (at memcpy speed) instead of Wo-long rows, and col2im adds long runs.
# The positions q >= Wo of a run are wrapped pixels, outputs that do not exist: they ride
# along in the matmul (Wp / Wo more work: 8% for 3x3 on 26x26) and are dropped, or carry a
# zero gradient so that they add nothing.  An image's run of the output (or of its
# gradient) holds pixel (r, q) at r * Wp + q.


def _padded_hw(x: Array, padding: Padding) -> Pair:
    (pt, pb), (pl, pr) = padding
    return x.shape[2] + pt + pb, x.shape[3] + pl + pr


def _runs(xp: Array, kernel: Pair) -> Array:
    """The ``(C, kh, kw, N, L)`` view of C-contiguous ``xp``: offset ``(i, j)``'s run per image."""
    n, c, hp, wp = xp.shape
    kh, kw = kernel
    sn, sc, sh, sw = xp.strides
    length = (hp - kh) * wp + wp - kw + 1
    return as_strided(xp, (c, kh, kw, n, length), (sc, sh, sw, sn, sw))


def _run_cols(x: Array, kernel: Pair, padding: Padding) -> Array:
    """The im2col matrix in run order, ``(C*kh*kw, N*L)``: row ``(c, i, j)``, one run per image."""
    runs = _runs(np.ascontiguousarray(_pad(x, padding)), kernel)
    cols = np.empty(runs.shape, x.dtype)
    np.copyto(cols, runs)
    c, kh, kw, n, length = runs.shape
    return cols.reshape(c * kh * kw, n * length)


def _run_grid(rows: Array, n: int, rows_hw: Pair, wp: int) -> Array:
    """The ``(N, C, H, W)`` view of ``(C, N*L)`` runs: pixel ``(r, q)`` at ``r * Wp + q``."""
    c, size = len(rows), rows.itemsize
    length = rows.shape[1] // n if n else 0
    strides = (length * size, rows.strides[0], wp * size, size)
    return as_strided(rows, (n, c, *rows_hw), strides)


def _grad_runs(g: Array, wp: int) -> Array:
    """``g`` ``(N, C, Ho, Wo)`` as ``(C, N*L)`` runs, zero at the wrapped pixels."""
    n, c, ho, wo = g.shape
    runs = np.empty((c, n * ((ho - 1) * wp + wo)), g.dtype)
    if ho > 1:  # every image row but the last has Wp - Wo wrapped pixels
        _run_grid(runs, n, (ho - 1, wp), wp)[..., wo:] = 0
    _run_grid(runs, n, (ho, wo), wp)[...] = g
    return runs


class _Kept:
    """One array that a call keeps for the next call with the same arguments.

    The forward keeps its im2col matrix for the weight VJP (when grad mode is on), the
    input VJP its gradient runs: the weight VJP then only multiplies (at MNIST's conv
    32->64, 8 of its 40 ms).  The cost is memory, one im2col matrix from a conv's forward
    to its backward (or to the next stride-1 conv).  Arguments match by identity for
    arrays (held, so an id is never reused) and by equality otherwise.
    """

    def __init__(self) -> None:
        self._entry: tuple[tuple[object, ...], Array] | None = None

    def get(self, key: tuple[object, ...], make: Callable[[], Array], *, keep: bool) -> Array:
        entry = self._entry  # one read: another thread may replace it
        if entry is not None and all(
            a is b or (type(a) is not np.ndarray and a == b) for a, b in zip(entry[0], key)
        ):
            value = entry[1]
        else:
            value = make()
        self._entry = (key, value) if keep else None
        return value


_cols, _grads = _Kept(), _Kept()


def _conv2d_unit(x: Array, w: Array, padding: Padding) -> Array:
    co, _, kh, kw = w.shape
    hp, wp = _padded_hw(x, padding)
    key = (x, (kh, kw), padding)
    cols = _cols.get(key, lambda: _run_cols(x, (kh, kw), padding), keep=is_grad_enabled())
    out = w.reshape(co, -1) @ cols  # the one BLAS call
    return np.ascontiguousarray(_run_grid(out, len(x), (hp - kh + 1, wp - kw + 1), wp))


def _conv2d_unit_vjp_w(g: Array, x: Array, w: Array, padding: Padding) -> Array:
    kernel, wp = (w.shape[2], w.shape[3]), _padded_hw(x, padding)[1]
    g_runs = _grads.get((g, wp), lambda: _grad_runs(g, wp), keep=False)
    cols = _cols.get((x, kernel, padding), lambda: _run_cols(x, kernel, padding), keep=False)
    return (g_runs @ cols.T).reshape(w.shape)  # the one BLAS call


# col2im adds each image's im2col gradient while it is still in cache: the images go in
# groups whose (C*kh*kw, group*L) block is about this many bytes (MNIST's conv 32->64:
# 11 images; the input VJP 41 -> 37 ms against one block of the whole batch)
_COL2IM_BLOCK = 8 << 20


def _conv2d_unit_vjp_x(g: Array, x: Array, w: Array, padding: Padding) -> Array:
    co, ci, kh, kw = w.shape
    dxp = np.zeros((len(x), ci, *_padded_hw(x, padding)), g.dtype)
    runs = _runs(dxp, (kh, kw))  # a view: adding into it adds into dxp
    n, length = runs.shape[3:]
    wp = dxp.shape[3]
    g_runs = _grads.get((g, wp), lambda: _grad_runs(g, wp), keep=True)  # for the weight VJP
    wt = np.ascontiguousarray(w.reshape(co, -1).T)  # (Ci*kh*kw, Co)
    group = max(1, _COL2IM_BLOCK // max(1, wt.shape[0] * length * g.itemsize))
    block = np.empty((len(wt), min(group, n) * length), np.result_type(wt, g_runs))
    for start in range(0, n, group):
        stop = min(n, start + group)
        dcols = block[:, : (stop - start) * length]
        np.matmul(wt, g_runs[:, start * length : stop * length], out=dcols)
        dcols = dcols.reshape(ci, kh, kw, stop - start, length)
        for i in range(kh):  # col2im: the runs of one offset are disjoint, so += is exact
            for j in range(kw):
                runs[:, i, j, start:stop] += dcols[:, i, j]
    return np.ascontiguousarray(_unpad(dxp, padding))


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
    if stride == (1, 1):
        return _conv2d_unit(x, w, padding)
    co, ci, kh, kw = w.shape
    windows = _windows(_pad(x, padding), (kh, kw), stride)  # (N, Ci, Ho, Wo, kh, kw), a view
    n, _, ho, wo = windows.shape[:4]
    cols = windows.transpose(0, 1, 4, 5, 2, 3)  # im2col rows (c, i, j), copied once below
    return _filter_matmul(w.reshape(co, -1), cols, ci * kh * kw).reshape(n, co, ho, wo)


def _conv2d_vjp_x(
    g: Array, ans: Array, x: Array, w: Array, *, stride: Pair, padding: Padding
) -> Array:
    if stride == (1, 1):
        return _conv2d_unit_vjp_x(g, x, w, padding)
    co, ci, kh, kw = w.shape
    n, _, ho, wo = g.shape
    dcols = _filter_matmul(w.reshape(co, -1).T, g, co).reshape(n, ci, kh, kw, ho, wo)
    dxp = np.zeros((n, ci, *_padded_hw(x, padding)), dtype=g.dtype)
    for i, j, window in _offsets((kh, kw), stride, (ho, wo)):  # col2im
        dxp[window] += dcols[:, :, i, j]
    return np.ascontiguousarray(_unpad(dxp, padding))


def _conv2d_vjp_w(
    g: Array, ans: Array, x: Array, w: Array, *, stride: Pair, padding: Padding
) -> Array:
    if stride == (1, 1):
        return _conv2d_unit_vjp_w(g, x, w, padding)
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


def _tiles(kernel: Pair, stride: Pair, padding: Padding) -> bool:
    """Whether the windows tile the input: stride = kernel, no padding (a ragged edge is left out)."""
    return stride == kernel and padding == ((0, 0), (0, 0))


def _max_tiles(x: Array, kernel: Pair) -> Array:
    """The max of each tile: over its rows first (runs of whole image rows), then its columns."""
    (kh, kw), (h, w) = kernel, x.shape[2:]
    bottom, right = h - h % kh, w - w % kw
    rows = x[:, :, 0:bottom:kh, :right]
    for i in range(1, kh):
        rows = np.maximum(rows, x[:, :, i:bottom:kh, :right], out=None if i == 1 else rows)
    out = rows[..., 0::kw]
    for j in range(1, kw):
        out = np.maximum(out, rows[..., j::kw], out=None if j == 1 else out)
    return out if out.base is None else out.copy()  # a 1x1 kernel: out is a view of x


def _max_pool2d(x: Array, *, kernel: Pair, stride: Pair, padding: Padding) -> Array:
    if _tiles(kernel, stride, padding):
        return _max_tiles(x, kernel)
    windows = _windows(_pad_lowest(x, padding), kernel, stride)
    out = windows[..., 0, 0].copy()
    for i, j, _ in _offsets(kernel, stride, out.shape[2:]):
        if i or j:
            np.maximum(out, windows[..., i, j], out=out)
    return out


def _first_maxima(windows: Array, ans: Array) -> Iterator[tuple[int, int, Array]]:
    """Each kernel offset ``(i, j)`` in row-major order and where it holds its window's first
    maximum (PyTorch's rule for ties); the mask is one buffer, overwritten at the next offset."""
    kh, kw = windows.shape[-2:]
    hit, taken = np.empty(ans.shape, bool), np.empty(ans.shape, bool)
    for k in range(kh * kw):
        i, j = divmod(k, kw)
        np.equal(windows[..., i, j], ans, out=hit)
        if k:
            np.greater(hit, taken, out=hit)  # a max, and no earlier offset had one
        if k == 0:
            np.copyto(taken, hit)
        elif k + 1 < kh * kw:
            np.logical_or(taken, hit, out=taken)
        yield i, j, hit


def _max_pool2d_vjp(
    g: Array, ans: Array, x: Array, *, kernel: Pair, stride: Pair, padding: Padding
) -> Array:
    xp = _pad_lowest(x, padding)
    windows = _windows(xp, kernel, stride)
    # g * mask is exact for finite g (and 7x np.where): a non-finite sum says some g is not
    finite = math.isfinite(_add_reduce(g, axis=None))
    disjoint = stride[0] >= kernel[0] and stride[1] >= kernel[1]  # each cell in one window
    covered = _tiles(kernel, stride, padding) and not (
        xp.shape[2] % stride[0] or xp.shape[3] % stride[1]
    )
    # tiles that cover the input write every cell below: no zeros first
    dxp = np.empty(xp.shape, g.dtype) if covered and finite else np.zeros(xp.shape, g.dtype)
    for i, j, hit in _first_maxima(windows, ans):
        window = dxp[_slices(i, j, stride, ans.shape[2:])]
        if finite and disjoint:
            np.multiply(g, hit, out=window)  # every cell a window covers is written once
        else:
            window += g * hit if finite else np.where(hit, g, 0)
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
