"""Plain typed functions and a generic module; the import hook adds the checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Literal, NewType, TypeVar, no_type_check, overload

import stag
from stag import Tensor

N = TypeVar("N")
I = TypeVar("I")  # the input dim, as in Linear[I, O]
O = TypeVar("O")
Hidden = NewType("Hidden", int)
L3 = Literal[3]


def dense(x: Tensor[N, I], w: Tensor[I, O], b: Tensor[O]) -> Tensor[N, O]:
    return x @ w + b


def wrong_result(x: Tensor[Hidden, L3]) -> Tensor[Hidden, L3]:
    return x[:1]  # Tensor[Dyn, L3] to mypy; the return check sees 1 row, not Hidden


async def fetched(x: Tensor[N, I]) -> Tensor[N, I]:
    return x


def columns(x: Tensor[N, L3]) -> Iterator[Tensor[N]]:
    yield from x.T


class Linear(Generic[I, O]):
    weight: Tensor[I, O]
    bias: Tensor[O]

    def __init__(self, weight: Tensor[I, O], bias: Tensor[O]) -> None:
        self.weight = weight
        self.bias = bias

    def __call__(self, x: Tensor[N, I]) -> Tensor[N, O]:
        return x @ self.weight + self.bias

    @property
    def transposed(self) -> Tensor[O, I]:
        return self.weight  # type: ignore[return-value]  # wrong on purpose: caught at run time

    @classmethod
    def zeros(cls, i: int, o: int) -> Linear[I, O]:
        w: Tensor[I, O] = stag.zeros(i, o)  # type: ignore[arg-type]  # run-time sizes
        b: Tensor[O] = stag.zeros(o)  # type: ignore[arg-type]  # run-time sizes
        return cls(w, b)


@overload
def first(x: Tensor[L3]) -> Tensor[()]: ...
@overload
def first(x: Tensor[L3, L3]) -> Tensor[L3]: ...
def first(x: Tensor[L3] | Tensor[L3, L3]) -> Tensor[()] | Tensor[L3]:
    return x[0]


@no_type_check
def unchecked(x: Tensor[L3]) -> Tensor[L3]:
    return x
