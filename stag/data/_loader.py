"""``DataLoader``: an array dataset cut into (optionally shuffled) typed batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import TypeVarTuple

from stag._creation import Generator, default_generator
from stag._dims import AnyShape, Dyn, N, S
from stag._errors import ShapeError
from stag._tensor import Tensor

T = TypeVarTuple("T")
XB = TypeVar("XB")
YB = TypeVar("YB")


class DataLoader(Generic[XB, YB]):
    """Pairs ``(xb, yb)`` of batches of rows of ``x`` and ``y``.

    ``x: Tensor[N, *S]`` and ``y: Tensor[N, *T]`` give batches
    ``Tensor[Dyn, *S]`` and ``Tensor[Dyn, *T]`` of ``batch_size`` rows; the
    last batch holds the rows left over (dropped with ``drop_last=True``).
    With ``shuffle=True`` every pass (every ``iter``) draws a new order from
    ``generator`` (the default generator if None), so a seeded generator gives
    the same epochs.  Numpy arrays are accepted too (batches of unknown shape).
    Batches are new tensors that do not require grad.

    **Arguments:**

    - ``x``, ``y``: the inputs and targets, with the same number of rows.
    - ``batch_size``: rows per batch (>= 1).
    - ``shuffle``: draw a random order each epoch.
    - ``drop_last``: skip the last batch if it is smaller than ``batch_size``.
    - ``generator``: the ``stag.Generator`` that shuffles.
    """

    @overload
    def __init__(
        self: DataLoader[Tensor[Dyn, *S], Tensor[Dyn, *T]],
        x: Tensor[N, *S],
        y: Tensor[N, *T],
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Generator | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: DataLoader[Tensor[*AnyShape], Tensor[*AnyShape]],
        x: npt.NDArray[Any] | Tensor[*AnyShape],
        y: npt.NDArray[Any] | Tensor[*AnyShape],
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Generator | None = None,
    ) -> None: ...
    def __init__(
        self,
        x: npt.NDArray[Any] | Tensor[*AnyShape],
        y: npt.NDArray[Any] | Tensor[*AnyShape],
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Generator | None = None,
    ) -> None:
        self._x = x._data if isinstance(x, Tensor) else np.asarray(x)
        self._y = y._data if isinstance(y, Tensor) else np.asarray(y)
        if self._x.ndim == 0 or self._y.ndim == 0:
            raise ShapeError("DataLoader: x and y need a leading (row) dim, got a 0-d array")
        if len(self._x) != len(self._y):
            raise ShapeError(
                f"DataLoader: x and y have different numbers of rows: "
                f"{self._x.shape} and {self._y.shape}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be an int >= 1, got {batch_size!r}")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    @property
    def num_rows(self) -> int:
        """How many rows the dataset has."""
        return len(self._x)

    def __len__(self) -> int:
        """The number of batches in one pass."""
        n, b = len(self._x), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[XB, YB]]:
        x, y, b = self._x, self._y, self.batch_size
        stop = len(self) * b
        if self.shuffle:
            order = (self.generator or default_generator).rng.permutation(len(x))
            for start in range(0, stop, b):
                idx = order[start : start + b]
                yield _batch(x[idx]), _batch(y[idx])
        else:
            for start in range(0, stop, b):
                yield _batch(x[start : start + b].copy()), _batch(y[start : start + b].copy())


def _batch(data: npt.NDArray[Any]) -> Any:
    return Tensor(data)  # typed by the loader's parameters (the overloads are the proof)
