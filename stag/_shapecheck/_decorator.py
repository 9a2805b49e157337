"""``@shapecheck``: the wrapper that checks each call of a function.

The wrapper is of the function's kind, so ``inspect`` sees what it saw before: an
``async def`` for a coroutine function (the arguments are checked when the coroutine
starts, the awaited result after), a generator for a generator function and an async
generator for an async generator function (the arguments are checked at the first
step, as nothing of the function runs before it).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, ParamSpec, TypeVar, cast

from ._checker import Checker
from ._switch import COMPILED_IN, STATE

P = ParamSpec("P")
R = TypeVar("R")

MARK = "__stag_shapecheck__"


def shapecheck(fn: Callable[P, R], /) -> Callable[P, R]:
    """Check every call of ``fn`` against its ``Tensor[...]`` annotations.

    **Arguments:**

    - ``fn``: a function, method, ``classmethod`` or ``staticmethod`` (either order);
      a coroutine, generator or async generator function stays one.

    **Returns:** a wrapper with ``fn``'s signature that raises ``ShapeError`` when an
    argument's or the result's shape contradicts the annotations, e.g.
    ``layer(): parameter b has shape (11,), expected Tensor[Out]; Out=10 was bound by
    w (784, 10)``.
    """
    if isinstance(fn, (classmethod, staticmethod)):
        return type(fn)(shapecheck(fn.__func__))
    if isinstance(fn, type):
        raise TypeError(f"shapecheck: decorate functions and methods, not the class {fn!r}")
    if not COMPILED_IN or getattr(fn, MARK, False) or not getattr(fn, "__annotations__", None):
        return fn
    if inspect.iscoroutinefunction(fn):
        checked = _coroutine(fn, Checker(fn))
    elif inspect.isgeneratorfunction(fn):
        checked = _generator(fn, Checker(fn))
    elif inspect.isasyncgenfunction(fn):
        checked = _async_generator(fn, Checker(fn))
    else:
        checked = _function(fn, Checker(fn))
    functools.update_wrapper(checked, fn)
    setattr(checked, MARK, True)
    return cast(Callable[P, R], checked)


def _function(fn: Callable[..., Any], checker: Checker) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if not STATE.enabled:
            return fn(*args, **kwargs)
        memo = checker.arguments(args, kwargs)
        result = checker.call(*args, **kwargs)  # fn itself: no checking frame under it
        checker.result(result, memo)
        return result

    return checked


def _coroutine(fn: Callable[..., Any], checker: Checker) -> Callable[..., Any]:
    async def checked(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        memo = checker.arguments(args, kwargs) if STATE.enabled else None
        result = await (fn if memo is None else checker.call)(*args, **kwargs)
        if memo is not None:
            checker.result(result, memo)
        return result

    return checked


def _generator(fn: Callable[..., Any], checker: Checker) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        __tracebackhide__ = True
        return (yield from _started(fn, checker, args, kwargs))

    return checked


def _async_generator(fn: Callable[..., Any], checker: Checker) -> Callable[..., Any]:
    async def checked(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        __tracebackhide__ = True
        steps: AsyncGenerator[Any, Any] = _started(fn, checker, args, kwargs)
        step = steps.__anext__()
        while True:  # what ``yield from`` does for a generator: every step goes through
            try:
                value = await step
            except StopAsyncIteration:
                return
            try:
                sent = yield value
            except GeneratorExit:
                await steps.aclose()
                raise
            except BaseException as error:  # noqa: BLE001  # thrown in: the generator's to handle
                step = steps.athrow(error)
            else:
                step = steps.asend(sent)

    return checked


def _started(
    fn: Callable[..., Any], checker: Checker, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """A generator's arguments checked (if checking is on), and the generator it returns."""
    __tracebackhide__ = True
    if not STATE.enabled:
        return fn(*args, **kwargs)
    checker.arguments(args, kwargs)
    return checker.call(*args, **kwargs)
