"""The primitives' twins for any array-API library (PyTorch, CuPy, array-api-strict).

A twin computes what its numpy primitive computes, with the functions of the standard
(``xp.exp``, ``xp.sum``, ``xp.where``...) taken from the namespace of its inputs; its
VJPs answer in the same library.  The numpy primitives keep their own bodies: ufuncs
called without a Python frame, ``out=`` buffers and in-place passes, which the standard
does not have and numpy's per-op budget needs.  Where the standard lacks a function
(``erf``, scatter-add), a small per-library function stands in and any other library
gets a ``BackendError`` naming the op.

conv2d's and the pools' twins are in ``stag._ops.portable_windows``, ``layer_norm``'s
beside it in ``stag/nn/_normalization.py``.  An op
without a twin (einsum) computes on numpy only; the foreign path of ``stag._apply``
refuses it by name.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

from stag._backends import library_dtype, name_of, numpy_dtype
from stag._errors import BackendError, DTypeError
from stag._ops import defportable, standard_function
from stag._ops import elementwise as elementwise  # the primitives this module twins:
from stag._ops import linalg as linalg  # registered first, whatever the import order
from stag._ops import movement as movement
from stag._ops import namespace_of as ns
from stag._ops import reduce as reduce

Axis = int | tuple[int, ...] | None
Fn = Callable[..., Any]


def _zeros(x: Any) -> Any:
    return ns(x).zeros_like(x)


def _masked(cond: Any, g: Any) -> Any:
    """``g`` where ``cond``, else 0 (a product with a bool array, in the standard's terms)."""
    return ns(g).where(cond, g, _zeros(g))


def _tie_share(x: Any, y: Any) -> Any:
    """1 where x wins, 0.5 on ties, 0 where y wins: the maximum's split of g."""
    xp = ns(x)
    one = xp.ones_like(x)
    return xp.where(x > y, one, xp.where(x == y, one * 0.5, one * 0.0))


_ERF = {"torch": "torch.special", "cupy": "cupyx.scipy.special"}  # modules with an erf


def _erf(x: Any) -> Any:
    """The error function: not in the array API standard, so each library's own."""
    name = name_of(x)
    if name in _ERF:
        return importlib.import_module(_ERF[name]).erf(x)
    raise BackendError(f"erf: the {name} backend has no erf (the array API standard lacks it)")


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu(x: Any) -> Any:
    return x * (_erf(x * math.sqrt(0.5)) + 1) * 0.5


def _gelu_vjp(g: Any, ans: Any, x: Any) -> Any:
    cdf = (_erf(x * math.sqrt(0.5)) + 1) * 0.5
    pdf = ns(x).exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
    return g * (cdf + x * pdf)


def _gelu_tanh(x: Any) -> Any:
    inner = ns(x).tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI)
    return x * (inner + 1) * 0.5


def _gelu_tanh_vjp(g: Any, ans: Any, x: Any) -> Any:
    inner = ns(x).tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI)
    d_inner = (1 - inner * inner) * _SQRT_2_OVER_PI * (x * x * (3 * 0.044715) + 1)
    return g * ((inner + 1) * 0.5 + x * d_inner * 0.5)


