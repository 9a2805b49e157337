"""``DataLoader``: an array dataset cut into (optionally shuffled) typed batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import TypeVarTuple

from stag._backends import copy, like, namespace
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
    - ``rank``, ``world_size``: this process's shard in data-parallel training
      (``stag.distributed``): each global batch is ``world_size`` batches side by side,
      and rank ``r`` takes the ``r``-th.  Every rank must shuffle with an equally seeded
      generator (one order for all), and ``drop_last=True`` is required when
      ``world_size > 1``, so that all ranks take the same number of equal batches.
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
        *,
        rank: int = 0,
        world_size: int = 1,
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
        *,
        rank: int = 0,
        world_size: int = 1,
    ) -> None: ...
    def __init__(
        self,
        x: npt.NDArray[Any] | Tensor[*AnyShape],
        y: npt.NDArray[Any] | Tensor[*AnyShape],
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Generator | None = None,
        *,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        self._x = x._data if isinstance(x, Tensor) else np.asarray(x)
        self._y = y._data if isinstance(y, Tensor) else np.asarray(y)
        if self._x.ndim == 0 or self._y.ndim == 0:
            raise ShapeError("DataLoader: x and y need a leading (row) dim, got a 0-d array")
        if self._x.shape[0] != self._y.shape[0]:
            raise ShapeError(
                f"DataLoader: x and y have different numbers of rows: "
                f"{self._x.shape} and {self._y.shape}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be an int >= 1, got {batch_size!r}")
        _check_shard(rank, world_size, drop_last)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator
        self.rank = rank
        self.world_size = world_size

    @property
    def num_rows(self) -> int:
        """How many rows the dataset has."""
        return int(self._x.shape[0])

    def __len__(self) -> int:
        """The number of batches in one pass (the same on every rank)."""
        n, b = self.num_rows, self.batch_size * self.world_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[XB, YB]]:
        x, y, b = self._x, self._y, self.batch_size
        step = b * self.world_size  # one global batch: every rank's batch side by side
        mine = self.rank * b  # where this rank's rows start in a global batch
        stop = len(self) * step
        if self.shuffle:
            order = (self.generator or default_generator).rng.permutation(self.num_rows)
            for start in range(mine, stop, step):
                idx = order[start : start + b]
                yield _batch(_rows(x, idx)), _batch(_rows(y, idx))
        else:
            for start in range(mine, stop, step):
                yield _batch(copy(x[start : start + b])), _batch(copy(y[start : start + b]))


def _check_shard(rank: int, world_size: int, drop_last: bool) -> None:
    """A rank in ``[0, world_size)``; equal batches on every rank when there are several."""
    for name, value in (("rank", rank), ("world_size", world_size)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"DataLoader: {name} must be an int, got {value!r}")
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(
            f"DataLoader: expected 0 <= rank < world_size, got rank {rank} and world_size "
            f"{world_size}"
        )
    if world_size > 1 and not drop_last:
        raise ValueError(
            "DataLoader: with world_size > 1 pass drop_last=True: every rank must take the "
            "same number of equal batches (a smaller last batch would weigh its rows "
            "differently once the gradients are averaged)"
        )


def _rows(data: npt.NDArray[Any], idx: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The rows ``idx`` of ``data`` (a copy), in ``data``'s library."""
    if type(data) is np.ndarray:
        picked: npt.NDArray[Any] = data[idx]
        return picked
    rows: npt.NDArray[Any] = namespace("DataLoader", data).take(data, like(idx, data), axis=0)
    return rows


def _batch(data: npt.NDArray[Any]) -> Any:
    return Tensor(data)  # typed by the loader's parameters (the overloads are the proof)
