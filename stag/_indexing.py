"""What ``Tensor.__getitem__`` accepts, checked before numpy sees it.

numpy's basic indexing (ints, slices, ``...``, ``None`` and tuples of them) gives a view
and numpy's result; integer arrays (advanced indexing: a gather, an embedding lookup)
follow numpy too, including negative indices.  Every form is checked here first, so a
mistake is a clear error that names the index, the axis and the shape, never a
plausible wrong value: an int or an id out of range is an ``IndexError`` (as in numpy
and PyTorch), a form stag does not support (a float, a bool, a boolean mask, a string)
is a ``TypeError`` that says what to write instead.
"""

from __future__ import annotations

from collections.abc import Callable
from types import EllipsisType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from stag._backends import to_numpy

Array = npt.NDArray[Any]


class Index(NamedTuple):
    """An index numpy will read as its user meant: ``basic`` ones never repeat an element."""

    items: tuple[Any, ...]
    basic: bool


def check_index(
    shape: tuple[int, ...],
    index: object,
    unwrap: Callable[[object], object],
    masks: bool = False,
) -> Index:
    """The index as numpy should see it, or a clear error.

    ``unwrap`` turns an index tensor into its array (and leaves anything else alone).
    ``masks``: accept boolean masks (an assignment ``t[t < 0] = 0`` keeps the shape).
    """
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(_item(unwrap(item), masks) for item in items)
    consumed = sum(_axes_used(item) for item in items)
    if consumed > len(shape):
        raise IndexError(
            f"getitem: too many indices for a tensor of shape {shape}: "
            f"{_describe(index)} indexes {consumed} axes"
        )
    ellipses = sum(item is Ellipsis for item in items)
    if ellipses > 1:
        raise IndexError(f"getitem: an index can only have one '...', got {_describe(index)}")
    _check_ranges(shape, items, len(shape) - consumed)
    basic = not any(isinstance(item, np.ndarray) for item in items)
    return Index(items, basic)


def _item(item: object, masks: bool) -> object:
    """One element of an index, checked: an int, a slice, ``...``, ``None`` or an int array."""
    if isinstance(item, bool | np.bool_):
        raise TypeError(
            f"getitem: a bool index ({item!r}) is not supported; write t[None] or "
            "t.unsqueeze(0) to add an axis"
        )
    if isinstance(item, int | np.integer):
        return int(item)
    if item is None or item is Ellipsis:
        return item
    if isinstance(item, slice):
        return _slice(item)
    if isinstance(item, np.ndarray | list):
        array = np.asarray(item)
        return array if masks and array.dtype.kind == "b" else _int_array(array)
    raise TypeError(
        f"getitem: cannot index with {type(item).__name__} ({item!r}); an index is an int, "
        "a slice, ..., None, an integer tensor, or a tuple of them"
    )


def _slice(item: slice) -> slice:
    for part in (item.start, item.stop, item.step):
        if part is not None and (isinstance(part, bool) or not isinstance(part, int | np.integer)):
            raise TypeError(f"getitem: slice bounds must be ints or None, got {item!r}")
    if item.step == 0:
        raise ValueError("getitem: a slice step cannot be zero")
    return item


def _int_array(array: Array) -> Array:
    if array.dtype.kind == "b":
        raise TypeError(
            "getitem: an index of bools (a mask) is not supported: the result's length "
            "would depend on the values; use x.masked_select(mask) for the selected "
            "elements, or stag.where(mask, x, 0) to keep the shape"
        )
    if array.dtype.kind not in "iu":
        raise TypeError(f"getitem: an index array must hold integers, got dtype {array.dtype}")
    return array


def _axes_used(item: object) -> int:
    if isinstance(item, np.ndarray) and item.dtype.kind == "b":
        return item.ndim  # a mask spans as many axes as it has
    return 0 if item is None or item is Ellipsis else 1


def _check_ranges(shape: tuple[int, ...], items: tuple[Any, ...], spanned: int) -> None:
    """An ``IndexError`` for an int or an id outside its axis (``...`` spans ``spanned``)."""
    axis = 0
    for item in items:
        if item is Ellipsis:
            axis += spanned
        elif isinstance(item, np.ndarray) and item.dtype.kind == "b":
            _check_mask(item, axis, shape)
            axis += item.ndim
        elif item is not None:
            if not isinstance(item, slice):
                _check_range(item, axis, shape)
            axis += 1


def _check_range(item: int | Array, axis: int, shape: tuple[int, ...]) -> None:
    size = shape[axis]
    if isinstance(item, int):
        low = high = item
    elif item.size:
        low, high = int(item.min()), int(item.max())
    else:
        return
    bad = low if low < -size else high if high >= size else None
    if bad is not None:
        raise IndexError(
            f"getitem: index {bad} is out of range for axis {axis} of size {size} "
            f"(shape {shape}); valid indices are {-size}..{size - 1}"
        )


def _check_mask(mask: Array, axis: int, shape: tuple[int, ...]) -> None:
    covered = shape[axis : axis + mask.ndim]
    if mask.shape != covered:
        raise IndexError(
            f"setitem: a mask of shape {mask.shape} for axes {axis}..{axis + mask.ndim - 1} of "
            f"shape {shape}, which have sizes {covered}"
        )


def _describe(index: object) -> str:
    return repr(index) if isinstance(index, tuple) else f"[{index!r}]"


def check_ids(name: str, ids: Array, size: int, what: str = "id") -> None:
    """An ``IndexError`` unless every id lies in ``[0, size)``: an embedding's ids, labels.

    Unlike an index, an id of -1 is not the last row: it is an error, as in PyTorch.
    """
    ids = to_numpy(ids)  # another library's ids are checked on the host
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name}: {what}s must be integers, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        bad = int(ids.min()) if ids.min() < 0 else int(ids.max())
        raise IndexError(f"{name}: {what} {bad} is out of range: {what}s must lie in [0, {size})")


IndexItem = int | slice | EllipsisType | None
"""One element of a basic index (typed; integer tensors are their own overloads)."""
