"""``@shapecheck``: the wrapper that checks each call of a function."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from ._checker import Checker
from ._switch import COMPILED_IN, STATE

P = ParamSpec("P")
R = TypeVar("R")

MARK = "__stag_shapecheck__"


def shapecheck(fn: Callable[P, R], /) -> Callable[P, R]:
    """Check every call of ``fn`` against its ``Tensor[...]`` annotations.

    **Arguments:**

    - ``fn``: a function, method, ``classmethod`` or ``staticmethod`` (either order).

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
    checker = Checker(fn)

    @functools.wraps(fn)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        if not STATE.enabled:
            return fn(*args, **kwargs)
        memo = checker.arguments(args, kwargs)
        result = checker.call(*args, **kwargs)  # fn itself: no checking frame under it
        checker.result(result, memo)
        return result

    setattr(checked, MARK, True)
    return checked
