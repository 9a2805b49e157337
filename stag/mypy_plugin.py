"""stag's mypy plugin: shape arithmetic at check time, and readable shape errors.

Enable it in the mypy configuration::

    [mypy]
    plugins = stag.mypy_plugin

What it adds to the signatures (which stay the whole story without it):

- ``flatten``: the merged dim is the product of the literal dims it merges;
- ``reshape``: literal sizes are kept without a declared target, one ``-1`` is
  inferred from the element count, and a count that differs is an error;
- ``stag.concat``: the joined dim is the sum of the literal sizes, and other dims
  that differ are an error (lists as well as tuples);
- ``stag.stack``: the new dim is the number of tensors (lists as well as tuples);
- ``conv2d`` / ``max_pool2d``: the output height and width from literal sizes,
  kernel, stride and padding; ``nn.Conv2d`` / ``nn.MaxPool2d``: the constructor's
  literal kernel, stride and padding in the module's type (``K, S, P``), and the same
  sizes for its calls;
- ``repeat`` / ``tile``: the repeated sizes (np.tile's rule for reps longer than the
  shape);
- ``t[a:b:c]``: a literal leading dim sliced by written bounds;
- ``permute`` / ``squeeze`` / ``unsqueeze`` at axes their overloads leave out, and
  ``nn.Flatten()``;
- a note naming the dims when ``@``, ``stag.matmul``, ``+ - * /`` or a ``Linear``,
  ``LayerNorm`` or ``Conv2d`` call rejects a shape, e.g.
  ``matmul: inner dimensions differ: In (dim -1 of the left) vs Hid (dim 0 of the right)``.

Its own errors have the code ``shape``.  A dim the plugin cannot compute with (a named
dim, ``Dyn``, a type variable, a widened ``int``) leaves the plain signature's result as
it is: the plugin never makes an error out of something it does not know, and it adds
no second error to a line mypy has already rejected (a note there instead).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from mypy.checker import TypeChecker
from mypy.errorcodes import ErrorCode
from mypy.nodes import (
    Expression,
    IntExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    SliceExpr,
    StarExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.plugin import (
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
)
from mypy.types import (
    AnyType,
    FunctionLike,
    Instance,
    LiteralType,
    NoneType,
    TupleType,
    Type,
    TypeOfAny,
    UnpackType,
    get_proper_type,
)

__all__ = ["SHAPE", "StagPlugin", "plugin"]

SHAPE = ErrorCode("shape", "A shape that stag's arithmetic rules out", "General")
"""The error code of the plugin's own errors (a reshape's element count, concat)."""

_TENSOR = "stag._tensor.Tensor"
_FUNCTIONS = "stag._free_functions"
_CONV = "stag.nn._conv_functional"
_NN_CONV = "stag.nn._conv"

# The reflected forms are left out: their `self` is the right operand.
_OPERATOR_NAMES = {"__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div"}


# --- dims ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dim:
    """One dim as the plugin sees it: a literal size, a named dim, or neither (unknown)."""

    type: Type
    size: int | None = None  # a Literal[...] int
    name: str | None = None  # a NewType / class dim: its full name

    @property
    def known(self) -> bool:
        return self.size is not None or self.name is not None

    def __str__(self) -> str:
        if self.size is not None:
            return str(self.size)
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
    if isinstance(proper, Instance) and proper.type.fullname not in (
        "builtins.int",
        "builtins.object",
    ):
        return Dim(typ, name=proper.type.fullname)
    return Dim(typ)


def shape_of(typ: Type) -> list[Dim] | None:
    """The dims of a `Tensor[...]` of known rank; None for anything else."""
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance) or proper.type.fullname != _TENSOR:
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


def literal(ctx: MethodContext | FunctionContext, value: int) -> LiteralType:
    """`Literal[value]`."""
    return LiteralType(value=value, fallback=ctx.api.named_generic_type("builtins.int", []))


def tensor_like(default: Type, dims: Sequence[Type]) -> Type:
    """`default` (a Tensor instance) with its dims replaced, or `default` unchanged."""
    proper = get_proper_type(default)
    if not isinstance(proper, Instance) or proper.type.fullname != _TENSOR:
        return default
    return proper.copy_modified(args=list(dims))


def normalize_axis(axis: int, rank: int) -> int | None:
    return axis + rank if -rank <= axis < 0 else axis if 0 <= axis < rank else None


def type_of(
    ctx: MethodSigContext | FunctionSigContext | FunctionContext, expr: Expression
) -> Type | None:
    """The type mypy inferred for `expr`; a name is looked up if it has not been yet.

    Never re-infers a larger expression: that would cost a second pass over it (and its
    errors) for every operator in a chain.
    """
    if isinstance(ctx.api, TypeChecker) and (found := ctx.api.lookup_type_or_none(expr)):
        return found
    if isinstance(expr, (NameExpr, MemberExpr)):
        return ctx.api.get_expression_type(expr)
    return None


def _has_star(ctx: MethodContext | FunctionContext) -> bool:
    """An argument passed as `*xs` or `**kw`: its type is not one dim."""
    return any(kind.is_star() for group in ctx.arg_kinds for kind in group)


def _arg(arg_types: list[list[Type]], index: int) -> Type | None:
    return arg_types[index][0] if index < len(arg_types) and arg_types[index] else None


def _int_arg(arg_types: list[list[Type]], index: int, default: int | None) -> int | None:
    typ = _arg(arg_types, index)
    return default if typ is None else int_value(typ)


# --- flatten, reshape ------------------------------------------------------------------


def flatten_hook(ctx: MethodContext) -> Type:
    dims = shape_of(ctx.type)
    start = _int_arg(ctx.arg_types, 0, 0)
    if dims is None or start is None or (start := normalize_axis(start, max(len(dims), 1))) is None:
        return ctx.default_return_type
    merged = dims[start:]
    if not all(d.size is not None for d in merged):
        return ctx.default_return_type
    size = math.prod(d.size for d in merged if d.size is not None)
    return tensor_like(
        ctx.default_return_type, [d.type for d in dims[:start]] + [literal(ctx, size)]
    )


@dataclass(frozen=True)
class Count:
    """An element count: a literal product times named dims (None: not computable)."""

    product: int
    names: Counter[str]

    @staticmethod
    def of(dims: Sequence[Dim]) -> Count | None:
        if not all(d.known for d in dims):
            return None
        return Count(
            math.prod(d.size for d in dims if d.size is not None),
            Counter(d.name for d in dims if d.name is not None),
        )

    def __str__(self) -> str:
        names = sorted(self.names.elements())
        return "·".join(
            [str(self.product)] * (self.product != 1 or not names)
            + [n.rsplit(".", 1)[-1] for n in names]
        )


def reshape_hook(ctx: MethodContext) -> Type:
    if _has_star(ctx):
        return ctx.default_return_type
    targets = [as_dim(t) for group in ctx.arg_types for t in group]  # *dims: one group each
    if _line_has_error(ctx) or _disagrees(ctx.default_return_type, [targets]):
        # A declared target that rejects the dims: mypy has said so; say what -1 is.
        hole = _infer_hole(ctx, targets, report=False)
        if isinstance(hole, int):
            sizes = [hole if d.size == -1 else d for d in targets]
            ctx.api.msg.note(f"reshape: the -1 is {hole}: the result is {show(sizes)}", ctx.context)
        return ctx.default_return_type
    dims: list[Type] = [literal(ctx, d.size) if d.size is not None else d.type for d in targets]
    holes = [i for i, d in enumerate(targets) if d.size == -1]
    if len(holes) > 1 or any(d.size is not None and d.size < -1 for d in targets):
        _fail(ctx, f"reshape: {show(targets)} has more than one -1 or a negative size")
        return ctx.default_return_type
    hole = _infer_hole(ctx, targets, report=True)
    if holes:
        dims[holes[0]] = (
            literal(ctx, hole) if isinstance(hole, int) else AnyType(TypeOfAny.special_form)
        )
    return tensor_like(ctx.default_return_type, dims)


def _infer_hole(ctx: MethodContext, targets: list[Dim], report: bool) -> int | None:
    """The size a `-1` among `targets` stands for; checks the count when there is none.

    None where it is not a literal (a named or unknown dim) or the count is wrong (then
    an error when `report`).
    """
    source = shape_of(ctx.type)
    have = Count.of(source) if source is not None else None
    want = Count.of([d for d in targets if d.size != -1])
    if source is None or have is None or want is None or have.names != want.names:
        return None  # named dims that do not cancel: anything is possible at run time
    if any(d.size == -1 for d in targets):
        if want.product and have.product % want.product == 0:
            return have.product // want.product
        if report:
            _fail(ctx, f"reshape: cannot infer -1: {have} elements do not divide by {want}")
    elif have != want and report:
        _fail(ctx, f"reshape: {show(source)} has {have} elements, {show(targets)} has {want}")
    return None


def _disagrees(result: Type, shapes: Sequence[Sequence[Dim]], skip: int | None = None) -> bool:
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


def _line_has_error(ctx: MethodContext | FunctionContext) -> bool:
    errors = ctx.api.msg.errors
    return any(
        info.line == ctx.context.line and info.severity == "error"
        for info in errors.error_info_map.get(errors.file, ())
    )


def _fail(ctx: MethodContext | FunctionContext, message: str) -> None:
    """An error with code `shape`, or a note where mypy has already rejected the line."""
    if _line_has_error(ctx):
        ctx.api.msg.note(message, ctx.context)
    else:
        ctx.api.fail(message, ctx.context, code=SHAPE)


# --- permute, squeeze, unsqueeze beyond their overloads -------------------------------
# Their overloads cover the common axes; any other axis falls back to Tensor[*AnyShape].
# On a tensor of known rank the plugin computes that case too.


def _fallback(ctx: MethodContext) -> tuple[list[Dim], list[int]] | None:
    """Self's dims and the literal int arguments, when the overloads gave no shape."""
    dims = shape_of(ctx.type)
    axes = [int_value(t) for group in ctx.arg_types for t in group]
    if _has_star(ctx):
        return None
    if dims is None or shape_of(ctx.default_return_type) is not None or None in axes:
        return None
    return dims, [a for a in axes if a is not None]