def _sigmoid(x: Any) -> Any:
    xp = ns(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _pow_exponent_vjp(g: Any, ans: Any, x: Any, y: Any) -> Any:
    xp = ns(x)
    return g * ans * xp.log(xp.where(x > 0, x, xp.ones_like(x)))


_LOGICAL = {
    "bitwise_and": "logical_and",
    "bitwise_or": "logical_or",
    "bitwise_xor": "logical_xor",
    "bitwise_invert": "logical_not",
}


def _bitwise(name: str, symbol: str) -> Fn:
    """Logical on bool arrays, bitwise on int ones; a float one is refused by name."""

    def forward(*arrays: Any) -> Any:
        xp = ns(arrays[0])
        for array in arrays:
            if xp.isdtype(array.dtype, "real floating"):
                raise DTypeError(
                    f"{symbol}: takes bool (or int) tensors, got a {numpy_dtype(array.dtype)} "
                    "one; make a mask first (x > 0) or convert it (x.astype(bool))"
                )
        logical = xp.isdtype(arrays[0].dtype, "bool")
        return getattr(xp, _LOGICAL[name] if logical else name)(*arrays)

    return forward


# fmt: off
defportable("pow", standard_function("pow"),
    lambda g, ans, x, y: g * y * ns(x).pow(x, y - 1), _pow_exponent_vjp)
defportable("maximum", standard_function("maximum"),
    lambda g, ans, x, y: g * _tie_share(x, y), lambda g, ans, x, y: g * _tie_share(y, x))
defportable("minimum", standard_function("minimum"),
    lambda g, ans, x, y: g * _tie_share(y, x), lambda g, ans, x, y: g * _tie_share(x, y))
defportable("where", lambda x, y, cond: ns(x).where(cond, x, y),
    lambda g, ans, x, y, cond: _masked(cond, g),
    lambda g, ans, x, y, cond: ns(g).where(cond, _zeros(g), g))
defportable("abs", standard_function("abs"), lambda g, ans, x: g * ns(x).sign(x))
defportable("sin", standard_function("sin"), lambda g, ans, x: g * ns(x).cos(x))
defportable("cos", standard_function("cos"), lambda g, ans, x: -g * ns(x).sin(x))
defportable("erf", _erf,
    lambda g, ans, x: g * (2 / math.sqrt(math.pi)) * ns(x).exp(-x * x))
defportable("gelu", _gelu, _gelu_vjp)
defportable("gelu_tanh", _gelu_tanh, _gelu_tanh_vjp)
defportable("sigmoid", _sigmoid, lambda g, ans, x: g * ans * (1 - ans))
defportable("relu", lambda x: _masked(x > 0, x), lambda g, ans, x: _masked(x > 0, g))
defportable("clip", lambda x, lo, hi: ns(x).clip(x, min=lo, max=hi),
    lambda g, ans, x, lo, hi: _masked((x >= lo) & (x <= hi), g))
defportable("astype", lambda x, dtype: ns(x).astype(x, library_dtype(ns(x), dtype, "astype")),
    lambda g, ans, x, dtype: ns(g).astype(g, x.dtype))
defportable("bitwise_and", _bitwise("bitwise_and", "&"))
defportable("bitwise_or", _bitwise("bitwise_or", "|"))
defportable("bitwise_xor", _bitwise("bitwise_xor", "^"))
defportable("bitwise_not", _bitwise("bitwise_invert", "~"))
# fmt: on


# ---------------------------------------------------------------------- matmul
def _transposed(a: Any) -> Any:
    return ns(a).matrix_transpose(a)


def _as_matrices(g: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
    """Promote 1-D operands (and the matching axis of g) to matrices."""
    xp = ns(g)
    if x.ndim == 1 and y.ndim == 1:
        return xp.reshape(g, (1, 1)), x[None, :], y[:, None]
    if x.ndim == 1:
        return g[..., None, :], x[None, :], y
    if y.ndim == 1:
        return g[..., None], x, y[:, None]
    return g, x, y


def _summed_to(a: Any, shape: tuple[int, ...], like: tuple[int, ...]) -> Any:
    from stag._autograd import unbroadcast

    a = unbroadcast(a, shape)
    return a if tuple(a.shape) == like else ns(a).reshape(a, like)


def _matmul_vjp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    g2, x2, y2 = _as_matrices(g, x, y)
    return _summed_to(g2 @ _transposed(y2), tuple(x2.shape), tuple(x.shape))


def _matmul_vjp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    g2, x2, y2 = _as_matrices(g, x, y)
    return _summed_to(_transposed(x2) @ g2, tuple(y2.shape), tuple(y.shape))


defportable("matmul", standard_function("matmul"), _matmul_vjp_x, _matmul_vjp_y)


# einsum: not in the standard; PyTorch's and CuPy's own.  A letter repeated in one operand
# (a diagonal) gets its gradient through an identity matrix: einsum("i,ij->ij", d, eye).
_EINSUM = {"torch": "torch", "cupy": "cupy"}  # the modules with an einsum


def _library_einsum(equation: str, *arrays: Any) -> Any:
    name = name_of(arrays[0])
    if name not in _EINSUM:
        raise BackendError(f"einsum: the {name} backend has no einsum (the standard lacks it)")
    return importlib.import_module(_EINSUM[name]).einsum(equation, *arrays)


def _einsum(*xs: Any, inputs: tuple[str, ...], output: str) -> Any:
    return _library_einsum(",".join(inputs) + "->" + output, *xs)


def _einsum_vjp(
    g: Any, ans: Any, *xs: Any, argnum: int, inputs: tuple[str, ...], output: str
) -> Any:
    xp, term, sizes = ns(g), inputs[argnum], linalg.letter_sizes(inputs, xs)
    others = [t for i, t in enumerate(inputs) if i != argnum] + [output]
    arrays = [x for i, x in enumerate(xs) if i != argnum] + [g]
    unique = "".join(dict.fromkeys(term))
    shared = "".join(c for c in unique if any(c in t for t in others))
    found = _library_einsum(",".join(others) + "->" + shared, *arrays)
    kept = [found.shape[shared.index(c)] if c in shared else 1 for c in unique]
    found = xp.broadcast_to(xp.reshape(found, tuple(kept)), tuple(sizes[c] for c in unique))
    if len(unique) == len(term):
        return found
    used = set("".join(inputs) + output)
    fresh = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used)
    spelled, eyes, seen = "", [], set()
    for c in term:
        if c in seen:  # a repeat: a fresh letter, tied to the first by an identity
            f = next(fresh)
            spelled += f
            eyes.append((c + f, xp.eye(sizes[c], dtype=g.dtype, device=_device(g))))
        else:
            seen.add(c)
            spelled += c
    equation = ",".join([unique, *[e for e, _ in eyes]]) + "->" + spelled
    return _library_einsum(equation, found, *[m for _, m in eyes])


defportable("einsum", _einsum, _einsum_vjp)


# ---------------------------------------------------------------------- movement
def _inverse(axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(range(len(axes)), key=axes.__getitem__))


def _concat_vjp(g: Any, ans: Any, *xs: Any, argnum: int, axis: int) -> Any:
    start = sum(x.shape[axis] for x in xs[:argnum])
    index: list[slice] = [slice(None)] * g.ndim
    index[axis] = slice(start, start + xs[argnum].shape[axis])
    return g[tuple(index)]


def _stack_vjp(g: Any, ans: Any, *xs: Any, argnum: int, axis: int) -> Any:
    index: list[slice | int] = [slice(None)] * g.ndim
    index[axis] = argnum
    return g[tuple(index)]


def _spelled_out(index: Any) -> Any:
    """``index`` with a trailing ``...`` where it names fewer axes than the array has:
    numpy's reading, which the standard asks to be written out."""
    items = index if type(index) is tuple else (index,)
    if any(item is Ellipsis or getattr(item, "dtype", None) is not None for item in items):
        return index  # has one already, or an array index (read as numpy reads it)
    return (*items, Ellipsis)


def _forward_steps(index: Any, ndim: int, shape: tuple[int, ...]) -> tuple[tuple[int, ...], Any]:
    """The axes to flip, and the index that reads the flipped array as ``index`` reads
    the array: a slice with a negative step (numpy's ``x[::-1]``) becomes a positive one.
    PyTorch has no negative steps; a basic index (ints, slices, None, ...) is rewritten."""
    items = index if type(index) is tuple else (index,)
    if not any(type(i) is slice and (i.step or 1) < 0 for i in items):
        return (), index
    if any(i is not None and i is not Ellipsis and type(i) not in (int, slice) for i in items):
        raise BackendError(
            "getitem: a negative-step slice beside an array index is numpy-only for now"
        )
    consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
    axis, flips, rewritten = 0, [], []
    for item in items:
        if item is Ellipsis:
            axis += ndim - consumed
        elif item is not None:
            if type(item) is slice and (item.step or 1) < 0:
                n = shape[axis]
                picked = range(n)[item]
                flips.append(axis)
                if picked:
                    item = slice(n - 1 - picked[0], n - picked[-1], -item.step)
                else:
                    item = slice(0, 0)
            axis += 1
        rewritten.append(item)
    return tuple(flips), tuple(rewritten)


def _getitem(x: Any, index: Any) -> Any:
    flips, index = _forward_steps(index, x.ndim, tuple(x.shape))
    if flips:
        x = ns(x).flip(x, axis=flips)
    return x[_spelled_out(index)]


def _getitem_vjp(g: Any, ans: Any, x: Any, index: Any) -> Any:
    xp = ns(g)
    flips, index = _forward_steps(index, x.ndim, tuple(x.shape))
    out = xp.zeros(x.shape, dtype=g.dtype, device=_device(g))
    out[_spelled_out(index)] = g
    return xp.flip(out, axis=flips) if flips else out


def _device(a: Any) -> Any:
    from array_api_compat import device

    return device(a)


# fmt: off
defportable("reshape", lambda x, shape: ns(x).reshape(x, tuple(shape)),
    lambda g, ans, x, shape: ns(g).reshape(g, tuple(x.shape)))
defportable("transpose", lambda x, axes: ns(x).permute_dims(x, tuple(axes)),
    lambda g, ans, x, axes: ns(g).permute_dims(g, _inverse(tuple(axes))))
defportable("expand_dims", lambda x, axis: ns(x).expand_dims(x, axis=axis),
    lambda g, ans, x, axis: ns(g).reshape(g, tuple(x.shape)))
defportable("squeeze", lambda x, axis: ns(x).squeeze(x, axis=axis),
    lambda g, ans, x, axis: ns(g).reshape(g, tuple(x.shape)))
defportable("concat", lambda *xs, axis: ns(xs[0]).concat(xs, axis=axis), _concat_vjp)
defportable("stack", lambda *xs, axis: ns(xs[0]).stack(xs, axis=axis), _stack_vjp)
defportable(
    "getitem",
    lambda x, index: _getitem(x, index),
    lambda g, ans, x, index: _getitem_vjp(g, ans, x, index),
)
defportable("broadcast_to", lambda x, shape: ns(x).broadcast_to(x, tuple(shape)),
    lambda g, ans, x, shape: g)
# fmt: on


# ---------------------------------------------------------------------- reductions
def _axes(ndim: int, axis: Axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in ((axis,) if isinstance(axis, int) else axis))


def _expand(g: Any, shape: tuple[int, ...], axis: Axis) -> Any:
    """``g`` with the reduced axes of ``shape`` put back (size 1), ready to broadcast."""
    axes = _axes(len(shape), axis)
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return ns(g).reshape(g, kept)


def _spread(g: Any, x: Any, axis: Axis) -> Any:
    return ns(g).broadcast_to(_expand(g, tuple(x.shape), axis), tuple(x.shape))


def _floating(x: Any) -> Any:
    """``x`` in float32 if it holds ints or bools (stag's rule for a mean of ints)."""
    xp = ns(x)
    return x if xp.isdtype(x.dtype, "real floating") else xp.astype(x, xp.float32)


def _count(shape: tuple[int, ...], axis: Axis) -> int:
    return math.prod(shape[a] for a in _axes(len(shape), axis))


def _extremum_vjp(g: Any, ans: Any, x: Any, axis: Axis, keepdims: bool) -> Any:
    xp = ns(x)
    hits = xp.astype(x == _expand(ans, tuple(x.shape), axis), g.dtype)
    share = hits / xp.sum(hits, axis=_axes(x.ndim, axis), keepdims=True)
    return _expand(g, tuple(x.shape), axis) * share


def _finite_max(x: Any, axis: int) -> Any:
    """The max along ``axis`` (kept), 0 where it is not finite."""
    xp = ns(x)
    m = xp.max(x, axis=axis, keepdims=True)
    return xp.where(xp.isfinite(m), m, xp.zeros_like(m))


def _logsumexp(x: Any, *, axis: int, keepdims: bool) -> Any:
    xp = ns(x)
    m = _finite_max(x, axis)
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axis)


