"""Capturing one call of a function as a flat list of instructions on arrays.

While a capture runs (in the thread that started it), every primitive's forward and
VJPs, the engine's gradient sums and writes, ``Tensor.grad`` assignments,
``Optimizer.step`` and ``LRScheduler.step`` report what they do to a ``Recorder``;
the function itself runs eagerly, as it would without ``stag.compile``.  Values are
*slots*, found by the identity of their arrays: an argument's array is an input, an
array a recorded call returned is that call's result, and any other array (a
parameter, a cached constant, an optimizer's buffer) is held by reference, so that a
replay reads its values at that time.  What would make a replay differ from the
eager call is refused with ``CaptureError``: reading values into Python (``.item()``,
``.numpy()``, ``bool(t)``), drawing random numbers, and in-place writes that are not
recorded (``zero_``, ``copy_``, ``t[i] = v``).

The hooks are installed for the capture and removed after it: the eager per-op path
carries no test of "is a capture running".
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import numpy as np

from stag import _autograd
from stag._autograd import Array
from stag._compile import active
from stag._errors import CaptureError
from stag._ops import PRIMITIVES
from stag._tensor import Tensor


@dataclass(slots=True)
class Call:
    """``out = fn(*args, **kwargs)`` on slots; ``writes``: the slot written by ``out=``."""

    fn: Callable[..., Any]
    args: tuple[int, ...]
    kwargs: tuple[tuple[str, int], ...]
    out: int
    writes: int | None = None
    aliases: tuple[int, ...] = ()  # input slots whose memory the result may share


@dataclass(slots=True)
class SetGrad:
    """``tensor._grad = value`` (None: the gradient is forgotten)."""

    tensor: int
    value: int | None


@dataclass(slots=True)
class LoadGrad:
    """``out = tensor._grad``: a gradient that was there before the call."""

    tensor: int
    out: int


@dataclass(slots=True)
class Live:
    """A call run as it is on every replay: ``opt.step()``, ``scheduler.step()``."""

    fn: Callable[[], object]


Instruction = Call | SetGrad | LoadGrad | Live
INPUT, CONST, RESULT = "input", "const", "result"
_SIMPLE = (int, float, bool, str, type(None), np.dtype)


@dataclass
class Recorder:
    """What one capture has seen: slots, instructions, tensors touched, guards."""

    thread: int
    slot_of: dict[int, int] = field(default_factory=dict)  # id(array) -> slot
    values: list[object] = field(default_factory=list)  # each slot's value at capture
    kinds: list[str] = field(default_factory=list)
    inputs: list[tuple[int, int]] = field(default_factory=list)  # (slot, leaf index)
    instructions: list[Instruction] = field(default_factory=list)
    # tensors that gradients are written to or read from: ("arg", leaf) or ("live", tensor)
    tensors: list[tuple[str, Any]] = field(default_factory=list)
    _tensor_ref: dict[int, int] = field(default_factory=dict)
    _arg_of: dict[int, int] = field(default_factory=dict)
    _constants: dict[tuple[type, str], int] = field(default_factory=dict)
    grad_written: set[int] = field(default_factory=set)  # tensor refs given a gradient
    grad_checks: list[tuple[int, bool]] = field(default_factory=list)  # (ref, had a grad)
    stable: bool = True
    kept_arrays: list[tuple[Any, Array]] = field(default_factory=list)  # (param, its array)

    def add_inputs(self, leaves: list[object]) -> None:
        for i, leaf in enumerate(leaves):
            if isinstance(leaf, Tensor):
                self._arg_of[id(leaf)] = i
                array: object = leaf._data
            else:
                array = leaf
            if isinstance(array, np.ndarray) and id(array) not in self.slot_of:
                self.inputs.append((self._bind(array, INPUT), i))

    def _new(self, value: object, kind: str) -> int:
        self.values.append(value)
        self.kinds.append(kind)
        return len(self.values) - 1

    def _bind(self, array: Array, kind: str) -> int:
        slot = self._new(array, kind)
        self.slot_of[id(array)] = slot
        return slot

    def slot(self, value: object) -> int:
        """The slot of an array (by identity) or of a Python value (a constant)."""
        if isinstance(value, np.ndarray):
            found = self.slot_of.get(id(value))
            return self._bind(value, CONST) if found is None else found
        if isinstance(value, tuple | list) and any(isinstance(v, np.ndarray) for v in value):
            parts = tuple(self.slot(v) for v in value)  # an index of arrays: built on replay
            out = self._new(value, RESULT)
            pack = _as_tuple if type(value) is tuple else _as_list
            self.instructions.append(Call(pack, parts, (), out))
            return out
        if isinstance(value, _SIMPLE) or (
            type(value) is tuple and all(isinstance(v, _SIMPLE) for v in value)
        ):
            key = (type(value), repr(value))  # repr: -0.0 and 0.0 stay apart
            found = self._constants.get(key)
            if found is None:
                found = self._constants[key] = self._new(value, CONST)
            return found
        return self._new(value, CONST)

    def call(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], result: Array
    ) -> None:
        if "out" not in kwargs and any(result is a for a in args):
            # an argument handed back (add's VJP passes g on; unbroadcast to the same shape):
            # the same on every replay, whose shapes are those of this capture
            return
        ins = tuple(self.slot(a) for a in args)
        target = kwargs.get("out")
        writes = None if target is None else self.slot(target)
        kws = tuple((k, self.slot(v)) for k, v in kwargs.items() if k != "out")
        aliases = tuple(
            s
            for a, s in zip(args, ins, strict=True)
            if isinstance(a, np.ndarray) and np.may_share_memory(a, result)
        )
        out = self._bind(result, RESULT)  # an in-place write: the array's new value
        self.instructions.append(Call(fn, ins, kws, out, writes, aliases))

    def tensor(self, t: Tensor[Any]) -> int:
        ref = self._tensor_ref.get(id(t))
        if ref is None:
            arg = self._arg_of.get(id(t))
            self.tensors.append(("live", t) if arg is None else ("arg", arg))
            ref = self._tensor_ref[id(t)] = len(self.tensors) - 1
        return ref

    def set_grad(self, t: Tensor[Any], value: Array | None) -> None:
        ref = self.tensor(t)
        self.grad_written.add(ref)
        self.instructions.append(SetGrad(ref, None if value is None else self.slot(value)))

    def read_grad(self, t: Tensor[Any]) -> None:
        """Before the first write of ``t``'s gradient: note whether it had one, and load it."""
        ref = self.tensor(t)
        if ref in self.grad_written:
            return
        grad = t._grad
        self.grad_checks.append((ref, grad is not None))
        if grad is not None and id(grad) not in self.slot_of:
            out = self._bind(grad, RESULT)
            self.instructions.append(LoadGrad(ref, out))


