"""Convolution and pooling layers on NCHW images.

Channels are part of the type: ``Conv2d[Ci, Co]`` maps ``Tensor[N, Ci, H, W]``
to ``Tensor[N, Co, Dyn, Dyn]``, so a wrong number of input channels is a type
error.  The kernel size, stride and padding are three more type parameters,
``Conv2d[Ci, Co, K, S, P]`` and ``MaxPool2d[K, S, P]``, which default to ``Dyn``:
the mypy plugin fills them from literal constructor arguments
(``Conv2d(1, 8, 3, padding=1)`` is a ``Conv2d[L1, L8, L3, L1, L1]``) and then
computes a call's output height and width.  Without the plugin (and under pyright)
they stay ``Dyn``, and so do the output's spatial sizes: annotate the result,
``y: Tensor[Batch, L8, L26, L26] = conv(x)``.
"""

from __future__ import annotations

import math
from typing import Generic, overload

from typing_extensions import TypeVar as DefaultTypeVar

from stag._creation import Generator
from stag._dims import Dyn, N
from stag._tensor import Tensor
from stag.nn import init
from stag.nn._conv_functional import (
    C,
    Ci,
    Co,
    H,
    IntPair,
    PaddingArg,
    W,
    conv2d,
    int_pair,
    max_pool2d,
    padding_pairs,
)
from stag.nn._layers import DType, check_size, parameter
from stag.nn._module import Module
from stag.nn._pooling import Pool2d

# Kernel size, stride, padding: what the constructor was given (`Literal[3]`,
# `tuple[Literal[1], Literal[2]]`, `Literal["same"]`), filled by the mypy plugin only.
K = DefaultTypeVar("K", default=Dyn)
S = DefaultTypeVar("S", default=Dyn)
P = DefaultTypeVar("P", default=Dyn)


class Conv2d(Module, Generic[Ci, Co, K, S, P]):
    """A 2-d convolution (cross-correlation, as PyTorch's) of NCHW images, plus a bias.

    ``weight`` has PyTorch's layout ``(out_channels, in_channels, kH, kW)``.  Weight
    and bias start as U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    ``fan_in = in_channels * kH * kW``: PyTorch's default (``kaiming_uniform_``
    with ``a=sqrt(5)``).

    **Arguments:**
    - ``in_channels``: ``Ci`` (a dim value: ``L3(3)``, ``3``).
    - ``out_channels``: ``Co``.
    - ``kernel_size``: an int or ``(kH, kW)``.
    - ``stride``: an int or ``(sH, sW)``.
    - ``padding``: an int, ``(pH, pW)``, ``"valid"`` or ``"same"`` (stride 1 only).
    - ``bias``: whether to add a learned bias.
    - ``generator``: a ``stag.Generator`` for the init; ``dtype``: float32 unless given.

    ``K, S, P`` record ``kernel_size``, ``stride`` and ``padding`` for the mypy plugin,
    which computes the output's ``H', W'`` from them; they default to ``Dyn``, so
    ``Conv2d[Ci, Co]`` is the whole annotation where the sizes are not wanted.
    """

    weight: Tensor[Co, Ci, Dyn, Dyn]
    bias: Tensor[Co] | None

    def __init__(
        self,
        in_channels: Ci,
        out_channels: Co,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: PaddingArg = 0,
        bias: bool = True,
        *,
        generator: Generator | None = None,
        dtype: DType | None = None,
    ) -> None:
        super().__init__()
        self.in_channels = check_size("Conv2d", "in_channels", in_channels)
        self.out_channels = check_size("Conv2d", "out_channels", out_channels)
        self.kernel_size = int_pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = int_pair("Conv2d", "stride", stride, 1)
        padding_pairs("Conv2d", padding, self.kernel_size, self.stride)  # fail here, not later
        self.padding = (
            padding if isinstance(padding, str) else int_pair("Conv2d", "padding", padding, 0)
        )
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = parameter(shape, dtype)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        self.bias = None
        if bias:
            self.bias = parameter((self.out_channels,), dtype)
            bound = 1 / math.sqrt(self.in_channels * math.prod(self.kernel_size))
            init.uniform_(self.bias, -bound, bound, generator=generator)

    # Channels whose type is plain `int` (pyright's `Conv2d(1, 8, 3)`) are unknown: see Linear.
    @overload
    def __call__(
        self: Conv2d[int, int, K, S, P], x: Tensor[N, Dyn, H, W]
    ) -> Tensor[N, Dyn, Dyn, Dyn]: ...
    @overload
    def __call__(
        self: Conv2d[int, Co, K, S, P], x: Tensor[N, Dyn, H, W]
    ) -> Tensor[N, Co, Dyn, Dyn]: ...
    @overload
    def __call__(
        self: Conv2d[Ci, int, K, S, P], x: Tensor[N, Ci, H, W]
    ) -> Tensor[N, Dyn, Dyn, Dyn]: ...
    @overload
    def __call__(self, x: Tensor[N, Ci, H, W]) -> Tensor[N, Co, Dyn, Dyn]: ...
    def __call__(self, x: Tensor[N, Ci, H, W]) -> Tensor[N, Co, Dyn, Dyn]:
        """**Arguments:** ``x`` of shape ``(N, Ci, H, W)``.  **Returns:** ``(N, Co, H', W')``."""
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )


class MaxPool2d(Pool2d, Generic[K, S, P]):
    """The maximum of each window of NCHW images, per channel, as PyTorch's.

    **Arguments:**
    - ``kernel_size``: an int or ``(kH, kW)``.
    - ``stride``: an int or ``(sH, sW)``; defaults to ``kernel_size``.
    - ``padding``: an int or ``(pH, pW)`` of ``-inf``, at most half the kernel.

    ``K, S, P`` are for the mypy plugin, as ``Conv2d``'s; a bare ``MaxPool2d`` is
    ``MaxPool2d[Dyn, Dyn, Dyn]``.
    """

    def __call__(self, x: Tensor[N, C, H, W]) -> Tensor[N, C, Dyn, Dyn]:
        """**Arguments:** ``x`` of shape ``(N, C, H, W)``.  **Returns:** ``(N, C, H', W')``."""
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)
