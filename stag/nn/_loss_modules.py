"""Loss modules: ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss``.

Each holds its settings and calls its function in ``stag.nn.functional``.  The
reduction is the module's type parameter: ``CrossEntropyLoss()`` is a
``CrossEntropyLoss[Literal["mean", "sum"]]`` whose call gives a 0-d tensor,
``CrossEntropyLoss(reduction="none")`` a ``CrossEntropyLoss[Literal["none"]]``
whose call keeps the batch shape.  The bare name means the former.
"""

from __future__ import annotations

from typing import Generic, TypeVar, overload

from typing_extensions import TypeVar as DefaultTypeVar

from stag._dims import AnyShape, B, S
from stag._tensor import Tensor
from stag.nn import functional as F
from stag.nn._losses import NoReduction, Reduced, Reduction, check_reduction
from stag.nn._module import Module

C = TypeVar("C")
R = DefaultTypeVar("R", default=Reduced)


class _Loss(Module, Generic[R]):
    """A loss module's reduction, checked when it is made, and its repr."""

    reduction: Reduction

    def __init__(self, reduction: Reduction) -> None:
        super().__init__()
        check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss[R]):
    """``F.mse_loss`` as a module: the squared error of two tensors of one shape.

    **Arguments:** ``reduction``: ``"mean"``, ``"sum"`` or ``"none"``.
    Called on ``pred`` and ``target`` of shape ``(*S)``.
    **Returns:** a 0-d tensor, or ``(*S)`` with ``reduction="none"``.
    """

    @overload
    def __init__(self: MSELoss[Reduced], *, reduction: Reduced = "mean") -> None: ...
    @overload
    def __init__(self: MSELoss[NoReduction], *, reduction: NoReduction) -> None: ...
    def __init__(self, *, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)

    @overload
    def __call__(self: MSELoss[Reduced], pred: Tensor[*S], target: Tensor[*S]) -> Tensor[()]: ...
    @overload
    def __call__(
        self: MSELoss[NoReduction], pred: Tensor[*S], target: Tensor[*S]
    ) -> Tensor[*S]: ...
    def __call__(self, pred: Tensor[*S], target: Tensor[*S]) -> Tensor[*AnyShape]:
        return F.mse_loss(pred, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss[R]):
    """``F.cross_entropy`` as a module: logits ``(*B, C)``, integer labels ``(*B,)``.

    **Arguments:** ``ignore_index`` (-100), ``reduction`` (``"mean"``, ``"sum"``,
    ``"none"``), ``label_smoothing`` (0.0), as PyTorch's.
    **Returns:** a 0-d tensor, or ``(*B,)`` with ``reduction="none"``.
    """

    @overload
    def __init__(
        self: CrossEntropyLoss[Reduced],
        *,
        ignore_index: int = -100,
        reduction: Reduced = "mean",
        label_smoothing: float = 0.0,
    ) -> None: ...
    @overload
    def __init__(
        self: CrossEntropyLoss[NoReduction],
        *,
        ignore_index: int = -100,
        reduction: NoReduction,
        label_smoothing: float = 0.0,
    ) -> None: ...
    def __init__(
        self,
        *,
        ignore_index: int = -100,
        reduction: Reduction = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must lie in [0, 1], got {label_smoothing}"
            )
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    @overload
    def __call__(
        self: CrossEntropyLoss[Reduced], logits: Tensor[*B, C], labels: Tensor[*B]
    ) -> Tensor[()]: ...
    @overload
    def __call__(
        self: CrossEntropyLoss[NoReduction], logits: Tensor[*B, C], labels: Tensor[*B]
    ) -> Tensor[*B]: ...
    def __call__(self, logits: Tensor[*B, C], labels: Tensor[*B]) -> Tensor[*AnyShape]:
        return F.cross_entropy(
            logits,
            labels,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self) -> str:
        settings = [super().extra_repr()] + [
            f"{name}={value!r}"
            for name, value, default in (
                ("ignore_index", self.ignore_index, -100),
                ("label_smoothing", self.label_smoothing, 0.0),
            )
            if value != default
        ]
        return ", ".join(s for s in settings if s)


class NLLLoss(_Loss[R]):
    """``F.nll_loss`` as a module: log-probabilities ``(*B, C)``, integer labels ``(*B,)``.

    **Arguments:** ``ignore_index`` (-100), ``reduction``, as PyTorch's.
    **Returns:** a 0-d tensor, or ``(*B,)`` with ``reduction="none"``.
    """

    @overload
    def __init__(
        self: NLLLoss[Reduced], *, ignore_index: int = -100, reduction: Reduced = "mean"
    ) -> None: ...
    @overload
    def __init__(
        self: NLLLoss[NoReduction], *, ignore_index: int = -100, reduction: NoReduction
    ) -> None: ...
    def __init__(self, *, ignore_index: int = -100, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)
        self.ignore_index = ignore_index

    @overload
    def __call__(
        self: NLLLoss[Reduced], log_probs: Tensor[*B, C], labels: Tensor[*B]
    ) -> Tensor[()]: ...
    @overload
    def __call__(
        self: NLLLoss[NoReduction], log_probs: Tensor[*B, C], labels: Tensor[*B]
    ) -> Tensor[*B]: ...
    def __call__(self, log_probs: Tensor[*B, C], labels: Tensor[*B]) -> Tensor[*AnyShape]:
        return F.nll_loss(
            log_probs, labels, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCEWithLogitsLoss(_Loss[R]):
    """``F.binary_cross_entropy_with_logits`` as a module: logits and targets of one shape.

    **Arguments:** ``reduction``.
    **Returns:** a 0-d tensor, or the logits' shape with ``reduction="none"``.
    """

    @overload
    def __init__(self: BCEWithLogitsLoss[Reduced], *, reduction: Reduced = "mean") -> None: ...
    @overload
    def __init__(self: BCEWithLogitsLoss[NoReduction], *, reduction: NoReduction) -> None: ...
    def __init__(self, *, reduction: Reduction = "mean") -> None:
        super().__init__(reduction)

    @overload
    def __call__(
        self: BCEWithLogitsLoss[Reduced], logits: Tensor[*S], targets: Tensor[*S]
    ) -> Tensor[()]: ...
    @overload
    def __call__(
        self: BCEWithLogitsLoss[NoReduction], logits: Tensor[*S], targets: Tensor[*S]
    ) -> Tensor[*S]: ...
    def __call__(self, logits: Tensor[*S], targets: Tensor[*S]) -> Tensor[*AnyShape]:
        return F.binary_cross_entropy_with_logits(logits, targets, reduction=self.reduction)
