"""Every stag name the mypy plugin hooks exists: a module that moves (a class split into
its own file) would otherwise leave a hook that never fires, and its checks silently off."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from stag.mypy_plugin import _targets


def _names() -> Iterator[str]:
    for value in vars(_targets).values():
        if isinstance(value, str) and value.startswith("stag."):
            yield value
        elif isinstance(value, dict):
            yield from (key for key in value if key.startswith("stag."))
        elif isinstance(value, tuple | frozenset | set):
            yield from (v for v in value if isinstance(v, str) and v.startswith("stag."))


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(dotted)


@pytest.mark.parametrize("name", sorted(set(_names())))
def test_every_hooked_name_exists(name: str) -> None:
    _resolve(name)


def test_the_loss_modules_are_among_the_solved_calls() -> None:
    assert "stag.nn._loss_modules.CrossEntropyLoss.__call__" in _targets.SOLVED_METHODS
