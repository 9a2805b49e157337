"""Making tensors: from data, filled, random, ranges; and the random generator.

Dims are passed as values whose *types* are the dims: ``stag.zeros(n, 784)``
with ``n: Batch`` and a declared ``Tensor[Batch, Literal[784]]`` target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

from stag import _backends as backends
from stag._dims import AnyShape, B, Dyn, K, N, S
from stag._errors import DTypeError, ShapeError
from stag._operands import array_of
from stag._tensor import Tensor

DType = npt.DTypeLike
C = TypeVar("C")
_DEFAULT_FLOAT = np.dtype(np.float32)


class Generator:
    """A seeded source of random numbers, passed as ``generator=``.

    Wraps numpy's PCG64; the same seed gives the same tensors.
    """

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self._rng: np.random.Generator | None = None

    @property
    def rng(self) -> np.random.Generator:
        """numpy's generator, made at first use: ``import stag`` need not load numpy.random."""
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
        return self._rng

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``."""
        self.seed = seed
        self._rng = None
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (used when no ``generator=`` is given)."""
    return default_generator.manual_seed(seed)


#: How ``tensor`` copies an array: a name that ``stag.compile``'s capture replaces, so that
#: a tensor made from an argument's array is made from each call's array on a replay.
copy_array = np.array


def float_dtype(dtype: DType | None) -> np.dtype[Any]:
    return _DEFAULT_FLOAT if dtype is None else np.dtype(dtype)


def _shape(op: str, dims: Sequence[object]) -> tuple[int, ...]:
    sizes: list[int] = []
    for d in dims:
        if not isinstance(d, int | np.integer) or isinstance(d, bool) or d < 0:
            hint = ""
            if len(dims) == 1 and isinstance(d, tuple | list) and op != "full":
                hint = (
                    "; pass the dims one by one (unpack a tuple: *shape), not one tuple as PyTorch"
                )
            raise ShapeError(f"{op}: dims must be non-negative ints, got {tuple(dims)}{hint}")
        sizes.append(int(d))
    return tuple(sizes)


def _leaf(data: npt.NDArray[Any], requires_grad: bool) -> Tensor[*AnyShape]:
    """A new tensor on ``data``, moved to the default backend (``stag.default_backend``)."""
    out: Tensor[*AnyShape] = Tensor(backends.place(data))
    return out.requires_grad_(requires_grad) if requires_grad else out


def _leaf_like(
    data: npt.NDArray[Any], model: Tensor[*AnyShape], requires_grad: bool
) -> Tensor[*AnyShape]:
    """A new tensor on ``data``, in ``model``'s library and on its device."""
    out: Tensor[*AnyShape] = Tensor(backends.like(data, model._data))
    return out.requires_grad_(requires_grad) if requires_grad else out


@overload
def tensor(data: float, requires_grad: bool = False, dtype: DType | None = None) -> Tensor[()]: ...
@overload
def tensor(
    data: npt.ArrayLike, requires_grad: bool = False, dtype: DType | None = None
) -> Tensor[*AnyShape]: ...
def tensor(
    data: npt.ArrayLike, requires_grad: bool = False, dtype: DType | None = None
) -> Tensor[*AnyShape]:
    """A new tensor holding a copy of ``data`` (an array, nested lists or a number).

    Python floats become float32, ints int64, bools bool; a numpy array keeps
    its dtype.  The shape is unknown to the checker: state it with
    ``.assert_shape(...)`` or a declared annotation.
    """
    if isinstance(data, Tensor):
        data = data._data
    library = backends.foreign(data)
    if library is not None:
        return _foreign_tensor(data, library, requires_grad, dtype)  # stays in its library
    if dtype is None and not isinstance(data, np.ndarray | np.generic):
        array = np.array(data)
        if array.dtype.kind == "f":
            array = array.astype(_DEFAULT_FLOAT)
    else:
        array = copy_array(data, dtype=dtype)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"tensor: unsupported dtype {array.dtype} (numbers or bools only)")
    return _leaf(array, requires_grad)


