"""Free-function forms of the ops (``stag.exp(x)``, ``stag.maximum(a, b)``, ...).

Each is typed in full here rather than aliased to the method, so that every
checker (pyright included) sees the same shape algebra.  The shape-keeping and
elementwise binary functions are generated from their declarations in
``stag._ops`` (``python -m stag._codegen``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

import numpy as np

from stag import _broadcasting as broadcasting
from stag import _composites as composites
from stag._dims import L1, AnyShape, B, Dyn, K, M, N, S, Shape
from stag._errors import ShapeError
from stag._operands import Scalar, expect_tensor, promote, scalar_constant
from stag._ops import Primitive, elementwise, movement
from stag._pytorch_names import refuse_keywords
from stag._tensor import Tensor, apply, binary


# <generated: functions>
@overload
def maximum(x: Tensor[*B, N], y: Tensor[N]) -> Tensor[*B, N]: ...
@overload
def maximum(x: Tensor[N], y: Tensor[*B, N]) -> Tensor[*B, N]: ...
@overload
def maximum(x: Tensor[K, *B, M, N], y: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
@overload
def maximum(x: Tensor[M, N], y: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
@overload
def maximum(x: Tensor[*B, M, L1], y: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
@overload
def maximum(x: Tensor[*B, L1, N], y: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
@overload
def maximum(x: Tensor[M, L1, *S], y: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
@overload
def maximum(x: Tensor[L1, N, *S], y: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
@overload
def maximum(x: Tensor[*B, N], y: Tensor[*B, L1]) -> Tensor[*B, N]: ...
@overload
def maximum(x: Tensor[*B, L1], y: Tensor[*B, N]) -> Tensor[*B, N]: ...
@overload
def maximum(x: Tensor[M, *S], y: Tensor[L1, *S]) -> Tensor[M, *S]: ...
@overload
def maximum(x: Tensor[L1, *S], y: Tensor[M, *S]) -> Tensor[M, *S]: ...
@overload
def maximum(x: Tensor[*Shape], y: Tensor[()]) -> Tensor[*Shape]: ...
@overload
def maximum(x: Tensor[()], y: Tensor[*S]) -> Tensor[*S]: ...
@overload
def maximum(x: Tensor[*Shape], y: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
def maximum(x: Tensor[*AnyShape], y: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
    """The larger of ``x`` and ``y`` elementwise (ties share the gradient)."""
    expect_tensor("maximum", x)
    return binary(elementwise.maximum, x, y)


@overload
def minimum(x: Tensor[*B, N], y: Tensor[N]) -> Tensor[*B, N]: ...
@overload
def minimum(x: Tensor[N], y: Tensor[*B, N]) -> Tensor[*B, N]: ...
@overload
def minimum(x: Tensor[K, *B, M, N], y: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
@overload
def minimum(x: Tensor[M, N], y: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
@overload
def minimum(x: Tensor[*B, M, L1], y: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
@overload
def minimum(x: Tensor[*B, L1, N], y: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
@overload
def minimum(x: Tensor[M, L1, *S], y: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
@overload
def minimum(x: Tensor[L1, N, *S], y: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
@overload
def minimum(x: Tensor[*B, N], y: Tensor[*B, L1]) -> Tensor[*B, N]: ...
@overload
def minimum(x: Tensor[*B, L1], y: Tensor[*B, N]) -> Tensor[*B, N]: ...
@overload
def minimum(x: Tensor[M, *S], y: Tensor[L1, *S]) -> Tensor[M, *S]: ...
@overload
def minimum(x: Tensor[L1, *S], y: Tensor[M, *S]) -> Tensor[M, *S]: ...
@overload
def minimum(x: Tensor[*Shape], y: Tensor[()]) -> Tensor[*Shape]: ...
@overload
def minimum(x: Tensor[()], y: Tensor[*S]) -> Tensor[*S]: ...
@overload
def minimum(x: Tensor[*Shape], y: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
def minimum(x: Tensor[*AnyShape], y: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
    """The smaller of ``x`` and ``y`` elementwise (ties share the gradient)."""
    expect_tensor("minimum", x)
    return binary(elementwise.minimum, x, y)


def abs(x: Tensor[*S]) -> Tensor[*S]:
    """``|x|`` elementwise."""
    return apply(elementwise.abs, x)


def exp(x: Tensor[*S]) -> Tensor[*S]:
    """``e ** x`` elementwise."""
    return apply(elementwise.exp, x)


def log(x: Tensor[*S]) -> Tensor[*S]:
    """Natural logarithm elementwise."""
    return apply(elementwise.log, x)


def log1p(x: Tensor[*S]) -> Tensor[*S]:
    """``log(1 + x)`` elementwise, accurate for ``x`` near 0."""
    return apply(elementwise.log1p, x)


def log2(x: Tensor[*S]) -> Tensor[*S]:
    """Base-2 logarithm elementwise."""
    return apply(elementwise.log2, x)


def log10(x: Tensor[*S]) -> Tensor[*S]:
    """Base-10 logarithm elementwise."""
    return apply(elementwise.log10, x)


def expm1(x: Tensor[*S]) -> Tensor[*S]:
    """``e ** x - 1`` elementwise, accurate for ``x`` near 0."""
    return apply(elementwise.expm1, x)


def sqrt(x: Tensor[*S]) -> Tensor[*S]:
    """Square root elementwise."""
    return apply(elementwise.sqrt, x)


def tanh(x: Tensor[*S]) -> Tensor[*S]:
    """Hyperbolic tangent elementwise."""
    return apply(elementwise.tanh, x)


def sin(x: Tensor[*S]) -> Tensor[*S]:
    """Sine elementwise (radians)."""
    return apply(elementwise.sin, x)


def cos(x: Tensor[*S]) -> Tensor[*S]:
    """Cosine elementwise (radians)."""
    return apply(elementwise.cos, x)


def erf(x: Tensor[*S]) -> Tensor[*S]:
    """The error function elementwise, ``2/sqrt(pi) * integral of exp(-t**2)``."""
    return apply(elementwise.erf, x)


def sigmoid(x: Tensor[*S]) -> Tensor[*S]:
    """``1 / (1 + e ** -x)`` elementwise, without overflow for large ``|x|``."""
    return apply(elementwise.sigmoid, x)


def relu(x: Tensor[*S]) -> Tensor[*S]:
    """``max(x, 0)`` elementwise."""
    return apply(elementwise.relu, x)


# </generated: functions>


# A mask that is a suffix of the values (a (T, T) causal mask on (B, H, T, T) scores, a
# (C,) mask on (N, C)), then one of the values' shape; equal shapes last (see
# _codegen.BINARY_FUNCTION_RULE).  The mypy plugin computes every form stag's rule allows.
@overload
def where(
    cond: Tensor[M, N], x: Tensor[K, *B, M, N], y: Tensor[K, *B, M, N] | Scalar
) -> Tensor[K, *B, M, N]: ...
@overload
def where(cond: Tensor[M, N], x: Scalar, y: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
@overload
def where(cond: Tensor[N], x: Tensor[*B, N], y: Tensor[*B, N] | Scalar) -> Tensor[*B, N]: ...
@overload
def where(cond: Tensor[N], x: Scalar, y: Tensor[*B, N]) -> Tensor[*B, N]: ...
@overload
def where(cond: Tensor[*S], x: Tensor[*S] | Scalar, y: Tensor[*S] | Scalar) -> Tensor[*S]: ...
def where(
    cond: Tensor[*AnyShape], x: Tensor[*AnyShape] | Scalar, y: Tensor[*AnyShape] | Scalar
) -> Tensor[*AnyShape]:
    """``x`` where ``cond`` is true, else ``y`` (cond is a bool tensor).

    The three broadcast by stag's rule (``stag/_broadcasting.py``), so a ``(T, T)`` mask
    selects in ``(B, H, T, T)`` scores and a ``(N,)`` mask does not meet ``(N, 1)`` values.
    """
    expect_tensor("where", cond)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: cond must be a bool tensor, got {cond.dtype}")
    if isinstance(x, Tensor):
        x_, y_ = x, y if isinstance(y, Tensor) else scalar_constant(y, x, "where")
    elif isinstance(y, Tensor):
        x_, y_ = scalar_constant(x, y, "where"), y
    else:
        raise TypeError("where: at least one of x and y must be a Tensor")
    x_, y_ = promote("where", (x_, y_))
    shapes = (cond.shape, x_.shape, y_.shape)
    if len({len(shape) for shape in shapes}) > 1:
        broadcasting.check("where", *shapes)
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(
            f"where: shapes {cond.shape}, {x_.shape} and {y_.shape} cannot be broadcast"
        ) from None
    return apply(elementwise.where, x_, y_, cond=cond._data)


@overload
def matmul(x: Tensor[*B, K], y: Tensor[K, N]) -> Tensor[*B, N]: ...  # type: ignore[overload-overlap]  # rules 1 and 2 agree on 2-d @ 2-d
@overload
def matmul(x: Tensor[*B, M, K], y: Tensor[*B, K, N]) -> Tensor[*B, M, N]: ...
@overload
def matmul(x: Tensor[*B, K], y: Tensor[K]) -> Tensor[*B]: ...
def matmul(x: Tensor[*AnyShape], y: Tensor[*AnyShape]) -> Tensor[*AnyShape]:
    """Matrix product with numpy's rules (vectors, batch prefixes); same as ``x @ y``."""
    expect_tensor("matmul", x, y)
    return x @ y


