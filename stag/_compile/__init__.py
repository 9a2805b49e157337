"""``stag.compile``: capture a function's work once, replay it as a flat program.

The first call with given argument shapes runs the function eagerly and records every
primitive it runs (forward, VJPs, gradient writes, optimizer and scheduler steps,
see ``_capture``); later calls that pass the same guards run the recording as one
generated function of numpy calls (``_program``), with no tensors or records made
per op.  A failed guard captures again; the recordings live in a small LRU cache.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

import numpy as np

from stag._autograd import grad_mode
from stag._backends import default
from stag._compile._tree import Structure, flatten, unflatten
from stag._errors import CaptureError
from stag._tensor import Tensor

if TYPE_CHECKING:  # imported at the first capture: `import stag` stays as fast
    from stag._compile._capture import Recorder
    from stag._compile._program import Outputs, Replay

P = ParamSpec("P")
R = TypeVar("R")

_capturing = threading.Lock()  # the hooks are process-wide: one capture at a time
#: ``active.recorder``: the capture running in this thread, if any
active = threading.local()


class _Recording:
    """A replay function and the guards on state outside the arguments it relies on."""

    def __init__(self, rec: Recorder, replay: Replay, outputs: Outputs, structure: Structure):
        self.replay = replay
        self.outputs = outputs
        self.structure = structure
        live = [(i, t) for i, (kind, t) in enumerate(rec.tensors) if kind == "live"]
        self.requires_grad = [(t, t._requires_grad) for _, t in live]
        self.grad_checks = rec.grad_checks
        self.tensor_refs = rec.tensors
        self.arrays = rec.kept_arrays

    def valid(self, leaves: list[object]) -> bool:
        for t, flag in self.requires_grad:
            if t._requires_grad is not flag:
                return False
        for ref, had in self.grad_checks:
            kind, target = self.tensor_refs[ref]
            t = leaves[target] if kind == "arg" else target
            if (t._grad is not None) is not had:
                return False
        return all(p._data is data for p, data in self.arrays)

    def run(self, leaves: list[object]) -> object:
        found = self.replay(*leaves)
        out = self.outputs
        results: list[object] = [
            value if slot is None else _result(array, is_tensor)
            for slot, is_tensor, value, array in zip(
                out.slots, out.tensor, out.values, found, strict=True
            )
        ]
        return unflatten(self.structure, results)[0]


def _result(array: object, is_tensor: bool) -> object:
    """A replay's output in a tensor slot (a new tensor without a graph), or as it is."""
    return Tensor(np.asarray(array)) if is_tensor else array


def _guard(leaf: object) -> tuple[object, ...]:
    """What must be equal for a recording to serve: shapes, dtypes, flags, constants."""
    if isinstance(leaf, Tensor):
        data = leaf._data
        return (Tensor, data.shape, data.dtype, leaf._requires_grad)
    if isinstance(leaf, np.ndarray):
        return (np.ndarray, leaf.shape, leaf.dtype)
    if isinstance(leaf, int | float | str | bytes | type(None)):
        return (type(leaf), leaf)
    return (object, id(leaf))  # a module, an optimizer: the same object


