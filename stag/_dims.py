"""Dimensions: the three kinds a shape is made of.

* ``Literal[784]`` - a size known when the code is written.
* a named dim, ``Batch = NewType("Batch", int)`` - a size fixed at run time,
  the same wherever the name appears in one signature; make a value with
  ``Batch(len(data))`` and pass it where a dim is expected.
* ``Dyn`` - the escape hatch: a size nobody states.  It is ``Any`` on purpose,
  so that mypy and pyright both accept it against every other dim (gradual
  typing); a ``Dyn`` dim is checked at run time only.  ``Tensor[*AnyShape]``
  is a tensor whose rank is unknown too (what ``stag.tensor(array)`` returns
  before you state the shape).  Plain ``int`` is *not* an unknown dim: mypy
  and pyright disagree on it.

``Tensor.assert_shape(*dims)`` turns a ``Dyn`` shape into a stated one,
checking it at run time.

A fourth, built from the others: ``Prod[H, D]``, the dim whose size is ``H`` times
``D`` (``C = H * D`` of multi-head attention), made with ``Prod(h, d)``.
"""

from __future__ import annotations

import operator
from typing import Any, Generic, Literal, SupportsIndex, TypeAlias, TypeVar

from typing_extensions import TypeVarTuple

Dyn: TypeAlias = Any
"""A dim whose size is known only at run time and not named."""

AnyShape: TypeAlias = tuple[Any, ...]
"""Any number of ``Dyn`` dims: ``Tensor[*AnyShape]`` is a tensor of unknown shape."""

L1: TypeAlias = Literal[1]


# --------------------------------------------------------- the shape algebra's variables
# Shared by the typed modules (``Tensor[*Shape]``, ``Tensor[*B, M, K]``, ...): a type
# variable means nothing outside the signature that uses it, so one set serves all.
Shape = TypeVarTuple("Shape")
B = TypeVarTuple("B")
S = TypeVarTuple("S")
M = TypeVar("M")
K = TypeVar("K")
N = TypeVar("N")
P = TypeVar("P")


F1 = TypeVar("F1")
F2 = TypeVar("F2")


class Prod(int, Generic[F1, F2]):
    """The dim whose size is the product of two dims: ``Prod[Heads, HeadDim]``.

    ``Prod(h, d)`` is the int ``h * d``, typed ``Prod[Heads, HeadDim]`` for ``h: Heads``
    and ``d: HeadDim``: pass it where a dim goes (``nn.Linear(c, Prod(3, c))``,
    ``stag.zeros(n, Prod(h, d))``).  With the mypy plugin, a reshape between
    ``(B, T, Prod[H, D])`` and ``(B, T, H, D)`` checks that the sizes agree, and
    ``Prod`` of two literal sizes is their product (``Prod[L3, L4]`` is ``Literal[12]``);
    other checkers see a named dim of its own, whose relation to ``H`` and ``D`` is
    left to the run-time check (``@stag.shapecheck`` verifies ``Prod[H, D]`` against
    the sizes bound to ``H`` and ``D``).
    """

    def __new__(cls, first: F1, second: F2) -> Prod[F1, F2]:
        return super().__new__(cls, _size(first) * _size(second))


def _size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise TypeError(f"Prod: a size must be an int, got {value!r}")
    size = operator.index(value)
    if size < 0:
        raise ValueError(f"Prod: a size must be >= 0, got {size}")
    return size
