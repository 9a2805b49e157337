"""Elementwise primitives: arithmetic, unary maths, selection, comparisons.

Binary primitives follow numpy broadcasting; their VJPs answer at the
broadcast shape and the engine sums that down to each input's shape
(``unbroadcast``).  ``g`` is the output cotangent, ``ans`` the forward result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from stag._autograd import Array
from stag._errors import DTypeError
from stag._ops import binary_function, binary_operator, defprim, standard, unary


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


def _erf(x: Array) -> Array:
    # scipy's ufunc, imported at first use: numpy has no erf, and a home-grown series
    # would be slower and less exact (README, "Dependencies")
    from scipy.special import erf

    result: Array = erf(x)
    return result


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_HALF = math.sqrt(0.5)


def _gelu(x: Array) -> Array:
    """``x * Phi(x)`` with the normal distribution's CDF ``Phi``: PyTorch's exact GELU."""
    cdf = _erf(x * _SQRT_HALF)
    cdf += 1
    cdf *= 0.5
    return np.asarray(x * cdf)


def _gelu_vjp(g: Array, ans: Array, x: Array) -> Array:
    # d/dx x Phi(x) = Phi(x) + x phi(x), phi the normal density
    cdf = 0.5 * (1 + _erf(x * _SQRT_HALF))
    pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return np.asarray(g * (cdf + x * pdf))


def _gelu_tanh(x: Array) -> Array:
    """PyTorch's ``gelu(x, approximate="tanh")``: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    inner = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    return np.asarray(0.5 * x * (1 + inner))


def _gelu_tanh_vjp(g: Array, ans: Array, x: Array) -> Array:
    inner = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    d_inner = (1 - inner * inner) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return np.asarray(g * (0.5 * (1 + inner) + 0.5 * x * d_inner))


# relu's forward and VJP take ``out=``: a replay of stag.compile writes them into buffers
# allocated once (eager calls leave it None)
def _relu(x: Array, out: Array | None = None) -> Array:
    return np.maximum(x, 0, out=out)


def _relu_vjp(g: Array, ans: Array, x: Array, out: Array | None = None) -> Array:
    return np.multiply(g, x > 0, out=out)


def _sigmoid(x: Array) -> Array:
    # exp of a non-positive number only, so no overflow for large |x|
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _bitwise(ufunc: np.ufunc, symbol: str) -> Callable[..., Array]:
    """``ufunc`` on bool and int arrays; a float operand is refused by name (numpy's
    message would name a ufunc and casting rules)."""

    def forward(*arrays: Array) -> Array:
        for array in arrays:
            if array.dtype.kind not in "biu":
                raise DTypeError(
                    f"{symbol}: takes bool (or int) tensors, got a {array.dtype} one; "
                    "make a mask first (x > 0) or convert it (x.astype(bool))"
                )
        return np.asarray(ufunc(*arrays))

    return forward


# fmt: off
add = defprim("add", np.add,
    lambda g, ans, x, y: g,
    lambda g, ans, x, y: g, facade=binary_operator("__add__", "__radd__", "__iadd__"),
    twin=standard("add"))
sub = defprim("sub", np.subtract,
    lambda g, ans, x, y: g,
    lambda g, ans, x, y: -g, facade=binary_operator("__sub__", "__rsub__", "__isub__"),
    twin=standard("subtract"))
mul = defprim("mul", np.multiply,
    lambda g, ans, x, y: g * y,
    lambda g, ans, x, y: g * x, facade=binary_operator("__mul__", "__rmul__", "__imul__"),
    twin=standard("multiply"))
div = defprim("div", np.divide,
    lambda g, ans, x, y: g / y,
    lambda g, ans, x, y: -g * ans / y, facade=binary_operator("__truediv__", "__rtruediv__", "__itruediv__"),
    twin=standard("divide"))
pow = defprim("pow", np.power,
    lambda g, ans, x, y: g * y * np.power(x, y - 1),
    _pow_exponent_vjp, facade=binary_operator("__pow__", "__rpow__"))
maximum = defprim("maximum", np.maximum,
    lambda g, ans, x, y: g * _tie_share(x, y),
    lambda g, ans, x, y: g * _tie_share(y, x),
    facade=binary_function("The larger of ``x`` and ``y`` elementwise (ties share the gradient)."))
minimum = defprim("minimum", np.minimum,
    lambda g, ans, x, y: g * _tie_share(y, x),
    lambda g, ans, x, y: g * _tie_share(x, y),
    facade=binary_function("The smaller of ``x`` and ``y`` elementwise (ties share the gradient)."))