class Compiled(Generic[P, R]):
    """A function wrapped by ``stag.compile``: called like it, with the same signature.

    ``captures`` counts the eager calls that recorded a program; ``cache_size`` is how
    many recordings (one per guard: argument shapes, dtypes, flags, constants) are kept.
    """

    def __init__(self, fn: Callable[P, R], cache_size: int) -> None:
        if cache_size < 1:
            raise ValueError(f"stag.compile: cache_size must be at least 1, got {cache_size}")
        functools.update_wrapper(self, fn)
        self._fn = fn
        self.cache_size = cache_size
        self.captures = 0
        self._cache: OrderedDict[object, _Recording] = OrderedDict()
        self._keep: dict[object, list[object]] = {}  # guarded objects, so ids stay theirs

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if (
            getattr(active, "recorder", None) is not None
        ):  # inside another capture: part of that recording
            return self._fn(*args, **kwargs)
        leaves: list[object] = []
        structure = flatten((args, kwargs), leaves)
        key = (structure, grad_mode.enabled, tuple([_guard(leaf) for leaf in leaves]))
        recording = self._cache.get(key)
        if recording is not None and recording.valid(leaves):
            self._cache.move_to_end(key)
            result: R = recording.run(leaves)  # type: ignore[assignment]  # fn's own result
            return result
        return self._capture(key, args, kwargs, leaves)

    def _capture(self, key: object, args: Any, kwargs: Any, leaves: list[object]) -> R:
        from stag._compile._capture import Recorder, hooks
        from stag._compile._program import Outputs, build

        foreign = [leaf.backend for leaf in leaves if isinstance(leaf, Tensor)]
        foreign = [b for b in (*foreign, default().name) if b != "numpy"]
        if foreign:
            raise CaptureError(
                f"stag.compile: captures numpy's computations only, not the {foreign[0]} "
                "backend's; call the function itself there (it runs eagerly)"
            )
        rec = Recorder(threading.get_ident())
        rec.add_inputs(leaves)
        with _capturing, hooks(rec):
            try:
                result = self._fn(*args, **kwargs)
            except Exception as exc:
                exc.add_note(
                    f"(raised while stag.compile captured {getattr(self._fn, '__qualname__', self._fn)}: "
                    "the first call with these argument shapes runs it eagerly)"
                )
                raise
        self.captures += 1
        out_leaves: list[object] = []
        out_structure = flatten(result, out_leaves)
        outputs = Outputs([], [], [])
        for leaf in out_leaves:
            array = leaf._data if isinstance(leaf, Tensor) else leaf
            arrayish = isinstance(array, np.ndarray)
            outputs.slots.append(rec.slot(array) if arrayish else None)
            outputs.tensor.append(isinstance(leaf, Tensor))
            outputs.values.append(None if arrayish else leaf)
        if rec.stable:
            replay = build(rec, outputs, len(leaves))
            self._cache[key] = _Recording(rec, replay, outputs, out_structure)
            # objects guarded by identity are held, so that their ids stay theirs
            self._keep[key] = [x for x in leaves if _guard(x)[0] is object]
            while len(self._cache) > self.cache_size:
                oldest, _ = self._cache.popitem(last=False)
                self._keep.pop(oldest, None)
        return result

    def program(self) -> str:
        """The Python source of the most recently used recording (for reading; '' if none)."""
        if not self._cache:
            return ""
        return next(reversed(self._cache.values())).replay.__doc__ or ""


def compile(fn: Callable[P, R], *, cache_size: int = 8) -> Compiled[P, R]:
    """``fn`` captured on its first call and replayed as a flat program after.

    Wraps a whole training step (forward, ``loss.backward()``, ``opt.step()``) or any
    function of tensors.  The first call with new argument shapes, dtypes,
    ``requires_grad`` flags, Python constants or grad mode runs ``fn`` eagerly and
    records each primitive it runs; a later call that matches replays that recording:
    no per-op tensors or graph records, repeated subexpressions computed once, unused
    values dropped, elementwise results written into buffers allocated once.  The
    optimizer's ``step()`` and a scheduler's ``step()`` run as they are on each replay,
    so a learning rate or step count that changes is read anew, never baked in.

    Refused with ``CaptureError`` during the capture: reading values into Python
    (``.item()``, ``.numpy()``, ``bool(t)``, ``float(t)``), random draws, ``zero_``,
    ``copy_`` and ``t[i] = v``, ``clip_grad_norm_``.  Other Python side effects run at
    capture only.  Results of a replay are new tensors without a graph.

    **Arguments:**

    - ``fn``: the function; its signature is kept for the type checkers.
    - ``cache_size``: how many recordings to keep (least recently used goes first).

    **Returns:** a ``Compiled`` callable with ``fn``'s signature.
    """
    return Compiled(fn, cache_size)