def _logsumexp_vjp(g: Any, ans: Any, x: Any, axis: int, keepdims: bool) -> Any:
    g, ans = _expand(g, tuple(x.shape), axis), _expand(ans, tuple(x.shape), axis)
    return ns(x).exp(x - ans) * g


def _softmax(x: Any, *, axis: int) -> Any:
    xp = ns(x)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_softmax(x: Any, *, axis: int) -> Any:
    xp = ns(x)
    shifted = x - _finite_max(x, axis)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _onehot(ids: Any, classes: int, like: Any) -> Any:
    xp = ns(like)
    return ids[..., None] == xp.arange(classes, device=_device(like))


def _cross_entropy(x: Any, *, ids: Any) -> Any:
    xp = ns(x)
    shifted = x - _finite_max(x, -1)
    picked = xp.sum(_masked(_onehot(ids, x.shape[-1], x), shifted), axis=-1)
    log_total = xp.log(xp.sum(xp.exp(shifted), axis=-1))
    return xp.sum(log_total - picked) / max(math.prod(ids.shape), 1)


def _cross_entropy_vjp(g: Any, ans: Any, x: Any, *, ids: Any) -> Any:
    xp = ns(x)
    scale = g / max(math.prod(ids.shape), 1)
    probabilities = _softmax(x, axis=-1)
    onehot = xp.astype(_onehot(ids, x.shape[-1], x), x.dtype)
    return (probabilities - onehot) * scale