def _foreign_tensor(
    data: Any, library: str, requires_grad: bool, dtype: DType | None
) -> Tensor[*AnyShape]:
    """``stag.tensor`` of another library's array: wrapped without a copy (PyTorch's
    ``requires_grad`` flag is left behind: stag records the graph)."""
    backends.library(library)  # its extras checked (and set up)
    if library == "torch":
        data = data.detach()
    out: Tensor[*AnyShape] = Tensor(data)
    if out.dtype.kind not in "fiub":
        raise TypeError(f"tensor: unsupported dtype {out.dtype} (numbers or bools only)")
    if dtype is not None and np.dtype(dtype) != out.dtype:
        out = out.astype(dtype)
    return out.requires_grad_(requires_grad) if requires_grad else out


def zeros(*dims: *S, dtype: DType | None = None, requires_grad: bool = False) -> Tensor[*S]:
    """A tensor of zeros of shape ``dims``."""
    return _leaf(np.zeros(_shape("zeros", dims), float_dtype(dtype)), requires_grad)


def ones(*dims: *S, dtype: DType | None = None, requires_grad: bool = False) -> Tensor[*S]:
    """A tensor of ones of shape ``dims``."""
    return _leaf(np.ones(_shape("ones", dims), float_dtype(dtype)), requires_grad)


def full(
    shape: tuple[*S], fill_value: float, *, dtype: DType | None = None, requires_grad: bool = False
) -> Tensor[*S]:
    """A tensor of shape ``shape`` filled with ``fill_value`` (float32 unless ``dtype``).

    A fill value the dtype cannot hold (``7.5`` in an int tensor) is a ``DTypeError``,
    never a silent truncation.
    """
    target = float_dtype(dtype)
    if target.kind in "iub" and not _holds(target, fill_value):
        raise DTypeError(f"full: fill_value {fill_value!r} does not fit dtype {target}")
    return _leaf(np.full(_shape("full", shape), fill_value, target), requires_grad)


def _holds(dtype: np.dtype[Any], value: float) -> bool:
    """Whether an int or bool ``dtype`` holds ``value`` exactly (not NaN, inf, 7.5, 2**70)."""
    if isinstance(value, float) and not value.is_integer():
        return False
    if dtype.kind == "b":
        return value in (0, 1)
    info = np.iinfo(dtype)
    return info.min <= int(value) <= info.max


def linspace(
    start: float, stop: float, num: N, *, dtype: DType | None = None, requires_grad: bool = False
) -> Tensor[N]:
    """``num`` evenly spaced values from ``start`` to ``stop``, both included (float32)."""
    (count,) = _shape("linspace", [num])
    return _leaf(np.linspace(start, stop, count, dtype=float_dtype(dtype)), requires_grad)


def randint(
    low: int,
    high: int,
    *dims: *S,
    dtype: DType | None = None,
    generator: Generator | None = None,
) -> Tensor[*S]:
    """Integers drawn uniformly from ``[low, high)`` (int64 unless ``dtype``): PyTorch's
    ``torch.randint(low, high, size)`` with the sizes as arguments, as ``zeros``."""
    if not (isinstance(low, int | np.integer) and isinstance(high, int | np.integer)):
        raise TypeError(f"randint: low and high must be ints, got {low!r} and {high!r}")
    if not low < high:
        raise ValueError(f"randint: expected low < high, got [{low}, {high})")
    rng = (generator or default_generator).rng
    target = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    return _leaf(rng.integers(low, high, _shape("randint", dims), dtype=target), False)


def multinomial(
    probs: Tensor[*B, C],
    num_samples: K,
    *,
    replacement: bool = False,
    generator: Generator | None = None,
) -> Tensor[*B, K]:
    """Indices drawn from the categorical distribution of each row of ``probs`` (int64).

    ``probs`` holds non-negative weights over the last axis (normalised here, as
    PyTorch does); without ``replacement`` a row gives distinct indices.  Sampling is
    outside the graph, as in PyTorch.
    """
    weights = backends.to_numpy(array_of("multinomial", probs))
    rows = weights.reshape(-1, weights.shape[-1]) if weights.ndim else weights.reshape(1, 1)
    (count,) = _shape("multinomial", [num_samples])
    _check_weights(rows, count, replacement)
    rng = (generator or default_generator).rng
    drawn = [rng.choice(len(p), count, replace=replacement, p=p / p.sum()) for p in rows]
    indices = np.asarray(drawn, dtype=np.int64).reshape(*weights.shape[:-1], count)
    return _leaf_like(indices, probs, False)


