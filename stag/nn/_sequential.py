"""``Sequential`` and the ``Layer`` protocol that types a chain of layers.

A ``Layer[I, O]`` maps the last dim of a tensor from ``I`` to ``O`` for any
batch prefix: ``Tensor[*B, I] -> Tensor[*B, O]``.  ``Linear[I, O]`` is one;
a shape-keeping activation (``ReLU``) is a ``Layer[N, N]`` for every ``N``.
``Sequential(l1, ..., ln)`` (up to 10 layers; nest for more) and the ``>>``
operator connect layers whose dims agree, so a wrong order or a wrong input
size is a type error.

Convolutions, ``Flatten`` and ``Embedding`` are not maps of the last dim, so
``Sequential`` does not chain them statically: it accepts any module at run
time, but write a CNN as a small ``Module`` subclass with a typed
``__call__``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Literal, Protocol, TypeVar, overload

from stag._dims import AnyShape, B, Dyn
from stag._tensor import Tensor
from stag.nn._module import Module

I = TypeVar("I")
O = TypeVar("O")
H = TypeVar("H")
H1 = TypeVar("H1")
H2 = TypeVar("H2")
H3 = TypeVar("H3")
H4 = TypeVar("H4")
H5 = TypeVar("H5")
H6 = TypeVar("H6")
H7 = TypeVar("H7")
H8 = TypeVar("H8")
H9 = TypeVar("H9")
I_contra = TypeVar("I_contra", contravariant=True)
O_co = TypeVar("O_co", covariant=True)

AnyLayer = Callable[[Tensor[*AnyShape]], Tensor[*AnyShape]]


class Layer(Protocol[I_contra, O_co]):
    """Anything that maps ``Tensor[*B, I]`` to ``Tensor[*B, O]`` for every batch prefix ``*B``."""

    def __call__(self, x: Tensor[*B, I_contra], /) -> Tensor[*B, O_co]: ...


class LastDimMap(Module, Generic[I, O]):
    """A module that maps ``Tensor[*B, I]`` to ``Tensor[*B, O]``: its typed call and ``>>``.

    ``Linear``, ``TiedLinear`` and ``Sequential`` are the ones; each writes only
    ``_forward``.  A size whose type is plain ``int`` is unknown, and the call treats
    it as ``Dyn``: that is what pyright (and mypy without stag's plugin) make of
    ``Linear(16, 1)``, and it must accept a ``Tensor[N, Literal[16]]`` (pyright holds
    ``Tensor[N, L16]`` and ``Tensor[*B, int]`` apart).  The mypy plugin gives
    ``Linear[L16, L1]``, checked by the last form.
    """

    @overload
    def __call__(self: LastDimMap[int, int], x: Tensor[*B, Dyn]) -> Tensor[*B, Dyn]: ...
    @overload
    def __call__(self: LastDimMap[int, O], x: Tensor[*B, Dyn]) -> Tensor[*B, O]: ...
    @overload
    def __call__(self: LastDimMap[I, int], x: Tensor[*B, I]) -> Tensor[*B, Dyn]: ...
    @overload
    def __call__(self, x: Tensor[*B, I]) -> Tensor[*B, O]: ...
    def __call__(self, x: Tensor[*B, I]) -> Tensor[*B, O]:
        """**Arguments:** ``x`` of shape ``(*B, I)``.  **Returns:** shape ``(*B, O)``."""
        return self._forward(x)

    def _forward(self, x: Tensor[*B, I]) -> Tensor[*B, O]:
        raise NotImplementedError

    def __rshift__(self, other: Layer[O, H]) -> Sequential[I, H]:
        """This module followed by ``other``: one flat ``Sequential[I, H]``."""
        return chain(self, other)


class Sequential(LastDimMap[I, O]):
    """Layers applied one after another: ``Sequential[I, O]`` maps ``(*B, I)`` to ``(*B, O)``.

    The static type connects the layers: ``Sequential(Linear(In(784), Hid(256)),
    ReLU(), Linear(Hid(256), Out(10)))`` is a ``Sequential[In, Out]``, and
    layers in the wrong order are an ``arg-type`` error.  ``a >> b`` builds the
    same chain (one flat ``Sequential``).  Parameters are named by position:
    ``"0.weight"``, ``"2.bias"``.

    **Arguments:** one to ten layers (static typing); at run time any modules
    or callables, convolutions included, which are then typed by the caller.
    """

    layers: list[AnyLayer]

    @overload
    def __init__(self: Sequential[I, O], l1: Layer[I, O], /) -> None: ...
    @overload
    def __init__(self: Sequential[I, O], l1: Layer[I, H1], l2: Layer[H1, O], /) -> None: ...
    @overload
    def __init__(
        self: Sequential[I, O],
        l1: Layer[I, H1],
        l2: Layer[H1, H2],
        l3: Layer[H2, O],
        /,
    ) -> None: ...
    @overload
    def __init__(
        self: Sequential[I, O],
        l1: Layer[I, H1],
        l2: Layer[H1, H2],
        l3: Layer[H2, H3],
        l4: Layer[H3, O],
        /,
    ) -> None: ...
    @overload
    def __init__(
        self: Sequential[I, O],
        l1: Layer[I, H1],
        l2: Layer[H1, H2],
        l3: Layer[H2, H3],
        l4: Layer[H3, H4],
        l5: Layer[H4, O],
        /,
    ) -> None: ...
    @overload
    def __init__(
        self: Sequential[I, O],
        l1: Layer[I, H1],
        l2: Layer[H1, H2],
        l3: Layer[H2, H3],
        l4: Layer[H3, H4],
        l5: Layer[H4, H5],
        l6: Layer[H5, O],
        /,
    ) -> None: ...
    @overload
    def __init__(
        self: Sequential[I, O],
        l1: Layer[I, H1],
        l2: Layer[H1, H2],
        l3: Layer[H2, H3],
        l4: Layer[H3, H4],
        l5: Layer[H4, H5],
        l6: Layer[H5, H6],
        l7: Layer[H6, O],
        /,
    ) -> None: ...
    @overload
    def __init__(
        self: Sequential[I, O],
        l1: Layer[I, H1],
        l2: Layer[H1, H2],
        l3: Layer[H2, H3],
        l4: Layer[H3, H4],
        l5: Layer[H4, H5],
        l6: Layer[H5, H6],
        l7: Layer[H6, H7],
        l8: Layer[H7, O],
        /,
    ) -> None: ...
    @overload
    def __init__(
        self: Sequential[I, O],
        l1: Layer[I, H1],
        l2: Layer[H1, H2],
        l3: Layer[H2, H3],
        l4: Layer[H3, H4],
        l5: Layer[H4, H5],
        l6: Layer[H5, H6],
        l7: Layer[H6, H7],
        l8: Layer[H7, H8],
        l9: Layer[H8, O],
        /,
    ) -> None: ...
    @overload
    def __init__(
        self: Sequential[I, O],
        l1: Layer[I, H1],
        l2: Layer[H1, H2],
        l3: Layer[H2, H3],
        l4: Layer[H3, H4],
        l5: Layer[H4, H5],
        l6: Layer[H5, H6],
        l7: Layer[H6, H7],
        l8: Layer[H7, H8],
        l9: Layer[H8, H9],
        l10: Layer[H9, O],
        /,
    ) -> None: ...
    def __init__(self, *layers: AnyLayer) -> None:
        super().__init__()
        if not layers:
            raise ValueError("Sequential: give at least one layer")
        for i, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(f"Sequential: layer {i} ({type(layer).__name__}) is not callable")
        self.layers = list(layers)

    def _forward(self, x: Tensor[*B, I]) -> Tensor[*B, O]:
        """Apply each layer in turn."""
        y: Tensor[*AnyShape] = x
        for layer in self.layers:
            y = layer(y)
        return y

    def _members(self) -> Iterator[tuple[str, Tensor[*AnyShape] | Module]]:
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Module):
                yield str(i), layer

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[AnyLayer]:
        return iter(self.layers)

    @overload
    def __getitem__(self, index: Literal[0]) -> Layer[I, Dyn]: ...
    @overload
    def __getitem__(self, index: Literal[-1]) -> Layer[Dyn, O]: ...
    @overload
    def __getitem__(self, index: int) -> AnyLayer: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential[Dyn, Dyn]: ...
    def __getitem__(self, index: int | slice) -> AnyLayer | Sequential[Dyn, Dyn]:
        """The layer at ``index``, or the layers of a slice as a ``Sequential``.

        ``seq[0]`` is a ``Layer[I, Dyn]`` and ``seq[-1]`` a ``Layer[Dyn, O]``; other
        positions are untyped (keep your own reference to a layer to keep its type),
        and so is a slice, ``Sequential[Dyn, Dyn]``.  A slice shares the layers
        (and so their parameters) with ``self``, as PyTorch's does.
        """
        if isinstance(index, slice):
            layers = self.layers[index]
            if not layers:
                raise IndexError(
                    f"Sequential: the slice {index} of {len(self.layers)} layers is empty; "
                    "a Sequential holds at least one layer"
                )
            return Sequential(*layers)
        return self.layers[index]

    def __repr__(self) -> str:
        if all(isinstance(layer, Module) for layer in self.layers):
            return super().__repr__()
        lines = [f"  ({i}): " + repr(layer).replace("\n", "\n  ") for i, layer in enumerate(self)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def chain(first: object, second: object) -> Sequential[Dyn, Dyn]:
    """``first >> second`` as one flat ``Sequential`` (the operators' shared body)."""
    layers: list[AnyLayer] = []
    for part in (first, second):
        if isinstance(part, Sequential):
            layers.extend(part.layers)
        elif callable(part):
            layers.append(part)
        else:
            raise TypeError(f">>: {type(part).__name__} is not a layer")
    return Sequential(*layers)
