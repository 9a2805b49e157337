"""The beartype / jaxtyping bridge: what stag does not match itself, beartype checks.

beartype checks the annotations stag leaves to it through two stand-ins that it
decorates, apart from the function: one with the function's parameters and an empty
body, called with the arguments before the call, and one that takes the result.  So
beartype's wrapper is off the stack while the function runs.  jaxtyping's dims need one
memo around the arguments, the call and the result, so a function with jaxtyping
annotations is run inside jaxtyping's and beartype's wrappers instead (``wrapped``).
"""

from __future__ import annotations

import ast
import inspect
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

R = TypeVar("R")

_Parameter = inspect.Parameter
_POSITIONAL = (_Parameter.POSITIONAL_ONLY, _Parameter.POSITIONAL_OR_KEYWORD)


def mentions_jaxtyping(hints: dict[str, object]) -> bool:
    return any(
        type(h).__module__.startswith("jaxtyping") for hint in hints.values() for h in _walk(hint)
    )


def argument_checker(fn: Callable[..., object], hints: dict[str, object]) -> Callable[..., object]:
    """A function that takes ``fn``'s arguments and has beartype check them against ``hints``."""
    signature = inspect.signature(fn, follow_wrapped=False)
    return _beartype(_named_like(_stub(signature), fn, hints))


def result_checker(fn: Callable[..., object], hint: object) -> Callable[[object], object]:
    """A function of one value that has beartype check it as ``fn``'s result."""
    returns = types.FunctionType(_returns.__code__, {}, "returns")
    return _beartype(_named_like(returns, fn, {"return": hint}))


def wrapped(fn: Callable[..., R], hints: dict[str, object]) -> Callable[..., R]:
    """``fn`` with beartype checking its signature (and jaxtyping's memo when it has one).

    beartype decorates a copy of ``fn`` that carries the resolved annotations, so
    string annotations are read once, by the same rules as stag's, and ``fn`` itself
    is left untouched.
    """
    target: Callable[..., R] = fn
    if isinstance(fn, types.FunctionType):
        copy = types.FunctionType(
            fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
        )
        copy.__kwdefaults__ = fn.__kwdefaults__
        target = _named_like(copy, fn, hints)
    checked = _beartype(target)
    if mentions_jaxtyping(hints):
        import jaxtyping

        return jaxtyping.jaxtyped(checked, typechecker=None)
    return checked


def _beartype(fn: Callable[..., R]) -> Callable[..., R]:
    from beartype import BeartypeConf, beartype

    return beartype(conf=BeartypeConf(is_pep484_tower=True))(fn)


def _named_like(
    stand_in: types.FunctionType, fn: Callable[..., object], hints: dict[str, object]
) -> types.FunctionType:
    """``stand_in`` (a new function) with ``hints``, under ``fn``'s names for messages."""
    stand_in.__name__ = getattr(fn, "__name__", stand_in.__name__)
    stand_in.__qualname__ = getattr(fn, "__qualname__", stand_in.__name__)
    stand_in.__module__ = getattr(fn, "__module__", stand_in.__module__)
    stand_in.__annotations__ = dict(hints)
    return stand_in


def _returns(value: Any) -> Any:
    return value


def _stub(signature: inspect.Signature) -> types.FunctionType:
    """A function with the parameters of ``signature`` (names, kinds, defaults) and no body."""
    params = list(signature.parameters.values())

    def named(kind: object) -> list[ast.arg]:
        return [ast.arg(p.name) for p in params if p.kind is kind]

    arguments = ast.arguments(
        posonlyargs=named(_Parameter.POSITIONAL_ONLY),
        args=named(_Parameter.POSITIONAL_OR_KEYWORD),
        vararg=next(iter(named(_Parameter.VAR_POSITIONAL)), None),
        kwonlyargs=named(_Parameter.KEYWORD_ONLY),
        kw_defaults=[None] * len(named(_Parameter.KEYWORD_ONLY)),
        kwarg=next(iter(named(_Parameter.VAR_KEYWORD)), None),
        defaults=[],
    )
    node = ast.FunctionDef(name="stub", args=arguments, body=[ast.Pass()], decorator_list=[])
    module = compile(ast.fix_missing_locations(ast.Module([node], [])), "<shapecheck>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    defaults = tuple(
        p.default for p in params if p.kind in _POSITIONAL and p.default is not p.empty
    )
    stub = types.FunctionType(code, {}, "stub", defaults or None)
    keyword = {p.name: p.default for p in params if p.kind is _Parameter.KEYWORD_ONLY}
    stub.__kwdefaults__ = {k: v for k, v in keyword.items() if v is not _Parameter.empty} or None
    return stub


def _walk(hint: object) -> Iterator[object]:
    yield hint
    for arg in typing.get_args(hint):
        yield from _walk(arg)
