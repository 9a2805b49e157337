"""Average pooling of NCHW images: ``avg_pool2d``, ``adaptive_avg_pool2d`` and their modules.

Channels are kept in the type; a pooled height and width are ``Dyn`` (annotate the
result), except ``adaptive_avg_pool2d(x, 1)`` (global average pooling), which is
typed ``(N, C, Literal[1], Literal[1])``.  ``avg_pool2d`` is a primitive
(``stag._ops.pool``); ``adaptive_avg_pool2d`` is a mean over a reshape when the
output size divides the input's, and two matmuls with bin-averaging matrices
(PyTorch's bins) otherwise.
"""

from __future__ import annotations

from typing import Generic, Literal, overload

import numpy as np
from typing_extensions import TypeVar as DefaultTypeVar

from stag._backends import like
from stag._dims import AnyShape, Dyn, N
from stag._errors import ShapeError
from stag._operands import expect_tensor, sizes
from stag._ops import pool as ops
from stag._ops.pool import Pair
from stag._tensor import Tensor, apply
from stag.nn._conv_functional import C, H, IntPair, W, int_pair
from stag.nn._module import Module

L1 = Literal[1]
#: an adaptive pool's output size as its type knows it: ``Literal[1]`` or ``int`` (``Dyn``)
O = DefaultTypeVar("O", default=int)
OutputSize = int | None | tuple[int | None, int | None]


def avg_pool2d(
    x: Tensor[N, C, H, W],
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
) -> Tensor[N, C, Dyn, Dyn]:
    """The mean of each ``kernel_size`` window, as PyTorch's (zero padding counts in it).

    **Arguments:**
    - ``x``: ``(N, C, H, W)``, float.
    - ``kernel_size``: an int or ``(kH, kW)``.
    - ``stride``: an int or ``(sH, sW)``; defaults to ``kernel_size``.
    - ``padding``: zeros on each side, an int or ``(pH, pW)``, at most half the kernel.

    **Returns:** ``(N, C, (H + 2pH - kH) // sH + 1, (W + 2pW - kW) // sW + 1)``.
    """
    _check_float("avg_pool2d", x)
    kernel, strides, pads = window("avg_pool2d", kernel_size, stride, padding)
    problem = ops.avg_pool2d_problem(sizes(x), kernel, pads)
    if problem is not None:
        raise ShapeError(problem)
    return apply(ops.avg_pool2d, x, kernel=kernel, stride=strides, padding=pads)


