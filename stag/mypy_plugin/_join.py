"""Joining tensors: `stag.concat` and `stag.stack`, over a tuple or a list display."""

from __future__ import annotations

from mypy.nodes import Expression, ListExpr, StarExpr, TupleExpr
from mypy.plugin import FunctionContext
from mypy.types import AnyType, TupleType, Type, TypeOfAny, get_proper_type

from ._shapes import (
    Dim,
    arg_at,
    differ,
    disagrees,
    fail,
    int_arg,
    line_has_error,
    literal,
    normalize_axis,
    shape_of,
    tensor_like,
    type_of,
)


def _sequence_items(ctx: FunctionContext) -> list[Type] | None:
    """The element types of the first argument, when it is a tuple or a list display."""
    typ = arg_at(ctx.arg_types, 0)
    proper = get_proper_type(typ) if typ is not None else None
    if isinstance(proper, TupleType):
        return list(proper.items)
    expr: Expression | None = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    if isinstance(expr, (ListExpr, TupleExpr)) and expr.items:
        if any(isinstance(item, StarExpr) for item in expr.items):
            return None  # `[a, *rest]`: the count is not known
        types = [type_of(ctx, item) for item in expr.items]
        return None if None in types else [t for t in types if t is not None]
    return None


def _shapes(ctx: FunctionContext) -> list[list[Dim]] | None:
    items = _sequence_items(ctx)
    if not items or line_has_error(ctx):
        return None
    shapes = [shape_of(t) for t in items]
    if any(s is None for s in shapes) or len({len(s) for s in shapes if s is not None}) != 1:
        return None
    return [s for s in shapes if s is not None]


def _agree(
    ctx: FunctionContext, op: str, shapes: list[list[Dim]], skip: int | None
) -> list[Type] | None:
    """One dim per axis (the first known one), or None after an error for dims that differ."""
    merged: list[Type] = []
    for axis, column in enumerate(zip(*shapes, strict=True)):
        if axis == skip:
            merged.append(column[0].type)
            continue
        first = next((d for d in column if d.known), column[0])
        for index, dim in enumerate(column):
            if differ(first, dim):
                fail(
                    ctx,
                    f"{op}: dim {axis} differs: {first} (tensor {column.index(first)}) "
                    f"vs {dim} (tensor {index})",
                )
                return None
        merged.append(first.type)
    return merged


def concat_hook(ctx: FunctionContext) -> Type:
    shapes = _shapes(ctx)
    axis = int_arg(ctx.arg_types, 1, 0)
    if shapes is None or axis is None or (axis := normalize_axis(axis, len(shapes[0]))) is None:
        return ctx.default_return_type
    if disagrees(ctx.default_return_type, shapes, skip=axis):
        return ctx.default_return_type
    merged = _agree(ctx, "concat", shapes, skip=axis)
    if merged is None:
        return ctx.default_return_type
    joined = [s[axis] for s in shapes]
    if all(d.size is not None for d in joined):
        merged[axis] = literal(ctx, sum(d.size for d in joined if d.size is not None))
    else:
        merged[axis] = AnyType(TypeOfAny.special_form)
    return tensor_like(ctx.default_return_type, merged)


def stack_hook(ctx: FunctionContext) -> Type:
    shapes = _shapes(ctx)
    axis = int_arg(ctx.arg_types, 1, 0)
    if shapes is None or axis is None or (axis := normalize_axis(axis, len(shapes[0]) + 1)) is None:
        return ctx.default_return_type
    merged = _agree(ctx, "stack", shapes, skip=None)
    if merged is None:
        return ctx.default_return_type
    merged.insert(axis, literal(ctx, len(shapes)))
    return tensor_like(ctx.default_return_type, merged)
