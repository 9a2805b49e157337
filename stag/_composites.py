"""Ops written from primitives at the facade, with their argument checks: the methods that
generated code names by ``impl`` (``Tensor.var``, ``std``, ``norm``), the sorting and
scanning methods, and the splits and masks."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from stag import _broadcasting as broadcasting
from stag._backends import to_numpy
from stag._dims import AnyShape
from stag._errors import ShapeError
from stag._operands import scalar_constant
from stag._ops import elementwise, movement, reduce

if TYPE_CHECKING:
    from stag._tensor import Axis, Tensor


def variance(x: Tensor[*AnyShape], axis: Axis, keepdims: bool, ddof: int) -> Tensor[*AnyShape]:
    """``Tensor.var``: the mean of squared deviations, ``ddof`` taken from the count."""
    centered = x - _tensor.apply(reduce.mean, x, axis=axis, keepdims=True)
    squares = _tensor.apply(reduce.sum, centered * centered, axis=axis, keepdims=keepdims)
    count = reduce.count(x._data.shape, axis)
    return squares / float(count - ddof)


def standard_deviation(
    x: Tensor[*AnyShape], axis: Axis, keepdims: bool, ddof: int
) -> Tensor[*AnyShape]:
    """``Tensor.std``: the square root of ``variance``."""
    return variance(x, axis, keepdims, ddof).sqrt()


def vector_norm(x: Tensor[*AnyShape], axis: Axis, keepdims: bool, ord: float) -> Tensor[*AnyShape]:
    """``Tensor.norm``: numpy's vector norms; the 2-norm is one primitive (0 at 0, no NaN)."""
    if ord == 2:
        return _tensor.apply(reduce.norm2, x, axis=axis, keepdims=keepdims)
    if ord == math.inf:
        return _tensor.apply(reduce.max, abs(x), axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return _tensor.apply(reduce.min, abs(x), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _tensor.apply(reduce.sum, abs(x), axis=axis, keepdims=keepdims)
    if not ord > 0:
        raise ValueError(f"norm: ord must be 2, 1, inf, -inf or another p > 0, got {ord}")
    powered = _tensor.apply(reduce.sum, abs(x) ** ord, axis=axis, keepdims=keepdims)
    return powered ** (1.0 / ord)


# ------------------------------------------------------------------ scans and sorting
def axis_of(name: str, x: Tensor[*AnyShape], axis: int) -> int:
    """``axis`` as a non-negative index into ``x``'s shape, or a ``ShapeError``."""
    ndim = x._data.ndim
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        raise TypeError(f"{name}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{name}: axis {axis} is out of range for shape {x.shape}")
    return int(axis) % ndim


def cumsum(x: Tensor[*AnyShape], axis: int) -> Tensor[*AnyShape]:
    return _tensor.apply(reduce.cumsum, x, axis=axis_of("cumsum", x, axis))


def order(name: str, x: Tensor[*AnyShape], axis: int, descending: bool) -> np.ndarray:
    """The indices that sort ``x`` along ``axis`` (stable; ties keep their order), found
    by numpy on the host whatever ``x``'s library (the gather then runs in it)."""
    data = to_numpy(x._data)
    keys = -data if descending and data.dtype.kind in "fi" else data
    indices = np.argsort(keys, axis=axis_of(name, x, axis), kind="stable")
    if descending and data.dtype.kind not in "fi":
        indices = np.flip(indices, axis)
    return indices


def gathered(x: Tensor[*AnyShape], indices: np.ndarray, axis: int) -> Tensor[*AnyShape]:
    """``x``'s values at ``indices`` along ``axis``: differentiable, repeats accumulate."""
    return _tensor.apply(movement.take_along_axis, x, indices=indices, axis=axis % x._data.ndim)


def topk_indices(x: Tensor[*AnyShape], k: object, axis: int, largest: bool) -> np.ndarray:
    """The indices of the ``k`` largest (or smallest) values along ``axis``, in order."""
    axis = axis_of("topk", x, axis)
    size = x._data.shape[axis]
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k <= size:
        raise ShapeError(
            f"topk: k must be an int in [0, {size}] for axis {axis} of shape {x.shape}, got {k!r}"
        )
    return np.take(order("topk", x, axis, descending=largest), np.arange(int(k)), axis=axis)


# ------------------------------------------------------------------ splits and masks
def split_sizes(
    name: str, x: Tensor[*AnyShape], sizes: tuple[int, ...], axis: int
) -> list[Tensor[*AnyShape]]:
    """``x`` cut along ``axis`` into parts of ``sizes`` (views; they must add up)."""
    axis = axis_of(name, x, axis)
    total = x._data.shape[axis]
    if any(isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0 for s in sizes):
        raise TypeError(f"{name}: sizes must be non-negative ints, got {sizes!r}")
    if sum(sizes) != total:
        raise ShapeError(
            f"{name}: sizes {tuple(sizes)} add up to {sum(sizes)}, not to {total} "
            f"(axis {axis} of shape {x.shape})"
        )
    parts, start = [], 0
    for size in sizes:
        index = (slice(None),) * axis + (slice(start, start + int(size)),)
        parts.append(_tensor.apply(movement.getitem, x, index=index))
        start += int(size)
    return parts


def chunk(x: Tensor[*AnyShape], n: int, axis: int) -> list[Tensor[*AnyShape]]:
    """``n`` equal parts along ``axis`` (the size must divide: no ragged last part)."""
    axis = axis_of("chunk", x, axis)
    total = x._data.shape[axis]
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1 or total % n:
        raise ShapeError(
            f"chunk: {n!r} equal parts of axis {axis} of shape {x.shape}: "
            f"n must be a positive int dividing {total} (use stag.split for unequal parts)"
        )
    return split_sizes("chunk", x, (total // int(n),) * int(n), axis)


def masked_fill(x: Tensor[*AnyShape], mask: Tensor[*AnyShape], value: float) -> Tensor[*AnyShape]:
    """``value`` where the bool ``mask`` (broadcast into ``x``'s shape) is true, else ``x``."""
    cond = mask._data
    if mask.dtype.kind != "b":
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype}")
    if not _fits_into(mask.shape, x.shape):
        fix = broadcasting.rank_fix(x.shape, mask.shape)
        raise ShapeError(
            f"masked_fill: a mask of shape {mask.shape} does not broadcast into the tensor's "
            f"shape {x.shape}" + (f"; {fix}" if fix else "")
        )
    fill = scalar_constant(value, x, "masked_fill")
    return _tensor.apply(elementwise.where, fill, x, cond=cond)


def _fits_into(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def triangle(name: str, x: Tensor[*AnyShape], k: int) -> Tensor[*AnyShape]:
    """``tril`` / ``triu``: the last two axes' lower / upper triangle from diagonal ``k``."""
    if x._data.ndim < 2:
        raise ShapeError(f"{name}: expected at least 2 dims (a matrix), got shape {x.shape}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"{name}: k must be an int, got {k!r}")
    return _tensor.apply(movement.tril if name == "tril" else movement.triu, x, k=int(k))


def broadcast(name: str, x: Tensor[*AnyShape], sizes: tuple[object, ...]) -> Tensor[*AnyShape]:
    """``x`` as a read-only view of shape ``sizes`` (-1 keeps a size), as ``expand``."""
    shape = x.shape
    if not all(isinstance(s, int | np.integer) and not isinstance(s, bool) for s in sizes):
        raise TypeError(f"{name}: sizes must be ints, got {tuple(sizes)!r}")
    ints = [int(s) for s in sizes if isinstance(s, int | np.integer)]
    lead = len(ints) - len(shape)
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(ints))
    if lead < 0 or any(s < 0 for s in target) or not _fits_into(shape, target):
        raise ShapeError(
            f"{name}: cannot expand shape {shape} to {tuple(ints)}: each size must equal "
            "the tensor's or expand a size-1 dim (-1 keeps it), and no dim may be dropped"
        )
    return _tensor.apply(movement.broadcast_to, x, shape=target)


def transposed(x: Tensor[*AnyShape], axes: tuple[int, ...]) -> Tensor[*AnyShape]:
    """``x.transpose(*axes)``: no axes reverses them all (numpy), two swap them (PyTorch)."""
    if not axes:
        return _tensor.apply(movement.transpose, x, axes=tuple(range(x._data.ndim))[::-1])
    if len(axes) == 2:
        return swapped(x, "transpose", *axes)
    raise ShapeError(
        f"transpose: give no axes (all reversed) or two (swapped), got {axes}; "
        "permute(*axes) puts every axis in a new order"
    )


def swapped(x: Tensor[*AnyShape], name: str, axis1: int, axis2: int) -> Tensor[*AnyShape]:
    """``x`` with axes ``axis1`` and ``axis2`` exchanged (``swapaxes``, ``transpose(a, b)``)."""
    axes = list(range(x._data.ndim))
    try:
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    except (IndexError, TypeError):
        raise ShapeError(
            f"{name}: axes ({axis1}, {axis2}) out of range for shape {x.shape}"
        ) from None
    return _tensor.apply(movement.transpose, x, axes=tuple(axes))


def permuted(x: Tensor[*AnyShape], axes: tuple[int, ...]) -> Tensor[*AnyShape]:
    """``x.permute(*axes)``: axis ``i`` of the result is axis ``axes[i]`` of ``x``."""
    order = tuple(a % max(x._data.ndim, 1) for a in axes)  # the VJP inverts it
    if sorted(order) != list(range(x._data.ndim)):
        raise ShapeError(f"permute: {axes} is not an order of the axes of shape {x.shape}")
    return _tensor.apply(movement.transpose, x, axes=order)


# Last: _tensor imports this module's names at its top, and this module needs the Tensor
# class only when called.  Imported here, after every definition, the cycle resolves in
# either order of first import.
from stag import _tensor
