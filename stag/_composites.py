"""Ops written from primitives at the facade: the methods that generated code names by
``impl`` (``Tensor.var``, ``std``, ``norm``), with their argument checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stag._dims import AnyShape
from stag._ops import reduce

if TYPE_CHECKING:
    from stag._tensor import Axis, Tensor


def variance(x: Tensor[*AnyShape], axis: Axis, keepdims: bool, ddof: int) -> Tensor[*AnyShape]:
    """``Tensor.var``: the mean of squared deviations, ``ddof`` taken from the count."""
    centered = x - _tensor.apply(reduce.mean, x, axis=axis, keepdims=True)
    squares = _tensor.apply(reduce.sum, centered * centered, axis=axis, keepdims=keepdims)
    count = reduce.count(x._data.shape, axis)
    return squares / float(count - ddof)


# Last: _tensor imports this module's names at its top, and this module needs the Tensor
# class only when called.  Imported here, after every definition, the cycle resolves in
# either order of first import.
from stag import _tensor
