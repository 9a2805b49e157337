"""The in-place rules: ``x += y``, ``add_`` and the others, ``t[i] = v``, optimizers' writes.

A tensor that requires grad is written only under ``no_grad``; a value must broadcast
into the tensor's shape (stag's broadcasting rule, with the fix in the message); floats
are not written into int tensors, nor float64 into float32; the version counter is
bumped, so a graph that saved the tensor (or a view of it) refuses to back-propagate;
an array stag does not own (read-only, or a view of a user's array) is copied first.
Imported by ``stag._tensor`` once ``Tensor`` exists.
"""

from __future__ import annotations

import numpy as np

from stag import _broadcasting as broadcasting
from stag._autograd import Array, grad_mode
from stag._backends import like, namespace, stand_in, to_numpy
from stag._dims import AnyShape
from stag._errors import BackendError, DTypeError, ShapeError
from stag._indexing import check_index
from stag._operands import Scalar, fits, kind, python_number
from stag._ops import Primitive, elementwise
from stag._tensor import Tensor, _unwrap


def writable(t: Tensor[*AnyShape], name: str) -> Array:
    """The array to write into (copied first if stag does not own it), version bumped."""
    if t._requires_grad and grad_mode.enabled:
        raise RuntimeError(
            f"{name}: in-place change of a tensor that requires grad while grad mode is "
            "on (it would rewrite the graph); compute a new tensor in a model "
            "(`x = x + y`), or update parameters under stag.no_grad()"
        )
    return own_array(t)


def operand(t: Tensor[*AnyShape], name: str, other: Tensor[*AnyShape] | Scalar) -> Array:
    """``other`` as an array that broadcasts into ``t``'s shape and dtype."""
    if type(t._data) is not np.ndarray:
        return _foreign_operand(t, name, other)
    if type(other) is Tensor:
        value = other._data
        if value.dtype is t._data.dtype and value.shape == t._data.shape:
            return value  # the common case (an optimizer's update), checked in two tests
    else:
        value = other._data if isinstance(other, Tensor) else python_number(name, other)
    shape, dtype = t._data.shape, t._data.dtype
    if value.shape != shape and not fits(value.shape, shape):
        fix = broadcasting.rank_fix(shape, value.shape)
        raise ShapeError(
            f"{name}: a tensor of shape {value.shape} cannot be written into one of shape "
            f"{shape}; " + (fix if fix else "use the out-of-place operator to get a new tensor")
        )
    if dtype.kind != "f" and value.dtype.kind == "f":
        raise DTypeError(
            f"{name}: float values cannot be written into a {dtype} tensor; "
            f"convert it first, e.g. x = x.astype(np.float32)"
        )
    if dtype.kind == "f" and value.dtype.kind == "f" and value.dtype != dtype:
        if isinstance(other, Tensor):
            raise DTypeError(f"{name}: dtypes {dtype} and {value.dtype} differ")
        value = value.astype(dtype)  # a Python number takes the tensor's dtype
    return value


def _foreign_operand(t: Tensor[*AnyShape], name: str, other: Tensor[*AnyShape] | Scalar) -> Array:
    """``operand`` for a tensor of another library: ``other`` checked by the same rules
    (on stand-ins of no size), then given in ``t``'s library; a tensor of a third library
    is a ``BackendError``."""
    mirror: Tensor[*AnyShape] = Tensor(stand_in(t._data))
    if isinstance(other, Tensor):
        namespace(name, t._data, other._data)
        operand(mirror, name, Tensor(stand_in(other._data)))
        return other._data
    value = operand(mirror, name, other)
    result: Array = like(np.asarray(value, dtype=t.dtype), t._data)
    return result


def update(
    t: Tensor[*AnyShape], name: str, prim: Primitive, other: Tensor[*AnyShape] | Scalar
) -> None:
    """``prim(t, other)`` written into ``t``'s array, after the in-place rules."""
    if prim is elementwise.div and t.dtype.kind != "f":
        raise DTypeError(
            f"{name}: a {t.dtype} tensor cannot hold a quotient; divide out of "
            "place (x = x / y gives float32) or convert x first"
        )
    value = operand(t, name, other)
    data = writable(t, name)
    if type(data) is np.ndarray:
        prim.forward(data, value, out=data)
    else:
        data[...] = _portable(prim).forward(data, value)


def _portable(prim: Primitive) -> Primitive:
    twin = prim.portable
    if twin is None:
        raise BackendError(f"{prim.name}: computes on numpy only for now")
    return twin


def copy_into(t: Tensor[*AnyShape], other: Tensor[*AnyShape]) -> None:
    """``t.copy_(other)``: ``other``'s values written into ``t``, in ``t``'s dtype and
    library (the one in-place write that may cross libraries: loading a checkpoint)."""
    data = writable(t, "copy_")
    if type(data) is np.ndarray:
        np.copyto(data, to_numpy(other._data), casting="unsafe")
    else:
        values = like(np.asarray(to_numpy(other._data), dtype=t.dtype), data)
        data[...] = values


def own_array(t: Tensor[*AnyShape]) -> Array:
    """The array to write into, version bumped: copied first if it is read-only, or a
    view of an array stag does not track (a user's, a DataLoader's): never written
    through.  A view of another tensor (``detach()``, ``t[i]``) writes into it."""
    data = t._data
    if type(data) is not np.ndarray:  # another library's: stag allocated it (or .to did)
        t._version += 1
        return data
    flags = data.flags  # a new flags object per access: read it once
    if not flags.writeable or not (flags.owndata or type(t) is not Tensor):
        data = t._data = data.copy()
    t._version += 1
    return data


def setitem(t: Tensor[*AnyShape], index: object, value: Tensor[*AnyShape] | Scalar) -> None:
    """``t[index] = value``: numpy's assignment under the in-place rules."""
    checked = check_index(t.shape, index, _unwrap, masks=True)
    items = checked.items[0] if len(checked.items) == 1 else checked.items
    array = value._data if isinstance(value, Tensor) else python_number("setitem", value)
    if kind(t._data.dtype) != "f" and kind(array.dtype) == "f":
        raise DTypeError(f"setitem: float values cannot be written into a {t.dtype} tensor")
    if type(t._data) is not np.ndarray:
        if isinstance(value, Tensor):
            namespace("setitem", t._data, array)
        else:
            array = like(array.astype(t.dtype), t._data)
    part = t._data[items]
    if not fits(array.shape, part.shape):
        fix = broadcasting.rank_fix(tuple(part.shape), tuple(array.shape))
        raise ShapeError(
            f"setitem: a value of shape {tuple(array.shape)} does not fit the indexed part of "
            f"shape {tuple(part.shape)} (tensor shape {t.shape})" + (f"; {fix}" if fix else "")
        )
    writable(t, "setitem")[items] = array
