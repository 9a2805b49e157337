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
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias, TypeVar

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
