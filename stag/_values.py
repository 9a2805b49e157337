"""``Values[*Shape]``: what a tensor is, apart from how it is computed and traced.

A tensor's array and the fields the engine reads (``stag._autograd.Traced``), its
sizes and dtype, the library and device that hold it, and every way its values
leave stag: a numpy view, ``__array__``, DLPack, a Python number, a truth value,
``len`` and ``repr``.  ``Tensor`` (``stag/_tensor.py``) stands on this class and adds
the graph: gradients, ops and in-place writes.  None of these methods records
anything.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Generic

import numpy as np
import numpy.typing as npt

from stag import _autograd
from stag import _backends as backends
from stag._autograd import Array, Record, RecordView
from stag._dims import Shape
from stag._errors import ShapeError
from stag._pytorch_names import ElementCount

if TYPE_CHECKING:
    from typing_extensions import CapsuleType  # for DLPack (types.CapsuleType from 3.13)


class Values(Generic[*Shape]):
    """A tensor's array, its sizes, and its exchange with numpy, DLPack and Python.

    The base of ``Tensor``; user code meets it only as ``Tensor``'s members.
    """

    __slots__ = ("__weakref__", "_data", "_grad", "_record", "_requires_grad", "_seq", "_version")
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operator

    def __init__(self, data: Array, *, requires_grad: bool = False) -> None:
        """Wrap ``data`` without copying; prefer ``stag.tensor`` in user code."""
        self._data: Array = data
        self._grad: Array | None = None
        self._requires_grad: bool = requires_grad
        self._record: Record | None = None  # how it was computed (None for a leaf)
        self._version: int = 0  # bumped by each in-place write
        self._seq: int = next(_autograd.creation_order)

    # ----------------------------------------------------------------- sizes
    @property
    def shape(self) -> tuple[*Shape]:
        """The sizes, as a plain tuple of ints at run time."""
        shape = self._data.shape
        return shape if type(shape) is tuple else tuple(shape)  # torch.Size is a subclass

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return ElementCount(math.prod(self._data.shape))

    @property
    def dtype(self) -> np.dtype[Any]:
        """numpy's dtype of the values, whichever library holds them."""
        dtype = self._data.dtype
        return dtype if isinstance(dtype, np.dtype) else backends.numpy_dtype(dtype)

    @property
    def backend(self) -> str:
        """The array library that holds the values: ``"numpy"``, ``"torch"``, ``"cupy"``."""
        return backends.name_of(self._data)

    @property
    def device(self) -> str:
        """Where the values are, in their library's spelling: ``"cpu"``, ``"cuda:0"``."""
        return backends.device_of(self._data) or "cpu"

    # ------------------------------------------------------- out of stag
    def numpy(self) -> npt.NDArray[Any]:
        """A read-only view of the values (copy it to modify); another library's values
        are copied to the host first, unless they are a CPU PyTorch tensor's."""
        view = backends.to_numpy(self._data).view()
        view.flags.writeable = False
        return view

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> Array:
        if copy:
            return np.array(self._data, dtype=dtype)
        view = self.numpy()
        return view if dtype is None else view.astype(dtype)

    # DLPack, for zero-copy exchange (stag.from_dlpack goes the other way; see stag/_dlpack.py)
    def __dlpack__(
        self,
        *,
        stream: None = None,
        max_version: tuple[int, int] | None = None,
        dl_device: tuple[int, int] | None = None,
        copy: bool | None = None,
    ) -> CapsuleType:
        """The values as a DLPack capsule, shared and read-only (``torch.from_dlpack(t)``).

        A consumer of DLPack before 1.0 (no ``max_version``), which cannot mark them
        read-only, gets numpy's ``BufferError``: give it ``t.numpy().copy()``.
        """
        return self.numpy().__dlpack__(
            stream=stream, max_version=max_version, dl_device=dl_device, copy=copy
        )

    def __dlpack_device__(self) -> tuple[int, int]:
        """``(1, 0)``: DLPack's CPU (stag's values live in host memory)."""
        return self._data.__dlpack_device__()

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        return self._value("item")

    def __float__(self) -> float:
        return float(self._value("float"))

    def __int__(self) -> int:
        """``int(t)``: a one-element tensor's value, truncated toward 0, as PyTorch's."""
        return int(self._value("int"))

    def __index__(self) -> int:
        """A 0-d integer tensor as an index or a count (``items[t]``, ``range(t)``), as
        numpy's and PyTorch's; another shape, a float or a bool tensor is refused.

        Typed for every tensor, as numpy's ``ndarray.__index__`` is: mypy matches
        ``SupportsIndex`` without a method's self-type, so a ``Tensor[()]`` self would
        split the two checkers' verdicts on ``items[t]``.
        """
        if self._data.ndim != 0:
            raise TypeError(
                f"index: only a 0-d integer tensor can be an index, got shape {self.shape}; "
                "int(t) is a one-element tensor's value"
            )
        if self.dtype.kind not in "iu":
            raise TypeError(
                f"index: only an integer tensor can be an index, got dtype {self.dtype}; "
                "int(t) truncates a float"
            )
        return int(self._value("index"))

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats its value, as PyTorch's; another tensor
        formats as ``str(t)`` and refuses a format spec."""
        if self._data.ndim == 0:
            return format(self._value("format"), spec)
        if spec:
            raise TypeError(
                f"format: the spec {spec!r} formats a 0-d tensor's value, got shape "
                f"{self.shape}; format t.numpy() or its items instead"
            )
        return str(self)

    def _value(self, op: str) -> float:
        """The one value as a Python int, float or bool; ``op`` names the caller's form."""
        if self.size != 1:
            raise ShapeError(f"{op}: expected a tensor with one element, got shape {self.shape}")
        value: float = backends.to_numpy(self._data).item()  # a Python int, float or bool
        return value

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ShapeError(
                f"bool: the truth value of a tensor of shape {self.shape} is ambiguous; "
                "reduce it to one value first: (x > 0).sum() > 0 is any, "
                "(x > 0).sum() == x.size is all"
            )
        return bool(self._data)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise ShapeError("len: a 0-d tensor has no length")
        return int(self._data.shape[0])

    def __repr__(self) -> str:
        body = np.array2string(
            self.numpy(), precision=4, threshold=20, separator=", ", prefix="tensor("
        )
        record = self._record
        extra = f", grad_fn={RecordView(record)!r}" if record is not None else ""
        if self._requires_grad and record is None:
            extra = ", requires_grad=True"
        if type(self._data) is not np.ndarray:
            extra += f", backend={self.backend!r}, device={self.device!r}"
        return f"tensor({body}, shape={self.shape}, dtype={self.dtype}{extra})"
