"""Dim products: `Prod[H, D]`, the dim whose size is `H` times `D`.

`Prod(h, d)` is typed `Prod[H, D]` (a constant argument keeps its literal; two literals
make the literal product), an element count reads a `Prod` as its factors, so
`(B, T, Prod[H, D]) <-> (B, T, H, D)` reshapes are counted both ways, and merging dims
(`flatten`) writes their product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mypy.checker import TypeChecker
from mypy.nodes import TypeInfo
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import Instance, Type, get_proper_type

from ._shapes import Dim, arg_dim, literal
from ._targets import PROD

Context = FunctionContext | MethodContext


def factors(dim: Dim) -> list[Dim]:
    """`dim` as the dims it multiplies: itself, or a `Prod`'s factors, recursively."""
    if not dim.factors:
        return [dim]
    return [f for factor in dim.factors for f in factors(factor)]


def product(ctx: Context, dims: Sequence[Dim]) -> Type | None:
    """The dim that is the product of `dims`: a literal where they all are, else nested
    `Prod[...]` (literal factors multiplied first); None where one is not known."""
    if not dims or not all(d.known for d in dims):
        return None
    size = math.prod(d.size for d in dims if d.size is not None)
    named = [d.type for d in dims if d.size is None]
    if not named:
        return literal(ctx, size)
    info = _prod_info(ctx)
    if info is None:
        return None
    parts: list[Type] = ([literal(ctx, size)] if size != 1 else []) + named
    result = parts[0]
    for part in parts[1:]:
        result = Instance(info, [result, part])
    return result


def _prod_info(ctx: Context) -> TypeInfo | None:
    """`Prod`'s class, from the module table (stag imports `stag._dims` wherever a tensor
    is used; mypy's qualified lookup walks attributes and does not find a submodule)."""
    module, _, name = PROD.rpartition(".")
    checker = ctx.api
    tree = checker.modules.get(module) if isinstance(checker, TypeChecker) else None
    node = tree.names.get(name) if tree is not None else None
    return node.node if node is not None and isinstance(node.node, TypeInfo) else None


def prod_hook(ctx: FunctionContext) -> Type:
    """`Prod(h, d)`: `Prod[H, D]`, a constant argument kept as its literal; `Prod(3, 4)`
    is `Literal[12]`."""
    if len(ctx.args) != 2 or any(len(group) != 1 for group in ctx.args):
        return ctx.default_return_type
    dims = [
        arg_dim(ctx, group[0], expr[0]) for group, expr in zip(ctx.arg_types, ctx.args, strict=True)
    ]
    if all(d.size is not None for d in dims):
        return literal(ctx, math.prod(d.size for d in dims if d.size is not None))
    default = get_proper_type(ctx.default_return_type)
    if not isinstance(default, Instance):
        return ctx.default_return_type
    return default.copy_modified(
        args=[literal(ctx, d.size) if d.size is not None else d.type for d in dims]
    )
