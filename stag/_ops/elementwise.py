"""Elementwise primitives: arithmetic, unary maths, selection, comparisons.

Binary primitives follow numpy broadcasting; their VJPs answer at the
broadcast shape and the engine sums that down to each input's shape
(``unbroadcast``).  ``g`` is the output cotangent, ``ans`` the forward result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stag._autograd import Array
from stag._ops import defprim


def _pow_exponent_vjp(g: Array, ans: Array, x: Array, y: Array) -> Array:
    # d x**y / dy = x**y log x, defined for x > 0 only; elsewhere the branch is taken as 0
    safe_log = np.log(np.where(x > 0, x, 1))
    return np.asarray(g * ans * safe_log)


def _tie_share(x: Array, y: Array) -> Array:
    """1 where x wins, 0.5 on ties, 0 where y wins: the maximum's split of g."""
    return np.asarray((x > y) + 0.5 * (x == y))


def _where(x: Array, y: Array, *, cond: Array) -> Array:
    return np.where(cond, x, y)


def _clip(x: Array, *, lo: Any, hi: Any) -> Array:
    return np.clip(x, lo, hi)


def _sigmoid(x: Array) -> Array:
    # exp of a non-positive number only, so no overflow for large |x|
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


# fmt: off
add = defprim("add", np.add,
    lambda g, ans, x, y: g,
    lambda g, ans, x, y: g)
sub = defprim("sub", np.subtract,
    lambda g, ans, x, y: g,
    lambda g, ans, x, y: -g)
mul = defprim("mul", np.multiply,
    lambda g, ans, x, y: g * y,
    lambda g, ans, x, y: g * x)
div = defprim("div", np.divide,
    lambda g, ans, x, y: g / y,
    lambda g, ans, x, y: -g * ans / y)
pow = defprim("pow", np.power,
    lambda g, ans, x, y: g * y * np.power(x, y - 1),
    _pow_exponent_vjp)
maximum = defprim("maximum", np.maximum,
    lambda g, ans, x, y: g * _tie_share(x, y),
    lambda g, ans, x, y: g * _tie_share(y, x))
minimum = defprim("minimum", np.minimum,
    lambda g, ans, x, y: g * _tie_share(y, x),
    lambda g, ans, x, y: g * _tie_share(x, y))
where = defprim("where", _where,
    lambda g, ans, x, y, cond: np.where(cond, g, 0),
    lambda g, ans, x, y, cond: np.where(cond, 0, g))

neg = defprim("neg", np.negative, lambda g, ans, x: -g)
abs = defprim("abs", np.abs, lambda g, ans, x: g * np.sign(x))
exp = defprim("exp", np.exp, lambda g, ans, x: g * ans)
log = defprim("log", np.log, lambda g, ans, x: g / x)
sqrt = defprim("sqrt", np.sqrt, lambda g, ans, x: g / (2 * ans))
tanh = defprim("tanh", np.tanh, lambda g, ans, x: g * (1 - ans * ans))
sin = defprim("sin", np.sin, lambda g, ans, x: g * np.cos(x))
cos = defprim("cos", np.cos, lambda g, ans, x: -g * np.sin(x))
sigmoid = defprim("sigmoid", _sigmoid, lambda g, ans, x: g * ans * (1 - ans))
relu = defprim("relu", lambda x: np.maximum(x, 0), lambda g, ans, x: g * (x > 0))
clip = defprim("clip", _clip,
    lambda g, ans, x, lo, hi: g * ((x >= lo) & (x <= hi)))
astype = defprim("astype", lambda x, dtype: x.astype(dtype),
    lambda g, ans, x, dtype: g.astype(x.dtype))

lt = defprim("lt", np.less)
le = defprim("le", np.less_equal)
gt = defprim("gt", np.greater)
ge = defprim("ge", np.greater_equal)
eq = defprim("eq", np.equal)
ne = defprim("ne", np.not_equal)
# fmt: on
