"""Checks of optimizer settings and state, one function per kind of value.

Constructors, parameter groups, ``load_state_dict`` / ``check_state_dict``, the
``lr`` setter and the schedulers all go through these functions, so a value is
accepted in one place exactly when it is accepted in every other.  A setting
check takes the value and ``what`` (the name the message gives) and returns the
value as its Python type, or raises ``ValueError`` (``TypeError`` for a value that is
not even a number).  Numbers read back from a
checkpoint may come as numpy scalars or 0-d arrays, and flags as 0 / 1: both
are taken.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

from stag._errors import DTypeError, ShapeError

Array = npt.NDArray[Any]
SettingValue: TypeAlias = float | bool | tuple[float, float]
SettingKind: TypeAlias = Callable[[object, str], SettingValue]
BufferKind: TypeAlias = Callable[[object, str, Array], Array]
T = TypeVar("T")


def table(**entries: T) -> Mapping[str, T]:
    """A read-only table by name: an optimizer class's settings or buffers."""
    return MappingProxyType(entries)


def _python(value: object) -> object:
    """A numpy scalar or 0-d array as its Python value (checkpoints store numbers as arrays)."""
    if isinstance(value, np.ndarray) and value.shape == ():
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def real(value: object, what: str) -> float:
    """Any finite number (``dampening``); NaN or inf would poison every later step."""
    value = _python(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return float(value)


def non_negative(value: object, what: str) -> float:
    """A finite number >= 0: ``lr``, ``eps``, ``weight_decay``, ``momentum``, ..."""
    x = real(value, what)
    if x < 0.0:
        raise ValueError(f"{what} must be >= 0, got {x}")
    return x


def fraction(value: object, what: str) -> float:
    """A decay rate in [0, 1): at 1 Adam's bias correction divides by zero."""
    x = real(value, what)
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{what} must be in [0, 1), got {x}")
    return x


def unit(value: object, what: str) -> float:
    """A smoothing constant in [0, 1] (RMSprop's ``alpha``, Adadelta's ``rho``), as PyTorch."""
    x = real(value, what)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{what} must be in [0, 1], got {x}")
    return x


def fraction_pair(value: object, what: str) -> tuple[float, float]:
    """Adam's ``betas``: two decay rates in [0, 1)."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"{what} must be a pair of numbers, got {value!r}")
    return fraction(value[0], f"{what}[0]"), fraction(value[1], f"{what}[1]")


def flag(value: object, what: str) -> bool:
    """A switch (``nesterov``, ``amsgrad``, ``centered``); a checkpoint stores it as 0 or 1."""
    value = _python(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{what} must be True or False, got {value!r}")


def count(value: object, what: str) -> int:
    """A whole number >= 0 (a parameter's ``step``, its ``group``): 2.5 or -1 is no count."""
    number = real(value, what)
    if number != int(number) or number < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {_python(value)!r}")
    return int(number)


def moment(value: object, what: str, param: Array) -> Array:
    """A running average of gradients: the parameter's shape and dtype, finite (a copy)."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{what} must be an array, got {type(value).__name__}")
    if value.shape != param.shape:
        raise ShapeError(f"{what}: expected shape {param.shape}, got {value.shape}")
    if value.dtype != param.dtype:
        raise DTypeError(f"{what}: expected dtype {param.dtype}, got {value.dtype}")
    if not np.isfinite(value).all():
        raise ValueError(f"{what} holds NaN or inf")
    return value.copy()


def square(value: object, what: str, param: Array) -> Array:
    """A running average of squares: a moment that is >= 0 (its square root is taken)."""
    array = moment(value, what, param)
    if (array < 0).any():
        raise ValueError(f"{what} holds negative values")
    return array
