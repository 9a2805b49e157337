"""Layers that map dims: ``Linear``, ``TiedLinear``, ``LayerNorm``, ``Embedding``, ``Flatten``.

Small typed classes whose ``__call__`` is the forward (the shape-keeping layers
live in ``_shape_keeping``, the loss modules in ``_loss_modules``).

Every layer works on an unbatched input and under any batch prefix ``*B``:
``Linear[I, O]`` maps ``Tensor[I]`` to ``Tensor[O]`` and ``Tensor[*B, I]`` to
``Tensor[*B, O]``.  Plain ints work wherever a dim does: ``Linear(2, 32)`` is
an untyped (``Linear[int, int]``) but valid layer.
"""

from __future__ import annotations

import math
from typing import Any, Generic, Literal, TypeVar, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import TypeVar as DefaultTypeVar

from stag._backends import place
from stag._creation import Generator, float_dtype
from stag._dims import AnyShape, B, Dyn, K, M, N, S
from stag._errors import ShapeError
from stag._indexing import check_ids
from stag._operands import expect_tensor
from stag._tensor import Tensor
from stag.nn import functional as F
from stag.nn import init
from stag.nn._module import Module

# the call's type variables: LastDimMap's call and self.weight's annotation bind one I and O
from stag.nn._sequential import H, I, LastDimMap, Layer, O, Sequential, chain

D = TypeVar("D")
V = TypeVar("V")
L0 = Literal[0]
L1 = Literal[1]
L2 = Literal[2]
LMinus1 = Literal[-1]
# Flatten's axes, as its constructor was given them (``Literal[1]``) or ``int``.
Start = DefaultTypeVar("Start", default=L1)
End = DefaultTypeVar("End", default=LMinus1)

DType = npt.DTypeLike


def check_size(layer: str, name: str, value: object) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
    return int(value)


def parameter(shape: tuple[int, ...], dtype: DType | None) -> Tensor[*tuple[Any, ...]]:
    # a dtype object, not a conditional expression, as np.zeros's argument: mypy tried
    # every numpy overload against the union of both branches (8 s of a cold run); on the
    # default backend (stag.default_backend), as every creation function
    return Tensor(place(np.zeros(shape, float_dtype(dtype))), requires_grad=True)


