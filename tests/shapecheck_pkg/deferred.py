"""Annotations that name what is imported for the type checker only, under the import hook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from stag import Tensor

if TYPE_CHECKING:
    from fractions import Fraction

N = TypeVar("N")
I = TypeVar("I")  # the input dim, as in Linear[I, O]
O = TypeVar("O")


def scaled(x: Tensor[N], factor: Fraction, y: Tensor[N]) -> Tensor[N]:
    return x + y


class Scaled(Generic[I, O]):
    weight: Tensor[I, O]
    factor: Fraction

    def __init__(self, weight: Tensor[I, O], factor: Fraction) -> None:
        self.weight = weight
        self.factor = factor

    def __call__(self, x: Tensor[N, I]) -> Tensor[N, O]:
        return x @ self.weight