def _masked_softmax(x: Any, *, keep: Any) -> Any:
    xp = ns(x)
    if keep is not None:
        x = xp.where(keep, x, xp.full_like(x, -math.inf))
    e = xp.exp(x - _finite_max(x, -1))
    total = xp.sum(e, axis=-1, keepdims=True)
    return e / xp.where(total == 0, xp.ones_like(total), total)


def _norm_vjp(g: Any, ans: Any, x: Any, axis: Axis, keepdims: bool) -> Any:
    xp = ns(x)
    shape = tuple(x.shape)
    g, ans = _expand(g, shape, axis), _expand(ans, shape, axis)
    return g * x / xp.where(ans == 0, xp.ones_like(ans), ans)


def _flip_cumsum(g: Any, axis: int) -> Any:
    xp = ns(g)
    return xp.flip(xp.cumulative_sum(xp.flip(g, axis=axis), axis=axis), axis=axis)


def _reducer(name: str) -> Fn:
    def forward(x: Any, *, axis: Axis, keepdims: bool) -> Any:
        return getattr(ns(x), name)(x, axis=axis, keepdims=keepdims)

    return forward


# fmt: off
defportable("sum", _reducer("sum"),
    lambda g, ans, x, axis, keepdims: _spread(g, x, axis))
defportable("mean", lambda x, axis, keepdims: ns(x).mean(_floating(x), axis=axis,
                                                              keepdims=keepdims),
    lambda g, ans, x, axis, keepdims: _spread(g / _count(tuple(x.shape), axis), x, axis))
