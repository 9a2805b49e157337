"""Flattening a compiled function's arguments and results into leaves and a structure.

Tuples (named ones too), lists and dicts are containers; anything else is a leaf.
The structure is hashable, so that it can be part of a recording's guard.
"""

from __future__ import annotations

from typing import Any

# A container's structure: its type, its keys (dicts) or None, and its children's.
Structure = tuple[Any, ...]
LEAF: Structure = ()


def flatten(value: object, leaves: list[object]) -> Structure:
    """Append ``value``'s leaves to ``leaves`` (depth first); return its structure."""
    kind = type(value)
    if isinstance(value, tuple | list) and (
        kind is tuple or kind is list or hasattr(value, "_fields")  # not their subclasses
    ):
        return (kind, None, tuple(flatten(item, leaves) for item in value))
    if kind is dict and isinstance(value, dict):
        keys = tuple(value)
        return (kind, keys, tuple(flatten(value[k], leaves) for k in keys))
    leaves.append(value)
    return LEAF


def unflatten(structure: Structure, leaves: list[object], start: int = 0) -> tuple[object, int]:
    """The value of ``structure`` built from ``leaves[start:]``, and the index after its last."""
    if structure is LEAF:
        return leaves[start], start + 1
    kind, keys, children = structure
    items: list[object] = []
    for child in children:
        item, start = unflatten(child, leaves, start)
        items.append(item)
    if kind is dict:
        return dict(zip(keys, items, strict=True)), start
    if kind is list:
        return items, start
    if kind is tuple:
        return tuple(items), start
    return kind(*items), start  # a NamedTuple
