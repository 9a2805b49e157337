"""The primitive registry: every op the engine can differentiate.

A primitive is a forward function on numpy arrays and, beside it, one
vector-Jacobian product per input: ``vjp(g, ans, *inputs, **kwargs)`` returns
the input's cotangent given the output's cotangent ``g`` and the forward
result ``ans``.  A VJP may answer at the broadcast (output) shape: the engine
sums it down to the input's shape with ``unbroadcast``, the one place that
undoes broadcasting.  Composite ops (softmax losses, variance, layers) are
written from primitives and need no VJP of their own.  Each family lives in its own
module; importing this package registers them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stag._autograd import Array, Record, unbroadcast
from stag._errors import format_shapes

__all__ = ["PRIMITIVES", "Primitive", "defprim", "unbroadcast"]

Forward = Callable[..., Array]
Vjp = Callable[..., Array]
ErrorText = Callable[[tuple[Array, ...], dict[str, Any]], str]


def _broadcast_message(name: str, datas: tuple[Array, ...], _kw: dict[str, Any]) -> str:
    return f"{name}: shapes {format_shapes([d.shape for d in datas])} cannot be broadcast"


class Primitive:
    """One differentiable (or not) op: its forward and its VJPs, side by side."""

    __slots__ = ("_error_text", "forward", "freed", "name", "variadic", "vjps")

    def __init__(
        self,
        name: str,
        forward: Forward,
        vjps: tuple[Vjp, ...],
        *,
        variadic: bool,
        error_text: ErrorText | None,
    ) -> None:
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.variadic = variadic
        self._error_text = error_text
        # what backward leaves on a tensor this primitive made once its graph is freed
        self.freed: Record = (self, (), (), {}, ())

    @property
    def differentiable(self) -> bool:
        return bool(self.vjps)

    def describe_error(
        self, datas: tuple[Array, ...], kwargs: dict[str, Any], exc: Exception
    ) -> str:
        """The ShapeError message for a forward that numpy rejected."""
        if isinstance(exc, np.exceptions.AxisError):
            return (
                f"{self.name}: axis {kwargs.get('axis')} is out of range for shape {datas[0].shape}"
            )
        if self._error_text is not None:
            return self._error_text(datas, kwargs)
        if "broadcast" in str(exc):
            return _broadcast_message(self.name, datas, kwargs)
        return f"{self.name}: {exc} (shapes {format_shapes([d.shape for d in datas])})"

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


PRIMITIVES: dict[str, Primitive] = {}


def defprim(
    name: str,
    forward: Forward,
    *vjps: Vjp,
    variadic: bool = False,
    error_text: ErrorText | None = None,
) -> Primitive:
    """Register a primitive. No VJPs means not differentiable (comparisons, argmax).

    A variadic primitive (concat, stack) has one VJP that takes ``argnum=``.
    """
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is already registered")
    prim = Primitive(name, forward, vjps, variadic=variadic, error_text=error_text)
    PRIMITIVES[name] = prim
    return prim


from stag._ops import elementwise, linalg, movement, nn, reduce

__all__ += ["elementwise", "linalg", "movement", "nn", "reduce"]
