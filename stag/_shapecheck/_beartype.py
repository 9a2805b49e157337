"""The beartype / jaxtyping bridge: what stag does not match itself, beartype checks."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator
from typing import TypeVar

R = TypeVar("R")


def beartyped(fn: Callable[..., R], hints: dict[str, object]) -> Callable[..., R]:
    """``fn`` with beartype checking its signature (and jaxtyping's memo when it has one).

    beartype decorates a copy of ``fn`` that carries the resolved annotations, so
    string annotations are read once, by the same rules as stag's, and ``fn`` itself
    is left untouched.
    """
    from beartype import BeartypeConf, beartype

    target: Callable[..., R] = fn
    if isinstance(fn, types.FunctionType):
        copy = types.FunctionType(
            fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
        )
        copy.__kwdefaults__ = fn.__kwdefaults__
        copy.__qualname__ = fn.__qualname__
        copy.__module__ = fn.__module__
        copy.__annotations__ = dict(hints)
        target = copy
    checked = beartype(conf=BeartypeConf(is_pep484_tower=True))(target)
    if _mentions_jaxtyping(hints):
        import jaxtyping

        return jaxtyping.jaxtyped(checked, typechecker=None)
    return checked


def _walk(hint: object) -> Iterator[object]:
    yield hint
    for arg in typing.get_args(hint):
        yield from _walk(arg)


def _mentions_jaxtyping(hints: dict[str, object]) -> bool:
    return any(
        type(h).__module__.startswith("jaxtyping") for hint in hints.values() for h in _walk(hint)
    )
