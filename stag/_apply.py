"""The per-op path: ``apply`` runs a primitive on tensors and records it for backward.

``apply`` (any primitive), ``apply2`` (two inputs, no keywords: the operators' path) and
``binary`` (a tensor and a tensor or a Python number: promotion, the broadcasting rule)
make the ``Tensor`` objects the facade's methods return; ``view_of`` makes the views
(``detach()``, ``t[i]``, a reshape) that share a tensor's version counter.  This module
is imported by ``stag._tensor`` once ``Tensor`` exists.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray  # one global lookup on the per-op path, not two

from stag import _autograd
from stag import _backends as backends
from stag import _broadcasting as broadcasting
from stag._autograd import Array, everywhere, grad_mode
from stag._dims import AnyShape, Shape
from stag._errors import BackendError, ShapeError
from stag._operands import (
    DEFAULT_FLOAT,
    Scalar,
    astype_array,
    constants,
    foreign_constant,
    kind,
    new_constant,
    not_tensors,
    promote,
)
from stag._ops import Primitive, elementwise, movement
from stag._tensor import Tensor

_FLOAT64 = np.dtype(np.float64)


def apply(prim: Primitive, *args: Tensor[*AnyShape], **kwargs: Any) -> Tensor[*AnyShape]:
    """Run ``prim`` forward on the tensors' arrays and record it if needed.

    This is the per-op hot path: one forward call, one tensor, and a record only
    when grad mode is on and some input requires grad.  One and two inputs are
    spelled out: a comprehension is a function call in Python 3.11.
    """
    try:  # free in Python 3.11 unless raised: a numpy array passed where a tensor goes
        # another library's arrays take the foreign path (stag._backends)
        if len(args) == 1:
            datas: tuple[Array, ...] = (args[0]._data,)
            if type(datas[0]) is not ndarray:
                return apply_foreign(prim, args, datas, kwargs)
        elif len(args) == 2:
            datas = (args[0]._data, args[1]._data)
            if type(datas[0]) is not ndarray or type(datas[1]) is not ndarray:
                return apply_foreign(prim, args, datas, kwargs)
        else:
            datas = tuple([a._data for a in args])
            if not all(type(d) is ndarray for d in datas):
                return apply_foreign(prim, args, datas, kwargs)
    except AttributeError:
        raise TypeError(not_tensors(prim.name, args)) from None
    try:
        ans = prim.forward(*datas, **kwargs) if kwargs else prim.forward(*datas)
    except ValueError as exc:
        raise ShapeError(prim.describe_error(datas, kwargs, exc)) from None
    if type(ans) is not np.ndarray:
        ans = np.asarray(ans)  # ufuncs on 0-d arrays return numpy scalars
    if ans.dtype is _FLOAT64 and datas[0].dtype.kind in "iub":
        # exp or mean of ints: float32, PyTorch's rule (through the primitive's forward, which
        # stag.compile records)
        ans = elementwise.astype.forward(ans, DEFAULT_FLOAT)
    if ans.base is not None and len(args) == 1 and np.may_share_memory(ans, datas[0]):
        out: Tensor[*AnyShape] = view_of(args[0], ans)  # a reshape, a transpose, t[i]...
    else:
        out = Tensor.__new__(Tensor)
        out._data = ans
        out._grad = None
        out._version = 0
        out._seq = next(_autograd.creation_order)
    if (everywhere.recording or grad_mode.enabled) and prim.vjps:
        for a in args:
            if a._requires_grad:
                if len(args) == 1:
                    versions: tuple[int, ...] = (args[0]._version,)
                elif len(args) == 2:
                    versions = (args[0]._version, args[1]._version)
                else:
                    versions = tuple([a._version for a in args])
                out._requires_grad = True
                out._record = (prim, args, datas, kwargs, versions)
                return out
    out._requires_grad = False
    out._record = None
    return out


def apply2(prim: Primitive, x: Tensor[*AnyShape], y: Tensor[*AnyShape]) -> Tensor[*AnyShape]:
    """``apply(prim, x, y)`` for a two-input primitive without keyword arguments.

    The path of the arithmetic operators and ``@``, written out without the
    ``*args``/``**kwargs`` packing that costs ``apply`` a tenth of a small op's time.
    """
    try:
        xd, yd = x._data, y._data
    except AttributeError:
        raise TypeError(not_tensors(prim.name, (x, y))) from None
    if type(xd) is not ndarray or type(yd) is not ndarray:
        return apply_foreign(prim, (x, y), (xd, yd), _NO_KWARGS)
    try:
        ans = prim.forward(xd, yd)
    except ValueError as exc:
        raise ShapeError(prim.describe_error((xd, yd), {}, exc)) from None
    if type(ans) is not np.ndarray:
        ans = np.asarray(ans)  # ufuncs on 0-d arrays return numpy scalars
    out: Tensor[*AnyShape] = Tensor.__new__(Tensor)
    out._data = ans
    out._grad = None
    out._version = 0
    out._seq = next(_autograd.creation_order)
    if (
        (x._requires_grad or y._requires_grad)
        and (everywhere.recording or grad_mode.enabled)
        and prim.vjps
    ):
        out._requires_grad = True
        out._record = (prim, (x, y), (xd, yd), _NO_KWARGS, (x._version, y._version))
    else:
        out._requires_grad = False
        out._record = None
    return out


_NO_KWARGS: dict[str, Any] = {}  # the keyword arguments of apply2's records; never written to


def apply_foreign(
    prim: Primitive, args: tuple[Tensor[*AnyShape], ...], datas: tuple[Any, ...], kwargs: Any
) -> Tensor[*AnyShape]:
    """``apply`` on another library's arrays: the primitive's portable twin computes, and
    the record names the twin, so that backward stays in that library.

    Arrays of two libraries (or devices), among the inputs or the keyword arguments, are
    a ``BackendError`` naming both; so is an op that has no twin yet.
    """
    if all(isinstance(d, np.ndarray | np.generic) for d in datas):
        for a in args:  # a numpy scalar where a 0-d array belongs: numpy's path after all
            a._data = np.asarray(a._data)
        return apply(prim, *args, **kwargs)
    # the inputs must agree; so must a keyword's array, unless it is numpy's (moved below)
    keywords = [v for v in kwargs.values() if _is_array(v) and type(v) is not np.ndarray]
    backends.namespace(prim.name, *datas, *keywords)
    if kwargs:  # host arrays among the keywords (an index, a mask) go to the inputs' library
        model = next(d for d in datas if type(d) is not np.ndarray)
        kwargs = {k: _moved(v, model) for k, v in kwargs.items()}
    twin = prim.portable
    if twin is None:
        name = backends.name_of(next(a for a in datas if type(a) is not np.ndarray))
        raise BackendError(
            f"{prim.name}: computes on numpy only for now, not on the {name} backend; move "
            f"its inputs with .to('numpy') (and the result back with .to({name!r}))"
        )
    try:
        ans = twin.forward(*datas, **kwargs)
    except (ValueError, RuntimeError, IndexError) as exc:
        # the message reads shapes and dtypes only: numpy stand-ins of no size print them
        # as numpy's do (a torch.Size would show)
        stand_ins = tuple([backends.stand_in(d) for d in datas])
        raise ShapeError(prim.describe_error(stand_ins, kwargs, exc)) from None
    if prim in _VIEWS and backends.shares_memory(ans, datas[0]):  # a view: one version count
        out: Tensor[*AnyShape] = view_of(args[0], ans)
    else:
        out = Tensor(ans)
    recording = everywhere.recording or grad_mode.enabled
    if recording and twin.vjps and any(a._requires_grad for a in args):
        out._requires_grad = True
        out._record = (twin, args, datas, kwargs, tuple([a._version for a in args]))
    return out


def _moved(value: object, model: Any) -> object:
    """A numpy array (or a tuple holding some: an index) in ``model``'s library."""
    if type(value) is np.ndarray:
        return backends.like(value, model)
    if type(value) is tuple:
        return tuple([_moved(v, model) for v in value])
    return value