def permute_hook(ctx: MethodContext) -> Type:
    if (found := _fallback(ctx)) is None:
        return ctx.default_return_type
    dims, axes = found
    order = [normalize_axis(a, len(dims)) for a in axes]
    if sorted(a for a in order if a is not None) != list(range(len(dims))):
        _fail(
            ctx, f"permute: {tuple(axes)} is not an order of the {len(dims)} axes of {show(dims)}"
        )
        return ctx.default_return_type
    return tensor_like(ctx.default_return_type, [dims[a].type for a in order if a is not None])


def unsqueeze_hook(ctx: MethodContext) -> Type:
    if (found := _fallback(ctx)) is None or len(found[1]) != 1:
        return ctx.default_return_type
    dims, (axis,) = found
    at = normalize_axis(axis, len(dims) + 1)
    if at is None:
        return ctx.default_return_type
    one = literal(ctx, 1)
    return tensor_like(
        ctx.default_return_type, [*(d.type for d in dims[:at]), one, *(d.type for d in dims[at:])]
    )


def squeeze_hook(ctx: MethodContext) -> Type:
    if (found := _fallback(ctx)) is None or len(found[1]) != 1:
        return ctx.default_return_type
    dims, (axis,) = found
    at = normalize_axis(axis, len(dims))
    if at is None or dims[at].name is not None:  # a named dim may be 1 at run time
        return ctx.default_return_type
    if dims[at].size not in (None, 1):
        _fail(ctx, f"squeeze: dim {axis} of {show(dims)} is {dims[at]}, not 1")
        return ctx.default_return_type
    return tensor_like(ctx.default_return_type, [d.type for i, d in enumerate(dims) if i != at])


