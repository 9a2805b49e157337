"""The beartype / jaxtyping bridge: what stag does not match itself, beartype checks.

beartype checks the annotations stag leaves to it through two stand-ins that it
decorates, apart from the function: one with the function's parameters and an empty
body, called with the arguments before the call, and one that takes the result.  So
beartype's wrapper is off the stack while the function runs.  Where an annotation is a
plain class (``int``, ``float``, ``None``, a class of one's own), ``isinstance`` is
tried first: an instance passes beartype's check, so beartype is called only when that
does not settle it (an ``int`` for a ``float``, or a violation).  jaxtyping's dims need
one memo around the arguments, the call and the result, so a function with jaxtyping
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


def argument_check(
    fn: Callable[..., object], hints: dict[str, object], places: dict[str, int]
) -> Callable[..., object]:
    """What checks ``fn``'s arguments (passed as to ``fn``) against ``hints``.

    ``places`` gives each named parameter's position (``sys.maxsize`` for a
    keyword-only one).  beartype's stand-in itself, or, where every annotation is a
    plain class, a function that calls it only when ``isinstance`` does not settle it.
    """
    stand_in = _argument_stand_in(fn, hints)
    found = [
        (places[k], k, cls)
        for k, h in hints.items()
        if k in places and (cls := _plain_class(h)) is not None
    ]
    if len(found) < len(hints):
        return stand_in
    plain = tuple(found)

    def check(*args: object, **kwargs: object) -> None:
        __tracebackhide__ = True
        if not _instances(plain, args, kwargs):
            stand_in(*args, **kwargs)

    return check


def result_check(
    fn: Callable[..., object], hint: object
) -> tuple[Callable[[object], object], type]:
    """What checks a result of ``fn`` against ``hint``: beartype's stand-in, and a class
    whose instances need not be given to it (none are, unless ``hint`` is a plain class).

    The caller tests ``isinstance`` itself: the result check is one call fewer then.
    """
    return _result_stand_in(fn, hint), _plain_class(hint) or _Nothing


def _instances(
    plain: tuple[tuple[int, str, type], ...], args: tuple[object, ...], kwargs: dict[str, object]
) -> bool:
    """Whether each argument beartype checks is an instance of its plain class."""
    nargs = len(args)
    for index, name, cls in plain:
        value = args[index] if index < nargs else kwargs.get(name, _Nothing)
        if value is not _Nothing and not isinstance(value, cls):  # _Nothing: a default
            return False
    return True


class _Nothing:
    """Nothing is an instance of it; the class itself marks an argument left to its default."""


def _plain_class(hint: object) -> type | None:
    """``hint`` if beartype checks it with ``isinstance``: None, int, a class (not an ABC)."""
    return hint if isinstance(hint, type) and type(hint) is type else None


def _argument_stand_in(
    fn: Callable[..., object], hints: dict[str, object]
) -> Callable[..., object]:
    """A function that takes ``fn``'s arguments and has beartype check them against ``hints``."""
    signature = inspect.signature(fn, follow_wrapped=False)
    return _beartype(_named_like(_stub(signature), fn, hints))


def _result_stand_in(fn: Callable[..., object], hint: object) -> Callable[[object], object]:
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
