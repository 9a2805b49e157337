"""The primitive registry: every op the engine can differentiate, and how the facade shows it.

A primitive is a forward function on numpy arrays and, beside it, one
vector-Jacobian product per input: ``vjp(g, ans, *inputs, **kwargs)`` returns
the input's cotangent given the output's cotangent ``g`` and the forward
result ``ans``.  A VJP may answer at the broadcast (output) shape: the engine
sums it down to the input's shape with ``unbroadcast``, the one place that
undoes broadcasting.  Composite ops (softmax losses, variance, layers) are
written from primitives and need no VJP of their own.

An entry may also say how the typed facade shows it (``facade=``: a ``Facade``
naming its shape rule, its method, its free function, its operator and its
docstring).  ``python -m stag._codegen`` writes those methods and functions, with
the rule's overloads, into the marked sections of ``_tensor.py``,
``_free_functions.py``, ``__init__.py`` and the README, so that an op is declared
once, here.  Each family lives in its own module; importing this package
registers them all.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Literal

import numpy as np

from stag._autograd import Array, Record, Vjp
from stag._backends import namespace_of as namespace_of
from stag._errors import format_shapes

Forward = Callable[..., Array]
ErrorText = Callable[[tuple[Array, ...], dict[str, Any]], str]

# The shape rules the facade's templates know (stag/_codegen.py):
# "unary": the shape is kept;  "operator": a binary operator and its overloads for
# broadcasting (+ - * / ** and the comparisons);  "binary": a binary free function with
# the bias / column broadcasts;  "reduction": sum-like, with axis and keepdims;
# "index": argmax-like, with axis only.
Rule = Literal["unary", "operator", "binary", "reduction", "index"]


@dataclass(frozen=True)
class Facade:
    """How an op appears in the typed API: generated from this, never written by hand.

    **Arguments:**
    - ``rule``: the shape rule (one of ``Rule``), which picks the overloads.
    - ``doc``: the docstring of the method and the function.
    - ``method``: whether ``Tensor`` has a method named after the op.
    - ``function``: whether ``stag`` has a free function named after the op.
    - ``operator``: a dunder method (``__add__``, ``__neg__``) that runs the op.
    - ``reflected``: the operator with the operands swapped (``__radd__``).
    - ``inplace``: the augmented assignment (``__iadd__``): ``x += y`` writes into ``x``.
    - ``extra``: more keyword-only parameters, as source text (``ddof: int = 0``).
    - ``impl``: the function of ``stag/_composites.py`` the method calls instead of
      ``apply`` (a composite op).
    """

    rule: Rule
    doc: str = ""
    method: bool = False
    function: bool = False
    operator: str | None = None
    reflected: str | None = None
    inplace: str | None = None
    extra: str = ""
    impl: str | None = None


def unary(
    doc: str, *, method: bool = True, function: bool = True, operator: str | None = None
) -> Facade:
    """A shape-keeping op: a ``Tensor`` method and a ``stag`` function unless told otherwise."""
    return Facade("unary", doc, method=method, function=function, operator=operator)


def binary_operator(
    dunder: str, reflected: str | None = None, inplace: str | None = None
) -> Facade:
    """A binary operator (``__add__``), with its reflected and in-place forms if it has them."""
    return Facade("operator", operator=dunder, reflected=reflected, inplace=inplace)


def binary_function(doc: str) -> Facade:
    """A binary op as a free function (``stag.maximum``) with the broadcasting overloads."""
    return Facade("binary", doc, function=True)


def reduction(doc: str, *, extra: str = "", impl: str | None = None) -> Facade:
    """A reduction method over ``axis`` with ``keepdims`` (``x.sum(-1)``)."""
    return Facade("reduction", doc, method=True, extra=extra, impl=impl)


def index_reduction(doc: str) -> Facade:
    """An index-valued reduction method over ``axis`` (``x.argmax(-1)``)."""
    return Facade("index", doc, method=True)


@dataclass(frozen=True)
class Standard:
    """A primitive's twin that is the array API standard's function ``name`` (``exp``,
    ``add``), with the primitive's own VJPs: written with operators alone, they work on
    any library's arrays.  ``defprim(..., twin=standard("exp"))``."""

    name: str


def standard(name: str) -> Standard:
    """The twin ``Standard(name)``: the standard's function ``name``, the same VJPs."""
    return Standard(name)


# The standard's functions that are its arrays' operators too: the operator skips the
# namespace lookup and array_api_compat's wrapper (a third of a small op's time on PyTorch)
_OPERATORS: dict[str, Forward] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "negative": operator.neg,
    "less": operator.lt,
    "less_equal": operator.le,
    "greater": operator.gt,
    "greater_equal": operator.ge,
    "equal": operator.eq,
    "not_equal": operator.ne,
}