# --- repeat, tile ----------------------------------------------------------------------


def _times(ctx: MethodContext, dim: Dim, count: int | None) -> Type:
    """`dim` repeated `count` times: a literal product, the dim itself once, else Dyn."""
    if count == 1:
        return dim.type
    if dim.size is not None and count is not None:
        return literal(ctx, dim.size * count)
    return AnyType(TypeOfAny.special_form)


def repeat_hook(ctx: MethodContext) -> Type:
    """`x.repeat(r, axis=a)`: the dim at `a` times `r`, on a tensor of known rank."""
    dims = shape_of(ctx.type)
    repeats, axis = _int_arg(ctx.arg_types, 0, None), _int_arg(ctx.arg_types, 1, None)
    if dims is None or axis is None or _has_star(ctx):
        return ctx.default_return_type
    at = normalize_axis(axis, len(dims))
    if at is None or (repeats is not None and repeats < 0):
        problem = f"axis {axis} is out of range" if at is None else f"negative repeats {repeats}"
        _fail(ctx, f"repeat: {problem} for {show(dims)}")
        return ctx.default_return_type
    result = [_times(ctx, d, repeats) if i == at else d.type for i, d in enumerate(dims)]
    return tensor_like(ctx.default_return_type, result)


def tile_hook(ctx: MethodContext) -> Type:
    """`x.tile(*reps)`: np.tile's shape, leading 1s added to the shorter of shape and reps."""
    dims = shape_of(ctx.type)
    reps = [int_value(t) for group in ctx.arg_types for t in group]
    if dims is None or _has_star(ctx):
        return ctx.default_return_type
    if any(r is not None and r < 0 for r in reps):
        _fail(ctx, f"tile: reps ({', '.join(map(str, reps))}) for {show(dims)} must be >= 0")
        return ctx.default_return_type
    rank = max(len(dims), len(reps))
    padded = [Dim(literal(ctx, 1), size=1)] * (rank - len(dims)) + dims
    counts: list[int | None] = [*[1] * (rank - len(reps)), *reps]
    result = [_times(ctx, d, r) for d, r in zip(padded, counts, strict=True)]
    return tensor_like(ctx.default_return_type, result)


