"""Reductions and the softmax family (numerically stable forms)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from stag._autograd import Array
from stag._ops import defcomposite, defprim, index_reduction, reduction

Axis = int | tuple[int, ...] | None
# np.sum and np.max without their Python wrappers (typed Any: the stubs want a Literal keepdims)
_add_reduce: Any = np.add.reduce
_max_reduce: Any = np.maximum.reduce


def _expand(g: Array, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Array:
    """Put back the reduced axes of ``g`` (size 1), ready to broadcast to ``shape``."""
    if axis is None:
        return g.reshape((1,) * len(shape))
    if not keepdims:
        g = np.expand_dims(g, axis)
    return g


def count(shape: tuple[int, ...], axis: Axis) -> int:
    """How many elements a reduction over ``axis`` of ``shape`` combines into one."""
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    return math.prod([shape[a] for a in axes])


def _sum_vjp(g: Array, ans: Array, x: Array, axis: Axis, keepdims: bool) -> Array:
    return np.broadcast_to(_expand(g, x.shape, axis, keepdims), x.shape)


def _mean(x: Array, *, axis: Axis, keepdims: bool) -> Array:
    if x.dtype.char not in "fd":  # integers average in float64, float16 in float32: numpy's rules
        return np.asarray(np.mean(x, axis=axis, keepdims=keepdims))
    # what np.mean computes for float32 / float64, without its Python-level wrapper
    total: Array = _add_reduce(x, axis=axis, keepdims=keepdims)
    return total / count(x.shape, axis)


def _mean_vjp(g: Array, ans: Array, x: Array, axis: Axis, keepdims: bool) -> Array:
    g = _expand(g, x.shape, axis, keepdims) / count(x.shape, axis)
    return np.broadcast_to(g, x.shape)


def _extremum_vjp(g: Array, ans: Array, x: Array, axis: Axis, keepdims: bool) -> Array:
    # the gradient is split evenly among tied extrema, as torch.amax does
    hits = x == _expand(ans, x.shape, axis, keepdims)
    share = hits / hits.sum(axis=axis, keepdims=True)
    return np.asarray(_expand(g, x.shape, axis, keepdims) * share)


def _finite_max(x: Array, axis: int) -> Array:
    """The max along ``axis`` (kept), 0 where it is not finite: the shift that keeps exp finite."""
    m = _max_reduce(x, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


# The softmax family makes one full-size array per call and runs its later passes in it:
# exp, the scaling and the subtraction write over a temporary that nothing else holds.
def _exp_over(t: Array) -> Array:
    """``exp(t)``, written over ``t`` (a fresh temporary) when it holds floats."""
    return np.exp(t, out=t) if t.dtype.kind == "f" else np.exp(t)


def _widened(t: Array, other: Array) -> Array:
    """``t``, or a copy in the dtype it promotes to with ``other``: arithmetic written over
    the result keeps the precision that an out-of-place expression would have."""
    if t.dtype == other.dtype:  # the usual case, and 20x quicker than np.result_type
        return t
    dtype = np.result_type(t, other)
    return t if t.dtype == dtype else t.astype(dtype)


def _logsumexp(x: Array, *, axis: int, keepdims: bool) -> Array:
    m = _finite_max(x, axis)
    out = np.log(_add_reduce(_exp_over(x - m), axis=axis, keepdims=True)) + m
    return np.asarray(out if keepdims else np.squeeze(out, axis=axis))


def _logsumexp_vjp(g: Array, ans: Array, x: Array, axis: int, keepdims: bool) -> Array:
    g, ans = _expand(g, x.shape, axis, keepdims), _expand(ans, x.shape, axis, keepdims)
    e = _widened(_exp_over(x - ans), g)
    np.multiply(e, g, out=e)
    return e


def _log_softmax(x: Array, *, axis: int) -> Array:
    shifted = x - _finite_max(x, axis)
    log_total = np.log(_add_reduce(np.exp(shifted), axis=axis, keepdims=True))
    shifted = _widened(shifted, log_total)
    np.subtract(shifted, log_total, out=shifted)
    return shifted


def _log_softmax_vjp(g: Array, ans: Array, x: Array, axis: int) -> Array:
    e = _widened(np.exp(ans), g)  # softmax
    np.multiply(e, _add_reduce(g, axis=axis, keepdims=True), out=e)
    np.subtract(g, e, out=e)
    return e


def _softmax(x: Array, *, axis: int) -> Array:
    e = _exp_over(x - _max_reduce(x, axis=axis, keepdims=True))
    np.divide(e, _add_reduce(e, axis=axis, keepdims=True), out=e)
    return e


def _softmax_vjp(g: Array, ans: Array, x: Array, axis: int) -> Array:
    t = g * ans
    np.subtract(g, _add_reduce(t, axis=axis, keepdims=True), out=t)
    np.multiply(t, ans, out=t)
    return t


def _cross_entropy(x: Array, *, ids: Array) -> Array:
    """Mean over the rows of ``-log_softmax(x)[..., id]``, ``ids`` of shape ``x.shape[:-1]``.

    One primitive for log_softmax, pick, mean and negate: a classifier's loss is then
    one node of the graph, not four (its VJP is one softmax, not four passes).  Of
    log_softmax only the picked entries are formed, ``shifted[id] - log(sum(exp(shifted)))``.
    """
    shifted = (x - _finite_max(x, -1)).reshape(-1, x.shape[-1])
    picked = shifted[np.arange(len(shifted)), ids.reshape(-1)]
    log_total = np.log(_add_reduce(_exp_over(shifted), axis=-1))
    return np.asarray(_add_reduce(log_total - picked, axis=None) / ids.size)


def _cross_entropy_vjp(g: Array, ans: Array, x: Array, *, ids: Array) -> Array:
    # d loss / dx = (softmax(x) - onehot(ids)) * g / rows: the scale joins the division
    # that normalises the exponentials, one pass
    scale = g / ids.size
    e = _widened(_exp_over(x - _max_reduce(x, axis=-1, keepdims=True)), scale)
    np.multiply(e, scale / _add_reduce(e, axis=-1, keepdims=True), out=e)
    rows = e.reshape(-1, e.shape[-1])  # a view: e is fresh and contiguous
    rows[np.arange(len(rows)), ids.reshape(-1)] -= scale
    return e


def _reducer(fn: Any) -> Any:
    # fn is a ufunc's reduce (what np.sum / np.max call, minus their Python wrappers) or argmax
    def forward(x: Array, *, axis: Axis, keepdims: bool) -> Array:
        return np.asarray(fn(x, axis=axis, keepdims=keepdims))

    return forward


# fmt: off
sum = defprim("sum", _reducer(_add_reduce), _sum_vjp,
    facade=reduction("Sum over ``axis`` (all axes when None)."))
mean = defprim("mean", _mean, _mean_vjp,
    facade=reduction("Arithmetic mean over ``axis`` (all axes when None)."))
max = defprim("max", _reducer(_max_reduce), _extremum_vjp,
    facade=reduction("Largest value over ``axis``; ties share the gradient evenly."))
min = defprim("min", _reducer(np.minimum.reduce), _extremum_vjp,
    facade=reduction("Smallest value over ``axis``; ties share the gradient evenly."))
defcomposite("var", reduction(
    "Variance over ``axis`` with numpy's default ``ddof=0`` (pass 1 for unbiased).",
    extra="ddof: int = 0", impl="variance"))
logsumexp = defprim("logsumexp", _logsumexp, _logsumexp_vjp)
softmax = defprim("softmax", _softmax, _softmax_vjp)
log_softmax = defprim("log_softmax", _log_softmax, _log_softmax_vjp)
cross_entropy = defprim("cross_entropy", _cross_entropy, _cross_entropy_vjp)

argmax = defprim("argmax", _reducer(np.argmax), facade=index_reduction(
    "Index (int64) of the largest value over ``axis`` (of the flattened tensor when None)."))
argmin = defprim("argmin", _reducer(np.argmin), facade=index_reduction(
    "Index (int64) of the smallest value over ``axis``."))
# fmt: on


# ------------------------------------------------------------ norms and scans
def _norm(x: Array, *, axis: Axis, keepdims: bool) -> Array:
    return np.asarray(np.sqrt(_add_reduce(x * x, axis=axis, keepdims=keepdims)))


def _norm_vjp(g: Array, ans: Array, x: Array, axis: Axis, keepdims: bool) -> Array:
    # x / |x|, and 0 where the norm is 0 (a subgradient, as PyTorch): never 0 / 0
    g, ans = _expand(g, x.shape, axis, keepdims), _expand(ans, x.shape, axis, keepdims)
    return np.asarray(g * x / np.where(ans == 0, 1, ans))


def _reverse_cumsum(g: Array, axis: int) -> Array:
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


# fmt: off
norm2 = defprim("norm2", _norm, _norm_vjp)
defcomposite("std", reduction(
    "Standard deviation over ``axis``, ``ddof=0`` as numpy's (PyTorch's default is 1).",
    extra="ddof: int = 0", impl="standard_deviation"))
defcomposite("norm", reduction(
    "The ``ord``-norm over ``axis`` (all axes when None): 2, 1, ``inf``, ``-inf`` or any p > 0.",
    extra="ord: float = 2", impl="vector_norm"))
cumsum = defprim("cumsum", lambda x, axis: np.cumsum(x, axis=axis),
    lambda g, ans, x, axis: _reverse_cumsum(g, axis))
# fmt: on


# ------------------------------------------------------------------ attention
def _masked_softmax(x: Array, *, keep: Array | None) -> Array:
    """Softmax over the last axis of ``x`` where ``keep`` (or -inf in ``x``) masks entries out.

    A row with nothing kept is all zeros, never NaN: attention over a fully masked row
    contributes nothing.
    """
    if keep is not None:
        x = np.where(keep, x, -np.inf)
    e = np.exp(x - _finite_max(x, -1))
    total = _add_reduce(e, axis=-1, keepdims=True)
    e /= np.where(total == 0, 1, total)
    return np.asarray(e)


# fmt: off
masked_softmax = defprim("masked_softmax", _masked_softmax,
    lambda g, ans, x, keep: ans * (g - _add_reduce(g * ans, axis=-1, keepdims=True)))
# fmt: on
