"""Matrix products: ``matmul`` and ``einsum``.

``matmul`` follows numpy: a 1-D left operand is a row vector, a 1-D right
operand a column vector, and leading (batch) dims broadcast.  ``einsum`` takes
an explicit equation, one letter per dim (``stag._einsum`` writes it from the
subscript string the user gave).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from stag._autograd import Array, unbroadcast
from stag._errors import format_shapes
from stag._ops import defprim


def _as_matrices(g: Array, x: Array, y: Array) -> tuple[Array, Array, Array]:
    """Promote 1-D operands (and the matching axis of g) to matrices."""
    if x.ndim == 1 and y.ndim == 1:
        return g.reshape(1, 1), x[None, :], y[:, None]
    if x.ndim == 1:
        return g[..., None, :], x[None, :], y
    if y.ndim == 1:
        return g[..., None], x, y[:, None]
    return g, x, y


def _shaped(a: Array, shape: tuple[int, ...]) -> Array:
    # no reshape when the shape is right already: a fresh array (not a view) can
    # become a leaf's .grad without a copy
    return a if a.shape == shape else a.reshape(shape)


# The VJPs take ``out=`` for two matrices (a replay of stag.compile passes a buffer
# allocated once; eager calls leave it None)
def _matmul_vjp_x(g: Array, ans: Array, x: Array, y: Array, out: Array | None = None) -> Array:
    if x.ndim == 2 and y.ndim == 2:
        return np.matmul(g, y.T, out=out)
    g2, x2, y2 = _as_matrices(g, x, y)
    return _shaped(unbroadcast(g2 @ y2.swapaxes(-1, -2), x2.shape), x.shape)


def _matmul_vjp_y(g: Array, ans: Array, x: Array, y: Array, out: Array | None = None) -> Array:
    if x.ndim == 2 and y.ndim == 2:
        return np.matmul(x.T, g, out=out)
    g2, x2, y2 = _as_matrices(g, x, y)
    if y2.ndim == 2 and x2.ndim > 2:
        # a batch prefix on the left only: fold it into the rows, one BLAS call
        k, n = y2.shape
        return _shaped(x2.reshape(-1, k).T @ g2.reshape(-1, n), y.shape)
    return _shaped(unbroadcast(x2.swapaxes(-1, -2) @ g2, y2.shape), y.shape)


def _matmul_error(datas: tuple[Array, ...], _kw: dict[str, Any]) -> str:
    x, y = datas
    if x.ndim == 0 or y.ndim == 0:
        return (
            f"matmul: operands must have at least one dim, got {format_shapes([x.shape, y.shape])}"
        )
    k_left = x.shape[-1]
    k_right = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if k_left != k_right:
        return (
            f"matmul: inner dimensions differ: {k_left} (last dim of {x.shape}) vs "
            f"{k_right} ({'dim 0' if y.ndim == 1 else 'dim -2'} of {y.shape})"
        )
    return f"matmul: batch dims of {format_shapes([x.shape, y.shape])} cannot be broadcast"


matmul = defprim("matmul", np.matmul, _matmul_vjp_x, _matmul_vjp_y, error_text=_matmul_error)


# --- einsum: explicit equations only (stag._einsum gives every dim a letter first) ------


def _equation(inputs: Sequence[str], output: str) -> str:
    return ",".join(inputs) + "->" + output


# np.einsum's optimize=True picks a contraction order and hands pairs to BLAS, but its
# planning costs 30-100 us of Python per call.  Measured on one thread (float32), it pays
# once the plain loop would do about 2**16 multiply-adds (the product of all the letters'
# sizes): a 48x48 matmul took 90 us plain and 97 us optimized, 64x64 173 vs 72 us; the
# attention shapes cross over alike; a 3-operand chain of 24x24 matrices 2,157 vs 294 us.
OPTIMIZE_FROM = 2**16


def _contract(equation: str, arrays: Sequence[Array], sizes: dict[str, int]) -> Array:
    optimize = len(arrays) > 1 and math.prod(sizes.values()) >= OPTIMIZE_FROM
    return np.asarray(np.einsum(equation, *arrays, optimize=optimize))


def _einsum_forward(*xs: Array, inputs: tuple[str, ...], output: str) -> Array:
    return _contract(_equation(inputs, output), xs, letter_sizes(inputs, xs))


def letter_sizes(inputs: Sequence[str], xs: Sequence[Array]) -> dict[str, int]:
    """Each letter's size once broadcast (a size-1 dim takes the other operands' size)."""
    sizes: dict[str, int] = {}
    for term, x in zip(inputs, xs, strict=True):
        for letter, n in zip(term, x.shape, strict=True):
            if sizes.get(letter, 1) == 1:
                sizes[letter] = n
    return sizes


def _einsum_vjp(
    g: Array, ans: Array, *xs: Array, argnum: int, inputs: tuple[str, ...], output: str
) -> Array:
    """The einsum of ``g`` with the other operands into operand ``argnum``'s letters.

    Letters only that operand has are broadcast back over; a repeated letter writes the
    diagonal of a zeros array (through einsum's writable view).  The answer has the
    broadcast sizes; the engine sums it down to the operand's shape.
    """
    term, sizes = inputs[argnum], letter_sizes(inputs, xs)
    others = [t for i, t in enumerate(inputs) if i != argnum] + [output]
    arrays = [x for i, x in enumerate(xs) if i != argnum] + [g]
    unique = "".join(dict.fromkeys(term))
    shared = "".join(c for c in unique if any(c in t for t in others))
    found = _contract(_equation(others, shared), arrays, sizes)
    found = found.reshape([found.shape[shared.index(c)] if c in shared else 1 for c in unique])
    if len(unique) < len(term):
        out = np.zeros([sizes[c] for c in term], dtype=g.dtype)
        np.einsum(f"{term}->{unique}", out)[...] = found
        return out
    return np.broadcast_to(found, [sizes[c] for c in unique])


einsum = defprim("einsum", _einsum_forward, _einsum_vjp, variadic=True)
