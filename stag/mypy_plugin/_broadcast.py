"""Broadcasting: stag's rule (`stag/_broadcasting.py`) on tensors of known rank.

The operators (`+ - * / **`, the comparisons, `==`, `!=`), `stag.maximum`,
`stag.minimum` and `stag.where` broadcast as numpy does, except where an implicit
leading dim meets a size-1 dim of the other operand (`(N,) + (N, 1)`).  Their overloads
state the common forms; on tensors of known rank the plugin computes every form
(`(B, 1, T) + (B, H, 1)` included) and refuses the rest with a note naming the dims.
A dim the plugin does not know (`Dyn`, a widened `int`) may be 1 at run time: it
broadcasts against anything, and the run-time check has the last word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mypy.errorcodes import ARG_TYPE
from mypy.nodes import ARG_POS
from mypy.plugin import FunctionSigContext, MethodSigContext
from mypy.types import AnyType, CallableType, FunctionLike, Type, TypeOfAny

from ._shapes import AnyContext, Dim, is_tensor, shape_of, show, tensor_like, type_of

OPERATORS = {
    "__add__": "add",
    "__sub__": "sub",
    "__mul__": "mul",
    "__truediv__": "div",
    "__pow__": "pow",
    "__lt__": "lt",
    "__le__": "le",
    "__gt__": "gt",
    "__ge__": "ge",
    "__eq__": "eq",
    "__ne__": "ne",
    "__and__": "bitwise_and",
    "__or__": "bitwise_or",
    "__xor__": "bitwise_xor",
}


# --- the rule ----------------------------------------------------------------------------


def _merge(a: Dim, b: Dim) -> Dim | None:
    """The result of two dims at one aligned position; None where they differ.

    A size 1 gives way; otherwise the left one stays, as the overloads' same-shape form
    has it (`Tensor[Dyn, L3] + Tensor[Batch, L3]` is `Tensor[Dyn, L3]`).
    """
    if a.size == 1:
        return b
    if b.size == 1 or not a.known or not b.known or (a.size, a.name) == (b.size, b.name):
        return a
    return None


def _stretched(short: Sequence[Dim], long: Sequence[Dim]) -> int | None:
    """The axis of `long` whose size-1 dim a rank promotion of `short` would stretch."""
    missing = len(long) - len(short)
    for i, dim in enumerate(short):
        if long[i + missing].size == 1 and dim.known and dim.size != 1:
            return i + missing
    return None


def _numpy_result(shapes: Sequence[Sequence[Dim]]) -> list[Dim] | tuple[int, Dim, Dim]:
    """numpy's result, or (offset, a, b) for the first dims that differ (from the right)."""
    result: list[Dim] = []
    for offset in range(1, max(map(len, shapes)) + 1):
        column = [shape[-offset] for shape in shapes if len(shape) >= offset]
        dim = column[0]
        for other in column[1:]:
            merged = _merge(dim, other)
            if merged is None:
                return offset, dim, other
            dim = merged
        result.insert(0, dim)
    return result


def broadcast(op: str, names: Sequence[str], shapes: Sequence[Sequence[Dim]]) -> list[Dim] | str:
    """The result of stag's rule on `shapes` (the operands `names`), or why there is none."""
    numpy = _numpy_result(shapes)
    if isinstance(numpy, tuple):
        offset, a, b = numpy
        first = next(i for i, s in enumerate(shapes) if len(s) >= offset and s[-offset] is a)
        second = next(i for i, s in enumerate(shapes) if len(s) >= offset and s[-offset] is b)
        return (
            f"{op}: shapes {_shows(shapes)} cannot be broadcast: {a} (dim {-offset} of "
            f"{names[first]}) vs {b} (dim {-offset} of {names[second]})"
        )
    for i, left in enumerate(shapes):
        for j, right in enumerate(shapes[i + 1 :], i + 1):
            short, long = (i, j) if len(left) < len(right) else (j, i)
            axis = _stretched(shapes[short], shapes[long]) if len(left) != len(right) else None
            if axis is not None:
                return _refusal(op, names, shapes, (short, long, axis), numpy)
    return numpy


def _refusal(
    op: str,
    names: Sequence[str],
    shapes: Sequence[Sequence[Dim]],
    where: tuple[int, int, int],
    numpy: list[Dim],
) -> str:
    short, long, axis = where
    s, g = shapes[short], shapes[long]
    missing = len(g) - len(s)
    leading = "an implicit leading dim" if missing == 1 else f"{missing} implicit leading dims"
    if g[-1].size == 1 and list(map(str, g[:-1])) == list(map(str, s)):
        fix = f".unsqueeze(-1) {_subject(names[short])} for a column, or .squeeze(-1) "
        fix += f"{_subject(names[long])} to pair the elements"
    else:
        fix = f".unsqueeze(0) {_subject(names[short])} to write numpy's result out, or "
        fix += f".squeeze({axis - len(g)}) {_subject(names[long])}"
    return (
        f"{op}: shapes {_shows(shapes)} would broadcast to {show(numpy)}: numpy gives "
        f"{_subject(names[short])} {leading} and stretches dim {axis} of "
        f"{_subject(names[long])}, of size 1, to {s[axis - missing]}; make the ranks equal: {fix}"
    )