# --- slicing ---------------------------------------------------------------------------


def _int_literal(expr: Expression | None) -> int | None | Literal[False]:
    """The int written in `expr`, None where nothing is written, False for anything else."""
    if expr is None:
        return None
    if isinstance(expr, IntExpr):
        return expr.value
    if isinstance(expr, UnaryExpr) and expr.op == "-" and isinstance(expr.expr, IntExpr):
        return -expr.expr.value
    return False


def getitem_hook(ctx: MethodContext) -> Type:
    """`t[a:b:c]` on a literal leading dim: the slice's length, as Python counts it."""
    dims = shape_of(ctx.type)
    index = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    if not dims or dims[0].size is None or not isinstance(index, SliceExpr):
        return ctx.default_return_type
    bounds = [_int_literal(e) for e in (index.begin_index, index.end_index, index.stride)]
    if any(b is False for b in bounds) or bounds[2] == 0:
        return ctx.default_return_type
    start, stop, step = (b if isinstance(b, int) else None for b in bounds)
    size = len(range(dims[0].size)[start:stop:step])
    return tensor_like(ctx.default_return_type, [literal(ctx, size), *(d.type for d in dims[1:])])


# --- concat, stack ---------------------------------------------------------------------


def _sequence_items(ctx: FunctionContext) -> list[Type] | None:
    """The element types of the first argument, when it is a tuple or a list display."""
    typ = _arg(ctx.arg_types, 0)
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
    if not items or _line_has_error(ctx):
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
                _fail(
                    ctx,
                    f"{op}: dim {axis} differs: {first} (tensor {column.index(first)}) "
                    f"vs {dim} (tensor {index})",
                )
                return None
        merged.append(first.type)
    return merged


