"""Annotations evaluated one at a time, as ``typing.get_type_hints`` reads each.

One that names what is not defined at run time (a name imported only under
``if TYPE_CHECKING:``) is left out, so the rest of the signature is still checked; a
function warns once about what it leaves out, a class attribute binds no dim.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import types
import typing
import warnings
from collections.abc import Callable

# What get_type_hints reads one annotation from: ``{name: annotation}`` as a function's
# (a namespace) or as a class's (a class: ClassVar allowed).
_Holder = Callable[[dict[str, object]], object]


def function_hints(fn: Callable[..., object], name: str) -> dict[str, object]:
    """``fn``'s annotations evaluated (strings too), with names from its closure.

    ``name`` is how messages call ``fn``; the annotations that do not resolve are
    named in one warning, at ``fn``'s ``def`` line.
    """
    inner = inspect.unwrap(fn)  # its globals, as get_type_hints finds them
    globalns = getattr(inner, "__globals__", {})
    annotations = dict(getattr(fn, "__annotations__", {}))
    hints, missing = _each(annotations, globalns, _closure(fn) or None, _as_function)
    if missing:
        _warn(inner, name, missing)
    return hints


def class_hints(cls: type) -> dict[str, object]:
    """``cls``'s attribute annotations, base classes first, evaluated.

    ``typing.get_type_hints`` when every one resolves; else one at a time, leaving out
    those that do not.
    """
    with contextlib.suppress(NameError):
        return typing.get_type_hints(cls, include_extras=True)
    hints: dict[str, object] = {}
    for base in reversed(cls.__mro__):
        annotations = inspect.get_annotations(base)
        module = sys.modules.get(base.__module__)
        globalns = vars(module) if module is not None else {}
        found, _ = _each(annotations, globalns, dict(vars(base)), _as_class)
        hints.update(found)
    return hints


def _closure(fn: object) -> dict[str, object]:
    closure = getattr(fn, "__closure__", None) or ()
    code = getattr(fn, "__code__", None)
    local = {}
    if code is not None:
        for name, cell in zip(code.co_freevars, closure):
            with contextlib.suppress(ValueError):  # an empty cell: the name is not bound yet
                local[name] = cell.cell_contents
    return local


def _each(
    annotations: dict[str, object],
    globalns: dict[str, object],
    localns: dict[str, object] | None,
    holder: _Holder,
) -> tuple[dict[str, object], dict[str, str]]:
    """The annotations that resolve, and for the others the name each misses."""
    hints: dict[str, object] = {}
    missing: dict[str, str] = {}
    for key, annotation in annotations.items():
        one = holder({key: annotation})
        try:
            hint = typing.get_type_hints(one, globalns, localns, include_extras=True)
        except NameError as error:
            missing[key] = error.name or str(error)
        else:
            hints[key] = hint[key]
    return hints, missing


def _as_function(annotations: dict[str, object]) -> object:
    return types.SimpleNamespace(__annotations__=annotations)


def _as_class(annotations: dict[str, object]) -> object:
    return type("_Attributes", (), {"__annotations__": annotations})


def _warn(fn: Callable[..., object], name: str, missing: dict[str, str]) -> None:
    items = [
        f"{'the return value' if key == 'return' else f'parameter {key}'} (names {what})"
        for key, what in missing.items()
    ]
    listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
    they = "it names" if len(items) == 1 else "they name"
    message = (
        f"shapecheck: {name}() leaves {listed} unchecked: what {they} is not defined at "
        "run time (imported only under `if TYPE_CHECKING:`?)"
    )
    code = getattr(fn, "__code__", None)
    filename, line = (code.co_filename, code.co_firstlineno) if code else ("<unknown>", 0)
    module = getattr(fn, "__module__", None)
    warnings.warn_explicit(message, UserWarning, filename, line, module=module)
