"""Initialisers: fill a tensor in place with PyTorch's default distributions.

Each takes an optional ``generator=`` (a ``stag.Generator``) so that a model's
initial weights are reproducible; without one the default generator is used
(``stag.manual_seed`` seeds it).  They write inside ``stag.no_grad()``, so
they work on parameters, and return the tensor they filled.

**Fans.**  A 2-d weight is in stag's ``(in, out)`` layout (``x @ W``), the
transpose of PyTorch's: ``fan_in = shape[0]``, ``fan_out = shape[1]``.  A
weight of rank 3 or more is in PyTorch's convolution layout
``(out, in, *kernel)``: ``fan_in = shape[1] * prod(kernel)``,
``fan_out = shape[0] * prod(kernel)``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from stag._autograd import no_grad
from stag._creation import Generator, default_generator
from stag._dims import S
from stag._errors import ShapeError
from stag._tensor import Tensor

FanMode = Literal["fan_in", "fan_out"]


def calculate_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape`` (see the module docstring for layouts).

    **Arguments:** ``shape``, of rank 2 or more.
    **Returns:** the two fans as ints.
    """
    if len(shape) < 2:
        raise ShapeError(f"calculate_fans: expected a weight of rank >= 2, got shape {shape}")
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain PyTorch recommends for ``nonlinearity`` (``"relu"``, ``"tanh"``, ...)."""
    if nonlinearity in ("linear", "sigmoid", "conv1d", "conv2d", "conv3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fill(tensor: Tensor[*S], values: npt.NDArray[Any]) -> Tensor[*S]:
    with no_grad():
        tensor.copy_(Tensor(values.astype(tensor.dtype, copy=False)))
    return tensor


def _shape(tensor: Tensor[*S]) -> tuple[int, ...]:
    return tensor._data.shape


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).rng


def uniform_(
    tensor: Tensor[*S], a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None
) -> Tensor[*S]:
    """Fill ``tensor`` with samples of U(a, b).

    **Arguments:** ``tensor`` of any shape; the bounds ``a < b``; ``generator``.
    **Returns:** ``tensor`` itself.
    """
    return _fill(tensor, _rng(generator).uniform(a, b, _shape(tensor)))


def normal_(
    tensor: Tensor[*S], mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None
) -> Tensor[*S]:
    """Fill ``tensor`` with samples of N(mean, std**2).

    **Returns:** ``tensor`` itself.
    """
    return _fill(tensor, _rng(generator).normal(mean, std, _shape(tensor)))


def zeros_(tensor: Tensor[*S]) -> Tensor[*S]:
    """Fill ``tensor`` with zeros.  **Returns:** ``tensor`` itself."""
    return _fill(tensor, np.zeros(_shape(tensor)))


def ones_(tensor: Tensor[*S]) -> Tensor[*S]:
    """Fill ``tensor`` with ones.  **Returns:** ``tensor`` itself."""
    return _fill(tensor, np.ones(_shape(tensor)))


def kaiming_uniform_(
    tensor: Tensor[*S],
    a: float = 0.0,
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    generator: Generator | None = None,
) -> Tensor[*S]:
    """He initialisation: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    ``a = sqrt(5)`` (what ``Linear`` uses, as PyTorch does) gives
    ``bound = 1 / sqrt(fan_in)``.

    **Arguments:**
    - ``tensor``: a weight of rank >= 2.
    - ``a``: the negative slope of the leaky ReLU that follows.
    - ``mode``: ``"fan_in"`` (preserve forward variance) or ``"fan_out"``.
    - ``nonlinearity``: passed to ``calculate_gain``.
    **Returns:** ``tensor`` itself.
    """
    fan_in, fan_out = calculate_fans(tuple(_shape(tensor)))
    fan = fan_in if mode == "fan_in" else fan_out
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_uniform_(
    tensor: Tensor[*S], gain: float = 1.0, *, generator: Generator | None = None
) -> Tensor[*S]:
    """Glorot initialisation: U(-bound, bound), ``bound = gain * sqrt(6 / (fan_in + fan_out))``.

    **Returns:** ``tensor`` itself.
    """
    fan_in, fan_out = calculate_fans(tuple(_shape(tensor)))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator=generator)
