"""Basic indexing on a tensor of known rank: `t[i]`, `t[:, i]`, `t[..., None]`, `t[1:3]`.

numpy's rule, dim by dim: an int drops its dim, a slice keeps it (its length where the
dim and the bounds are literals, the dim itself for `:`, else `Dyn`), `None` adds a
`Literal[1]`, `...` stands for the dims no other item takes.  The overloads type the
common forms; the plugin computes every basic form, and an int out of a literal dim's
range, or more indices than dims, is an error.  Integer tensors, arrays and lists
(gathers) are the overloads' to type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mypy.errorcodes import INDEX
from mypy.nodes import EllipsisExpr, Expression, NameExpr, SliceExpr, TupleExpr
from mypy.plugin import MethodSigContext
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    Type,
    TypeOfAny,
    get_proper_type,
)

from ._shapes import Dim, constant_int, literal, shape_of, show, tensor_like, type_of


@dataclass(frozen=True)
class Item:
    """One item of a basic index."""

    kind: str  # "int", "slice", "new" (None) or "rest" (...)
    value: int | None = None  # an int index's value, where it is a constant
    bounds: tuple[int | None, int | None, int | None] | None = None  # a constant slice's
    full: bool = False  # a slice written `:`


def _item(ctx: MethodSigContext, expr: Expression) -> Item | None:
    """What `expr` is as an index item; None for a gather or anything else."""
    if isinstance(expr, EllipsisExpr):
        return Item("rest")
    if isinstance(expr, NameExpr) and expr.fullname == "builtins.None":
        return Item("new")
    if isinstance(expr, SliceExpr):
        parts = (expr.begin_index, expr.end_index, expr.stride)
        values = [None if e is None else constant_int(ctx, e) for e in parts]
        constant = all(v is not None or e is None for v, e in zip(values, parts, strict=True))
        bounds = (values[0], values[1], values[2]) if constant and values[2] != 0 else None
        return Item("slice", bounds=bounds, full=parts == (None, None, None))
    typ = type_of(ctx, expr)
    proper = get_proper_type(typ) if typ is not None else None
    if isinstance(proper, LiteralType) and type(proper.value) is int:
        return Item("int", value=proper.value)
    if isinstance(proper, Instance) and proper.type.has_base("builtins.int"):
        if proper.type.fullname == "builtins.bool":
            return None
        return Item("int", value=constant_int(ctx, expr))
    return None


def _expanded(items: list[Item], rank: int) -> list[Item] | str:
    """`items` with `...` (or the dims left over at the end) written out as `:`."""
    taken = sum(item.kind in ("int", "slice") for item in items)
    rests = [i for i, item in enumerate(items) if item.kind == "rest"]
    if len(rests) > 1:
        return "an index can only have a single ellipsis ('...')"
    if taken > rank:
        return f"{taken} indices for {rank} dims"
    fill = [Item("slice", full=True)] * (rank - taken)
    if not rests:
        return items + fill
    return items[: rests[0]] + fill + items[rests[0] + 1 :]


def _sliced(ctx: MethodSigContext, dim: Dim, item: Item) -> Type:
    if item.full:
        return dim.type
    if dim.size is not None and item.bounds is not None:
        return literal(ctx, len(range(dim.size)[slice(*item.bounds)]))
    return AnyType(TypeOfAny.special_form)


def _result(ctx: MethodSigContext, dims: Sequence[Dim], items: list[Item]) -> list[Type] | str:
    out: list[Type] = []
    axis = 0
    for item in items:
        if item.kind == "new":
            out.append(literal(ctx, 1))
            continue
        dim = dims[axis]
        if item.kind == "slice":
            out.append(_sliced(ctx, dim, item))
        elif (
            dim.size is not None
            and item.value is not None
            and item.value not in range(-dim.size, dim.size)
        ):
            return f"index {item.value} is out of range for dim {axis} of size {dim.size}"
        axis += 1
    return out


def getitem_sig(ctx: MethodSigContext) -> FunctionLike:
    """The call's own signature: the index's type in, the indexed shape out.

    A wrong index (an int out of a literal dim's range, more indices than dims) is an
    `index` error saying why; mypy calls the hook once per overload and reports it once.
    """
    default = ctx.default_signature
    item = default if isinstance(default, CallableType) else default.items[0]
    dims = shape_of(ctx.type)
    index = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    index_type = type_of(ctx, index, infer=True) if index is not None else None
    if dims is None or index is None or index_type is None:
        return default
    exprs = index.items if isinstance(index, TupleExpr) else [index]
    parsed = [_item(ctx, e) for e in exprs]
    items = [i for i in parsed if i is not None]
    if len(items) != len(parsed):
        return default  # a gather: the overloads' case
    expanded = _expanded(items, len(dims))
    result = _result(ctx, dims, expanded) if isinstance(expanded, list) else expanded
    if isinstance(result, str):
        ctx.api.fail(f"Invalid index into {show(dims)}: {result}", ctx.context, code=INDEX)
        unknown = AnyType(TypeOfAny.from_error)
        return item.copy_modified(arg_types=[index_type], ret_type=unknown, variables=[])
    ret = tensor_like(ctx.type, result)
    return item.copy_modified(arg_types=[index_type], ret_type=ret, variables=[])