defportable("max", _reducer("max"), _extremum_vjp)
defportable("min", _reducer("min"), _extremum_vjp)
defportable("argmax", _reducer("argmax"))
defportable("argmin", _reducer("argmin"))
defportable("logsumexp", _logsumexp, _logsumexp_vjp)
defportable("softmax", _softmax,
    lambda g, ans, x, axis: (g - ns(g).sum(g * ans, axis=axis, keepdims=True)) * ans)
defportable("log_softmax", _log_softmax,
    lambda g, ans, x, axis: g - ns(g).exp(ans) * ns(g).sum(g, axis=axis, keepdims=True))
defportable("cross_entropy", _cross_entropy, _cross_entropy_vjp)
defportable("masked_softmax", _masked_softmax,
    lambda g, ans, x, keep: ans * (g - ns(g).sum(g * ans, axis=-1, keepdims=True)))
defportable("norm2",
    lambda x, axis, keepdims: ns(x).sqrt(ns(x).sum(x * x, axis=axis, keepdims=keepdims)),
    _norm_vjp)
defportable("cumsum", lambda x, axis: ns(x).cumulative_sum(x, axis=axis),
    lambda g, ans, x, axis: _flip_cumsum(g, axis))
# fmt: on


# ---------------------------------------------------------------------- gathers
# The gradient of a gather adds each picked element's cotangent where it came from, and
# an index may pick an element twice: a scatter-add, which the standard lacks.  Each
# library's own stands in (PyTorch's index_add_, CuPy's scatter_add); the positions of
# the picked elements come from gathering an arange of the input's size the same way.
def _scatter_add(x: Any, positions: Any, values: Any) -> Any:
    """Zeros of ``x``'s shape with ``values`` added at the flat ``positions``."""
    xp, name = ns(values), name_of(values)
    flat = xp.zeros(math.prod(x.shape), dtype=values.dtype, device=_device(values))
    positions, values = xp.reshape(positions, (-1,)), xp.reshape(values, (-1,))
    if name == "torch":
        flat.index_add_(0, positions, values)
    elif name == "cupy":
        importlib.import_module("cupyx").scatter_add(flat, positions, values)
    else:
        raise BackendError(
            f"the gradient of an integer-array gather needs a scatter-add, which the {name} "
            "backend lacks (the array API standard has none)"
        )
    return xp.reshape(flat, tuple(x.shape))


