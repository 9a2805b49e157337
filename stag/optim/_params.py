"""What an optimizer trains: a module, an iterable of tensors, or parameter groups.

A module gives its parameters with their dotted names (``"hidden.weight"``).
Tensors are named by position (``"0"``, ``"1"``, ...), and the tensors of a list
of groups by group and position (``"0.0"``, ``"1.2"``): the names key
``state_dict()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from stag._tensor import Tensor
from stag.nn._module import Module

if TYPE_CHECKING:
    from stag._dims import AnyShape

Params: TypeAlias = "Iterable[Tensor[*AnyShape]] | Iterable[Mapping[str, object]]"


class NoModule:
    """The type argument of an optimizer made from tensors or groups, not from a module.

    ``SGD(model.parameters(), lr=0.1)`` is an ``SGD[NoModule]``: it has no
    ``module`` (reading ``opt.module`` raises ``AttributeError``, and a type
    checker rejects what you would do with it).
    """


@dataclass
class Collected:
    """The parameters found in ``params``: by name, and grouped with each group's overrides."""

    module: Module | None
    names: list[str]
    tensors: list[Tensor[*AnyShape]]
    members: list[list[int]]  # per group: indices into names / tensors
    overrides: list[dict[str, object]]  # per group: its settings besides "params"
    seen: dict[int, str]  # id of each tensor -> its name, to find one given twice


def collect(params: object, where: str) -> Collected:
    """Read ``params``; raise ``TypeError`` / ``ValueError`` naming what is wrong."""
    if isinstance(params, Module):
        found = Collected(params, [], [], [[]], [{}], {})
        for name, tensor in params.named_parameters():
            _add(found, 0, name, tensor, where)
    else:
        found = _collect_groups(*_groups_of(params, where), where)
    if not found.tensors:
        raise ValueError(f"{where}: got an empty parameter list")
    return found


def _groups_of(params: object, where: str) -> tuple[list[Mapping[str, object]], bool]:
    """``params`` as a list of groups, and whether it was one plain list of tensors."""
    if isinstance(params, Tensor) or not isinstance(params, Iterable):
        raise TypeError(
            f"{where}: params must be a Module, an iterable of tensors or of dicts "
            f"(parameter groups), got {type(params).__name__}"
        )
    items = list(params)
    if items and all(isinstance(item, Mapping) for item in items):
        return items, False
    return [{"params": items}], True


def _collect_groups(groups: list[Mapping[str, object]], plain: bool, where: str) -> Collected:
    found = Collected(None, [], [], [], [], {})
    for g, group in enumerate(groups):
        overrides = dict(group)
        if "params" not in overrides:
            raise ValueError(f"{where}: parameter group {g} has no 'params'")
        tensors = _tensors(overrides.pop("params"), f"{where}: group {g}")
        found.members.append([])
        found.overrides.append(overrides)
        for i, tensor in enumerate(tensors):
            _add(found, g, f"{i}" if plain else f"{g}.{i}", tensor, where)
    return found


def _tensors(tensors: object, where: str) -> list[object]:
    """A group's ``"params"``: one tensor or an iterable of them, as PyTorch takes."""
    if isinstance(tensors, Tensor):
        return [tensors]
    if isinstance(tensors, Iterable) and not isinstance(tensors, str | Mapping):
        return list(tensors)
    raise TypeError(f"{where}: 'params' must hold tensors, got {type(tensors).__name__}")


def _add(found: Collected, group: int, name: str, tensor: object, where: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: parameter {name} is a {type(tensor).__name__}, not a Tensor")
    if not tensor.requires_grad:
        raise ValueError(f"{where}: parameter {name} does not require grad")
    if id(tensor) in found.seen:
        raise ValueError(
            f"{where}: parameter {name} is given twice (also as {found.seen[id(tensor)]})"
        )
    found.seen[id(tensor)] = name
    found.members[group].append(len(found.tensors))
    found.names.append(name)
    found.tensors.append(tensor)