@overload
def adaptive_avg_pool2d(
    x: Tensor[N, C, H, W], output_size: L1 | tuple[L1, L1]
) -> Tensor[N, C, L1, L1]: ...
@overload
def adaptive_avg_pool2d(
    x: Tensor[N, C, H, W], output_size: OutputSize
) -> Tensor[N, C, Dyn, Dyn]: ...
def adaptive_avg_pool2d(x: Tensor[N, C, H, W], output_size: OutputSize) -> Tensor[N, C, Dyn, Dyn]:
    """Average pooling to a given output size, whatever the input's, as PyTorch's.

    Output cell ``i`` of a dim of size ``S`` pooled to ``O`` averages the input cells
    ``floor(i * S / O)`` to ``ceil((i + 1) * S / O)`` (excluded): equal windows when
    ``O`` divides ``S``, overlapping ones otherwise.

    **Arguments:** ``x`` of shape ``(N, C, H, W)``, float; ``output_size``, an int or
    ``(oH, oW)``, where None keeps that input size.
    **Returns:** ``(N, C, oH, oW)``; ``output_size=1`` is typed ``(N, C, L1, L1)``.
    """
    _check_float("adaptive_avg_pool2d", x)
    if x.ndim != 4:
        raise ShapeError(
            f"adaptive_avg_pool2d: expected a 4-d input (N, C, H, W), got shape {x.shape}"
        )
    n, c, h, w = x._data.shape
    oh, ow = _output_hw(output_size, (h, w))
    if h % oh == 0 and w % ow == 0:
        windows: Tensor[*AnyShape] = x.reshape(n, c, oh, h // oh, ow, w // ow)
        return windows.mean((3, 5))
    cols: Tensor[Dyn, Dyn] = Tensor(like(_bin_matrix(w, ow, x.dtype).T, x._data))  # (W, oW)
    rows: Tensor[Dyn, Dyn] = Tensor(like(_bin_matrix(h, oh, x.dtype).T, x._data))  # (H, oH)
    pooled: Tensor[*AnyShape] = (x @ cols).swapaxes(-1, -2) @ rows  # (N, C, oW, oH)
    return pooled.swapaxes(-1, -2)


def window(
    name: str, kernel_size: IntPair, stride: IntPair | None, padding: IntPair
) -> tuple[Pair, Pair, Pair]:
    """A pooling window's kernel, stride (the kernel by default) and padding, as pairs."""
    kernel = int_pair(name, "kernel_size", kernel_size, 1)
    strides = kernel if stride is None else int_pair(name, "stride", stride, 1)
    return kernel, strides, int_pair(name, "padding", padding, 0)


def _output_hw(output_size: OutputSize, hw: tuple[int, int]) -> tuple[int, int]:
    pair = output_size if isinstance(output_size, tuple) else (output_size, output_size)
    if len(pair) != 2 or not all(
        v is None or (isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 1)
        for v in pair
    ):
        raise ValueError(
            "adaptive_avg_pool2d: output_size must be an int >= 1, None, or a pair of them, "
            f"got {output_size!r}"
        )
    return hw[0] if pair[0] is None else int(pair[0]), hw[1] if pair[1] is None else int(pair[1])


def _bin_matrix(size: int, out: int, dtype: np.dtype[np.generic]) -> np.ndarray:
    """``(out, size)``: row ``i`` averages PyTorch's bin ``i`` of a dim of ``size`` cells."""
    matrix = np.zeros((out, size), dtype)
    for i in range(out):
        lo, hi = i * size // out, -(-(i + 1) * size // out)
        matrix[i, lo:hi] = 1.0 / (hi - lo)
    return matrix


def _check_float(name: str, x: Tensor[*AnyShape]) -> None:
    expect_tensor(name, x)
    if x.dtype.kind != "f":
        raise TypeError(
            f"{name}: expected a float tensor, got dtype {x.dtype}; "
            "convert it with x.astype(np.float32)"
        )


class Pool2d(Module):
    """What ``MaxPool2d`` and ``AvgPool2d`` share: their window, checked when made, and repr.

    The window is ``kernel_size``, ``stride`` (``kernel_size`` by default) and
    ``padding``, each an int or a pair, held as pairs.
    """

    def __init__(
        self, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = window(
            type(self).__name__, kernel_size, stride, padding
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Pool2d):
    """The mean of each window of NCHW images, per channel, as PyTorch's ``nn.AvgPool2d``.

    **Arguments:**
    - ``kernel_size``: an int or ``(kH, kW)``.
    - ``stride``: an int or ``(sH, sW)``; defaults to ``kernel_size``.
    - ``padding``: zeros on each side (counted in the mean), at most half the kernel.

    Called on ``x`` of shape ``(N, C, H, W)``.  **Returns:** ``(N, C, H', W')``.
    """

    def __call__(self, x: Tensor[N, C, H, W]) -> Tensor[N, C, Dyn, Dyn]:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module, Generic[O]):
    """Average pooling of NCHW images to ``output_size``, as PyTorch's ``nn.AdaptiveAvgPool2d``.

    ``AdaptiveAvgPool2d(1)`` (global average pooling) is an ``AdaptiveAvgPool2d[L1]``
    whose output is typed ``(N, C, L1, L1)``; other sizes give an
    ``AdaptiveAvgPool2d[int]`` with ``Dyn`` output sizes.

    **Arguments:** ``output_size``, an int or ``(oH, oW)`` (None keeps that size).
    Called on ``x`` of shape ``(N, C, H, W)``.  **Returns:** ``(N, C, oH, oW)``.
    """

    @overload
    def __init__(self: AdaptiveAvgPool2d[L1], output_size: L1 | tuple[L1, L1]) -> None: ...
    @overload
    def __init__(self: AdaptiveAvgPool2d[int], output_size: OutputSize) -> None: ...
    def __init__(self, output_size: OutputSize) -> None:
        super().__init__()
        _output_hw(output_size, (1, 1))  # fail here, not at the first call
        self.output_size = output_size

    @overload
    def __call__(self: AdaptiveAvgPool2d[L1], x: Tensor[N, C, H, W]) -> Tensor[N, C, L1, L1]: ...
    @overload
    def __call__(self: AdaptiveAvgPool2d[int], x: Tensor[N, C, H, W]) -> Tensor[N, C, Dyn, Dyn]: ...
    def __call__(self, x: Tensor[N, C, H, W]) -> Tensor[N, C, Dyn, Dyn]:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