def _subject(name: str) -> str:
    """`the left operand` for an operator's side, `y` for a function's parameter."""
    return f"{name} operand" if name.startswith("the ") else name


def _shows(shapes: Sequence[Sequence[Dim]]) -> str:
    texts = [show(s) for s in shapes]
    return " and ".join(texts) if len(texts) == 2 else ", ".join(texts[:-1]) + " and " + texts[-1]


# --- the hooks ----------------------------------------------------------------------------


def _signature(
    ctx: MethodSigContext | FunctionSigContext,
    op: str,
    operands: Sequence[tuple[str, Type | None]],
    bound: int = 0,
) -> FunctionLike:
    """The call's own signature: its argument types in, the broadcast result out.

    `operands` are the tensors or numbers that broadcast, the first `bound` of them
    (a method's `self`) outside the parameters.  A refused call keeps the overloads
    (which refuse it too) and gets a note saying why; so does a call with an operand of
    unknown rank.
    """
    default = ctx.default_signature
    item = default if isinstance(default, CallableType) else default.items[0]
    tensors = [(name, shape_of(t)) for name, t in operands if t is not None and is_tensor(t)]
    if len(tensors) < 2 or any(shape is None for _, shape in tensors):
        return default
    outcome = broadcast(op, [n for n, _ in tensors], [s for _, s in tensors if s is not None])
    params = [t or AnyType(TypeOfAny.special_form) for _, t in operands[bound:]]
    if isinstance(outcome, str) and bound:
        ctx.api.msg.note(outcome, ctx.context)
        return default  # the overloads refuse it too: mypy reports the operands
    if isinstance(outcome, str):  # a function: the message is the error
        ctx.api.fail(outcome, ctx.context, code=ARG_TYPE)
        return item.copy_modified(
            arg_types=params, ret_type=AnyType(TypeOfAny.from_error), variables=[]
        )
    names = [*item.arg_names, *[None] * len(params)][: len(params)]
    return item.copy_modified(
        arg_types=params,
        arg_kinds=[ARG_POS] * len(params),
        arg_names=names,
        ret_type=tensor_like(item.ret_type, [d.type for d in outcome]),
        variables=[],
    )


def _arg(ctx: AnyContext, index: int) -> Type | None:
    args = ctx.args
    return type_of(ctx, args[index][0], infer=True) if index < len(args) and args[index] else None


def operator_sig(op: str) -> Callable[[MethodSigContext], FunctionLike]:
    def hook(ctx: MethodSigContext) -> FunctionLike:
        operands = [("the left", ctx.type), ("the right", _arg(ctx, 0))]
        return _signature(ctx, op, operands, bound=1)

    return hook


def function_sig(op: str, params: Sequence[str]) -> Callable[[FunctionSigContext], FunctionLike]:
    """`stag.maximum(x, y)`, `stag.where(cond, x, y)`: `params` name the operands."""

    def hook(ctx: FunctionSigContext) -> FunctionLike:
        return _signature(ctx, op, [(name, _arg(ctx, i)) for i, name in enumerate(params)])

    return hook


def masked_fill_sig(ctx: MethodSigContext) -> FunctionLike:
    """`x.masked_fill(mask, value)`: the mask broadcasts into `x`'s shape by stag's rule
    (a `(T, T)` causal mask or a `(B, 1, 1, T)` padding mask over `(B, H, T, T)`); the
    result is `x`'s type.  A mask that would stretch `x`, or that the rule refuses, is an
    error naming both shapes."""
    default = ctx.default_signature
    item = default if isinstance(default, CallableType) else default.items[0]
    mask = _arg(ctx, 0)
    dims, mask_dims = shape_of(ctx.type), shape_of(mask) if mask is not None else None
    if mask is None or dims is None or mask_dims is None or len(item.arg_types) != 2:
        return default
    outcome = broadcast("masked_fill", ["the tensor", "the mask"], [dims, mask_dims])
    if isinstance(outcome, list) and [str(d) for d in outcome] != [str(d) for d in dims]:
        outcome = (
            f"masked_fill: a mask of shape {show(mask_dims)} does not broadcast into the "
            f"tensor's shape {show(dims)} (the result would be {show(outcome)})"
        )
    if isinstance(outcome, str):
        ctx.api.fail(outcome, ctx.context, code=ARG_TYPE)
        ret: Type = AnyType(TypeOfAny.from_error)
    else:
        ret = ctx.type
    return item.copy_modified(arg_types=[mask, item.arg_types[1]], ret_type=ret, variables=[])
