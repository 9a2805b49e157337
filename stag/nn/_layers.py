"""Layers and loss modules: small typed classes whose ``__call__`` is the forward.

Every layer works on an unbatched input and under any batch prefix ``*B``:
``Linear[I, O]`` maps ``Tensor[I]`` to ``Tensor[O]`` and ``Tensor[*B, I]`` to
``Tensor[*B, O]``.  Plain ints work wherever a dim does: ``Linear(2, 32)`` is
an untyped (``Linear[int, int]``) but valid layer.
"""

from __future__ import annotations

import math
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from stag._creation import Generator, float_dtype
from stag._dims import B, Dyn, N, S
from stag._errors import ShapeError
from stag._indexing import check_ids
from stag._tensor import Tensor
from stag.nn import functional as F
from stag.nn import init
from stag.nn._module import Module
from stag.nn._sequential import Layer, Sequential, chain

I = TypeVar("I")
O = TypeVar("O")
C = TypeVar("C")
D = TypeVar("D")
H = TypeVar("H")
V = TypeVar("V")

DType = npt.DTypeLike


def check_size(layer: str, name: str, value: object) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
    return int(value)


def parameter(shape: tuple[int, ...], dtype: DType | None) -> Tensor[*tuple[Any, ...]]:
    # a dtype object, not a conditional expression, as np.zeros's argument: mypy tried
    # every numpy overload against the union of both branches (8 s of a cold run)
    return Tensor(np.zeros(shape, float_dtype(dtype)), requires_grad=True)


# ------------------------------------------------------------------- linear
class Linear(Module, Generic[I, O]):
    """An affine map of the last dim: ``y = x @ weight + bias``.

    ``weight`` has shape ``(in_features, out_features)``: the transpose of
    PyTorch's layout, so that the forward is one typed matmul.  Both weight
    and bias start as U(-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's
    default (``kaiming_uniform_`` with ``a=sqrt(5)``).

    **Arguments:**
    - ``in_features``: the input size ``I`` (a dim value: ``In(784)``, ``784``).
    - ``out_features``: the output size ``O``.
    - ``bias``: whether to add a learned bias.
    - ``dtype``: float32 unless given; ``generator``: a ``stag.Generator`` for the init.
    """

    weight: Tensor[I, O]
    bias: Tensor[O] | None

    def __init__(
        self,
        in_features: I,
        out_features: O,
        bias: bool = True,
        *,
        dtype: DType | None = None,
        generator: Generator | None = None,
    ) -> None:
        super().__init__()
        self.in_features = check_size("Linear", "in_features", in_features)
        self.out_features = check_size("Linear", "out_features", out_features)
        self.weight = parameter((self.in_features, self.out_features), dtype)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        self.bias = None
        if bias:
            self.bias = parameter((self.out_features,), dtype)
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def __call__(self, x: Tensor[*B, I]) -> Tensor[*B, O]:
        """**Arguments:** ``x`` of shape ``(*B, I)``.  **Returns:** shape ``(*B, O)``."""
        y = x @ self.weight
        return y if self.bias is None else y + self.bias

    def __rshift__(self, other: Layer[O, H]) -> Sequential[I, H]:
        """This layer followed by ``other``: a ``Sequential[I, H]``."""
        return chain(self, other)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


# -------------------------------------------------------------- activations
class _ShapeKeeping(Module):
    """A layer whose output has its input's shape: a ``Layer[N, N]`` for every ``N``."""

    def __rshift__(self, other: Layer[N, H]) -> Sequential[N, H]:
        """This layer followed by ``other``."""
        return chain(self, other)


class ReLU(_ShapeKeeping):
    """``max(x, 0)`` elementwise.  **Arguments:** ``x`` of any shape.  **Returns:** its shape."""

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return x.relu()


class Tanh(_ShapeKeeping):
    """``tanh(x)`` elementwise.  **Arguments:** ``x`` of any shape.  **Returns:** its shape."""

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return x.tanh()


class Sigmoid(_ShapeKeeping):
    """``1 / (1 + exp(-x))`` elementwise.  **Returns:** a tensor of ``x``'s shape."""

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return x.sigmoid()


