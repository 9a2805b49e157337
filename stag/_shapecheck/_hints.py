"""A function's annotations evaluated, as ``typing.get_type_hints`` reads them."""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Callable


def resolved_hints(fn: Callable[..., object]) -> dict[str, object]:
    """``fn``'s annotations evaluated (strings too), with names from its closure."""
    closure = getattr(fn, "__closure__", None) or ()
    code = getattr(fn, "__code__", None)
    local = {}
    if code is not None:
        for name, cell in zip(code.co_freevars, closure):
            with contextlib.suppress(ValueError):  # an empty cell: the name is not bound yet
                local[name] = cell.cell_contents
    return typing.get_type_hints(fn, localns=local or None, include_extras=True)
