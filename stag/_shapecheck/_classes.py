"""The dims a generic class binds from its own attributes, before a method's arguments."""

from __future__ import annotations

import typing

from ._hints import class_hints
from ._matching import Site
from ._specs import Counter, TensorSpec, UnionSpec, parse

_CLASS_SPECS: dict[type, tuple[tuple[str, TensorSpec, Site], ...]] = {}


def attribute_specs(cls: type) -> tuple[tuple[str, TensorSpec, Site], ...]:
    """The attributes of ``cls`` annotated with a tensor of the class's type variables.

    ``weight: Tensor[I, O]`` on a ``Generic[I, O]`` module binds ``I`` and ``O`` from
    ``self.weight`` before a method's arguments are checked.
    """
    found = _CLASS_SPECS.get(cls)
    if found is None:
        specs = []
        generic = issubclass(cls, typing.Generic)
        hints = class_hints(cls) if generic else {}
        for attr, hint in hints.items():
            spec = parse(hint, Counter())
            if isinstance(spec, UnionSpec):  # Tensor[O] | None
                tensors = [o for o in spec.options if isinstance(o, TensorSpec)]
                spec = tensors[0] if len(tensors) == 1 else None
            if isinstance(spec, TensorSpec) and spec.generic:
                specs.append((attr, spec, Site(f"attribute self.{attr}", f"self.{attr}", "")))
        found = _CLASS_SPECS[cls] = tuple(specs)
    return found