def _is_array(value: object) -> bool:
    return hasattr(value, "__array_namespace__") or hasattr(value, "__dlpack__")


# the primitives whose result can be a view of their input: a result that shares its
# input's memory (or may: backends.shares_memory) shares its version counter
_VIEWS = frozenset(
    {
        movement.reshape,
        movement.transpose,
        movement.expand_dims,
        movement.squeeze,
        movement.getitem,
        movement.broadcast_to,
    }
)


class _View(Tensor[*Shape]):
    """A tensor whose array is another tensor's (or a view of it): ``detach()``, ``t[i]``,
    a reshape.  It shares that tensor's version counter, as PyTorch's views do, so an
    in-place change through either makes backward refuse graphs that saved the other.
    Its own count starts at 0 (``_offset``), so its record's checks read as any tensor's.
    """

    __slots__ = ("_base", "_offset")

    _base: Tensor[*AnyShape]
    _offset: int

    @property  # a shared counter in place of the slot
    def _version(self) -> int:
        return self._base._version - self._offset

    @_version.setter
    def _version(self, value: int) -> None:
        self._base._version = value + self._offset


def view_of(source: Tensor[*AnyShape], data: Array) -> Tensor[*AnyShape]:
    """A leaf-like tensor on ``data`` (an array of ``source``'s) sharing its version counter."""
    base = source._base if isinstance(source, _View) else source
    out: _View[*AnyShape] = _View.__new__(_View)
    out._data = data
    out._grad = None
    out._record = None
    out._requires_grad = False
    out._base = base
    out._offset = base._version
    out._seq = next(_autograd.creation_order)
    return out


