"""Calls whose parameters share dims: the dims solved from the first tensor argument.

mypy solves `*S` of `mse_loss(pred: Tensor[*S], target: Tensor[*S])` from both
arguments at once; where they disagree it says `Cannot infer value of type parameter
"S"`, or `expected "Tensor[Never]"` (and then `Need type annotation` for the result).
For the functions and modules listed here the plugin solves the type variables from
the first tensor argument whose rank it knows, so mypy's error names the dims the call
expects (`Argument 2 to "mse_loss" has incompatible type "Tensor[Batch]"; expected
"Tensor[Batch, Literal[1]]"`), and a note says which argument fixed them and the edit
that makes the other agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mypy.expandtype import expand_type
from mypy.plugin import FunctionSigContext, MethodSigContext
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarId,
    TypeVarLikeType,
    TypeVarTupleType,
    TypeVarType,
    UnpackType,
    get_proper_type,
)

from ._shapes import Dim, as_dim, differ, is_tensor, shape_of, show, type_of

Solution = dict[TypeVarId, Type]


def _solve(pattern: Instance, actual: Instance) -> Solution | None:
    """The type variables of `pattern` (a `Tensor[...]` parameter) bound by `actual`."""
    items = list(pattern.args)
    star = next((i for i, t in enumerate(items) if isinstance(t, UnpackType)), None)
    args = list(actual.args)
    if any(isinstance(t, UnpackType) for t in args):
        return None
    if star is None:
        pairs = list(zip(items, args, strict=True)) if len(items) == len(args) else None
        return None if pairs is None else _bind(pairs, {})
    head, tail = items[:star], items[star + 1 :]
    if len(args) < len(head) + len(tail):
        return None
    solution = _bind([*zip(head, args), *zip(tail, args[len(args) - len(tail) :])], {})
    unpacked = get_proper_type(items[star])
    inner = unpacked.type if isinstance(unpacked, UnpackType) else None
    if isinstance(inner, TypeVarTupleType):
        middle = args[len(head) : len(args) - len(tail)]
        solution[inner.id] = TupleType(middle, inner.tuple_fallback)
    return solution


def _bind(pairs: Sequence[tuple[Type, Type]], solution: Solution) -> Solution:
    for dim, arg in pairs:
        if isinstance(dim, TypeVarType) and dim.id not in solution:
            solution[dim.id] = arg
    return solution


def _pattern(typ: Type) -> Instance | None:
    proper = get_proper_type(typ)
    return proper if isinstance(proper, Instance) and is_tensor(proper) else None


def solved(name: str) -> Callable[[FunctionSigContext | MethodSigContext], FunctionLike]:
    """The signature hook of call `name`: its dims solved from its first tensor argument."""

    def hook(ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
        return _solved_signature(ctx, name)

    return hook


def _solved_signature(ctx: FunctionSigContext | MethodSigContext, name: str) -> FunctionLike:
    default = ctx.default_signature
    if not isinstance(default, CallableType) or not default.variables:
        return default
    for index, param in enumerate(default.arg_types):
        pattern = _pattern(param)
        arg = ctx.args[index][0] if index < len(ctx.args) and ctx.args[index] else None
        actual = _pattern(t) if arg is not None and (t := type_of(ctx, arg, infer=True)) else None
        if pattern is None or actual is None:
            continue
        solution = _solve(pattern, actual)
        if solution is None:  # a wrong rank: every dim Dyn, so the result is not Never
            _note_rank(ctx, name, default, index, actual, pattern)
            return _substitute(ctx, name, default, None, _unknown(default.variables))
        return _substitute(ctx, name, default, index, solution)
    return default


def _unknown(variables: Sequence[TypeVarLikeType]) -> Solution:
    return {v.id: AnyType(TypeOfAny.from_error) for v in variables}


def _substitute(
    ctx: FunctionSigContext | MethodSigContext,
    name: str,
    default: CallableType,
    first: int | None,
    solution: Solution,
) -> CallableType:
    """The signature with `solution` put in; notes for the arguments that disagree with
    the one at `first` (the dims a later argument binds are unknown to the comparison)."""
    expanded = expand_type(default, solution)
    assert isinstance(expanded, CallableType)
    left: list[TypeVarLikeType] = [v for v in default.variables if v.id not in solution]
    signature = expanded.copy_modified(variables=left)
    if first is not None:
        compared = expand_type(signature, _unknown(left))
        assert isinstance(compared, CallableType)
        for index in range(len(compared.arg_types)):
            if index != first:
                _note_mismatch(ctx, name, compared, (first, index))
    return signature


def _param(signature: CallableType, index: int) -> str:
    return signature.arg_names[index] or f"argument {index + 1}"


def _shape_at(ctx: FunctionSigContext | MethodSigContext, index: int) -> list[Dim] | None:
    arg = ctx.args[index][0] if index < len(ctx.args) and ctx.args[index] else None
    typ = type_of(ctx, arg, infer=True) if arg is not None else None
    return shape_of(typ) if typ is not None else None


def _note_mismatch(
    ctx: FunctionSigContext | MethodSigContext,
    name: str,
    signature: CallableType,
    at: tuple[int, int],
) -> None:
    first, index = at
    expected, got = shape_of(signature.arg_types[index]), _shape_at(ctx, index)
    fixed_by = _shape_at(ctx, first)
    if expected is None or got is None or fixed_by is None or not _differs(expected, got):
        return
    ctx.api.msg.note(
        f"{name}: {_param(signature, index)} has shape {show(got)}, expected {show(expected)} "
        f"to match {_param(signature, first)} {show(fixed_by)}{_fix(expected, got)}",
        ctx.context,
    )


def _differs(expected: Sequence[Dim], got: Sequence[Dim]) -> bool:
    return len(expected) != len(got) or any(map(differ, expected, got))


def _fix(expected: Sequence[Dim], got: Sequence[Dim]) -> str:
    if len(got) == len(expected) + 1 and got[-1].size == 1:
        return "; .squeeze(-1) it"
    if len(expected) == len(got) + 1 and expected[-1].size == 1:
        return "; .unsqueeze(-1) it"
    return ""


def _note_rank(
    ctx: FunctionSigContext | MethodSigContext,
    name: str,
    signature: CallableType,
    index: int,
    actual: Instance,
    pattern: Instance,
) -> None:
    got = shape_of(actual)
    dims = [_dim_name(t) for t in pattern.args]
    variadic = any(d.startswith("*") for d in dims)
    count = f"at least {len(dims) - 1}" if variadic else str(len(dims))
    if got is not None:
        ctx.api.msg.note(
            f"{name}: {_param(signature, index)} has {len(got)} dims {show(got)}, expected "
            f"{count}: ({', '.join(dims)})",
            ctx.context,
        )


def _dim_name(typ: Type) -> str:
    if isinstance(typ, UnpackType):
        return "*" + _dim_name(typ.type)
    if isinstance(typ, (TypeVarType, TypeVarTupleType)):
        return typ.name
    return str(as_dim(typ))