class GELU(_ShapeKeeping):
    """GELU, exact (erf) by default as PyTorch's; ``GELU(approximate="tanh")`` for the tanh form.

    **Arguments:** ``approximate``, ``"none"`` or ``"tanh"``.  Called on ``x`` of any
    shape.  **Returns:** a tensor of ``x``'s shape.
    """

    def __init__(self, approximate: Literal["none", "tanh"] = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate: Literal["none", "tanh"] = approximate

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(_ShapeKeeping):
    """Softmax along ``axis`` (the last by default).

    **Arguments:** ``axis``.  Called on ``x`` of any shape.
    **Returns:** probabilities of ``x``'s shape, summing to 1 along ``axis``.
    """

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return F.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Dropout(_ShapeKeeping):
    """Zero each element with probability ``p`` in training mode, scaling the rest by 1/(1-p).

    The identity in evaluation mode (``model.eval()``).

    **Arguments:** ``p`` in [0, 1]; ``generator``, a ``stag.Generator`` for
    reproducible masks (the default generator when None).
    Called on ``x`` of any shape.  **Returns:** a tensor of ``x``'s shape.
    """

    def __init__(self, p: float = 0.5, *, generator: Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must lie in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def __call__(self, x: Tensor[*S]) -> Tensor[*S]:
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class LayerNorm(Module, Generic[N]):
    """Normalise the last dim to zero mean and unit variance, then scale and shift.

    **Arguments:**
    - ``normalized_shape``: the size ``N`` of the last dim.
    - ``eps``: added to the variance.
    - ``elementwise_affine``: learn ``weight`` (ones) and ``bias`` (zeros) of shape ``(N,)``.
    Called on ``x`` of shape ``(*B, N)``.  **Returns:** shape ``(*B, N)``.
    """

    weight: Tensor[N] | None
    bias: Tensor[N] | None

    def __init__(
        self,
        normalized_shape: N,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        *,
        dtype: DType | None = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = check_size("LayerNorm", "normalized_shape", normalized_shape)
        self.eps = eps
        self.weight = None
        self.bias = None
        if elementwise_affine:
            self.weight = init.ones_(parameter((self.normalized_shape,), dtype))
            self.bias = parameter((self.normalized_shape,), dtype)

    def __call__(self, x: Tensor[*B, N]) -> Tensor[*B, N]:
        if x.ndim == 0 or x.shape[-1] != self.normalized_shape:
            raise ShapeError(
                f"LayerNorm: expected a last dim of size {self.normalized_shape}, "
                f"got shape {x.shape}"
            )
        return F.layer_norm(x, self.weight, self.bias, self.eps)

    def __rshift__(self, other: Layer[N, H]) -> Sequential[N, H]:
        """This layer followed by ``other``."""
        return chain(self, other)

    def extra_repr(self) -> str:
        affine = self.weight is not None
        return f"({self.normalized_shape},), eps={self.eps}, elementwise_affine={affine}"


# ------------------------------------------------------- lookups and reshapes
class Embedding(Module, Generic[V, D]):
    """A lookup table: integer ids of any shape ``(*B,)`` to vectors ``(*B, D)``.

    ``weight`` has shape ``(V, D)`` and starts as N(0, 1), as in PyTorch.
    Repeated ids accumulate their gradients.

    **Arguments:** ``num_embeddings`` (``V``), ``embedding_dim`` (``D``),
    ``dtype``, ``generator``.
    Called on integer ``ids`` of shape ``(*B,)`` in ``[0, V)``.
    **Returns:** shape ``(*B, D)``.
    """

    weight: Tensor[V, D]

    def __init__(
        self,
        num_embeddings: V,
        embedding_dim: D,
        *,
        dtype: DType | None = None,
        generator: Generator | None = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = check_size("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = check_size("Embedding", "embedding_dim", embedding_dim)
        self.weight = parameter((self.num_embeddings, self.embedding_dim), dtype)
        init.normal_(self.weight, generator=generator)

    def __call__(self, ids: Tensor[*B]) -> Tensor[*B, D]:
        check_ids("Embedding", ids._data, self.num_embeddings)  # -1 is not the last row here
        return self.weight[ids]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Flatten(Module):
    """Every dim after the first merged into one: ``(N, *S)`` to ``(N, prod(S))``.

    The merged size is ``Dyn`` to the checker (shape arithmetic): annotate the
    result, ``h: Tensor[Batch, L784] = Flatten()(images)``.
    Not a ``Layer`` (it does not map the last dim), so ``Sequential`` does not
    chain it statically.

    **Arguments:** ``x`` of shape ``(N, *S)``, rank >= 1.  **Returns:** shape ``(N, Dyn)``.
    """

    def __call__(self, x: Tensor[N, *S]) -> Tensor[N, Dyn]:
        if x.ndim == 0:
            raise ShapeError("Flatten: expected a tensor with a leading (batch) dim, got a 0-d one")
        return x.flatten(1) if x.ndim > 1 else x.reshape(x.shape[0], 1)


# -------------------------------------------------------------------- losses
class MSELoss(Module):
    """``F.mse_loss`` as a module: mean squared error of two tensors of one shape.

    **Arguments:** ``pred`` and ``target`` of shape ``(*S)``.  **Returns:** a 0-d tensor.
    """

    def __call__(self, pred: Tensor[*S], target: Tensor[*S]) -> Tensor[()]:
        return F.mse_loss(pred, target)


class CrossEntropyLoss(Module):
    """``F.cross_entropy`` as a module: logits ``(*B, C)``, integer labels ``(*B,)``.

    **Returns:** the mean loss, a 0-d tensor.
    """

    def __call__(self, logits: Tensor[*B, C], labels: Tensor[*B]) -> Tensor[()]:
        return F.cross_entropy(logits, labels)


class NLLLoss(Module):
    """``F.nll_loss`` as a module: log-probabilities ``(*B, C)``, integer labels ``(*B,)``.

    **Returns:** the mean loss, a 0-d tensor.
    """

    def __call__(self, log_probs: Tensor[*B, C], labels: Tensor[*B]) -> Tensor[()]:
        return F.nll_loss(log_probs, labels)


class BCEWithLogitsLoss(Module):
    """``F.binary_cross_entropy_with_logits`` as a module: logits and targets of one shape.

    **Returns:** the mean loss, a 0-d tensor.
    """

    def __call__(self, logits: Tensor[*S], targets: Tensor[*S]) -> Tensor[()]:
        return F.binary_cross_entropy_with_logits(logits, targets)
