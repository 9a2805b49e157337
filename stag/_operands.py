"""Arguments turned into tensors: Python numbers as constants, dtype promotion, and the
``TypeError`` for an array or a list where a tensor goes.

PyTorch's rules, not numpy's: an integer tensor meeting a float32 tensor or a Python
float computes in float32, and two different floating dtypes are a ``DTypeError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from stag import _backends as backends
from stag._backends import numpy_dtype
from stag._dims import AnyShape
from stag._errors import DTypeError

if TYPE_CHECKING:
    from stag._tensor import Tensor

Array = npt.NDArray[Any]
Scalar = float  # int and bool are accepted where float is (PEP 484 numeric tower)
DEFAULT_FLOAT = np.dtype(np.float32)


def kind(dtype: Any) -> str:
    """numpy's one-letter kind (``"f"``, ``"i"``, ``"u"``, ``"b"``) of a dtype of any backend."""
    letter: str = (dtype if isinstance(dtype, np.dtype) else numpy_dtype(dtype)).kind
    return letter


def astype_array(array: Array, dtype: np.dtype[Any]) -> Array:
    """``array`` in ``dtype`` through the ``astype`` primitive (its twin on another
    library), so that ``stag.compile``'s capture records the cast."""
    if type(array) is np.ndarray:
        return elementwise.astype.forward(array, dtype)
    twin = elementwise.astype.portable
    assert twin is not None
    return twin.forward(array, dtype)


