"""Literal sizes written the PyTorch way: `nn.Linear(784, 10)`, `stag.zeros(2, 3)`.

mypy solves a type variable from an int literal to plain `int` (it widens literals), and
then matches `int` against any literal: `nn.Linear(16, 1)` fed a tensor of width 15
passes.  The plugin puts the literal back wherever a dim is expected and the argument
is a constant integer expression (`784`, `64 * 12 * 12`, a `Final` or `Literal`-typed
name): the type arguments of every module's constructor (any `stag.nn.Module`, the
user's own included) and the dims of `zeros`, `ones`, `rand`, `randn`, `full`,
`arange`, `eye`, `expand` and `assert_shape`.  A wrong size is then an error at the call
that proves it.  A non-constant `int` stays `int`, and a declared target decides as
before (`lin: nn.Linear[int, int] = nn.Linear(3, 4)` is left alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mypy.checker import TypeChecker
from mypy.expandtype import expand_type
from mypy.nodes import Expression, TupleExpr
from mypy.plugin import FunctionContext, FunctionSigContext, MethodContext
from mypy.types import (
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    Type,
    TypeVarId,
    TypeVarType,
    get_proper_type,
)

from ._shapes import constant_int, has_star, literal, tensor_like

Context = FunctionContext | MethodContext


def _widened(typ: Type) -> bool:
    """Plain `int`: what a literal argument became (a NewType or a literal is kept)."""
    proper = get_proper_type(typ)
    return isinstance(proper, Instance) and proper.type.fullname == "builtins.int"


def _with_literals(
    ctx: Context, args: Sequence[Type], exprs: Sequence[Expression | None]
) -> list[Type]:
    """`args` with each widened `int` replaced by the literal its expression stands for."""
    out = list(args)
    for i, (typ, expr) in enumerate(zip(args, exprs, strict=True)):
        value = constant_int(ctx, expr) if expr is not None and _widened(typ) else None
        if value is not None and value >= 0:
            out[i] = literal(ctx, value)
    return out


# --- module constructors -------------------------------------------------------------


def module_init_sig(ctx: FunctionSigContext) -> FunctionLike:
    """`Linear(784, 10)` is `Linear[Literal[784], Literal[10]]`: a type argument that a
    constructor parameter binds takes the literal of a constant argument.

    A signature hook, so that the literal is in place before mypy checks the arguments
    against a declared type (an attribute's, inferred on an earlier pass): the parameter
    takes any int, and the result has the literal.
    """
    sig = ctx.default_signature
    ret = get_proper_type(sig.ret_type) if isinstance(sig, CallableType) else None
    if not isinstance(sig, CallableType) or not isinstance(ret, Instance):
        return ctx.default_signature
    owned, free = {v.id for v in sig.variables}, _free(ctx, ret)
    solution: dict[TypeVarId, Type] = {}
    params = list(sig.arg_types)
    for i, (param, group) in enumerate(zip(sig.arg_types, ctx.args, strict=False)):
        if not isinstance(param, TypeVarType) or param.id not in owned or len(group) != 1:
            continue
        value = constant_int(ctx, group[0])
        if value is not None and value >= 0 and free.get(param.id, True):
            solution[param.id] = literal(ctx, value)
            params[i] = ctx.api.named_generic_type("builtins.int", [])
    if not solution:
        return sig
    expanded = expand_type(sig.copy_modified(arg_types=params), solution)
    assert isinstance(expanded, CallableType)
    return expanded.copy_modified(variables=[v for v in sig.variables if v.id not in solution])


def _free(ctx: FunctionSigContext, ret: Instance) -> dict[TypeVarId, bool]:
    """Under a declared target of the same class, the type variables it leaves to the
    literal (those it states as literals; the others are the target's to decide)."""
    checker = ctx.api
    if not isinstance(checker, TypeChecker) or not checker.expr_checker.type_context:
        return {}
    context = get_proper_type(checker.expr_checker.type_context[-1])
    if not isinstance(context, Instance) or context.type is not ret.type:
        return {}
    return {
        arg.id: isinstance(get_proper_type(given), LiteralType)
        for arg, given in zip(ret.args, context.args, strict=False)
        if isinstance(arg, TypeVarType)
    }


# --- creation functions and methods --------------------------------------------------


def dims_hook(ctx: Context) -> Type:
    """`zeros(2, 3)`, `x.expand(n, 4)`, `x.assert_shape(n, 784)`: one dim per argument."""
    default = get_proper_type(ctx.default_return_type)
    if not isinstance(default, Instance) or has_star(ctx):
        return ctx.default_return_type
    groups = ctx.args[: len(default.args)]  # `*dims: *S` is one formal per dim
    if len(groups) != len(default.args) or any(len(group) != 1 for group in groups):
        return ctx.default_return_type
    return tensor_like(default, _with_literals(ctx, default.args, [g[0] for g in groups]))


def trailing_dims_hook(skip: int) -> Callable[[FunctionContext], Type]:
    """As `dims_hook`, for a function whose dims follow `skip` other parameters:
    `randint(0, 10, 2, 3)` is `Tensor[Literal[2], Literal[3]]`."""

    def hook(ctx: FunctionContext) -> Type:
        default = get_proper_type(ctx.default_return_type)
        if not isinstance(default, Instance) or has_star(ctx) or len(ctx.args) <= skip:
            return ctx.default_return_type
        groups = ctx.args[skip : skip + len(default.args)]  # one formal per dim, as above
        if len(groups) != len(default.args) or any(len(group) != 1 for group in groups):
            return ctx.default_return_type
        return tensor_like(default, _with_literals(ctx, default.args, [g[0] for g in groups]))

    return hook


def count_hook(index: int) -> Callable[[FunctionContext], Type]:
    """A 1-d result whose length is argument `index`: `linspace(0, 1, 5)` is
    `Tensor[Literal[5]]`."""

    def hook(ctx: FunctionContext) -> Type:
        default = get_proper_type(ctx.default_return_type)
        group = ctx.args[index] if index < len(ctx.args) else []
        if not isinstance(default, Instance) or len(default.args) != 1 or len(group) != 1:
            return ctx.default_return_type
        return tensor_like(default, _with_literals(ctx, default.args, group))

    return hook


def full_hook(ctx: FunctionContext) -> Type:
    """`full((2, 3), 0.5)`: the dims of the shape tuple."""
    default = get_proper_type(ctx.default_return_type)
    shape = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    if not isinstance(default, Instance) or not isinstance(shape, TupleExpr):
        return ctx.default_return_type
    if len(shape.items) != len(default.args):
        return ctx.default_return_type
    return tensor_like(default, _with_literals(ctx, default.args, shape.items))


def arange_hook(ctx: FunctionContext) -> Type:
    """`arange(10)` is `Tensor[Literal[10]]`; `arange(2, 10, 2)` is `Tensor[Literal[4]]`."""
    values = [constant_int(ctx, group[0]) for group in ctx.args[:3] if group]
    if not values or has_star(ctx) or values[-1:] == [0] and len(values) == 3:
        return ctx.default_return_type
    bounds = [v for v in values if v is not None]
    if len(bounds) != len(values):
        return ctx.default_return_type
    return tensor_like(ctx.default_return_type, [literal(ctx, len(range(*bounds)))])


def eye_hook(ctx: FunctionContext) -> Type:
    """`eye(3)` is `Tensor[Literal[3], Literal[3]]`."""
    n = constant_int(ctx, ctx.args[0][0]) if ctx.args and ctx.args[0] else None
    default = get_proper_type(ctx.default_return_type)
    if n is None or n < 0 or not isinstance(default, Instance) or not _widened(default.args[0]):
        return ctx.default_return_type
    return tensor_like(default, [literal(ctx, n)] * 2)
