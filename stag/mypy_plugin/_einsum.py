"""`stag.einsum`: the result's dims from a literal subscript string and the operands' types.

The string is read by the grammar the run-time function uses (`stag._einsum`: `parse`,
`expand`, `bind`), so a string the plugin accepts is one the function accepts, and the
messages are the same.  Letters bound to two different dims are an error; a size-1 dim
broadcasts, as at run time.  A non-literal string, an operand of unknown rank or a `*`
argument leaves the signature's `Tensor[*AnyShape]`.
"""

from __future__ import annotations

from mypy.plugin import FunctionContext
from mypy.typeops import try_getting_str_literals_from_type
from mypy.types import Type

from stag._einsum import Conflict, Equation, bind, conflict_subject, expand, parse

from ._shapes import Dim, arg_at, differ, fail, has_star, shape_of, tensor_like

_QUOTE = '"'  # mypy's messages quote names in double quotes


def _same(a: Dim, b: Dim) -> bool:
    return not differ(a, b)


def _broadcast(a: Dim, b: Dim) -> Dim | None:
    """The dim of a letter bound to `a` and `b` (None: they differ); a known dim wins."""
    if a.size == 1:
        return b
    if b.size == 1:
        return a
    if differ(a, b):
        return None
    return b if b.known and not a.known else a


def _subscripts(ctx: FunctionContext) -> str | None:
    typ = arg_at(ctx.arg_types, 0)
    values = try_getting_str_literals_from_type(typ) if typ is not None else None
    return values[0] if values is not None and len(values) == 1 else None


def _conflict_text(found: Conflict[Dim], equation: Equation) -> str:
    first, second = found.first, found.second
    return (
        f"einsum: {conflict_subject(found, equation, quote=_QUOTE)} is {first.dim} "
        f"(dim {first.axis} of operand {first.operand}) "
        f"but {second.dim} (dim {second.axis} of operand {second.operand})"
    )


def einsum_hook(ctx: FunctionContext) -> Type:
    text = _subscripts(ctx)
    if text is None or has_star(ctx):
        return ctx.default_return_type
    operands = ctx.arg_types[1] if len(ctx.arg_types) > 1 else []
    shapes = [shape_of(t) for t in operands]
    try:
        subscripts = parse(text, len(operands))
        known = [s for s in shapes if s is not None]
        if len(known) < len(shapes):
            return ctx.default_return_type
        equation = expand(subscripts, [len(s) for s in known])
    except ValueError as exc:  # a malformed string, a wrong count or rank (ShapeError)
        fail(ctx, str(exc))
        return ctx.default_return_type
    found = bind(equation, known, _same, _broadcast)
    if isinstance(found, Conflict):
        fail(ctx, _conflict_text(found, equation))
        return ctx.default_return_type
    return tensor_like(ctx.default_return_type, [found[c].type for c in equation.output])
