"""``Tensor[*Shape]``: the typed facade over the engine.

The shape algebra lives in the signatures: self-types and overloads say what
shape an op returns, so mypy (and pyright) reject a mismatched matmul or bias
at check time.  At run time a method is one call into ``apply``, which runs a
primitive of ``stag._ops`` and records it for the engine (``_autograd``); the
overloads cost nothing.  The operators, shape-keeping ops and reductions are
generated from their declarations in ``stag._ops`` (``python -m stag._codegen``).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias, overload

import numpy as np
import numpy.typing as npt

from stag import _autograd
from stag import _backends as backends
from stag import _composites as composites
from stag._autograd import Array, RecordView
from stag._dims import L1, AnyShape, B, Dyn, K, M, N, P, Prod, S, Shape
from stag._errors import DTypeError, ShapeError
from stag._indexing import IndexItem, check_index
from stag._operands import (
    Scalar,
    expect_tensor,
    kind,
    not_tensors,
    promote,
    scalar_constant,
)
from stag._ops import Primitive, elementwise, linalg, movement, reduce
from stag._pytorch_names import TENSOR_ATTRIBUTES, refusal, refuse_keywords
from stag._values import Values

L2: TypeAlias = Literal[2]
L3: TypeAlias = Literal[3]
FullSlice: TypeAlias = "slice[None, None, None]"  # `:`; `a:b` is slice[int, int, None]

_FLOAT64 = np.dtype(np.float64)
Axis = int | tuple[int, ...] | None


class Tensor(Values[*Shape]):
    """An n-d array of numbers whose shape is part of its static type.

    ``Tensor[Batch, Literal[784]]`` is a matrix with a run-time number of
    rows and 784 columns.  Values live in a numpy array (float32 unless asked
    otherwise); an op on tensors that require grad records itself so that
    ``backward()`` can compute gradients.  What a tensor is (its array, sizes, dtype, and
    the ways its values leave stag: ``numpy()``, DLPack, ``item()``) is its base,
    ``stag._values.Values``; this class adds how it is computed and traced.
    """

    __slots__ = ()  # the fields are Values'

    def to(self, backend: str, device: str | None = None) -> Tensor[*Shape]:
        """The values in another library (``"numpy"``, ``"torch"``, ``"cupy"``) and on
        ``device`` (``"cuda"``): no copy between numpy and PyTorch on the CPU, and
        differentiable, as PyTorch's ``to``: the gradient goes back where it came from.
        A device alone (``x.to("cpu")``, ``x.to("cuda")``) keeps the values' library."""
        return transfer(self, backends.check(backend, device, backends.name_of(self._data)))

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Mark a leaf as a parameter whose gradient ``backward`` should fill."""
        if self._record is not None:
            raise RuntimeError("requires_grad_ applies to leaf tensors; use detach() first")
        if requires_grad and kind(self._data.dtype) != "f":
            raise DTypeError(f"only floating tensors can require grad, not {self.dtype}")
        self._requires_grad = requires_grad
        return self

    @property
    def grad(self) -> Tensor[*Shape] | None:
        """The accumulated gradient of a leaf after ``backward()``, else None."""
        g = self._grad
        return None if g is None else Tensor(g)

    @grad.setter
    def grad(self, value: Tensor[*Shape] | None) -> None:
        if value is not None and value.shape != self.shape:
            raise ShapeError(f"grad: expected shape {self.shape}, got {value.shape}")
        if value is not None and type(value._data) is not type(self._data):
            backends.namespace("grad", self._data, value._data)  # two libraries: raises
        self._grad = None if value is None else value._data

    @property
    def grad_fn(self) -> RecordView | None:
        """How this tensor was made (``.name`` is the primitive), None for leaves."""
        record = self._record
        return None if record is None else RecordView(record)

    @property
    def is_leaf(self) -> bool:
        return self._record is None

    def retain_grad(self) -> Self:
        """Keep this computed tensor's gradient in ``.grad`` at the next ``backward()``,
        as PyTorch's ``retain_grad``; a leaf keeps its gradient anyway.  For a gradient
        without touching any ``.grad``, ``stag.grad_of(output, tensor)``."""
        if not self._requires_grad:
            raise RuntimeError(
                "retain_grad: this tensor does not require grad (no gradient reaches it)"
            )
        if self._record is not None:
            _autograd.retain(self)
        return self

    def detach(self) -> Tensor[*Shape]:
        """The same values, cut from the graph: shares memory and the version counter.

        An in-place change through the result is a change of this tensor, as in PyTorch:
        a graph that saved it can no longer be back-propagated (backward raises).
        """
        return view_of(self, self._data)

    def astype(self, dtype: npt.DTypeLike) -> Tensor[*Shape]:
        """The values in another dtype (a copy), differentiable between floating dtypes.

        The same dtype gives ``self`` back.  A cast to an integer or bool dtype is cut
        from the graph, as in PyTorch: such tensors do not carry gradients.
        """
        target = np.dtype(dtype)
        if target == self.dtype:
            return self
        if target.kind != "f":
            with _autograd.no_grad():
                return apply(elementwise.astype, self, dtype=target)
        return apply(elementwise.astype, self, dtype=target)

    def __iter__(self: Tensor[N, *S]) -> Iterator[Tensor[*S]]:
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__  # elementwise __eq__ must not make tensors unhashable

    def __reduce__(self) -> tuple[Any, tuple[Array, bool, Array | None]]:
        """Pickle and ``copy.deepcopy`` a leaf as a new, independent tensor (new array)."""
        if self._record is not None:
            raise RuntimeError(
                "copy/pickle: only leaf tensors can be copied (this one was computed by "
                f"'{self._record[0].name}'); copy x.detach() instead"
            )
        return _rebuild, (self._data, self._requires_grad, self._grad)

    def __copy__(self) -> Tensor[*Shape]:
        """``copy.copy``: an independent leaf with its own copy of the values."""
        return _rebuild(backends.copy(self._data), self._requires_grad, self._grad)

    # -------------------------------------------------------------- autograd
    def backward(self: Tensor[()], *, retain_graph: bool = False) -> None:
        """Fill ``.grad`` of every leaf this 0-d tensor depends on (accumulating).

        The graph is freed afterwards unless ``retain_graph=True``.
        """
        if self._data.ndim != 0:
            raise ShapeError(
                f"backward: expected a 0-d (scalar) tensor, got shape {self.shape}; "
                "reduce it first, e.g. .sum() or .mean()"
            )
        if not self._requires_grad:
            raise RuntimeError("backward: this tensor does not require grad (no leaf needs it)")
        _autograd.backward(self, _autograd.filled_like(self._data, 1), retain_graph=retain_graph)

    def assert_shape(self, *dims: *S) -> Tensor[*S]:
        """This tensor, typed as ``Tensor[*dims]`` after checking its shape at run time.

        The way from an unknown shape (``stag.tensor(array)``) to a stated one:
        ``x: Tensor[Batch, L784] = stag.tensor(arr).assert_shape(n, 784)``.
        """
        if self._data.shape != dims:
            raise ShapeError(f"assert_shape: expected shape {dims}, got {self.shape}")
        checked: Tensor[*AnyShape] = self  # the run-time check above is the proof
        return checked

    # ------------------------------------------------------------ in place
    # An in-place change writes into this tensor's array and bumps its version, so that
    # backward refuses a graph that saved the old values.  Refused on a tensor that
    # requires grad while grad mode is on (the graph would be rewritten); allowed under
    # no_grad (an optimizer's update).  The other operand broadcasts into this shape,
    # never the reverse: the static shape cannot change.
    def _update(self, name: str, prim: Primitive, other: Tensor[*AnyShape] | Scalar) -> Self:
        """``prim(self, other)`` written into this tensor (``+=``, ``add_``, ...)."""
        inplace.update(self, name, prim, other)
        return self

    def array_for_update(self) -> Array:
        """This tensor's own array, writable, for an in-place update outside the graph.

        What an optimizer writes into (PyTorch's ``p.data``): the version counter is
        bumped, so a graph recorded before can no longer be back-propagated through
        this tensor, and an array that is read-only or a view of an array stag does not
        track is copied first, so nothing else changes with it.
        """
        return inplace.own_array(self)

    def add_(self, other: Tensor[*Shape] | Scalar) -> Self:
        """``self += other`` in place (inside ``no_grad`` for parameters)."""
        return self._update("add_", elementwise.add, other)

    def sub_(self, other: Tensor[*Shape] | Scalar) -> Self:
        """``self -= other`` in place."""
        return self._update("sub_", elementwise.sub, other)

    def mul_(self, other: Tensor[*Shape] | Scalar) -> Self:
        """``self *= other`` in place."""
        return self._update("mul_", elementwise.mul, other)

    def div_(self, other: Tensor[*Shape] | Scalar) -> Self:
        """``self /= other`` in place."""
        return self._update("div_", elementwise.div, other)

    def copy_(self, other: Tensor[*Shape]) -> Self:
        """Overwrite the values with ``other``'s (same shape; the dtype is converted)."""
        if other._data.shape != self._data.shape:
            raise ShapeError(f"copy_: expected shape {self.shape}, got {other.shape}")
        inplace.copy_into(self, other)
        return self

    def zero_(self) -> Self:
        """Set every value to 0 in place."""
        inplace.writable(self, "zero_")[...] = 0
        return self

    def __setitem__(self, index: object, value: Tensor[*AnyShape] | Scalar) -> None:
        """``t[index] = value`` in place: numpy's assignment, with the in-place rules.

        The index is read as ``t[index]`` reads it, and a bool mask of the indexed axes
        works too (``t[t < 0] = 0``); ``value`` broadcasts into the indexed part.  Under
        ``no_grad`` for a tensor that requires grad.
        """
        inplace.setitem(self, index, value)

    # ---------------------------------------------- operators, unary ops, reductions
    # The arithmetic and comparison operators, the shape-keeping ops and the reductions are
    # declared in stag/_ops (one entry per op, with its shape rule) and written here by
    # `python -m stag._codegen`; tests/test_codegen.py fails if this text is out of date.
    # <generated: operators>
    @overload
    def __add__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __add__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __add__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __add__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __add__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __add__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __add__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __add__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __add__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __add__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __add__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __add__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __add__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __add__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __add__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __add__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.add, self, other)

    def __radd__(self, other: Scalar) -> Tensor[*Shape]:
        return binary(elementwise.add, scalar_constant(other, self, "add"), self)

    @overload
    def __sub__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __sub__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __sub__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __sub__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __sub__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __sub__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __sub__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __sub__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __sub__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __sub__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __sub__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __sub__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __sub__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __sub__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __sub__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __sub__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.sub, self, other)

    def __rsub__(self, other: Scalar) -> Tensor[*Shape]:
        return binary(elementwise.sub, scalar_constant(other, self, "sub"), self)

    @overload
    def __mul__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __mul__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __mul__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __mul__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __mul__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __mul__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __mul__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __mul__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __mul__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __mul__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __mul__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __mul__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __mul__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __mul__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __mul__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __mul__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.mul, self, other)

    def __rmul__(self, other: Scalar) -> Tensor[*Shape]:
        return binary(elementwise.mul, scalar_constant(other, self, "mul"), self)

    @overload
    def __truediv__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __truediv__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __truediv__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __truediv__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __truediv__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __truediv__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __truediv__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __truediv__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __truediv__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __truediv__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __truediv__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __truediv__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __truediv__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __truediv__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __truediv__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __truediv__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.div, self, other)

    def __rtruediv__(self, other: Scalar) -> Tensor[*Shape]:
        return binary(elementwise.div, scalar_constant(other, self, "div"), self)

    @overload
    def __pow__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __pow__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __pow__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __pow__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __pow__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __pow__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __pow__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __pow__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __pow__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __pow__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __pow__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __pow__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __pow__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __pow__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __pow__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __pow__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.pow, self, other)

    def __rpow__(self, other: Scalar) -> Tensor[*Shape]:
        return binary(elementwise.pow, scalar_constant(other, self, "pow"), self)

    @overload
    def __lt__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __lt__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __lt__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __lt__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __lt__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __lt__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __lt__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __lt__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __lt__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __lt__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __lt__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __lt__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.lt, self, other)

    @overload
    def __le__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __le__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __le__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __le__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __le__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __le__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __le__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __le__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __le__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __le__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __le__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __le__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.le, self, other)

    @overload
    def __gt__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __gt__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __gt__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __gt__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __gt__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __gt__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __gt__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __gt__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __gt__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __gt__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __gt__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __gt__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.gt, self, other)

    @overload
    def __ge__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __ge__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __ge__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __ge__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __ge__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __ge__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __ge__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __ge__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __ge__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __ge__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __ge__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __ge__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.ge, self, other)

    @overload  # type: ignore[override]  # elementwise, as in numpy and PyTorch
    def __eq__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __eq__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __eq__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __eq__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __eq__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __eq__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __eq__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __eq__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __eq__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __eq__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __eq__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __eq__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __eq__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __eq__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __eq__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __eq__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.eq, self, other)

    @overload  # type: ignore[override]  # elementwise, as in numpy and PyTorch
    def __ne__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __ne__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __ne__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __ne__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __ne__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __ne__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __ne__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __ne__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __ne__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __ne__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __ne__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __ne__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __ne__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __ne__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __ne__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __ne__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.ne, self, other)

    @overload
    def __and__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __and__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __and__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __and__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __and__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __and__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __and__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __and__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __and__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __and__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __and__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __and__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __and__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __and__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __and__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __and__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.bitwise_and, self, other)

    @overload
    def __or__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __or__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __or__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __or__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __or__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __or__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __or__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __or__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __or__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __or__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __or__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __or__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __or__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __or__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __or__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __or__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.bitwise_or, self, other)

    @overload
    def __xor__(self, other: Tensor[*Shape] | Scalar) -> Tensor[*Shape]: ...
    @overload
    def __xor__(self: Tensor[*B, N], other: Tensor[N]) -> Tensor[*B, N]: ...
    @overload
    def __xor__(self: Tensor[N], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __xor__(self: Tensor[K, *B, M, N], other: Tensor[M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __xor__(self: Tensor[M, N], other: Tensor[K, *B, M, N]) -> Tensor[K, *B, M, N]: ...
    @overload
    def __xor__(self: Tensor[*B, M, L1], other: Tensor[*B, L1, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __xor__(self: Tensor[*B, L1, N], other: Tensor[*B, M, L1]) -> Tensor[*B, M, N]: ...
    @overload
    def __xor__(self: Tensor[M, L1, *S], other: Tensor[L1, N, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __xor__(self: Tensor[L1, N, *S], other: Tensor[M, L1, *S]) -> Tensor[M, N, *S]: ...
    @overload
    def __xor__(self: Tensor[*B, N], other: Tensor[*B, L1]) -> Tensor[*B, N]: ...
    @overload
    def __xor__(self: Tensor[*B, L1], other: Tensor[*B, N]) -> Tensor[*B, N]: ...
    @overload
    def __xor__(self: Tensor[M, *S], other: Tensor[L1, *S]) -> Tensor[M, *S]: ...
    @overload
    def __xor__(self: Tensor[L1, *S], other: Tensor[M, *S]) -> Tensor[M, *S]: ...
    @overload
    def __xor__(self, other: Tensor[()]) -> Tensor[*Shape]: ...
    @overload
    def __xor__(self: Tensor[()], other: Tensor[*S]) -> Tensor[*S]: ...
    def __xor__(self, other: Tensor[*AnyShape] | Scalar) -> Tensor[*AnyShape]:
        return binary(elementwise.bitwise_xor, self, other)

    # </generated: operators>
    # <generated: in-place operators>
    if not TYPE_CHECKING:  # see _codegen.tensor_inplace

        def __iadd__(self, other: Tensor[*AnyShape] | Scalar) -> Self:
            return self._update("+=", elementwise.add, other)

        def __isub__(self, other: Tensor[*AnyShape] | Scalar) -> Self:
            return self._update("-=", elementwise.sub, other)

        def __imul__(self, other: Tensor[*AnyShape] | Scalar) -> Self:
            return self._update("*=", elementwise.mul, other)

        def __itruediv__(self, other: Tensor[*AnyShape] | Scalar) -> Self:
            return self._update("/=", elementwise.div, other)

    # </generated: in-place operators>
    # <generated: unary methods>
    def __neg__(self) -> Tensor[*Shape]:
        """``-x`` elementwise."""
        return apply(elementwise.neg, self)

    def abs(self) -> Tensor[*Shape]:
        """``|x|`` elementwise."""
        return apply(elementwise.abs, self)

    __abs__ = abs

    def exp(self) -> Tensor[*Shape]:
        """``e ** x`` elementwise."""
        return apply(elementwise.exp, self)

    def log(self) -> Tensor[*Shape]:
        """Natural logarithm elementwise."""
        return apply(elementwise.log, self)

    def log1p(self) -> Tensor[*Shape]:
        """``log(1 + x)`` elementwise, accurate for ``x`` near 0."""
        return apply(elementwise.log1p, self)

    def log2(self) -> Tensor[*Shape]:
        """Base-2 logarithm elementwise."""
        return apply(elementwise.log2, self)

    def log10(self) -> Tensor[*Shape]:
        """Base-10 logarithm elementwise."""
        return apply(elementwise.log10, self)

    def expm1(self) -> Tensor[*Shape]:
        """``e ** x - 1`` elementwise, accurate for ``x`` near 0."""
        return apply(elementwise.expm1, self)

    def sqrt(self) -> Tensor[*Shape]:
        """Square root elementwise."""
        return apply(elementwise.sqrt, self)

    def tanh(self) -> Tensor[*Shape]:
        """Hyperbolic tangent elementwise."""
        return apply(elementwise.tanh, self)

    def sin(self) -> Tensor[*Shape]:
        """Sine elementwise (radians)."""
        return apply(elementwise.sin, self)

    def cos(self) -> Tensor[*Shape]:
        """Cosine elementwise (radians)."""
        return apply(elementwise.cos, self)

    def erf(self) -> Tensor[*Shape]:
        """The error function elementwise, ``2/sqrt(pi) * integral of exp(-t**2)``."""
        return apply(elementwise.erf, self)

    def sigmoid(self) -> Tensor[*Shape]:
        """``1 / (1 + e ** -x)`` elementwise, without overflow for large ``|x|``."""
        return apply(elementwise.sigmoid, self)

    def relu(self) -> Tensor[*Shape]:
        """``max(x, 0)`` elementwise."""
        return apply(elementwise.relu, self)

    def __invert__(self) -> Tensor[*Shape]:
        """``~x``: not, elementwise, of a bool tensor (bitwise of an int one)."""
        return apply(elementwise.bitwise_not, self)

    # </generated: unary methods>
    # <generated: reductions>
    @overload
    def sum(self, axis: None = None, *, keepdims: Literal[False] = False) -> Tensor[()]: ...
    @overload
    def sum(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[False] = False
    ) -> Tensor[*B]: ...
    @overload
    def sum(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[True]
    ) -> Tensor[*B, L1]: ...
    @overload
    def sum(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False
    ) -> Tensor[*B]: ...
    @overload
    def sum(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[True]
    ) -> Tensor[L1, *B]: ...
    @overload
    def sum(self, axis: Axis = None, *, keepdims: bool = False) -> Tensor[*AnyShape]: ...
    def sum(
        self, axis: Axis = None, *, keepdims: bool = False, **pytorch: object
    ) -> Tensor[*AnyShape]:
        """Sum over ``axis`` (all axes when None)."""
        if pytorch:
            refuse_keywords("sum", pytorch)
        return apply(reduce.sum, self, axis=axis, keepdims=keepdims)

    @overload
    def mean(self, axis: None = None, *, keepdims: Literal[False] = False) -> Tensor[()]: ...
    @overload
    def mean(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[False] = False
    ) -> Tensor[*B]: ...
    @overload
    def mean(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[True]
    ) -> Tensor[*B, L1]: ...
    @overload
    def mean(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False
    ) -> Tensor[*B]: ...
    @overload
    def mean(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[True]
    ) -> Tensor[L1, *B]: ...
    @overload
    def mean(self, axis: Axis = None, *, keepdims: bool = False) -> Tensor[*AnyShape]: ...
    def mean(
        self, axis: Axis = None, *, keepdims: bool = False, **pytorch: object
    ) -> Tensor[*AnyShape]:
        """Arithmetic mean over ``axis`` (all axes when None)."""
        if pytorch:
            refuse_keywords("mean", pytorch)
        return apply(reduce.mean, self, axis=axis, keepdims=keepdims)

    @overload
    def max(self, axis: None = None, *, keepdims: Literal[False] = False) -> Tensor[()]: ...
    @overload
    def max(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[False] = False
    ) -> Tensor[*B]: ...
    @overload
    def max(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[True]
    ) -> Tensor[*B, L1]: ...
    @overload
    def max(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False
    ) -> Tensor[*B]: ...
    @overload
    def max(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[True]
    ) -> Tensor[L1, *B]: ...
    @overload
    def max(self, axis: Axis = None, *, keepdims: bool = False) -> Tensor[*AnyShape]: ...
    def max(
        self, axis: Axis = None, *, keepdims: bool = False, **pytorch: object
    ) -> Tensor[*AnyShape]:
        """Largest value over ``axis``; ties share the gradient evenly."""
        if pytorch:
            refuse_keywords("max", pytorch)
        return apply(reduce.max, self, axis=axis, keepdims=keepdims)

    @overload
    def min(self, axis: None = None, *, keepdims: Literal[False] = False) -> Tensor[()]: ...
    @overload
    def min(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[False] = False
    ) -> Tensor[*B]: ...
    @overload
    def min(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[True]
    ) -> Tensor[*B, L1]: ...
    @overload
    def min(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False
    ) -> Tensor[*B]: ...
    @overload
    def min(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[True]
    ) -> Tensor[L1, *B]: ...
    @overload
    def min(self, axis: Axis = None, *, keepdims: bool = False) -> Tensor[*AnyShape]: ...
    def min(
        self, axis: Axis = None, *, keepdims: bool = False, **pytorch: object
    ) -> Tensor[*AnyShape]:
        """Smallest value over ``axis``; ties share the gradient evenly."""
        if pytorch:
            refuse_keywords("min", pytorch)
        return apply(reduce.min, self, axis=axis, keepdims=keepdims)

    @overload
    def argmax(self, axis: None = None) -> Tensor[()]: ...
    @overload
    def argmax(self: Tensor[*B, N], axis: Literal[-1]) -> Tensor[*B]: ...
    @overload
    def argmax(self: Tensor[N, *B], axis: Literal[0]) -> Tensor[*B]: ...
    @overload
    def argmax(self, axis: int | None = None) -> Tensor[*AnyShape]: ...
    def argmax(self, axis: int | None = None, **pytorch: object) -> Tensor[*AnyShape]:
        """Index (int64) of the largest value over ``axis`` (of the flattened tensor when None)."""
        if pytorch:
            refuse_keywords("argmax", pytorch)
        return apply(reduce.argmax, self, axis=axis, keepdims=False)

    @overload
    def argmin(self, axis: None = None) -> Tensor[()]: ...
    @overload
    def argmin(self: Tensor[*B, N], axis: Literal[-1]) -> Tensor[*B]: ...
    @overload
    def argmin(self: Tensor[N, *B], axis: Literal[0]) -> Tensor[*B]: ...
    @overload
    def argmin(self, axis: int | None = None) -> Tensor[*AnyShape]: ...
    def argmin(self, axis: int | None = None, **pytorch: object) -> Tensor[*AnyShape]:
        """Index (int64) of the smallest value over ``axis``."""
        if pytorch:
            refuse_keywords("argmin", pytorch)
        return apply(reduce.argmin, self, axis=axis, keepdims=False)

    @overload
    def var(
        self, axis: None = None, *, keepdims: Literal[False] = False, ddof: int = 0
    ) -> Tensor[()]: ...
    @overload
    def var(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[False] = False, ddof: int = 0
    ) -> Tensor[*B]: ...
    @overload
    def var(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[True], ddof: int = 0
    ) -> Tensor[*B, L1]: ...
    @overload
    def var(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False, ddof: int = 0
    ) -> Tensor[*B]: ...
    @overload
    def var(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[True], ddof: int = 0
    ) -> Tensor[L1, *B]: ...
    @overload
    def var(
        self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0
    ) -> Tensor[*AnyShape]: ...
    def var(
        self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0, **pytorch: object
    ) -> Tensor[*AnyShape]:
        """Variance over ``axis`` with numpy's default ``ddof=0`` (pass 1 for unbiased)."""
        if pytorch:
            refuse_keywords("var", pytorch)
        return composites.variance(self, axis, keepdims, ddof)

    @overload
    def std(
        self, axis: None = None, *, keepdims: Literal[False] = False, ddof: int = 0
    ) -> Tensor[()]: ...
    @overload
    def std(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[False] = False, ddof: int = 0
    ) -> Tensor[*B]: ...
    @overload
    def std(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[True], ddof: int = 0
    ) -> Tensor[*B, L1]: ...
    @overload
    def std(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False, ddof: int = 0
    ) -> Tensor[*B]: ...
    @overload
    def std(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[True], ddof: int = 0
    ) -> Tensor[L1, *B]: ...
    @overload
    def std(
        self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0
    ) -> Tensor[*AnyShape]: ...
    def std(
        self, axis: Axis = None, *, keepdims: bool = False, ddof: int = 0, **pytorch: object
    ) -> Tensor[*AnyShape]:
        """Standard deviation over ``axis``, ``ddof=0`` as numpy's (PyTorch's default is 1)."""
        if pytorch:
            refuse_keywords("std", pytorch)
        return composites.standard_deviation(self, axis, keepdims, ddof)

    @overload
    def norm(
        self, axis: None = None, *, keepdims: Literal[False] = False, ord: float = 2
    ) -> Tensor[()]: ...
    @overload
    def norm(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[False] = False, ord: float = 2
    ) -> Tensor[*B]: ...
    @overload
    def norm(
        self: Tensor[*B, N], axis: Literal[-1], *, keepdims: Literal[True], ord: float = 2
    ) -> Tensor[*B, L1]: ...
    @overload
    def norm(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[False] = False, ord: float = 2
    ) -> Tensor[*B]: ...
    @overload
    def norm(
        self: Tensor[N, *B], axis: Literal[0], *, keepdims: Literal[True], ord: float = 2
    ) -> Tensor[L1, *B]: ...
    @overload
    def norm(
        self, axis: Axis = None, *, keepdims: bool = False, ord: float = 2
    ) -> Tensor[*AnyShape]: ...
    def norm(
        self, axis: Axis = None, *, keepdims: bool = False, ord: float = 2, **pytorch: object
    ) -> Tensor[*AnyShape]:
        """The ``ord``-norm over ``axis`` (all axes when None): 2, 1, ``inf``, ``-inf`` or any p > 0."""
        if pytorch:
            refuse_keywords("norm", pytorch)
        return composites.vector_norm(self, axis, keepdims, ord)

    # </generated: reductions>

    def __pos__(self) -> Tensor[*Shape]:
        return self

    def clip(self, lo: float | None, hi: float | None) -> Tensor[*Shape]:
        """Values limited to ``[lo, hi]``; the gradient is 0 where a limit applies."""
        if lo is None and hi is None:
            raise ValueError("clip: give lo, hi or both")
        lo_ = -np.inf if lo is None else lo
        hi_ = np.inf if hi is None else hi
        return apply(elementwise.clip, self, lo=lo_, hi=hi_)

    # ------------------------------------------------------------- matmul
    # Three rules cover numpy's cases: a matrix on the right maps the last dim of
    # any left operand (vector or batch of matrices); batched matrices pair up;
    # a vector on the right contracts the last dim (a dot product for two vectors).
    # The first rule also types generic code: Tensor[*B, I] @ Tensor[I, O].
    @overload
    def __matmul__(self: Tensor[*B, K], other: Tensor[K, N]) -> Tensor[*B, N]: ...  # type: ignore[overload-overlap]  # rules 1 and 2 agree on 2-d @ 2-d
    @overload
    def __matmul__(self: Tensor[*B, M, K], other: Tensor[*B, K, N]) -> Tensor[*B, M, N]: ...
    @overload
    def __matmul__(self: Tensor[*B, K], other: Tensor[K]) -> Tensor[*B]: ...
    def __matmul__(self, other: Tensor[*AnyShape]) -> Tensor[*AnyShape]:
        expect_tensor("matmul", other)
        if self._data.dtype is not other._data.dtype:
            left, right = promote("matmul", (self, other))
            return apply2(linalg.matmul, left, right)
        return apply2(linalg.matmul, self, other)

    def __rmatmul__(self, other: Array) -> Tensor[*AnyShape]:
        raise TypeError(not_tensors("matmul", (other,)))  # an array @ a tensor: say the fix

    # ------------------------------------------------ scans, sorting, splits, masks
    # Bodies in stag/_composites.py: these signatures are the typed facade.
    def cumsum(self, axis: int) -> Tensor[*Shape]:
        """Running sums along ``axis`` (the shape is kept)."""
        return composites.cumsum(self, axis)

    @overload
    def topk(
        self: Tensor[*B, N], k: K, axis: Literal[-1] = -1, *, largest: bool = True
    ) -> tuple[Tensor[*B, K], Tensor[*B, K]]: ...
    @overload
    def topk(
        self, k: int, axis: int, *, largest: bool = True
    ) -> tuple[Tensor[*AnyShape], Tensor[*AnyShape]]: ...
    def topk(
        self, k: object, axis: int = -1, *, largest: bool = True
    ) -> tuple[Tensor[*AnyShape], Tensor[*AnyShape]]:
        """The ``k`` largest (``largest=False``: smallest) values along ``axis``, in order,
        and their indices (int64); the values are differentiable."""
        indices = composites.topk_indices(self, k, axis, largest)
        return composites.gathered(self, indices, axis), Tensor(indices)

    def sort(
        self, axis: int = -1, *, descending: bool = False
    ) -> tuple[Tensor[*Shape], Tensor[*Shape]]:
        """The values sorted along ``axis`` (stable) and the indices that sort them."""
        indices = composites.order("sort", self, axis, descending)
        return composites.gathered(self, indices, axis), Tensor(indices)

    def argsort(self, axis: int = -1, *, descending: bool = False) -> Tensor[*Shape]:
        """The indices (int64) that sort the values along ``axis`` (stable)."""
        return Tensor(composites.order("argsort", self, axis, descending))

    # A last dim stated as a product with the count (`Prod[Literal[3], C]`, from
    # `nn.Linear(c, stag.Prod(3, c))` under the mypy plugin) splits into its other factor.
    @overload
    def chunk(
        self: Tensor[*B, Prod[L2, N]], n: Literal[2], axis: Literal[-1] = -1
    ) -> tuple[Tensor[*B, N], Tensor[*B, N]]: ...
    @overload
    def chunk(
        self: Tensor[*B, Prod[L3, N]], n: Literal[3], axis: Literal[-1] = -1
    ) -> tuple[Tensor[*B, N], Tensor[*B, N], Tensor[*B, N]]: ...
    @overload
    def chunk(
        self: Tensor[*B, N], n: Literal[2], axis: Literal[-1] = -1
    ) -> tuple[Tensor[*B, Dyn], Tensor[*B, Dyn]]: ...
    @overload
    def chunk(
        self: Tensor[*B, N], n: Literal[3], axis: Literal[-1] = -1
    ) -> tuple[Tensor[*B, Dyn], Tensor[*B, Dyn], Tensor[*B, Dyn]]: ...
    @overload
    def chunk(
        self: Tensor[*B, N], n: Literal[4], axis: Literal[-1] = -1
    ) -> tuple[Tensor[*B, Dyn], Tensor[*B, Dyn], Tensor[*B, Dyn], Tensor[*B, Dyn]]: ...
    @overload
    def chunk(self, n: int, axis: int = -1) -> tuple[Tensor[*AnyShape], ...]: ...
    def chunk(self, n: int, axis: int = -1) -> tuple[Tensor[*AnyShape], ...]:
        """``n`` equal parts along ``axis`` (views): ``q, k, v = qkv.chunk(3)`` is typed.

        The size must divide by ``n`` (``stag.split`` takes unequal sizes).
        """
        return tuple(composites.chunk(self, n, axis))

    @overload
    def masked_fill(self, mask: Tensor[*Shape], value: float) -> Tensor[*Shape]: ...
    @overload
    def masked_fill(
        self: Tensor[*B, M, N], mask: Tensor[M, N], value: float
    ) -> Tensor[*B, M, N]: ...
    @overload
    def masked_fill(self: Tensor[*B, N], mask: Tensor[N], value: float) -> Tensor[*B, N]: ...
    @overload  # a padding mask (B, 1, 1, T) over (B, H, T, T) scores
    def masked_fill(
        self: Tensor[M, K, N, P], mask: Tensor[M, L1, L1, P], value: float
    ) -> Tensor[M, K, N, P]: ...
    @overload
    def masked_fill(
        self: Tensor[M, K, N, P], mask: Tensor[M, L1, N, P], value: float
    ) -> Tensor[M, K, N, P]: ...
    def masked_fill(self, mask: Tensor[*AnyShape], value: float) -> Tensor[*AnyShape]:
        """``value`` where the bool ``mask`` is true, else these values (the gradient flows
        where it is false).  The mask broadcasts into this shape: a ``(T, T)`` causal mask
        over ``(B, H, T, T)`` scores."""
        return composites.masked_fill(self, mask, value)

    def expand(self, *sizes: *S) -> Tensor[*S]:
        """A read-only view broadcast to ``sizes`` (-1 keeps a size), as PyTorch's ``expand``;
        its gradient is summed back over the expanded dims."""
        return composites.broadcast("expand", self, sizes)

    # ----------------------------------------------------------- movement
    @property
    def T(self: Tensor[M, N]) -> Tensor[N, M]:
        """The transpose of a matrix."""
        if self._data.ndim != 2:
            raise ShapeError(f"T: expected a 2-d tensor, got shape {self.shape}")
        return apply(movement.transpose, self, axes=(1, 0))

    # Every order of 2, 3 and 4 axes, and the swaps of the leading and trailing ones, as
    # overloads written by `python -m stag._codegen` (stag/_codegen.py: MOVEMENT).
    # <generated: movement>
    @overload
    def transpose(self: Tensor[M, K]) -> Tensor[K, M]: ...
    @overload
    def transpose(self: Tensor[M, K, N]) -> Tensor[N, K, M]: ...
    @overload
    def transpose(self: Tensor[M, K, N, P]) -> Tensor[P, N, K, M]: ...
    @overload
    def transpose(self) -> Tensor[*AnyShape]: ...
    @overload
    def transpose(
        self: Tensor[M, K, *S], axis1: Literal[0], axis2: Literal[1], /
    ) -> Tensor[K, M, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, *S], axis1: Literal[0], axis2: Literal[2], /
    ) -> Tensor[N, K, M, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, P, *S], axis1: Literal[0], axis2: Literal[3], /
    ) -> Tensor[P, K, N, M, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, *S], axis1: Literal[1], axis2: Literal[0], /
    ) -> Tensor[K, M, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, *S], axis1: Literal[1], axis2: Literal[2], /
    ) -> Tensor[M, N, K, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, P, *S], axis1: Literal[1], axis2: Literal[3], /
    ) -> Tensor[M, P, N, K, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, *S], axis1: Literal[2], axis2: Literal[0], /
    ) -> Tensor[N, K, M, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, *S], axis1: Literal[2], axis2: Literal[1], /
    ) -> Tensor[M, N, K, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, P, *S], axis1: Literal[2], axis2: Literal[3], /
    ) -> Tensor[M, K, P, N, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, P, *S], axis1: Literal[3], axis2: Literal[0], /
    ) -> Tensor[P, K, N, M, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, P, *S], axis1: Literal[3], axis2: Literal[1], /
    ) -> Tensor[M, P, N, K, *S]: ...
    @overload
    def transpose(
        self: Tensor[M, K, N, P, *S], axis1: Literal[3], axis2: Literal[2], /
    ) -> Tensor[M, K, P, N, *S]: ...
    @overload
    def transpose(
        self: Tensor[*B, M, K], axis1: Literal[-1], axis2: Literal[-2], /
    ) -> Tensor[*B, K, M]: ...
    @overload
    def transpose(
        self: Tensor[*B, M, K, N], axis1: Literal[-1], axis2: Literal[-3], /
    ) -> Tensor[*B, N, K, M]: ...
    @overload
    def transpose(
        self: Tensor[*B, M, K], axis1: Literal[-2], axis2: Literal[-1], /
    ) -> Tensor[*B, K, M]: ...
    @overload
    def transpose(
        self: Tensor[*B, M, K, N], axis1: Literal[-2], axis2: Literal[-3], /
    ) -> Tensor[*B, K, M, N]: ...
    @overload
    def transpose(
        self: Tensor[*B, M, K, N], axis1: Literal[-3], axis2: Literal[-1], /
    ) -> Tensor[*B, N, K, M]: ...
    @overload
    def transpose(
        self: Tensor[*B, M, K, N], axis1: Literal[-3], axis2: Literal[-2], /
    ) -> Tensor[*B, K, M, N]: ...
    @overload
    def transpose(self, *axes: int) -> Tensor[*AnyShape]: ...
    def transpose(self, *axes: int) -> Tensor[*AnyShape]:
        """All axes reversed (numpy's ``x.transpose()``), or two swapped (PyTorch's ``x.transpose(1, 2)``, as ``swapaxes``)."""
        return composites.transposed(self, axes)

    @overload
    def swapaxes(
        self: Tensor[M, K, *S], axis1: Literal[0], axis2: Literal[1]
    ) -> Tensor[K, M, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, *S], axis1: Literal[0], axis2: Literal[2]
    ) -> Tensor[N, K, M, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, P, *S], axis1: Literal[0], axis2: Literal[3]
    ) -> Tensor[P, K, N, M, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, *S], axis1: Literal[1], axis2: Literal[0]
    ) -> Tensor[K, M, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, *S], axis1: Literal[1], axis2: Literal[2]
    ) -> Tensor[M, N, K, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, P, *S], axis1: Literal[1], axis2: Literal[3]
    ) -> Tensor[M, P, N, K, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, *S], axis1: Literal[2], axis2: Literal[0]
    ) -> Tensor[N, K, M, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, *S], axis1: Literal[2], axis2: Literal[1]
    ) -> Tensor[M, N, K, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, P, *S], axis1: Literal[2], axis2: Literal[3]
    ) -> Tensor[M, K, P, N, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, P, *S], axis1: Literal[3], axis2: Literal[0]
    ) -> Tensor[P, K, N, M, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, P, *S], axis1: Literal[3], axis2: Literal[1]
    ) -> Tensor[M, P, N, K, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[M, K, N, P, *S], axis1: Literal[3], axis2: Literal[2]
    ) -> Tensor[M, K, P, N, *S]: ...
    @overload
    def swapaxes(
        self: Tensor[*B, M, K], axis1: Literal[-1], axis2: Literal[-2]
    ) -> Tensor[*B, K, M]: ...
    @overload
    def swapaxes(
        self: Tensor[*B, M, K, N], axis1: Literal[-1], axis2: Literal[-3]
    ) -> Tensor[*B, N, K, M]: ...
    @overload
    def swapaxes(
        self: Tensor[*B, M, K], axis1: Literal[-2], axis2: Literal[-1]
    ) -> Tensor[*B, K, M]: ...
    @overload
    def swapaxes(
        self: Tensor[*B, M, K, N], axis1: Literal[-2], axis2: Literal[-3]
    ) -> Tensor[*B, K, M, N]: ...
    @overload
    def swapaxes(
        self: Tensor[*B, M, K, N], axis1: Literal[-3], axis2: Literal[-1]
    ) -> Tensor[*B, N, K, M]: ...
    @overload
    def swapaxes(
        self: Tensor[*B, M, K, N], axis1: Literal[-3], axis2: Literal[-2]
    ) -> Tensor[*B, K, M, N]: ...
    @overload
    def swapaxes(self, axis1: int, axis2: int) -> Tensor[*AnyShape]: ...
    def swapaxes(self, axis1: int, axis2: int) -> Tensor[*AnyShape]:
        """Axes ``axis1`` and ``axis2`` exchanged."""
        return composites.swapped(self, "swapaxes", axis1, axis2)

    @overload
    def permute(self: Tensor[M, K], a0: Literal[0], a1: Literal[1], /) -> Tensor[M, K]: ...
    @overload
    def permute(self: Tensor[M, K], a0: Literal[1], a1: Literal[0], /) -> Tensor[K, M]: ...
    @overload
    def permute(
        self: Tensor[M, K, N], a0: Literal[0], a1: Literal[1], a2: Literal[2], /
    ) -> Tensor[M, K, N]: ...
    @overload
    def permute(
        self: Tensor[M, K, N], a0: Literal[0], a1: Literal[2], a2: Literal[1], /
    ) -> Tensor[M, N, K]: ...
    @overload
    def permute(
        self: Tensor[M, K, N], a0: Literal[1], a1: Literal[0], a2: Literal[2], /
    ) -> Tensor[K, M, N]: ...
    @overload
    def permute(
        self: Tensor[M, K, N], a0: Literal[1], a1: Literal[2], a2: Literal[0], /
    ) -> Tensor[K, N, M]: ...
    @overload
    def permute(
        self: Tensor[M, K, N], a0: Literal[2], a1: Literal[0], a2: Literal[1], /
    ) -> Tensor[N, M, K]: ...
    @overload
    def permute(
        self: Tensor[M, K, N], a0: Literal[2], a1: Literal[1], a2: Literal[0], /
    ) -> Tensor[N, K, M]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[0], a1: Literal[1], a2: Literal[2], a3: Literal[3], /
    ) -> Tensor[M, K, N, P]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[0], a1: Literal[1], a2: Literal[3], a3: Literal[2], /
    ) -> Tensor[M, K, P, N]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[0], a1: Literal[2], a2: Literal[1], a3: Literal[3], /
    ) -> Tensor[M, N, K, P]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[0], a1: Literal[2], a2: Literal[3], a3: Literal[1], /
    ) -> Tensor[M, N, P, K]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[0], a1: Literal[3], a2: Literal[1], a3: Literal[2], /
    ) -> Tensor[M, P, K, N]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[0], a1: Literal[3], a2: Literal[2], a3: Literal[1], /
    ) -> Tensor[M, P, N, K]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[1], a1: Literal[0], a2: Literal[2], a3: Literal[3], /
    ) -> Tensor[K, M, N, P]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[1], a1: Literal[0], a2: Literal[3], a3: Literal[2], /
    ) -> Tensor[K, M, P, N]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[1], a1: Literal[2], a2: Literal[0], a3: Literal[3], /
    ) -> Tensor[K, N, M, P]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[1], a1: Literal[2], a2: Literal[3], a3: Literal[0], /
    ) -> Tensor[K, N, P, M]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[1], a1: Literal[3], a2: Literal[0], a3: Literal[2], /
    ) -> Tensor[K, P, M, N]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[1], a1: Literal[3], a2: Literal[2], a3: Literal[0], /
    ) -> Tensor[K, P, N, M]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[2], a1: Literal[0], a2: Literal[1], a3: Literal[3], /
    ) -> Tensor[N, M, K, P]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[2], a1: Literal[0], a2: Literal[3], a3: Literal[1], /
    ) -> Tensor[N, M, P, K]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[2], a1: Literal[1], a2: Literal[0], a3: Literal[3], /
    ) -> Tensor[N, K, M, P]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[2], a1: Literal[1], a2: Literal[3], a3: Literal[0], /
    ) -> Tensor[N, K, P, M]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[2], a1: Literal[3], a2: Literal[0], a3: Literal[1], /
    ) -> Tensor[N, P, M, K]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[2], a1: Literal[3], a2: Literal[1], a3: Literal[0], /
    ) -> Tensor[N, P, K, M]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[3], a1: Literal[0], a2: Literal[1], a3: Literal[2], /
    ) -> Tensor[P, M, K, N]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[3], a1: Literal[0], a2: Literal[2], a3: Literal[1], /
    ) -> Tensor[P, M, N, K]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[3], a1: Literal[1], a2: Literal[0], a3: Literal[2], /
    ) -> Tensor[P, K, M, N]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[3], a1: Literal[1], a2: Literal[2], a3: Literal[0], /
    ) -> Tensor[P, K, N, M]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[3], a1: Literal[2], a2: Literal[0], a3: Literal[1], /
    ) -> Tensor[P, N, M, K]: ...
    @overload
    def permute(
        self: Tensor[M, K, N, P], a0: Literal[3], a1: Literal[2], a2: Literal[1], a3: Literal[0], /
    ) -> Tensor[P, N, K, M]: ...
    @overload
    def permute(self, *axes: int) -> Tensor[*AnyShape]: ...
    def permute(self, *axes: int) -> Tensor[*AnyShape]:
        """Axes reordered: axis ``i`` of the result is axis ``axes[i]`` of ``self``."""
        return composites.permuted(self, axes)

    # </generated: movement>

    def reshape(self, *dims: *S) -> Tensor[*S]:
        """The same values in shape ``dims`` (one may be -1: inferred).

        The result's type is the dims' types; annotate the target to keep
        literal sizes: ``y: Tensor[Batch, L784] = x.reshape(n, 784)``.
        """
        return apply(movement.reshape, self, shape=dims)

    @overload
    def flatten(self, start_axis: Literal[0] = 0) -> Tensor[Dyn]: ...
    @overload
    def flatten(self: Tensor[N, *B], start_axis: Literal[1]) -> Tensor[N, Dyn]: ...
    @overload
    def flatten(self, start_axis: int) -> Tensor[*AnyShape]: ...
    def flatten(self, start_axis: int = 0) -> Tensor[*AnyShape]:
        """Axes from ``start_axis`` on merged into one (its size is ``Dyn``: annotate it)."""
        shape = self.shape
        if not -len(shape) <= start_axis <= max(len(shape) - 1, 0):
            raise ShapeError(f"flatten: start_axis {start_axis} out of range for shape {shape}")
        start = start_axis % max(len(shape), 1)
        return apply(movement.reshape, self, shape=(*shape[:start], -1))

    @overload
    def repeat(self: Tensor[N, *S], repeats: int, *, axis: Literal[0]) -> Tensor[Dyn, *S]: ...
    @overload
    def repeat(self: Tensor[*S, N], repeats: int, *, axis: Literal[-1]) -> Tensor[*S, Dyn]: ...
    @overload
    def repeat(self, repeats: int, *, axis: int) -> Tensor[*AnyShape]: ...
    def repeat(self, repeats: int, *, axis: int) -> Tensor[*AnyShape]:
        """Each element repeated ``repeats`` times along ``axis``, as ``np.repeat``.

        PyTorch calls this ``repeat_interleave``; PyTorch's ``repeat`` (whole copies
        side by side) is ``tile`` here.  ``axis`` is keyword-only, so a PyTorch-style
        ``x.repeat(2, 3)`` is an error rather than a different result.  The size at
        ``axis`` is ``Dyn`` (the mypy plugin computes ``size * repeats``).
        """
        if not isinstance(repeats, int | np.integer) or isinstance(repeats, bool):
            raise TypeError(f"repeat: repeats must be an int, got {type(repeats).__name__}")
        shape = self.shape
        if repeats < 0:
            raise ShapeError(f"repeat: repeats must be >= 0, got {repeats}")
        if not -len(shape) <= axis < len(shape):
            raise ShapeError(f"repeat: axis {axis} is out of range for shape {shape}")
        return apply(movement.repeat, self, repeats=int(repeats), axis=axis % len(shape))

    @overload
    def tile(self: Tensor[*S, N], r0: int, /) -> Tensor[*S, Dyn]: ...
    @overload
    def tile(self: Tensor[*S, M, N], r0: int, r1: int, /) -> Tensor[*S, Dyn, Dyn]: ...
    @overload
    def tile(self, *reps: int) -> Tensor[*AnyShape]: ...
    def tile(self, *reps: int) -> Tensor[*AnyShape]:
        """Whole copies side by side, ``reps[i]`` along axis ``i``, as ``np.tile(x, reps)``.

        Written as PyTorch's ``x.tile(2, 3)`` (numpy's ``np.tile(x, (2, 3))``); PyTorch's
        ``repeat`` does the same.  Fewer reps than axes tile the last axes; more reps
        than axes add leading axes.  Tiled sizes are ``Dyn`` (the mypy plugin computes them).
        """
        if not all(isinstance(r, int | np.integer) and not isinstance(r, bool) for r in reps):
            raise TypeError(f"tile: reps must be ints, got {reps!r}")
        if any(r < 0 for r in reps):
            raise ShapeError(f"tile: reps must be >= 0, got {reps}")
        return apply(movement.tile, self, reps=tuple(int(r) for r in reps))

    @overload
    def unsqueeze(self, axis: Literal[0]) -> Tensor[L1, *Shape]: ...
    @overload
    def unsqueeze(self, axis: Literal[-1]) -> Tensor[*Shape, L1]: ...
    @overload
    def unsqueeze(self, axis: int) -> Tensor[*AnyShape]: ...
    def unsqueeze(self, axis: int) -> Tensor[*AnyShape]:
        """A new axis of size 1 at ``axis``."""
        return apply(movement.expand_dims, self, axis=axis)

    @overload
    def squeeze(self: Tensor[L1, *S], axis: Literal[0]) -> Tensor[*S]: ...
    @overload
    def squeeze(self: Tensor[*S, L1], axis: Literal[-1]) -> Tensor[*S]: ...
    @overload
    def squeeze(self, axis: int) -> Tensor[*AnyShape]: ...
    def squeeze(self, axis: int | None = None) -> Tensor[*AnyShape]:
        """Axis ``axis`` (which must have size 1) removed."""
        if axis is None:  # PyTorch's squeeze(): the overloads reject it, this says why
            raise TypeError(
                "squeeze: name the axis, x.squeeze(axis): the static shape must know which "
                "size-1 dim goes (PyTorch's squeeze() drops every one)"
            )
        shape = self.shape
        if not -len(shape) <= axis < len(shape) or shape[axis] != 1:
            raise ShapeError(f"squeeze: axis {axis} of shape {shape} is not of size 1")
        return apply(movement.squeeze, self, axis=axis)

    # ----------------------------------------------------------- indexing
    # numpy's basic indexing, typed where an overload can say it: an int drops its dim, a
    # full slice `:` keeps it, a bounded slice makes it Dyn (the mypy plugin computes
    # literal bounds), None adds a Literal[1], `...` stands for the dims in between.
    # Other forms are Tensor[*AnyShape] (the plugin computes them on a known rank).
    @overload
    def __getitem__(self: Tensor[N, *S], index: int) -> Tensor[*S]: ...
    @overload
    def __getitem__(self: Tensor[N, *S], index: FullSlice) -> Tensor[N, *S]: ...
    @overload
    def __getitem__(self: Tensor[N, *S], index: slice) -> Tensor[Dyn, *S]: ...
    @overload
    def __getitem__(self: Tensor[N, K], index: Tensor[*B]) -> Tensor[*B, K]: ...
    @overload
    def __getitem__(self: Tensor[N, *S], index: Tensor[K]) -> Tensor[K, *S]: ...  # type: ignore[overload-cannot-match]  # mypy misjudges variadic overlap; it is matched (see typecheck_tests)
    @overload
    def __getitem__(
        self: Tensor[N, *S], index: npt.NDArray[np.integer[Any]] | list[int]
    ) -> Tensor[*AnyShape]: ...
    @overload
    def __getitem__(self, index: None) -> Tensor[L1, *Shape]: ...
    @overload
    def __getitem__(self: Tensor[M, N, *S], index: tuple[int, int]) -> Tensor[*S]: ...
    @overload
    def __getitem__(self: Tensor[M, N, *S], index: tuple[int, FullSlice]) -> Tensor[N, *S]: ...
    @overload
    def __getitem__(self: Tensor[M, N, *S], index: tuple[FullSlice, int]) -> Tensor[M, *S]: ...
    @overload
    def __getitem__(
        self: Tensor[M, N, *S], index: tuple[FullSlice, int, FullSlice]
    ) -> Tensor[M, *S]: ...
    @overload
    def __getitem__(
        self: Tensor[M, N, *S], index: tuple[FullSlice, slice]
    ) -> Tensor[M, Dyn, *S]: ...
    @overload
    def __getitem__(self: Tensor[M, *S], index: tuple[FullSlice, None]) -> Tensor[M, L1, *S]: ...
    @overload
    def __getitem__(
        self: Tensor[M, K, N, *S], index: tuple[FullSlice, FullSlice, int]
    ) -> Tensor[M, K, *S]: ...
    @overload
    def __getitem__(self: Tensor[*S, N], index: tuple[EllipsisType, int]) -> Tensor[*S]: ...
    @overload
    def __getitem__(self, index: tuple[EllipsisType, None]) -> Tensor[*Shape, L1]: ...
    @overload
    def __getitem__(self, index: tuple[IndexItem, ...] | EllipsisType) -> Tensor[*AnyShape]: ...
    def __getitem__(self, index: object) -> Tensor[*AnyShape]:
        """numpy's indexing: ints, slices, ``...``, ``None``, integer tensors, tuples of them.

        Basic indexing (ints, slices, ``...``, ``None``) gives numpy's view and result;
        an integer tensor (or array) gathers: ``table[ids]`` is an embedding lookup,
        and repeated ids accumulate their gradients.  An int or an id out of range is
        an ``IndexError``; a bool, a boolean mask (use ``masked_select``) or a float is
        a ``TypeError``.  ``t[i]``, ``t[a:b]`` and gathers are typed; other forms give
        ``Tensor[*AnyShape]``.
        """
        shape = self._data.shape
        if type(index) is int and shape and -shape[0] <= index < shape[0]:  # t[i], iteration
            return apply(movement.getitem, self, index=index)
        checked = check_index(tuple(shape), index, _unwrap)
        items = checked.items[0] if len(checked.items) == 1 else checked.items
        return apply(movement.getitem if checked.basic else movement.take, self, index=items)

    def masked_select(self, mask: Tensor[*Shape]) -> Tensor[Dyn]:
        """The elements where the bool ``mask`` (of this tensor's shape) is true, in order.

        PyTorch's ``x.masked_select(mask)`` (and its ``x[mask]``, which stag spells this
        way: the result's length depends on the values, so its type is ``Tensor[Dyn]``).
        """
        expect_tensor("masked_select", mask)
        if mask.dtype.kind != "b":
            raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {mask.dtype}")
        if mask.shape != self.shape:
            raise ShapeError(
                f"masked_select: mask of shape {mask.shape} for a tensor of shape "
                f"{self.shape}; they must be equal"
            )
        return apply(movement.getitem, self, index=mask._data)


if not TYPE_CHECKING:  # PyTorch's names at run time only: the checkers see no such attribute
    for _name in TENSOR_ATTRIBUTES:
        if not hasattr(Tensor, _name):
            setattr(Tensor, _name, refusal(_name))


def _unwrap(item: object) -> object:
    """An index tensor's array (indexing reads it as numpy does); anything else as it is."""
    return backends.to_numpy(item._data) if isinstance(item, Tensor) else item


# The per-op path and the views (stag/_apply.py) and the in-place rules
# (stag/_inplace.py) build and subclass Tensor: imported once the class exists.
from stag import _inplace as inplace
from stag._apply import _rebuild
from stag._apply import apply as apply
from stag._apply import apply2 as apply2
from stag._apply import binary as binary
from stag._apply import transfer as transfer
from stag._apply import view_of as view_of