def transfer(t: Tensor[*AnyShape], backend: backends.Backend) -> Tensor[*AnyShape]:
    """``t``'s values on ``backend`` (``Tensor.to``), recorded so that the gradient goes
    back to ``t``'s library and device."""
    source = backends.Backend(backends.name_of(t._data), backends.device_of(t._data))
    if source == backend:
        return t
    out: Tensor[*AnyShape] = Tensor(backends.convert(t._data, backend))
    if t._requires_grad and (everywhere.recording or grad_mode.enabled):
        out._requires_grad = True
        out._record = (_TRANSFER, (t,), (t._data,), {"source": source}, (t._version,))
    return out


# the record of Tensor.to: not a registered primitive (it changes library, which no
# primitive's forward does); its VJP sends the cotangent back to the source
_TRANSFER = Primitive(
    "to",
    lambda x, source: x,
    (lambda g, ans, x, source: backends.convert(g, source),),
    variadic=False,
    error_text=None,
    facade=None,
)


def _rebuild(data: Array, requires_grad: bool, grad: Array | None) -> Tensor[*AnyShape]:
    """A new leaf (``__reduce__``'s rebuild): new creation number, version 0."""
    out: Tensor[*AnyShape] = Tensor(data, requires_grad=requires_grad)
    out._grad = grad
    return out


def binary(
    prim: Primitive, x: Tensor[*AnyShape], y: Tensor[*AnyShape] | Scalar
) -> Tensor[*AnyShape]:
    """``prim`` on a tensor and a tensor or a Python number (the operators' shared body).

    Operands of different ranks meet stag's broadcasting rule first (``_broadcasting``):
    equal ranks, the per-op hot path, never reach it.
    """
    if isinstance(y, Tensor):
        xd, yd = x._data, y._data
        if xd.ndim != yd.ndim:
            broadcasting.check(prim.name, tuple(xd.shape), tuple(yd.shape))
        if xd.dtype is not yd.dtype and xd.dtype != yd.dtype:
            x, y = promote(prim.name, (x, y))
        if prim is elementwise.div and kind(x._data.dtype) in "iub":  # ints / ints: float32
            x, y = (
                Tensor(astype_array(x._data, DEFAULT_FLOAT)),
                Tensor(astype_array(y._data, DEFAULT_FLOAT)),
            )
        return apply2(prim, x, y)
    try:  # scalar_constant inlined (the per-op path): the constant is in x's dtype (another
        # library's dtype is not a key of numpy's cache: foreign_constant has its own)
        constant = constants[x._data.dtype][y]
    except (KeyError, TypeError):
        if type(x._data) is not ndarray:  # another library's: its cached constant, its dtype
            constant = foreign_constant(y, x, prim.name)
            if constant._data.dtype is x._data.dtype:
                return apply2(prim, x, constant)
            return binary(prim, x, constant)
        constant = new_constant(y, x, prim.name)
        return binary(prim, x, constant)  # an int tensor: promotion as for two tensors
    return apply2(prim, x, constant)