def concat_hook(ctx: FunctionContext) -> Type:
    shapes = _shapes(ctx)
    axis = _int_arg(ctx.arg_types, 1, 0)
    if shapes is None or axis is None or (axis := normalize_axis(axis, len(shapes[0]))) is None:
        return ctx.default_return_type
    if _disagrees(ctx.default_return_type, shapes, skip=axis):
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
    axis = _int_arg(ctx.arg_types, 1, 0)
    if shapes is None or axis is None or (axis := normalize_axis(axis, len(shapes[0]) + 1)) is None:
        return ctx.default_return_type
    merged = _agree(ctx, "stack", shapes, skip=None)
    if merged is None:
        return ctx.default_return_type
    merged.insert(axis, literal(ctx, len(shapes)))
    return tensor_like(ctx.default_return_type, merged)


# --- conv2d, max_pool2d: functions and modules ----------------------------------------
# The sizes come from literal argument types; a module records its constructor's
# arguments in its type (`Conv2d[Ci, Co, K, S, P]`, `MaxPool2d[K, S, P]`) for its calls.

Pair = tuple[int, int]
PaddingPair = Pair | Literal["same"]


def _pair(typ: Type | None, default: Pair | None) -> Pair | None:
    if typ is None:
        return default
    proper = get_proper_type(typ)
    if isinstance(proper, TupleType) and len(proper.items) == 2:
        first, second = (int_value(t) for t in proper.items)
        return None if first is None or second is None else (first, second)
    value = int_value(typ)
    return None if value is None else (value, value)


def _str_value(typ: Type | None) -> str | None:
    proper = get_proper_type(typ) if typ is not None else None
    if isinstance(proper, Instance) and proper.last_known_value is not None:
        proper = proper.last_known_value
    return proper.value if isinstance(proper, LiteralType) and type(proper.value) is str else None


def _padding(typ: Type | None) -> PaddingPair | None:
    """`(pH, pW)`, or "same"; "valid" is `(0, 0)`; None where it is not written."""
    text = _str_value(typ)
    if text is not None:
        return (0, 0) if text == "valid" else "same" if text == "same" else None
    return _pair(typ, (0, 0))


def _window(size: Dim, kernel: int, stride: int, padding: int) -> int | None:
    if size.size is None or stride <= 0:
        return None
    out = (size.size + 2 * padding - kernel) // stride + 1
    return out if out > 0 else None


def _spatial(
    ctx: MethodContext | FunctionContext,
    dims: list[Dim],
    kernel: Pair | None,
    stride: Pair | None,
    padding: PaddingPair | None,
) -> Type:
    """The default result with its `H', W'` computed (each left alone where it cannot be)."""
    default = get_proper_type(ctx.default_return_type)
    if kernel is None or stride is None or padding is None or len(dims) != 4:
        return ctx.default_return_type
    if not isinstance(default, Instance) or len(default.args) != 4:
        return ctx.default_return_type
    args = list(default.args)
    for axis in (0, 1):
        size = dims[2 + axis]
        if padding == "same":  # stride 1 only (else a run-time error): the size is kept
            args[2 + axis] = size.type if stride == (1, 1) else args[2 + axis]
            continue
        out = _window(size, kernel[axis], stride[axis], padding[axis])
        if out is not None:
            args[2 + axis] = literal(ctx, out)
    return default.copy_modified(args=args)


def _input(ctx: MethodContext | FunctionContext) -> list[Dim]:
    """The dims of the first argument (an image batch), [] where the rank is not known."""
    typ = _arg(ctx.arg_types, 0)
    return (shape_of(typ) if typ is not None else None) or []


