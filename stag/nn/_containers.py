"""``ModuleList`` and ``ModuleDict``: modules held by position or by name.

A model may also keep its layers in a plain list or dict attribute (``Module``
finds them there too); these containers add PyTorch's names and methods, check
what goes in, and keep the element type: ``ModuleList[Block]`` iterates over
``Block``, so each call stays typed.  Neither has a ``__call__``: the model that
holds one says how its modules are applied.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Generic, Self, TypeVar, overload

from stag._dims import AnyShape
from stag._tensor import Tensor
from stag.nn._module import Module

T = TypeVar("T", bound=Module)


def _module(container: str, value: object) -> None:
    if not isinstance(value, Module):
        raise TypeError(
            f"{container}: expected a Module, got {type(value).__name__}; "
            "wrap a function in a Module subclass, or keep it in a plain attribute"
        )


class ModuleList(Module, Generic[T]):
    """Modules in order, named by position (``"0.weight"``), as PyTorch's ``nn.ModuleList``.

    ``ModuleList([Block(d) for _ in range(4)])`` is a ``ModuleList[Block]``:
    indexing and iteration give ``Block``, typed.  A slice is a ``ModuleList``
    sharing the modules.

    **Arguments:** ``modules``, an iterable of modules (none by default).
    """

    _items: list[T]

    def __init__(self, modules: Iterable[T] = ()) -> None:
        super().__init__()
        self._items = []
        self.extend(modules)

    def _members(self) -> Iterator[tuple[str, Tensor[*AnyShape] | Module]]:
        for i, module in enumerate(self._items):
            yield str(i), module

    def append(self, module: T) -> Self:
        """Add ``module`` at the end; returns ``self``."""
        _module("ModuleList.append", module)
        self._items.append(module)
        return self

    def extend(self, modules: Iterable[T]) -> Self:
        """Add each of ``modules`` at the end; returns ``self``."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: T) -> None:
        """Put ``module`` before position ``index``."""
        _module("ModuleList.insert", module)
        self._items.insert(index, module)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> ModuleList[T]: ...
    def __getitem__(self, index: int | slice) -> T | ModuleList[T]:
        if isinstance(index, slice):
            return ModuleList(self._items[index])
        return self._items[index]

    def __setitem__(self, index: int, module: T) -> None:
        _module("ModuleList", module)
        self._items[index] = module

    def __delitem__(self, index: int | slice) -> None:
        del self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)


class ModuleDict(Module, Generic[T]):
    """Modules by name (``"encoder.weight"``), in insertion order, as PyTorch's ``nn.ModuleDict``.

    ``ModuleDict({"encoder": enc, "decoder": dec})``; ``heads["encoder"]``,
    ``in``, ``len``, iteration over the names, ``keys()``, ``values()``,
    ``items()``, ``update()``, ``pop()``.  A name is a non-empty ``str`` without
    ``"."`` (the separator of state names).

    **Arguments:** ``modules``, a mapping or an iterable of ``(name, module)`` pairs.
    """

    _items: dict[str, T]

    def __init__(self, modules: Mapping[str, T] | Iterable[tuple[str, T]] = ()) -> None:
        super().__init__()
        self._items = {}
        self.update(modules)

    def _members(self) -> Iterator[tuple[str, Tensor[*AnyShape] | Module]]:
        yield from self._items.items()

    def update(self, modules: Mapping[str, T] | Iterable[tuple[str, T]]) -> None:
        """Add (or replace) each named module, in order."""
        for name, module in dict(modules).items():
            self[name] = module

    def pop(self, name: str) -> T:
        """Remove the module called ``name`` and return it."""
        return self._items.pop(name)

    def keys(self) -> KeysView[str]:
        return self._items.keys()

    def values(self) -> ValuesView[T]:
        return self._items.values()

    def items(self) -> ItemsView[str, T]:
        return self._items.items()

    def __getitem__(self, name: str) -> T:
        return self._items[name]

    def __setitem__(self, name: str, module: T) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(
                f"ModuleDict: a name must be a non-empty str without '.', got {name!r}; "
                "'.' joins the names of nested state ('encoder.weight')"
            )
        _module(f"ModuleDict[{name!r}]", module)
        self._items[name] = module

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)
