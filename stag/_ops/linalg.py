"""Matrix products.

``matmul`` follows numpy: a 1-D left operand is a row vector, a 1-D right
operand a column vector, and leading (batch) dims broadcast.
"""

from __future__ import annotations

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


def _matmul_vjp_x(g: Array, ans: Array, x: Array, y: Array) -> Array:
    g2, x2, y2 = _as_matrices(g, x, y)
    return _shaped(unbroadcast(g2 @ y2.swapaxes(-1, -2), x2.shape), x.shape)


def _matmul_vjp_y(g: Array, ans: Array, x: Array, y: Array) -> Array:
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