def conv2d_hook(ctx: FunctionContext) -> Type:
    weight = _arg(ctx.arg_types, 1)
    w = shape_of(weight) if weight is not None else None
    if w is None or len(w) != 4 or w[2].size is None or w[3].size is None:
        return ctx.default_return_type
    stride, padding = _pair(_arg(ctx.arg_types, 3), (1, 1)), _padding(_arg(ctx.arg_types, 4))
    return _spatial(ctx, _input(ctx), (w[2].size, w[3].size), stride, padding)


def max_pool2d_hook(ctx: FunctionContext) -> Type:
    kernel = _pair(_arg(ctx.arg_types, 1), None)
    stride = _pair(_arg(ctx.arg_types, 2), kernel)
    return _spatial(ctx, _input(ctx), kernel, stride, _pair(_arg(ctx.arg_types, 3), (0, 0)))


def _recorded(ctx: FunctionContext, typ: Type | None, default: Type) -> Type:
    """A constructor argument as a module's type parameter: its literal type, else Dyn.

    `3` is `Literal[3]`, `(1, 2)` is `tuple[Literal[1], Literal[2]]`, `"same"` is
    `Literal["same"]`; an argument left out (or None) is `default`.
    """
    if typ is None or isinstance(get_proper_type(typ), NoneType):
        return default
    if (value := int_value(typ)) is not None:
        return literal(ctx, value)
    if (text := _str_value(typ)) is not None:
        return LiteralType(value=text, fallback=ctx.api.named_generic_type("builtins.str", []))
    proper = get_proper_type(typ)
    if isinstance(proper, TupleType) and all(int_value(t) is not None for t in proper.items):
        return proper.copy_modified(items=[_recorded(ctx, t, default) for t in proper.items])
    return AnyType(TypeOfAny.special_form)


def _record(
    ctx: FunctionContext, first: int, window: Callable[[list[Type | None]], list[Type]]
) -> Type:
    """The constructed module with its last three type arguments filled by `window`."""
    default = get_proper_type(ctx.default_return_type)
    if _has_star(ctx) or not isinstance(default, Instance) or len(default.args) != first + 3:
        return ctx.default_return_type
    given = [_arg(ctx.arg_types, first + i) for i in range(3)]
    return default.copy_modified(args=[*default.args[:first], *window(given)])


def conv2d_init_hook(ctx: FunctionContext) -> Type:
    """`Conv2d(ci, co, kernel_size, stride=1, padding=0)`: `Conv2d[Ci, Co, K, S, P]`."""

    def window(given: list[Type | None]) -> list[Type]:
        kernel, stride, padding = given
        return [
            _recorded(ctx, kernel, AnyType(TypeOfAny.special_form)),
            _recorded(ctx, stride, literal(ctx, 1)),
            _recorded(ctx, padding, literal(ctx, 0)),
        ]

    return _record(ctx, 2, window)


def max_pool2d_init_hook(ctx: FunctionContext) -> Type:
    """`MaxPool2d(kernel_size, stride=kernel_size, padding=0)`: `MaxPool2d[K, S, P]`."""

    def window(given: list[Type | None]) -> list[Type]:
        kernel = _recorded(ctx, given[0], AnyType(TypeOfAny.special_form))
        return [kernel, _recorded(ctx, given[1], kernel), _recorded(ctx, given[2], literal(ctx, 0))]

    return _record(ctx, 0, window)


def _module_window(
    ctx: MethodContext, first: int
) -> tuple[Pair | None, Pair | None, PaddingPair | None]:
    """The kernel, stride and padding a module's type records, from type argument `first`."""
    layer = get_proper_type(ctx.type)
    if not isinstance(layer, Instance) or len(layer.args) != first + 3:
        return None, None, None
    kernel, stride, padding = layer.args[first:]
    return _pair(kernel, None), _pair(stride, None), _padding(padding)


def conv2d_call_hook(ctx: MethodContext) -> Type:
    """`conv(x)`: `H', W'` from the input's literal sizes and the module's K, S, P."""
    return _spatial(ctx, _input(ctx), *_module_window(ctx, 2))