@overload
def concat(tensors: Sequence[Tensor[Dyn, *S]], axis: Literal[0] = 0) -> Tensor[Dyn, *S]: ...
@overload
def concat(tensors: Sequence[Tensor[*S, Dyn]], axis: Literal[-1]) -> Tensor[*S, Dyn]: ...
@overload
def concat(tensors: Sequence[Tensor[*AnyShape]], axis: int) -> Tensor[*AnyShape]: ...
def concat(
    tensors: Sequence[Tensor[*AnyShape]], axis: int = 0, **pytorch: object
) -> Tensor[*AnyShape]:
    """The tensors joined along an existing ``axis`` (all other sizes equal).

    The joined size is ``Dyn``: annotate the result to state it.
    """
    if pytorch:
        refuse_keywords("concat", pytorch)
    return _join("concat", movement.concat, tensors, axis)


@overload
def stack(
    tensors: tuple[Tensor[*S], Tensor[*S]], axis: Literal[0] = 0
) -> Tensor[Literal[2], *S]: ...
@overload
def stack(
    tensors: tuple[Tensor[*S], Tensor[*S], Tensor[*S]], axis: Literal[0] = 0
) -> Tensor[Literal[3], *S]: ...
@overload
def stack(
    tensors: tuple[Tensor[*S], Tensor[*S], Tensor[*S], Tensor[*S]], axis: Literal[0] = 0
) -> Tensor[Literal[4], *S]: ...
@overload
def stack(tensors: Sequence[Tensor[*S]], axis: Literal[0] = 0) -> Tensor[Dyn, *S]: ...
@overload
def stack(tensors: Sequence[Tensor[*S]], axis: Literal[-1]) -> Tensor[*S, Dyn]: ...
@overload
def stack(tensors: Sequence[Tensor[*AnyShape]], axis: int) -> Tensor[*AnyShape]: ...
def stack(
    tensors: Sequence[Tensor[*AnyShape]], axis: int = 0, **pytorch: object
) -> Tensor[*AnyShape]:
    """The tensors (all of one shape) along a new ``axis``.

    A tuple of 2 to 4 tensors gives a literal leading size; a list gives ``Dyn``.
    """
    if pytorch:
        refuse_keywords("stack", pytorch)
    return _join("stack", movement.stack, tensors, axis)