where = defprim("where", _where,
    lambda g, ans, x, y, cond: np.where(cond, g, 0),
    lambda g, ans, x, y, cond: np.where(cond, 0, g))

neg = defprim("neg", np.negative, lambda g, ans, x: -g,
    facade=unary("``-x`` elementwise.", method=False, function=False, operator="__neg__"),
    twin=standard("negative"))
abs = defprim("abs", np.abs, lambda g, ans, x: g * np.sign(x),
    facade=unary("``|x|`` elementwise.", operator="__abs__"))
exp = defprim("exp", np.exp, lambda g, ans, x: g * ans,
    facade=unary("``e ** x`` elementwise."), twin=standard("exp"))
log = defprim("log", np.log, lambda g, ans, x: g / x,
    facade=unary("Natural logarithm elementwise."), twin=standard("log"))
log1p = defprim("log1p", np.log1p, lambda g, ans, x: g / (1 + x),
    facade=unary("``log(1 + x)`` elementwise, accurate for ``x`` near 0."), twin=standard("log1p"))
log2 = defprim("log2", np.log2, lambda g, ans, x: g / (x * math.log(2)),
    facade=unary("Base-2 logarithm elementwise."), twin=standard("log2"))
log10 = defprim("log10", np.log10, lambda g, ans, x: g / (x * math.log(10)),
    facade=unary("Base-10 logarithm elementwise."), twin=standard("log10"))
expm1 = defprim("expm1", np.expm1, lambda g, ans, x: g * (ans + 1),
    facade=unary("``e ** x - 1`` elementwise, accurate for ``x`` near 0."), twin=standard("expm1"))
sqrt = defprim("sqrt", np.sqrt, lambda g, ans, x: g / (2 * ans),
    facade=unary("Square root elementwise."), twin=standard("sqrt"))
tanh = defprim("tanh", np.tanh, lambda g, ans, x: g * (1 - ans * ans),
    facade=unary("Hyperbolic tangent elementwise."), twin=standard("tanh"))
sin = defprim("sin", np.sin, lambda g, ans, x: g * np.cos(x),
    facade=unary("Sine elementwise (radians)."))
cos = defprim("cos", np.cos, lambda g, ans, x: -g * np.sin(x),
    facade=unary("Cosine elementwise (radians)."))
erf = defprim("erf", _erf, lambda g, ans, x: g * (2 / math.sqrt(math.pi)) * np.exp(-x * x),
    facade=unary("The error function elementwise, ``2/sqrt(pi) * integral of exp(-t**2)``."))
gelu = defprim("gelu", _gelu, _gelu_vjp)
gelu_tanh = defprim("gelu_tanh", _gelu_tanh, _gelu_tanh_vjp)
sigmoid = defprim("sigmoid", _sigmoid, lambda g, ans, x: g * ans * (1 - ans),
    facade=unary("``1 / (1 + e ** -x)`` elementwise, without overflow for large ``|x|``."))
relu = defprim("relu", _relu, _relu_vjp,
    facade=unary("``max(x, 0)`` elementwise."))
clip = defprim("clip", _clip,
    lambda g, ans, x, lo, hi: g * ((x >= lo) & (x <= hi)))
astype = defprim("astype", lambda x, dtype: x.astype(dtype),
    lambda g, ans, x, dtype: g.astype(x.dtype))

lt = defprim("lt", np.less, facade=binary_operator("__lt__"), twin=standard("less"))
le = defprim("le", np.less_equal, facade=binary_operator("__le__"), twin=standard("less_equal"))
gt = defprim("gt", np.greater, facade=binary_operator("__gt__"), twin=standard("greater"))
ge = defprim("ge", np.greater_equal, facade=binary_operator("__ge__"),
    twin=standard("greater_equal"))
eq = defprim("eq", np.equal, facade=binary_operator("__eq__"), twin=standard("equal"))
ne = defprim("ne", np.not_equal, facade=binary_operator("__ne__"), twin=standard("not_equal"))
# Masks: logical on bool tensors (`causal & padding`, `~mask`), bitwise on int ones.
bitwise_and = defprim("bitwise_and", _bitwise(np.bitwise_and, "&"),
    facade=binary_operator("__and__"))
bitwise_or = defprim("bitwise_or", _bitwise(np.bitwise_or, "|"),
    facade=binary_operator("__or__"))
bitwise_xor = defprim("bitwise_xor", _bitwise(np.bitwise_xor, "^"),
    facade=binary_operator("__xor__"))
bitwise_not = defprim("bitwise_not", _bitwise(np.invert, "~"), facade=unary(
    "``~x``: not, elementwise, of a bool tensor (bitwise of an int one).",
    method=False, function=False, operator="__invert__"))
# fmt: on