def _positions(x: Any) -> Any:
    """The flat position of every element of ``x``, in ``x``'s shape."""
    xp = ns(x)
    return xp.reshape(xp.arange(math.prod(x.shape), device=_device(x)), tuple(x.shape))


def _take(x: Any, index: Any) -> Any:
    if hasattr(index, "dtype") and name_of(x) == "array_api_strict":
        xp = ns(x)  # one index array: the standard's take along axis 0
        rows = xp.take(x, xp.reshape(index, (-1,)), axis=0)
        return xp.reshape(rows, (*index.shape, *x.shape[1:]))
    return x[index]


defportable("take", _take, lambda g, ans, x, index: _scatter_add(x, _take(_positions(x), index), g))
defportable(
    "take_along_axis",
    lambda x, indices, axis: ns(x).take_along_axis(x, indices, axis=axis),
    lambda g, ans, x, indices, axis: _scatter_add(
        x, ns(x).take_along_axis(_positions(x), indices, axis=axis), g
    ),
)


def _repeat_vjp(g: Any, ans: Any, x: Any, repeats: int, axis: int) -> Any:
    at = axis % x.ndim
    shape = tuple(x.shape)
    split = ns(g).reshape(g, shape[:at] + (shape[at], repeats) + shape[at + 1 :])
    return ns(g).sum(split, axis=at + 1)


def _tile_vjp(g: Any, ans: Any, x: Any, reps: tuple[int, ...]) -> Any:
    rank = max(x.ndim, len(reps))
    sizes = (1,) * (rank - x.ndim) + tuple(x.shape)
    counts = (1,) * (rank - len(reps)) + tuple(reps)
    pairs = tuple(d for pair in zip(counts, sizes, strict=True) for d in pair)
    xp = ns(g)
    summed = xp.sum(xp.reshape(g, pairs), axis=tuple(range(0, 2 * rank, 2)))
    return xp.reshape(summed, tuple(x.shape))


def _triangle(lower: bool) -> Fn:
    """``tril``/``triu`` over the last two axes, as a mask (the standard has neither)."""

    def keep(x: Any, k: int) -> Any:
        xp = ns(x)
        rows = xp.arange(x.shape[-2], device=_device(x))[:, None]
        cols = xp.arange(x.shape[-1], device=_device(x))[None, :]
        return _masked(cols - rows <= k if lower else cols - rows >= k, x)

    return keep


defportable("repeat", lambda x, repeats, axis: ns(x).repeat(x, repeats, axis=axis), _repeat_vjp)
defportable("tile", lambda x, reps: ns(x).tile(x, tuple(reps)), _tile_vjp)
defportable("tril", _triangle(True), lambda g, ans, x, k: _triangle(True)(g, k))
defportable("triu", _triangle(False), lambda g, ans, x, k: _triangle(False)(g, k))


from stag._ops import portable_windows as portable_windows  # conv2d and the pools
