"""``BatchNorm1d`` and ``BatchNorm2d``: per-channel normalisation with running statistics.

PyTorch's modules, state names and formulas: in training mode each channel is
normalised with the batch's mean and biased variance, and the buffers
``running_mean`` / ``running_var`` move towards the batch's mean and *unbiased*
variance by ``momentum`` (``None``: a cumulative average over
``num_batches_tracked`` batches); in evaluation mode the running statistics are
used.  The buffers are tensors without grad, so ``state_dict()``, ``stag.save``
and ``stag.load`` carry them.  ``C`` (the channel count) is part of the type;
the other dims are kept as they come.
"""

from __future__ import annotations

from typing import Generic, TypeVar, overload

import numpy as np

from stag._backends import place
from stag._creation import float_dtype
from stag._dims import AnyShape, Dyn, N
from stag._errors import ShapeError
from stag._tensor import Tensor
from stag.nn import functional as F
from stag.nn import init
from stag.nn._layers import DType, check_size, parameter
from stag.nn._module import Module

C = TypeVar("C")
L = TypeVar("L")
H = TypeVar("H")
W = TypeVar("W")


class _BatchNorm(Module, Generic[C]):
    """What ``BatchNorm1d`` and ``BatchNorm2d`` share: state, modes, the forward."""

    _ranks: tuple[int, ...]
    _layout: str
    weight: Tensor[C] | None
    bias: Tensor[C] | None
    running_mean: Tensor[C] | None
    running_var: Tensor[C] | None
    num_batches_tracked: Tensor[()] | None

    def __init__(
        self,
        num_features: C,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        dtype: DType | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = check_size(name, "num_features", num_features)
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must lie in [0, 1] or be None, got {momentum}")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = self.bias = None
        if affine:
            self.weight = init.ones_(parameter((self.num_features,), dtype))
            self.bias = parameter((self.num_features,), dtype)
        self.running_mean = self.running_var = self.num_batches_tracked = None
        if track_running_stats:
            # buffers on the default backend, as the parameters (stag.default_backend)
            self.running_mean = Tensor(place(np.zeros(self.num_features, float_dtype(dtype))))
            self.running_var = Tensor(place(np.ones(self.num_features, float_dtype(dtype))))
            self.num_batches_tracked = Tensor(place(np.zeros((), np.int64)))

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked (in place)."""
        if self.running_mean is not None and self.running_var is not None:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
        if self.num_batches_tracked is not None:
            init.zeros_(self.num_batches_tracked)

    def _forward(self, x: Tensor[*AnyShape]) -> Tensor[*AnyShape]:
        self._check(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / int(self.num_batches_tracked.item())
        use_running = not self.training or self.track_running_stats
        return F.batch_norm(
            x,
            self.running_mean if use_running else None,
            self.running_var if use_running else None,
            self.weight,
            self.bias,
            self.training or self.running_mean is None,
            factor,
            self.eps,
        )

    def _check(self, x: Tensor[*AnyShape]) -> None:
        shape = x.shape
        if len(shape) not in self._ranks or shape[1] != self.num_features:
            raise ShapeError(
                f"{type(self).__name__}: expected an input of shape "
                f"{self._layout.format(self.num_features)}, got shape {shape}"
            )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm[C]):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs, as PyTorch's.

    Each of the ``C`` channels is normalised over the batch (and ``L``), then
    scaled by ``weight`` and shifted by ``bias`` (ones and zeros, when ``affine``).

    **Arguments:**
    - ``num_features``: ``C``.
    - ``eps``: added to the variance.
    - ``momentum``: the running statistics' update factor; None for a cumulative average.
    - ``affine``: learn ``weight`` and ``bias`` of shape ``(C,)``.
    - ``track_running_stats``: keep ``running_mean``, ``running_var`` and
      ``num_batches_tracked`` and normalise with them in evaluation mode; without
      them the batch's statistics are used in both modes.
    - ``dtype``: float32 unless given.

    Called on ``x`` of shape ``(N, C)`` or ``(N, C, L)``.  **Returns:** ``x``'s shape.
    """

    _ranks = (2, 3)
    _layout = "(N, {0}) or (N, {0}, L)"

    # `BatchNorm1d[int]` (pyright's and plain mypy's `BatchNorm1d(16)`): C unknown, see Linear.
    @overload
    def __call__(self: BatchNorm1d[int], x: Tensor[N, Dyn]) -> Tensor[N, Dyn]: ...
    @overload
    def __call__(self: BatchNorm1d[int], x: Tensor[N, Dyn, L]) -> Tensor[N, Dyn, L]: ...
    @overload
    def __call__(self, x: Tensor[N, C]) -> Tensor[N, C]: ...
    @overload
    def __call__(self, x: Tensor[N, C, L]) -> Tensor[N, C, L]: ...
    def __call__(self, x: Tensor[*AnyShape]) -> Tensor[*AnyShape]:
        return self._forward(x)


class BatchNorm2d(_BatchNorm[C]):
    """Batch normalisation of ``(N, C, H, W)`` images, per channel, as PyTorch's.

    Each of the ``C`` channels is normalised over the batch, the height and the
    width, then scaled by ``weight`` and shifted by ``bias``.  Arguments as
    ``BatchNorm1d``'s.

    Called on ``x`` of shape ``(N, C, H, W)``.  **Returns:** ``x``'s shape.
    """

    _ranks = (4,)
    _layout = "(N, {}, H, W)"

    @overload
    def __call__(self: BatchNorm2d[int], x: Tensor[N, Dyn, H, W]) -> Tensor[N, Dyn, H, W]: ...
    @overload
    def __call__(self, x: Tensor[N, C, H, W]) -> Tensor[N, C, H, W]: ...
    def __call__(self, x: Tensor[N, C, H, W]) -> Tensor[N, C, H, W]:
        return self._forward(x)