def _check_weights(rows: npt.NDArray[Any], count: int, replacement: bool) -> None:
    if rows.ndim != 2 or rows.shape[-1] == 0:
        raise ShapeError(
            f"multinomial: probs must have a last axis of categories, got shape {rows.shape}"
        )
    if not np.all(np.isfinite(rows)) or np.any(rows < 0) or np.any(rows.sum(axis=-1) <= 0):
        raise ValueError(
            "multinomial: probs must be finite, non-negative, with a positive sum per row"
        )
    nonzero = int(np.count_nonzero(rows, axis=-1).min())
    if not replacement and count > nonzero:
        raise ValueError(
            f"multinomial: {count} samples without replacement from a row with {nonzero} "
            "non-zero weights; pass replacement=True"
        )


def randn(
    *dims: *S,
    dtype: DType | None = None,
    requires_grad: bool = False,
    generator: Generator | None = None,
) -> Tensor[*S]:
    """Standard normal samples of shape ``dims``."""
    rng = (generator or default_generator).rng
    data = rng.standard_normal(_shape("randn", dims)).astype(float_dtype(dtype))
    return _leaf(data, requires_grad)


def rand(
    *dims: *S,
    dtype: DType | None = None,
    requires_grad: bool = False,
    generator: Generator | None = None,
) -> Tensor[*S]:
    """Uniform samples in ``[0, 1)`` of shape ``dims``."""
    rng = (generator or default_generator).rng
    data = rng.random(_shape("rand", dims)).astype(float_dtype(dtype))
    return _leaf(data, requires_grad)


@overload
def arange(stop: N, /, *, dtype: DType | None = None) -> Tensor[N]: ...
@overload
def arange(
    start: int, stop: int, step: int = 1, /, *, dtype: DType | None = None
) -> Tensor[Dyn]: ...
def arange(
    start: Any, stop: int | None = None, step: int = 1, /, *, dtype: DType | None = None
) -> Tensor[Dyn]:
    """``0, 1, ..., stop - 1`` (int64 unless ``dtype``); ``arange(n)`` is typed ``Tensor[N]``."""
    values = np.arange(start) if stop is None else np.arange(start, stop, step)
    return _leaf(values if dtype is None else values.astype(dtype), False)


def eye(n: N, *, dtype: DType | None = None, requires_grad: bool = False) -> Tensor[N, N]:
    """The ``n`` x ``n`` identity matrix."""
    (size,) = _shape("eye", [n])
    return _leaf(np.eye(size, dtype=float_dtype(dtype)), requires_grad)


def zeros_like(t: Tensor[*S], *, requires_grad: bool = False) -> Tensor[*S]:
    """Zeros of ``t``'s shape and dtype."""
    shape = array_of("zeros_like", t).shape
    return _leaf_like(np.zeros(shape, t.dtype), t, requires_grad)


def ones_like(t: Tensor[*S], *, requires_grad: bool = False) -> Tensor[*S]:
    """Ones of ``t``'s shape and dtype."""
    shape = array_of("ones_like", t).shape
    return _leaf_like(np.ones(shape, t.dtype), t, requires_grad)


def full_like(t: Tensor[*S], fill_value: float, *, requires_grad: bool = False) -> Tensor[*S]:
    """``fill_value`` in ``t``'s shape and dtype."""
    shape = array_of("full_like", t).shape
    return _leaf_like(np.full(shape, fill_value, t.dtype), t, requires_grad)


def randn_like(
    t: Tensor[*S], *, requires_grad: bool = False, generator: Generator | None = None
) -> Tensor[*S]:
    """Standard normal samples of ``t``'s shape and dtype."""
    shape = array_of("randn_like", t).shape
    rng = (generator or default_generator).rng
    return _leaf_like(rng.standard_normal(shape).astype(t.dtype), t, requires_grad)


def rand_like(
    t: Tensor[*S], *, requires_grad: bool = False, generator: Generator | None = None
) -> Tensor[*S]:
    """Uniform ``[0, 1)`` samples of ``t``'s shape and dtype."""
    shape = array_of("rand_like", t).shape
    rng = (generator or default_generator).rng
    return _leaf_like(rng.random(shape).astype(t.dtype), t, requires_grad)