def _join(
    name: str, prim: Primitive, tensors: Sequence[Tensor[*AnyShape]], axis: int
) -> Tensor[*AnyShape]:
    if not tensors:
        raise ShapeError(f"{name}: expected at least one tensor, got none")
    for t in tensors:
        expect_tensor(name, t)
    return apply(prim, *promote(name, tensors), axis=axis)


def cumsum(x: Tensor[*S], axis: int) -> Tensor[*S]:
    """Running sums along ``axis``, as ``x.cumsum(axis)``."""
    expect_tensor("cumsum", x)
    return x.cumsum(axis)


@overload
def split(
    x: Tensor[*B, N], sizes: tuple[int, int], axis: Literal[-1] = -1
) -> tuple[Tensor[*B, Dyn], Tensor[*B, Dyn]]: ...
@overload
def split(
    x: Tensor[*B, N], sizes: tuple[int, int, int], axis: Literal[-1] = -1
) -> tuple[Tensor[*B, Dyn], Tensor[*B, Dyn], Tensor[*B, Dyn]]: ...
@overload
def split(
    x: Tensor[*AnyShape], sizes: Sequence[int], axis: int = -1
) -> tuple[Tensor[*AnyShape], ...]: ...
def split(
    x: Tensor[*AnyShape], sizes: Sequence[int], axis: int = -1
) -> tuple[Tensor[*AnyShape], ...]:
    """``x`` cut along ``axis`` into parts of the given ``sizes`` (views; they must add up).

    PyTorch's ``torch.split(x, [2, 3], dim)``; for equal parts, ``x.chunk(n, axis)``.
    """
    expect_tensor("split", x)
    return tuple(composites.split_sizes("split", x, tuple(sizes), axis))


def tril(x: Tensor[*B, M, N], k: int = 0) -> Tensor[*B, M, N]:
    """The lower triangle of the last two axes (zeros above diagonal ``k``)."""
    expect_tensor("tril", x)
    return composites.triangle("tril", x, k)


def triu(x: Tensor[*B, M, N], k: int = 0) -> Tensor[*B, M, N]:
    """The upper triangle of the last two axes (zeros below diagonal ``k``)."""
    expect_tensor("triu", x)
    return composites.triangle("triu", x, k)


def broadcast_to(x: Tensor[*AnyShape], shape: tuple[*S]) -> Tensor[*S]:
    """``x`` as a read-only view of ``shape`` (numpy's rule); the gradient is summed back."""
    expect_tensor("broadcast_to", x)
    return composites.broadcast("broadcast_to", x, shape)