def fits(value: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of shape ``value`` broadcasts into ``target`` without growing it."""
    try:
        return np.broadcast_shapes(value, target) == target
    except ValueError:
        return False


def sizes(t: Tensor[*AnyShape]) -> tuple[int, ...]:
    """``t``'s shape as plain ints (typed so), whichever library holds it."""
    return tuple([int(n) for n in t._data.shape])


def not_tensors(name: str, args: tuple[object, ...]) -> str:
    """The ``TypeError`` text for an argument that is not a tensor (an array, a list)."""
    kinds = ", ".join(type(a).__name__ for a in args if not isinstance(a, _tensor.Tensor))
    return f"{name}: expected Tensor arguments, got {kinds}; wrap it with stag.tensor(...)"


def array_of(name: str, t: object) -> Array:
    """The array of tensor ``t`` (the ``TypeError`` of ``not_tensors`` for anything else)."""
    if not isinstance(t, _tensor.Tensor):
        raise TypeError(not_tensors(name, (t,)))
    return t._data


def expect_tensor(name: str, *values: object) -> None:
    """Raise the ``TypeError`` of ``not_tensors`` unless every value is a tensor."""
    for value in values:
        if not isinstance(value, _tensor.Tensor):
            raise TypeError(not_tensors(name, (value,)))


def python_number(name: str, value: object) -> Array:
    """A Python (or numpy) real number as a 0-d array; anything else is a TypeError."""
    if isinstance(value, complex | np.complexfloating) or not isinstance(
        value, int | float | np.number
    ):
        kind = type(value).__name__
        raise TypeError(
            f"{name}: expected a Tensor or a real Python number, got {kind}; "
            "wrap it with stag.tensor(...)"
        )
    return np.asarray(value)


# Constant tensors for Python numbers: per floating dtype, by value (1, 1.0 and True
# make the same constant there).  They are never exposed nor changed, so ``x * 2.0``
# in a loop reuses one instead of making one per call; a dtype's cache is cleared
# when it grows (a learning-rate schedule, say).  Integer tensors are not cached: the
# constant's dtype would depend on the number's type, and that path is not hot.
constants: dict[np.dtype[Any], dict[float, Tensor[()]]] = {
    np.dtype(t): {} for t in (np.float16, np.float32, np.float64)
}


def scalar_constant(value: Scalar, like: Tensor[*AnyShape], op: str = "op") -> Tensor[()]:
    """A Python number as a constant 0-d tensor, in ``like``'s dtype if that is floating."""
    try:
        return constants[like._data.dtype][value]
    except (KeyError, TypeError):
        return new_constant(value, like, op)


def new_constant(value: Scalar, like: Tensor[*AnyShape], op: str) -> Tensor[()]:
    """Make (and cache, for a floating ``like``) the constant ``scalar_constant`` did not find.

    A Python float meeting an integer tensor is float32, stag's default float (PyTorch's
    rule), and ``binary`` then computes in float32: never a silent float64.
    """
    if type(like._data) is not np.ndarray:
        return foreign_constant(value, like, op)
    dtype = like._data.dtype
    constant: Tensor[()] = _tensor.Tensor(_constant_array(python_number(op, value), dtype))
    constant._data.flags.writeable = False
    cache = constants.get(dtype)
    if cache is not None:
        if len(cache) >= 1024:
            cache.clear()
        cache[value] = constant
    return constant


def _constant_array(number: Array, dtype: Any) -> Array:
    """A number's 0-d array in the dtype it takes beside a tensor of ``dtype`` (any
    library's): that dtype if it is floating, else float32 for a float, else its own."""
    if kind(dtype) == "f":
        return number.astype(numpy_dtype(dtype))
    return number.astype(DEFAULT_FLOAT) if number.dtype.kind == "f" else number


# Another library's constants, per (array type, dtype, device), by value: as numpy's
foreign_constants: dict[tuple[type, Any, Any], dict[float, Tensor[()]]] = {}


def foreign_constant(value: Scalar, like: Tensor[*AnyShape], op: str) -> Tensor[()]:
    """``new_constant`` for another library's tensor, cached as numpy's are."""
    data = like._data
    cache = foreign_constants.setdefault((type(data), data.dtype, data.device), {})
    try:
        return cache[value]
    except (KeyError, TypeError):
        number = _constant_array(python_number(op, value), data.dtype)
        constant: Tensor[()] = _tensor.Tensor(backends.like(number, data))
    if kind(data.dtype) == "f" and type(value) in (int, float, bool):
        if len(cache) >= 1024:
            cache.clear()
        cache[value] = constant
    return constant


def check_dtypes(name: str, x: Tensor[*AnyShape], y: Tensor[*AnyShape]) -> None:
    """Raise ``DTypeError`` for two different floating dtypes meeting in op ``name``."""
    dx, dy = x._data.dtype, y._data.dtype
    if dx is not dy and dx != dy and kind(dx) == "f" and kind(dy) == "f":
        raise DTypeError(
            f"{name}: dtypes {dx} and {dy} differ; convert one of them first "
            f"(.astype(np.{dy}), for instance)"
        )


def promote(name: str, tensors: Sequence[Tensor[*AnyShape]]) -> list[Tensor[*AnyShape]]:
    """The tensors in one dtype where one is floating: PyTorch's rule, not numpy's.

    Integer and bool tensors meeting a float32 one become float32 (numpy would give
    float64); two different floating dtypes are a ``DTypeError``: convert one yourself.
    """
    if len(tensors) == 2 and tensors[0]._data.dtype is tensors[1]._data.dtype:
        return list(tensors)  # the usual case (a matmul of two float32 tensors)
    dtypes = [numpy_dtype(t._data.dtype) for t in tensors]  # torch.float32 is float32
    floats = {d for d in dtypes if d.kind == "f"}
    if not floats:
        return list(tensors)
    if len(floats) > 1:
        first, second = sorted(floats, key=str)[:2]
        raise DTypeError(
            f"{name}: dtypes {first} and {second} differ; convert one of them first "
            f"(.astype(np.{second}), for instance)"
        )
    (target,) = floats
    return [
        t if d == target else _tensor.Tensor(astype_array(t._data, target))
        for t, d in zip(tensors, dtypes, strict=True)
    ]


# Last: _tensor imports this module's names at its top, and this module needs the Tensor
# class only when called.  Imported here, after every definition, the cycle resolves in
# either order of first import.
from stag import _tensor
from stag._ops import elementwise