def max_pool2d_call_hook(ctx: MethodContext) -> Type:
    return _spatial(ctx, _input(ctx), *_module_window(ctx, 0))


# --- readable errors: matmul and elementwise -------------------------------------------


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


def broadcast_problem(op: str, left: Sequence[Dim], right: Sequence[Dim]) -> str | None:
    for offset in range(1, min(len(left), len(right)) + 1):
        a, b = left[-offset], right[-offset]
        if differ(a, b) and a.size != 1 and b.size != 1:
            return (
                f"{op}: shapes {show(left)} and {show(right)} cannot be broadcast: "
                f"{a} (dim {-offset} of the left) vs {b} (dim {-offset} of the right)"
            )
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


def operator_sig(op: str) -> Callable[[MethodSigContext], FunctionLike]:
    def hook(ctx: MethodSigContext) -> FunctionLike:
        if (shapes := _operand_shapes(ctx, ctx.type)) is not None:
            _explain(ctx, broadcast_problem(op, *shapes))
        return ctx.default_signature

    return hook


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


_LAYER_INPUTS = {
    "stag.nn._layers.Linear.__call__": LayerInput("Linear", -1, None, "in_features"),
    "stag.nn._layers.LayerNorm.__call__": LayerInput("LayerNorm", -1, None, "normalized_shape"),
    f"{_NN_CONV}.Conv2d.__call__": LayerInput("Conv2d", 1, 4, "in_channels"),
}


def flatten_module_hook(ctx: MethodContext) -> Type:
    """`nn.Flatten()(x)`: as `x.flatten(1)`."""
    x = shape_of(ctx.arg_types[0][0]) if ctx.arg_types and ctx.arg_types[0] else None
    if not x or not all(d.size is not None for d in x[1:]):
        return ctx.default_return_type
    size = math.prod(d.size for d in x[1:] if d.size is not None)
    return tensor_like(ctx.default_return_type, [x[0].type, literal(ctx, size)])


# --- the plugin ------------------------------------------------------------------------


class StagPlugin(Plugin):
    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return {
            f"{_TENSOR}.flatten": flatten_hook,
            f"{_TENSOR}.reshape": reshape_hook,
            f"{_TENSOR}.__getitem__": getitem_hook,
            f"{_TENSOR}.permute": permute_hook,
            f"{_TENSOR}.squeeze": squeeze_hook,
            f"{_TENSOR}.unsqueeze": unsqueeze_hook,
            f"{_TENSOR}.repeat": repeat_hook,
            f"{_TENSOR}.tile": tile_hook,
            "stag.nn._layers.Flatten.__call__": flatten_module_hook,
            f"{_NN_CONV}.Conv2d.__call__": conv2d_call_hook,
            f"{_NN_CONV}.MaxPool2d.__call__": max_pool2d_call_hook,
        }.get(fullname)

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return {
            f"{_FUNCTIONS}.concat": concat_hook,
            f"{_FUNCTIONS}.stack": stack_hook,
            f"{_CONV}.conv2d": conv2d_hook,
            f"{_CONV}.max_pool2d": max_pool2d_hook,
            f"{_NN_CONV}.Conv2d": conv2d_init_hook,
            f"{_NN_CONV}.MaxPool2d": max_pool2d_init_hook,
        }.get(fullname)

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        owner, _, method = fullname.rpartition(".")
        if fullname in _LAYER_INPUTS:
            return _LAYER_INPUTS[fullname]
        if owner != _TENSOR:
            return None
        if method == "__matmul__":
            return matmul_method_sig
        if method in _OPERATOR_NAMES:
            return operator_sig(_OPERATOR_NAMES[method])
        return None

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        return matmul_function_sig if fullname == f"{_FUNCTIONS}.matmul" else None


def plugin(version: str) -> type[StagPlugin]:
    """mypy's entry point: the plugin class for any mypy version."""
    return StagPlugin
