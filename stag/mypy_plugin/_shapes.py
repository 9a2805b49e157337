"""What every hook family shares: dims as the plugin sees them, arguments, and reporting."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mypy.checker import TypeChecker
from mypy.errorcodes import ErrorCode
from mypy.nodes import (
    CallExpr,
    ComparisonExpr,
    Expression,
    IndexExpr,
    IntExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    SliceExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.plugin import FunctionContext, FunctionSigContext, MethodContext, MethodSigContext
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    Type,
    TypeVarType,
    UnpackType,
    get_proper_type,
)

from ._targets import PROD, TENSOR

AnyContext = MethodContext | FunctionContext | MethodSigContext | FunctionSigContext

SHAPE = ErrorCode("shape", "A shape that stag's arithmetic rules out", "General")
"""The error code of the plugin's own errors (a reshape's element count, concat)."""

# --- dims ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dim:
    """One dim as the plugin sees it: a literal size, a named dim, or neither (unknown).

    A named dim is a NewType or class (`Batch`), a type variable of generic code (`N`),
    or a product `Prod[H, D]`, whose `factors` are its two dims.
    """

    type: Type
    size: int | None = None  # a Literal[...] int
    name: str | None = None  # its identity: a full name, with the arguments of a Prod
    factors: tuple[Dim, ...] = ()

    @property
    def known(self) -> bool:
        return self.size is not None or self.name is not None

    def __str__(self) -> str:
        if self.size is not None:
            return str(self.size)
        if self.factors:
            return "Prod[" + ", ".join(map(str, self.factors)) + "]"
        if self.name is not None:
            return self.name.rsplit(".", 1)[-1]
        proper = get_proper_type(self.type)
        return "Dyn" if isinstance(proper, AnyType) else str(proper)


def int_value(typ: Type) -> int | None:
    """The int a `Literal[n]` (or a literal-valued `int`) stands for, else None."""
    proper = get_proper_type(typ)
    if isinstance(proper, Instance) and proper.last_known_value is not None:
        proper = proper.last_known_value
    if isinstance(proper, LiteralType) and type(proper.value) is int:
        return proper.value
    return None


def as_dim(typ: Type) -> Dim:
    size = int_value(typ)
    if size is not None:
        return Dim(typ, size=size)
    proper = get_proper_type(typ)
    if isinstance(proper, TypeVarType):
        return Dim(typ, name=proper.fullname)
    if not isinstance(proper, Instance) or proper.type.fullname in UNKNOWN_DIMS:
        return Dim(typ)
    if proper.type.fullname == PROD and len(proper.args) == 2:
        factors = tuple(map(as_dim, proper.args))
        if all(f.size is not None for f in factors):  # Prod[L3, L4] is 12
            return Dim(typ, size=math.prod(f.size for f in factors if f.size is not None))
        return Dim(typ, name=str(proper), factors=factors)
    return Dim(typ, name=proper.type.fullname)


UNKNOWN_DIMS = ("builtins.int", "builtins.object")


def is_tensor(typ: Type) -> bool:
    """A `Tensor[...]`, of known rank or not."""
    proper = get_proper_type(typ)
    return isinstance(proper, Instance) and proper.type.fullname == TENSOR


def shape_of(typ: Type) -> list[Dim] | None:
    """The dims of a `Tensor[...]` of known rank; None for anything else."""
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance) or proper.type.fullname != TENSOR:
        return None
    if any(
        isinstance(get_proper_type(arg), UnpackType) or isinstance(arg, UnpackType)
        for arg in proper.args
    ):
        return None
    return [as_dim(arg) for arg in proper.args]


def show(dims: Sequence[object]) -> str:
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def differ(a: Dim, b: Dim) -> bool:
    """Both dims are known, and they are not the same dim."""
    return a.known and b.known and (a.size, a.name) != (b.size, b.name)


def literal(ctx: AnyContext, value: int) -> LiteralType:
    """`Literal[value]`."""
    return LiteralType(value=value, fallback=ctx.api.named_generic_type("builtins.int", []))


def tensor_like(default: Type, dims: Sequence[Type]) -> Type:
    """`default` (a Tensor instance) with its dims replaced, or `default` unchanged."""
    proper = get_proper_type(default)
    if not isinstance(proper, Instance) or proper.type.fullname != TENSOR:
        return default
    return proper.copy_modified(args=list(dims))


def normalize_axis(axis: int, rank: int) -> int | None:
    return axis + rank if -rank <= axis < 0 else axis if 0 <= axis < rank else None


def type_of(ctx: AnyContext, expr: Expression, infer: bool = False) -> Type | None:
    """The type mypy inferred for `expr`; a name is looked up if it has not been yet.

    A larger expression is inferred only when asked (`infer`), with its errors held
    back (mypy reports them when it checks the argument itself), and once: mypy keeps
    the type it found.  Never the left operand of a chain, whose type the hook has.
    """
    if isinstance(ctx.api, TypeChecker) and (found := ctx.api.lookup_type_or_none(expr)):
        return found
    if isinstance(expr, (NameExpr, MemberExpr)):
        return ctx.api.get_expression_type(expr)
    if infer and isinstance(ctx.api, TypeChecker) and isinstance(expr, _INFERRED):
        with ctx.api.msg.filter_errors():
            return ctx.api.expr_checker.accept(expr)
    return None


_INFERRED = (CallExpr, IndexExpr, OpExpr, UnaryExpr, ComparisonExpr, TupleExpr, SliceExpr)


# --- arguments -------------------------------------------------------------------------

_FOLD: dict[str, Callable[[int, int], int | None]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "//": lambda a, b: a // b if b else None,
    "%": lambda a, b: a % b if b else None,
}


def constant_int(ctx: AnyContext, expr: Expression) -> int | None:
    """The int a constant expression of literals stands for: `784`, `64 * 12 * 12`,
    `2 * HIDDEN` with `HIDDEN: Final = 32`; None for anything else (a variable `int`)."""
    if isinstance(expr, IntExpr):
        return expr.value
    if isinstance(expr, UnaryExpr) and expr.op == "-":
        inner = constant_int(ctx, expr.expr)
        return None if inner is None else -inner
    if isinstance(expr, OpExpr) and expr.op in _FOLD:
        left, right = constant_int(ctx, expr.left), constant_int(ctx, expr.right)
        return None if left is None or right is None else _FOLD[expr.op](left, right)
    if isinstance(expr, (NameExpr, MemberExpr)):
        typ = type_of(ctx, expr)
        return None if typ is None else int_value(typ)
    return None


def arg_dim(ctx: MethodContext | FunctionContext, typ: Type, expr: Expression | None) -> Dim:
    """An argument as a dim: its type's, or a literal where it is a constant expression."""
    dim = as_dim(typ)
    if dim.known or expr is None:
        return dim
    value = constant_int(ctx, expr)
    return dim if value is None else Dim(literal(ctx, value), size=value)


