"""Primitives that move, join or pick elements without arithmetic."""

from __future__ import annotations

from typing import Any

import numpy as np

from stag._autograd import Array
from stag._errors import format_shapes
from stag._ops import defprim


def _reshape_error(datas: tuple[Array, ...], kw: dict[str, Any]) -> str:
    (x,) = datas
    return f"reshape: cannot reshape {x.shape} ({x.size} elements) to {tuple(kw['shape'])}"


def _join_error(name: str) -> Any:
    def text(datas: tuple[Array, ...], kw: dict[str, Any]) -> str:
        shapes = format_shapes([d.shape for d in datas])
        return f"{name}: shapes {shapes} do not match along the other axes (axis={kw['axis']})"

    return text


def _transpose_vjp(g: Array, ans: Array, x: Array, axes: tuple[int, ...]) -> Array:
    return np.transpose(g, np.argsort(axes))


def _concat_vjp(g: Array, ans: Array, *xs: Array, argnum: int, axis: int) -> Array:
    start = int(np.sum([x.shape[axis] for x in xs[:argnum]], dtype=np.int64))
    index = [slice(None)] * g.ndim
    index[axis] = slice(start, start + xs[argnum].shape[axis])
    return np.asarray(g[tuple(index)])


def _stack_vjp(g: Array, ans: Array, *xs: Array, argnum: int, axis: int) -> Array:
    return np.asarray(np.take(g, argnum, axis=axis))


def _getitem_vjp(g: Array, ans: Array, x: Array, index: Any) -> Array:
    out = np.zeros_like(x, dtype=g.dtype)
    out[index] = g
    return out


def _take_vjp(g: Array, ans: Array, x: Array, index: Any) -> Array:
    out = np.zeros_like(x, dtype=g.dtype)
    np.add.at(out, index, g)  # repeated rows accumulate
    return out


def _take_along_axis_vjp(g: Array, ans: Array, x: Array, indices: Array, axis: int) -> Array:
    out = np.zeros_like(x, dtype=g.dtype)
    if indices.shape[axis] == 1:
        np.put_along_axis(out, indices, g, axis=axis)
        return out
    grid: list[Array] = list(np.indices(indices.shape, sparse=True))
    grid[axis] = indices
    np.add.at(out, tuple(grid), g)
    return out


def _repeat_vjp(g: Array, ans: Array, x: Array, repeats: int, axis: int) -> Array:
    at = axis % x.ndim
    split = g.reshape(x.shape[:at] + (x.shape[at], repeats) + x.shape[at + 1 :])
    return np.asarray(split.sum(axis=at + 1))


def _tile_vjp(g: Array, ans: Array, x: Array, reps: tuple[int, ...]) -> Array:
    # np.tile pads the shorter of x.shape and reps with leading 1s; g then splits into
    # (rep, size) pairs, and the rep axes are summed.
    rank = max(x.ndim, len(reps))
    sizes = (1,) * (rank - x.ndim) + x.shape
    counts = (1,) * (rank - len(reps)) + tuple(reps)
    pairs = tuple(d for pair in zip(counts, sizes, strict=True) for d in pair)
    return np.asarray(g.reshape(pairs).sum(axis=tuple(range(0, 2 * rank, 2)))).reshape(x.shape)


# fmt: off
reshape = defprim("reshape", lambda x, shape: np.reshape(x, shape),
    lambda g, ans, x, shape: g.reshape(x.shape), error_text=_reshape_error)
transpose = defprim("transpose", lambda x, axes: np.transpose(x, axes), _transpose_vjp)
expand_dims = defprim("expand_dims", lambda x, axis: np.expand_dims(x, axis),
    lambda g, ans, x, axis: g.reshape(x.shape))
squeeze = defprim("squeeze", lambda x, axis: np.squeeze(x, axis),
    lambda g, ans, x, axis: g.reshape(x.shape))
concat = defprim("concat", lambda *xs, axis: np.concatenate(xs, axis=axis), _concat_vjp,
    variadic=True, error_text=_join_error("concat"))
stack = defprim("stack", lambda *xs, axis: np.stack(xs, axis=axis), _stack_vjp,
    variadic=True, error_text=_join_error("stack"))
# basic indexing and boolean masks never pick an element twice: the VJP assigns; an
# integer-array index may, so take's VJP accumulates
getitem = defprim("getitem", lambda x, index: x[index], _getitem_vjp)
take = defprim("take", lambda x, index: x[index], _take_vjp)
repeat = defprim("repeat",
    lambda x, repeats, axis: np.repeat(x, repeats, axis=axis), _repeat_vjp)
tile = defprim("tile", lambda x, reps: np.tile(x, reps), _tile_vjp)
take_along_axis = defprim("take_along_axis",
    lambda x, indices, axis: np.take_along_axis(x, indices, axis=axis), _take_along_axis_vjp)
# fmt: on


# ------------------------------------------------------------ triangles and expansion
# fmt: off
tril = defprim("tril", lambda x, k: np.tril(x, k), lambda g, ans, x, k: np.tril(g, k))
triu = defprim("triu", lambda x, k: np.triu(x, k), lambda g, ans, x, k: np.triu(g, k))
# the VJP answers at the broadcast shape: the engine sums it back (unbroadcast)
broadcast_to = defprim("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    lambda g, ans, x, shape: g)
# fmt: on
