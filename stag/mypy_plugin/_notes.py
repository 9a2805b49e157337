"""Readable errors: a note naming the dims when `@`, `stag.matmul` or a `Linear`,
`LayerNorm` or `Conv2d` call rejects a shape (the operators': `_broadcast.py`).

These hooks change no signature: mypy's own error stands, and the note says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mypy.plugin import FunctionSigContext, MethodSigContext
from mypy.types import FunctionLike, Instance, Type, get_proper_type

from ._shapes import Dim, as_dim, differ, shape_of, show, type_of
from ._targets import CONV2D_CALL, LAYER_NORM_CALL, LINEAR_CALL


def matmul_problem(left: Sequence[Dim], right: Sequence[Dim]) -> str | None:
    """Why `left @ right` has no shape, in the dims' own names; None if nothing is known."""
    if not left or not right:
        return None
    inner_right = 0 if len(right) == 1 else len(right) - 2
    if differ(left[-1], right[inner_right]):
        return (
            f"matmul: inner dimensions differ: {left[-1]} (dim -1 of the left) "
            f"vs {right[inner_right]} (dim {inner_right} of the right)"
        )
    if len(right) > 2 and len(left) >= 2:
        lb, rb = left[:-2], right[:-2]
        if len(lb) == len(rb) and any(differ(a, b) for a, b in zip(lb, rb, strict=True)):
            return f"matmul: batch dimensions differ: {show(lb)} vs {show(rb)}"
    return None


def _explain(ctx: MethodSigContext | FunctionSigContext, problem: str | None) -> None:
    if problem is not None:
        ctx.api.msg.note(problem, ctx.context)


def _operand_shapes(
    ctx: MethodSigContext | FunctionSigContext, left: Type | None
) -> tuple[list[Dim], list[Dim]] | None:
    if left is None or not ctx.args or not ctx.args[-1]:
        return None
    right = type_of(ctx, ctx.args[-1][0])
    lhs, rhs = shape_of(left), shape_of(right) if right is not None else None
    return None if lhs is None or rhs is None else (lhs, rhs)


def matmul_method_sig(ctx: MethodSigContext) -> FunctionLike:
    if (shapes := _operand_shapes(ctx, ctx.type)) is not None:
        _explain(ctx, matmul_problem(*shapes))
    return ctx.default_signature


def matmul_function_sig(ctx: FunctionSigContext) -> FunctionLike:
    left = ctx.args[0][0] if len(ctx.args) >= 2 and ctx.args[0] else None
    if left is not None:
        shapes = _operand_shapes(ctx, type_of(ctx, left))
        if shapes is not None:
            _explain(ctx, matmul_problem(*shapes))
    return ctx.default_signature


@dataclass(frozen=True)
class LayerInput:
    """Which input dim of a layer's call must be which of the layer's type arguments."""

    layer: str
    axis: int
    rank: int | None  # the input's rank where the signature fixes it
    what: str  # the constructor argument that set the dim

    def __call__(self, ctx: MethodSigContext) -> FunctionLike:
        layer = get_proper_type(ctx.type)
        x_type = type_of(ctx, ctx.args[0][0]) if ctx.args and ctx.args[0] else None
        x = shape_of(x_type) if x_type is not None else None
        if not isinstance(layer, Instance) or not layer.args or not x:
            return ctx.default_signature
        if (self.rank is None or len(x) == self.rank) and -len(x) <= self.axis < len(x):
            expected, got = as_dim(layer.args[0]), x[self.axis]
            if differ(got, expected):
                _explain(
                    ctx,
                    f"{self.layer}: {self.what} differs: {got} (dim {self.axis} of the input) "
                    f"vs {expected} (the layer's)",
                )
        return ctx.default_signature


LAYER_INPUTS = {
    LINEAR_CALL: LayerInput("Linear", -1, None, "in_features"),
    LAYER_NORM_CALL: LayerInput("LayerNorm", -1, None, "normalized_shape"),
    CONV2D_CALL: LayerInput("Conv2d", 1, 4, "in_channels"),
}
