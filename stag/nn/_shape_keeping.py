"""Layers whose output has their input's shape: activations, ``Dropout``, ``Identity``.

Each is a ``Layer[N, N]`` for every ``N`` (``Sequential`` chains it anywhere) and is
typed ``Tensor[*S] -> Tensor[*S]``.
"""

from __future__ import annotations

from typing import Literal, Never, TypeVar

from stag._creation import Generator
from stag._dims import N, S
from stag._pytorch_names import refuse_keywords
from stag._tensor import Tensor
from stag.nn import functional as F
from stag.nn._module import Module
from stag.nn._sequential import Layer, Sequential, chain

H = TypeVar("H")


class _ShapeKeeping(Module):
    """A layer whose output has its input's shape: a ``Layer[N, N]`` for every ``N``."""

    def __rshift__(self, other: Layer[N, H]) -> Sequential[N, H]:
        """This layer followed by ``other``."""
        return chain(self, other)


class Identity(_ShapeKeeping):
    """The identity: returns its input, as PyTorch's ``nn.Identity``.

    A placeholder where a layer is optional (``norm = LayerNorm(d) if use_norm else
    Identity()``).  Like PyTorch's, it ignores any constructor arguments, so it can
    stand in for a layer class: ``norm_layer(d)``.

    **Arguments:** ``x`` of any shape.  **Returns:** ``x`` itself.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return x


class ReLU(_ShapeKeeping):
    """``max(x, 0)`` elementwise.  **Arguments:** ``x`` of any shape.  **Returns:** its shape."""

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return x.relu()


class Tanh(_ShapeKeeping):
    """``tanh(x)`` elementwise.  **Arguments:** ``x`` of any shape.  **Returns:** its shape."""

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return x.tanh()


class Sigmoid(_ShapeKeeping):
    """``1 / (1 + exp(-x))`` elementwise.  **Returns:** a tensor of ``x``'s shape."""

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return x.sigmoid()


class GELU(_ShapeKeeping):
    """GELU, exact (erf) by default as PyTorch's; ``GELU(approximate="tanh")`` for the tanh form.

    **Arguments:** ``approximate``, ``"none"`` or ``"tanh"``.  Called on ``x`` of any
    shape.  **Returns:** a tensor of ``x``'s shape.
    """

    def __init__(self, approximate: Literal["none", "tanh"] = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate: Literal["none", "tanh"] = approximate

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(_ShapeKeeping):
    """Softmax along ``axis`` (the last by default).

    **Arguments:** ``axis``.  Called on ``x`` of any shape.
    **Returns:** probabilities of ``x``'s shape, summing to 1 along ``axis``.
    """

    def __init__(self, axis: int = -1, **pytorch: Never) -> None:
        if pytorch:  # nn.Softmax(dim=1): an error naming axis (a type error too)
            refuse_keywords("Softmax", pytorch)
        super().__init__()
        self.axis = axis

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return F.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Dropout(_ShapeKeeping):
    """Zero each element with probability ``p`` in training mode, scaling the rest by 1/(1-p).

    The identity in evaluation mode (``model.eval()``).

    **Arguments:** ``p`` in [0, 1]; ``generator``, a ``stag.Generator`` for
    reproducible masks (the default generator when None).
    Called on ``x`` of any shape.  **Returns:** a tensor of ``x``'s shape.
    """

    def __init__(self, p: float = 0.5, *, generator: Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must lie in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"