def _as_tuple(*items: object) -> tuple[object, ...]:
    return items


def _as_list(*items: object) -> list[object]:
    return list(items)


# --------------------------------------------------------------------------- hooks
def _stag_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_line() -> str:
    """``file:line`` of the innermost frame outside stag: where the user's code is."""
    stag_dir = _stag_dir()
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(stag_dir):
        frame = frame.f_back
    return "<unknown>" if frame is None else f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _refuse(rec: Recorder, what: str, why: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """``original``, except in the capturing thread, where it raises ``CaptureError``."""

    def refused(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if threading.get_ident() != rec.thread:
            return original(*args, **kwargs)
        raise CaptureError(f"{what} inside stag.compile ({user_line()}): {why}")

    return refused


_DATA = (
    "reads a tensor's values into Python while the step is captured, so a replay would "
    "take the same branch and numbers; return the tensor from the compiled function and "
    "read it outside"
)
_INHERITED = object()  # a patched name the class itself did not have
_REFUSED_METHODS = {
    "item": _DATA,
    "numpy": _DATA,
    "__array__": _DATA,
    "__bool__": _DATA,
    "__float__": _DATA,
    "__int__": _DATA,
    "__index__": _DATA,
    "__format__": _DATA,
    "__dlpack__": _DATA,
    "zero_": "in-place writes other than +=, -=, *=, /= (add_, ...) are not recorded",
    "copy_": "in-place writes other than +=, -=, *=, /= (add_, ...) are not recorded",
    "__setitem__": "in-place writes other than +=, -=, *=, /= (add_, ...) are not recorded",
}


def _recording(rec: Recorder, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` that reports each call made in the capturing thread to ``rec``."""
    thread = rec.thread

    def recorded(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if threading.get_ident() == thread:
            if type(result) is not np.ndarray:
                result = np.asarray(result)  # what apply would make of a numpy scalar
            rec.call(fn, args, kwargs, result)
        return result

    return recorded


@contextmanager
def hooks(rec: Recorder) -> Iterator[None]:
    """Install the recording hooks for the duration of one capture."""
    from stag import _creation
    from stag._creation import Generator
    from stag.optim import _clip
    from stag.optim._optimizer import Optimizer
    from stag.optim._schedulers import LRScheduler

    saved: list[tuple[object, str, object]] = []

    def patch(owner: object, name: str, value: object) -> None:
        if isinstance(owner, type):  # its own attribute; Tensor's numpy, item, ... are Values'
            saved.append((owner, name, owner.__dict__.get(name, _INHERITED)))
        else:
            saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    for prim in PRIMITIVES.values():
        patch(prim, "forward", _recording(rec, prim.forward))
        patch(prim, "vjps", tuple(_recording(rec, v) for v in prim.vjps))
    patch(_autograd, "unbroadcast", _recording(rec, _autograd.unbroadcast))
    patch(_autograd, "_sum", _recording(rec, _autograd._sum))
    patch(_creation, "copy_array", _recording(rec, _creation.copy_array))
    patch(_autograd, "_accumulate", _accumulate_hook(rec))
    grad_property: property = Tensor.__dict__["grad"]
    patch(Tensor, "grad", property(grad_property.fget, _grad_setter(rec, grad_property)))
    for name, why in _REFUSED_METHODS.items():
        patch(Tensor, name, _refuse(rec, f"Tensor.{name}", why, getattr(Tensor, name)))
    rng: property = Generator.__dict__["rng"]
    assert rng.fget is not None
    patch(Generator, "rng", property(_refuse(rec, "a random draw", _RANDOM, rng.fget)))
    patch(_clip, "_total_norm", _refuse(rec, "clip_grad_norm_", _CLIP, _clip._total_norm))
    patch(Optimizer, "step", _live_method(rec, Optimizer.step, optimizer=True))
    patch(LRScheduler, "step", _live_method(rec, LRScheduler.step, optimizer=False))
    active.recorder = rec
    try:
        yield
    finally:
        active.recorder = None
        for owner, name, value in reversed(saved):
            if value is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


_RANDOM = (
    "a replay would reuse the numbers drawn at capture; draw them outside the compiled "
    "function and pass them in (a dropout mask, noise)"
)
_CLIP = (
    "it reads the gradients' norm into Python; clip outside the compiled function, or "
    "scale the gradients with tensor ops"
)


def _accumulate_hook(rec: Recorder) -> Callable[..., None]:
    """The engine's ``_accumulate``, as recorded instructions: a sum or copy, then a write."""

    def accumulate(leaf: Any, g: Array, shared: bool) -> None:
        if threading.get_ident() != rec.thread:
            _ACCUMULATE(leaf, g, shared)
            return
        rec.read_grad(leaf)
        dtype = leaf._data.dtype
        previous = leaf._grad
        if previous is not None:
            new = np.add(previous, g, dtype=dtype)
            rec.call(np.add, (previous, g), {"dtype": dtype}, new)
        elif not shared and g.base is None and g.flags.writeable and g.dtype == dtype:
            new = g
        else:
            new = np.array(g, dtype)
            rec.call(np.array, (g, dtype), {}, new)
        leaf._grad = new
        rec.set_grad(leaf, new)

    return accumulate


_ACCUMULATE = _autograd._accumulate


def _grad_setter(rec: Recorder, original: property) -> Callable[[Any, Any], None]:
    setter = original.fset
    assert setter is not None

    def set_grad(t: Any, value: Any) -> None:
        setter(t, value)
        if threading.get_ident() == rec.thread:
            rec.set_grad(t, t._grad)

    return set_grad


def _live_method(
    rec: Recorder, method: Callable[[Any], Any], *, optimizer: bool
) -> Callable[[Any], Any]:
    """``method`` run now and recorded as a call that every replay makes again."""

    def live(self: Any) -> Any:
        if threading.get_ident() != rec.thread:
            return method(self)
        before = [(p, p._data) for p in self._params] if optimizer else []
        rec.instructions.append(Live(method.__get__(self)))
        result = method(self)
        # an update that had to copy a parameter's array (a read-only one) leaves the
        # recording holding the old array: such a capture is not kept
        rec.stable = rec.stable and all(p._data is data for p, data in before)
        rec.kept_arrays.extend(before)
        return result

    return live
