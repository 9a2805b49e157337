"""How a checked call runs: the frames it keeps on the stack, coroutines, generators."""

from collections.abc import Callable
from typing import TypeVar

import pytest

import stag
from stag import Tensor

N = TypeVar("N")


def deepest(decorate: Callable[[Callable[..., Tensor[N]]], Callable[..., Tensor[N]]]) -> int:
    """How deep ``down`` recurses, decorated by ``decorate``, before RecursionError."""
    reached = [0]

    def down(n: int, x: Tensor[N]) -> Tensor[N]:  # an int for beartype, a tensor for stag
        reached[0] = n
        return step(n + 1, x)

    step = decorate(down)
    with pytest.raises(RecursionError):
        step(0, stag.zeros(2))
    return reached[0]


def test_a_checked_call_keeps_two_frames_on_the_stack_while_the_function_runs() -> None:
    """The wrapper calls the function itself, after the argument checks and before the result's.

    Two frames per level (the wrapper's and the function's) reach 49.8% of the plain
    depth (478 of 959 levels under pytest, 497 of 997 at top level); with the checker's
    call and beartype's wrapper between them it was 24.9%.
    """
    plain = deepest(lambda fn: fn)
    checked = deepest(stag.shapecheck)
    assert checked >= 0.49 * plain, (plain, checked)