# ------------------------------------------------------------------- linear
class _Affine(LastDimMap[I, O]):
    """What ``Linear`` and ``TiedLinear`` share: their sizes, the forward and their repr."""

    in_features: int
    out_features: int
    bias: Tensor[O] | None

    def _forward(self, x: Tensor[*B, I]) -> Tensor[*B, O]:
        y = x @ self._matrix()
        return y if self.bias is None else y + self.bias

    def _matrix(self) -> Tensor[I, O]:
        """The weight as an ``(in_features, out_features)`` matrix."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Linear(_Affine[I, O]):
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
        self.bias = linear_bias(self.in_features, self.out_features, dtype, generator, bias)

    def _matrix(self) -> Tensor[I, O]:
        return self.weight


def linear_bias(
    fan_in: int, size: int, dtype: DType | None, generator: Generator | None, wanted: bool
) -> Tensor[*AnyShape] | None:
    """A linear layer's bias, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as PyTorch's, if wanted."""
    if not wanted:
        return None
    bias = parameter((size,), dtype)
    bound = 1 / math.sqrt(fan_in)
    return init.uniform_(bias, -bound, bound, generator=generator)


class TiedLinear(_Affine[I, O]):
    """A linear map whose weight is another layer's ``(out, in)`` table: ``y = x @ weight.T``.

    Weight tying as in GPT models: on an ``Embedding[V, D]``, ``TiedLinear(emb.weight)``
    is a ``TiedLinear[D, V]``, the output head that turns hidden states ``(*B, D)``
    into logits ``(*B, V)`` with the embedding's own table.  The table is one tensor
    held by both layers, not a copy: a backward through both uses accumulates into
    its one ``.grad``, an optimizer updates it once, ``parameters()`` lists it once
    and ``state_dict()`` names it once, under the first name in attribute order
    (assign the embedding first to get ``"wte.weight"``; PyTorch lists both names).
    ``Linear`` cannot hold it: its ``weight`` is ``(in, out)``, the transpose.

    **Arguments:**
    - ``weight``: the shared table, shape ``(O, I)`` (PyTorch's ``Linear`` layout).
    - ``bias``: whether to add a learned bias of shape ``(O,)`` (GPT's head has none),
      initialised as ``Linear``'s; ``generator``: a ``stag.Generator`` for it.
    """

    weight: Tensor[O, I]
    bias: Tensor[O] | None

    def __init__(
        self, weight: Tensor[O, I], bias: bool = False, *, generator: Generator | None = None
    ) -> None:
        super().__init__()
        expect_tensor("TiedLinear", weight)
        if weight.ndim != 2:
            raise ShapeError(
                f"TiedLinear: expected a 2-d weight (out_features, in_features), got shape "
                f"{weight.shape}; an Embedding's weight (num_embeddings, embedding_dim) is one"
            )
        self.out_features, self.in_features = weight._data.shape
        self.weight = weight
        self.bias = linear_bias(self.in_features, self.out_features, weight.dtype, generator, bias)

    def _matrix(self) -> Tensor[I, O]:
        return self.weight.T

    def extra_repr(self) -> str:
        return super().extra_repr() + ", tied"


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

    @overload
    def __call__(self: LayerNorm[int], x: Tensor[*B, K]) -> Tensor[*B, K]: ...  # see Linear
    @overload
    def __call__(self, x: Tensor[*B, N]) -> Tensor[*B, N]: ...
    def __call__(self, x: Tensor[*AnyShape]) -> Tensor[*AnyShape]:
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

    @overload
    def __call__(self: Embedding[V, int], ids: Tensor[*B]) -> Tensor[*B, Dyn]: ...  # see Linear
    @overload
    def __call__(self, ids: Tensor[*B]) -> Tensor[*B, D]: ...
    def __call__(self, ids: Tensor[*B]) -> Tensor[*B, D]:
        check_ids("Embedding", ids._data, self.num_embeddings)  # -1 is not the last row here
        return self.weight[ids]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Flatten(Module, Generic[Start, End]):
    """The dims from ``start_axis`` to ``end_axis`` (both included) merged into one.

    PyTorch's ``nn.Flatten(start_dim=1, end_dim=-1)``, spelled with ``axis``: by
    default every dim after the first, ``(N, *S)`` to ``(N, prod(S))``; a 1-d
    input ``(N,)`` gives ``(N, 1)``.  The merged size is ``Dyn`` to the checker
    (the mypy plugin computes it): annotate the result,
    ``h: Tensor[Batch, L784] = Flatten()(images)``.  The axes are part of the type:
    ``Flatten()`` is a ``Flatten[L1, L-1]``, ``Flatten(0)`` (everything into one
    dim) a ``Flatten[L0, L-1]``, ``Flatten(2)`` a ``Flatten[L2, L-1]``; other axes
    give a ``Flatten[int, int]``, whose result is ``Tensor[*AnyShape]``.
    Not a ``Layer`` (it does not map the last dim), so ``Sequential`` does not chain
    it statically.

    **Arguments:** ``start_axis``, ``end_axis`` (negative counts from the end).
    Called on ``x`` with at least one dim.  **Returns:** ``x`` with those dims merged.
    """

    @overload
    def __init__(
        self: Flatten[L1, LMinus1], start_axis: L1 = 1, end_axis: LMinus1 = -1
    ) -> None: ...
    @overload
    def __init__(self: Flatten[L0, LMinus1], start_axis: L0, end_axis: LMinus1 = -1) -> None: ...
    @overload
    def __init__(self: Flatten[L2, LMinus1], start_axis: L2, end_axis: LMinus1 = -1) -> None: ...
    @overload
    def __init__(self: Flatten[int, int], start_axis: int, end_axis: int = -1) -> None: ...
    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        super().__init__()
        for name, axis in (("start_axis", start_axis), ("end_axis", end_axis)):
            if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
                raise TypeError(f"Flatten: {name} must be an int, got {axis!r}")
        self.start_axis, self.end_axis = int(start_axis), int(end_axis)

    @overload
    def __call__(self: Flatten[L1, LMinus1], x: Tensor[N, *S]) -> Tensor[N, Dyn]: ...
    @overload
    def __call__(self: Flatten[L0, LMinus1], x: Tensor[N, *S]) -> Tensor[Dyn]: ...
    @overload
    def __call__(self: Flatten[L2, LMinus1], x: Tensor[N, M, K, *S]) -> Tensor[N, M, Dyn]: ...
    @overload
    def __call__(self: Flatten[int, int], x: Tensor[*AnyShape]) -> Tensor[*AnyShape]: ...
    def __call__(self, x: Tensor[*AnyShape]) -> Tensor[*AnyShape]:
        shape = x.shape
        if not shape:
            raise ShapeError("Flatten: expected a tensor with a leading (batch) dim, got a 0-d one")
        if len(shape) == 1 and (self.start_axis, self.end_axis) == (1, -1):
            return x.reshape(shape[0], 1)  # PyTorch raises here; stag keeps (N,) -> (N, 1)
        start = _axis("start_axis", self.start_axis, shape)
        end = _axis("end_axis", self.end_axis, shape)
        if start > end:
            raise ShapeError(
                f"Flatten: start_axis {self.start_axis} comes after end_axis {self.end_axis} "
                f"for shape {shape}; give start_axis <= end_axis"
            )
        merged = (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])
        return x.reshape(*merged)

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


def _axis(name: str, axis: int, shape: tuple[int, ...]) -> int:
    if not -len(shape) <= axis < len(shape):
        raise ShapeError(
            f"Flatten: {name} {axis} is out of range for an input of shape {shape} "
            f"({len(shape)} dims)"
        )
    return axis % len(shape)
