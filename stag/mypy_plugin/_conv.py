"""conv2d and max_pool2d: the functions, and the `nn.Conv2d` / `nn.MaxPool2d` modules.

The sizes come from literal argument types; a module records its constructor's
arguments in its type (`Conv2d[Ci, Co, K, S, P]`, `MaxPool2d[K, S, P]`) for its calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from mypy.plugin import FunctionContext, MethodContext
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    NoneType,
    TupleType,
    Type,
    TypeOfAny,
    get_proper_type,
)

from ._shapes import Dim, arg_at, has_star, int_value, literal, shape_of

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
    typ = arg_at(ctx.arg_types, 0)
    return (shape_of(typ) if typ is not None else None) or []


def conv2d_hook(ctx: FunctionContext) -> Type:
    weight = arg_at(ctx.arg_types, 1)
    w = shape_of(weight) if weight is not None else None
    if w is None or len(w) != 4 or w[2].size is None or w[3].size is None:
        return ctx.default_return_type
    stride, padding = _pair(arg_at(ctx.arg_types, 3), (1, 1)), _padding(arg_at(ctx.arg_types, 4))
    return _spatial(ctx, _input(ctx), (w[2].size, w[3].size), stride, padding)


def max_pool2d_hook(ctx: FunctionContext) -> Type:
    kernel = _pair(arg_at(ctx.arg_types, 1), None)
    stride = _pair(arg_at(ctx.arg_types, 2), kernel)
    return _spatial(ctx, _input(ctx), kernel, stride, _pair(arg_at(ctx.arg_types, 3), (0, 0)))


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
    if has_star(ctx) or not isinstance(default, Instance) or len(default.args) != first + 3:
        return ctx.default_return_type
    given = [arg_at(ctx.arg_types, first + i) for i in range(3)]
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