def has_star(ctx: MethodContext | FunctionContext) -> bool:
    """An argument passed as `*xs` or `**kw`: its type is not one dim."""
    return any(kind.is_star() for group in ctx.arg_kinds for kind in group)


def arg_at(arg_types: list[list[Type]], index: int) -> Type | None:
    return arg_types[index][0] if index < len(arg_types) and arg_types[index] else None


def int_arg(arg_types: list[list[Type]], index: int, default: int | None) -> int | None:
    typ = arg_at(arg_types, index)
    return default if typ is None else int_value(typ)


# --- reporting -------------------------------------------------------------------------


def disagrees(result: Type, shapes: Sequence[Sequence[Dim]], skip: int | None = None) -> bool:
    """The signature's result (solved from a declared target) contradicts the arguments.

    mypy has then reported the arguments already; the plugin keeps its result and adds
    no error of its own.
    """
    solved = shape_of(result)
    if solved is None:
        return False
    return any(
        len(shape) == len(solved)
        and any(
            differ(a, b)
            for axis, (a, b) in enumerate(zip(shape, solved, strict=True))
            if axis != skip
        )
        for shape in shapes
    )


def line_has_error(ctx: MethodContext | FunctionContext) -> bool:
    errors = ctx.api.msg.errors
    return any(
        info.line == ctx.context.line and info.severity == "error"
        for info in errors.error_info_map.get(errors.file, ())
    )


def fail(ctx: MethodContext | FunctionContext, message: str) -> None:
    """An error with code `shape`, or a note where mypy has already rejected the line."""
    if line_has_error(ctx):
        ctx.api.msg.note(message, ctx.context)
    else:
        ctx.api.fail(message, ctx.context, code=SHAPE)