def standard_function(name: str) -> Forward:
    """The standard's function ``name``, taken from its inputs' namespace at each call
    (or its operator, where the standard defines one to mean the same)."""
    if name in _OPERATORS:
        return _OPERATORS[name]

    def forward(*arrays: Array) -> Array:
        result: Array = getattr(namespace_of(arrays[0]), name)(*arrays)
        return result

    forward.__name__ = name
    return forward


def _broadcast_message(name: str, datas: tuple[Array, ...], _kw: dict[str, Any]) -> str:
    return f"{name}: shapes {format_shapes([d.shape for d in datas])} cannot be broadcast"


@dataclass(slots=True, eq=False)  # eq=False: a primitive is itself, hashed by identity
class Primitive:
    """One differentiable (or not) op: its forward and its VJPs, side by side."""

    name: str
    forward: Forward
    vjps: tuple[Vjp, ...]
    _: KW_ONLY
    variadic: bool
    error_text: ErrorText | None
    facade: Facade | None
    # what backward leaves on a tensor this primitive made once its graph is freed
    freed_record: Record = field(init=False)
    # the same op on any array-API library's arrays (``stag._ops.portable``), or None:
    # a numpy-only op, refused on another backend
    portable: Primitive | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.freed_record = (self, (), (), {}, ())

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
        if self.error_text is not None:
            return self.error_text(datas, kwargs)
        if "broadcast" in str(exc):
            return _broadcast_message(self.name, datas, kwargs)
        return f"{self.name}: {exc} (shapes {format_shapes([d.shape for d in datas])})"

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


PRIMITIVES: dict[str, Primitive] = {}

#: Facades of composite ops (written from primitives, no VJP of their own), by name.
COMPOSITES: dict[str, Facade] = {}


def defprim(
    name: str,
    forward: Forward,
    *vjps: Vjp,
    variadic: bool = False,
    error_text: ErrorText | None = None,
    facade: Facade | None = None,
    twin: Standard | None = None,
) -> Primitive:
    """Register a primitive. No VJPs means not differentiable (comparisons, argmax).

    A variadic primitive (concat, stack) has one VJP that takes ``argnum=``.
    ``facade`` (``unary(...)``, ``operator(...)``, ...) says how the typed API shows it;
    ``twin`` (``standard("exp")``) how it computes on another array library, where the
    standard has the function (others give theirs with ``defportable``).
    """
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is already registered")
    prim = Primitive(name, forward, vjps, variadic=variadic, error_text=error_text, facade=facade)
    PRIMITIVES[name] = prim
    if twin is not None:
        defportable(name, standard_function(twin.name), *vjps)
    return prim


def defportable(name: str, forward: Forward, *vjps: Vjp) -> None:
    """Give primitive ``name`` a twin that computes on any array-API library's arrays: its forward
    and VJPs take the arrays of one library (``stag._backends.namespace`` finds it) and
    answer in it.  Backward reads the twin from the records the foreign path makes."""
    prim = PRIMITIVES[name]
    if prim.portable is not None:
        raise ValueError(f"primitive {prim.name!r} already has a portable twin")
    if len(vjps) != len(prim.vjps):
        raise ValueError(f"{prim.name}: {len(prim.vjps)} VJPs expected, {len(vjps)} given")
    prim.portable = Primitive(
        prim.name,
        forward,
        vjps,
        variadic=prim.variadic,
        error_text=prim.error_text,
        facade=None,
    )


def defcomposite(name: str, facade: Facade) -> None:
    """Register the facade of a composite op (``var``): its method calls ``facade.impl``."""
    if name in COMPOSITES or name in PRIMITIVES:
        raise ValueError(f"op {name!r} is already registered")
    COMPOSITES[name] = facade


def facades() -> list[tuple[str, Facade, Primitive | None]]:
    """Every op the facade shows, in declaration order: (name, facade, its primitive)."""
    shown: list[tuple[str, Facade, Primitive | None]] = [
        (name, prim.facade, prim) for name, prim in PRIMITIVES.items() if prim.facade is not None
    ]
    return shown + [(name, facade, None) for name, facade in COMPOSITES.items()]


from stag._ops import conv as conv
from stag._ops import elementwise as elementwise
from stag._ops import linalg as linalg
from stag._ops import movement as movement
from stag._ops import portable as portable  # the twins (it imports the families it needs)
from stag._ops import reduce as reduce
